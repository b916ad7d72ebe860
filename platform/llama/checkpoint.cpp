#include "platform/llama/checkpoint.h"

#include <cmath>
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <fstream>

#include "abi/wvp/element_types.h"
#include "platform/support/input_file.h"
#include "platform/support/splitmix.h"

namespace wvp::llama {

namespace {

// Far above today's largest models (Llama 3 405B: dim 16384, hidden 53248, 126 layers, vocab
// 128256, 128K context), and low enough that weight_floats() cannot overflow (below 2^50), so an
// absurd header is refused before anything is allocated.
struct FieldLimit {
  const char* name;
  int32_t ModelConfig::*field;
  int32_t max;
};
constexpr FieldLimit kLimits[] = {{"dim", &ModelConfig::dim, 1 << 16},          {"hidden_dim", &ModelConfig::hidden_dim, 1 << 18},
                                  {"n_layers", &ModelConfig::n_layers, 1 << 12}, {"vocab_size", &ModelConfig::vocab_size, 1 << 20},
                                  {"seq_len", &ModelConfig::seq_len, 1 << 20}};

// The tensors in the file's order (run.c's memory_map_weights, with its names); `view` is null for
// run.c's former RoPE tables, which are in the file but unused.
struct Tensor {
  const char* name;
  const float* ModelWeights::*view;
  uint64_t layers, per_layer;
  bool matrix;  // of decode.weight_type on the tiles; norms stay fp32
};
std::vector<Tensor> file_tensors(const ModelConfig& c) {
  const uint64_t d = c.dim, h = c.hidden_dim, l = c.n_layers, v = c.vocab_size, kv = c.kv_dim();
  std::vector<Tensor> t = {{"token_embedding_table", &ModelWeights::token_embedding, 1, v * d, true},
                           {"rms_att_weight", &ModelWeights::rms_att, l, d, false},
                           {"wq", &ModelWeights::wq, l, d * d, true},
                           {"wk", &ModelWeights::wk, l, d * kv, true},
                           {"wv", &ModelWeights::wv, l, d * kv, true},
                           {"wo", &ModelWeights::wo, l, d * d, true},
                           {"rms_ffn_weight", &ModelWeights::rms_ffn, l, d, false},
                           {"w1", &ModelWeights::w1, l, d * h, true},
                           {"w2", &ModelWeights::w2, l, h * d, true},
                           {"w3", &ModelWeights::w3, l, d * h, true},
                           {"rms_final_weight", &ModelWeights::rms_final, 1, d, false},
                           {"freq_cis", nullptr, 1, uint64_t(c.seq_len) * uint64_t(c.head_size()), false}};
  if (!c.shared_classifier) t.push_back({"wcls", &ModelWeights::classifier, 1, v * d, true});
  return t;
}

// "weight 5 of wq, layer 2": the i-th weight of tensor `t`.
std::string weight_name(const Tensor& t, uint64_t i) {
  const std::string layer = t.layers > 1 ? ", layer " + std::to_string(i / t.per_layer) : "";
  return "weight " + std::to_string(i % t.per_layer) + " of " + t.name + layer;
}

// A NaN or infinite weight poisons every logit after it; the device and the reference would
// agree on garbage.
void check_finite(const std::string& path, const ModelConfig& c, const ModelWeights& w) {
  const float* p = w.data.data();
  for (const Tensor& t : file_tensors(c)) {
    const uint64_t n = t.layers * t.per_layer;
    for (uint64_t i = 0; t.view && i < n; ++i) {
      if (std::isfinite(p[i])) continue;
      const std::string value = std::isnan(p[i]) ? "NaN" : p[i] > 0 ? "+Inf" : "-Inf";
      throw ModelError(path + ": " + weight_name(t, i) + " is " + value + " (weights must be finite)");
    }
    p += n;
  }
}

}  // namespace

void ModelConfig::validate() const {
  const auto bad = [](const std::string& what) { throw ModelError("model config: " + what); };
  if (dim <= 0 || hidden_dim <= 0 || n_layers <= 0 || n_heads <= 0 || n_kv_heads <= 0 || vocab_size <= 0 || seq_len <= 0)
    bad("every dimension must be positive (dim " + std::to_string(dim) + ", hidden_dim " + std::to_string(hidden_dim) +
        ", n_layers " + std::to_string(n_layers) + ", n_heads " + std::to_string(n_heads) + ", n_kv_heads " +
        std::to_string(n_kv_heads) + ", vocab_size " + std::to_string(vocab_size) + ", seq_len " + std::to_string(seq_len) + ")");
  for (const FieldLimit& limit : kLimits)
    if (this->*limit.field > limit.max)
      bad(std::string(limit.name) + " " + std::to_string(this->*limit.field) + " is above " + std::to_string(limit.max) +
          ", the largest wafervp takes");
  if (dim % n_heads) bad("dim " + std::to_string(dim) + " is not a multiple of n_heads " + std::to_string(n_heads));
  if (n_heads % n_kv_heads) bad("n_heads " + std::to_string(n_heads) + " is not a multiple of n_kv_heads " + std::to_string(n_kv_heads));
  if (head_size() % 2) bad("head size " + std::to_string(head_size()) + " must be even (RoPE rotates pairs)");
}

uint64_t ModelConfig::weight_floats() const {
  uint64_t n = 0;
  for (const Tensor& t : file_tensors(*this)) n += t.layers * t.per_layer;
  return n;
}

void bind_weights(const ModelConfig& c, ModelWeights& w) {
  const float* p = w.data.data();
  for (const Tensor& t : file_tensors(c)) {
    if (t.view) w.*t.view = p;
    p += t.layers * t.per_layer;
  }
  if (c.shared_classifier) w.classifier = w.token_embedding;
}

namespace {

// The checkpoint's shape, checked against its size, with `f` at its first weight.
ModelConfig read_header(const std::string& path, std::ifstream& f) {
  uint64_t size = 0;
  if (const std::string problem = input_file_problem(path, "checkpoint", UINT64_MAX, size); !problem.empty())
    throw ModelError(path + ": " + problem);
  f.open(path, std::ios::binary);
  if (!f) throw ModelError(path + ": cannot open checkpoint");
  int32_t header[7];
  if (!f.read(reinterpret_cast<char*>(header), sizeof header))
    throw ModelError(path + ": truncated header (a llama2.c checkpoint starts with seven int32)");
  ModelConfig c;
  c.dim = header[0], c.hidden_dim = header[1], c.n_layers = header[2], c.n_heads = header[3];
  c.n_kv_heads = header[4], c.seq_len = header[6];
  c.shared_classifier = header[5] > 0;
  c.vocab_size = header[5] == INT32_MIN ? 0 : std::abs(header[5]);
  try {
    c.validate();
  } catch (const ModelError& e) {
    throw ModelError(path + ": " + e.what());
  }
  if (size != c.file_bytes())
    throw ModelError(path + ": " + std::to_string(size) + " bytes, but its header (dim " + std::to_string(c.dim) +
                     ", hidden_dim " + std::to_string(c.hidden_dim) + ", " + std::to_string(c.n_layers) + " layers, " +
                     std::to_string(c.n_heads) + "/" + std::to_string(c.n_kv_heads) + " heads, vocab " +
                     std::to_string(c.vocab_size) + ", seq_len " + std::to_string(c.seq_len) +
                     (c.shared_classifier ? ", shared classifier" : ", separate classifier") + ") needs " +
                     std::to_string(c.file_bytes()));
  return c;
}

}  // namespace

ModelConfig read_checkpoint_config(const std::string& path) {
  std::ifstream f;
  return read_header(path, f);
}

Model read_checkpoint(const std::string& path) {
  std::ifstream f;
  Model m;
  const ModelConfig& c = m.config = read_header(path, f);
  m.weights.data.resize(c.weight_floats());
  f.read(reinterpret_cast<char*>(m.weights.data.data()), static_cast<std::streamsize>(4 * m.weights.data.size()));
  if (!f) throw ModelError(path + ": read error");
  check_finite(path, c, m.weights);
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

void round_weights(Model& model, uint32_t weight_type) {
  const char* type = wvp_type_name(weight_type);
  if (!type) throw ModelError("weight type " + std::to_string(weight_type) + " is none of fp32, fp16 and bf16");
  model.config.weight_type = weight_type;
  if (weight_type == WVP_FP32) return;  // a checkpoint's weights are fp32 already
  float* p = model.weights.data.data();
  for (const Tensor& t : file_tensors(model.config)) {
    const uint64_t n = t.layers * t.per_layer;
    for (uint64_t i = 0; t.matrix && i < n; ++i) {
      const float rounded = wvp_round_to_type(p[i], weight_type);
      if (!std::isfinite(rounded)) {
        char value[32];
        std::snprintf(value, sizeof value, "%.9g", double(p[i]));
        throw ModelError(weight_name(t, i) + " is " + value + ", beyond the range of " + type + " (decode.weight_type)");
      }
      p[i] = rounded;
    }
    p += n;
  }
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
  // Generated models are test models of a few MB; a mistyped dimension must not fill the host's
  // memory (each weight is computed, so the pages are touched).
  constexpr uint64_t kMaxGeneratedBytes = uint64_t{4} << 30;
  if (config.file_bytes() > kMaxGeneratedBytes)
    throw ModelError("model config: the generated model would be " + std::to_string(config.file_bytes()) +
                     " bytes; generated test models stop at " + std::to_string(kMaxGeneratedBytes));
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
