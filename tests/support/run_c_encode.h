// run.c's encode(), loop for loop, quadratic as it is: the oracle that Tokenizer::encode, which
// makes the same merges from a heap, is held to (unit tests and the tokenizer fuzz targets).
// str_lookup gives the lowest id of a repeated piece, as Tokenizer does (run.c's bsearch gives
// any of them).
#pragma once
#include <cstdint>
#include <map>
#include <string>
#include <vector>

#include "platform/llama/tokenizer.h"

namespace wvp::test {

class RunCEncoder {
 public:
  explicit RunCEncoder(const llama::Tokenizer& t) : t_(t) {
    for (int32_t i = 0; i < t.vocab_size(); ++i) sorted_vocab_.emplace(t.piece(i), i);
  }

  std::vector<int32_t> encode(const std::string& text, bool bos, bool eos) const {
    std::vector<int32_t> tokens;
    if (bos) tokens.push_back(1);
    if (!text.empty()) tokens.push_back(str_lookup(" "));
    std::string str_buffer;
    for (const char* c = text.c_str(); c != text.c_str() + text.size(); ++c) {
      if ((*c & 0xC0) != 0x80) str_buffer.clear();
      str_buffer += *c;
      if ((*(c + 1) & 0xC0) == 0x80 && str_buffer.size() < 4) continue;  // c_str() ends in '\0'
      if (const int32_t id = str_lookup(str_buffer); id != -1) {
        tokens.push_back(id);
      } else {
        for (const char b : str_buffer) tokens.push_back(static_cast<unsigned char>(b) + 3);
      }
      str_buffer.clear();
    }
    while (true) {
      float best_score = -1e10f;
      int32_t best_id = -1;
      int64_t best_idx = -1;
      for (size_t i = 0; i + 1 < tokens.size(); ++i) {
        const int32_t id = str_lookup(t_.piece(tokens[i]) + t_.piece(tokens[i + 1]));
        if (id != -1 && t_.score(id) > best_score) {
          best_score = t_.score(id);
          best_id = id;
          best_idx = static_cast<int64_t>(i);
        }
      }
      if (best_idx == -1) break;
      tokens[best_idx] = best_id;
      tokens.erase(tokens.begin() + best_idx + 1);
    }
    if (eos) tokens.push_back(2);
    return tokens;
  }

 private:
  int32_t str_lookup(const std::string& str) const {
    const auto it = sorted_vocab_.find(str);
    return it == sorted_vocab_.end() ? -1 : it->second;
  }

  const llama::Tokenizer& t_;
  std::map<std::string, int32_t> sorted_vocab_;
};

}  // namespace wvp::test
