#include "platform/studies/decode_estimate.h"

#include <algorithm>

#include "abi/wvp/line_root.h"
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
  // The firmware's collectives per token, in order (sw/decode/decode.c), each along a row or a
  // column of its stage's block: the embedding (an all-reduce down the columns, which takes the
  // same time whichever row holds the token); per layer q|k|v with the attention RMSNorm's sum
  // of squares, the attention's scores (down the column segment of a split head's rows, at least
  // one own position), maxima, and values with the softmax sums (along the rows), wo's and w2's
  // updates of x (along the columns) and w1|w3 with the FFN RMSNorm's sum of squares (along the
  // rows); the logits with the final norm's sum of squares (along the rows) and the argmax (two
  // all-reduces of one value over the block). An all-reduce meets at its line's root
  // (wvp_line_root: the middle tile of a long line, the first of a short one): it crosses from the
  // root's far end to the root and back and moves its floats twice. Between stages, x's parts
  // cross the border and go down the columns; the next token goes back to PE (0,0) and is
  // broadcast.
  const double hop = config.fabric.hop_latency_cycles;
  const double across = double(plan.stage_w - 1) * hop, down = double(plan.stage_h - 1) * hop;
  const auto to_root_and_back = [&](uint32_t tiles) { return 2 * double(tiles - 1 - wvp_line_root(tiles)) * hop; };
  const auto along_rows = [&](double floats) { return to_root_and_back(plan.stage_w) + 2 * floats; };
  const auto along_columns = [&](double floats) { return to_root_and_back(plan.stage_h) + 2 * floats; };
  // A split head's rows (wvp/model_layout.h); the first group is the largest.
  const uint32_t split_rows = wvp_heads_split(&header) ? wvp_head_rows_of(&header, 0).count : 1;
  const auto along_segment = [&](double floats) { return split_rows > 1 ? to_root_and_back(split_rows) + 2 * floats : 0.0; };
  for (uint32_t stage = 0; stage < plan.stages; ++stage) {
    // Every core's parts are at most the layout's.
    const wvp_model_layout l = wvp_model_layout_of(&header, stage);
    const bool last = stage + 1 == plan.stages;
    const double weight_bytes = 4 * (double(l.layers) * (l.wqkv_stride + l.wo_stride + l.w13_stride + l.w2_stride) +
                                     (last ? wvp_weight_words(&header, l.rows_vocab * l.cols_dim) : 0.0));
    b.weight_bytes_per_core = std::max(b.weight_bytes_per_core, weight_bytes);
    b.sram_cycles += weight_bytes / config.sram.read_bytes_per_cycle;
    // The products take x in fp32, so they run at the fp32 rate whatever the weights' type.
    b.compute_cycles += weight_bytes / wvp_type_bytes(header.weight_type) / config.tensor.fp32_lanes;
    const double query_heads = l.cols_heads / wvp_row_head_dims(&header);
    for (uint32_t layer = 0; layer < l.layers; ++layer) {
      b.fabric_cycles += along_rows(l.rows_qkv + 1) + along_segment(query_heads) + along_rows(query_heads) +
                         along_rows(l.cols_heads + query_heads) + along_columns(l.cols_dim) + along_rows(2.0 * l.rows_units + 1) +
                         along_columns(l.cols_dim);
      b.collectives += split_rows > 1 ? 7 : 6;
    }
    if (stage == 0) {
      b.fabric_cycles += along_columns(l.cols_dim);
      b.collectives += 1;
    }
    if (!last) {
      b.fabric_cycles += double(plan.stage_w) * hop + 1 + model.dim + down + 1 + l.cols_dim;
      b.collectives += 1;
    } else {
      b.fabric_cycles += along_rows(l.rows_vocab + 1) + 2 * (along_rows(1) + along_columns(1));
      b.collectives += 3;
    }
  }
  if (plan.stages > 1) {
    uint32_t x0, y0;
    wvp_stage_origin(&header, plan.grid_w, plan.stages - 1, &x0, &y0);
    b.fabric_cycles += double(x0 + y0) * hop + across + down + 1;
    b.collectives += 1;
  }
  return b;
}

}  // namespace wvp
