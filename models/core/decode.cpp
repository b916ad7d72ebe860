#include "models/core/decode.h"

#include "models/core/compressed.h"

namespace wvp {

namespace {

constexpr uint8_t kSink = 32;  // x0 writes land here
constexpr int32_t kParcel = kParcelBytes;  // signed: jump offsets are

Op make(OpKind kind, uint32_t w, int32_t imm) {
  const uint8_t rd = (w >> 7) & 31;
  return Op{nullptr, static_cast<uint8_t>(kind), rd == 0 ? kSink : rd, static_cast<uint8_t>((w >> 15) & 31),
            static_cast<uint8_t>((w >> 20) & 31), imm};
}

// FP destinations are f registers: f0 is an ordinary register, no sink.
Op make_fp(OpKind kind, uint32_t w, int32_t imm) {
  Op op = make(kind, w, imm);
  op.rd = (w >> 7) & 31;
  return op;
}

Op raw(OpKind kind, uint32_t w) { return Op{nullptr, kind, 0, 0, 0, static_cast<int32_t>(w)}; }
Op illegal(uint32_t w) { return raw(kIllegal, w); }

// Valid static rounding modes are 0-4 and 7 (dynamic); 5 and 6 are reserved.
bool rm_valid(uint32_t rm) { return rm <= 4 || rm == 7; }

// A direct target the cache can reach: aligned for the instruction set and inside it.
bool near(uint32_t target, const CodeWindow& code) {
  return !(target & ialign_mask(code.compressed)) && target - code.base < code.size;
}

Op decode_branch(uint32_t w, uint32_t pc, const CodeWindow& code) {
  static constexpr OpKind kinds[8] = {kBeq, kBne, kIllegal, kIllegal, kBlt, kBge, kBltu, kBgeu};
  const uint32_t f3 = (w >> 12) & 7;
  if (kinds[f3] == kIllegal) return illegal(w);
  if (!near(pc + imm_b(w), code)) return raw(kBranchFar, w);
  return make(kinds[f3], w, imm_b(w) / kParcel);
}

Op decode_op_imm(uint32_t w) {
  const uint32_t f3 = (w >> 12) & 7, f7 = w >> 25;
  switch (f3) {
    case 0: return make(kAddi, w, imm_i(w));
    case 2: return make(kSlti, w, imm_i(w));
    case 3: return make(kSltiu, w, imm_i(w));
    case 4: return make(kXori, w, imm_i(w));
    case 6: return make(kOri, w, imm_i(w));
    case 7: return make(kAndi, w, imm_i(w));
    case 1: return f7 == 0 ? make(kSlli, w, (w >> 20) & 31) : illegal(w);
    default:  // 5
      if (f7 == 0) return make(kSrli, w, (w >> 20) & 31);
      if (f7 == 0x20) return make(kSrai, w, (w >> 20) & 31);
      return illegal(w);
  }
}

Op decode_op(uint32_t w) {
  static constexpr OpKind base_ops[8] = {kAdd, kSll, kSlt, kSltu, kXor, kSrl, kOr, kAnd};
  static constexpr OpKind m_ops[8] = {kMul, kMulh, kMulhsu, kMulhu, kDiv, kDivu, kRem, kRemu};
  const uint32_t f3 = (w >> 12) & 7, f7 = w >> 25;
  if (f7 == 0) return make(base_ops[f3], w, 0);
  if (f7 == 1) return make(m_ops[f3], w, 0);
  if (f7 == 0x20 && f3 == 0) return make(kSub, w, 0);
  if (f7 == 0x20 && f3 == 5) return make(kSra, w, 0);
  return illegal(w);
}

Op decode_op_fp(uint32_t w) {
  const uint32_t f3 = (w >> 12) & 7, f7 = w >> 25, rs2 = (w >> 20) & 31;
  const int32_t rm = static_cast<int32_t>(f3);
  auto rounded = [&](OpKind kind, bool fp_dest) -> Op {
    if (!rm_valid(f3)) return illegal(w);
    return fp_dest ? make_fp(kind, w, rm) : make(kind, w, rm);
  };
  switch (f7) {
    case 0x00: return rounded(kFadd, true);
    case 0x04: return rounded(kFsub, true);
    case 0x08: return rounded(kFmul, true);
    case 0x0C: return rounded(kFdiv, true);
    case 0x2C: return rs2 == 0 ? rounded(kFsqrt, true) : illegal(w);
    case 0x10:
      if (f3 > 2) return illegal(w);
      return make_fp(f3 == 0 ? kFsgnj : f3 == 1 ? kFsgnjn : kFsgnjx, w, 0);
    case 0x14:
      if (f3 > 1) return illegal(w);
      return make_fp(f3 == 0 ? kFmin : kFmax, w, 0);
    case 0x60:
      if (rs2 > 1) return illegal(w);
      return rounded(rs2 == 0 ? kFcvtWS : kFcvtWuS, false);
    case 0x68:
      if (rs2 > 1) return illegal(w);
      return rounded(rs2 == 0 ? kFcvtSW : kFcvtSWu, true);
    case 0x70:
      if (rs2 != 0 || f3 > 1) return illegal(w);
      return make(f3 == 0 ? kFmvXW : kFclass, w, 0);
    case 0x50:
      if (f3 > 2) return illegal(w);
      return make(f3 == 2 ? kFeq : f3 == 1 ? kFlt : kFle, w, 0);
    case 0x78:
      if (rs2 != 0 || f3 != 0) return illegal(w);
      return make_fp(kFmvWX, w, 0);
    default: return illegal(w);
  }
}

Op decode_fma(OpKind kind, uint32_t w) {
  const uint32_t rm = (w >> 12) & 7, fmt = (w >> 25) & 3;
  if (fmt != 0 || !rm_valid(rm)) return illegal(w);
  return make_fp(kind, w, static_cast<int32_t>(rm | ((w >> 27) << 8)));
}

Op decode_word(uint32_t w, uint32_t pc, const CodeWindow& code) {
  const uint32_t f3 = (w >> 12) & 7;
  switch (w & 0x7f) {
    case 0x37: return make(kLui, w, static_cast<int32_t>(w & 0xfffff000));
    case 0x17: return make(kAuipc, w, static_cast<int32_t>(pc + (w & 0xfffff000)));
    case 0x6F: return near(pc + imm_j(w), code) ? make(kJal, w, imm_j(w) / kParcel) : raw(kJumpFar, w);
    case 0x67: return f3 == 0 ? make(kJalr, w, imm_i(w)) : illegal(w);
    case 0x63: return decode_branch(w, pc, code);
    case 0x03: {
      static constexpr OpKind kinds[8] = {kLb, kLh, kLw, kIllegal, kLbu, kLhu, kIllegal, kIllegal};
      return kinds[f3] == kIllegal ? illegal(w) : make(kinds[f3], w, imm_i(w));
    }
    case 0x23: {
      if (f3 > 2) return illegal(w);
      static constexpr OpKind kinds[3] = {kSb, kSh, kSw};
      return make(kinds[f3], w, imm_s(w));
    }
    case 0x13: return decode_op_imm(w);
    case 0x33: return decode_op(w);
    case 0x0F:
      if (f3 == 0) return make(kFence, w, 0);
      if (f3 == 1) return raw(kSystem, w);  // fence.i
      return illegal(w);
    case 0x73: return f3 == 4 ? illegal(w) : raw(kSystem, w);
    case 0x07: return f3 == 2 ? make_fp(kFlw, w, imm_i(w)) : illegal(w);
    case 0x27: return f3 == 2 ? make(kFsw, w, imm_s(w)) : illegal(w);
    case 0x43: return decode_fma(kFmadd, w);
    case 0x47: return decode_fma(kFmsub, w);
    case 0x4B: return decode_fma(kFnmsub, w);
    case 0x4F: return decode_fma(kFnmadd, w);
    case 0x53: return decode_op_fp(w);
    default: return illegal(w);
  }
}

}  // namespace

Op decode(uint32_t insn, uint32_t pc, const CodeWindow& code) {
  if (!code.compressed || !is_compressed(insn)) return decode_word(insn, pc, code);
  const uint32_t parcel = insn & 0xffff;
  const uint32_t word = expand_compressed(parcel);
  if (!word) return illegal(parcel);
  Op op = decode_word(word, pc, code);
  op.kind = compressed_kind(static_cast<OpKind>(op.kind));
  return op;
}

}  // namespace wvp
