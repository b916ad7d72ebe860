#include "models/core/fpu.h"

#include <gtest/gtest.h>

#include <bit>
#include <cfenv>
#include <cmath>
#include <cstdio>
#include <random>
#include <string>

namespace fpu = wvp::fpu;
using fpu::DZ;
using fpu::kCanonicalNaN;
using fpu::NV;
using fpu::NX;
using fpu::OF;
using fpu::UF;

namespace {

// ---------------------------------------------------------------------------------------------------------------
// Bit patterns and small helpers.

constexpr uint32_t kPosZero = 0x00000000u;
constexpr uint32_t kNegZero = 0x80000000u;
constexpr uint32_t kOne = 0x3f800000u;
constexpr uint32_t kNegOne = 0xbf800000u;
constexpr uint32_t kTwo = 0x40000000u;
constexpr uint32_t kThree = 0x40400000u;
constexpr uint32_t kHalf = 0x3f000000u;
constexpr uint32_t kPosInf = 0x7f800000u;
constexpr uint32_t kNegInf = 0xff800000u;
constexpr uint32_t kMax = 0x7f7fffffu;
constexpr uint32_t kNegMax = 0xff7fffffu;
constexpr uint32_t kMinNormal = 0x00800000u;
constexpr uint32_t kMaxSubnormal = 0x007fffffu;
constexpr uint32_t kMinSubnormal = 0x00000001u;
constexpr uint32_t kQNaN = 0x7fc00000u;
constexpr uint32_t kQNaNPayload = 0xffc12345u;  // negative quiet NaN with a payload
constexpr uint32_t kSNaN = 0x7f800001u;
constexpr uint32_t kNegSNaN = 0xffa00000u;

constexpr fpu::Rm kAllModes[] = {fpu::RNE, fpu::RTZ, fpu::RDN, fpu::RUP, fpu::RMM};

float f(uint32_t bits) { return std::bit_cast<float>(bits); }
uint32_t bits(float value) { return std::bit_cast<uint32_t>(value); }
uint32_t neg(uint32_t x) { return x ^ 0x80000000u; }
bool is_nan(uint32_t x) { return (x & 0x7fffffffu) > 0x7f800000u; }

// 2^e for normal and subnormal exponents.
uint32_t pow2(int e) { return e >= -126 ? uint32_t(e + 127) << 23 : 1u << (e + 149); }

struct Result {
  uint32_t value;
  uint8_t flags;
  bool operator==(const Result&) const = default;
};

std::string hex(uint32_t x) {
  char buf[16];
  std::snprintf(buf, sizeof buf, "0x%08x", x);
  return buf;
}

std::ostream& operator<<(std::ostream& os, const Result& r) {
  return os << "{" << hex(r.value) << ", flags " << int(r.flags) << "}";
}

using Unary = uint32_t (*)(uint32_t, fpu::Rm, uint8_t&);
using Binary = uint32_t (*)(uint32_t, uint32_t, fpu::Rm, uint8_t&);
using Ternary = uint32_t (*)(uint32_t, uint32_t, uint32_t, fpu::Rm, uint8_t&);
using Compare = uint32_t (*)(uint32_t, uint32_t, uint8_t&);

Result run(Unary op, uint32_t a, fpu::Rm rm) {
  uint8_t flags = 0;
  const uint32_t v = op(a, rm, flags);
  return {v, flags};
}
Result run(Binary op, uint32_t a, uint32_t b, fpu::Rm rm) {
  uint8_t flags = 0;
  const uint32_t v = op(a, b, rm, flags);
  return {v, flags};
}
Result run(Ternary op, uint32_t a, uint32_t b, uint32_t c, fpu::Rm rm) {
  uint8_t flags = 0;
  const uint32_t v = op(a, b, c, rm, flags);
  return {v, flags};
}
Result run(Compare op, uint32_t a, uint32_t b) {
  uint8_t flags = 0;
  const uint32_t v = op(a, b, flags);
  return {v, flags};
}

// ---------------------------------------------------------------------------------------------------------------
// Directed cases: add / sub.

TEST(FpuAdd, ExactSumsRaiseNothing) {
  for (fpu::Rm rm : kAllModes) {
    EXPECT_EQ(run(fpu::add, kOne, kTwo, rm), (Result{kThree, 0}));
    EXPECT_EQ(run(fpu::sub, kThree, kOne, rm), (Result{kTwo, 0}));
    EXPECT_EQ(run(fpu::add, kMinSubnormal, kMinSubnormal, rm), (Result{2, 0}));
    // Sums of subnormals are always exact, so no underflow even though the result is tiny.
    EXPECT_EQ(run(fpu::sub, kMinNormal, kMaxSubnormal, rm), (Result{kMinSubnormal, 0}));
    EXPECT_EQ(run(fpu::add, kMaxSubnormal, kMinSubnormal, rm), (Result{kMinNormal, 0}));
  }
}

TEST(FpuAdd, SignedZeros) {
  for (fpu::Rm rm : kAllModes) {
    const uint32_t cancel_zero = rm == fpu::RDN ? kNegZero : kPosZero;
    EXPECT_EQ(run(fpu::add, kThree, neg(kThree), rm), (Result{cancel_zero, 0})) << int(rm);
    EXPECT_EQ(run(fpu::sub, kThree, kThree, rm), (Result{cancel_zero, 0})) << int(rm);
    EXPECT_EQ(run(fpu::add, kPosZero, kNegZero, rm), (Result{cancel_zero, 0})) << int(rm);
    EXPECT_EQ(run(fpu::sub, kPosZero, kPosZero, rm), (Result{cancel_zero, 0})) << int(rm);
    EXPECT_EQ(run(fpu::add, kNegZero, kNegZero, rm), (Result{kNegZero, 0})) << int(rm);
    EXPECT_EQ(run(fpu::sub, kNegZero, kPosZero, rm), (Result{kNegZero, 0})) << int(rm);
    EXPECT_EQ(run(fpu::add, kPosZero, kPosZero, rm), (Result{kPosZero, 0})) << int(rm);
    // x + 0 is x, whatever the zero's sign.
    EXPECT_EQ(run(fpu::add, kNegZero, kMinSubnormal, rm), (Result{kMinSubnormal, 0})) << int(rm);
    EXPECT_EQ(run(fpu::add, neg(kTwo), kPosZero, rm), (Result{neg(kTwo), 0})) << int(rm);
  }
}

TEST(FpuAdd, NaNsAndInfinities) {
  for (fpu::Rm rm : kAllModes) {
    EXPECT_EQ(run(fpu::add, kQNaN, kOne, rm), (Result{kCanonicalNaN, 0}));
    EXPECT_EQ(run(fpu::add, kOne, kQNaNPayload, rm), (Result{kCanonicalNaN, 0}));
    EXPECT_EQ(run(fpu::add, kSNaN, kOne, rm), (Result{kCanonicalNaN, NV}));
    EXPECT_EQ(run(fpu::sub, kQNaN, kNegSNaN, rm), (Result{kCanonicalNaN, NV}));
    EXPECT_EQ(run(fpu::add, kSNaN, kPosInf, rm), (Result{kCanonicalNaN, NV}));
    EXPECT_EQ(run(fpu::add, kPosInf, kNegInf, rm), (Result{kCanonicalNaN, NV}));
    EXPECT_EQ(run(fpu::sub, kPosInf, kPosInf, rm), (Result{kCanonicalNaN, NV}));
    EXPECT_EQ(run(fpu::add, kPosInf, kPosInf, rm), (Result{kPosInf, 0}));
    EXPECT_EQ(run(fpu::sub, kNegInf, kPosInf, rm), (Result{kNegInf, 0}));
    EXPECT_EQ(run(fpu::add, kMax, kNegInf, rm), (Result{kNegInf, 0}));
    EXPECT_EQ(run(fpu::sub, kOne, kNegInf, rm), (Result{kPosInf, 0}));
  }
}

TEST(FpuAdd, TiesInEveryMode) {
  // 1 + 2^-24 lies exactly halfway between 1 and its successor 1 + 2^-23 (odd significand).
  const uint32_t tie = pow2(-24);
  const uint32_t up = kOne + 1;
  EXPECT_EQ(run(fpu::add, kOne, tie, fpu::RNE), (Result{kOne, NX}));
  EXPECT_EQ(run(fpu::add, kOne, tie, fpu::RTZ), (Result{kOne, NX}));
  EXPECT_EQ(run(fpu::add, kOne, tie, fpu::RDN), (Result{kOne, NX}));
  EXPECT_EQ(run(fpu::add, kOne, tie, fpu::RUP), (Result{up, NX}));
  EXPECT_EQ(run(fpu::add, kOne, tie, fpu::RMM), (Result{up, NX}));
  // Negative mirror: directed modes swap, RMM still rounds away from zero.
  EXPECT_EQ(run(fpu::sub, kNegOne, tie, fpu::RNE), (Result{kNegOne, NX}));
  EXPECT_EQ(run(fpu::sub, kNegOne, tie, fpu::RTZ), (Result{kNegOne, NX}));
  EXPECT_EQ(run(fpu::sub, kNegOne, tie, fpu::RDN), (Result{neg(up), NX}));
  EXPECT_EQ(run(fpu::sub, kNegOne, tie, fpu::RUP), (Result{kNegOne, NX}));
  EXPECT_EQ(run(fpu::sub, kNegOne, tie, fpu::RMM), (Result{neg(up), NX}));
  // (1 + 2^-23) + 2^-24: the even neighbour is the upper one, so RNE and RMM agree.
  EXPECT_EQ(run(fpu::add, up, tie, fpu::RNE), (Result{up + 1, NX}));
  EXPECT_EQ(run(fpu::add, up, tie, fpu::RMM), (Result{up + 1, NX}));
  EXPECT_EQ(run(fpu::add, up, tie, fpu::RTZ), (Result{up, NX}));
  // Just above / below the tie, RMM behaves as round-to-nearest.
  EXPECT_EQ(run(fpu::add, kOne, tie + 1, fpu::RMM), (Result{up, NX}));
  EXPECT_EQ(run(fpu::add, kOne, tie - 1, fpu::RMM), (Result{kOne, NX}));
  EXPECT_EQ(run(fpu::add, kOne, tie - 1, fpu::RNE), (Result{kOne, NX}));
}

TEST(FpuAdd, StickyBitFromFarAwayOperand) {
  // The smaller operand lies entirely below the rounding position; only the directed modes notice it.
  EXPECT_EQ(run(fpu::add, kOne, kMinSubnormal, fpu::RNE), (Result{kOne, NX}));
  EXPECT_EQ(run(fpu::add, kOne, kMinSubnormal, fpu::RMM), (Result{kOne, NX}));
  EXPECT_EQ(run(fpu::add, kOne, kMinSubnormal, fpu::RUP), (Result{kOne + 1, NX}));
  EXPECT_EQ(run(fpu::sub, kOne, kMinSubnormal, fpu::RTZ), (Result{0x3f7fffffu, NX}));
  EXPECT_EQ(run(fpu::sub, kOne, kMinSubnormal, fpu::RNE), (Result{kOne, NX}));
  EXPECT_EQ(run(fpu::sub, kOne, kMinSubnormal, fpu::RDN), (Result{0x3f7fffffu, NX}));
}

TEST(FpuAdd, OverflowPerMode) {
  EXPECT_EQ(run(fpu::add, kMax, kMax, fpu::RNE), (Result{kPosInf, OF | NX}));
  EXPECT_EQ(run(fpu::add, kMax, kMax, fpu::RMM), (Result{kPosInf, OF | NX}));
  EXPECT_EQ(run(fpu::add, kMax, kMax, fpu::RUP), (Result{kPosInf, OF | NX}));
  EXPECT_EQ(run(fpu::add, kMax, kMax, fpu::RTZ), (Result{kMax, OF | NX}));
  EXPECT_EQ(run(fpu::add, kMax, kMax, fpu::RDN), (Result{kMax, OF | NX}));
  EXPECT_EQ(run(fpu::add, kNegMax, kNegMax, fpu::RNE), (Result{kNegInf, OF | NX}));
  EXPECT_EQ(run(fpu::add, kNegMax, kNegMax, fpu::RMM), (Result{kNegInf, OF | NX}));
  EXPECT_EQ(run(fpu::add, kNegMax, kNegMax, fpu::RDN), (Result{kNegInf, OF | NX}));
  EXPECT_EQ(run(fpu::add, kNegMax, kNegMax, fpu::RUP), (Result{kNegMax, OF | NX}));
  EXPECT_EQ(run(fpu::add, kNegMax, kNegMax, fpu::RTZ), (Result{kNegMax, OF | NX}));
  // kMax + half an ulp is a tie whose even neighbour is 2^128: overflow for both nearest modes...
  const uint32_t half_ulp = pow2(103);
  EXPECT_EQ(run(fpu::add, kMax, half_ulp, fpu::RNE), (Result{kPosInf, OF | NX}));
  EXPECT_EQ(run(fpu::add, kMax, half_ulp, fpu::RMM), (Result{kPosInf, OF | NX}));
  // ...but not when the rounded value (unbounded exponent) stays at kMax.
  EXPECT_EQ(run(fpu::add, kMax, half_ulp, fpu::RTZ), (Result{kMax, NX}));
  EXPECT_EQ(run(fpu::add, kMax, pow2(102), fpu::RNE), (Result{kMax, NX}));
  EXPECT_EQ(run(fpu::add, kMax, pow2(102), fpu::RUP), (Result{kPosInf, OF | NX}));
}

TEST(FpuAdd, FlagsAccumulate) {
  uint8_t flags = DZ;
  EXPECT_EQ(fpu::add(kOne, kOne, fpu::RNE, flags), kTwo);
  EXPECT_EQ(flags, DZ);
  fpu::add(kOne, pow2(-30), fpu::RNE, flags);
  EXPECT_EQ(flags, DZ | NX);
}

// ---------------------------------------------------------------------------------------------------------------
// Directed cases: mul.

TEST(FpuMul, SpecialValues) {
  for (fpu::Rm rm : kAllModes) {
    EXPECT_EQ(run(fpu::mul, kTwo, kThree, rm), (Result{bits(6.0f), 0}));
    EXPECT_EQ(run(fpu::mul, neg(kTwo), kPosZero, rm), (Result{kNegZero, 0}));
    EXPECT_EQ(run(fpu::mul, kNegZero, kNegZero, rm), (Result{kPosZero, 0}));
    EXPECT_EQ(run(fpu::mul, kPosZero, kPosInf, rm), (Result{kCanonicalNaN, NV}));
    EXPECT_EQ(run(fpu::mul, kNegInf, kNegZero, rm), (Result{kCanonicalNaN, NV}));
    EXPECT_EQ(run(fpu::mul, kPosInf, neg(kTwo), rm), (Result{kNegInf, 0}));
    EXPECT_EQ(run(fpu::mul, kMinSubnormal, kNegInf, rm), (Result{kNegInf, 0}));
    EXPECT_EQ(run(fpu::mul, kSNaN, kPosZero, rm), (Result{kCanonicalNaN, NV}));
    EXPECT_EQ(run(fpu::mul, kQNaNPayload, kPosInf, rm), (Result{kCanonicalNaN, 0}));
    EXPECT_EQ(run(fpu::mul, kPosZero, kQNaN, rm), (Result{kCanonicalNaN, 0}));
  }
}

TEST(FpuMul, OverflowPerMode) {
  const uint32_t big = pow2(127);
  EXPECT_EQ(run(fpu::mul, big, kTwo, fpu::RNE), (Result{kPosInf, OF | NX}));
  EXPECT_EQ(run(fpu::mul, big, kTwo, fpu::RTZ), (Result{kMax, OF | NX}));
  EXPECT_EQ(run(fpu::mul, big, neg(kTwo), fpu::RUP), (Result{kNegMax, OF | NX}));
  EXPECT_EQ(run(fpu::mul, big, neg(kTwo), fpu::RDN), (Result{kNegInf, OF | NX}));
  EXPECT_EQ(run(fpu::mul, kMax, kMax, fpu::RMM), (Result{kPosInf, OF | NX}));
  EXPECT_EQ(run(fpu::mul, big, kOne, fpu::RNE), (Result{big, 0}));
}

TEST(FpuMul, SubnormalResults) {
  for (fpu::Rm rm : kAllModes) {
    // Exact subnormal results raise nothing.
    EXPECT_EQ(run(fpu::mul, kMinNormal, kHalf, rm), (Result{0x00400000u, 0}));
    EXPECT_EQ(run(fpu::mul, pow2(-100), pow2(-49), rm), (Result{kMinSubnormal, 0}));
  }
  // 2^-150 is a tie between 0 and the smallest subnormal.
  const uint32_t quarter = pow2(-2);
  EXPECT_EQ(run(fpu::mul, kMinSubnormal, kHalf, fpu::RNE), (Result{kPosZero, UF | NX}));
  EXPECT_EQ(run(fpu::mul, kMinSubnormal, kHalf, fpu::RMM), (Result{kMinSubnormal, UF | NX}));
  EXPECT_EQ(run(fpu::mul, kMinSubnormal, kHalf, fpu::RUP), (Result{kMinSubnormal, UF | NX}));
  EXPECT_EQ(run(fpu::mul, kMinSubnormal, kHalf, fpu::RTZ), (Result{kPosZero, UF | NX}));
  EXPECT_EQ(run(fpu::mul, kMinSubnormal, neg(kHalf), fpu::RDN), (Result{neg(kMinSubnormal), UF | NX}));
  EXPECT_EQ(run(fpu::mul, kMinSubnormal, neg(kHalf), fpu::RMM), (Result{neg(kMinSubnormal), UF | NX}));
  EXPECT_EQ(run(fpu::mul, kMinSubnormal, neg(kHalf), fpu::RNE), (Result{kNegZero, UF | NX}));
  EXPECT_EQ(run(fpu::mul, kMinSubnormal, quarter, fpu::RMM), (Result{kPosZero, UF | NX}));
  EXPECT_EQ(run(fpu::mul, kMinSubnormal, quarter, fpu::RUP), (Result{kMinSubnormal, UF | NX}));
  // 1.5 and 2.5 subnormal ulps are ties: RNE picks the even neighbour, RMM the larger one.
  EXPECT_EQ(run(fpu::mul, kThree, kMinSubnormal, fpu::RNE), (Result{3, 0}));
  EXPECT_EQ(run(fpu::mul, bits(1.5f), kMinSubnormal, fpu::RNE), (Result{2, UF | NX}));
  EXPECT_EQ(run(fpu::mul, bits(1.5f), kMinSubnormal, fpu::RMM), (Result{2, UF | NX}));
  EXPECT_EQ(run(fpu::mul, bits(2.5f), kMinSubnormal, fpu::RNE), (Result{2, UF | NX}));
  EXPECT_EQ(run(fpu::mul, bits(2.5f), kMinSubnormal, fpu::RMM), (Result{3, UF | NX}));
  EXPECT_EQ(run(fpu::mul, bits(2.5f), kMinSubnormal, fpu::RTZ), (Result{2, UF | NX}));
}

TEST(FpuMul, TininessIsDetectedAfterRounding) {
  // (2 - 2^-23) * 2^-127 = 2^-126 - 2^-150: with an unbounded exponent it is representable below 2^-126, hence
  // tiny; at subnormal precision it is a tie that RNE rounds up to the smallest normal. Still UF.
  const uint32_t max_sig = 0x3fffffffu;
  EXPECT_EQ(run(fpu::mul, max_sig, pow2(-127), fpu::RNE), (Result{kMinNormal, UF | NX}));
  EXPECT_EQ(run(fpu::mul, max_sig, pow2(-127), fpu::RTZ), (Result{kMaxSubnormal, UF | NX}));

  // 18631 * 2^-40 * 1801 * 2^-111 = (2^25 - 1) * 2^-151 = 2^-126 - 2^-151, half an ulp (24-bit, unbounded) below
  // 2^-126. Whether it is tiny depends on whether rounding at full precision reaches 2^-126.
  const uint32_t a = bits(18631.0f) - (40u << 23);
  const uint32_t b = bits(1801.0f) - (111u << 23);
  EXPECT_EQ(run(fpu::mul, a, b, fpu::RNE), (Result{kMinNormal, NX}));
  EXPECT_EQ(run(fpu::mul, a, b, fpu::RMM), (Result{kMinNormal, NX}));
  EXPECT_EQ(run(fpu::mul, a, b, fpu::RUP), (Result{kMinNormal, NX}));
  EXPECT_EQ(run(fpu::mul, a, b, fpu::RTZ), (Result{kMaxSubnormal, UF | NX}));
  EXPECT_EQ(run(fpu::mul, a, b, fpu::RDN), (Result{kMaxSubnormal, UF | NX}));
  EXPECT_EQ(run(fpu::mul, a, neg(b), fpu::RDN), (Result{neg(kMinNormal), NX}));
  EXPECT_EQ(run(fpu::mul, a, neg(b), fpu::RUP), (Result{neg(kMaxSubnormal), UF | NX}));
}

// ---------------------------------------------------------------------------------------------------------------
// Directed cases: div.

TEST(FpuDiv, SpecialValues) {
  for (fpu::Rm rm : kAllModes) {
    EXPECT_EQ(run(fpu::div, bits(6.0f), kThree, rm), (Result{kTwo, 0}));
    EXPECT_EQ(run(fpu::div, kOne, kPosZero, rm), (Result{kPosInf, DZ}));
    EXPECT_EQ(run(fpu::div, kNegOne, kPosZero, rm), (Result{kNegInf, DZ}));
    EXPECT_EQ(run(fpu::div, kMinSubnormal, kNegZero, rm), (Result{kNegInf, DZ}));
    EXPECT_EQ(run(fpu::div, kPosZero, kPosZero, rm), (Result{kCanonicalNaN, NV}));
    EXPECT_EQ(run(fpu::div, kPosInf, kNegInf, rm), (Result{kCanonicalNaN, NV}));
    EXPECT_EQ(run(fpu::div, kPosInf, kPosZero, rm), (Result{kPosInf, 0}));  // not a division by zero
    EXPECT_EQ(run(fpu::div, kNegInf, kTwo, rm), (Result{kNegInf, 0}));
    EXPECT_EQ(run(fpu::div, kNegZero, kTwo, rm), (Result{kNegZero, 0}));
    EXPECT_EQ(run(fpu::div, kTwo, kNegInf, rm), (Result{kNegZero, 0}));
    EXPECT_EQ(run(fpu::div, kSNaN, kPosZero, rm), (Result{kCanonicalNaN, NV}));
    EXPECT_EQ(run(fpu::div, kQNaN, kPosZero, rm), (Result{kCanonicalNaN, 0}));
    EXPECT_EQ(run(fpu::div, kPosZero, kQNaNPayload, rm), (Result{kCanonicalNaN, 0}));
  }
}

TEST(FpuDiv, RoundingModes) {
  // 1/3 = 0x3eaaaaaa.aaa... in binary32 significand terms.
  EXPECT_EQ(run(fpu::div, kOne, kThree, fpu::RNE), (Result{0x3eaaaaabu, NX}));
  EXPECT_EQ(run(fpu::div, kOne, kThree, fpu::RMM), (Result{0x3eaaaaabu, NX}));
  EXPECT_EQ(run(fpu::div, kOne, kThree, fpu::RUP), (Result{0x3eaaaaabu, NX}));
  EXPECT_EQ(run(fpu::div, kOne, kThree, fpu::RTZ), (Result{0x3eaaaaaau, NX}));
  EXPECT_EQ(run(fpu::div, kOne, kThree, fpu::RDN), (Result{0x3eaaaaaau, NX}));
  EXPECT_EQ(run(fpu::div, kNegOne, kThree, fpu::RDN), (Result{0xbeaaaaabu, NX}));
  // Quotients are never ties except at subnormal precision: 3 * 2^-149 / 2 sits halfway between 1 and 2 ulps.
  EXPECT_EQ(run(fpu::div, 3, kTwo, fpu::RNE), (Result{2, UF | NX}));
  EXPECT_EQ(run(fpu::div, 5, kTwo, fpu::RNE), (Result{2, UF | NX}));
  EXPECT_EQ(run(fpu::div, 5, kTwo, fpu::RMM), (Result{3, UF | NX}));
  EXPECT_EQ(run(fpu::div, kMax, kHalf, fpu::RNE), (Result{kPosInf, OF | NX}));
  EXPECT_EQ(run(fpu::div, kMax, kHalf, fpu::RTZ), (Result{kMax, OF | NX}));
  EXPECT_EQ(run(fpu::div, kMinNormal, pow2(24), fpu::RNE), (Result{kPosZero, UF | NX}));
  EXPECT_EQ(run(fpu::div, kMinNormal, pow2(24), fpu::RMM), (Result{kMinSubnormal, UF | NX}));
}

// ---------------------------------------------------------------------------------------------------------------
// Directed cases: sqrt.

TEST(FpuSqrt, SpecialValues) {
  for (fpu::Rm rm : kAllModes) {
    EXPECT_EQ(run(fpu::sqrt, bits(4.0f), rm), (Result{kTwo, 0}));
    EXPECT_EQ(run(fpu::sqrt, kNegZero, rm), (Result{kNegZero, 0}));
    EXPECT_EQ(run(fpu::sqrt, kPosZero, rm), (Result{kPosZero, 0}));
    EXPECT_EQ(run(fpu::sqrt, kPosInf, rm), (Result{kPosInf, 0}));
    EXPECT_EQ(run(fpu::sqrt, kNegOne, rm), (Result{kCanonicalNaN, NV}));
    EXPECT_EQ(run(fpu::sqrt, neg(kMinSubnormal), rm), (Result{kCanonicalNaN, NV}));
    EXPECT_EQ(run(fpu::sqrt, kNegInf, rm), (Result{kCanonicalNaN, NV}));
    EXPECT_EQ(run(fpu::sqrt, kSNaN, rm), (Result{kCanonicalNaN, NV}));
    EXPECT_EQ(run(fpu::sqrt, kQNaNPayload, rm), (Result{kCanonicalNaN, 0}));  // negative, but a NaN first
    EXPECT_EQ(run(fpu::sqrt, pow2(-148), rm), (Result{pow2(-74), 0}));
  }
}

TEST(FpuSqrt, RoundingModes) {
  // sqrt(2) = 1.0110101000001001111001100110011... -> 0x3fb504f3 plus a bit less than half an ulp.
  EXPECT_EQ(run(fpu::sqrt, kTwo, fpu::RNE), (Result{0x3fb504f3u, NX}));
  EXPECT_EQ(run(fpu::sqrt, kTwo, fpu::RMM), (Result{0x3fb504f3u, NX}));
  EXPECT_EQ(run(fpu::sqrt, kTwo, fpu::RTZ), (Result{0x3fb504f3u, NX}));
  EXPECT_EQ(run(fpu::sqrt, kTwo, fpu::RDN), (Result{0x3fb504f3u, NX}));
  EXPECT_EQ(run(fpu::sqrt, kTwo, fpu::RUP), (Result{0x3fb504f4u, NX}));
  // sqrt(2^-149) = 2^-74.5, inexact but never tiny.
  EXPECT_EQ(run(fpu::sqrt, kMinSubnormal, fpu::RNE), (Result{0x1a3504f3u, NX}));
  EXPECT_EQ(run(fpu::sqrt, kMax, fpu::RNE), (Result{0x5f7fffffu, NX}));
}

// ---------------------------------------------------------------------------------------------------------------
// Directed cases: fused multiply-add.

TEST(FpuFma, SignConventions) {
  for (fpu::Rm rm : kAllModes) {
    EXPECT_EQ(run(fpu::madd, kTwo, kThree, kOne, rm), (Result{bits(7.0f), 0}));
    EXPECT_EQ(run(fpu::msub, kTwo, kThree, kOne, rm), (Result{bits(5.0f), 0}));
    EXPECT_EQ(run(fpu::nmsub, kTwo, kThree, kOne, rm), (Result{bits(-5.0f), 0}));
    EXPECT_EQ(run(fpu::nmadd, kTwo, kThree, kOne, rm), (Result{bits(-7.0f), 0}));
  }
}

TEST(FpuFma, NaNsAndInvalid) {
  for (fpu::Rm rm : kAllModes) {
    // RISC-V: 0 * inf + qNaN is invalid.
    EXPECT_EQ(run(fpu::madd, kPosZero, kPosInf, kQNaN, rm), (Result{kCanonicalNaN, NV}));
    EXPECT_EQ(run(fpu::nmadd, kNegInf, kPosZero, kQNaNPayload, rm), (Result{kCanonicalNaN, NV}));
    EXPECT_EQ(run(fpu::madd, kPosZero, kPosInf, kOne, rm), (Result{kCanonicalNaN, NV}));
    EXPECT_EQ(run(fpu::madd, kOne, kOne, kSNaN, rm), (Result{kCanonicalNaN, NV}));
    EXPECT_EQ(run(fpu::msub, kNegSNaN, kOne, kOne, rm), (Result{kCanonicalNaN, NV}));
    EXPECT_EQ(run(fpu::madd, kQNaN, kOne, kOne, rm), (Result{kCanonicalNaN, 0}));
    EXPECT_EQ(run(fpu::madd, kOne, kQNaN, kPosInf, rm), (Result{kCanonicalNaN, 0}));
    EXPECT_EQ(run(fpu::madd, kPosInf, kOne, kNegInf, rm), (Result{kCanonicalNaN, NV}));
    EXPECT_EQ(run(fpu::msub, kPosInf, kOne, kPosInf, rm), (Result{kCanonicalNaN, NV}));
    EXPECT_EQ(run(fpu::nmadd, kPosInf, kOne, kNegInf, rm), (Result{kCanonicalNaN, NV}));
    EXPECT_EQ(run(fpu::nmsub, kPosInf, kOne, kPosInf, rm), (Result{kCanonicalNaN, NV}));
    EXPECT_EQ(run(fpu::madd, kPosInf, kOne, kPosInf, rm), (Result{kPosInf, 0}));
    EXPECT_EQ(run(fpu::nmsub, kPosInf, kOne, kNegInf, rm), (Result{kNegInf, 0}));
    EXPECT_EQ(run(fpu::madd, kMax, kMax, kNegInf, rm), (Result{kNegInf, 0}));  // no overflow before the inf
    EXPECT_EQ(run(fpu::msub, kOne, kOne, kNegInf, rm), (Result{kPosInf, 0}));
  }
}

TEST(FpuFma, SignedZeros) {
  for (fpu::Rm rm : kAllModes) {
    const uint32_t cancel_zero = rm == fpu::RDN ? kNegZero : kPosZero;
    EXPECT_EQ(run(fpu::madd, kOne, kOne, kNegOne, rm), (Result{cancel_zero, 0}));
    EXPECT_EQ(run(fpu::madd, kOne, kPosZero, kNegZero, rm), (Result{cancel_zero, 0}));
    EXPECT_EQ(run(fpu::madd, kNegOne, kPosZero, kNegZero, rm), (Result{kNegZero, 0}));
    EXPECT_EQ(run(fpu::madd, kNegOne, kPosZero, kPosZero, rm), (Result{cancel_zero, 0}));
    EXPECT_EQ(run(fpu::nmadd, kOne, kPosZero, kPosZero, rm), (Result{kNegZero, 0}));
    EXPECT_EQ(run(fpu::nmsub, kOne, kPosZero, kPosZero, rm), (Result{cancel_zero, 0}));
    EXPECT_EQ(run(fpu::msub, kPosZero, kTwo, kNegZero, rm), (Result{kPosZero, 0}));
    // A zero product leaves c untouched (apart from the negation).
    EXPECT_EQ(run(fpu::madd, kPosZero, kTwo, kMinSubnormal, rm), (Result{kMinSubnormal, 0}));
    EXPECT_EQ(run(fpu::nmadd, kPosZero, kTwo, kMinSubnormal, rm), (Result{neg(kMinSubnormal), 0}));
  }
}

TEST(FpuFma, SingleRounding) {
  // (1 + 2^-12)^2 = 1 + 2^-11 + 2^-24; a separately rounded product would lose the 2^-24.
  const uint32_t a = kOne + (1u << 11);
  const uint32_t product_rounded = kOne + (1u << 12);
  for (fpu::Rm rm : kAllModes) {
    EXPECT_EQ(run(fpu::msub, a, a, product_rounded, rm), (Result{pow2(-24), 0}));
    EXPECT_EQ(run(fpu::nmsub, a, a, product_rounded, rm), (Result{neg(pow2(-24)), 0}));
    // No intermediate overflow: kMax * 2 - kMax = kMax exactly.
    EXPECT_EQ(run(fpu::msub, kMax, kTwo, kMax, rm), (Result{kMax, 0}));
  }
  EXPECT_EQ(run(fpu::madd, a, a, kPosZero, fpu::RNE), (Result{product_rounded, NX}));
  EXPECT_EQ(run(fpu::madd, a, a, kPosZero, fpu::RMM), (Result{product_rounded + 1, NX}));
  EXPECT_EQ(run(fpu::madd, a, a, kMinSubnormal, fpu::RNE), (Result{product_rounded + 1, NX}));
  EXPECT_EQ(run(fpu::madd, a, a, neg(kMinSubnormal), fpu::RMM), (Result{product_rounded, NX}));
  EXPECT_EQ(run(fpu::madd, kMax, kTwo, kNegOne, fpu::RNE), (Result{kPosInf, OF | NX}));
  EXPECT_EQ(run(fpu::madd, kMax, kTwo, kNegOne, fpu::RTZ), (Result{kMax, OF | NX}));
}

TEST(FpuFma, TiesAfterCancellation) {
  // (1 + 2^-23)^2 - 1 = 2^-22 + 2^-46: half an ulp above 2^-22.
  const uint32_t a = kOne + 1;
  EXPECT_EQ(run(fpu::madd, a, a, kNegOne, fpu::RNE), (Result{pow2(-22), NX}));
  EXPECT_EQ(run(fpu::madd, a, a, kNegOne, fpu::RMM), (Result{pow2(-22) + 1, NX}));
  EXPECT_EQ(run(fpu::madd, a, a, kNegOne, fpu::RUP), (Result{pow2(-22) + 1, NX}));
  EXPECT_EQ(run(fpu::madd, a, a, kNegOne, fpu::RTZ), (Result{pow2(-22), NX}));
  EXPECT_EQ(run(fpu::nmadd, a, a, kNegOne, fpu::RMM), (Result{neg(pow2(-22) + 1), NX}));
  EXPECT_EQ(run(fpu::nmadd, a, a, kNegOne, fpu::RDN), (Result{neg(pow2(-22) + 1), NX}));
  // 1 * 1 + 2^-24: the plain tie through the fused path.
  EXPECT_EQ(run(fpu::madd, kOne, kOne, pow2(-24), fpu::RNE), (Result{kOne, NX}));
  EXPECT_EQ(run(fpu::madd, kOne, kOne, pow2(-24), fpu::RMM), (Result{kOne + 1, NX}));
}

TEST(FpuFma, SubnormalResults) {
  // 2^-75 * 2^-75 = 2^-150: a tie below the smallest subnormal.
  EXPECT_EQ(run(fpu::madd, pow2(-75), pow2(-75), kPosZero, fpu::RNE), (Result{kPosZero, UF | NX}));
  EXPECT_EQ(run(fpu::madd, pow2(-75), pow2(-75), kPosZero, fpu::RMM), (Result{kMinSubnormal, UF | NX}));
  // Adding the smallest subnormal gives 1.5 ulps, again a tie.
  EXPECT_EQ(run(fpu::madd, pow2(-75), pow2(-75), kMinSubnormal, fpu::RNE), (Result{2, UF | NX}));
  EXPECT_EQ(run(fpu::madd, pow2(-75), pow2(-75), kMinSubnormal, fpu::RTZ), (Result{1, UF | NX}));
  // Exact tiny results from cancellation raise nothing.
  for (fpu::Rm rm : kAllModes) {
    EXPECT_EQ(run(fpu::madd, kMinNormal, kThree, neg(pow2(-125)), rm), (Result{kMinNormal, 0}));
    EXPECT_EQ(run(fpu::madd, pow2(-100), pow2(-49), neg(kMinNormal), rm), (Result{neg(kMaxSubnormal), 0}));
  }
}

// ---------------------------------------------------------------------------------------------------------------
// Directed cases: min / max and comparisons.

TEST(FpuMinMax, Ordering) {
  EXPECT_EQ(run(fpu::min, kOne, kTwo), (Result{kOne, 0}));
  EXPECT_EQ(run(fpu::max, kOne, kTwo), (Result{kTwo, 0}));
  EXPECT_EQ(run(fpu::min, neg(kTwo), kNegOne), (Result{neg(kTwo), 0}));
  EXPECT_EQ(run(fpu::max, neg(kTwo), kNegOne), (Result{kNegOne, 0}));
  EXPECT_EQ(run(fpu::min, kNegInf, kNegMax), (Result{kNegInf, 0}));
  EXPECT_EQ(run(fpu::max, kPosInf, kMax), (Result{kPosInf, 0}));
  EXPECT_EQ(run(fpu::min, kMinSubnormal, neg(kMinSubnormal)), (Result{neg(kMinSubnormal), 0}));
  EXPECT_EQ(run(fpu::min, kPosZero, kNegZero), (Result{kNegZero, 0}));
  EXPECT_EQ(run(fpu::min, kNegZero, kPosZero), (Result{kNegZero, 0}));
  EXPECT_EQ(run(fpu::max, kPosZero, kNegZero), (Result{kPosZero, 0}));
  EXPECT_EQ(run(fpu::max, kNegZero, kPosZero), (Result{kPosZero, 0}));
}

TEST(FpuMinMax, NaNs) {
  EXPECT_EQ(run(fpu::min, kQNaN, kOne), (Result{kOne, 0}));
  EXPECT_EQ(run(fpu::max, kNegInf, kQNaNPayload), (Result{kNegInf, 0}));
  EXPECT_EQ(run(fpu::min, kSNaN, kOne), (Result{kOne, NV}));
  EXPECT_EQ(run(fpu::max, kNegZero, kNegSNaN), (Result{kNegZero, NV}));
  EXPECT_EQ(run(fpu::min, kQNaNPayload, kQNaN), (Result{kCanonicalNaN, 0}));
  EXPECT_EQ(run(fpu::max, kSNaN, kQNaN), (Result{kCanonicalNaN, NV}));
  EXPECT_EQ(run(fpu::min, kSNaN, kSNaN), (Result{kCanonicalNaN, NV}));
}

TEST(FpuCompare, OrderedValues) {
  EXPECT_EQ(run(fpu::eq, kOne, kOne), (Result{1, 0}));
  EXPECT_EQ(run(fpu::eq, kOne, kTwo), (Result{0, 0}));
  EXPECT_EQ(run(fpu::eq, kPosZero, kNegZero), (Result{1, 0}));
  EXPECT_EQ(run(fpu::lt, kNegZero, kPosZero), (Result{0, 0}));
  EXPECT_EQ(run(fpu::le, kNegZero, kPosZero), (Result{1, 0}));
  EXPECT_EQ(run(fpu::le, kPosZero, kNegZero), (Result{1, 0}));
  EXPECT_EQ(run(fpu::lt, kNegOne, kOne), (Result{1, 0}));
  EXPECT_EQ(run(fpu::lt, kOne, kNegOne), (Result{0, 0}));
  EXPECT_EQ(run(fpu::lt, neg(kTwo), kNegOne), (Result{1, 0}));
  EXPECT_EQ(run(fpu::le, kNegOne, neg(kTwo)), (Result{0, 0}));
  EXPECT_EQ(run(fpu::le, kTwo, kTwo), (Result{1, 0}));
  EXPECT_EQ(run(fpu::lt, kTwo, kTwo), (Result{0, 0}));
  EXPECT_EQ(run(fpu::lt, kNegInf, kPosInf), (Result{1, 0}));
  EXPECT_EQ(run(fpu::lt, kNegZero, kMinSubnormal), (Result{1, 0}));
  EXPECT_EQ(run(fpu::eq, kPosInf, kPosInf), (Result{1, 0}));
}

TEST(FpuCompare, Unordered) {
  EXPECT_EQ(run(fpu::eq, kQNaN, kOne), (Result{0, 0}));
  EXPECT_EQ(run(fpu::eq, kQNaN, kQNaN), (Result{0, 0}));
  EXPECT_EQ(run(fpu::eq, kOne, kSNaN), (Result{0, NV}));
  EXPECT_EQ(run(fpu::lt, kQNaN, kOne), (Result{0, NV}));
  EXPECT_EQ(run(fpu::lt, kOne, kQNaNPayload), (Result{0, NV}));
  EXPECT_EQ(run(fpu::le, kOne, kQNaN), (Result{0, NV}));
  EXPECT_EQ(run(fpu::le, kSNaN, kSNaN), (Result{0, NV}));
}

// ---------------------------------------------------------------------------------------------------------------
// Directed cases: conversions.

Result cvt_w(float x, fpu::Rm rm) { return run(fpu::cvt_w_s, bits(x), rm); }
Result cvt_wu(float x, fpu::Rm rm) { return run(fpu::cvt_wu_s, bits(x), rm); }

TEST(FpuCvtToInt, RoundingModes) {
  const uint32_t m2 = uint32_t(-2), m3 = uint32_t(-3);
  EXPECT_EQ(cvt_w(1.5f, fpu::RNE), (Result{2, NX}));
  EXPECT_EQ(cvt_w(1.5f, fpu::RTZ), (Result{1, NX}));
  EXPECT_EQ(cvt_w(1.5f, fpu::RDN), (Result{1, NX}));
  EXPECT_EQ(cvt_w(1.5f, fpu::RUP), (Result{2, NX}));
  EXPECT_EQ(cvt_w(1.5f, fpu::RMM), (Result{2, NX}));
  EXPECT_EQ(cvt_w(2.5f, fpu::RNE), (Result{2, NX}));
  EXPECT_EQ(cvt_w(2.5f, fpu::RMM), (Result{3, NX}));
  EXPECT_EQ(cvt_w(-2.5f, fpu::RNE), (Result{m2, NX}));
  EXPECT_EQ(cvt_w(-2.5f, fpu::RMM), (Result{m3, NX}));
  EXPECT_EQ(cvt_w(-2.5f, fpu::RTZ), (Result{m2, NX}));
  EXPECT_EQ(cvt_w(-2.5f, fpu::RDN), (Result{m3, NX}));
  EXPECT_EQ(cvt_w(-2.5f, fpu::RUP), (Result{m2, NX}));
  EXPECT_EQ(cvt_w(-0.3f, fpu::RTZ), (Result{0, NX}));
  EXPECT_EQ(cvt_w(-0.5f, fpu::RNE), (Result{0, NX}));
  EXPECT_EQ(cvt_w(-0.5f, fpu::RMM), (Result{uint32_t(-1), NX}));
  EXPECT_EQ(cvt_w(f(kMinSubnormal), fpu::RUP), (Result{1, NX}));
  EXPECT_EQ(cvt_w(f(kMinSubnormal), fpu::RNE), (Result{0, NX}));
  EXPECT_EQ(cvt_w(-0.0f, fpu::RNE), (Result{0, 0}));
  EXPECT_EQ(cvt_w(-123.0f, fpu::RNE), (Result{uint32_t(-123), 0}));
  EXPECT_EQ(cvt_wu(3e9f, fpu::RNE), (Result{3000000000u, 0}));
  EXPECT_EQ(cvt_wu(7.5f, fpu::RMM), (Result{8, NX}));
}

TEST(FpuCvtToInt, SaturationTable) {
  for (fpu::Rm rm : kAllModes) {
    // Signed.
    EXPECT_EQ(run(fpu::cvt_w_s, kQNaN, rm), (Result{0x7fffffffu, NV}));
    EXPECT_EQ(run(fpu::cvt_w_s, kQNaNPayload, rm), (Result{0x7fffffffu, NV}));  // NaN sign is ignored
    EXPECT_EQ(run(fpu::cvt_w_s, kSNaN, rm), (Result{0x7fffffffu, NV}));
    EXPECT_EQ(run(fpu::cvt_w_s, kPosInf, rm), (Result{0x7fffffffu, NV}));
    EXPECT_EQ(run(fpu::cvt_w_s, kNegInf, rm), (Result{0x80000000u, NV}));
    EXPECT_EQ(cvt_w(2147483648.0f, rm), (Result{0x7fffffffu, NV}));
    EXPECT_EQ(cvt_w(2147483520.0f, rm), (Result{0x7fffff80u, 0}));  // largest float below 2^31
    EXPECT_EQ(cvt_w(-2147483648.0f, rm), (Result{0x80000000u, 0}));
    EXPECT_EQ(cvt_w(-2147483904.0f, rm), (Result{0x80000000u, NV}));
    EXPECT_EQ(run(fpu::cvt_w_s, kMax, rm), (Result{0x7fffffffu, NV}));
    EXPECT_EQ(run(fpu::cvt_w_s, kNegMax, rm), (Result{0x80000000u, NV}));
    // Unsigned.
    EXPECT_EQ(run(fpu::cvt_wu_s, kQNaN, rm), (Result{0xffffffffu, NV}));
    EXPECT_EQ(run(fpu::cvt_wu_s, kNegSNaN, rm), (Result{0xffffffffu, NV}));
    EXPECT_EQ(run(fpu::cvt_wu_s, kPosInf, rm), (Result{0xffffffffu, NV}));
    EXPECT_EQ(run(fpu::cvt_wu_s, kNegInf, rm), (Result{0u, NV}));
    EXPECT_EQ(cvt_wu(4294967296.0f, rm), (Result{0xffffffffu, NV}));
    EXPECT_EQ(cvt_wu(4294967040.0f, rm), (Result{0xffffff00u, 0}));  // largest float below 2^32
    EXPECT_EQ(cvt_wu(-1.0f, rm), (Result{0u, NV}));
    EXPECT_EQ(run(fpu::cvt_wu_s, kNegMax, rm), (Result{0u, NV}));
    EXPECT_EQ(cvt_wu(-0.0f, rm), (Result{0u, 0}));
  }
  // Negative fractions are in range for the unsigned format only if they round to zero.
  EXPECT_EQ(cvt_wu(-0.3f, fpu::RTZ), (Result{0u, NX}));
  EXPECT_EQ(cvt_wu(-0.3f, fpu::RNE), (Result{0u, NX}));
  EXPECT_EQ(cvt_wu(-0.3f, fpu::RUP), (Result{0u, NX}));
  EXPECT_EQ(cvt_wu(-0.3f, fpu::RDN), (Result{0u, NV}));
  EXPECT_EQ(cvt_wu(-0.5f, fpu::RNE), (Result{0u, NX}));
  EXPECT_EQ(cvt_wu(-0.5f, fpu::RMM), (Result{0u, NV}));
  EXPECT_EQ(cvt_wu(-0.9f, fpu::RTZ), (Result{0u, NX}));
  EXPECT_EQ(cvt_wu(-0.9f, fpu::RNE), (Result{0u, NV}));
  EXPECT_EQ(cvt_w(-2147483520.0f, fpu::RDN), (Result{0x80000080u, 0}));
}

TEST(FpuCvtFromInt, Values) {
  for (fpu::Rm rm : kAllModes) {
    EXPECT_EQ(run(fpu::cvt_s_w, 0, rm), (Result{kPosZero, 0}));
    EXPECT_EQ(run(fpu::cvt_s_w, 1, rm), (Result{kOne, 0}));
    EXPECT_EQ(run(fpu::cvt_s_w, uint32_t(-1), rm), (Result{kNegOne, 0}));
    EXPECT_EQ(run(fpu::cvt_s_w, 0x80000000u, rm), (Result{0xcf000000u, 0}));
    EXPECT_EQ(run(fpu::cvt_s_w, 16777216, rm), (Result{0x4b800000u, 0}));
    EXPECT_EQ(run(fpu::cvt_s_wu, 0, rm), (Result{kPosZero, 0}));
    EXPECT_EQ(run(fpu::cvt_s_wu, 0x80000000u, rm), (Result{0x4f000000u, 0}));
  }
  EXPECT_EQ(run(fpu::cvt_s_w, 0x7fffffffu, fpu::RNE), (Result{0x4f000000u, NX}));
  EXPECT_EQ(run(fpu::cvt_s_w, 0x7fffffffu, fpu::RTZ), (Result{0x4effffffu, NX}));
  // 2^24 + 1 is a tie between 2^24 and 2^24 + 2.
  EXPECT_EQ(run(fpu::cvt_s_w, 16777217, fpu::RNE), (Result{0x4b800000u, NX}));
  EXPECT_EQ(run(fpu::cvt_s_w, 16777217, fpu::RMM), (Result{0x4b800001u, NX}));
  EXPECT_EQ(run(fpu::cvt_s_w, 16777217, fpu::RUP), (Result{0x4b800001u, NX}));
  EXPECT_EQ(run(fpu::cvt_s_w, 16777217, fpu::RTZ), (Result{0x4b800000u, NX}));
  EXPECT_EQ(run(fpu::cvt_s_w, uint32_t(-16777217), fpu::RDN), (Result{0xcb800001u, NX}));
  EXPECT_EQ(run(fpu::cvt_s_w, uint32_t(-16777217), fpu::RMM), (Result{0xcb800001u, NX}));
  EXPECT_EQ(run(fpu::cvt_s_w, uint32_t(-16777217), fpu::RUP), (Result{0xcb800000u, NX}));
  EXPECT_EQ(run(fpu::cvt_s_wu, 0xffffffffu, fpu::RNE), (Result{0x4f800000u, NX}));
  EXPECT_EQ(run(fpu::cvt_s_wu, 0xffffffffu, fpu::RTZ), (Result{0x4f7fffffu, NX}));
  EXPECT_EQ(run(fpu::cvt_s_wu, 0xffffff80u, fpu::RNE), (Result{0x4f800000u, NX}));  // tie, even is 2^32
  EXPECT_EQ(run(fpu::cvt_s_wu, 0xffffff80u, fpu::RMM), (Result{0x4f800000u, NX}));
}

TEST(FpuClassify, EveryClass) {
  EXPECT_EQ(fpu::classify(kNegInf), 1u << 0);
  EXPECT_EQ(fpu::classify(kNegOne), 1u << 1);
  EXPECT_EQ(fpu::classify(neg(kMinNormal)), 1u << 1);
  EXPECT_EQ(fpu::classify(neg(kMaxSubnormal)), 1u << 2);
  EXPECT_EQ(fpu::classify(neg(kMinSubnormal)), 1u << 2);
  EXPECT_EQ(fpu::classify(kNegZero), 1u << 3);
  EXPECT_EQ(fpu::classify(kPosZero), 1u << 4);
  EXPECT_EQ(fpu::classify(kMinSubnormal), 1u << 5);
  EXPECT_EQ(fpu::classify(kMaxSubnormal), 1u << 5);
  EXPECT_EQ(fpu::classify(kMinNormal), 1u << 6);
  EXPECT_EQ(fpu::classify(kMax), 1u << 6);
  EXPECT_EQ(fpu::classify(kPosInf), 1u << 7);
  EXPECT_EQ(fpu::classify(kSNaN), 1u << 8);
  EXPECT_EQ(fpu::classify(kNegSNaN), 1u << 8);
  EXPECT_EQ(fpu::classify(0x7fbfffffu), 1u << 8);
  EXPECT_EQ(fpu::classify(kQNaN), 1u << 9);
  EXPECT_EQ(fpu::classify(kQNaNPayload), 1u << 9);
}

// ---------------------------------------------------------------------------------------------------------------
// Randomized cross-checks.

enum class Op { Add, Sub, Mul, Div, Sqrt, Madd, Msub, Nmsub, Nmadd };

uint32_t apply(Op op, uint32_t a, uint32_t b, uint32_t c, fpu::Rm rm, uint8_t& flags) {
  switch (op) {
    case Op::Add:
      return fpu::add(a, b, rm, flags);
    case Op::Sub:
      return fpu::sub(a, b, rm, flags);
    case Op::Mul:
      return fpu::mul(a, b, rm, flags);
    case Op::Div:
      return fpu::div(a, b, rm, flags);
    case Op::Sqrt:
      return fpu::sqrt(a, rm, flags);
    case Op::Madd:
      return fpu::madd(a, b, c, rm, flags);
    case Op::Msub:
      return fpu::msub(a, b, c, rm, flags);
    case Op::Nmsub:
      return fpu::nmsub(a, b, c, rm, flags);
    case Op::Nmadd:
      return fpu::nmadd(a, b, c, rm, flags);
  }
  return 0;
}

int host_mode(fpu::Rm rm) {
  switch (rm) {
    case fpu::RTZ:
      return FE_TOWARDZERO;
    case fpu::RDN:
      return FE_DOWNWARD;
    case fpu::RUP:
      return FE_UPWARD;
    default:
      return FE_TONEAREST;
  }
}

uint8_t flags_from_host(int raised) {
  uint8_t flags = 0;
  if (raised & FE_INEXACT) flags |= NX;
  if (raised & FE_UNDERFLOW) flags |= UF;
  if (raised & FE_OVERFLOW) flags |= OF;
  if (raised & FE_DIVBYZERO) flags |= DZ;
  if (raised & FE_INVALID) flags |= NV;
  return flags;
}

// The host SSE unit as oracle. Negation is a sign-bit flip on x86, so it neither quiets sNaNs nor raises flags.
Result host(Op op, uint32_t a, uint32_t b, uint32_t c, fpu::Rm rm) {
  volatile float x = f(a), y = f(b), z = f(c);
  std::fesetround(host_mode(rm));
  std::feclearexcept(FE_ALL_EXCEPT);
  float r = 0;
  switch (op) {
    case Op::Add:
      r = x + y;
      break;
    case Op::Sub:
      r = x - y;
      break;
    case Op::Mul:
      r = x * y;
      break;
    case Op::Div:
      r = x / y;
      break;
    case Op::Sqrt:
      r = sqrtf(x);
      break;
    case Op::Madd:
      r = std::fmaf(x, y, z);
      break;
    case Op::Msub:
      r = std::fmaf(x, y, -z);
      break;
    case Op::Nmsub:
      r = std::fmaf(-x, y, z);
      break;
    case Op::Nmadd:
      r = std::fmaf(-x, y, -z);
      break;
  }
  volatile float result = r;
  const int raised = std::fetestexcept(FE_ALL_EXCEPT);
  std::fesetround(FE_TONEAREST);
  const uint32_t value = bits(result);
  return {is_nan(value) ? kCanonicalNaN : value, flags_from_host(raised)};
}

// Random operands biased toward the places where rounding is hard.
class OperandSource {
 public:
  explicit OperandSource(uint64_t seed) : rng_(seed) {}

  uint32_t operand() { return make(pick(2) != 0, exponent(), fraction()); }

  // An operand whose unbiased exponent is near `target` (clamped to the finite range).
  uint32_t near(int target) {
    int biased = target + 127 + int(pick(5)) - 2;
    biased = biased < 0 ? 0 : biased > 254 ? 254 : biased;
    return make(pick(2) != 0, biased, fraction());
  }

  uint32_t pick(uint32_t n) { return std::uniform_int_distribution<uint32_t>(0, n - 1)(rng_); }
  int pick_range(int lo, int hi) { return std::uniform_int_distribution<int>(lo, hi)(rng_); }

 private:
  static uint32_t make(bool sign, int biased, uint32_t frac) {
    return (sign ? 0x80000000u : 0u) | (uint32_t(biased) << 23) | (frac & 0x7fffffu);
  }

  int exponent() {
    switch (pick(8)) {
      case 0:
        return pick_range(0, 255);  // includes zeros, subnormals, infinities and NaNs
      case 1:
      case 2:
        return pick_range(0, 30);  // subnormal and tiny
      case 3:
      case 4:
        return pick_range(225, 254);  // near overflow
      case 5:
        return pick(16) == 0 ? 255 : 0;
      default:
        return pick_range(100, 154);
    }
  }

  uint32_t fraction() {
    const uint32_t raw = uint32_t(rng_());
    switch (pick(6)) {
      case 0:  // few significant bits: exact results and ties
        return raw & (0x7fffffu << pick_range(12, 23));
      case 1:  // near the top of the binade
        return 0x7fffffu - (raw & 0xffu);
      case 2:  // near the bottom of the binade
        return raw & 0xffu;
      case 3:  // a single fraction bit
        return pick(4) == 0 ? 0 : 1u << pick_range(0, 22);
      default:
        return raw;
    }
  }

  std::mt19937_64 rng_;
};

int unbiased_exponent(uint32_t x) { return int((x >> 23) & 0xff) - 127; }

// Operands for `op`, sometimes arranged so the result lands near cancellation, overflow or the subnormal range.
void operands(Op op, OperandSource& src, uint32_t& a, uint32_t& b, uint32_t& c) {
  a = src.operand();
  b = src.operand();
  c = src.operand();
  const uint32_t strategy = src.pick(3);
  if (strategy == 0) return;
  // Interesting result exponents: around the subnormal range and around overflow.
  const int target = src.pick(2) ? src.pick_range(-152, -118) : src.pick_range(120, 129);
  const int ea = unbiased_exponent(a);
  switch (op) {
    case Op::Add:
    case Op::Sub:
      b = src.near(ea);  // massive cancellation or carries
      break;
    case Op::Mul:
      b = src.near(target - ea);
      break;
    case Op::Div:
      b = src.near(ea - target);
      break;
    case Op::Sqrt:
      a &= 0x7fffffffu;  // negative radicands are all alike
      break;
    case Op::Madd:
    case Op::Msub:
    case Op::Nmsub:
    case Op::Nmadd:
      if (strategy == 1) {
        b = src.near(target - ea);  // product near the edges, c somewhere
        c = src.near(target + src.pick_range(-30, 30));
      } else {
        c = src.near(ea + unbiased_exponent(b));  // c cancels against the product
      }
      break;
  }
}

const char* name(Op op) {
  constexpr const char* kNames[] = {"add", "sub", "mul", "div", "sqrt", "madd", "msub", "nmsub", "nmadd"};
  return kNames[int(op)];
}

constexpr int kRandomCases = 200000;
constexpr fpu::Rm kHostModes[] = {fpu::RNE, fpu::RTZ, fpu::RDN, fpu::RUP};

class FpuVersusHost : public ::testing::TestWithParam<Op> {};

TEST_P(FpuVersusHost, MatchesSseInDirectedAndNearestModes) {
  const Op op = GetParam();
  OperandSource src(0x5eed0000u + uint64_t(op));
  int failures = 0;
  int flag_seen[5] = {};
  for (int i = 0; i < kRandomCases && failures < 10; ++i) {
    uint32_t a, b, c;
    operands(op, src, a, b, c);
    for (fpu::Rm rm : kHostModes) {
      const Result expected = host(op, a, b, c, rm);
      for (int bit = 0; bit < 5; ++bit) flag_seen[bit] += (expected.flags >> bit) & 1;
      // Leave the host in a different mode with stale flags: the model must not care.
      std::fesetround(host_mode(kHostModes[(rm + 1) % 4]));
      std::feraiseexcept(FE_INEXACT | FE_UNDERFLOW);
      uint8_t flags = 0;
      const uint32_t value = apply(op, a, b, c, rm, flags);
      std::fesetround(FE_TONEAREST);
      const Result actual{value, flags};
      if (actual != expected) {
        ++failures;
        ADD_FAILURE() << name(op) << " rm=" << int(rm) << " a=" << hex(a) << " b=" << hex(b) << " c=" << hex(c)
                      << " expected " << expected << " got " << actual;
      }
    }
  }
  std::feclearexcept(FE_ALL_EXCEPT);
  // The operand mix must actually reach every flag the operation can raise (sums that underflow are exact, so
  // add/sub never raise UF; only div raises DZ; sqrt neither overflows nor underflows).
  const bool can_underflow = op != Op::Add && op != Op::Sub && op != Op::Sqrt;
  const uint8_t reachable = NX | NV | (op == Op::Sqrt ? 0 : OF) | (can_underflow ? UF : 0) | (op == Op::Div ? DZ : 0);
  for (int bit = 0; bit < 5; ++bit) {
    if (reachable & (1u << bit)) {
      EXPECT_GT(flag_seen[bit], 1000) << name(op) << " flag bit " << bit;
    }
  }
}

// Computes the operation in double; true when that result is exact (so `out` is the true value).
bool exact_in_double(Op op, uint32_t a, uint32_t b, uint32_t c, double& out) {
  const double x = f(a), y = f(b), z = f(c);
  std::feclearexcept(FE_ALL_EXCEPT);
  volatile double r = 0;
  switch (op) {
    case Op::Add:
      r = x + y;
      break;
    case Op::Sub:
      r = x - y;
      break;
    case Op::Mul:
      r = x * y;
      break;
    case Op::Div:
      r = x / y;
      break;
    case Op::Sqrt:
      r = std::sqrt(x);
      break;
    case Op::Madd:
      r = std::fma(x, y, z);
      break;
    case Op::Msub:
      r = std::fma(x, y, -z);
      break;
    case Op::Nmsub:
      r = std::fma(-x, y, z);
      break;
    case Op::Nmadd:
      r = std::fma(-x, y, -z);
      break;
  }
  out = r;
  const bool exact = !std::fetestexcept(FE_INEXACT | FE_INVALID) && std::isfinite(out);
  std::feclearexcept(FE_ALL_EXCEPT);
  return exact;
}

// RMM is round-to-nearest except at exact ties, where it rounds away from zero. A tie has at most 25 significant
// bits, so when it happens double arithmetic represents it exactly and the tie is visible.
TEST_P(FpuVersusHost, RmmIsNearestWithTiesAway) {
  const Op op = GetParam();
  OperandSource src(0x77770000u + uint64_t(op));
  int failures = 0;
  int ties = 0;
  for (int i = 0; i < kRandomCases && failures < 10; ++i) {
    uint32_t a, b, c;
    operands(op, src, a, b, c);
    const Result nearest = [&] {
      uint8_t flags = 0;
      const uint32_t v = apply(op, a, b, c, fpu::RNE, flags);
      return Result{v, flags};
    }();
    uint8_t rtz_flags = 0;
    const uint32_t truncated = apply(op, a, b, c, fpu::RTZ, rtz_flags);
    Result expected = nearest;
    double exact = 0;
    if (!is_nan(nearest.value) && (nearest.flags & NX) && exact_in_double(op, a, b, c, exact)) {
      const uint32_t away = truncated + 1;  // next magnitude; kMax + 1 is infinity
      const double hi =
          (away & 0x7fffffffu) == 0x7f800000u ? std::copysign(std::ldexp(1.0, 128), f(truncated)) : double(f(away));
      if (exact == (double(f(truncated)) + hi) / 2) {
        expected.value = away;
        ++ties;
      }
    }
    uint8_t flags = 0;
    const Result actual{apply(op, a, b, c, fpu::RMM, flags), flags};
    if (actual != expected) {
      ++failures;
      ADD_FAILURE() << name(op) << " a=" << hex(a) << " b=" << hex(b) << " c=" << hex(c) << " expected " << expected
                    << " got " << actual;
    }
  }
  // Square roots are never ties; everything else must have exercised some.
  if (op != Op::Sqrt) {
    EXPECT_GT(ties, 50) << name(op);
  }
}

INSTANTIATE_TEST_SUITE_P(AllOps, FpuVersusHost,
                         ::testing::Values(Op::Add, Op::Sub, Op::Mul, Op::Div, Op::Sqrt, Op::Madd, Op::Msub, Op::Nmsub,
                                           Op::Nmadd),
                         [](const ::testing::TestParamInfo<Op>& info) { return std::string(name(info.param)); });

// Float -> integer against a model built from double: nearbyint in the host mode (or round() for RMM), then the
// RISC-V saturation table.
TEST(FpuCvtRandom, ToIntMatchesModel) {
  OperandSource src(0xc0ffeeu);
  int failures = 0;
  for (int i = 0; i < kRandomCases && failures < 10; ++i) {
    // Exponents around the integer range so both rounding and saturation get exercised.
    const uint32_t a = src.pick(8) == 0 ? src.operand() : src.near(src.pick_range(-3, 33));
    for (fpu::Rm rm : kAllModes) {
      for (bool is_unsigned : {false, true}) {
        Result expected{0, 0};
        const double lo = is_unsigned ? 0.0 : -2147483648.0;
        const double hi = is_unsigned ? 4294967295.0 : 2147483647.0;
        const uint32_t max_result = is_unsigned ? 0xffffffffu : 0x7fffffffu;
        const uint32_t min_result = is_unsigned ? 0u : 0x80000000u;
        if (is_nan(a)) {
          expected = {max_result, NV};
        } else {
          const double x = f(a);
          std::fesetround(host_mode(rm));
          const double rounded = rm == fpu::RMM ? std::round(x) : std::nearbyint(x);
          std::fesetround(FE_TONEAREST);
          if (rounded < lo) {
            expected = {min_result, NV};
          } else if (rounded > hi) {
            expected = {max_result, NV};
          } else {
            const uint32_t v = rounded < 0 ? uint32_t(int64_t(rounded)) : uint32_t(uint64_t(rounded));
            expected = {v, uint8_t(rounded != x ? NX : 0)};
          }
        }
        const Result actual = run(is_unsigned ? fpu::cvt_wu_s : fpu::cvt_w_s, a, rm);
        if (actual != expected) {
          ++failures;
          ADD_FAILURE() << (is_unsigned ? "cvt_wu_s" : "cvt_w_s") << " rm=" << int(rm) << " a=" << hex(a)
                        << " expected " << expected << " got " << actual;
        }
      }
    }
  }
}

Result host_from_int(uint32_t a, bool is_unsigned, fpu::Rm rm) {
  volatile int32_t s = int32_t(a);
  volatile uint32_t u = a;
  std::fesetround(host_mode(rm));
  std::feclearexcept(FE_ALL_EXCEPT);
  volatile float r = is_unsigned ? float(u) : float(s);
  const int raised = std::fetestexcept(FE_ALL_EXCEPT);
  std::fesetround(FE_TONEAREST);
  return {bits(r), flags_from_host(raised)};
}

TEST(FpuCvtRandom, FromIntMatchesHost) {
  std::mt19937_64 rng(0xfeedu);
  int failures = 0;
  for (int i = 0; i < kRandomCases && failures < 10; ++i) {
    // Vary the magnitude so small exact values and rounded large ones both appear.
    const uint32_t a = uint32_t(rng()) >> (rng() % 32);
    const uint32_t signed_a = (rng() & 1) ? 0u - a : a;
    for (fpu::Rm rm : kHostModes) {
      const Result expected_s = host_from_int(signed_a, false, rm);
      const Result expected_u = host_from_int(a, true, rm);
      const Result actual_s = run(fpu::cvt_s_w, signed_a, rm);
      const Result actual_u = run(fpu::cvt_s_wu, a, rm);
      if (actual_s != expected_s || actual_u != expected_u) {
        ++failures;
        ADD_FAILURE() << "rm=" << int(rm) << " a=" << hex(a) << " cvt_s_w(" << hex(signed_a) << ") expected "
                      << expected_s << " got " << actual_s << "; cvt_s_wu expected " << expected_u << " got "
                      << actual_u;
      }
    }
  }
}

TEST(FpuHostIndependence, HostRoundingModeAndFlagsAreIgnored) {
  for (int mode : {FE_TONEAREST, FE_TOWARDZERO, FE_DOWNWARD, FE_UPWARD}) {
    std::fesetround(mode);
    std::feraiseexcept(FE_ALL_EXCEPT);
    EXPECT_EQ(run(fpu::div, kOne, kThree, fpu::RNE), (Result{0x3eaaaaabu, NX}));
    EXPECT_EQ(run(fpu::add, kOne, pow2(-24), fpu::RMM), (Result{kOne + 1, NX}));
    EXPECT_EQ(run(fpu::sqrt, kTwo, fpu::RUP), (Result{0x3fb504f4u, NX}));
    EXPECT_EQ(run(fpu::cvt_s_w, 0x7fffffffu, fpu::RTZ), (Result{0x4effffffu, NX}));
    EXPECT_EQ(run(fpu::madd, kOne, kOne, kOne, fpu::RNE), (Result{kTwo, 0}));
  }
  std::fesetround(FE_TONEAREST);
  std::feclearexcept(FE_ALL_EXCEPT);
}

}  // namespace
