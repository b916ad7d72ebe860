#include "models/core/fpu.h"

#include <bit>
#include <utility>

// Pure integer implementation: every result is computed exactly (or with a sticky bit standing in for the discarded
// tail) and rounded once by round_pack(), so nothing depends on the host FPU's rounding mode or exception flags.

namespace wvp::fpu {

namespace {

constexpr uint32_t kSignBit = 0x80000000u;
constexpr uint32_t kExpMask = 0x7f800000u;
constexpr uint32_t kFracMask = 0x007fffffu;
constexpr uint32_t kQuietBit = 0x00400000u;
constexpr uint32_t kHiddenBit = 0x00800000u;
constexpr uint32_t kMaxFinite = 0x7f7fffffu;
constexpr int kMinExp = -149;  // weight of the last fraction bit of a subnormal

bool sign_of(uint32_t x) { return x >> 31; }
uint32_t sign_bit(bool sign) { return sign ? kSignBit : 0u; }
bool is_nan(uint32_t x) { return (x & ~kSignBit) > kExpMask; }
bool is_snan(uint32_t x) { return is_nan(x) && !(x & kQuietBit); }
bool is_inf(uint32_t x) { return (x & ~kSignBit) == kExpMask; }
bool is_zero(uint32_t x) { return (x & ~kSignBit) == 0; }
uint32_t signed_inf(bool sign) { return sign_bit(sign) | kExpMask; }
uint32_t signed_zero(bool sign) { return sign_bit(sign); }

// IEEE 754 6.3: an exact zero sum of operands with opposite signs is +0, except -0 when rounding down.
uint32_t zero_sum(bool sign_x, bool sign_y, Rm rm) { return signed_zero(sign_x == sign_y ? sign_x : rm == RDN); }

// A finite value as (-1)^sign * sig * 2^exp.
struct Unpacked {
  bool sign;
  int exp;
  uint64_t sig;
};

Unpacked unpack(uint32_t x) {
  const int biased = int((x & kExpMask) >> 23);
  const uint32_t frac = x & kFracMask;
  // Subnormals share the smallest normal's exponent but have no hidden bit.
  if (biased == 0) return {sign_of(x), kMinExp, frac};
  return {sign_of(x), biased - 150, frac | kHiddenBit};
}

// Shifts left so the leading one lands on bit `msb`, keeping the value.
Unpacked normalized(Unpacked u, int msb) {
  const int shift = msb - (63 - std::countl_zero(u.sig));
  if (shift >= 0) return {u.sign, u.exp - shift, u.sig << shift};
  return {u.sign, u.exp - shift, u.sig >> -shift};  // callers only drop zero bits
}

// Result of a right shift with what rounding needs of the discarded bits: the first one (guard) and whether any
// of the others is set (sticky).
struct Shifted {
  uint64_t kept;
  bool guard;
  bool sticky;
};

Shifted shift_right(uint64_t sig, int shift) {  // shift >= 1
  if (shift > 64) return {0, false, sig != 0};
  if (shift == 64) return {0, bool(sig >> 63), (sig << 1) != 0};
  const uint64_t below_guard = (uint64_t{1} << (shift - 1)) - 1;
  return {sig >> shift, bool((sig >> (shift - 1)) & 1), (sig & below_guard) != 0};
}

// Right shift that ORs any lost bit into bit 0 (round to odd). Adding the result to, or subtracting it from, a value
// whose bit 0 is clear then rounds exactly like the exact operation would, as long as enough bits stay above bit 0.
uint64_t shift_right_jam(uint64_t sig, int shift) {
  if (shift == 0) return sig;
  if (shift >= 64) return sig != 0;
  return (sig >> shift) | ((sig << (64 - shift)) != 0);
}

bool rounds_up(const Shifted& s, bool sign, Rm rm) {
  switch (rm) {
    case RTZ:
      return false;
    case RDN:
      return sign && (s.guard || s.sticky);
    case RUP:
      return !sign && (s.guard || s.sticky);
    case RMM:
      return s.guard;
    case RNE:
    default:  // reserved encodings never reach here (the decoder traps them); keep the result defined anyway
      return s.guard && (s.sticky || (s.kept & 1));
  }
}

// Rounds (-1)^sign * sig * 2^exp, sig != 0, to binary32. A set bit 0 in sig may be a sticky bit standing for a
// nonzero tail, provided sig carries at least two bits beyond the 24 kept.
uint32_t round_pack(bool sign, int exp, uint64_t sig, Rm rm, uint8_t& flags) {
  const Unpacked n = normalized({sign, exp, sig}, 63);
  const int unbiased = n.exp + 63;
  // Weight of the last kept bit: 24 significant bits for normals, a fixed 2^-149 once the value is subnormal.
  const int quantum = unbiased - 23 > kMinExp ? unbiased - 23 : kMinExp;
  const Shifted s = shift_right(n.sig, quantum - n.exp);
  const uint64_t mant = s.kept + rounds_up(s, sign, rm);
  // The exponent field is quantum + 149 for mant's hidden bit at 2^23, so a carry out of the significand (or from
  // the largest subnormal into the smallest normal) bumps the exponent by itself.
  const uint64_t magnitude = (uint64_t(quantum - kMinExp) << 23) + mant;

  if (magnitude >= kExpMask) {
    flags |= OF | NX;
    const bool toward_zero = rm == RTZ || (rm == RDN && !sign) || (rm == RUP && sign);
    return sign_bit(sign) | (toward_zero ? kMaxFinite : kExpMask);
  }
  if (s.guard || s.sticky) {
    flags |= NX;
    // RISC-V detects tininess after rounding, i.e. as if the exponent range were unbounded: only a value just
    // below 2^-126 can escape by rounding up to it at full 24-bit precision.
    bool tiny = unbiased < -126;
    if (unbiased == -127) {
      const Shifted full = shift_right(n.sig, 40);
      tiny = full.kept + rounds_up(full, sign, rm) < (uint64_t{1} << 24);
    }
    if (tiny) flags |= UF;
  }
  return sign_bit(sign) | uint32_t(magnitude);
}

// Sum of two finite nonzero values whose significands have at most 48 bits; one rounding.
uint32_t add_finite(Unpacked x, Unpacked y, Rm rm, uint8_t& flags) {
  // Leading ones on bit 62 leave room for the carry, and at least 15 zero bits at the bottom for the jam.
  x = normalized(x, 62);
  y = normalized(y, 62);
  if (x.exp < y.exp) std::swap(x, y);
  y.sig = shift_right_jam(y.sig, x.exp - y.exp);
  if (x.sign == y.sign) return round_pack(x.sign, x.exp, x.sig + y.sig, rm, flags);
  if (x.sig == y.sig) return zero_sum(x.sign, y.sign, rm);
  if (x.sig > y.sig) return round_pack(x.sign, x.exp, x.sig - y.sig, rm, flags);
  return round_pack(y.sign, x.exp, y.sig - x.sig, rm, flags);
}

uint32_t add_signed(uint32_t a, uint32_t b, Rm rm, uint8_t& flags) {
  if (is_nan(a) || is_nan(b)) {
    if (is_snan(a) || is_snan(b)) flags |= NV;
    return kCanonicalNaN;
  }
  if (is_inf(a)) {
    if (is_inf(b) && sign_of(a) != sign_of(b)) {
      flags |= NV;
      return kCanonicalNaN;
    }
    return a;
  }
  if (is_inf(b)) return b;
  if (is_zero(a) && is_zero(b)) return zero_sum(sign_of(a), sign_of(b), rm);
  // Adding zero is exact; short-circuiting also keeps the zero's exponent out of the alignment.
  if (is_zero(a)) return b;
  if (is_zero(b)) return a;
  return add_finite(unpack(a), unpack(b), rm, flags);
}

// (-1)^negate_product * a*b + (-1)^negate_addend * c with one rounding.
uint32_t fused(uint32_t a, uint32_t b, uint32_t c, bool negate_product, bool negate_addend, Rm rm, uint8_t& flags) {
  const bool inf_times_zero = (is_inf(a) && is_zero(b)) || (is_zero(a) && is_inf(b));
  if (is_nan(a) || is_nan(b) || is_nan(c)) {
    // IEEE 754 leaves 0*inf+qNaN to the implementation; RISC-V requires NV.
    if (is_snan(a) || is_snan(b) || is_snan(c) || inf_times_zero) flags |= NV;
    return kCanonicalNaN;
  }
  if (inf_times_zero) {
    flags |= NV;
    return kCanonicalNaN;
  }
  const bool product_sign = (sign_of(a) != sign_of(b)) != negate_product;
  const bool addend_sign = sign_of(c) != negate_addend;
  if (is_inf(a) || is_inf(b)) {
    if (is_inf(c) && addend_sign != product_sign) {
      flags |= NV;
      return kCanonicalNaN;
    }
    return signed_inf(product_sign);
  }
  if (is_inf(c)) return signed_inf(addend_sign);
  if (is_zero(a) || is_zero(b)) {
    if (is_zero(c)) return zero_sum(product_sign, addend_sign, rm);
    return sign_bit(addend_sign) | (c & ~kSignBit);
  }
  // The 48-bit product is exact; only the final sum is rounded.
  const Unpacked ua = unpack(a), ub = unpack(b);
  const Unpacked product{product_sign, ua.exp + ub.exp, ua.sig * ub.sig};
  if (is_zero(c)) return round_pack(product.sign, product.exp, product.sig, rm, flags);
  const Unpacked uc = unpack(c);
  return add_finite(product, {addend_sign, uc.exp, uc.sig}, rm, flags);
}

// Maps a non-NaN value to an unsigned key with the same order, -0 just below +0.
uint32_t order_key(uint32_t x) { return sign_of(x) ? ~x : x | kSignBit; }

uint32_t min_max(uint32_t a, uint32_t b, bool want_max, uint8_t& flags) {
  if (is_snan(a) || is_snan(b)) flags |= NV;
  if (is_nan(a) && is_nan(b)) return kCanonicalNaN;
  if (is_nan(a)) return b;
  if (is_nan(b)) return a;
  const bool a_less = order_key(a) < order_key(b);
  return a_less != want_max ? a : b;
}

// Shared by flt and fle: both are signalling comparisons.
bool unordered_signalling(uint32_t a, uint32_t b, uint8_t& flags) {
  if (!is_nan(a) && !is_nan(b)) return false;
  flags |= NV;
  return true;
}

uint32_t to_int(uint32_t a, Rm rm, bool is_unsigned, uint8_t& flags) {
  const uint32_t max_result = is_unsigned ? 0xffffffffu : 0x7fffffffu;
  const uint32_t min_result = is_unsigned ? 0u : 0x80000000u;
  // RISC-V saturates instead of returning x86's "integer indefinite"; NaN counts as positive whatever its sign.
  const auto invalid = [&](bool negative) {
    flags |= NV;
    return negative ? min_result : max_result;
  };
  if (is_nan(a)) return invalid(false);
  const bool sign = sign_of(a);
  if (is_inf(a)) return invalid(sign);
  if (is_zero(a)) return 0;
  const Unpacked u = unpack(a);
  // Past exponent 8, |a| >= 2^32: out of range for both formats (and too wide to shift).
  if (u.exp > 8) return invalid(sign);
  uint64_t magnitude = 0;
  bool inexact = false;
  if (u.exp >= 0) {
    magnitude = u.sig << u.exp;
  } else {
    const Shifted s = shift_right(u.sig, -u.exp);
    magnitude = s.kept + rounds_up(s, sign, rm);
    inexact = s.guard || s.sticky;
  }
  // Range is judged on the rounded value: -0.3 truncates to 0, which even the unsigned format holds.
  const uint64_t limit = sign ? uint64_t{0u - min_result} : uint64_t{max_result};
  if (magnitude > limit) return invalid(sign);
  if (inexact) flags |= NX;
  return sign ? 0u - uint32_t(magnitude) : uint32_t(magnitude);
}

uint32_t from_int(bool sign, uint32_t magnitude, Rm rm, uint8_t& flags) {
  if (magnitude == 0) return 0;
  return round_pack(sign, 0, magnitude, rm, flags);
}

}  // namespace

uint32_t add(uint32_t a, uint32_t b, Rm rm, uint8_t& flags) { return add_signed(a, b, rm, flags); }

// Flipping b's sign cannot turn a signalling NaN quiet, so the NaN rules carry over unchanged.
uint32_t sub(uint32_t a, uint32_t b, Rm rm, uint8_t& flags) { return add_signed(a, b ^ kSignBit, rm, flags); }

uint32_t mul(uint32_t a, uint32_t b, Rm rm, uint8_t& flags) {
  if (is_nan(a) || is_nan(b)) {
    if (is_snan(a) || is_snan(b)) flags |= NV;
    return kCanonicalNaN;
  }
  const bool sign = sign_of(a) != sign_of(b);
  if (is_inf(a) || is_inf(b)) {
    if (is_zero(a) || is_zero(b)) {
      flags |= NV;
      return kCanonicalNaN;
    }
    return signed_inf(sign);
  }
  if (is_zero(a) || is_zero(b)) return signed_zero(sign);
  const Unpacked ua = unpack(a), ub = unpack(b);
  return round_pack(sign, ua.exp + ub.exp, ua.sig * ub.sig, rm, flags);
}

uint32_t div(uint32_t a, uint32_t b, Rm rm, uint8_t& flags) {
  if (is_nan(a) || is_nan(b)) {
    if (is_snan(a) || is_snan(b)) flags |= NV;
    return kCanonicalNaN;
  }
  const bool sign = sign_of(a) != sign_of(b);
  if ((is_inf(a) && is_inf(b)) || (is_zero(a) && is_zero(b))) {
    flags |= NV;
    return kCanonicalNaN;
  }
  if (is_inf(a) || is_zero(b)) {
    if (is_zero(b) && !is_inf(a)) flags |= DZ;
    return signed_inf(sign);
  }
  if (is_zero(a) || is_inf(b)) return signed_zero(sign);
  // A 64-bit dividend over a 24-bit divisor leaves a quotient of at least 40 bits; a nonzero remainder becomes the
  // sticky bit.
  const Unpacked num = normalized(unpack(a), 63);
  const Unpacked den = normalized(unpack(b), 23);
  const uint64_t quotient = num.sig / den.sig;
  const bool exact = num.sig % den.sig == 0;
  return round_pack(sign, num.exp - den.exp, quotient | !exact, rm, flags);
}

uint32_t sqrt(uint32_t a, Rm rm, uint8_t& flags) {
  if (is_nan(a)) {
    if (is_snan(a)) flags |= NV;
    return kCanonicalNaN;
  }
  if (is_zero(a)) return a;  // sqrt(-0) = -0
  if (sign_of(a)) {
    flags |= NV;
    return kCanonicalNaN;
  }
  if (is_inf(a)) return a;
  // An even exponent halves exactly; the radicand of at least 2^61 gives a root of at least 31 bits.
  Unpacked u = normalized(unpack(a), 62);
  if (u.exp & 1) u = normalized(u, 61);
  // Digit-by-digit integer square root: root = floor(sqrt(radicand)), remainder = radicand - root^2.
  uint64_t remainder = u.sig;
  uint64_t root = 0;
  for (uint64_t bit = uint64_t{1} << 62; bit != 0; bit >>= 2) {
    if (remainder >= root + bit) {
      remainder -= root + bit;
      root = (root >> 1) + bit;
    } else {
      root >>= 1;
    }
  }
  return round_pack(false, u.exp / 2, root | (remainder != 0), rm, flags);
}

uint32_t madd(uint32_t a, uint32_t b, uint32_t c, Rm rm, uint8_t& flags) {
  return fused(a, b, c, false, false, rm, flags);
}
uint32_t msub(uint32_t a, uint32_t b, uint32_t c, Rm rm, uint8_t& flags) {
  return fused(a, b, c, false, true, rm, flags);
}
uint32_t nmsub(uint32_t a, uint32_t b, uint32_t c, Rm rm, uint8_t& flags) {
  return fused(a, b, c, true, false, rm, flags);
}
uint32_t nmadd(uint32_t a, uint32_t b, uint32_t c, Rm rm, uint8_t& flags) {
  return fused(a, b, c, true, true, rm, flags);
}

uint32_t min(uint32_t a, uint32_t b, uint8_t& flags) { return min_max(a, b, false, flags); }
uint32_t max(uint32_t a, uint32_t b, uint8_t& flags) { return min_max(a, b, true, flags); }

uint32_t eq(uint32_t a, uint32_t b, uint8_t& flags) {
  if (is_nan(a) || is_nan(b)) {
    if (is_snan(a) || is_snan(b)) flags |= NV;
    return 0;
  }
  return a == b || (is_zero(a) && is_zero(b));
}

uint32_t lt(uint32_t a, uint32_t b, uint8_t& flags) {
  if (unordered_signalling(a, b, flags)) return 0;
  if (is_zero(a) && is_zero(b)) return 0;
  return order_key(a) < order_key(b);
}

uint32_t le(uint32_t a, uint32_t b, uint8_t& flags) {
  if (unordered_signalling(a, b, flags)) return 0;
  if (is_zero(a) && is_zero(b)) return 1;
  return order_key(a) <= order_key(b);
}

uint32_t cvt_w_s(uint32_t a, Rm rm, uint8_t& flags) { return to_int(a, rm, false, flags); }
uint32_t cvt_wu_s(uint32_t a, Rm rm, uint8_t& flags) { return to_int(a, rm, true, flags); }
uint32_t cvt_s_w(uint32_t a, Rm rm, uint8_t& flags) { return from_int(sign_of(a), sign_of(a) ? 0u - a : a, rm, flags); }
uint32_t cvt_s_wu(uint32_t a, Rm rm, uint8_t& flags) { return from_int(false, a, rm, flags); }

uint32_t classify(uint32_t a) {
  const bool negative = sign_of(a);
  if (is_nan(a)) return is_snan(a) ? 1u << 8 : 1u << 9;
  if (is_inf(a)) return negative ? 1u << 0 : 1u << 7;
  if (is_zero(a)) return negative ? 1u << 3 : 1u << 4;
  if ((a & kExpMask) == 0) return negative ? 1u << 2 : 1u << 5;
  return negative ? 1u << 1 : 1u << 6;
}

}  // namespace wvp::fpu
