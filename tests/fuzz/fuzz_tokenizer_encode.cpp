// Tokenizer::encode on arbitrary text over a small valid vocabulary with multi-byte pieces: ids
// within the vocabulary, at least fewest_tokens(text) of them, decoding back to the text, and, for
// texts of up to 128 bytes, run.c's own tokens.
#include <cstdint>
#include <cstring>

#include "fuzz_support.h"
#include "platform/llama/tokenizer.h"
#include "support/run_c_encode.h"

namespace {

using wvp::llama::Tokenizer;

const Tokenizer& vocabulary() {
  static const Tokenizer t = [] {
    const Tokenizer base = wvp::llama::generate_tokenizer(400);
    std::vector<std::string> pieces;
    std::vector<float> scores;
    for (int32_t i = 0; i < base.vocab_size(); ++i) pieces.push_back(base.piece(i)), scores.push_back(base.score(i));
    // Code points of 2, 3 and 4 bytes, merges through them, a combining accent, and equal scores
    // (ties go to the leftmost pair).
    for (const char* p : {"é", "ï", "€", "\xF0\x9F\x98\x80", " é", "ca", "fé", "café", " café", "ïv", "e\xCC\x81", "aa", " n", "na"})
      pieces.push_back(p), scores.push_back(-700.0f + 10.0f * static_cast<float>(std::strlen(p)));
    return Tokenizer(std::move(pieces), std::move(scores));
  }();
  return t;
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  using wvp::fuzz::require;
  const Tokenizer& t = vocabulary();
  const std::string text(reinterpret_cast<const char*>(data), size);
  const std::vector<int32_t> tokens = t.encode(text);
  for (const int32_t id : tokens) require(id >= 0 && id < t.vocab_size(), "a token outside the vocabulary");
  require(tokens.size() >= t.fewest_tokens(text), "fewer tokens than fewest_tokens()");
  std::string back;
  for (size_t i = 1; i < tokens.size(); ++i) back += t.decode(tokens[i - 1], tokens[i]);
  require(back == text, "the tokens do not decode back to the text");
  // run.c's loop is quadratic and traced by the fuzzer's instrumentation: at 512 bytes it took
  // most of the run's time; short texts reach every kind of merge.
  static const wvp::test::RunCEncoder run_c(t);
  if (size <= 128) require(tokens == run_c.encode(text, true, false), "not run.c's tokens");
  return 0;
}
