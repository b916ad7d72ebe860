// llama2.c tokenizers: an int32 max_token_length, then per token a float score, an int32
// length and the bytes. Encoding follows run.c's encode(): BOS, a dummy-prefix " ", UTF-8
// code points (unknown ones as byte tokens <0xXX> = byte + 3), then greedy merges of the
// adjacent pair whose merged piece has the highest score. run.c's encode() emits BOS and the
// byte tokens whatever the vocabulary, so a vocabulary has at least those 259 tokens.
#pragma once
#include <cstdint>
#include <string>
#include <unordered_map>
#include <vector>

#include "platform/llama/checkpoint.h"

namespace wvp::llama {

constexpr int32_t kBos = 1, kEos = 2;
constexpr int32_t kByteTokens = 3;  // <0x00> is token 3, <0xFF> token 258
constexpr int32_t kMinVocab = kByteTokens + 256;

class Tokenizer {
 public:
  Tokenizer() = default;
  // Throws ModelError for fewer than kMinVocab pieces or without the piece " ".
  Tokenizer(std::vector<std::string> pieces, std::vector<float> scores);

  // Throws ModelError when the file is malformed (a length outside [0, max_token_length] or past
  // the end, missing or extra tokens), is no regular file, or its vocabulary is not one the
  // constructor takes; `vocab_size` is the model's.
  static Tokenizer read(const std::string& path, int32_t vocab_size);
  void write(const std::string& path) const;

  int32_t vocab_size() const { return static_cast<int32_t>(pieces_.size()); }
  const std::string& piece(int32_t id) const { return pieces_[id]; }
  float score(int32_t id) const { return scores_[id]; }

  // run.c's encode(text, bos=1, eos=0) unless told otherwise, the same tokens in O(n log n): run.c
  // looks at every pair after each merge, quadratic in the text.
  std::vector<int32_t> encode(const std::string& text, bool bos = true, bool eos = false) const;
  // At most as many tokens as encode(text) gives (BOS and EOS aside), computed without encoding,
  // so that a text far too long is refused at once: a token stands for at most as many bytes of
  // the text as its piece has.
  size_t fewest_tokens(const std::string& text) const;
  // The text of `token` after `prev` (run.c's decode(): no leading space after BOS, raw bytes);
  // throws ModelError for a token outside the vocabulary.
  std::string decode(int32_t prev, int32_t token) const;
  // What run.c's safe_printf shows of it: a lone raw byte that is neither printable nor space
  // shows as nothing.
  std::string printable(int32_t prev, int32_t token) const;

 private:
  int32_t lookup(const std::string& piece) const;  // -1 if absent; the lowest id for duplicates

  std::vector<std::string> pieces_;
  std::vector<float> scores_;
  uint32_t max_token_length_ = 0;
  bool empty_byte_piece_ = false;  // then merges can join bytes without growing a piece: no bound
  std::unordered_map<std::string, int32_t> ids_;
};

// A tokenizer of `vocab_size` pieces (at least 259 + 95): <unk>, BOS, EOS, the 256 byte tokens,
// the printable ASCII characters, then common English pieces; scores favour longer pieces.
Tokenizer generate_tokenizer(int32_t vocab_size);

}  // namespace wvp::llama
