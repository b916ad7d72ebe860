#include "platform/decode_estimate.h"

#include <algorithm>

#include "platform/llama/loader.h"

namespace wvp {

double DecodeBounds::largest() const { return std::max({sram_cycles, compute_cycles, fabric_cycles}); }

std::string DecodeBounds::dominant() const {
  if (fabric_cycles >= sram_cycles && fabric_cycles >= compute_cycles) return "fabric";
  return sram_cycles >= compute_cycles ? "SRAM bandwidth" : "compute";
}

DecodeBounds decode_bounds(const llama::ModelConfig& model, const PlatformConfig& config, const llama::StagePlan& plan) {
  const wvp_model_header header = llama::header_of(model, plan);
  DecodeBounds b;
  // The firmware's collectives per token, in order (sw/decode/decode.c), each crossing its
  // stage's block: the embedding broadcast; per layer the all-gathers of q|k|v, the heads, wo's
  // output, the hidden units and w2's output; the argmax (two all-reduces of one value, each
  // reducing to the block's first tile and broadcasting back). Between stages, x crosses one hop
  // and is broadcast with its flag; the next token goes back to PE (0,0) and is broadcast.
  const double hop = config.fabric.hop_latency_cycles;
  const double crossing = double(plan.stage_w - 1 + plan.stage_h - 1) * hop;
  const auto delivered = [&](double floats) { return crossing + floats; };
  b.fabric_cycles = delivered(model.dim);
  b.collectives = 1;
  for (uint32_t stage = 0; stage < plan.stages; ++stage) {
    // A stage's first core holds the largest share of every matrix.
    const wvp_model_layout l = wvp_model_layout_of(&header, stage);
    const bool last = stage + 1 == plan.stages;
    const double weights = double(l.layers) * (l.wqkv_stride + l.wo_stride + l.w13_stride + l.w2_stride) +
                           (last ? double(l.rows_vocab) * model.dim : 0.0);
    b.weight_bytes_per_core = std::max(b.weight_bytes_per_core, 4 * weights);
    b.sram_cycles += 4 * weights / config.sram.read_bytes_per_cycle;
    b.compute_cycles += weights / config.tensor.fp32_lanes;
    for (uint32_t layer = 0; layer < l.layers; ++layer) {
      b.fabric_cycles += delivered(model.dim + 2.0 * model.kv_dim()) + delivered(model.dim) + delivered(model.dim) +
                         delivered(model.hidden_dim) + delivered(model.dim);
      b.collectives += 5;
    }
    if (!last) {
      b.fabric_cycles += hop + 1 + model.dim + delivered(1 + model.dim);
      b.collectives += 1;
    }
  }
  b.fabric_cycles += 2 * (2 * crossing + 1);
  b.collectives += 2;
  if (plan.stages > 1) {
    uint32_t x0, y0;
    wvp_stage_origin(&header, plan.grid_w, plan.stages - 1, &x0, &y0);
    b.fabric_cycles += double(x0 + y0) * hop + delivered(1);
    b.collectives += 1;
  }
  return b;
}

}  // namespace wvp
