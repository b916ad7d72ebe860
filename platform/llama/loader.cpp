#include "platform/llama/loader.h"

#include <algorithm>
#include <cstring>
#include <optional>

#include "platform/llama/reference.h"
#include "abi/wvp/element_types.h"
#include "abi/wvp/model_layout.h"

namespace wvp::llama {

static_assert(sizeof(wvp_model_header) == 80, "the region header is 20 words (wvp/model_layout.h)");

StagePlan single_stage(uint32_t width, uint32_t height) { return {width, height, width, height, 1}; }

wvp_model_header header_of(const ModelConfig& c, const StagePlan& plan, bool sampling) {
  if (uint32_t(c.vocab_size) > WVP_MAX_VOCAB)
    throw ModelError("a vocabulary of " + std::to_string(c.vocab_size) + " tokens: the decode firmware names tokens to the host in " +
                     std::to_string(WVP_HOST_TOKEN_BITS) + " bits");
  wvp_model_header h{};
  h.magic = WVP_MODEL_MAGIC;
  h.dim = c.dim, h.hidden_dim = c.hidden_dim, h.n_layers = c.n_layers, h.n_heads = c.n_heads;
  h.n_kv_heads = c.n_kv_heads, h.vocab_size = c.vocab_size, h.seq_len = c.seq_len;
  h.cores = plan.grid_w * plan.grid_h;
  h.shared_classifier = c.shared_classifier ? 1 : 0;
  h.sampling = sampling ? 1 : 0;
  h.stage_w = plan.stage_w, h.stage_h = plan.stage_h, h.stages = plan.stages;
  h.first_layers = static_cast<uint16_t>(plan.first_layers), h.last_layers = static_cast<uint16_t>(plan.last_layers);
  h.micro_batches = plan.micro_batches;
  h.kv_window = plan.kv_window, h.kv_edge = plan.kv_edge;
  h.weight_type = c.weight_type;
  h.prompt_slots = plan.prompt_slots ? std::min(plan.prompt_slots, uint32_t(c.seq_len)) : uint32_t(c.seq_len);
  return h;
}

uint64_t working_memory_bytes(const ModelConfig& config, const StagePlan& plan, bool sampling) {
  const wvp_model_header h = header_of(config, plan, sampling);
  uint64_t most = 0;
  for (uint32_t stage = 0; stage < plan.stages; ++stage)
    most = std::max<uint64_t>(most, wvp_decode_layout_of(&h, stage).floats - wvp_model_layout_of(&h, stage).floats);
  return 4 * most;
}

uint64_t model_region_bytes(const ModelConfig& config, const StagePlan& plan, bool sampling) {
  // Every core of a stage has the same offsets, sized for the largest parts.
  const wvp_model_header h = header_of(config, plan, sampling);
  uint64_t most = 0;
  for (uint32_t stage = 0; stage < plan.stages; ++stage)
    most = std::max<uint64_t>(most, wvp_decode_layout_of(&h, stage).floats);
  return 4 * most;
}

namespace {

// Bytes of the largest core of stage `stage` of `plan`'s blocks if every stage held `layers`
// layers (a stage's region depends on how many layers it holds, not on which).
uint64_t bytes_with_layers(ModelConfig config, StagePlan plan, uint32_t stage, uint32_t layers, bool sampling) {
  config.n_layers = static_cast<int32_t>(layers * plan.stages);
  plan.first_layers = plan.last_layers = layers;
  const wvp_model_header h = header_of(config, plan, sampling);
  return 4 * uint64_t{wvp_decode_layout_of(&h, stage).floats};
}

// `plan` (blocks and stages set) with the first and last stages' layers such that every stage
// fits and the fullest holds as few layers as can be; none if the model's layers do not fit.
std::optional<StagePlan> split_layers(const ModelConfig& config, StagePlan plan, uint64_t region_bytes, bool sampling) {
  const int64_t layers = config.n_layers, stages = plan.stages;
  // The most layers stage `stage` holds, -1 if not even none: its region grows by the same bytes
  // (norms, shards, KV cache) with each layer.
  const auto most_layers = [&](uint32_t stage) -> int64_t {
    const uint64_t none = bytes_with_layers(config, plan, stage, 0, sampling);
    const uint64_t per_layer = bytes_with_layers(config, plan, stage, 1, sampling) - none;
    return none > region_bytes ? -1 : static_cast<int64_t>((region_bytes - none) / per_layer);
  };
  const int64_t first = most_layers(0), last = most_layers(plan.stages - 1), middle = stages > 2 ? most_layers(1) : 0;
  if (first < 0 || last < 0 || middle < 0) return {};
  if (stages == 1) return first >= layers ? std::optional(plan) : std::nullopt;
  for (int64_t fullest = (layers + stages - 1) / stages; fullest <= layers; ++fullest) {
    const int64_t on_first = std::min(first, fullest), on_last = std::min(last, fullest);
    const int64_t on_middle = std::min(middle, fullest);
    if (on_first + on_last + (stages - 2) * on_middle < layers) continue;
    // The middle stages take up to `fullest` each, and the first and last (whose vocabulary rows
    // fill them most) what is left, as evenly as they can.
    const int64_t edges = std::max<int64_t>(0, layers - (stages - 2) * on_middle);
    const int64_t first_layers = std::max(std::min(on_first, (edges + 1) / 2), edges - on_last);
    plan.first_layers = static_cast<uint32_t>(first_layers), plan.last_layers = static_cast<uint32_t>(edges - first_layers);
    return plan;
  }
  return {};
}

// The best plan with blocks that fit, as plan_stages() chooses; none if no block does.
std::optional<StagePlan> fitting_plan(const ModelConfig& config, uint32_t width, uint32_t height, uint64_t region_bytes,
                                      bool sampling, uint32_t stages, uint32_t wafer_width, uint32_t micro_batches,
                                      uint32_t prompt_slots) {
  const uint32_t layers = static_cast<uint32_t>(config.n_layers);
  std::optional<StagePlan> best;
  // Larger blocks put more cores on each layer; among equal ones a squarer block has shorter
  // collectives; then wider, so that the choice is unique.
  const auto better = [](const StagePlan& a, const StagePlan& b) {
    const uint64_t ca = uint64_t{a.stage_w} * a.stage_h, cb = uint64_t{b.stage_w} * b.stage_h;
    if (ca != cb) return ca > cb;
    if (a.stage_w + a.stage_h != b.stage_w + b.stage_h) return a.stage_w + a.stage_h < b.stage_w + b.stage_h;
    return a.stage_w > b.stage_w;
  };
  for (uint32_t sw = 1; sw <= width; ++sw) {
    if (width % sw || (wafer_width && wafer_width % sw)) continue;
    for (uint32_t sh = 1; sh <= height; ++sh) {
      if (height % sh) continue;
      const uint32_t blocks = (width / sw) * (height / sh);
      StagePlan plan{width, height, sw, sh, stages};
      plan.micro_batches = micro_batches, plan.prompt_slots = prompt_slots;
      if (stages > blocks || (best && !better(plan, *best))) continue;
      // Every block runs layers; a stage more than the layers (one that only embeds or only
      // classifies) only when the first or last cannot hold a layer. Each sequence in flight
      // needs a stage to be on.
      const uint32_t fewest = stages ? stages : std::max(std::min(blocks, layers), micro_batches);
      const uint32_t most = stages ? stages : std::min(blocks, layers + 2);
      for (plan.stages = fewest; plan.stages <= most; ++plan.stages)
        if (const auto split = split_layers(config, plan, region_bytes, sampling)) {
          best = split;
          break;
        }
    }
  }
  return best;
}

}  // namespace

StagePlan plan_stages(const ModelConfig& config, uint32_t width, uint32_t height, uint64_t region_bytes, bool sampling,
                      uint32_t stages, uint32_t wafer_width, uint32_t micro_batches, uint32_t prompt_slots) {
  // More sequences than stages would only queue up in the fabric, and with enough of them the
  // queues the next tokens come back through fill up while stage 0 waits to hand x on.
  if (stages && micro_batches > stages)
    throw ModelError("decode.micro_batches " + std::to_string(micro_batches) + " exceeds decode.stages " +
                     std::to_string(stages) + ": each sequence in flight needs a pipeline stage");
  if (stages > uint32_t(config.n_layers) + 2)
    throw ModelError("decode.stages " + std::to_string(stages) + " exceeds the model's " + std::to_string(config.n_layers) +
                     " layers and a stage that only embeds and one that only classifies");
  if (stages > width * height)
    throw ModelError("decode.stages " + std::to_string(stages) + " exceeds the " + std::to_string(width * height) +
                     " cores of the grid");
  if (const auto plan =
          fitting_plan(config, width, height, region_bytes, sampling, stages, wafer_width, micro_batches, prompt_slots))
    return *plan;
  StagePlan one_stage = single_stage(width, height);
  one_stage.micro_batches = micro_batches, one_stage.prompt_slots = prompt_slots;
  std::string msg = "the model (dim " + std::to_string(config.dim) + ", " + std::to_string(config.n_layers) +
                    " layers, vocab " + std::to_string(config.vocab_size);
  if (config.weight_type != WVP_FP32) msg += std::string(", ") + wvp_type_name(config.weight_type) + " weights";
  msg += ")";
  if (micro_batches > 1) msg += " with " + std::to_string(micro_batches) + " micro-batches (a KV cache each)";
  msg += " needs " + std::to_string(model_region_bytes(config, one_stage, sampling)) + " bytes per core on " +
         std::to_string(width) + "x" + std::to_string(height) + " cores in one stage, but a core's model region holds " +
         std::to_string(region_bytes) + " bytes";
  if (stages) msg += ", and no blocks for " + std::to_string(stages) + " stages fit";
  else if (micro_batches > 1) msg += ", and no blocks for " + std::to_string(micro_batches) + " stages or more fit";
  // Every core of a stage holds the activations and, with a layer per stage over ever more
  // cores (and the vocabulary on stages of their own), the rest shrinks towards that.
  constexpr uint32_t kLargestSide = 4096;
  StagePlan unbounded{kLargestSide, kLargestSide, kLargestSide, kLargestSide, static_cast<uint32_t>(config.n_layers) + 2};
  unbounded.micro_batches = micro_batches, unbounded.prompt_slots = prompt_slots;
  const uint64_t floor = model_region_bytes(config, unbounded, sampling);
  if (floor > region_bytes)
    throw ModelDoesNotFit(msg + "; no grid fits it (the parts every core holds need " + std::to_string(floor) + " bytes)");
  for (uint32_t side = 1; side <= kLargestSide; ++side)
    if (fitting_plan(config, side, side, region_bytes, sampling, 0, 0, micro_batches, prompt_slots))
      throw ModelDoesNotFit(msg + "; the smallest square grid that fits is " + std::to_string(side) + "x" + std::to_string(side));
  throw ModelDoesNotFit(msg + "; no grid up to " + std::to_string(kLargestSide) + "x" + std::to_string(kLargestSide) + " fits it");
}

std::optional<StagePlan> plan_kv_offload(const ModelConfig& config, uint32_t width, uint32_t height, uint64_t region_bytes,
                                         bool sampling, uint32_t window, uint32_t edge, uint64_t node_bytes,
                                         uint32_t prompt_slots) {
  const uint32_t seq = static_cast<uint32_t>(config.seq_len);
  StagePlan plan = single_stage(width, height);
  plan.kv_edge = edge, plan.prompt_slots = prompt_slots;
  if (window >= seq)
    throw ModelError("decode.kv_window " + std::to_string(window) + " is not below the model's context of " +
                     std::to_string(seq) + " positions");
  if (window == 0) {
    if (model_region_bytes(config, plan, sampling) <= region_bytes) return plan;
    // The region grows with the window (by a slot each time it takes another position per tile
    // of a block row): the largest that fits.
    const auto fits = [&](uint32_t w) {
      plan.kv_window = w;
      return model_region_bytes(config, plan, sampling) <= region_bytes;
    };
    if (!fits(1)) return std::nullopt;
    uint32_t lo = 1, hi = seq - 1;
    while (lo < hi) {
      const uint32_t mid = lo + (hi - lo + 1) / 2;
      if (fits(mid)) lo = mid;
      else hi = mid - 1;
    }
    plan.kv_window = lo;
  } else {
    plan.kv_window = window;
    const uint64_t need = model_region_bytes(config, plan, sampling);
    if (need > region_bytes)
      throw ModelDoesNotFit("decode.kv_window " + std::to_string(window) + ": the model needs " + std::to_string(need) +
                       " bytes per core on " + std::to_string(width) + "x" + std::to_string(height) +
                       " cores in one stage with that window, but a core's model region holds " + std::to_string(region_bytes));
  }
  const wvp_model_header h = header_of(config, plan, sampling);
  if (wvp_row_head_dims(&h) > WVP_KV_FETCH_WORDS)
    throw ModelError("KV offload: a head of " + std::to_string(wvp_row_head_dims(&h)) +
                     " floats per core is larger than one fetch from the memory node (" + std::to_string(WVP_KV_FETCH_WORDS) +
                     " words)");
  if (wvp_kv_slab_bytes(&h) >> 32)
    throw ModelError("KV offload: a core's K/V at the memory node would take " + std::to_string(wvp_kv_slab_bytes(&h)) +
                     " bytes, more than the 4 GiB its firmware addresses");
  const uint64_t slabs = uint64_t{width} * height * wvp_kv_slab_bytes(&h);
  if (slabs > node_bytes)
    throw ModelError("memnode.size_bytes " + std::to_string(node_bytes) + " is too small for the KV caches of " +
                     std::to_string(uint64_t{width} * height) + " cores (" + std::to_string(slabs) + " bytes)");
  return plan;
}

PromptBlock prompt_block(const ModelConfig& c, const StagePlan& plan, const std::vector<std::vector<int32_t>>& prompts) {
  if (prompts.size() != 1 && prompts.size() != plan.micro_batches)
    throw ModelError(std::to_string(prompts.size()) + " prompts for " + std::to_string(plan.micro_batches) +
                     " micro-batches: give one prompt for all sequences or one per sequence");
  for (const std::vector<int32_t>& prompt : prompts) {
    if (prompt.empty()) throw ModelError("the prompt has no tokens");
    if (prompt.size() > size_t(c.seq_len))
      throw ModelError("the prompt has " + std::to_string(prompt.size()) + " tokens, more than the context of " +
                       std::to_string(c.seq_len));
    for (int32_t t : prompt)
      if (t < 0 || t >= c.vocab_size)
        throw ModelError("prompt token " + std::to_string(t) + " is outside the vocabulary of " + std::to_string(c.vocab_size));
  }
  const wvp_model_header h = header_of(c, plan);
  for (const std::vector<int32_t>& prompt : prompts)
    if (prompt.size() > h.prompt_slots)
      throw ModelError("the prompt has " + std::to_string(prompt.size()) + " tokens, more than the plan's " +
                       std::to_string(h.prompt_slots) + " prompt slots");
  std::vector<int32_t> block(size_t{plan.micro_batches} * h.prompt_slots, WVP_NO_TOKEN);
  for (uint32_t b = 0; b < plan.micro_batches; ++b) {
    const std::vector<int32_t>& prompt = prompts[prompts.size() == 1 ? 0 : b];
    std::copy(prompt.begin(), prompt.end(), block.begin() + ptrdiff_t{b} * h.prompt_slots);
  }
  PromptBlock p{4 * wvp_model_layout_of(&h, 0).prompt, std::vector<uint8_t>(4 * block.size())};
  std::memcpy(p.bytes.data(), block.data(), p.bytes.size());
  return p;
}

std::vector<uint8_t> model_region_image(const Model& model, const StagePlan& plan, uint32_t core, bool sampling) {
  const ModelConfig& c = model.config;
  const ModelWeights& w = model.weights;
  const wvp_model_header h = header_of(c, plan, sampling);
  const uint32_t x = core % plan.grid_w, y = core / plan.grid_w, stage = wvp_stage_of(&h, plan.grid_w, x, y);
  std::vector<uint8_t> header(sizeof h);
  std::memcpy(header.data(), &h, sizeof h);
  if (stage == plan.stages) return header;  // an idle block: the firmware learns that from the header
  uint32_t x0, y0;
  wvp_stage_origin(&h, plan.grid_w, stage, &x0, &y0);
  const wvp_tile_part part = wvp_tile_part_of(&h, x - x0, y - y0);
  const wvp_model_layout l = wvp_model_layout_of(&h, stage);
  std::vector<uint8_t> region(4 * uint64_t{l.floats});  // the shards; the working memory is the firmware's
  std::memcpy(region.data(), &h, sizeof h);
  const uint64_t d = c.dim, f = c.hidden_dim, kv = c.kv_dim(), hs = c.head_size(), first_layer = l.first_layer;
  const uint64_t kv_mul = c.n_heads / c.n_kv_heads;
  const wvp_range dims = part.dims;
  // `n` floats at byte `to` as elements of `type`; returns the byte after them. The matrices'
  // weights are of their type already (round_weights()), so the conversion is exact.
  const auto put = [&](uint64_t to, const float* from, uint64_t n, uint32_t type) {
    if (type == WVP_FP32) {
      std::memcpy(region.data() + to, from, 4 * n);
      return to + 4 * n;
    }
    for (uint64_t i = 0; i < n; ++i, to += 2) {
      const uint16_t e = type == WVP_FP16 ? wvp_float_to_half(from[i]) : wvp_float_to_bf16(from[i]);
      std::memcpy(region.data() + to, &e, 2);
    }
    return to;
  };
  // This tile's block of `count` rows of a matrix `in` wide from `row`, over columns
  // [col, col + cols), packed row-major from byte `to`; returns the byte where the next block goes.
  const auto block = [&](uint64_t to, const float* matrix, uint64_t row, uint64_t count, uint64_t in, uint64_t col, uint64_t cols) {
    for (uint64_t r = row; r < row + count; ++r) to = put(to, matrix + r * in + col, cols, c.weight_type);
    return to;
  };
  const auto norms = [&](uint64_t at, const float* weights, uint64_t layers) {
    for (uint64_t j = 0; j < layers; ++j) put(4 * (at + j * l.cols_dim), weights + j * d + dims.first, dims.count, WVP_FP32);
  };
  norms(l.rms_att, w.rms_att + first_layer * d, l.layers);
  norms(l.rms_ffn, w.rms_ffn + first_layer * d, l.layers);
  norms(l.rms_final, w.rms_final, 1);
  const std::vector<uint8_t> frequencies = rope_frequency_bytes(c);
  std::memcpy(region.data() + 4 * uint64_t{l.rope_freq}, frequencies.data(), frequencies.size());
  // Row r's heads: its KV heads and their query heads, of each its dimensions (all of them, or
  // its slice of a split head).
  const uint64_t first_query = part.kv_heads.first * kv_mul, queries = part.kv_heads.count * kv_mul;
  const uint64_t head_first = part.head_dims.first, head_dims = part.head_dims.count;
  // By columns: the heads' rows over x's part, head by head.
  const auto head_rows = [&](uint64_t to, const float* matrix, uint64_t first_head, uint64_t heads) {
    for (uint64_t head = first_head; head < first_head + heads; ++head)
      to = block(to, matrix, head * hs + head_first, head_dims, d, dims.first, dims.count);
    return to;
  };
  for (uint64_t j = 0; j < l.layers; ++j) {
    const uint64_t layer = first_layer + j;
    // By columns: row r's query, key and value rows over x's part.
    uint64_t qkv = 4 * (l.wqkv + j * l.wqkv_stride);
    qkv = head_rows(qkv, w.wq + layer * d * d, first_query, queries);
    qkv = head_rows(qkv, w.wk + layer * kv * d, part.kv_heads.first, part.kv_heads.count);
    head_rows(qkv, w.wv + layer * kv * d, part.kv_heads.first, part.kv_heads.count);
    // By rows: x's part of wo's rows over row r's query heads' dimensions, head by head.
    uint64_t wo = 4 * (l.wo + j * l.wo_stride);
    for (uint64_t r = dims.first; r < dims.first + dims.count; ++r)
      for (uint64_t head = first_query; head < first_query + queries; ++head)
        wo = put(wo, w.wo + layer * d * d + r * d + head * hs + head_first, head_dims, c.weight_type);
    // By columns: w1's and w3's row of each of row r's hidden units in turn.
    uint64_t w13 = 4 * (l.w13 + j * l.w13_stride);
    for (uint64_t unit = part.units.first; unit < part.units.first + part.units.count; ++unit) {
      w13 = block(w13, w.w1 + layer * f * d, unit, 1, d, dims.first, dims.count);
      w13 = block(w13, w.w3 + layer * f * d, unit, 1, d, dims.first, dims.count);
    }
    // By rows: x's part of w2's rows over row r's hidden units.
    block(4 * (l.w2 + j * l.w2_stride), w.w2 + layer * d * f, dims.first, dims.count, f, part.units.first, part.units.count);
  }
  const auto vocabulary = [&](uint64_t at, const float* table) {
    block(4 * at, table, part.vocab.first, part.vocab.count, d, dims.first, dims.count);
  };
  if (stage == 0) vocabulary(l.embedding, w.token_embedding);
  const bool classifier_is_embedding = c.shared_classifier && stage == 0;  // as wvp_model_layout_of has it
  if (stage + 1 == plan.stages && !classifier_is_embedding)
    vocabulary(l.classifier, c.shared_classifier ? w.token_embedding : w.classifier);
  return region;
}

std::vector<uint8_t> rope_frequency_bytes(const ModelConfig& c) {
  std::vector<uint8_t> bytes(4 * uint64_t(c.head_size() / 2));
  for (int32_t i = 0; i < c.head_size(); i += 2) {
    const float frequency = rope_frequency(i, c.head_size());
    std::memcpy(bytes.data() + 2 * i, &frequency, 4);
  }
  return bytes;
}

std::optional<uint32_t> rope_frequency_offset(const ModelConfig& c, const StagePlan& plan, uint32_t core, bool sampling) {
  const wvp_model_header h = header_of(c, plan, sampling);
  const uint32_t stage = wvp_stage_of(&h, plan.grid_w, core % plan.grid_w, core / plan.grid_w);
  if (stage == plan.stages) return std::nullopt;
  return 4 * wvp_model_layout_of(&h, stage).rope_freq;
}

}  // namespace wvp::llama
