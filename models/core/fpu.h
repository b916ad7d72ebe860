// RV32F arithmetic in software, bit-exact to the RISC-V ISA manual (F extension v2.2):
// every rounding mode including RMM, IEEE 754 flags with tininess detected after rounding,
// canonical NaN results. Independent of the host FPU's rounding mode and flags.
#pragma once
#include <cstdint>

namespace wvp::fpu {

// Rounding modes as encoded in the rm field / frm CSR. DYN (7) is resolved by the caller.
enum Rm : uint8_t { RNE = 0, RTZ = 1, RDN = 2, RUP = 3, RMM = 4 };

// fflags bits.
enum Flag : uint8_t { NX = 1, UF = 2, OF = 4, DZ = 8, NV = 16 };

constexpr uint32_t kCanonicalNaN = 0x7fc00000u;

// Operands and results are binary32 bit patterns; raised flags are OR-ed into `flags`.
uint32_t add(uint32_t a, uint32_t b, Rm rm, uint8_t& flags);
uint32_t sub(uint32_t a, uint32_t b, Rm rm, uint8_t& flags);
uint32_t mul(uint32_t a, uint32_t b, Rm rm, uint8_t& flags);
uint32_t div(uint32_t a, uint32_t b, Rm rm, uint8_t& flags);
uint32_t sqrt(uint32_t a, Rm rm, uint8_t& flags);
// Fused: madd = a*b+c, msub = a*b-c, nmsub = -(a*b)+c, nmadd = -(a*b)-c; one rounding.
uint32_t madd(uint32_t a, uint32_t b, uint32_t c, Rm rm, uint8_t& flags);
uint32_t msub(uint32_t a, uint32_t b, uint32_t c, Rm rm, uint8_t& flags);
uint32_t nmsub(uint32_t a, uint32_t b, uint32_t c, Rm rm, uint8_t& flags);
uint32_t nmadd(uint32_t a, uint32_t b, uint32_t c, Rm rm, uint8_t& flags);

// fmin/fmax (IEEE 754-2019 minimumNumber/maximumNumber, -0 < +0, NV on signalling NaN).
uint32_t min(uint32_t a, uint32_t b, uint8_t& flags);
uint32_t max(uint32_t a, uint32_t b, uint8_t& flags);

// Comparisons return 0 or 1. feq is quiet (NV only for sNaN); flt/fle signal NV on any NaN.
uint32_t eq(uint32_t a, uint32_t b, uint8_t& flags);
uint32_t lt(uint32_t a, uint32_t b, uint8_t& flags);
uint32_t le(uint32_t a, uint32_t b, uint8_t& flags);

// Conversions with RISC-V saturation (NaN -> max positive, NV on out of range).
uint32_t cvt_w_s(uint32_t a, Rm rm, uint8_t& flags);   // result is the int32 bit pattern
uint32_t cvt_wu_s(uint32_t a, Rm rm, uint8_t& flags);
uint32_t cvt_s_w(uint32_t a, Rm rm, uint8_t& flags);   // a is an int32 bit pattern
uint32_t cvt_s_wu(uint32_t a, Rm rm, uint8_t& flags);

uint32_t classify(uint32_t a);  // fclass.s: one-hot 10-bit mask

}  // namespace wvp::fpu
