#include "platform/llama/tokenizer.h"

#include <algorithm>
#include <cctype>
#include <cstdio>
#include <fstream>

namespace wvp::llama {

Tokenizer::Tokenizer(std::vector<std::string> pieces, std::vector<float> scores)
    : pieces_(std::move(pieces)), scores_(std::move(scores)) {
  for (int32_t i = 0; i < vocab_size(); ++i) {
    ids_.emplace(pieces_[i], i);  // keeps the first id of a duplicate piece
    max_token_length_ = std::max<uint32_t>(max_token_length_, static_cast<uint32_t>(pieces_[i].size()));
  }
}

Tokenizer Tokenizer::read(const std::string& path, int32_t vocab_size) {
  std::ifstream f(path, std::ios::binary);
  if (!f) throw ModelError(path + ": cannot open tokenizer");
  int32_t max_len = 0;
  if (!f.read(reinterpret_cast<char*>(&max_len), 4) || max_len <= 0)
    throw ModelError(path + ": not a llama2.c tokenizer (bad max_token_length)");
  std::vector<std::string> pieces;
  std::vector<float> scores;
  for (int32_t i = 0; i < vocab_size; ++i) {
    float score;
    int32_t len;
    if (!f.read(reinterpret_cast<char*>(&score), 4) || !f.read(reinterpret_cast<char*>(&len), 4))
      throw ModelError(path + ": ends after " + std::to_string(i) + " tokens, but the model's vocabulary has " +
                       std::to_string(vocab_size));
    if (len < 0 || len > max_len)
      throw ModelError(path + ": token " + std::to_string(i) + " has length " + std::to_string(len) +
                       ", outside [0, max_token_length " + std::to_string(max_len) + "]");
    std::string piece(static_cast<size_t>(len), '\0');
    if (!f.read(piece.data(), len)) throw ModelError(path + ": token " + std::to_string(i) + " is truncated");
    pieces.push_back(std::move(piece));
    scores.push_back(score);
  }
  if (f.peek() != std::char_traits<char>::eof())
    throw ModelError(path + ": has more than the model's " + std::to_string(vocab_size) + " tokens");
  return Tokenizer(std::move(pieces), std::move(scores));
}

void Tokenizer::write(const std::string& path) const {
  std::ofstream f(path, std::ios::binary);
  const int32_t max_len = static_cast<int32_t>(std::max<uint32_t>(max_token_length_, 1));
  f.write(reinterpret_cast<const char*>(&max_len), 4);
  for (int32_t i = 0; i < vocab_size(); ++i) {
    const int32_t len = static_cast<int32_t>(pieces_[i].size());
    f.write(reinterpret_cast<const char*>(&scores_[i]), 4);
    f.write(reinterpret_cast<const char*>(&len), 4);
    f.write(pieces_[i].data(), len);
  }
  if (!f) throw ModelError(path + ": cannot write tokenizer");
}

int32_t Tokenizer::lookup(const std::string& piece) const {
  const auto it = ids_.find(piece);
  return it == ids_.end() ? -1 : it->second;
}

std::vector<int32_t> Tokenizer::encode(const std::string& text, bool bos, bool eos) const {
  std::vector<int32_t> tokens;
  if (bos) tokens.push_back(kBos);
  if (!text.empty()) {
    const int32_t prefix = lookup(" ");
    if (prefix < 0) throw ModelError("tokenizer: no piece \" \" for the dummy prefix");
    tokens.push_back(prefix);
  }
  // One code point at a time (at most 4 bytes); unknown ones fall back to byte tokens.
  std::string cp;
  for (size_t i = 0; i < text.size(); ++i) {
    const unsigned char c = static_cast<unsigned char>(text[i]);
    if ((c & 0xC0) != 0x80) cp.clear();
    cp.push_back(static_cast<char>(c));
    const bool continues = i + 1 < text.size() && (static_cast<unsigned char>(text[i + 1]) & 0xC0) == 0x80;
    if (continues && cp.size() < 4) continue;
    const int32_t id = lookup(cp);
    if (id >= 0) {
      tokens.push_back(id);
    } else {
      for (unsigned char b : cp) tokens.push_back(static_cast<int32_t>(b) + 3);
    }
    cp.clear();
  }
  // Greedy merges, best score first; ties go to the leftmost pair, as in run.c.
  for (;;) {
    float best_score = -1e10f;
    int32_t best_id = -1;
    size_t best_at = 0;
    for (size_t i = 0; i + 1 < tokens.size(); ++i) {
      const int32_t id = lookup(pieces_[tokens[i]] + pieces_[tokens[i + 1]]);
      if (id >= 0 && scores_[id] > best_score) best_score = scores_[id], best_id = id, best_at = i;
    }
    if (best_id < 0) break;
    tokens[best_at] = best_id;
    tokens.erase(tokens.begin() + static_cast<std::ptrdiff_t>(best_at) + 1);
  }
  if (eos) tokens.push_back(kEos);
  return tokens;
}

std::string Tokenizer::decode(int32_t prev, int32_t token) const {
  std::string piece = pieces_[token];
  if (prev == kBos && !piece.empty() && piece[0] == ' ') piece.erase(0, 1);
  unsigned int byte;
  char close;
  if (piece.size() == 6 && std::sscanf(piece.c_str(), "<0x%02X%c", &byte, &close) == 2 && close == '>')
    return std::string(1, static_cast<char>(byte));
  return piece;
}

std::string Tokenizer::printable(int32_t prev, int32_t token) const {
  std::string piece = decode(prev, token);
  if (piece.size() == 1) {
    const unsigned char c = static_cast<unsigned char>(piece[0]);
    if (!(std::isprint(c) || std::isspace(c))) return "";
  }
  return piece;
}

Tokenizer generate_tokenizer(int32_t vocab_size) {
  // Merge steps before the words they build: " the" comes from " t" + "he".
  static const char* const kPieces[] = {
      " t", " s", " w", " b", " h", " f", " m", " l", " d", " p", " c", " r", " n", " g", " T", " S", " I", " a",
      "ed", "ing", "er", "ly", "es", "th", "he", "in", "an", "on", "re", "at", "en", "nd", "st", "or", "ou", "ay",
      " the", " and", " to", " of", " in", " was", " he", " she", " it", " is", " that", " with", " for", " on",
      " they", " his", " her", " you", " said", " there", " day", " one", " little", " big", " time", " happy",
      " friend", " play", " saw", " went", " had", " were", " very", " mom", " dog", " cat", " ball", " tree",
      " sun", " park", " girl", " boy", " Once", " upon", " wanted", " looked", " smiled", " red"};
  std::vector<std::string> pieces = {"<unk>", "\n<s>\n", "\n</s>\n"};
  for (int b = 0; b < 256; ++b) {
    char name[8];
    std::snprintf(name, sizeof name, "<0x%02X>", b);
    pieces.push_back(name);
  }
  for (char c = ' '; c <= '~'; ++c) pieces.push_back(std::string(1, c));
  for (const char* p : kPieces) pieces.push_back(p);
  if (vocab_size < 259 + 95 || static_cast<size_t>(vocab_size) > pieces.size() + 4096)
    throw ModelError("generated tokenizer: vocab_size " + std::to_string(vocab_size) + " must be in [354, " +
                     std::to_string(pieces.size() + 4096) + "]");
  // Fill up with two-letter pieces, in a fixed order.
  for (int i = 0; pieces.size() < static_cast<size_t>(vocab_size); ++i)
    pieces.push_back(std::string{char('a' + i / 26 % 26), char('a' + i % 26)} + (i >= 676 ? std::to_string(i / 676) : ""));
  pieces.resize(static_cast<size_t>(vocab_size));
  std::vector<float> scores(pieces.size(), 0.0f);
  for (size_t i = 259; i < pieces.size(); ++i) scores[i] = -1000.0f + static_cast<float>(pieces[i].size()) * 10.0f - 0.001f * float(i);
  return Tokenizer(std::move(pieces), std::move(scores));
}

}  // namespace wvp::llama
