// The host reference: llama2.c's forward pass and sampler in plain fp32 C++, in run.c's order
// of operations (every sum left to right), so its logits are what run.c computes. The decode
// firmware's tokens are checked against it. With 16-bit weights (round_weights()) it computes
// with the rounded weights widened back, as the tiles' tensor engine does.
#pragma once
#include <cstdint>
#include <vector>

#include "platform/llama/checkpoint.h"

namespace wvp::llama {

class Reference {
 public:
  explicit Reference(const Model& model);

  // Logits of the next token after `token` at position `pos` (0-based); appends to the KV cache.
  const std::vector<float>& forward(int32_t token, int32_t pos);

 private:
  const Model& model_;
  std::vector<float> x_, xb_, xb2_, hb_, hb2_, q_, att_, logits_;
  std::vector<float> key_cache_, value_cache_;  // (layer, seq_len, kv_dim)
};

// run.c's sampler: greedy argmax at temperature 0, else softmax(logits / temperature) and a
// coin from its xorshift generator, over all tokens or the top-p nucleus.
class Sampler {
 public:
  Sampler(int32_t vocab_size, float temperature, float topp, uint64_t seed);
  int32_t sample(std::vector<float> logits);

 private:
  uint32_t random_u32();
  float random_f32();

  int32_t vocab_size_;
  float temperature_, topp_;
  uint64_t state_;
};

int32_t argmax(const std::vector<float>& v);  // the first index of the largest value
// RoPE's rotation frequency of the pair starting at `head_dim` (even) of a head, run.c's formula;
// the loader gives the firmware these values, computed here, so that both rotate alike.
float rope_frequency(int32_t head_dim, int32_t head_size);

// run.c's generate(): prompt tokens are forced, then sampled ones; stops after `steps`
// positions (at most seq_len) or at BOS. Returns the token ids after the first.
struct Generation {
  std::vector<int32_t> tokens;              // prompt tokens after BOS, then generated ones
  std::vector<std::vector<float>> logits;   // per position
};
Generation generate(const Model& model, const std::vector<int32_t>& prompt, int32_t steps, Sampler& sampler);

}  // namespace wvp::llama
