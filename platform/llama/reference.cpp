#include "platform/llama/reference.h"

#include <algorithm>
#include <cmath>
#include <cstring>

#include "platform/llama/tokenizer.h"

namespace wvp::llama {

namespace {

void rmsnorm(float* out, const float* x, const float* weight, int32_t n) {
  float ss = 0.0f;
  for (int32_t j = 0; j < n; ++j) ss += x[j] * x[j];
  ss /= static_cast<float>(n);
  ss += 1e-5f;
  ss = 1.0f / std::sqrt(ss);
  for (int32_t j = 0; j < n; ++j) out[j] = weight[j] * (ss * x[j]);
}

void softmax(float* x, int32_t n) {
  float max_val = x[0];
  for (int32_t i = 1; i < n; ++i) max_val = std::max(max_val, x[i]);
  float sum = 0.0f;
  for (int32_t i = 0; i < n; ++i) {
    x[i] = std::exp(x[i] - max_val);
    sum += x[i];
  }
  for (int32_t i = 0; i < n; ++i) x[i] /= sum;
}

// out (d) = w (d, n) . x (n)
void matmul(float* out, const float* x, const float* w, int32_t n, int32_t d) {
  for (int32_t i = 0; i < d; ++i) {
    float val = 0.0f;
    for (int32_t j = 0; j < n; ++j) val += w[int64_t(i) * n + j] * x[j];
    out[i] = val;
  }
}

}  // namespace

Reference::Reference(const Model& model) : model_(model) {
  const ModelConfig& c = model.config;
  x_.resize(c.dim), xb_.resize(c.dim), xb2_.resize(c.dim), q_.resize(c.dim);
  hb_.resize(c.hidden_dim), hb2_.resize(c.hidden_dim);
  att_.resize(size_t(c.n_heads) * c.seq_len);
  logits_.resize(c.vocab_size);
  key_cache_.resize(size_t(c.n_layers) * c.seq_len * c.kv_dim());
  value_cache_.resize(key_cache_.size());
}

const std::vector<float>& Reference::forward(int32_t token, int32_t pos) {
  const ModelConfig& c = model_.config;
  const ModelWeights& w = model_.weights;
  if (token < 0 || token >= c.vocab_size) throw ModelError("forward: token " + std::to_string(token) + " outside the vocabulary");
  if (pos < 0 || pos >= c.seq_len) throw ModelError("forward: position " + std::to_string(pos) + " outside the context");
  const int32_t dim = c.dim, kv_dim = c.kv_dim(), kv_mul = c.n_heads / c.n_kv_heads, hidden = c.hidden_dim;
  const int32_t head_size = c.head_size();
  std::memcpy(x_.data(), w.token_embedding + int64_t(token) * dim, sizeof(float) * dim);

  for (int64_t l = 0; l < c.n_layers; ++l) {
    // Attention: RMSNorm, Q/K/V projections, RoPE, cache append.
    rmsnorm(xb_.data(), x_.data(), w.rms_att + l * dim, dim);
    const int64_t loff = l * c.seq_len * kv_dim;
    float* k = key_cache_.data() + loff + int64_t(pos) * kv_dim;
    float* v = value_cache_.data() + loff + int64_t(pos) * kv_dim;
    matmul(q_.data(), xb_.data(), w.wq + l * dim * dim, dim, dim);
    matmul(k, xb_.data(), w.wk + l * dim * kv_dim, dim, kv_dim);
    matmul(v, xb_.data(), w.wv + l * dim * kv_dim, dim, kv_dim);
    for (int32_t i = 0; i < dim; i += 2) {
      const int32_t head_dim = i % head_size;
      const float val = static_cast<float>(pos) * rope_frequency(head_dim, head_size);
      const float fcr = std::cos(val), fci = std::sin(val);
      for (int32_t r = 0; r < (i < kv_dim ? 2 : 1); ++r) {
        float* vec = r == 0 ? q_.data() : k;
        const float v0 = vec[i], v1 = vec[i + 1];
        vec[i] = v0 * fcr - v1 * fci;
        vec[i + 1] = v0 * fci + v1 * fcr;
      }
    }
    // Grouped-query attention over positions 0..pos, head by head.
    for (int32_t h = 0; h < c.n_heads; ++h) {
      const float* q = q_.data() + int64_t(h) * head_size;
      float* att = att_.data() + int64_t(h) * c.seq_len;
      for (int32_t t = 0; t <= pos; ++t) {
        const float* kt = key_cache_.data() + loff + int64_t(t) * kv_dim + int64_t(h / kv_mul) * head_size;
        float score = 0.0f;
        for (int32_t i = 0; i < head_size; ++i) score += q[i] * kt[i];
        att[t] = score / std::sqrt(static_cast<float>(head_size));
      }
      softmax(att, pos + 1);
      float* xb = xb_.data() + int64_t(h) * head_size;
      std::fill(xb, xb + head_size, 0.0f);
      for (int32_t t = 0; t <= pos; ++t) {
        const float* vt = value_cache_.data() + loff + int64_t(t) * kv_dim + int64_t(h / kv_mul) * head_size;
        for (int32_t i = 0; i < head_size; ++i) xb[i] += att[t] * vt[i];
      }
    }
    matmul(xb2_.data(), xb_.data(), w.wo + l * dim * dim, dim, dim);
    for (int32_t i = 0; i < dim; ++i) x_[i] += xb2_[i];

    // Feed-forward: RMSNorm, SwiGLU, down projection.
    rmsnorm(xb_.data(), x_.data(), w.rms_ffn + l * dim, dim);
    matmul(hb_.data(), xb_.data(), w.w1 + l * dim * hidden, dim, hidden);
    matmul(hb2_.data(), xb_.data(), w.w3 + l * dim * hidden, dim, hidden);
    for (int32_t i = 0; i < hidden; ++i) {
      float val = hb_[i];
      val *= 1.0f / (1.0f + std::exp(-val));
      val *= hb2_[i];
      hb_[i] = val;
    }
    matmul(xb_.data(), hb_.data(), w.w2 + l * dim * hidden, hidden, dim);
    for (int32_t i = 0; i < dim; ++i) x_[i] += xb_[i];
  }
  rmsnorm(x_.data(), x_.data(), w.rms_final, dim);
  matmul(logits_.data(), x_.data(), w.classifier, dim, c.vocab_size);
  return logits_;
}

float rope_frequency(int32_t head_dim, int32_t head_size) {
  return 1.0f / std::pow(10000.0f, static_cast<float>(head_dim) / static_cast<float>(head_size));
}

int32_t argmax(const std::vector<float>& v) {
  int32_t best = 0;
  for (int32_t i = 1; i < static_cast<int32_t>(v.size()); ++i)
    if (v[i] > v[best]) best = i;
  return best;
}

Sampler::Sampler(int32_t vocab_size, float temperature, float topp, uint64_t seed)
    : vocab_size_(vocab_size), temperature_(temperature), topp_(topp), state_(seed) {}

uint32_t Sampler::random_u32() {
  state_ ^= state_ >> 12;
  state_ ^= state_ << 25;
  state_ ^= state_ >> 27;
  return static_cast<uint32_t>((state_ * 0x2545F4914F6CDD1Dull) >> 32);
}

float Sampler::random_f32() { return static_cast<float>(random_u32() >> 8) / 16777216.0f; }

int32_t Sampler::sample(std::vector<float> logits) {
  if (temperature_ == 0.0f) return argmax(logits);
  for (float& l : logits) l /= temperature_;
  softmax(logits.data(), vocab_size_);
  const float coin = random_f32();
  const auto draw_all = [&] {
    float cdf = 0.0f;
    for (int32_t i = 0; i < vocab_size_; ++i) {
      cdf += logits[i];
      if (coin < cdf) return i;
    }
    return vocab_size_ - 1;
  };
  if (topp_ <= 0.0f || topp_ >= 1.0f) return draw_all();
  // Nucleus: tokens that can be in it (probability above the cutoff), most probable first; ties
  // in index order (run.c's qsort leaves them unspecified).
  const float cutoff = (1.0f - topp_) / static_cast<float>(vocab_size_ - 1);
  std::vector<int32_t> order;
  for (int32_t i = 0; i < vocab_size_; ++i)
    if (logits[i] >= cutoff) order.push_back(i);
  // No token reaches the cutoff only when the probabilities are NaN (a temperature so small that
  // logits / temperature overflow, a NaN top-p): the firmware's sampler draws from all tokens then.
  if (order.empty()) return draw_all();
  std::stable_sort(order.begin(), order.end(), [&](int32_t a, int32_t b) { return logits[a] > logits[b]; });
  float cumulative = 0.0f;
  size_t last = order.size() - 1;
  for (size_t i = 0; i < order.size(); ++i) {
    cumulative += logits[order[i]];
    if (cumulative > topp_) {
      last = i;
      break;
    }
  }
  const float r = coin * cumulative;
  float cdf = 0.0f;
  for (size_t i = 0; i <= last; ++i) {
    cdf += logits[order[i]];
    if (r < cdf) return order[i];
  }
  return order[last];
}

Generation generate(const Model& model, const std::vector<int32_t>& prompt, int32_t steps, Sampler& sampler) {
  if (prompt.empty()) throw ModelError("generate: the prompt has no tokens");
  Reference ref(model);
  Generation g;
  int32_t token = prompt[0];
  for (int32_t pos = 0; pos < std::min(steps, model.config.seq_len); ++pos) {
    const std::vector<float>& logits = ref.forward(token, pos);
    g.logits.push_back(logits);
    const int32_t next = pos + 1 < static_cast<int32_t>(prompt.size()) ? prompt[pos + 1] : sampler.sample(logits);
    if (next == kBos) break;
    g.tokens.push_back(next);
    token = next;
  }
  return g;
}

}  // namespace wvp::llama
