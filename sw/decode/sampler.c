#include <math.h>

#include "sampler.h"

static uint32_t random_u32(uint64_t *state) {
  *state ^= *state >> 12;
  *state ^= *state << 25;
  *state ^= *state >> 27;
  return (uint32_t)((*state * 0x2545F4914F6CDD1Dull) >> 32);
}

static float random_f32(uint64_t *state) { return (float)(random_u32(state) >> 8) / 16777216.0f; }

static void softmax(float *x, uint32_t n) {
  float max_val = x[0];
  for (uint32_t i = 1; i < n; ++i)
    if (x[i] > max_val) max_val = x[i];
  float sum = 0.0f;
  for (uint32_t i = 0; i < n; ++i) {
    x[i] = expf(x[i] - max_val);
    sum += x[i];
  }
  for (uint32_t i = 0; i < n; ++i) x[i] /= sum;
}

/* Draws from probs[0..n) with `coin`: the nucleus of top-p mass, most probable first and ties by
 * index (the host reference's order), or all tokens. */
static uint32_t draw(const float *probs, uint32_t n, float coin, float p, uint32_t *order) {
  if (p <= 0.0f || p >= 1.0f) {
    float cdf = 0.0f;
    for (uint32_t i = 0; i < n; ++i) {
      cdf += probs[i];
      if (coin < cdf) return i;
    }
    return n - 1;
  }
  const float cutoff = (1.0f - p) / (float)(n - 1);
  uint32_t m = 0;
  for (uint32_t i = 0; i < n; ++i) {  /* insertion sort: stable, so ties stay in index order */
    if (!(probs[i] >= cutoff)) continue; /* as the host's test, so that a NaN is left out alike */
    uint32_t j = m++;
    while (j > 0 && probs[order[j - 1]] < probs[i]) order[j] = order[j - 1], --j;
    order[j] = i;
  }
  /* Only NaNs (logits / temperature overflowed, a NaN top-p) leave the nucleus empty: the host
   * reference's sampler draws from all tokens then. */
  if (m == 0) return draw(probs, n, coin, 1.0f, order);
  float cumulative = 0.0f;
  uint32_t last = m - 1;
  for (uint32_t i = 0; i < m; ++i) {
    cumulative += probs[order[i]];
    if (cumulative > p) {
      last = i;
      break;
    }
  }
  const float r = coin * cumulative;
  float cdf = 0.0f;
  for (uint32_t i = 0; i <= last; ++i) {
    cdf += probs[order[i]];
    if (r < cdf) return order[i];
  }
  return order[last];
}

uint32_t sample(float *logits, uint32_t n, float temperature, float topp, uint64_t *rng, uint32_t *order) {
  for (uint32_t i = 0; i < n; ++i) logits[i] /= temperature;
  softmax(logits, n);
  return draw(logits, n, random_f32(rng), topp, order);
}
