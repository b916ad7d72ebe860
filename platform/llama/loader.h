// Cuts a model into the per-core images of the firmware's model region (see
// sw/lib/include/wvp/model_layout.h) and checks that they fit before anything is simulated.
#pragma once
#include <cstdint>
#include <vector>

#include "platform/llama/checkpoint.h"
#include "sw/lib/include/wvp/model_layout.h"

namespace wvp::llama {

// The region header of `config` cut for `cores` cores (no prompt yet), from which
// wvp_model_layout_of() and wvp_decode_layout_of() give every offset.
wvp_model_header header_of(const ModelConfig& config, uint32_t cores, bool sampling = false);

// Bytes of the largest core's region for `cores` cores: shards and the decode working memory,
// with the sampler's buffers (every logit on every core) if `sampling`; greedy decoding
// needs none.
uint64_t model_region_bytes(const ModelConfig& config, uint32_t cores, bool sampling = false);

// Core `core`'s shards: the header, the prompt, the replicated norms and its rows of every matrix
// (the start of its region; the working memory after them is left to the firmware). Throws
// ModelError for an empty prompt, one longer than the context or a token outside the vocabulary.
std::vector<uint8_t> model_region_image(const Model& model, uint32_t cores, uint32_t core,
                                        const std::vector<int32_t>& prompt, bool sampling = false);

// Throws ModelError when the shards do not fit `region_bytes` on a width x height grid, naming
// what one core needs, what it has and the smallest square-ish grid that would fit.
void check_model_fits(const ModelConfig& config, uint32_t width, uint32_t height, uint64_t region_bytes,
                      bool sampling = false);

}  // namespace wvp::llama
