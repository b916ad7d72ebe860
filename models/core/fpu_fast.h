// Fast paths in front of the software FPU (fpu.h) for the common case: round to nearest even
// with normal operands and a normal result. They compute in binary64, which is exact or rounds
// only once before the final rounding to binary32; for +, -, *, / and sqrt that double rounding
// is innocuous (53 >= 2*24 + 2, Figueroa 1995). A fused multiply-add is exact in binary64 up to
// the addition, whose error TwoSum recovers; its one unsafe case (an inexact sum that lands on
// a binary32 midpoint) goes to the exact path. Flags: only NX can arise here. Everything else
// (zeros, subnormals, infinities, NaNs, overflow, underflow, other rounding modes) takes the
// exact path. tests/unit/test_fpu_fast.cpp holds the two paths bit-identical. The host FPU is
// assumed in its default mode (round to nearest even, no flush-to-zero); nothing in wafervp
// changes it, since the exact path is integer arithmetic.
#pragma once
#include <bit>
#include <cmath>
#include <cstdint>

#include "models/core/fpu.h"

namespace wvp::fpu::fast {

namespace detail {
inline bool normal(uint32_t x) {
  const uint32_t e = (x >> 23) & 0xff;
  return e != 0 && e != 0xff;
}
inline double widen(uint32_t x) { return static_cast<double>(std::bit_cast<float>(x)); }
// The binary32 rounding of `v` if it is normal, with NX when it differs from v + err. A value
// below the smallest normal that rounds up to it is still tiny (UF): left to the exact path.
inline bool narrow(double v, double err, uint32_t& out, uint8_t& flags) {
  if (std::fabs(v) < 0x1p-126) return false;
  const float r = static_cast<float>(v);
  out = std::bit_cast<uint32_t>(r);
  if (!normal(out)) return false;
  if (err != 0.0 || static_cast<double>(r) != v) flags |= NX;
  return true;
}
// Error of s = a + b, exactly (Knuth's TwoSum; needs strict IEEE double arithmetic).
inline double two_sum_err(double a, double b, double s) {
  const double bb = s - a;
  return (a - (s - bb)) + (b - bb);
}
}  // namespace detail

inline uint32_t add(uint32_t a, uint32_t b, Rm rm, uint8_t& flags) {
  using namespace detail;
  if (rm == RNE && normal(a) && normal(b)) {
    const double x = widen(a), y = widen(b), s = x + y;
    uint32_t r;
    if (narrow(s, two_sum_err(x, y, s), r, flags)) return r;
  }
  return fpu::add(a, b, rm, flags);
}

inline uint32_t sub(uint32_t a, uint32_t b, Rm rm, uint8_t& flags) { return fast::add(a, b ^ 0x80000000u, rm, flags); }

inline uint32_t mul(uint32_t a, uint32_t b, Rm rm, uint8_t& flags) {
  using namespace detail;
  uint32_t r;
  if (rm == RNE && normal(a) && normal(b) && narrow(widen(a) * widen(b), 0.0, r, flags)) return r;  // exact product
  return fpu::mul(a, b, rm, flags);
}

inline uint32_t div(uint32_t a, uint32_t b, Rm rm, uint8_t& flags) {
  using namespace detail;
  if (rm == RNE && normal(a) && normal(b)) {
    const double x = widen(a), y = widen(b), qd = x / y;
    const float q = static_cast<float>(qd);
    const uint32_t r = std::bit_cast<uint32_t>(q);
    if (normal(r) && std::fabs(qd) >= 0x1p-126) {
      if (static_cast<double>(q) * y != x) flags |= NX;  // q * y is exact in binary64
      return r;
    }
  }
  return fpu::div(a, b, rm, flags);
}

inline uint32_t sqrt(uint32_t a, Rm rm, uint8_t& flags) {
  using namespace detail;
  if (rm == RNE && normal(a) && !(a >> 31)) {
    const double x = widen(a);
    const float s = static_cast<float>(std::sqrt(x));
    const double sd = static_cast<double>(s);
    if (sd * sd != x) flags |= NX;  // exact square in binary64
    return std::bit_cast<uint32_t>(s);  // the root of a normal positive float is normal
  }
  return fpu::sqrt(a, rm, flags);
}

// Integer to binary32: the host conversion rounds to nearest even, and binary64 holds any
// 32-bit integer exactly for the NX check. Zero converts to +0 on both paths.
inline uint32_t cvt_s_w(uint32_t a, Rm rm, uint8_t& flags) {
  if (rm != RNE) return fpu::cvt_s_w(a, rm, flags);
  const int32_t i = static_cast<int32_t>(a);
  const float f = static_cast<float>(i);
  if (static_cast<double>(f) != static_cast<double>(i)) flags |= NX;
  return std::bit_cast<uint32_t>(f);
}

inline uint32_t cvt_s_wu(uint32_t a, Rm rm, uint8_t& flags) {
  if (rm != RNE) return fpu::cvt_s_wu(a, rm, flags);
  const float f = static_cast<float>(a);
  if (static_cast<double>(f) != static_cast<double>(a)) flags |= NX;
  return std::bit_cast<uint32_t>(f);
}

// a*b + c with the given operand signs flipped (exact), as the four fused forms need.
inline bool fused(uint32_t a, uint32_t b, uint32_t c, uint32_t& out, uint8_t& flags) {
  using namespace detail;
  if (!normal(a) || !normal(b) || !normal(c)) return false;
  const double p = widen(a) * widen(b), z = widen(c), s = p + z;  // p is exact
  const double err = two_sum_err(p, z, s);
  // s is inexact and exactly halfway between two binary32 values: rounding s would round the
  // wrong way half of the time.
  const uint64_t low = std::bit_cast<uint64_t>(s) & ((1ull << 29) - 1);
  if (err != 0.0 && low == (1ull << 28)) return false;
  uint8_t f = 0;
  if (!narrow(s, err, out, f)) return false;
  flags |= f;
  return true;
}

inline uint32_t madd(uint32_t a, uint32_t b, uint32_t c, Rm rm, uint8_t& flags) {
  uint32_t r;
  return rm == RNE && fused(a, b, c, r, flags) ? r : fpu::madd(a, b, c, rm, flags);
}
inline uint32_t msub(uint32_t a, uint32_t b, uint32_t c, Rm rm, uint8_t& flags) {
  uint32_t r;
  return rm == RNE && fused(a, b, c ^ 0x80000000u, r, flags) ? r : fpu::msub(a, b, c, rm, flags);
}
inline uint32_t nmsub(uint32_t a, uint32_t b, uint32_t c, Rm rm, uint8_t& flags) {
  uint32_t r;
  return rm == RNE && fused(a ^ 0x80000000u, b, c, r, flags) ? r : fpu::nmsub(a, b, c, rm, flags);
}
inline uint32_t nmadd(uint32_t a, uint32_t b, uint32_t c, Rm rm, uint8_t& flags) {
  uint32_t r;
  return rm == RNE && fused(a ^ 0x80000000u, b, c ^ 0x80000000u, r, flags) ? r : fpu::nmadd(a, b, c, rm, flags);
}

}  // namespace wvp::fpu::fast
