// llama2.c tokenizers: an int32 max_token_length, then per token a float score, an int32
// length and the bytes. Encoding follows run.c's encode(): BOS, a dummy-prefix " ", UTF-8
// code points (unknown ones as byte tokens <0xXX> = byte + 3), then greedy merges of the
// adjacent pair whose merged piece has the highest score.
#pragma once
#include <cstdint>
#include <string>
#include <unordered_map>
#include <vector>

#include "platform/llama/checkpoint.h"

namespace wvp::llama {

constexpr int32_t kBos = 1, kEos = 2;

class Tokenizer {
 public:
  Tokenizer() = default;
  Tokenizer(std::vector<std::string> pieces, std::vector<float> scores);

  // Throws ModelError when the file is malformed or its vocabulary is not `vocab_size`.
  static Tokenizer read(const std::string& path, int32_t vocab_size);
  void write(const std::string& path) const;

  int32_t vocab_size() const { return static_cast<int32_t>(pieces_.size()); }
  const std::string& piece(int32_t id) const { return pieces_[id]; }

  // run.c's encode(text, bos=1, eos=0) unless told otherwise.
  std::vector<int32_t> encode(const std::string& text, bool bos = true, bool eos = false) const;
  // The text of `token` after `prev` (run.c's decode(): no leading space after BOS, raw bytes).
  std::string decode(int32_t prev, int32_t token) const;
  // What run.c's safe_printf shows of it: a lone raw byte that is neither printable nor space
  // shows as nothing.
  std::string printable(int32_t prev, int32_t token) const;

 private:
  int32_t lookup(const std::string& piece) const;  // -1 if absent; the lowest id for duplicates

  std::vector<std::string> pieces_;
  std::vector<float> scores_;
  uint32_t max_token_length_ = 0;
  std::unordered_map<std::string, int32_t> ids_;
};

// A tokenizer of `vocab_size` pieces (at least 259 + 95): <unk>, BOS, EOS, the 256 byte tokens,
// the printable ASCII characters, then common English pieces; scores favour longer pieces.
Tokenizer generate_tokenizer(int32_t vocab_size);

}  // namespace wvp::llama
