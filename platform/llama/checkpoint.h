// llama2.c checkpoints: a header of seven int32 (dim, hidden_dim, n_layers, n_heads,
// n_kv_heads, vocab_size, seq_len; a negative vocab_size means the classifier is stored
// separately) followed by the fp32 weights in run.c's order. Host side: read, write, check,
// and generate small deterministic models for tests and the default job.
#pragma once
#include <cstdint>
#include <stdexcept>
#include <string>
#include <vector>

#include "abi/wvp/tile_map.h"

namespace wvp::llama {

struct ModelError : std::runtime_error {
  using std::runtime_error::runtime_error;
};
// The model needs more of each core's model region than the firmware leaves it.
struct ModelDoesNotFit : ModelError {
  using ModelError::ModelError;
};

struct ModelConfig {
  int32_t dim = 0;         // transformer width
  int32_t hidden_dim = 0;  // FFN width
  int32_t n_layers = 0;
  int32_t n_heads = 0;     // query heads
  int32_t n_kv_heads = 0;  // key/value heads (grouped-query attention when fewer)
  int32_t vocab_size = 0;
  int32_t seq_len = 0;     // context length
  bool shared_classifier = true;  // the classifier is the embedding table
  // The matrices' element type on the tiles (WVP_FP32, WVP_FP16 or WVP_BF16): a checkpoint is
  // fp32; round_weights() makes a model of another.
  uint32_t weight_type = WVP_FP32;

  int32_t head_size() const { return dim / n_heads; }
  int32_t kv_dim() const { return dim / n_heads * n_kv_heads; }
  // Throws ModelError naming the first inconsistent field.
  void validate() const;
  // Floats the file holds after the header, and the file's size in bytes.
  uint64_t weight_floats() const;
  uint64_t file_bytes() const { return 28 + 4 * weight_floats(); }
};

// Views into one flat array, in the file's order. Matrices are row-major (out, in), per layer.
struct ModelWeights {
  std::vector<float> data;
  const float* token_embedding = nullptr;  // (vocab, dim)
  const float* rms_att = nullptr;          // (layer, dim)
  const float* wq = nullptr;               // (layer, dim, dim)
  const float* wk = nullptr;               // (layer, kv_dim, dim)
  const float* wv = nullptr;               // (layer, kv_dim, dim)
  const float* wo = nullptr;               // (layer, dim, dim)
  const float* rms_ffn = nullptr;          // (layer, dim)
  const float* w1 = nullptr;               // (layer, hidden, dim)
  const float* w2 = nullptr;               // (layer, dim, hidden)
  const float* w3 = nullptr;               // (layer, hidden, dim)
  const float* rms_final = nullptr;        // (dim)
  const float* classifier = nullptr;       // (vocab, dim)
};

struct Model {
  ModelConfig config;
  ModelWeights weights;
};

// Sets the views of `w` over w.data for `c`.
void bind_weights(const ModelConfig& c, ModelWeights& w);

// Throws ModelError for a missing file, a bad header, or a size that does not match it.
Model read_checkpoint(const std::string& path);
// The shape in a checkpoint's header, checked as read_checkpoint() does; the weights are not read.
ModelConfig read_checkpoint_config(const std::string& path);
void write_checkpoint(const std::string& path, const Model& model);

// Makes `model`'s matrices (embedding, attention, FFN, classifier; not the norms) of
// `weight_type`: each weight rounded to it to nearest even and kept widened to fp32, the value the
// tensor engine computes with, so that the reference computes what the tiles do and the loader
// stores each exactly. Throws ModelError for an unknown type or a weight that rounds to infinity.
void round_weights(Model& model, uint32_t weight_type);

// A model of the given shape whose weights come from `seed` alone (uniform, scaled by
// 1/sqrt(fan-in); norms near 1), identical on every host.
Model generate_model(const ModelConfig& config, uint64_t seed);

}  // namespace wvp::llama
