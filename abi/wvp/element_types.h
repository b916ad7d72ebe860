/* The tensor engine's element types (WVP_FP32, WVP_FP16, WVP_BF16 of wvp/tile_map.h): their
 * sizes and names, and fp16/bf16 to and from fp32, rounding to nearest even. The engine, the
 * host's model loader and its reference forward pass share these, so that weights the loader
 * rounds are the values the engine widens and the reference computes with. C for the firmware,
 * C++ for the host. */
#ifndef WVP_ELEMENT_TYPES_H
#define WVP_ELEMENT_TYPES_H

#include <stdint.h>
#include <string.h>

#include "tile_map.h"

static inline uint32_t wvp_type_bytes(uint32_t type) { return type == WVP_FP32 ? 4u : 2u; }

/* "fp32", "fp16", "bf16"; 0 for a code that is none of them. */
static inline const char *wvp_type_name(uint32_t type) {
  return type == WVP_FP32 ? "fp32" : type == WVP_FP16 ? "fp16" : type == WVP_BF16 ? "bf16" : 0;
}

/* memcpy, not a union or a cast: the one reinterpretation that is defined in C and C++ alike. */
static inline uint32_t wvp_float_bits(float f) {
  uint32_t bits;
  memcpy(&bits, &f, 4);
  return bits;
}
static inline float wvp_bits_float(uint32_t bits) {
  float f;
  memcpy(&f, &bits, 4);
  return f;
}

static inline float wvp_half_to_float(uint16_t h) {
  const uint32_t sign = (uint32_t)(h & 0x8000) << 16, exp = (h >> 10) & 0x1f, mant = h & 0x3ff;
  if (exp == 0) { /* zero or subnormal: mant * 2^-24, exact in fp32 */
    const float v = (float)mant * 0x1p-24f;
    return sign ? -v : v;
  }
  return wvp_bits_float(exp == 31 ? sign | 0x7f800000u | (mant << 13) : sign | ((exp + 112) << 23) | (mant << 13));
}

static inline uint16_t wvp_float_to_half(float f) {
  uint32_t bits = wvp_float_bits(f);
  const uint32_t sign = bits & 0x80000000u;
  uint32_t out;
  bits ^= sign;
  if (bits >= 0x47800000u) { /* 65536 or more, inf or NaN */
    out = bits > 0x7f800000u ? 0x7e00 : 0x7c00;
  } else if (bits < 0x38800000u) { /* below 2^-14: subnormal or zero */
    /* Adding 0.5 aligns the 10 fraction bits at the bottom; the addition rounds to nearest even. */
    out = wvp_float_bits(wvp_bits_float(bits) + 0.5f) - wvp_float_bits(0.5f);
  } else {
    const uint32_t odd = (bits >> 13) & 1;
    bits += ((uint32_t)(15 - 127) << 23) + 0xfff + odd; /* rebias, round half to even */
    out = bits >> 13;                                   /* a carry may round up to inf */
  }
  return (uint16_t)(out | (sign >> 16));
}

static inline float wvp_bf16_to_float(uint16_t b) { return wvp_bits_float((uint32_t)b << 16); }

static inline uint16_t wvp_float_to_bf16(float f) {
  const uint32_t bits = wvp_float_bits(f);
  if ((bits & 0x7fffffffu) > 0x7f800000u) return (uint16_t)((bits >> 16) | 0x40); /* quiet NaN */
  return (uint16_t)((bits + 0x7fff + ((bits >> 16) & 1)) >> 16);
}

/* f rounded to `type` and widened back: the value the engine computes with for an element of
 * that type stored from f. */
static inline float wvp_round_to_type(float f, uint32_t type) {
  return type == WVP_FP16 ? wvp_half_to_float(wvp_float_to_half(f))
         : type == WVP_BF16 ? wvp_bf16_to_float(wvp_float_to_bf16(f))
                            : f;
}

#endif /* WVP_ELEMENT_TYPES_H */
