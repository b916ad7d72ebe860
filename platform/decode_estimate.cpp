#include "platform/decode_estimate.h"

#include <algorithm>

#include "platform/llama/loader.h"

namespace wvp {

double DecodeBounds::largest() const { return std::max({sram_cycles, compute_cycles, fabric_cycles}); }

std::string DecodeBounds::dominant() const {
  if (fabric_cycles >= sram_cycles && fabric_cycles >= compute_cycles) return "fabric";
  return sram_cycles >= compute_cycles ? "SRAM bandwidth" : "compute";
}

DecodeBounds decode_bounds(const llama::ModelConfig& model, const PlatformConfig& config) {
  const uint32_t w = config.grid_width, h = config.grid_height;
  const wvp_model_header header = llama::header_of(model, w * h);
  const wvp_model_layout l = wvp_model_layout_of(&header);

  // Core 0 holds the largest share of every matrix.
  const double weights = double(model.n_layers) * (l.wqkv_stride + l.wo_stride + l.w13_stride + l.w2_stride) +
                         double(l.rows_vocab) * model.dim;
  DecodeBounds b;
  b.weight_bytes_per_core = 4 * weights;
  b.sram_cycles = b.weight_bytes_per_core / config.sram.read_bytes_per_cycle;
  b.compute_cycles = weights / config.tensor.fp32_lanes;

  // The firmware's collectives per token, in order (sw/decode/decode.c): the embedding
  // broadcast; per layer the all-gathers of q|k|v, the heads, wo's output, the hidden units
  // and w2's output; the argmax (two all-reduces of one value, each reducing to (0,0) and
  // broadcasting back).
  const double crossing = double(w - 1 + h - 1) * config.fabric.hop_latency_cycles;
  const auto delivered = [&](double floats) { return crossing + floats; };
  b.fabric_cycles = delivered(model.dim);
  b.collectives = 1;
  for (int32_t layer = 0; layer < model.n_layers; ++layer) {
    b.fabric_cycles += delivered(model.dim + 2.0 * model.kv_dim()) + delivered(model.dim) + delivered(model.dim) +
                       delivered(model.hidden_dim) + delivered(model.dim);
    b.collectives += 5;
  }
  b.fabric_cycles += 2 * (2 * crossing + 1);
  b.collectives += 2;
  return b;
}

}  // namespace wvp
