// Host side of LLM decode: llama2.c checkpoint and tokenizer files, generated models, and the
// reference forward pass, held against an independent double-precision transformer.
#include <gtest/gtest.h>

#include <chrono>
#include <cmath>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <functional>
#include <limits>

#include "abi/wvp/element_types.h"
#include "platform/llama/checkpoint.h"
#include "platform/llama/loader.h"
#include "platform/llama/reference.h"
#include "platform/llama/shape.h"
#include "platform/llama/tokenizer.h"
#include "platform/support/quoted.h"
#include "support/process.h"
#include "abi/wvp/model_layout.h"
#include "support/error_of.h"
#include "support/run_c_encode.h"

namespace wvp::llama {
namespace {

using test::error_of;

ModelConfig small_config() {
  ModelConfig c;
  c.dim = 16;
  c.hidden_dim = 40;
  c.n_layers = 2;
  c.n_heads = 4;
  c.n_kv_heads = 2;
  c.vocab_size = 400;
  c.seq_len = 12;
  return c;
}

TEST(LlamaCheckpoint, RoundTripsThroughTheLlama2cLayout) {
  for (bool shared : {true, false}) {
    ModelConfig c = small_config();
    c.shared_classifier = shared;
    const Model m = generate_model(c, 7);
    const std::string path = test::temp_path("model.bin");
    write_checkpoint(path, m);
    std::ifstream f(path, std::ios::binary | std::ios::ate);
    // Header, then embedding, 9 per-layer blocks, final norm, the old RoPE tables, classifier.
    const uint64_t d = 16, h = 40, l = 2, v = 400, kv = 8, hs = 4, seq = 12;
    const uint64_t floats = v * d + l * (d + d * d + 2 * d * kv + d * d + d + 3 * d * h) + d + seq * hs + (shared ? 0 : v * d);
    EXPECT_EQ(static_cast<uint64_t>(f.tellg()), 28 + 4 * floats);
    f.seekg(20);
    int32_t vocab_field = 0;
    f.read(reinterpret_cast<char*>(&vocab_field), 4);
    EXPECT_EQ(vocab_field, shared ? 400 : -400);  // negative: separate classifier

    const Model r = read_checkpoint(path);
    EXPECT_EQ(r.config.dim, 16);
    EXPECT_EQ(r.config.shared_classifier, shared);
    EXPECT_EQ(r.weights.data, m.weights.data);
    EXPECT_EQ(r.weights.classifier == r.weights.token_embedding, shared);
    EXPECT_EQ(r.weights.rms_final - r.weights.data.data(), static_cast<ptrdiff_t>(floats - seq * hs - d - (shared ? 0 : v * d)));
  }
  // The same seed gives the same model, another seed another one.
  EXPECT_EQ(generate_model(small_config(), 7).weights.data, generate_model(small_config(), 7).weights.data);
  EXPECT_NE(generate_model(small_config(), 7).weights.data, generate_model(small_config(), 8).weights.data);
}

TEST(LlamaCheckpoint, BadFilesAreRefusedWithWhatIsWrong) {
  const std::string path = test::temp_path("bad.bin");
  write_checkpoint(path, generate_model(small_config(), 1));
  std::string bytes;
  {
    std::ifstream f(path, std::ios::binary);
    bytes.assign(std::istreambuf_iterator<char>(f), {});
  }
  std::ofstream(path, std::ios::binary) << bytes.substr(0, bytes.size() - 4);
  EXPECT_NE(error_of<ModelError>([&] { read_checkpoint(path); }).find("bytes, but its header (dim 16, hidden_dim 40, 2 layers, 4/2 heads"),
            std::string::npos);
  std::ofstream(path, std::ios::binary) << bytes.substr(0, 20);
  EXPECT_NE(error_of<ModelError>([&] { read_checkpoint(path); }).find("truncated header"), std::string::npos);
  std::string odd = bytes;
  const int32_t heads = 3;  // 16 is not a multiple of 3
  std::memcpy(odd.data() + 12, &heads, 4);
  std::ofstream(path, std::ios::binary) << odd;
  EXPECT_NE(error_of<ModelError>([&] { read_checkpoint(path); }).find("dim 16 is not a multiple of n_heads 3"), std::string::npos);
  EXPECT_NE(error_of<ModelError>([&] { read_checkpoint("/nonexistent/m.bin"); }).find("cannot open"), std::string::npos);
}

TEST(LlamaTokenizer, FileRoundTripAndVocabularyChecks) {
  const Tokenizer t = generate_tokenizer(400);
  const std::string path = test::temp_path("tok.bin");
  t.write(path);
  const Tokenizer r = Tokenizer::read(path, 400);
  for (int32_t i = 0; i < 400; ++i) EXPECT_EQ(r.piece(i), t.piece(i));
  EXPECT_NE(error_of<ModelError>([&] { Tokenizer::read(path, 401); }).find("ends after 400 tokens, but the model's vocabulary has 401"),
            std::string::npos);
  EXPECT_NE(error_of<ModelError>([&] { Tokenizer::read(path, 399); }).find("has more than the model's 399 tokens"), std::string::npos);
}

TEST(LlamaTokenizer, EncodesAsRunCDoesAndDecodesBack) {
  const Tokenizer t = generate_tokenizer(512);
  const auto id = [&](const std::string& piece) {
    for (int32_t i = 0; i < t.vocab_size(); ++i)
      if (t.piece(i) == piece) return i;
    return -1;
  };
  // BOS, then the dummy prefix merges with the text: " the" and " cat" are pieces.
  EXPECT_EQ(t.encode("the cat"), (std::vector<int32_t>{kBos, id(" the"), id(" cat")}));
  EXPECT_EQ(t.encode("the cat", false, true), (std::vector<int32_t>{id(" the"), id(" cat"), kEos}));
  EXPECT_EQ(t.encode(""), (std::vector<int32_t>{kBos}));
  // Characters outside the vocabulary fall back to their UTF-8 bytes (+3).
  const std::vector<int32_t> e = t.encode("é");
  ASSERT_EQ(e.size(), 4u);
  EXPECT_EQ(e[1], id(" "));
  EXPECT_EQ(e[2], 0xC3 + 3);
  EXPECT_EQ(e[3], 0xA9 + 3);
  // Decoding: no leading space right after BOS, byte tokens become their byte.
  for (const std::string text : {"Once upon a time, the little dog saw a red ball.", "naïve café"}) {
    const std::vector<int32_t> tokens = t.encode(text);
    std::string back;
    for (size_t i = 1; i < tokens.size(); ++i) back += t.decode(tokens[i - 1], tokens[i]);
    EXPECT_EQ(back, text);
  }
}

// The bytes of a file, and a file of these bytes.
std::string file_bytes(const std::string& path) {
  std::ifstream f(path, std::ios::binary);
  return std::string(std::istreambuf_iterator<char>(f), {});
}
void write_bytes(const std::string& path, const std::string& bytes) { std::ofstream(path, std::ios::binary) << bytes; }
template <typename T>
void put(std::string& bytes, size_t offset, T value) {
  std::memcpy(bytes.data() + offset, &value, sizeof value);
}

TEST(LlamaCheckpoint, NonFiniteWeightsAreRefusedNamingTheTensorAndIndex) {
  const ModelConfig c = small_config();  // d 16, kv 8, vocab 400, 2 layers
  const std::string path = test::temp_path("nan.bin");
  write_checkpoint(path, generate_model(c, 3));
  const std::string good = file_bytes(path);
  const size_t wq = 28 + 4 * (400 * 16 + 2 * 16);  // after the embedding and both layers' rms_att
  std::string bad = good;
  put(bad, wq + 4 * (16 * 16 + 5), std::numeric_limits<float>::quiet_NaN());  // layer 1, element 5
  write_bytes(path, bad);
  EXPECT_EQ(error_of<ModelError>([&] { read_checkpoint(path); }), path + ": weight 5 of wq, layer 1 is NaN (weights must be finite)");
  bad = good;
  put(bad, good.size() - 4 * (12 * 4 + 16) + 4 * 3, -std::numeric_limits<float>::infinity());  // rms_final_weight[3]
  write_bytes(path, bad);
  EXPECT_EQ(error_of<ModelError>([&] { read_checkpoint(path); }), path + ": weight 3 of rms_final_weight is -Inf (weights must be finite)");
  bad = good;
  put(bad, 28 + 4 * 17, std::numeric_limits<float>::infinity());
  write_bytes(path, bad);
  EXPECT_EQ(error_of<ModelError>([&] { read_checkpoint(path); }),
            path + ": weight 17 of token_embedding_table is +Inf (weights must be finite)");
  // run.c's former RoPE tables are in the file but unused: what they hold does not matter.
  bad = good;
  put(bad, good.size() - 4, std::numeric_limits<float>::quiet_NaN());
  write_bytes(path, bad);
  EXPECT_NO_THROW(read_checkpoint(path));
}

TEST(LlamaCheckpoint, HeadersOutOfRangeAreRefusedBeforeAnythingIsAllocated) {
  const std::string path = test::temp_path("header.bin");
  write_checkpoint(path, generate_model(small_config(), 1));
  const std::string good = file_bytes(path);
  const auto error_with = [&](size_t field, int32_t value) {
    std::string bad = good;
    put(bad, 4 * field, value);
    write_bytes(path, bad);
    const std::string e = error_of<ModelError>([&] { read_checkpoint(path); });
    return e.substr(0, path.size() + 2) == path + ": " ? e.substr(path.size() + 2) : e;
  };
  EXPECT_EQ(error_with(0, 1073741824), "model config: dim 1073741824 is above 65536, the largest wafervp takes");
  EXPECT_EQ(error_with(1, INT32_MAX), "model config: hidden_dim 2147483647 is above 262144, the largest wafervp takes");
  EXPECT_EQ(error_with(2, 2000000000), "model config: n_layers 2000000000 is above 4096, the largest wafervp takes");
  EXPECT_EQ(error_with(5, -(1 << 21)), "model config: vocab_size 2097152 is above 1048576, the largest wafervp takes");
  EXPECT_EQ(error_with(6, 1 << 30), "model config: seq_len 1073741824 is above 1048576, the largest wafervp takes");
  for (const auto& [field, value] : std::vector<std::pair<size_t, int32_t>>{{0, 0}, {1, -1}, {3, 0}, {4, -4}, {5, 0}, {5, INT32_MIN}, {6, 0}})
    EXPECT_NE(error_with(field, value).find("every dimension must be positive"), std::string::npos) << field << " " << value;
  EXPECT_EQ(error_with(4, 8), "model config: n_heads 4 is not a multiple of n_kv_heads 8");
  // Within every limit, the size still has to be the header's.
  EXPECT_NE(error_with(2, 4096).find(std::to_string(good.size()) + " bytes, but its header (dim 16, hidden_dim 40, 4096 layers"),
            std::string::npos);
  // make-model's generated models are refused before their weights are allocated.
  ModelConfig huge = small_config();
  huge.dim = 1073741824;
  EXPECT_EQ(error_of<ModelError>([&] { generate_model(huge, 1); }), "model config: dim 1073741824 is above 65536, the largest wafervp takes");
  huge = small_config();
  huge.n_layers = 2000000000;
  EXPECT_EQ(error_of<ModelError>([&] { generate_model(huge, 1); }), "model config: n_layers 2000000000 is above 4096, the largest wafervp takes");
  huge = small_config();
  huge.dim = 1 << 16, huge.n_layers = 1 << 12;  // each within its limit, 200 TB together
  EXPECT_NE(error_of<ModelError>([&] { generate_model(huge, 1); }).find("generated test models stop at 4294967296"), std::string::npos);
}

TEST(LlamaCheckpoint, TruncatedFilesDirectoriesAndDevicesAreRefused) {
  const std::string path = test::temp_path("short.bin");
  write_checkpoint(path, generate_model(small_config(), 1));
  const std::string good = file_bytes(path);
  write_bytes(path, good.substr(0, good.size() / 2));
  EXPECT_NE(error_of<ModelError>([&] { read_checkpoint(path); }).find(std::to_string(good.size() / 2) + " bytes, but its header"),
            std::string::npos);
  write_bytes(path, good.substr(0, 27));
  EXPECT_EQ(error_of<ModelError>([&] { read_checkpoint(path); }), path + ": truncated header (a llama2.c checkpoint starts with seven int32)");
  write_bytes(path, good + "x");
  EXPECT_NE(error_of<ModelError>([&] { read_checkpoint(path); }).find(std::to_string(good.size() + 1) + " bytes, but its header"),
            std::string::npos);
  const std::string dir = test::temp_path("model_dir");
  std::filesystem::create_directory(dir);
  EXPECT_EQ(error_of<ModelError>([&] { read_checkpoint(dir); }), dir + ": is a directory");
  EXPECT_EQ(error_of<ModelError>([&] { read_checkpoint("/dev/zero"); }), "/dev/zero: is not a regular file (a device, FIFO or socket)");
  std::filesystem::remove(dir);
}

// A llama2.c tokenizer file: max_token_length, then (score, length, bytes) per token.
std::string tokenizer_file(int32_t max_len, const std::vector<std::pair<int32_t, std::string>>& tokens) {
  std::string b(4, '\0');
  put(b, 0, max_len);
  for (const auto& [len, bytes] : tokens) {
    const size_t at = b.size();
    b.resize(at + 8);
    put(b, at, 0.5f);
    put(b, at + 4, len);
    b += bytes;
  }
  return b;
}

TEST(LlamaTokenizer, VocabulariesTooSmallForBosAndTheByteTokensAreRefused) {
  // run.c's encode() emits BOS (1) and byte tokens (3 to 258) whatever the vocabulary: with a
  // vocabulary of 1 or 2 tokens, encode() read pieces past its end.
  const std::string path = test::temp_path("tiny_tok.bin");
  for (const int32_t vocab : {1, 2, 258}) {
    std::vector<std::pair<int32_t, std::string>> tokens(static_cast<size_t>(vocab), {1, " "});
    write_bytes(path, tokenizer_file(1, tokens));
    EXPECT_EQ(error_of<ModelError>([&] { Tokenizer::read(path, vocab); }),
              path + ": the model declares a vocabulary of " + std::to_string(vocab) +
                  " tokens; a llama2.c tokenizer has at least 259 (<unk>, BOS, EOS and the 256 byte tokens <0x00>..<0xFF>)");
    EXPECT_EQ(error_of<ModelError>([&] { Tokenizer(std::vector<std::string>(size_t(vocab), " "), std::vector<float>(size_t(vocab))); }),
              "tokenizer: a vocabulary of " + std::to_string(vocab) +
                  " tokens; a llama2.c tokenizer has at least 259 (<unk>, BOS, EOS and the 256 byte tokens <0x00>..<0xFF>)");
  }
  const Tokenizer t = generate_tokenizer(400);
  EXPECT_EQ(error_of<ModelError>([&] { t.decode(1, 400); }), "tokenizer: token 400 is outside the vocabulary of 400");
  EXPECT_EQ(error_of<ModelError>([&] { t.decode(1, -1); }), "tokenizer: token -1 is outside the vocabulary of 400");
}

TEST(LlamaTokenizer, MalformedFilesAreRefusedWithoutAllocatingWhatTheyClaim) {
  const std::string path = test::temp_path("bad_tok.bin");
  std::vector<std::pair<int32_t, std::string>> tokens(300, {1, "a"});
  const auto error_for = [&](const std::string& bytes) {
    write_bytes(path, bytes);
    const std::string e = error_of<ModelError>([&] { Tokenizer::read(path, 300); });
    return e.substr(0, path.size() + 2) == path + ": " ? e.substr(path.size() + 2) : e;
  };
  EXPECT_EQ(error_for(tokenizer_file(1, tokens)), "no piece \" \" (the dummy prefix run.c puts before the text)");
  tokens[299] = {1, " "};
  EXPECT_EQ(error_for(tokenizer_file(1, tokens)), "");
  EXPECT_EQ(error_for(tokenizer_file(0, tokens)), "not a llama2.c tokenizer (bad max_token_length)");
  EXPECT_EQ(error_for(tokenizer_file(-5, tokens)), "not a llama2.c tokenizer (bad max_token_length)");
  EXPECT_EQ(error_for(""), "not a llama2.c tokenizer (bad max_token_length)");
  tokens[7] = {-1, ""};
  EXPECT_EQ(error_for(tokenizer_file(1, tokens)), "token 7 has length -1, outside [0, max_token_length 1]");
  tokens[7] = {2, "ab"};
  EXPECT_EQ(error_for(tokenizer_file(1, tokens)), "token 7 has length 2, outside [0, max_token_length 1]");
  // A length of 2 GB, allowed by max_token_length, in a file of a few KB: refused, not allocated.
  tokens[7] = {INT32_MAX, ""};
  EXPECT_EQ(error_for(tokenizer_file(INT32_MAX, tokens)), "token 7 is truncated");
  tokens[7] = {1, "a"};
  const std::string whole = tokenizer_file(1, tokens);
  EXPECT_EQ(error_for(whole.substr(0, whole.size() - 1)), "token 299 is truncated");
  EXPECT_EQ(error_for(whole.substr(0, whole.size() - 3)), "ends after 299 tokens, but the model's vocabulary has 300");
  EXPECT_EQ(error_for(whole + "x"), "has more than the model's 300 tokens");
  const std::string dir = test::temp_path("tok_dir");
  std::filesystem::create_directory(dir);
  EXPECT_EQ(error_of<ModelError>([&] { Tokenizer::read(dir, 300); }), dir + ": is a directory");
  EXPECT_EQ(error_of<ModelError>([&] { Tokenizer::read("/dev/zero", 300); }), "/dev/zero: is not a regular file (a device, FIFO or socket)");
  std::filesystem::remove(dir);
}

TEST(LlamaTokenizer, EncodeGivesRunCsTokensOnRandomTexts) {
  // Pieces with 2-, 3- and 4-byte code points, merges through them, equal scores (ties go to the
  // leftmost pair) and a repeated piece (the lowest id counts).
  const Tokenizer base = generate_tokenizer(600);
  std::vector<std::string> pieces;
  std::vector<float> scores;
  for (int32_t i = 0; i < base.vocab_size(); ++i) pieces.push_back(base.piece(i)), scores.push_back(base.score(i));
  for (const char* p : {"é", "€", "\xF0\x9F\x98\x80", " é", "café", " café", "the", "he", "the", "aa", "aaa"})
    pieces.push_back(p), scores.push_back(-900.0f);
  const Tokenizer t(pieces, scores);
  const test::RunCEncoder run_c(t);
  const std::vector<std::string> parts = {"a", "aa", "the", " ", "é", "caf", "€", "\xF0\x9F\x98\x80", "\xC3", "\xA9", "\x80", "x", "\n",
                                          "once", " upon", "\xFF", std::string(1, '\0')};
  uint64_t state = 12345;
  for (int n = 0; n < 400; ++n) {
    std::string text;
    for (int k = 0; k < n % 40; ++k) {
      state = state * 6364136223846793005ull + 1442695040888963407ull;
      text += parts[(state >> 33) % parts.size()];
    }
    const bool bos = n % 3 != 0, eos = n % 5 == 0;
    EXPECT_EQ(t.encode(text, bos, eos), run_c.encode(text, bos, eos)) << wvp::quoted(text);
    EXPECT_GE(t.encode(text).size(), t.fewest_tokens(text));
  }
}

TEST(LlamaTokenizer, LongTextsEncodeInLittleTimeAndAreBoundedBeforehand) {
  // run.c's merge loop looks at every pair after each merge: 100,000 characters took minutes.
  const Tokenizer t = generate_tokenizer(512);
  std::string text;
  while (text.size() < 100'000) text += "Once upon a time, the little dog saw a red ball. caf\xC3\xA9 ";
  const auto start = std::chrono::steady_clock::now();
  const std::vector<int32_t> tokens = t.encode(text);
  EXPECT_LT(std::chrono::steady_clock::now() - start, std::chrono::seconds(2));
  // A token stands for at most as many bytes as its longest piece has.
  size_t longest = 0;
  for (int32_t i = 0; i < t.vocab_size(); ++i) longest = std::max(longest, t.piece(i).size());
  EXPECT_GE(tokens.size(), t.fewest_tokens(text));
  EXPECT_EQ(t.fewest_tokens(text), (text.size() + 1 + longest - 1) / longest);
  EXPECT_EQ(t.fewest_tokens(""), 0u);
  std::string back;
  for (size_t i = 1; i < tokens.size(); ++i) back += t.decode(tokens[i - 1], tokens[i]);
  EXPECT_EQ(back, text);
}

// An independent transformer in double precision, written from the architecture (not from
// run.c's loops): the reference must agree with it to float rounding.
std::vector<double> forward_double(const Model& m, const std::vector<int32_t>& tokens) {
  const ModelConfig& c = m.config;
  const ModelWeights& w = m.weights;
  const int hs = c.head_size(), kvd = c.kv_dim(), group = c.n_heads / c.n_kv_heads;
  const auto mat = [](const float* W, const std::vector<double>& x, int rows) {
    std::vector<double> y(rows, 0.0);
    for (int r = 0; r < rows; ++r)
      for (size_t k = 0; k < x.size(); ++k) y[r] += double(W[r * x.size() + k]) * x[k];
    return y;
  };
  const auto norm = [&](const std::vector<double>& x, const float* g) {
    double ms = 0;
    for (double v : x) ms += v * v;
    const double s = 1.0 / std::sqrt(ms / x.size() + 1e-5);
    std::vector<double> y(x.size());
    for (size_t i = 0; i < x.size(); ++i) y[i] = g[i] * x[i] * s;
    return y;
  };
  const auto rope = [&](std::vector<double>& v, int pos) {  // rotate pairs within each head
    for (size_t i = 0; i < v.size(); i += 2) {
      const double angle = pos * std::pow(10000.0, -double(i % hs) / hs);
      const double a = v[i], b = v[i + 1];
      v[i] = a * std::cos(angle) - b * std::sin(angle);
      v[i + 1] = a * std::sin(angle) + b * std::cos(angle);
    }
  };
  std::vector<std::vector<std::vector<double>>> keys(c.n_layers), values(c.n_layers);
  std::vector<double> logits;
  for (int pos = 0; pos < int(tokens.size()); ++pos) {
    std::vector<double> x(w.token_embedding + tokens[pos] * c.dim, w.token_embedding + (tokens[pos] + 1) * c.dim);
    for (int l = 0; l < c.n_layers; ++l) {
      const std::vector<double> xn = norm(x, w.rms_att + l * c.dim);
      std::vector<double> q = mat(w.wq + l * c.dim * c.dim, xn, c.dim);
      std::vector<double> k = mat(w.wk + l * c.dim * kvd, xn, kvd);
      rope(q, pos);
      rope(k, pos);
      keys[l].push_back(k);
      values[l].push_back(mat(w.wv + l * c.dim * kvd, xn, kvd));
      std::vector<double> out(c.dim, 0.0);
      for (int h = 0; h < c.n_heads; ++h) {
        const int kvh = h / group;
        std::vector<double> score(pos + 1);
        double top = -1e300, total = 0;
        for (int t = 0; t <= pos; ++t) {
          for (int i = 0; i < hs; ++i) score[t] += q[h * hs + i] * keys[l][t][kvh * hs + i];
          score[t] /= std::sqrt(double(hs));
          top = std::max(top, score[t]);
        }
        for (double& s : score) total += (s = std::exp(s - top));
        for (int t = 0; t <= pos; ++t)
          for (int i = 0; i < hs; ++i) out[h * hs + i] += score[t] / total * values[l][t][kvh * hs + i];
      }
      const std::vector<double> o = mat(w.wo + l * c.dim * c.dim, out, c.dim);
      for (int i = 0; i < c.dim; ++i) x[i] += o[i];
      const std::vector<double> xf = norm(x, w.rms_ffn + l * c.dim);
      const std::vector<double> gate = mat(w.w1 + l * c.dim * c.hidden_dim, xf, c.hidden_dim);
      const std::vector<double> up = mat(w.w3 + l * c.dim * c.hidden_dim, xf, c.hidden_dim);
      std::vector<double> act(c.hidden_dim);
      for (int i = 0; i < c.hidden_dim; ++i) act[i] = gate[i] / (1 + std::exp(-gate[i])) * up[i];
      const std::vector<double> down = mat(w.w2 + l * c.hidden_dim * c.dim, act, c.dim);
      for (int i = 0; i < c.dim; ++i) x[i] += down[i];
    }
    logits = mat(w.classifier, norm(x, w.rms_final), c.vocab_size);
  }
  return logits;
}

TEST(LlamaReference, ForwardPassAgreesWithAnIndependentDoublePrecisionTransformer) {
  for (bool shared : {true, false}) {
    ModelConfig c = small_config();
    c.shared_classifier = shared;
    const Model m = generate_model(c, 3);
    Reference ref(m);
    const std::vector<int32_t> tokens = {1, 300, 42, 7, 399, 5, 77};
    double worst = 0;
    for (size_t pos = 0; pos < tokens.size(); ++pos) {
      const std::vector<float> logits = ref.forward(tokens[pos], static_cast<int32_t>(pos));
      const std::vector<double> expected =
          forward_double(m, std::vector<int32_t>(tokens.begin(), tokens.begin() + static_cast<ptrdiff_t>(pos) + 1));
      double scale = 0;
      for (double e : expected) scale = std::max(scale, std::abs(e));
      for (int32_t i = 0; i < c.vocab_size; ++i) worst = std::max(worst, std::abs(logits[i] - expected[i]) / scale);
    }
    EXPECT_LT(worst, 1e-5) << "shared " << shared;
    std::printf("largest logit error against the double-precision transformer: %.2e of the largest logit\n", worst);
  }
}

TEST(LlamaReference, GenerationForcesThePromptAndSamplesDeterministically) {
  const Model m = generate_model(small_config(), 5);
  const std::vector<int32_t> prompt = {kBos, 300, 42, 7};
  Sampler greedy(400, 0.0f, 0.9f, 1);
  const Generation g = generate(m, prompt, 10, greedy);
  ASSERT_GE(g.tokens.size(), 3u);
  EXPECT_EQ(std::vector<int32_t>(g.tokens.begin(), g.tokens.begin() + 3), (std::vector<int32_t>{300, 42, 7}));
  for (size_t i = 3; i < g.tokens.size(); ++i) EXPECT_EQ(g.tokens[i], argmax(g.logits[i])) << i;
  EXPECT_LE(g.tokens.size(), 10u);
  // Steps beyond the context stop at seq_len.
  Sampler greedy2(400, 0.0f, 0.9f, 1);
  EXPECT_LE(generate(m, prompt, 1000, greedy2).logits.size(), 12u);
  // Seeded sampling repeats itself, and another seed changes it.
  const auto sampled = [&](uint64_t seed, float topp) {
    Sampler s(400, 1.0f, topp, seed);
    return generate(m, prompt, 12, s).tokens;
  };
  EXPECT_EQ(sampled(9, 0.9f), sampled(9, 0.9f));
  EXPECT_EQ(sampled(9, 1.0f), sampled(9, 1.0f));
  EXPECT_NE(sampled(9, 1.0f), sampled(10, 1.0f));
  EXPECT_THROW(generate(m, {}, 5, greedy), ModelError);
}

TEST(LlamaReference, SamplerPicksFromTheNucleus) {
  std::vector<float> logits(400, -30.0f);
  logits[17] = 10.0f;
  logits[23] = 9.0f;
  for (uint64_t seed = 1; seed <= 50; ++seed) {
    Sampler s(400, 1.0f, 0.5f, seed);  // 17 alone holds over half the mass
    EXPECT_EQ(s.sample(logits), 17);
    Sampler wide(400, 1.0f, 0.99f, seed);
    const int32_t t = wide.sample(logits);
    EXPECT_TRUE(t == 17 || t == 23) << t;
  }
}

TEST(LlamaLoader, EveryTileGetsItsBlockOfEveryMatrixAndItsPartOfTheNorms) {
  for (bool shared : {true, false}) {
    ModelConfig c = small_config();  // dim 16, hidden 40, 4 heads of 4, 2 KV heads, vocab 400
    c.shared_classifier = shared;
    const Model m = generate_model(c, 11);
    // 3 columns x 2 rows: x's parts 6, 5, 5 from 0, 6, 11; a KV head and its two query heads,
    // 20 hidden units and 200 vocabulary rows per row.
    const StagePlan plan = single_stage(3, 2);
    const uint32_t dims_first[] = {0, 6, 11}, dims_count[] = {6, 5, 5};
    for (uint32_t core = 0; core < 6; ++core) {
      const uint32_t col = core % 3, row = core / 3, d0 = dims_first[col], n = dims_count[col];
      const std::vector<uint8_t> bytes = model_region_image(m, plan, core);
      ASSERT_LT(bytes.size(), model_region_bytes(c, plan));  // the working memory follows
      const float* region = reinterpret_cast<const float*>(bytes.data());
      wvp_model_header h;
      std::memcpy(&h, bytes.data(), sizeof h);
      EXPECT_EQ(h.magic, WVP_MODEL_MAGIC);
      EXPECT_EQ(h.cores, 6u);
      EXPECT_EQ(h.shared_classifier, shared ? 1u : 0u);
      EXPECT_EQ(h.micro_batches, 1u);
      EXPECT_EQ(h.stages, 1u);
      const wvp_model_layout l = wvp_model_layout_of(&h, 0);
      EXPECT_EQ(bytes.size(), 4u * l.floats);
      EXPECT_EQ(reinterpret_cast<const int32_t*>(region)[l.prompt + 1], 0);  // the host sends the prompts
      const PromptBlock prompt = prompt_block(c, plan, {{kBos, 300, 7}});
      EXPECT_EQ(prompt.offset, 4 * l.prompt);
      ASSERT_EQ(prompt.bytes.size(), 4u * c.seq_len);
      EXPECT_EQ(reinterpret_cast<const int32_t*>(prompt.bytes.data())[1], 300);
      EXPECT_EQ(reinterpret_cast<const int32_t*>(prompt.bytes.data())[3], WVP_NO_TOKEN);  // after the prompt
      EXPECT_EQ(model_region_bytes(c, plan), 4u * wvp_decode_layout_of(&h, 0).floats);
      // Sampling adds every logit and an order of them on every core.
      EXPECT_EQ(model_region_bytes(c, plan, true), model_region_bytes(c, plan) + 2u * 4 * 400);
      EXPECT_EQ(l.cols_dim, 6u);
      EXPECT_EQ(l.rows_qkv, 16u);  // 8 query rows, 4 key rows, 4 value rows
      EXPECT_EQ(l.cols_heads, 8u);
      EXPECT_EQ(l.rows_units, 20u);
      EXPECT_EQ(l.rows_vocab, 200u);
      EXPECT_EQ(l.classifier == l.embedding, shared);
      for (uint32_t i = 0; i < n; ++i) {
        EXPECT_EQ(region[l.rms_ffn + l.cols_dim + i], m.weights.rms_ffn[16 + d0 + i]);  // layer 1
        EXPECT_EQ(region[l.rms_final + i], m.weights.rms_final[d0 + i]);
      }
      // Layer 1 of wq|wk|wv: the row's query rows, key rows and value rows over x's part.
      const float* qkv = region + l.wqkv + l.wqkv_stride;
      for (uint32_t r = 0; r < 16; ++r) {
        const float* expected = r < 8 ? m.weights.wq + (16 + row * 8 + r) * 16
                              : r < 12 ? m.weights.wk + (8 + row * 4 + r - 8) * 16
                                       : m.weights.wv + (8 + row * 4 + r - 12) * 16;
        for (uint32_t i = 0; i < n; ++i) ASSERT_EQ(qkv[r * n + i], expected[d0 + i]) << "core " << core << " row " << r;
      }
      // Layer 1 of wo: x's part of its rows over the row's query heads' 8 columns.
      for (uint32_t r = 0; r < n; ++r)
        for (uint32_t i = 0; i < 8; ++i)
          ASSERT_EQ(region[l.wo + l.wo_stride + r * 8 + i], m.weights.wo[16 * 16 + (d0 + r) * 16 + row * 8 + i]);
      // Layer 0 of w1|w3 (each unit's w1 row, then its w3 row, over x's part) and of w2 (x's part
      // of its rows over the row's 20 units).
      for (uint32_t u = 0; u < 20; ++u)
        for (uint32_t i = 0; i < n; ++i) {
          ASSERT_EQ(region[l.w13 + 2 * u * n + i], m.weights.w1[(row * 20 + u) * 16 + d0 + i]);
          ASSERT_EQ(region[l.w13 + (2 * u + 1) * n + i], m.weights.w3[(row * 20 + u) * 16 + d0 + i]);
        }
      for (uint32_t r = 0; r < n; ++r)
        for (uint32_t u = 0; u < 20; ++u) ASSERT_EQ(region[l.w2 + r * 20 + u], m.weights.w2[(d0 + r) * 40 + row * 20 + u]);
      for (uint32_t r = 0; r < 200; ++r)
        for (uint32_t i = 0; i < n; ++i) {
          ASSERT_EQ(region[l.embedding + r * n + i], m.weights.token_embedding[(row * 200 + r) * 16 + d0 + i]);
          ASSERT_EQ(region[l.classifier + r * n + i], m.weights.classifier[(row * 200 + r) * 16 + d0 + i]);
        }
    }
  }
}

// The prompt block holds the longest prompt's tokens a sequence, not the whole context: a context
// of 8,192 would otherwise take 32 KiB of every core's region.
TEST(LlamaLoader, ThePromptBlockHoldsTheLongestPromptsTokens) {
  const ModelConfig c = small_config();  // context 12
  StagePlan plan = single_stage(3, 2);
  plan.micro_batches = 2, plan.prompt_slots = 3;
  EXPECT_EQ(header_of(c, plan).prompt_slots, 3u);
  const PromptBlock block = prompt_block(c, plan, {{kBos, 300, 7}, {kBos}});
  ASSERT_EQ(block.bytes.size(), 4u * 2 * 3);
  const int32_t* slots = reinterpret_cast<const int32_t*>(block.bytes.data());
  EXPECT_EQ(std::vector<int32_t>(slots, slots + 6), (std::vector<int32_t>{kBos, 300, 7, kBos, WVP_NO_TOKEN, WVP_NO_TOKEN}));
  StagePlan whole = plan;
  whole.prompt_slots = 0;  // the context
  EXPECT_EQ(header_of(c, whole).prompt_slots, 12u);
  EXPECT_EQ(model_region_bytes(c, whole) - model_region_bytes(c, plan), 4u * 2 * (12 - 3));
  EXPECT_NE(error_of<ModelError>([&] { prompt_block(c, plan, {{kBos, 300, 7, 8}}); }).find("more than the plan's 3 prompt slots"),
            std::string::npos);
  EXPECT_EQ(plan_stages(c, 3, 2, 1 << 20, false, 0, 0, 1, 3).prompt_slots, 3u);
}

TEST(LlamaLoader, WithMoreBlockRowsThanKvHeadsEachHeadsRowsSplitItsDimensionsInPairs) {
  const ModelConfig c = small_config();  // dim 16, hidden 40, 4 heads of 4, 2 KV heads, vocab 400
  const Model m = generate_model(c, 11);
  // 3 columns x 5 rows: KV head 0 takes rows 0-2, KV head 1 rows 3-4; a head of 4 has 2 pairs, so
  // rows 0 and 1 split head 0's dimensions (0-1, 2-3), row 2 holds none, rows 3 and 4 split head 1's.
  const StagePlan plan = single_stage(3, 5);
  const wvp_model_header h = header_of(c, plan);
  EXPECT_TRUE(wvp_heads_split(&h));
  EXPECT_EQ(wvp_row_head_dims(&h), 2u);
  const wvp_model_layout l = wvp_model_layout_of(&h, 0);
  EXPECT_EQ(l.rows_qkv, 8u);  // 2 query heads, a key head and a value head, 2 dimensions each
  EXPECT_EQ(l.cols_heads, 4u);
  const uint32_t kv_head[] = {0, 0, 0, 1, 1}, holds[] = {1, 1, 0, 1, 1}, dims_first[] = {0, 2, 0, 0, 2};
  const uint32_t rows_first[] = {0, 0, 0, 3, 3};
  for (uint32_t row = 0; row < 5; ++row) {
    const wvp_tile_part part = wvp_tile_part_of(&h, 1, row);
    EXPECT_EQ(part.kv_heads.first, kv_head[row]) << row;
    EXPECT_EQ(part.kv_heads.count, holds[row]) << row;
    EXPECT_EQ(part.head_dims.count, 2 * holds[row]) << row;
    EXPECT_EQ(part.head_dims.first, dims_first[row]) << row;
    EXPECT_EQ(part.head_rows.first, rows_first[row]) << row;
    EXPECT_EQ(part.head_rows.count, 2u) << row;
    if (!holds[row]) continue;
    const uint32_t core = row * 3 + 1, d0 = 6, n = 5, e0 = dims_first[row], j = kv_head[row];
    const std::vector<uint8_t> bytes = model_region_image(m, plan, core);
    const float* region = reinterpret_cast<const float*>(bytes.data());
    // Layer 1 of wq|wk|wv: each query head's rows e0, e0 + 1, then the key head's, then the value head's.
    const float* qkv = region + l.wqkv + l.wqkv_stride;
    for (uint32_t r = 0; r < 8; ++r) {
      const uint32_t head_row = e0 + r % 2;
      const float* expected = r < 4 ? m.weights.wq + (16 + (2 * j + r / 2) * 4 + head_row) * 16
                            : r < 6 ? m.weights.wk + (8 + j * 4 + head_row) * 16
                                    : m.weights.wv + (8 + j * 4 + head_row) * 16;
      for (uint32_t i = 0; i < n; ++i) ASSERT_EQ(qkv[r * n + i], expected[d0 + i]) << "row " << row << " qkv row " << r;
    }
    // Layer 1 of wo: x's part of its rows over columns e0, e0 + 1 of each query head.
    for (uint32_t r = 0; r < n; ++r)
      for (uint32_t i = 0; i < 4; ++i)
        ASSERT_EQ(region[l.wo + l.wo_stride + r * 4 + i], m.weights.wo[16 * 16 + (d0 + r) * 16 + (2 * j + i / 2) * 4 + e0 + i % 2])
            << "row " << row << " wo column " << i;
  }
}

TEST(LlamaLoader, HalfWeightsAreRoundedStoredInTwoBytesAndShrinkTheRegion) {
  const ModelConfig c = small_config();  // dim 16, hidden 40, 2 layers, 4 heads of 4, 2 KV heads, vocab 400
  const Model fp32 = generate_model(c, 11);
  const StagePlan plan = single_stage(3, 2);  // x's parts 6, 5, 5
  for (const uint32_t type : {uint32_t(WVP_FP16), uint32_t(WVP_BF16)}) {
    Model m = generate_model(c, 11);
    round_weights(m, type);
    EXPECT_EQ(m.config.weight_type, type);
    EXPECT_FALSE(std::equal(m.weights.wk, m.weights.wk + 2 * 8 * 16, fp32.weights.wk));  // rounding changed them
    const wvp_model_header h32 = header_of(c, plan), h = header_of(m.config, plan);
    EXPECT_EQ(h.weight_type, type);
    // Every matrix part takes half the words; norms, RoPE and working memory stay fp32.
    const wvp_model_layout l32 = wvp_model_layout_of(&h32, 0), l = wvp_model_layout_of(&h, 0);
    EXPECT_EQ(l.wqkv, l32.wqkv);
    EXPECT_EQ(l.wqkv_stride, 16u * 6 / 2);
    EXPECT_EQ(2 * l.w2_stride, l32.w2_stride);
    EXPECT_EQ(2 * (l.rope_freq - l.wqkv), l32.rope_freq - l32.wqkv);
    EXPECT_EQ(model_region_bytes(c, plan) - model_region_bytes(m.config, plan), 2 * (l32.rope_freq - l32.wqkv));
    EXPECT_EQ(wvp_weight_words(&h, 5), 3u);  // a part of an odd count ends on a word
    // The planner counts the type: the region that holds the model in one stage of 3x2 has no
    // room for it in fp32.
    const uint64_t fits = model_region_bytes(m.config, plan);
    EXPECT_EQ(plan_stages(m.config, 3, 2, fits), plan);
    EXPECT_THROW(plan_stages(c, 3, 2, fits), ModelError);
    EXPECT_NE(error_of<ModelError>([&] { plan_stages(m.config, 3, 2, fits - 4, false, 1); })
                  .find(std::string("(dim 16, 2 layers, vocab 400, ") + wvp_type_name(type) + " weights) needs " + std::to_string(fits)),
              std::string::npos);
    const auto widen = [type](uint16_t e) { return type == WVP_FP16 ? wvp_half_to_float(e) : wvp_bf16_to_float(e); };
    for (uint32_t core : {0u, 4u}) {  // (0, 0) and (1, 1)
      const uint32_t col = core % 3, row = core / 3, d0 = col * 6, n = col ? 5 : 6;
      const std::vector<uint8_t> bytes = model_region_image(m, plan, core);
      ASSERT_EQ(bytes.size(), 4u * l.floats);
      const auto element = [&](uint32_t word, uint32_t i) {
        uint16_t e;
        std::memcpy(&e, &bytes[4 * word + 2 * i], 2);
        return e;
      };
      for (uint32_t i = 0; i < n; ++i) {
        float norm;
        std::memcpy(&norm, &bytes[4 * (l.rms_final + i)], 4);
        EXPECT_EQ(norm, fp32.weights.rms_final[d0 + i]);  // not rounded
      }
      // Layer 1's key rows (after the row's 8 query rows) and the vocabulary rows: each element
      // the checkpoint's weight rounded to nearest even.
      for (uint32_t r = 0; r < 4; ++r)
        for (uint32_t i = 0; i < n; ++i) {
          const uint64_t at = (8 + row * 4 + r) * 16 + d0 + i;
          const uint16_t e = element(l.wqkv + l.wqkv_stride, (8 + r) * n + i);
          ASSERT_EQ(e, type == WVP_FP16 ? wvp_float_to_half(fp32.weights.wk[at]) : wvp_float_to_bf16(fp32.weights.wk[at]));
          ASSERT_EQ(widen(e), m.weights.wk[at]);  // the value the reference computes with
        }
      for (uint32_t r = 0; r < 200; ++r)
        for (uint32_t i = 0; i < n; ++i)
          ASSERT_EQ(widen(element(l.embedding, r * n + i)), m.weights.token_embedding[(row * 200 + r) * 16 + d0 + i]);
    }
  }
}

TEST(LlamaLoader, WeightsBeyondTheTypesRangeAndUnknownTypesAreRefused) {
  Model m = generate_model(small_config(), 11);
  const_cast<float*>(m.weights.w2)[16 * 40 + 3] = 70000.0f;  // layer 1
  Model bf16 = m;
  bind_weights(bf16.config, bf16.weights);
  round_weights(bf16, WVP_BF16);  // bf16 has fp32's range
  EXPECT_EQ(error_of<ModelError>([&] { round_weights(m, WVP_FP16); }),
            "weight 3 of w2, layer 1 is 70000, beyond the range of fp16 (decode.weight_type)");
  EXPECT_EQ(error_of<ModelError>([&] { round_weights(m, 3); }), "weight type 3 is none of fp32, fp16 and bf16");
}

TEST(LlamaLoader, BadPromptsAreRefused) {
  const ModelConfig c = small_config();
  const StagePlan plan = single_stage(2, 2);
  EXPECT_EQ(error_of<ModelError>([&] { prompt_block(c, plan, {{}}); }), "the prompt has no tokens");
  EXPECT_EQ(error_of<ModelError>([&] { prompt_block(c, plan, {std::vector<int32_t>(13, kBos)}); }),
            "the prompt has 13 tokens, more than the context of 12");
  EXPECT_EQ(error_of<ModelError>([&] { prompt_block(c, plan, {{kBos, 400}}); }), "prompt token 400 is outside the vocabulary of 400");
  StagePlan three = plan;
  three.micro_batches = 3;
  EXPECT_EQ(error_of<ModelError>([&] { prompt_block(c, three, {{kBos}, {kBos}}); }),
            "2 prompts for 3 micro-batches: give one prompt for all sequences or one per sequence");
}

TEST(LlamaLoader, AModelThatDoesNotFitIsRefusedWithWhatItNeedsAndTheSmallestGrid) {
  const ModelConfig c = small_config();
  const uint64_t on_16 = model_region_bytes(c, single_stage(4, 4)), on_4 = model_region_bytes(c, single_stage(2, 2));
  EXPECT_LT(on_16, on_4);
  EXPECT_EQ(plan_stages(c, 4, 4, on_16), single_stage(4, 4));
  const std::string e = error_of<ModelError>([&] { plan_stages(c, 2, 2, on_16); });
  EXPECT_NE(e.find("needs " + std::to_string(on_4) + " bytes per core on 2x2 cores in one stage, but a core's model region holds " +
                   std::to_string(on_16) + " bytes"),
            std::string::npos)
      << e;
  // Fewer cores hold more each, and two stages of a layer each would hold the embedding or the
  // classifier on a few cores: 3x3 does not fit either way, 4x4 does.
  EXPECT_THROW(plan_stages(c, 3, 3, on_16), ModelError);
  EXPECT_NE(e.find("the smallest square grid that fits is 4x4"), std::string::npos) << e;
  EXPECT_NE(error_of<ModelError>([&] { plan_stages(c, 2, 2, 100); }).find("no grid fits it"), std::string::npos);
  EXPECT_EQ(error_of<ModelError>([&] { plan_stages(c, 4, 4, on_16, false, 5); }),
            "decode.stages 5 exceeds the model's 2 layers and a stage that only embeds and one that only classifies");
}

TEST(LlamaLoader, StagesAreNumberedAsASnakeOfNeighbouringBlocks) {
  wvp_model_header h{};
  h.stage_w = 4, h.stage_h = 2, h.stages = 7;  // an 8 x 8 grid: 2 blocks across, 4 down, the last idle
  const uint32_t origins[8][2] = {{0, 0}, {4, 0}, {4, 2}, {0, 2}, {0, 4}, {4, 4}, {4, 6}, {0, 6}};
  for (uint32_t stage = 0; stage < 8; ++stage) {
    const uint32_t x = origins[stage][0], y = origins[stage][1];
    EXPECT_EQ(wvp_stage_of(&h, 8, x + 3, y + 1), stage < 7 ? stage : 7u);
    uint32_t x0, y0;
    wvp_stage_origin(&h, 8, stage, &x0, &y0);
    EXPECT_EQ(x0, x);
    EXPECT_EQ(y0, y);
  }
}

// Every core's image under `plan` holds its stage's layers (its first row of wo of each, and
// their norm weights of its part of x), the embedding on stage 0 and the (shared) classifier on
// the last stage, and nothing more; every layer is on exactly one stage.
void expect_images_hold_their_stages_layers(const Model& m, const StagePlan& plan) {
  const uint32_t d = m.config.dim, head_size = m.config.head_size(), kv_mul = m.config.n_heads / m.config.n_kv_heads;
  std::vector<uint32_t> first_layer(plan.stages), layers(plan.stages);  // per stage
  for (uint32_t core = 0; core < plan.grid_w * plan.grid_h; ++core) {
    const std::vector<uint8_t> bytes = model_region_image(m, plan, core);
    wvp_model_header h;
    std::memcpy(&h, bytes.data(), sizeof h);
    const uint32_t x = core % plan.grid_w, y = core / plan.grid_w, stage = wvp_stage_of(&h, plan.grid_w, x, y);
    if (stage == plan.stages) {  // an idle block gets the header, from which the firmware learns that
      EXPECT_EQ(bytes.size(), sizeof h);
      continue;
    }
    const float* region = reinterpret_cast<const float*>(bytes.data());
    const wvp_model_layout l = wvp_model_layout_of(&h, stage);
    uint32_t x0, y0;
    wvp_stage_origin(&h, plan.grid_w, stage, &x0, &y0);
    first_layer[stage] = l.first_layer, layers[stage] = l.layers;
    uint32_t d0, n, v0, vn;
    wvp_rows_of(d, plan.stage_w, x - x0, &d0, &n);
    wvp_rows_of(m.config.vocab_size, plan.stage_h, y - y0, &v0, &vn);
    // The row's query heads, of each the row's dimensions (all, or its slice of a split head).
    const wvp_tile_part part = wvp_tile_part_of(&h, x - x0, y - y0);
    const uint32_t first_query = part.kv_heads.first * kv_mul, e0 = part.head_dims.first, dims = part.head_dims.count;
    for (uint64_t j = 0; j < l.layers; ++j) {
      const uint64_t layer = l.first_layer + j;
      for (uint32_t i = 0; n && i < part.kv_heads.count * kv_mul * dims; ++i)  // row d0 of wo over the row's query heads
        ASSERT_EQ(region[l.wo + j * l.wo_stride + i],
                  m.weights.wo[(layer * d + d0) * d + (first_query + i / dims) * head_size + e0 + i % dims]);
      for (uint32_t i = 0; i < n; ++i) ASSERT_EQ(region[l.rms_ffn + j * l.cols_dim + i], m.weights.rms_ffn[layer * d + d0 + i]);
    }
    const uint32_t vocab_rows = stage == 0 ? l.embedding : stage + 1 == plan.stages ? l.classifier : l.floats;
    for (uint32_t i = 0; vocab_rows != l.floats && vn > 1 && i < n; ++i)  // the row's second vocabulary row
      ASSERT_EQ(region[vocab_rows + n + i], m.weights.token_embedding[(v0 + 1) * d + d0 + i]);
    const bool edge = stage == 0 || stage + 1 == plan.stages;
    EXPECT_EQ(l.rope_freq, l.w2 + l.layers * l.w2_stride + (edge ? l.rows_vocab * l.cols_dim : 0));
    const int32_t hs = m.config.head_size();
    for (int32_t i = 0; i < hs; i += 2) ASSERT_EQ(region[l.rope_freq + i / 2], rope_frequency(i, hs));
    EXPECT_EQ(l.floats, l.rope_freq + hs / 2);
    EXPECT_EQ(bytes.size(), 4u * l.floats);
  }
  uint32_t next = 0;
  for (uint32_t stage = 0; stage < plan.stages; ++stage) {
    EXPECT_EQ(first_layer[stage], next) << "stage " << stage;
    next += layers[stage];
  }
  EXPECT_EQ(next, uint32_t(m.config.n_layers));
}

TEST(LlamaLoader, MoreStagesOfSmallerBlocksHoldNoLessPerCoreAndAskedForStagesEachHoldTheirLayers) {
  ModelConfig c = small_config();  // dim 16, hidden 40, kv_dim 8, vocab 400
  c.n_layers = 6;
  c.shared_classifier = true;
  const Model m = generate_model(c, 13);
  // A stage's cores share its layers in two dimensions: blocks a quarter the size hold a quarter
  // of the layers in parts four times larger, and the first one all the vocabulary, so a model
  // that does not fit one stage fits no more of them.
  const uint64_t region = model_region_bytes(c, single_stage(4, 4)) - 4;
  const std::string e = error_of<ModelError>([&] { plan_stages(c, 4, 4, region); });
  EXPECT_NE(e.find("the smallest square grid that fits is 5x5"), std::string::npos) << e;
  EXPECT_EQ(plan_stages(c, 4, 4, region + 4), single_stage(4, 4));
  // Asked for: 3 stages need 3 blocks, the largest such are 2x2 (4 of them), the fourth idle;
  // with room to spare the layers are even.
  const StagePlan three = plan_stages(c, 4, 4, UINT32_MAX, false, 3);
  EXPECT_EQ(three, (StagePlan{4, 4, 2, 2, 3, 2, 2}));
  expect_images_hold_their_stages_layers(m, three);
}

TEST(LlamaLoader, TheFirstAndLastStagesHoldTheirOwnLayersAndTheMiddleOnesShareTheRest) {
  wvp_model_header h{};
  h.n_layers = 7, h.stages = 5, h.first_layers = 0, h.last_layers = 1;
  const uint32_t expected[5][2] = {{0, 0}, {0, 2}, {2, 2}, {4, 2}, {6, 1}};
  for (uint32_t stage = 0; stage < 5; ++stage) {
    uint32_t first, count;
    wvp_layers_of(&h, stage, &first, &count);
    EXPECT_EQ(first, expected[stage][0]) << stage;
    EXPECT_EQ(count, expected[stage][1]) << stage;
  }
  h.stages = 1;  // one stage holds every layer, whatever the edge counts say
  uint32_t first, count;
  wvp_layers_of(&h, 0, &first, &count);
  EXPECT_EQ(first, 0u);
  EXPECT_EQ(count, 7u);
  h.stages = 2, h.first_layers = 3, h.last_layers = 4;
  wvp_layers_of(&h, 1, &first, &count);
  EXPECT_EQ(first, 3u);
  EXPECT_EQ(count, 4u);
}

TEST(LlamaLoader, AStageWithoutLayersHoldsOnlyItsVocabularyRowsAndNoKeyValueCache) {
  ModelConfig c = small_config();  // dim 16, vocab 400, context 12
  c.n_layers = 3;
  const wvp_model_header h = header_of(c, StagePlan{4, 4, 2, 2, 3, 0, 1});
  const wvp_model_layout first = wvp_model_layout_of(&h, 0);
  EXPECT_EQ(first.layers, 0u);
  EXPECT_EQ(first.rms_ffn, first.rms_att);
  EXPECT_EQ(first.wqkv, first.rms_final + 8);  // x's part on 2 columns
  EXPECT_EQ(first.w2, first.wqkv);
  EXPECT_EQ(first.embedding, first.wqkv);
  EXPECT_EQ(first.rope_freq, first.embedding + 200 * 8);  // 400 rows over 2 rows, x's part of each
  EXPECT_EQ(first.floats, first.rope_freq + c.head_size() / 2);
  const wvp_decode_layout work = wvp_decode_layout_of(&h, 0);
  EXPECT_EQ(work.value_cache, work.key_cache);
  EXPECT_EQ(work.floats, work.key_cache);
  const wvp_model_layout middle = wvp_model_layout_of(&h, 1), last = wvp_model_layout_of(&h, 2);
  EXPECT_EQ(middle.first_layer, 0u);
  EXPECT_EQ(middle.layers, 2u);
  EXPECT_EQ(middle.rope_freq, middle.w2 + 2 * middle.w2_stride);  // no vocabulary rows
  EXPECT_EQ(last.first_layer, 2u);
  EXPECT_EQ(last.layers, 1u);
  EXPECT_EQ(last.classifier, last.w2 + last.w2_stride);
}

TEST(LlamaLoader, ThePlannerGivesTheEdgeStagesFewerLayersWhenTheirVocabularyRowsLeaveNoRoom) {
  ModelConfig c = small_config();  // on 2x2 blocks: 6,400 bytes of vocabulary rows, 3,200 per layer
  c.n_layers = 6;
  c.shared_classifier = true;
  const Model m = generate_model(c, 17);
  // Four stages evenly (2, 2, 1, 1) need more than 1, 2, 2, 1 does: the planner takes that.
  const StagePlan uneven{4, 4, 2, 2, 4, 1, 1}, even{4, 4, 2, 2, 4, 2, 1};
  const uint64_t region = model_region_bytes(c, uneven);
  EXPECT_GT(model_region_bytes(c, even), region);
  EXPECT_EQ(plan_stages(c, 4, 4, region, false, 4), uneven);
  expect_images_hold_their_stages_layers(m, uneven);
  // With less room the last stage (the classifier's outputs beside the embedding-sized rows) holds
  // no layer: the middle ones take 3 each rather than the first taking one of them.
  const StagePlan without_last = plan_stages(c, 4, 4, region - 400, false, 4);
  EXPECT_EQ(without_last, (StagePlan{4, 4, 2, 2, 4, 0, 0}));
  EXPECT_LE(model_region_bytes(c, without_last), region - 400);
  expect_images_hold_their_stages_layers(m, without_last);
}

TEST(LlamaLoader, MicroBatchesGetAPromptAndAKeyValueCacheEachAndAStageEach) {
  ModelConfig c = small_config();  // dim 16, 2 layers, 4 heads, vocab 400, context 12
  StagePlan plan{4, 4, 2, 2, 4, 0, 0};
  const wvp_model_header single = header_of(c, plan);
  const wvp_decode_layout one = wvp_decode_layout_of(&single, 1);
  plan.micro_batches = 3;
  const wvp_model_header h = header_of(c, plan);
  EXPECT_EQ(h.micro_batches, 3u);
  const wvp_decode_layout three = wvp_decode_layout_of(&h, 1);
  // A middle stage's tile on 2x2 blocks: its block row's KV head of its layer at every other
  // position, for each sequence (and the prompts before).
  const uint32_t cache = one.value_cache - one.key_cache;
  EXPECT_EQ(cache, 1u * 6 * 4);
  EXPECT_EQ(three.value_cache - three.key_cache, 3 * cache);
  EXPECT_EQ(three.floats - three.key_cache, 6 * cache);
  EXPECT_EQ(three.key_cache - one.key_cache, 2u * 12);
  // Each sequence's prompt in its slots, or the one prompt in all.
  const auto prompt_words = [&](const std::vector<std::vector<int32_t>>& prompts) {
    const PromptBlock block = prompt_block(c, plan, prompts);
    EXPECT_EQ(block.offset, 4 * wvp_model_layout_of(&h, 0).prompt);
    const int32_t* words = reinterpret_cast<const int32_t*>(block.bytes.data());
    return std::vector<int32_t>(words, words + block.bytes.size() / 4);
  };
  std::vector<int32_t> expected(3 * 12, WVP_NO_TOKEN);
  expected[0] = expected[12] = expected[24] = kBos, expected[13] = 5, expected[25] = 6, expected[26] = 7;
  EXPECT_EQ(prompt_words({{kBos}, {kBos, 5}, {kBos, 6, 7}}), expected);
  expected[13] = expected[25] = expected[26] = WVP_NO_TOKEN;
  EXPECT_EQ(prompt_words({{kBos}}), expected);

  // The automatic plan takes a stage per sequence at least; asked-for stages must be enough.
  EXPECT_EQ(plan_stages(c, 4, 4, UINT32_MAX, false, 0, 0, 1).stages, 1u);
  EXPECT_EQ(plan_stages(c, 4, 4, UINT32_MAX, false, 0, 0, 3).stages, 3u);
  EXPECT_EQ(plan_stages(c, 4, 4, UINT32_MAX, false, 0, 0, 3).micro_batches, 3u);
  EXPECT_EQ(error_of<ModelError>([&] { plan_stages(c, 4, 4, UINT32_MAX, false, 2, 0, 3); }),
            "decode.micro_batches 3 exceeds decode.stages 2: each sequence in flight needs a pipeline stage");
  // A model that fits four stages with one sequence but not with four KV caches is refused, naming them.
  ModelConfig long_context = c;
  long_context.seq_len = 256;
  StagePlan four{4, 4, 2, 2, 4, 0, 0};
  const uint64_t region = model_region_bytes(long_context, four);
  EXPECT_EQ(plan_stages(long_context, 4, 4, region, false, 4), four);
  const std::string e = error_of<ModelError>([&] { plan_stages(long_context, 4, 4, region, false, 4, 0, 4); });
  EXPECT_NE(e.find("the model (dim 16, 2 layers, vocab 400) with 4 micro-batches (a KV cache each) needs "), std::string::npos) << e;
  EXPECT_NE(e.find("and no blocks for 4 stages fit"), std::string::npos) << e;
}

TEST(LlamaLoader, AskedForMoreStagesThanLayersTheEdgesOnlyEmbedAndClassify) {
  ModelConfig c = small_config();  // dim 16, 2 layers, vocab 400
  c.seq_len = 64;
  // On 4x4 blocks: embed, a layer, a layer, classify.
  const StagePlan plan{8, 8, 4, 4, 4, 0, 0};
  EXPECT_EQ(plan_stages(c, 8, 8, model_region_bytes(c, plan), false, 4), plan);
  expect_images_hold_their_stages_layers(generate_model(c, 19), plan);
}

TEST(LlamaShape, PresetsAreLlama31sShapesAndAListOrAPresetsChangesGiveAnyOther) {
  // dim, hidden, layers, heads, KV heads, vocabulary, context.
  const auto fields = [](const ModelConfig& c) {
    return std::vector<int32_t>{c.dim, c.hidden_dim, c.n_layers, c.n_heads, c.n_kv_heads, c.vocab_size, c.seq_len};
  };
  const ModelConfig b8 = parse_shape("llama3.1-8b");
  EXPECT_EQ(fields(b8), (std::vector<int32_t>{4096, 14336, 32, 32, 8, 128256, 8192}));
  EXPECT_FALSE(b8.shared_classifier);
  EXPECT_EQ(fields(parse_shape("llama3.1-70b")), (std::vector<int32_t>{8192, 28672, 80, 64, 8, 128256, 8192}));
  EXPECT_EQ(shape_presets().size(), 2u);
  // Llama 3.1 8B's weights: 8.03e9 of them.
  EXPECT_NEAR(double(b8.weight_floats() - uint64_t(b8.seq_len) * b8.head_size()), 8.03e9, 0.01e9);

  EXPECT_EQ(parse_shape("llama3.1-8b,seq_len=4096").seq_len, 4096);
  const ModelConfig listed = parse_shape("dim=64,hidden=172,layers=2,heads=4,vocab=512,seq_len=32");
  EXPECT_EQ(listed.n_kv_heads, 4);  // kv_heads defaults to heads
  EXPECT_EQ(listed.hidden_dim, 172);
  EXPECT_EQ(parse_shape("kv_heads=2,dim=64,hidden=172,layers=2,heads=4,vocab=512,seq_len=32").n_kv_heads, 2);

  EXPECT_NE(error_of<ModelError>([] { parse_shape("llama9"); }).find("unknown shape 'llama9' (presets: llama3.1-8b, llama3.1-70b"),
            std::string::npos);
  EXPECT_NE(error_of<ModelError>([] { parse_shape("dim=64,layers=2"); }).find("the shape has no hidden"), std::string::npos);
  EXPECT_NE(error_of<ModelError>([] { parse_shape("llama3.1-8b,dim=x"); }).find("dim: expected a positive integer, got 'x'"),
            std::string::npos);
  EXPECT_NE(error_of<ModelError>([] { parse_shape("llama3.1-8b,llama3.1-70b"); }).find("'llama3.1-70b'"), std::string::npos);
  EXPECT_NE(error_of<ModelError>([] { parse_shape("llama3.1-8b,dim=4095"); }).find("n_heads 32"), std::string::npos);
}

TEST(LlamaLoader, ATimingOnlyLoadWritesTheHeaderAndRopeFrequenciesWhereTheFullImageHasThem) {
  const ModelConfig c = small_config();
  const Model m = generate_model(c, 5);
  StagePlan plan = plan_stages(c, 4, 2, 1 << 20, false, 3);  // blocks of 1x2 (or 2x1): a stage idle
  const std::vector<uint8_t> frequencies = rope_frequency_bytes(c);
  ASSERT_EQ(frequencies.size(), 4u * c.head_size() / 2);
  for (uint32_t core = 0; core < 8; ++core) {
    const std::vector<uint8_t> image = model_region_image(m, plan, core);
    const wvp_model_header header = header_of(c, plan);
    ASSERT_EQ(std::memcmp(image.data(), &header, sizeof header), 0) << "core " << core;
    const std::optional<uint32_t> at = rope_frequency_offset(c, plan, core);
    if (image.size() == sizeof header) {  // an idle block's core
      EXPECT_FALSE(at) << "core " << core;
      continue;
    }
    ASSERT_TRUE(at) << "core " << core;
    ASSERT_EQ(image.size(), *at + frequencies.size());  // the last of the shards
    EXPECT_EQ(std::memcmp(image.data() + *at, frequencies.data(), frequencies.size()), 0) << "core " << core;
  }
  // What the cores write beside: their working memory, after the shards.
  const StagePlan one = single_stage(4, 2);
  const wvp_model_header h = header_of(c, one);
  EXPECT_EQ(working_memory_bytes(c, one), 4 * uint64_t{wvp_decode_layout_of(&h, 0).floats - wvp_model_layout_of(&h, 0).floats});
}

}  // namespace
}  // namespace wvp::llama
