// First-principles bounds on the time per token of the decode firmware (sw/decode) on a grid:
// what the SRAM, the tensor engines and the fabric could do at best for its algorithm, each
// alone. Pipeline stages work one after another on a token, so their bounds add up. The largest bound says what limits the decode; the simulated time says how far the
// firmware is from it.
#pragma once
#include <string>

#include "platform/config/config.h"
#include "platform/llama/checkpoint.h"
#include "platform/llama/loader.h"

namespace wvp {

struct DecodeBounds {
  double sram_cycles = 0;     // each stage's busiest core reads each of its weights once
  double compute_cycles = 0;  // ... and multiplies each once, tensor.fp32_lanes per cycle
  double fabric_cycles = 0;   // the token's collectives one after another, each crossing the grid
                              // (hop latency) and delivering its vector to every core (one
                              // wavelet per cycle through the core's ramp)
  double weight_bytes_per_core = 0;  // the busiest core's
  unsigned collectives = 0;   // per token

  double largest() const;
  std::string dominant() const;  // "SRAM bandwidth", "compute" or "fabric"
};

DecodeBounds decode_bounds(const llama::ModelConfig& model, const PlatformConfig& config, const llama::StagePlan& plan);

}  // namespace wvp
