#include "platform/llama/tokenizer.h"

#include <algorithm>
#include <cctype>
#include <cstdio>
#include <cstring>
#include <fstream>
#include <queue>
#include <string_view>

#include "platform/support/input_file.h"

namespace wvp::llama {

namespace {

std::string too_small(int32_t vocab_size) {
  return "a vocabulary of " + std::to_string(vocab_size) + " tokens; a llama2.c tokenizer has at least " +
         std::to_string(kMinVocab) + " (<unk>, BOS, EOS and the 256 byte tokens <0x00>..<0xFF>)";
}

// Reads the file's fields in order, each checked against the bytes left.
struct FieldReader {
  const std::string& path;
  std::string_view rest;

  template <typename T>
  bool get(T& v) {
    if (rest.size() < sizeof v) return false;
    std::memcpy(&v, rest.data(), sizeof v);
    rest.remove_prefix(sizeof v);
    return true;
  }
  [[noreturn]] void fail(const std::string& what) const { throw ModelError(path + ": " + what); }
};

}  // namespace

Tokenizer::Tokenizer(std::vector<std::string> pieces, std::vector<float> scores)
    : pieces_(std::move(pieces)), scores_(std::move(scores)) {
  if (vocab_size() < kMinVocab) throw ModelError("tokenizer: " + too_small(vocab_size()));
  for (int32_t i = 0; i < vocab_size(); ++i) {
    ids_.emplace(pieces_[i], i);  // keeps the first id of a duplicate piece
    max_token_length_ = std::max<uint32_t>(max_token_length_, static_cast<uint32_t>(pieces_[i].size()));
  }
  for (int32_t b = 0; b < 256; ++b) empty_byte_piece_ |= pieces_[kByteTokens + b].empty();
  // run.c's encode() puts it before every text, and pushes -1 when it is missing.
  if (lookup(" ") < 0) throw ModelError("tokenizer: no piece \" \" (the dummy prefix run.c puts before the text)");
}

Tokenizer Tokenizer::read(const std::string& path, int32_t vocab_size) {
  // The real Llama 2 tokenizer is 434 KB; the largest vocabulary a checkpoint may declare (2^20)
  // of long pieces stays well below this.
  constexpr uint64_t kMaxTokenizerBytes = uint64_t{1} << 30;
  std::string bytes;
  if (const std::string problem = read_input_file(path, "tokenizer", kMaxTokenizerBytes, bytes); !problem.empty())
    throw ModelError(path + ": " + problem);
  if (vocab_size < kMinVocab) throw ModelError(path + ": the model declares " + too_small(vocab_size));
  FieldReader r{path, bytes};
  int32_t max_len = 0;
  if (!r.get(max_len) || max_len <= 0) r.fail("not a llama2.c tokenizer (bad max_token_length)");
  std::vector<std::string> pieces;
  std::vector<float> scores;
  for (int32_t i = 0; i < vocab_size; ++i) {
    float score;
    int32_t len;
    if (!r.get(score) || !r.get(len))
      r.fail("ends after " + std::to_string(i) + " tokens, but the model's vocabulary has " + std::to_string(vocab_size));
    if (len < 0 || len > max_len)
      r.fail("token " + std::to_string(i) + " has length " + std::to_string(len) + ", outside [0, max_token_length " +
             std::to_string(max_len) + "]");
    if (static_cast<size_t>(len) > r.rest.size()) r.fail("token " + std::to_string(i) + " is truncated");
    pieces.emplace_back(r.rest.substr(0, static_cast<size_t>(len)));
    r.rest.remove_prefix(static_cast<size_t>(len));
    scores.push_back(score);
  }
  if (!r.rest.empty()) r.fail("has more than the model's " + std::to_string(vocab_size) + " tokens");
  try {
    return Tokenizer(std::move(pieces), std::move(scores));
  } catch (const ModelError& e) {
    r.fail(std::string(e.what()).substr(std::string_view("tokenizer: ").size()));
  }
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
  if (!text.empty()) tokens.push_back(lookup(" "));  // the constructor made sure of it
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
      for (unsigned char b : cp) tokens.push_back(static_cast<int32_t>(b) + kByteTokens);
    }
    cp.clear();
  }
  // run.c's merge loop, the best-scoring pair first, ties to the leftmost, a score only counting
  // above -1e10 (NaN never): the same choices, from a heap of the adjacent pairs over a linked
  // list. A merged token keeps its left token's slot, so slots stay in text order and the
  // leftmost pair is the one of the lowest slot.
  struct Pair {
    float score;
    size_t left, right;
    int32_t left_id, right_id, merged;
    bool operator<(const Pair& o) const { return score < o.score || (score == o.score && left > o.left); }
  };
  const size_t n = tokens.size();
  std::vector<size_t> next(n), prev(n);
  for (size_t i = 0; i < n; ++i) next[i] = i + 1, prev[i] = i - 1;  // n and SIZE_MAX: none
  std::vector<bool> gone(n, false);
  std::priority_queue<Pair> heap;
  const auto offer = [&](size_t left) {
    if (left >= n || next[left] >= n) return;
    const size_t right = next[left];
    const int32_t id = lookup(pieces_[tokens[left]] + pieces_[tokens[right]]);
    if (id >= 0 && scores_[id] > -1e10f) heap.push({scores_[id], left, right, tokens[left], tokens[right], id});
  };
  for (size_t i = 0; i + 1 < n; ++i) offer(i);
  while (!heap.empty()) {
    const Pair p = heap.top();
    heap.pop();
    // Stale when either side merged since, or the right one is no longer the left's neighbour.
    if (gone[p.left] || gone[p.right] || next[p.left] != p.right || tokens[p.left] != p.left_id || tokens[p.right] != p.right_id)
      continue;
    tokens[p.left] = p.merged;
    gone[p.right] = true;
    next[p.left] = next[p.right];
    if (next[p.right] < n) prev[next[p.right]] = p.left;
    offer(prev[p.left]);
    offer(p.left);
  }
  std::vector<int32_t> out;
  out.reserve(n + 1);
  for (size_t i = 0; i < n; ++i)
    if (!gone[i]) out.push_back(tokens[i]);
  if (eos) out.push_back(kEos);
  return out;
}

size_t Tokenizer::fewest_tokens(const std::string& text) const {
  if (text.empty()) return 0;
  if (empty_byte_piece_ || max_token_length_ == 0) return 1;
  // The dummy prefix adds a byte; BOS stands for none.
  return (text.size() + 1 + max_token_length_ - 1) / max_token_length_;
}

std::string Tokenizer::decode(int32_t prev, int32_t token) const {
  if (token < 0 || token >= vocab_size())
    throw ModelError("tokenizer: token " + std::to_string(token) + " is outside the vocabulary of " + std::to_string(vocab_size()));
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
