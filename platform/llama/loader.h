// Cuts a model into the per-core images of the firmware's model region (see
// abi/wvp/model_layout.h) and checks that they fit before anything is simulated.
#pragma once
#include <cstdint>
#include <optional>
#include <vector>

#include "platform/llama/checkpoint.h"
#include "abi/wvp/model_layout.h"

namespace wvp::llama {

// How a model is spread over a grid: the block of one pipeline stage, how many stages run
// layers, how many layers the first and last stages hold and how many sequences go through the
// pipeline together (abi/wvp/model_layout.h).
struct StagePlan {
  uint32_t grid_w = 1, grid_h = 1;
  uint32_t stage_w = 1, stage_h = 1;  // divide the grid's sides
  uint32_t stages = 1;                // at most the blocks and the layers + 2
  uint32_t first_layers = 0, last_layers = 0;  // with 2 stages or more; the middle ones share the rest
  uint32_t micro_batches = 1;                  // at most the stages; each has its own KV cache
  uint32_t kv_window = 0;  // K/V positions in SRAM, the rest at the memory node; 0: all in SRAM
  uint32_t kv_edge = 0;    // the memory node's edge (WVP_PORT_W or WVP_PORT_E), with a window
  uint32_t prompt_slots = 0;  // per sequence in the prompt block: the longest prompt's tokens; 0: the context
  bool operator==(const StagePlan&) const = default;
};

// Every core works on every layer.
StagePlan single_stage(uint32_t width, uint32_t height);

// The region header of `config` cut by `plan` (no prompt yet), from which wvp_model_layout_of()
// and wvp_decode_layout_of() give every offset. Throws ModelError for a vocabulary the firmware
// cannot name to the host (above WVP_MAX_VOCAB).
wvp_model_header header_of(const ModelConfig& config, const StagePlan& plan, bool sampling = false);

// Bytes of the largest core's region under `plan`: shards and the decode working memory, with
// the sampler's buffers (every logit on every core of the last stage) if `sampling`; greedy
// decoding needs none.
uint64_t model_region_bytes(const ModelConfig& config, const StagePlan& plan, bool sampling = false);

// The plan for a width x height grid whose cores have `region_bytes` of model region: one
// stage if that fits, else the largest blocks that fit, with as many stages as there are blocks
// (or layers; or up to two more, when the first or last stage cannot hold a layer beside the
// vocabulary rows). The layers are spread so that the fullest stage holds the fewest that fit,
// the first and last stages taking what the middle ones leave. `stages` > 0 asks for that many
// stages (the largest blocks there are enough of). Throws ModelError when nothing fits, naming
// what a core needs, what it has and the smallest square grid that would fit, or when `stages`
// cannot be had. `wafer_width` > 0: the grid is wafers of that width side by side, and no block
// straddles two. `micro_batches` sequences in flight need as many stages at least (the automatic
// choice takes the fewest that fit) and a KV cache each. `prompt_slots`: the longest prompt's
// tokens (StagePlan's; 0: the context).
StagePlan plan_stages(const ModelConfig& config, uint32_t width, uint32_t height, uint64_t region_bytes,
                      bool sampling = false, uint32_t stages = 0, uint32_t wafer_width = 0, uint32_t micro_batches = 1,
                      uint32_t prompt_slots = 0);

// The plan with a memory node cabled to the grid's `edge` (WVP_PORT_W or WVP_PORT_E) of
// `node_bytes`: one stage over the whole grid that keeps `window` positions of K/V in SRAM and
// the older ones at the node; `window` 0 takes all of them if they fit (no offload), else as
// many as fit. None when the model's weights and working memory leave no room for one position
// and `window` is 0 (the caller plans stages instead). Throws ModelError for a `window` not below
// the context or that does not fit (naming decode.kv_window), heads larger than a fetch, or a
// node too small for every core's slab (naming memnode.size_bytes).
std::optional<StagePlan> plan_kv_offload(const ModelConfig& config, uint32_t width, uint32_t height, uint64_t region_bytes,
                                         bool sampling, uint32_t window, uint32_t edge, uint64_t node_bytes,
                                         uint32_t prompt_slots = 0);

// The prompt block of the region, every core's alike (the plan's prompt slots per sequence: BOS
// first, WVP_NO_TOKEN after its prompt), and its byte offset from the region start. `prompts`:
// one per sequence of the plan's micro-batches, or one for all. Throws ModelError for another
// number of prompts, an empty prompt, one longer than the context or the plan's slots, or a
// token outside the vocabulary.
struct PromptBlock {
  uint32_t offset = 0;
  std::vector<uint8_t> bytes;
};
PromptBlock prompt_block(const ModelConfig& config, const StagePlan& plan, const std::vector<std::vector<int32_t>>& prompts);

// The region image of core `core` (row-major in the grid): the header, the norms of its stage's
// layers and its parts of their matrices, the embedding or classifier rows of the first or last
// stage (the start of its region; the working memory after them is left to the firmware; the
// header only for a core of an idle block). The prompt block stays zero: the host sends it once
// the cores run (prompt_block, platform/host/host_stream.h).
std::vector<uint8_t> model_region_image(const Model& model, const StagePlan& plan, uint32_t core, bool sampling = false);

// A timing-only run (a model larger than host memory) writes into the regions only what the
// cores' software computes with, since its cycles follow its values: the header (the same in
// every region, header_of()) and the RoPE frequencies. The weights stay unwritten and cost no host
// memory (the SRAM's pages are backed as they are written); the tensor engines do not read them.
// The frequencies' bytes, and where they lie in core `core`'s region (bytes from its start; none
// for a core of an idle block).
std::vector<uint8_t> rope_frequency_bytes(const ModelConfig& config);
std::optional<uint32_t> rope_frequency_offset(const ModelConfig& config, const StagePlan& plan, uint32_t core, bool sampling = false);

// Bytes of the largest core's working memory under `plan`: model_region_bytes() less the shards.
uint64_t working_memory_bytes(const ModelConfig& config, const StagePlan& plan, bool sampling = false);

}  // namespace wvp::llama
