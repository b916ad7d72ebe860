// The FPU fast paths (fpu_fast.h) must give the exact path's bits and flags for every input.
#include <gtest/gtest.h>

#include <array>
#include <random>

#include "models/core/fpu_fast.h"

namespace wvp::test {
namespace {

// Operands biased toward the fast path's edges: equal exponents (cancellation), products near
// the normal range limits, results on binary32 midpoints, plus specials now and then.
uint32_t operand(std::mt19937& rng) {
  const uint32_t bits = rng();
  switch (rng() % 8) {
    case 0: return bits & 0x807fffffu;                                   // zero or subnormal
    case 1: return (bits & 0x80000000u) | 0x7f800000u | (rng() % 3 == 0 ? 0 : bits & 0x7fffffu);  // inf/NaN
    case 2: return (bits & 0x807fffffu) | ((1 + rng() % 12) << 23);      // tiny exponents
    case 3: return (bits & 0x807fffffu) | ((242 + rng() % 12) << 23);    // huge exponents
    case 4: return (bits & 0x80000000u) | (127u << 23) | (bits & 0x7f0000u);  // few significant bits
    default: return (bits & 0x80ffffffu) | ((110 + rng() % 36) << 23);   // ordinary
  }
}

struct Result {
  uint32_t bits;
  uint8_t flags;
  bool operator==(const Result&) const = default;
};

void PrintTo(const Result& r, std::ostream* os) { *os << std::hex << r.bits << " flags " << int(r.flags); }

template <typename Fast, typename Exact>
void compare(const char* name, Fast fast, Exact exact, int operands) {
  std::mt19937 rng(12345);
  for (int i = 0; i < 400000; ++i) {
    const uint32_t a = operand(rng), b = operand(rng), c = operand(rng);
    for (fpu::Rm rm : {fpu::RNE, fpu::RTZ}) {
      Result f{0, 0}, e{0, 0};
      f.bits = fast(a, b, c, rm, f.flags);
      e.bits = exact(a, b, c, rm, e.flags);
      ASSERT_EQ(f, e) << name << std::hex << " a=" << a << (operands > 1 ? " b=" : "") << (operands > 1 ? b : 0)
                      << (operands > 2 ? " c=" : "") << (operands > 2 ? c : 0) << " rm=" << int(rm);
    }
  }
}

#define WVP_COMPARE2(op)                                                                                    \
  compare(#op, [](uint32_t a, uint32_t b, uint32_t, fpu::Rm rm, uint8_t& f) { return fpu::fast::op(a, b, rm, f); }, \
          [](uint32_t a, uint32_t b, uint32_t, fpu::Rm rm, uint8_t& f) { return fpu::op(a, b, rm, f); }, 2)
#define WVP_COMPARE3(op)                                                                                          \
  compare(#op, [](uint32_t a, uint32_t b, uint32_t c, fpu::Rm rm, uint8_t& f) { return fpu::fast::op(a, b, c, rm, f); }, \
          [](uint32_t a, uint32_t b, uint32_t c, fpu::Rm rm, uint8_t& f) { return fpu::op(a, b, c, rm, f); }, 3)

TEST(FpuFast, ArithmeticMatchesTheExactPath) {
  WVP_COMPARE2(add);
  WVP_COMPARE2(sub);
  WVP_COMPARE2(mul);
  WVP_COMPARE2(div);
  compare("sqrt", [](uint32_t a, uint32_t, uint32_t, fpu::Rm rm, uint8_t& f) { return fpu::fast::sqrt(a, rm, f); },
          [](uint32_t a, uint32_t, uint32_t, fpu::Rm rm, uint8_t& f) { return fpu::sqrt(a, rm, f); }, 1);
}

TEST(FpuFast, IntegerConversionsMatchTheExactPath) {
  std::mt19937 rng(777);
  for (int i = 0; i < 400000; ++i) {
    // Mostly large magnitudes (inexact above 2^24), some small, and the extremes.
    const uint32_t a = i < 4 ? std::array<uint32_t, 4>{0u, 0x80000000u, 0x7fffffffu, 0xffffffffu}[i]
                             : (rng() % 4 == 0 ? rng() % 100000 : rng());
    for (fpu::Rm rm : {fpu::RNE, fpu::RDN}) {
      uint8_t ff = 0, fe = 0;
      ASSERT_EQ(fpu::fast::cvt_s_w(a, rm, ff), fpu::cvt_s_w(a, rm, fe)) << std::hex << a;
      ASSERT_EQ(ff, fe) << std::hex << a;
      ff = fe = 0;
      ASSERT_EQ(fpu::fast::cvt_s_wu(a, rm, ff), fpu::cvt_s_wu(a, rm, fe)) << std::hex << a;
      ASSERT_EQ(ff, fe) << std::hex << a;
    }
  }
}

TEST(FpuFast, FusedMatchesTheExactPath) {
  WVP_COMPARE3(madd);
  WVP_COMPARE3(msub);
  WVP_COMPARE3(nmsub);
  WVP_COMPARE3(nmadd);
}

TEST(FpuFast, FusedMidpointAfterAnInexactSumRoundsCorrectly) {
  // (1 + 2^-12)^2 = 1 + 2^-11 + 2^-24 is a binary32 midpoint; adding 2^-80 moves the exact value
  // just above it, but the binary64 sum rounds back onto the midpoint. Correct rounding goes
  // up to 1 + 2^-11 + 2^-23; rounding the binary64 sum (ties to even) would go down.
  const uint32_t a = 0x3f800800u, tiny = 0x17800000u;  // 1 + 2^-12, 2^-80
  uint8_t flags = 0;
  EXPECT_EQ(fpu::fast::madd(a, a, tiny, fpu::RNE, flags), 0x3f801001u);
  EXPECT_EQ(flags, fpu::NX);
}

}  // namespace
}  // namespace wvp::test
