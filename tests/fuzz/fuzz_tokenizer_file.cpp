// Tokenizer::read on arbitrary files, the model's vocabulary size from the input's first two bytes
// (little-endian) and the file from the rest: a tokenizer, or a ModelError naming the file. A
// vocabulary it accepts, however odd (repeated or empty pieces, NaN scores), then encodes a few
// texts as run.c does, with ids within it.
#include <cstdint>

#include "fuzz_support.h"
#include "platform/llama/tokenizer.h"
#include "support/run_c_encode.h"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  using wvp::fuzz::require;
  using wvp::llama::Tokenizer;
  if (size < 2) return 0;
  const int32_t vocab_size = data[0] | data[1] << 8;
  const std::string& path = wvp::fuzz::input_file(data + 2, size - 2, ".tok");
  Tokenizer t;
  try {
    t = Tokenizer::read(path, vocab_size);
  } catch (const wvp::llama::ModelError& e) {
    wvp::fuzz::require_clear_error(e.what(), path + ": ");
    return 0;
  }
  require(t.vocab_size() == vocab_size, "read another number of tokens than asked");
  // Texts made of the vocabulary's own pieces reach its merges.
  std::string pieces;
  for (int32_t i = 0; i < t.vocab_size() && pieces.size() < 64; i += 7) pieces += t.piece(i);
  const wvp::test::RunCEncoder run_c(t);
  for (const std::string& text : {std::string("Once upon a time"), std::string("na\xC3\xAFve caf\xC3\xA9 \xF0\x9F\x98\x80"), pieces}) {
    const std::vector<int32_t> tokens = t.encode(text);
    for (const int32_t id : tokens) require(id >= 0 && id < t.vocab_size(), "a token outside the vocabulary");
    require(tokens.size() >= t.fewest_tokens(text), "fewer tokens than fewest_tokens()");
    require(tokens == run_c.encode(text, true, false), "not run.c's tokens");
  }
  return 0;
}
