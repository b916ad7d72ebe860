#include "platform/llama/checkpoint.h"

#include <cmath>
#include <cstdlib>
#include <fstream>

#include "platform/support/splitmix.h"

namespace wvp::llama {

void ModelConfig::validate() const {
  const auto bad = [](const std::string& what) { throw ModelError("model config: " + what); };
  if (dim <= 0 || hidden_dim <= 0 || n_layers <= 0 || n_heads <= 0 || n_kv_heads <= 0 || vocab_size <= 0 || seq_len <= 0)
    bad("every dimension must be positive (dim " + std::to_string(dim) + ", hidden_dim " + std::to_string(hidden_dim) +
        ", n_layers " + std::to_string(n_layers) + ", n_heads " + std::to_string(n_heads) + ", n_kv_heads " +
        std::to_string(n_kv_heads) + ", vocab_size " + std::to_string(vocab_size) + ", seq_len " + std::to_string(seq_len) + ")");
  if (dim % n_heads) bad("dim " + std::to_string(dim) + " is not a multiple of n_heads " + std::to_string(n_heads));
  if (n_heads % n_kv_heads) bad("n_heads " + std::to_string(n_heads) + " is not a multiple of n_kv_heads " + std::to_string(n_kv_heads));
  if (head_size() % 2) bad("head size " + std::to_string(head_size()) + " must be even (RoPE rotates pairs)");
}

uint64_t ModelConfig::weight_floats() const {
  const uint64_t d = dim, h = hidden_dim, l = n_layers, v = vocab_size, kv = kv_dim(), hs = head_size();
  uint64_t n = v * d + l * d + l * d * d + 2 * l * d * kv + l * d * d + l * d + 3 * l * d * h + d;
  n += uint64_t(seq_len) * hs;  // run.c's former RoPE tables: skipped, but in the file
  if (!shared_classifier) n += v * d;
  return n;
}

void bind_weights(const ModelConfig& c, ModelWeights& w) {
  const uint64_t d = c.dim, h = c.hidden_dim, l = c.n_layers, v = c.vocab_size, kv = c.kv_dim();
  const float* p = w.data.data();
  const auto take = [&](uint64_t n) {
    const float* at = p;
    p += n;
    return at;
  };
  w.token_embedding = take(v * d);
  w.rms_att = take(l * d);
  w.wq = take(l * d * d);
  w.wk = take(l * d * kv);
  w.wv = take(l * d * kv);
  w.wo = take(l * d * d);
  w.rms_ffn = take(l * d);
  w.w1 = take(l * d * h);
  w.w2 = take(l * h * d);
  w.w3 = take(l * d * h);
  w.rms_final = take(d);
  take(uint64_t(c.seq_len) * c.head_size());
  w.classifier = c.shared_classifier ? w.token_embedding : take(v * d);
}

Model read_checkpoint(const std::string& path) {
  std::ifstream f(path, std::ios::binary);
  if (!f) throw ModelError(path + ": cannot open checkpoint");
  int32_t header[7];
  if (!f.read(reinterpret_cast<char*>(header), sizeof header))
    throw ModelError(path + ": truncated header (a llama2.c checkpoint starts with seven int32)");
  Model m;
  ModelConfig& c = m.config;
  c.dim = header[0], c.hidden_dim = header[1], c.n_layers = header[2], c.n_heads = header[3];
  c.n_kv_heads = header[4], c.seq_len = header[6];
  c.shared_classifier = header[5] > 0;
  c.vocab_size = header[5] == INT32_MIN ? 0 : std::abs(header[5]);
  try {
    c.validate();
  } catch (const ModelError& e) {
    throw ModelError(path + ": " + e.what());
  }
  f.seekg(0, std::ios::end);
  const uint64_t size = static_cast<uint64_t>(f.tellg());
  if (size != c.file_bytes())
    throw ModelError(path + ": " + std::to_string(size) + " bytes, but its header (dim " + std::to_string(c.dim) +
                     ", hidden_dim " + std::to_string(c.hidden_dim) + ", " + std::to_string(c.n_layers) + " layers, " +
                     std::to_string(c.n_heads) + "/" + std::to_string(c.n_kv_heads) + " heads, vocab " +
                     std::to_string(c.vocab_size) + ", seq_len " + std::to_string(c.seq_len) +
                     (c.shared_classifier ? ", shared classifier" : ", separate classifier") + ") needs " +
                     std::to_string(c.file_bytes()));
  m.weights.data.resize(c.weight_floats());
  f.seekg(28);
  f.read(reinterpret_cast<char*>(m.weights.data.data()), static_cast<std::streamsize>(4 * m.weights.data.size()));
  if (!f) throw ModelError(path + ": read error");
  bind_weights(c, m.weights);
  return m;
}

void write_checkpoint(const std::string& path, const Model& m) {
  const ModelConfig& c = m.config;
  c.validate();
  if (m.weights.data.size() != c.weight_floats()) throw ModelError(path + ": weights do not match the config");
  std::ofstream f(path, std::ios::binary);
  const int32_t header[7] = {c.dim,        c.hidden_dim, c.n_layers, c.n_heads, c.n_kv_heads,
                             c.shared_classifier ? c.vocab_size : -c.vocab_size, c.seq_len};
  f.write(reinterpret_cast<const char*>(header), sizeof header);
  f.write(reinterpret_cast<const char*>(m.weights.data.data()), static_cast<std::streamsize>(4 * m.weights.data.size()));
  if (!f) throw ModelError(path + ": cannot write checkpoint");
}

namespace {

// Uniform in [-1, 1) on a 2^-23 grid, from the seed and the weight's index only: exact in fp32,
// no libm involved.
float unit(uint64_t seed, uint64_t index) {
  return static_cast<float>(static_cast<int32_t>(splitmix64(seed ^ (index * 0xD1B54A32D192ED03ull)) >> 40) - (1 << 23)) *
         0x1p-23f;
}

}  // namespace

Model generate_model(const ModelConfig& config, uint64_t seed) {
  config.validate();
  Model m;
  m.config = config;
  m.weights.data.resize(config.weight_floats());
  bind_weights(config, m.weights);
  uint64_t index = 0;
  // Scales are powers of two near 1/sqrt(fan-in), so every weight stays exact.
  const auto fill = [&](const float* view, uint64_t n, int32_t fan_in, float offset) {
    float* out = const_cast<float*>(view);  // the views are read-only for everyone else
    const float scale = std::ldexp(1.0f, -static_cast<int>(std::ceil(std::log2(std::sqrt(float(fan_in))))));
    for (uint64_t i = 0; i < n; ++i) out[i] = offset + scale * unit(seed, index++);
  };
  const ModelConfig& c = config;
  const uint64_t d = c.dim, h = c.hidden_dim, l = c.n_layers, v = c.vocab_size, kv = c.kv_dim();
  const ModelWeights& w = m.weights;
  fill(w.token_embedding, v * d, 1, 0.0f);
  fill(w.rms_att, l * d, 16, 1.0f);
  fill(w.wq, l * d * d, c.dim, 0.0f);
  fill(w.wk, l * d * kv, c.dim, 0.0f);
  fill(w.wv, l * d * kv, c.dim, 0.0f);
  fill(w.wo, l * d * d, c.dim, 0.0f);
  fill(w.rms_ffn, l * d, 16, 1.0f);
  fill(w.w1, l * d * h, c.dim, 0.0f);
  fill(w.w2, l * h * d, c.hidden_dim, 0.0f);
  fill(w.w3, l * d * h, c.dim, 0.0f);
  fill(w.rms_final, d, 16, 1.0f);
  if (!c.shared_classifier) fill(w.classifier, v * d, c.dim, 0.0f);
  return m;
}

}  // namespace wvp::llama
