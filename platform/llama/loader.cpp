#include "platform/llama/loader.h"

#include <cmath>
#include <cstring>

#include "sw/lib/include/wvp/model_layout.h"

namespace wvp::llama {

wvp_model_header header_of(const ModelConfig& c, uint32_t cores, bool sampling) {
  wvp_model_header h{};
  h.magic = WVP_MODEL_MAGIC;
  h.dim = c.dim, h.hidden_dim = c.hidden_dim, h.n_layers = c.n_layers, h.n_heads = c.n_heads;
  h.n_kv_heads = c.n_kv_heads, h.vocab_size = c.vocab_size, h.seq_len = c.seq_len;
  h.cores = cores;
  h.shared_classifier = c.shared_classifier ? 1 : 0;
  h.sampling = sampling ? 1 : 0;
  return h;
}

uint64_t model_region_bytes(const ModelConfig& config, uint32_t cores, bool sampling) {
  // Core 0 holds the most heads, so its working memory is the largest.
  const wvp_model_header h = header_of(config, cores, sampling);
  return uint64_t{wvp_decode_layout_of(&h, 0).floats} * 4;
}

std::vector<uint8_t> model_region_image(const Model& model, uint32_t cores, uint32_t core,
                                        const std::vector<int32_t>& prompt, bool sampling) {
  const ModelConfig& c = model.config;
  const ModelWeights& w = model.weights;
  if (prompt.empty()) throw ModelError("the prompt has no tokens");
  if (prompt.size() > size_t(c.seq_len))
    throw ModelError("the prompt has " + std::to_string(prompt.size()) + " tokens, more than the context of " +
                     std::to_string(c.seq_len));
  for (int32_t t : prompt)
    if (t < 0 || t >= c.vocab_size)
      throw ModelError("prompt token " + std::to_string(t) + " is outside the vocabulary of " + std::to_string(c.vocab_size));
  wvp_model_header h = header_of(c, cores, sampling);
  h.prompt_len = static_cast<uint32_t>(prompt.size());
  const wvp_model_layout l = wvp_model_layout_of(&h);
  std::vector<float> region(l.floats, 0.0f);  // the shards; the working memory is the firmware's
  std::memcpy(region.data(), &h, sizeof h);
  std::memcpy(&region[l.prompt], prompt.data(), 4 * prompt.size());
  const uint64_t d = c.dim, f = c.hidden_dim, kv = c.kv_dim();
  std::memcpy(&region[l.rms_att], w.rms_att, 4 * c.n_layers * d);
  std::memcpy(&region[l.rms_ffn], w.rms_ffn, 4 * c.n_layers * d);
  std::memcpy(&region[l.rms_final], w.rms_final, 4 * d);
  // This core's rows of an (out x in) matrix, row-major from `at`.
  const auto rows = [&](uint64_t at, const float* matrix, uint64_t out, uint64_t in) {
    uint32_t first, count;
    wvp_rows_of(static_cast<uint32_t>(out), cores, core, &first, &count);
    std::memcpy(&region[at], matrix + first * in, 4 * count * in);
  };
  for (uint64_t layer = 0; layer < uint64_t(c.n_layers); ++layer) {
    // wq, wk, wv stacked: this core's rows of the (dim + 2 kv) x dim whole.
    uint32_t first, count;
    wvp_rows_of(static_cast<uint32_t>(d + 2 * kv), cores, core, &first, &count);
    float* qkv = &region[l.wqkv + layer * l.wqkv_stride];
    for (uint64_t r = first; r < first + count; ++r, qkv += d) {
      const float* row = r < d ? w.wq + (layer * d + r) * d
                       : r < d + kv ? w.wk + (layer * kv + r - d) * d
                                    : w.wv + (layer * kv + r - d - kv) * d;
      std::memcpy(qkv, row, 4 * d);
    }
    rows(l.wo + layer * l.wo_stride, w.wo + layer * d * d, d, d);
    // w1 and w3 interleaved by this core's hidden units.
    wvp_rows_of(static_cast<uint32_t>(f), cores, core, &first, &count);
    float* w13 = &region[l.w13 + layer * l.w13_stride];
    for (uint64_t unit = first; unit < first + count; ++unit, w13 += 2 * d) {
      std::memcpy(w13, w.w1 + (layer * f + unit) * d, 4 * d);
      std::memcpy(w13 + d, w.w3 + (layer * f + unit) * d, 4 * d);
    }
    rows(l.w2 + layer * l.w2_stride, w.w2 + layer * d * f, d, f);
  }
  rows(l.embedding, w.token_embedding, c.vocab_size, d);
  if (!c.shared_classifier) rows(l.classifier, w.classifier, c.vocab_size, d);
  std::vector<uint8_t> bytes(4 * region.size());
  std::memcpy(bytes.data(), region.data(), bytes.size());
  return bytes;
}

void check_model_fits(const ModelConfig& config, uint32_t width, uint32_t height, uint64_t region_bytes, bool sampling) {
  const uint32_t cores = width * height;
  const uint64_t need = model_region_bytes(config, cores, sampling);
  if (need <= region_bytes) return;
  std::string msg = "the model (dim " + std::to_string(config.dim) + ", " + std::to_string(config.n_layers) +
                    " layers, vocab " + std::to_string(config.vocab_size) + ") needs " + std::to_string(need) +
                    " bytes per core on " + std::to_string(width) + "x" + std::to_string(height) + " cores, but a core's " +
                    "model region holds " + std::to_string(region_bytes) + " bytes";
  // The smallest core count that fits, as the squarest grid of at least that many cores.
  uint64_t n = cores;
  while (n < (1u << 24) && model_region_bytes(config, static_cast<uint32_t>(n), sampling) > region_bytes) n = n * 2;
  if (model_region_bytes(config, static_cast<uint32_t>(n), sampling) > region_bytes) {
    msg += "; no grid fits it (the parts every core holds need " + std::to_string(model_region_bytes(config, 1u << 24, sampling)) +
           " bytes)";
    throw ModelError(msg);
  }
  uint64_t lo = cores, hi = n;
  while (lo + 1 < hi) {
    const uint64_t mid = (lo + hi) / 2;
    (model_region_bytes(config, static_cast<uint32_t>(mid), sampling) <= region_bytes ? hi : lo) = mid;
  }
  const uint64_t w = static_cast<uint64_t>(std::ceil(std::sqrt(double(hi))));
  const uint64_t h = (hi + w - 1) / w;
  throw ModelError(msg + "; the smallest grid that fits is " + std::to_string(w) + "x" + std::to_string(h) + " (" +
                   std::to_string(hi) + " cores or more)");
}

}  // namespace wvp::llama
