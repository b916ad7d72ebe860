/* Float steps whose instructions, and so cycles, do not depend on the values: a core's branches
 * cost by outcome, and picolibc's expf branches on its argument's range. A timing-only run
 * (`wafervp decode --timing-only`), whose tensor engines leave zeros for their results, then takes
 * the cycles of a full run whatever the values. */
#ifndef WVP_FIXED_TIME_H
#define WVP_FIXED_TIME_H

#include <stdint.h>

static inline uint32_t wvp_select_u32(int cond, uint32_t a, uint32_t b) {
  const uint32_t mask = -(uint32_t)(cond != 0);
  return (a & mask) | (b & ~mask);
}

/* cond ? a : b, on the bits. */
static inline float wvp_select_f32(int cond, float a, float b) {
  union { float f; uint32_t u; } x = {.f = a}, y = {.f = b}, r;
  r.u = wvp_select_u32(cond, x.u, y.u);
  return r.f;
}

/* a > b ? a : b, so b where either is a NaN. */
static inline float wvp_max_f32(float a, float b) { return wvp_select_f32(a > b, a, b); }

/* e^x within 2 ulp (Cephes' expf: x = n ln2 + r, |r| <= ln2 / 2, a degree-5 polynomial in r).
 * x is clamped to where 2^n is a normal float: below, e^x is FLT_MIN instead of smaller or 0;
 * above, about 1.65e38 instead of larger or infinity; a NaN gives FLT_MIN. */
static inline float wvp_expf(float x) {
  x = wvp_max_f32(x, -87.33654f);
  x = wvp_select_f32(x < 88.0f, x, 88.0f);
  /* Adding and taking away 1.5 * 2^23 rounds to an integer, to nearest. */
  const float n = (x * 1.44269504088896341f + 12582912.0f) - 12582912.0f;
  const float r = (x - n * 0.693359375f) + n * 2.12194440e-4f;
  float p = 1.9875691500e-4f;
  p = p * r + 1.3981999507e-3f;
  p = p * r + 8.3334519073e-3f;
  p = p * r + 4.1665795894e-2f;
  p = p * r + 1.6666665459e-1f;
  p = p * r + 5.0000001201e-1f;
  union { float f; uint32_t u; } scale = {.u = (uint32_t)((int32_t)n + 127) << 23};
  return (p * r * r + r + 1.0f) * scale.f;
}

/* cos x and sin x for 0 <= x < 2^17 (RoPE's angles: a position times a frequency of at most 1),
 * within 2 ulp of results near 1 and 1e-7 absolute: libm's sinf and cosf reduce any float with a
 * table of 2/pi's bits, 4 KB of code and data that the model region needs more. x = n pi/2 + r,
 * |r| <= pi/4, with pi/2 split into parts of at most 7 significant bits, so that n times each of
 * the first three is exact for n < 2^17 (Cody and Waite); Cephes' sinf and cosf polynomials in r;
 * the quadrant n mod 4 picks and signs them. */
static inline void wvp_cos_sin(float x, float *cos_x, float *sin_x) {
  const float n = (x * 0.636619772f + 12582912.0f) - 12582912.0f;
  const float r = (((x - n * 1.5625f) - n * 8.1787109375e-3f) - n * 1.1730194091796875e-4f) - n * 3.1391647e-7f;
  const float z = r * r;
  const float sin_r = ((-1.9515295891e-4f * z + 8.3321608736e-3f) * z - 1.6666654611e-1f) * z * r + r;
  const float cos_r = ((2.443315711809948e-5f * z - 1.388731625493765e-3f) * z + 4.166664568298827e-2f) * z * z - 0.5f * z + 1.0f;
  const uint32_t quadrant = (uint32_t)(int32_t)n & 3u;
  const float c = wvp_select_f32(quadrant & 1u, sin_r, cos_r), s = wvp_select_f32(quadrant & 1u, cos_r, sin_r);
  *cos_x = wvp_select_f32(quadrant == 1u || quadrant == 2u, -c, c);
  *sin_x = wvp_select_f32(quadrant >= 2u, -s, s);
}

#endif /* WVP_FIXED_TIME_H */
