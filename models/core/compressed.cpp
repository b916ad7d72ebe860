#include "models/core/compressed.h"

#include "models/core/encode.h"

namespace wvp {

namespace {

using namespace encode;

constexpr uint32_t kLoad = 0x03, kStore = 0x23, kLoadFp = 0x07, kStoreFp = 0x27, kOpImm = 0x13, kOp = 0x33,
                   kLui = 0x37, kJalr = 0x67;
constexpr uint32_t kSp = 2, kRa = 1;

// Bits [hi:lo] of the parcel, moved to start at bit `to`.
constexpr uint32_t field(uint32_t p, uint32_t hi, uint32_t lo, uint32_t to = 0) {
  return ((p >> lo) & ((1u << (hi - lo + 1)) - 1)) << to;
}
constexpr int32_t sign_extend(uint32_t v, uint32_t bits) {
  return static_cast<int32_t>(v << (32 - bits)) >> (32 - bits);
}
// The registers x8-x15 that the 3-bit fields (rd', rs1', rs2') name.
constexpr uint32_t reg3(uint32_t p, uint32_t lo) { return 8 + field(p, lo + 2, lo); }

// Immediates, each as its instruction scatters it.
int32_t imm6(uint32_t p) { return sign_extend(field(p, 12, 12, 5) | field(p, 6, 2), 6); }  // c.addi, c.li, c.andi
uint32_t shamt(uint32_t p) { return field(p, 12, 12, 5) | field(p, 6, 2); }
uint32_t uimm_word(uint32_t p) { return field(p, 12, 10, 3) | field(p, 6, 6, 2) | field(p, 5, 5, 6); }  // c.lw/c.sw
int32_t imm_jump(uint32_t p) {  // c.j, c.jal
  return sign_extend(field(p, 12, 12, 11) | field(p, 11, 11, 4) | field(p, 10, 9, 8) | field(p, 8, 8, 10) |
                         field(p, 7, 7, 6) | field(p, 6, 6, 7) | field(p, 5, 3, 1) | field(p, 2, 2, 5),
                     12);
}
int32_t imm_branch(uint32_t p) {  // c.beqz, c.bnez
  return sign_extend(field(p, 12, 12, 8) | field(p, 11, 10, 3) | field(p, 6, 5, 6) | field(p, 4, 3, 1) | field(p, 2, 2, 5),
                     9);
}

uint32_t quadrant0(uint32_t p) {
  const uint32_t rd = reg3(p, 2), rs1 = reg3(p, 7);
  switch (field(p, 15, 13)) {
    case 0: {  // c.addi4spn
      const uint32_t nzuimm = field(p, 12, 11, 4) | field(p, 10, 7, 6) | field(p, 6, 6, 2) | field(p, 5, 5, 3);
      return nzuimm ? i_type(static_cast<int32_t>(nzuimm), kSp, 0, rd, kOpImm) : 0;
    }
    case 2: return i_type(static_cast<int32_t>(uimm_word(p)), rs1, 2, rd, kLoad);       // c.lw
    case 3: return i_type(static_cast<int32_t>(uimm_word(p)), rs1, 2, rd, kLoadFp);     // c.flw
    case 6: return s_type(static_cast<int32_t>(uimm_word(p)), rd, rs1, 2, kStore);      // c.sw (rs2' in bits 4:2)
    case 7: return s_type(static_cast<int32_t>(uimm_word(p)), rd, rs1, 2, kStoreFp);    // c.fsw
    default: return 0;  // c.fld, c.fsd; 4 is reserved
  }
}

uint32_t quadrant1(uint32_t p) {
  const uint32_t rd = field(p, 11, 7);
  switch (field(p, 15, 13)) {
    case 0: return i_type(imm6(p), rd, 0, rd, kOpImm);  // c.addi (c.nop)
    case 1: return j_type(imm_jump(p), kRa);            // c.jal (RV32)
    case 2: return i_type(imm6(p), 0, 0, rd, kOpImm);   // c.li
    case 3: {
      if (rd == kSp) {  // c.addi16sp
        const int32_t nzimm = sign_extend(field(p, 12, 12, 9) | field(p, 6, 6, 4) | field(p, 5, 5, 6) |
                                              field(p, 4, 3, 7) | field(p, 2, 2, 5),
                                          10);
        return nzimm ? i_type(nzimm, kSp, 0, kSp, kOpImm) : 0;
      }
      const int32_t nzimm = imm6(p);  // c.lui: bits 17:12 of the upper immediate
      return nzimm ? u_type(nzimm * 4096, rd, kLui) : 0;
    }
    case 4: {
      const uint32_t r = reg3(p, 7), rs2 = reg3(p, 2);
      switch (field(p, 11, 10)) {
        case 0: return field(p, 12, 12) ? 0 : i_type(static_cast<int32_t>(shamt(p)), r, 5, r, kOpImm);          // c.srli
        case 1: return field(p, 12, 12) ? 0 : i_type(static_cast<int32_t>(shamt(p) | 0x400), r, 5, r, kOpImm);  // c.srai
        case 2: return i_type(imm6(p), r, 7, r, kOpImm);                                                       // c.andi
        default: {
          if (field(p, 12, 12)) return 0;  // c.subw, c.addw: RV64
          static constexpr uint32_t f3[4] = {0, 4, 6, 7}, f7[4] = {0x20, 0, 0, 0};  // c.sub, c.xor, c.or, c.and
          const uint32_t k = field(p, 6, 5);
          return r_type(f7[k], rs2, r, f3[k], r, kOp);
        }
      }
    }
    case 5: return j_type(imm_jump(p), 0);                          // c.j
    case 6: return b_type(imm_branch(p), 0, reg3(p, 7), 0);         // c.beqz
    default: return b_type(imm_branch(p), 0, reg3(p, 7), 1);        // c.bnez
  }
}

uint32_t quadrant2(uint32_t p) {
  const uint32_t rd = field(p, 11, 7), rs2 = field(p, 6, 2);
  const int32_t lwsp = static_cast<int32_t>(field(p, 12, 12, 5) | field(p, 6, 4, 2) | field(p, 3, 2, 6));
  const int32_t swsp = static_cast<int32_t>(field(p, 12, 9, 2) | field(p, 8, 7, 6));
  switch (field(p, 15, 13)) {
    case 0: return field(p, 12, 12) ? 0 : i_type(static_cast<int32_t>(shamt(p)), rd, 1, rd, kOpImm);  // c.slli
    case 2: return rd ? i_type(lwsp, kSp, 2, rd, kLoad) : 0;                                           // c.lwsp
    case 3: return i_type(lwsp, kSp, 2, rd, kLoadFp);                                                  // c.flwsp
    case 4:
      if (!field(p, 12, 12)) {
        if (rs2) return r_type(0, rs2, 0, 0, rd, kOp);          // c.mv
        return rd ? i_type(0, rd, 0, 0, kJalr) : 0;             // c.jr
      }
      if (rs2) return r_type(0, rs2, rd, 0, rd, kOp);           // c.add
      return rd ? i_type(0, rd, 0, kRa, kJalr) : 0x00100073;    // c.jalr; c.ebreak
    case 6: return s_type(swsp, rs2, kSp, 2, kStore);           // c.swsp
    case 7: return s_type(swsp, rs2, kSp, 2, kStoreFp);         // c.fswsp
    default: return 0;  // c.fldsp, c.fsdsp
  }
}

}  // namespace

uint32_t expand_compressed(uint32_t parcel) {
  const uint32_t p = parcel & 0xffff;
  switch (p & 3) {
    case 0: return quadrant0(p);
    case 1: return quadrant1(p);
    case 2: return quadrant2(p);
    default: return 0;
  }
}

}  // namespace wvp
