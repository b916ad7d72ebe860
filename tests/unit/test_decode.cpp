// The RV32IMF decoder: Op kinds, register mapping (rd 0 -> sink 32 for integer destinations),
// immediates, near/far jumps and branches, and the encodings that must be illegal. Plus the
// decode cache's layout.
#include <gtest/gtest.h>

#include <cstdint>
#include <stdexcept>

#include "models/core/code_cache.h"
#include "models/core/decode.h"
#include "support/rv32_asm.h"

namespace wvp::test {
namespace {

using namespace rv;

constexpr uint64_t kExecBase = 0x8000'0000;
constexpr uint32_t kExecSize = 0x2000;
constexpr uint32_t kPc = 0x8000'1000;  // middle of the executable window
constexpr uint8_t kSink = 32;

// Decodes as a core without the C extension (RV32IMF) does, or with it.
Op d(uint32_t w, uint32_t pc = kPc) { return decode(w, pc, CodeWindow{kExecBase, kExecSize, false}); }
Op dc(uint32_t w, uint32_t pc = kPc) { return decode(w, pc, CodeWindow{kExecBase, kExecSize, true}); }

// Encoders not in rv32_asm.h.
constexpr uint32_t b_f3(uint32_t f3, uint32_t rs1, uint32_t rs2, int32_t off) { return b_type(off, rs2, rs1, f3); }
constexpr uint32_t op_imm(uint32_t f3, uint32_t rd, uint32_t rs1, int32_t imm) { return i_type(imm, rs1, f3, rd, 0x13); }
constexpr uint32_t op(uint32_t f7, uint32_t f3, uint32_t rd, uint32_t rs1, uint32_t rs2) { return r_type(f7, rs2, rs1, f3, rd, 0x33); }
constexpr uint32_t load(uint32_t f3, uint32_t rd, uint32_t rs1, int32_t imm) { return i_type(imm, rs1, f3, rd, 0x03); }
constexpr uint32_t store(uint32_t f3, uint32_t rs2, uint32_t rs1, int32_t imm) { return s_type(imm, rs2, rs1, f3, 0x23); }
constexpr uint32_t op_fp(uint32_t f7, uint32_t rm, uint32_t rd, uint32_t rs1, uint32_t rs2) { return r_type(f7, rs2, rs1, rm, rd, 0x53); }
constexpr uint32_t fma(uint32_t opcode, uint32_t fmt, uint32_t rm, uint32_t rd, uint32_t rs1, uint32_t rs2, uint32_t rs3) {
  return (rs3 << 27) | (fmt << 25) | (rs2 << 20) | (rs1 << 15) | (rm << 12) | (rd << 7) | opcode;
}

void expect_op(const Op& o, OpKind kind, uint8_t rd, uint8_t rs1, uint8_t rs2, int32_t imm) {
  EXPECT_EQ(int{o.kind}, int{kind});
  EXPECT_EQ(int{o.rd}, int{rd});
  EXPECT_EQ(int{o.rs1}, int{rs1});
  EXPECT_EQ(int{o.rs2}, int{rs2});
  EXPECT_EQ(o.imm, imm);
}

void expect_illegal(uint32_t w) {
  const Op o = d(w);
  EXPECT_EQ(int{o.kind}, int{kIllegal}) << std::hex << "0x" << w;
  EXPECT_EQ(o.imm, static_cast<int32_t>(w)) << "illegal ops carry the raw word";
}

TEST(Decode, EncodersMatchTheIsaManualsWords) {
  EXPECT_EQ(addi(0, 0, 0), 0x00000013u);        // nop
  EXPECT_EQ(addi(1, 0, -1), 0xfff00093u);       // li ra, -1
  EXPECT_EQ(add(10, 11, 10), 0x00a58533u);      // add a0, a1, a0
  EXPECT_EQ(lw(10, 2, 8), 0x00812503u);         // lw a0, 8(sp)
  EXPECT_EQ(sw(10, 2, 8), 0x00a12423u);         // sw a0, 8(sp)
  EXPECT_EQ(jal(1, 8), 0x008000efu);            // jal ra, +8
  EXPECT_EQ(bne(10, 0, -4), 0xfe051ee3u);       // bnez a0, -4
  EXPECT_EQ(lui(10, 0x12345), 0x12345537u);     // lui a0, 0x12345
}

TEST(Decode, AddiMapsRegistersAndSignExtends) {
  expect_op(d(addi(5, 6, -1)), kAddi, 5, 6, 31, -1);  // rs2 field holds imm bits, harmless
  expect_op(d(0x00000013), kAddi, kSink, 0, 0, 0);    // nop writes the sink
  EXPECT_EQ(d(addi(1, 2, 2047)).imm, 2047);
  EXPECT_EQ(d(addi(1, 2, -2048)).imm, -2048);
  EXPECT_EQ(int{d(addi(31, 31, 0)).rd}, 31);
}

TEST(Decode, OpImmKindsAndShifts) {
  expect_op(d(op_imm(2, 3, 4, -5)), kSlti, 3, 4, 0x1b, -5);
  EXPECT_EQ(int{d(op_imm(3, 3, 4, -1)).kind}, int{kSltiu});
  EXPECT_EQ(d(op_imm(3, 3, 4, -1)).imm, -1);  // sltiu sign-extends too
  EXPECT_EQ(int{d(op_imm(4, 3, 4, 0x7ff)).kind}, int{kXori});
  EXPECT_EQ(int{d(op_imm(6, 3, 4, 0x7ff)).kind}, int{kOri});
  EXPECT_EQ(int{d(op_imm(7, 3, 4, -256)).kind}, int{kAndi});
  EXPECT_EQ(d(op_imm(7, 3, 4, -256)).imm, -256);

  const Op slli = d(op_imm(1, 7, 8, 31));
  expect_op(slli, kSlli, 7, 8, 31, 31);
  const Op srli = d(op_imm(5, 7, 8, 13));
  EXPECT_EQ(int{srli.kind}, int{kSrli});
  EXPECT_EQ(srli.imm, 13);
  const Op srai = d(op_imm(5, 7, 8, 0x400 | 13));
  EXPECT_EQ(int{srai.kind}, int{kSrai});
  EXPECT_EQ(srai.imm, 13);  // the shift amount, not the funct7 bits
  EXPECT_EQ(int{d(op_imm(1, 0, 8, 1)).rd}, kSink);

  expect_illegal(op_imm(1, 7, 8, 0x020 | 1));  // slli with shamt[5] (bit 25): reserved in RV32
  expect_illegal(op_imm(5, 7, 8, 0x020 | 1));  // srli with shamt[5]
  expect_illegal(op_imm(5, 7, 8, 0x420 | 1));  // srai with shamt[5]
  expect_illegal(op_imm(1, 7, 8, 0x400 | 1));  // "slai" does not exist
  expect_illegal(op_imm(5, 7, 8, 0x200 | 1));  // funct7 0x10
}

TEST(Decode, RegisterRegisterAndMExtension) {
  const OpKind base[8] = {kAdd, kSll, kSlt, kSltu, kXor, kSrl, kOr, kAnd};
  const OpKind m[8] = {kMul, kMulh, kMulhsu, kMulhu, kDiv, kDivu, kRem, kRemu};
  for (uint32_t f3 = 0; f3 < 8; ++f3) {
    expect_op(d(op(0, f3, 3, 4, 5)), base[f3], 3, 4, 5, 0);
    expect_op(d(op(1, f3, 3, 4, 5)), m[f3], 3, 4, 5, 0);
    EXPECT_EQ(int{d(op(1, f3, 0, 4, 5)).rd}, kSink);
  }
  expect_op(d(0x40b50533), kSub, 10, 10, 11, 0);  // sub a0, a0, a1
  expect_op(d(0x02b50533), kMul, 10, 10, 11, 0);  // mul a0, a0, a1
  expect_op(d(op(0x20, 5, 3, 4, 5)), kSra, 3, 4, 5, 0);
  for (uint32_t f3 : {1u, 2u, 3u, 4u, 6u, 7u}) expect_illegal(op(0x20, f3, 3, 4, 5));
  for (uint32_t f3 = 0; f3 < 8; ++f3) {
    expect_illegal(op(0x40, f3, 3, 4, 5));
    expect_illegal(op(0x02, f3, 3, 4, 5));
    expect_illegal(op(0x21, f3, 3, 4, 5));
  }
}

TEST(Decode, LuiAndAuipc) {
  expect_op(d(lui(7, 0xfffff)), kLui, 7, 0x1f, 0x1f, static_cast<int32_t>(0xfffff000));
  EXPECT_EQ(d(lui(7, 0x12345)).imm, 0x12345000);
  EXPECT_EQ(int{d(lui(0, 1)).rd}, kSink);
  // auipc a0, 0x12345 at kPc: the result is folded in at decode time.
  const uint32_t auipc = (0x12345u << 12) | (10u << 7) | 0x17;
  const Op o = d(auipc);
  EXPECT_EQ(int{o.kind}, int{kAuipc});
  EXPECT_EQ(int{o.rd}, 10);
  EXPECT_EQ(static_cast<uint32_t>(o.imm), kPc + 0x12345000u);
  EXPECT_EQ(static_cast<uint32_t>(d((0xfffffu << 12) | (10u << 7) | 0x17).imm), kPc - 0x1000u);
}

TEST(Decode, LoadsAndStores) {
  const OpKind loads[8] = {kLb, kLh, kLw, kIllegal, kLbu, kLhu, kIllegal, kIllegal};
  for (uint32_t f3 = 0; f3 < 8; ++f3) {
    if (loads[f3] == kIllegal) {
      expect_illegal(load(f3, 10, 2, 8));  // ld (3), lwu (6), and 7 are RV64/reserved
      continue;
    }
    const Op o = d(load(f3, 10, 2, -4));
    EXPECT_EQ(int{o.kind}, int{loads[f3]});
    EXPECT_EQ(int{o.rd}, 10);
    EXPECT_EQ(int{o.rs1}, 2);
    EXPECT_EQ(o.imm, -4);
  }
  EXPECT_EQ(int{d(lw(0, 2, 0)).rd}, kSink);
  EXPECT_EQ(d(lw(1, 2, -2048)).imm, -2048);
  EXPECT_EQ(d(lw(1, 2, 2047)).imm, 2047);

  const OpKind stores[3] = {kSb, kSh, kSw};
  for (uint32_t f3 = 0; f3 < 3; ++f3) {
    const Op o = d(store(f3, 7, 2, -2048));
    EXPECT_EQ(int{o.kind}, int{stores[f3]});
    EXPECT_EQ(int{o.rs1}, 2);
    EXPECT_EQ(int{o.rs2}, 7);
    EXPECT_EQ(o.imm, -2048);
  }
  EXPECT_EQ(d(sw(7, 2, 2047)).imm, 2047);
  EXPECT_EQ(d(sw(7, 2, -1)).imm, -1);
  EXPECT_EQ(d(sw(7, 2, 0x20)).imm, 0x20);  // imm[5] lives in the upper field
  EXPECT_EQ(d(sw(7, 2, 0x1f)).imm, 0x1f);  // imm[4:0] in the lower field
  EXPECT_EQ(d(0x00a12423).imm, 8);         // sw a0, 8(sp) from the manual's encoding
  for (uint32_t f3 = 3; f3 < 8; ++f3) expect_illegal(store(f3, 7, 2, 0));  // sd and reserved
}

TEST(Decode, BranchesInsideTheWindowBecomeOpDeltas) {
  const OpKind kinds[8] = {kBeq, kBne, kIllegal, kIllegal, kBlt, kBge, kBltu, kBgeu};
  for (uint32_t f3 = 0; f3 < 8; ++f3) {
    if (kinds[f3] == kIllegal) {
      expect_illegal(b_f3(f3, 1, 2, 8));
      continue;
    }
    const Op o = d(b_f3(f3, 1, 2, 8));
    EXPECT_EQ(int{o.kind}, int{kinds[f3]});
    EXPECT_EQ(int{o.rs1}, 1);
    EXPECT_EQ(int{o.rs2}, 2);
    EXPECT_EQ(o.imm, 4);  // 8 bytes = 4 parcels
  }
  EXPECT_EQ(d(bne(1, 2, -8)).imm, -4);
  EXPECT_EQ(d(bne(1, 2, 4092)).imm, 2046);    // largest forward offset, target kPc + 0xffc
  EXPECT_EQ(d(bne(1, 2, -4096)).imm, -2048);  // largest backward offset, target kExecBase
  EXPECT_EQ(d(bne(1, 2, 0x800)).imm, 0x400);  // imm[11] (bit 7 of the word)
  EXPECT_EQ(d(bne(1, 2, 0)).imm, 0);          // a branch to itself
  EXPECT_EQ(d(0xfe051ee3, kPc).imm, -2);      // bnez a0, -4
}

TEST(Decode, BranchesOutsideTheWindowOrMisalignedAreFar) {
  // Misaligned targets (no C extension: must trap when taken, so resolved at execution).
  for (int32_t off : {2, 6, -2, 4094}) {
    const uint32_t w = bne(1, 2, off);
    expect_op(d(w), kBranchFar, 0, 0, 0, static_cast<int32_t>(w));
  }
  // Just below the window, and at/after its end.
  const uint32_t below = bne(1, 2, -4);
  expect_op(d(below, static_cast<uint32_t>(kExecBase)), kBranchFar, 0, 0, 0, static_cast<int32_t>(below));
  const uint32_t at_end = bne(1, 2, 4);
  EXPECT_EQ(int{d(at_end, static_cast<uint32_t>(kExecBase) + kExecSize - 4).kind}, int{kBranchFar});
  EXPECT_EQ(int{d(at_end, static_cast<uint32_t>(kExecBase) + kExecSize - 8).kind}, int{kBne});  // last word: near
  // A window elsewhere: the same branch at the same pc is far.
  EXPECT_EQ(int{decode(bne(1, 2, 8), kPc, CodeWindow{0x1000'0000, 0x1000, false}).kind}, int{kBranchFar});
  // With the C extension, targets at 2-byte boundaries are near.
  for (int32_t off : {2, 6, -2, 4094}) EXPECT_EQ(dc(bne(1, 2, off)).imm, off / 2) << off;
}

TEST(Decode, JalInsideTheWindowBecomesAnOpDelta) {
  const Op fwd = d(jal(1, 0x7fc));
  EXPECT_EQ(int{fwd.kind}, int{kJal});
  EXPECT_EQ(int{fwd.rd}, 1);
  EXPECT_EQ(fwd.imm, 0x3fe);
  const Op back = d(jal(0, -4));
  EXPECT_EQ(int{back.kind}, int{kJal});
  EXPECT_EQ(int{back.rd}, kSink);
  EXPECT_EQ(back.imm, -2);
  EXPECT_EQ(d(0x008000ef).imm, 4);  // jal ra, +8
  EXPECT_EQ(d(jal(1, 0x800)).imm, 0x400);  // imm[11] (bit 20 of the word)
  EXPECT_EQ(d(jal(1, 0)).imm, 0);
  // Full 21-bit range in a 2 MiB window: imm[20] sign and imm[19:12].
  constexpr uint64_t base = 0x8000'0000;
  constexpr uint32_t size = 0x20'0000, pc = 0x8010'0000;
  const CodeWindow window{base, size, false};
  EXPECT_EQ(decode(jal(1, -0x10'0000), pc, window).imm, -0x8'0000);
  EXPECT_EQ(decode(jal(1, 0xf'fffc), pc, window).imm, 0x7'fffe);
  EXPECT_EQ(decode(jal(1, 0x1000), pc, window).imm, 0x800);
}

TEST(Decode, JalOutsideTheWindowOrMisalignedIsFar) {
  for (int32_t off : {2, 6, -2, 0x7fe}) {
    const uint32_t w = jal(1, off);
    expect_op(d(w), kJumpFar, 0, 0, 0, static_cast<int32_t>(w));
  }
  const uint32_t far = jal(0, 0x7ff00);
  expect_op(d(far), kJumpFar, 0, 0, 0, static_cast<int32_t>(far));
  EXPECT_EQ(int{d(jal(0, -0x1004)).kind}, int{kJumpFar});  // kPc - 0x1004 is below the window
  EXPECT_EQ(int{d(jal(0, -0x1000)).kind}, int{kJal});      // kExecBase itself is inside
  EXPECT_EQ(int{d(jal(0, 0x1000)).kind}, int{kJumpFar});   // the end is outside
  EXPECT_EQ(int{d(jal(0, 0xffc)).kind}, int{kJal});
}

TEST(Decode, Jalr) {
  expect_op(d(i_type(-16, 1, 0, 5, 0x67)), kJalr, 5, 1, 0x10, -16);
  EXPECT_EQ(int{d(i_type(0, 1, 0, 0, 0x67)).rd}, kSink);  // ret
  EXPECT_EQ(d(i_type(2047, 1, 0, 5, 0x67)).imm, 2047);
  for (uint32_t f3 = 1; f3 < 8; ++f3) expect_illegal(i_type(0, 1, f3, 5, 0x67));
}

TEST(Decode, FenceAndSystem) {
  EXPECT_EQ(int{d(0x0ff0000f).kind}, int{kFence});  // fence iorw, iorw
  EXPECT_EQ(int{d(0x8330000f).kind}, int{kFence});  // fence.tso
  const Op fence_i = d(0x0000100f);
  expect_op(fence_i, kSystem, 0, 0, 0, 0x0000100f);
  for (uint32_t f3 = 2; f3 < 8; ++f3) expect_illegal(i_type(0, 0, f3, 0, 0x0f));

  for (uint32_t w : {kEcall, kEbreak, kMret, kWfi, csrrw(5, 0x305, 6), csrrs(5, 0xb00, 0), csrrsi(0, 0x300, 8),
                     i_type(0x300, 6, 3, 5, 0x73) /* csrrc */, i_type(0x300, 8, 5, 5, 0x73) /* csrrwi */,
                     i_type(0x300, 8, 7, 5, 0x73) /* csrrci */}) {
    expect_op(d(w), kSystem, 0, 0, 0, static_cast<int32_t>(w));  // decoded again at execution
  }
  expect_illegal(i_type(0x300, 6, 4, 5, 0x73));
}

TEST(Decode, FloatLoadsAndStoresKeepF0) {
  expect_op(d(i_type(8, 2, 2, 0, 0x07)), kFlw, 0, 2, 8, 8);  // flw f0, 8(sp): f0 is not the sink
  EXPECT_EQ(d(i_type(-8, 2, 2, 3, 0x07)).imm, -8);
  const Op fsw = d(s_type(-4, 3, 2, 2, 0x27));
  EXPECT_EQ(int{fsw.kind}, int{kFsw});
  EXPECT_EQ(int{fsw.rs1}, 2);
  EXPECT_EQ(int{fsw.rs2}, 3);
  EXPECT_EQ(fsw.imm, -4);
  for (uint32_t f3 : {0u, 1u, 3u, 4u, 7u}) {
    expect_illegal(i_type(8, 2, f3, 1, 0x07));  // fld (3), flq (4), vector...
    expect_illegal(s_type(8, 1, 2, f3, 0x27));
  }
}

TEST(Decode, FpArithmeticWithRoundingModes) {
  const struct { uint32_t f7; OpKind kind; } ops[] = {{0x00, kFadd}, {0x04, kFsub}, {0x08, kFmul}, {0x0c, kFdiv}};
  for (const auto& [f7, kind] : ops) {
    for (uint32_t rm : {0u, 1u, 2u, 3u, 4u, 7u}) expect_op(d(op_fp(f7, rm, 0, 1, 2)), kind, 0, 1, 2, static_cast<int32_t>(rm));
    expect_illegal(op_fp(f7, 5, 0, 1, 2));
    expect_illegal(op_fp(f7, 6, 0, 1, 2));
    expect_illegal(op_fp(f7 | 1, 7, 0, 1, 2));  // the .d form
  }
  expect_op(d(op_fp(0x2c, 7, 3, 1, 0)), kFsqrt, 3, 1, 0, 7);
  expect_illegal(op_fp(0x2c, 7, 3, 1, 1));  // fsqrt with rs2 != 0
  expect_illegal(op_fp(0x2c, 5, 3, 1, 0));
}

TEST(Decode, FpSignInjectionMinMaxCompare) {
  expect_op(d(op_fp(0x10, 0, 0, 1, 2)), kFsgnj, 0, 1, 2, 0);
  EXPECT_EQ(int{d(op_fp(0x10, 1, 0, 1, 2)).kind}, int{kFsgnjn});
  EXPECT_EQ(int{d(op_fp(0x10, 2, 0, 1, 2)).kind}, int{kFsgnjx});
  for (uint32_t f3 = 3; f3 < 8; ++f3) expect_illegal(op_fp(0x10, f3, 0, 1, 2));
  expect_op(d(op_fp(0x14, 0, 4, 1, 2)), kFmin, 4, 1, 2, 0);
  EXPECT_EQ(int{d(op_fp(0x14, 1, 4, 1, 2)).kind}, int{kFmax});
  for (uint32_t f3 = 2; f3 < 8; ++f3) expect_illegal(op_fp(0x14, f3, 0, 1, 2));
  // Compares write an integer register: x0 is the sink.
  expect_op(d(op_fp(0x50, 2, 0, 1, 2)), kFeq, kSink, 1, 2, 0);
  expect_op(d(op_fp(0x50, 1, 5, 1, 2)), kFlt, 5, 1, 2, 0);
  expect_op(d(op_fp(0x50, 0, 5, 1, 2)), kFle, 5, 1, 2, 0);
  for (uint32_t f3 = 3; f3 < 8; ++f3) expect_illegal(op_fp(0x50, f3, 5, 1, 2));
}

TEST(Decode, FpConversionsAndMoves) {
  // To integer: x0 is the sink; rm is kept.
  expect_op(d(op_fp(0x60, 1, 0, 1, 0)), kFcvtWS, kSink, 1, 0, 1);
  expect_op(d(op_fp(0x60, 7, 5, 1, 1)), kFcvtWuS, 5, 1, 1, 7);
  expect_illegal(op_fp(0x60, 1, 5, 1, 2));  // fcvt.l.s is RV64
  expect_illegal(op_fp(0x60, 1, 5, 1, 3));
  expect_illegal(op_fp(0x60, 5, 5, 1, 0));
  // From integer: an f register, f0 stays f0.
  expect_op(d(op_fp(0x68, 2, 0, 10, 0)), kFcvtSW, 0, 10, 0, 2);
  expect_op(d(op_fp(0x68, 0, 7, 10, 1)), kFcvtSWu, 7, 10, 1, 0);
  expect_illegal(op_fp(0x68, 0, 7, 10, 2));
  expect_illegal(op_fp(0x68, 6, 7, 10, 0));
  // fmv.x.w / fclass write x registers, fmv.w.x an f register.
  expect_op(d(op_fp(0x70, 0, 0, 1, 0)), kFmvXW, kSink, 1, 0, 0);
  expect_op(d(op_fp(0x70, 1, 9, 1, 0)), kFclass, 9, 1, 0, 0);
  expect_illegal(op_fp(0x70, 2, 9, 1, 0));
  expect_illegal(op_fp(0x70, 0, 9, 1, 1));
  expect_op(d(op_fp(0x78, 0, 0, 11, 0)), kFmvWX, 0, 11, 0, 0);
  expect_illegal(op_fp(0x78, 1, 0, 11, 0));
  expect_illegal(op_fp(0x78, 0, 0, 11, 1));
  // Unassigned funct7 values.
  for (uint32_t f7 : {0x18u, 0x20u, 0x24u, 0x7cu, 0x7fu}) expect_illegal(op_fp(f7, 0, 1, 2, 3));
}

TEST(Decode, FusedMultiplyAddPacksRmAndRs3) {
  const struct { uint32_t opcode; OpKind kind; } ops[] = {{0x43, kFmadd}, {0x47, kFmsub}, {0x4b, kFnmsub}, {0x4f, kFnmadd}};
  for (const auto& [opcode, kind] : ops) {
    expect_op(d(fma(opcode, 0, 3, 1, 2, 4, 31)), kind, 1, 2, 4, 3 | (31 << 8));
    expect_op(d(fma(opcode, 0, 7, 0, 2, 4, 5)), kind, 0, 2, 4, 7 | (5 << 8));  // f0 destination
    expect_illegal(fma(opcode, 1, 0, 1, 2, 4, 5));  // .d
    expect_illegal(fma(opcode, 2, 0, 1, 2, 4, 5));  // .h
    expect_illegal(fma(opcode, 3, 0, 1, 2, 4, 5));  // .q
    expect_illegal(fma(opcode, 0, 5, 1, 2, 4, 5));
    expect_illegal(fma(opcode, 0, 6, 1, 2, 4, 5));
  }
}

TEST(Decode, IllegalWords) {
  expect_illegal(0x00000000);  // defined illegal
  expect_illegal(0xffffffff);
  EXPECT_EQ(int{d(0).rd}, 0);
  expect_illegal(0x00000001);  // compressed c.nop: no C extension (the whole word is the raw one)
  expect_illegal(0x00004501);  // c.li a0, 0
  expect_illegal(0x0000001b);  // OP-IMM-32 (RV64)
  expect_illegal(0x0000003b);  // OP-32 (RV64)
  expect_illegal(0x0000202f);  // AMO (no A extension)
  expect_illegal(0x00000057);  // OP-V
  expect_illegal(0x0000000b);  // custom-0
}

TEST(Decode, ImmediateHelpers) {
  EXPECT_EQ(imm_i(0x80000000), -2048);
  EXPECT_EQ(imm_i(0x7ff00000), 2047);
  EXPECT_EQ(imm_s(0xfe000f80), -1);
  EXPECT_EQ(imm_s(0x80000000), -2048);
  EXPECT_EQ(imm_b(0x80000000), -4096);
  EXPECT_EQ(imm_b(0x00000080), 0x800);
  EXPECT_EQ(imm_b(0x7e000f00), 0x7fe);
  EXPECT_EQ(imm_j(0x80000000), -0x100000);
  EXPECT_EQ(imm_j(0x00100000), 0x800);
  EXPECT_EQ(imm_j(0x7feff000), 0xff7fe);
  EXPECT_EQ(imm_j(0x7ffff000), 0xffffe);
  for (int32_t v : {-4096, -2, 0, 2, 0x7fe, 0x800, 4094}) EXPECT_EQ(imm_b(b_type(v, 0, 0, 0)), v) << v;
  for (int32_t v : {-0x100000, -2, 0, 2, 0x800, 0x1000, 0xffffe}) EXPECT_EQ(imm_j(j_type(v, 0)), v) << v;
  for (int32_t v : {-2048, -1, 0, 31, 32, 2047}) EXPECT_EQ(imm_s(s_type(v, 0, 0, 0, 0x23)), v) << v;
}

// A stand-in for the interpreter's handler table: distinct addresses, one per OpKind.
struct FakeHandlers {
  char code[2 * kOpKindCount];
  const void* table[2 * kOpKindCount];
  FakeHandlers() {
    for (int k = 0; k < 2 * kOpKindCount; ++k) table[k] = &code[k];
  }
};

TEST(DecodeCache, StartsUndecodedWithAnEndSentinel) {
  CodeCache cache(0x8000'0000, 0x1000);
  EXPECT_EQ(cache.base(), 0x8000'0000u);
  EXPECT_EQ(cache.size_bytes(), 0x1000u);
  EXPECT_FALSE(cache.formatted());
  for (uint32_t i = 0; i < 0x1000 / 2; ++i) ASSERT_EQ(int{cache.ops()[i].kind}, int{kNeedDecode}) << i;
  EXPECT_EQ(int{cache.ops()[0x1000 / 2].kind}, int{kEnd});
  EXPECT_EQ(cache.watch_mask(), 0u);
}

TEST(DecodeCache, FormatBindsHandlersAndStoreInvalidateKeepThemConsistent) {
  FakeHandlers h;
  CodeCache cache(0x8000'0000, 0x1000);
  cache.format(h.table);
  ASSERT_TRUE(cache.formatted());
  for (uint32_t i = 0; i < 0x1000 / 2; ++i) {
    ASSERT_EQ(int{cache.ops()[i].kind}, int{kNeedDecode}) << i;
    ASSERT_EQ(cache.ops()[i].handler, h.table[kNeedDecode]) << i;
  }
  EXPECT_EQ(int{cache.ops()[0x1000 / 2].kind}, int{kEnd});
  EXPECT_EQ(cache.ops()[0x1000 / 2].handler, h.table[kEnd]);

  // store() adds the handler for the kind and marks the page (64-byte pages here).
  cache.store(0x0c, d(addi(1, 2, 3)));
  EXPECT_EQ(int{cache.ops()[6].kind}, int{kAddi});  // one Op per 2-byte parcel
  EXPECT_EQ(cache.ops()[6].handler, h.table[kAddi]);
  EXPECT_EQ(cache.ops()[6].imm, 3);
  EXPECT_EQ(cache.watch_mask(), 1u);
  cache.store(0xffc, d(kEcall));
  EXPECT_EQ(cache.ops()[0x7fe].handler, h.table[kSystem]);
  EXPECT_EQ(cache.watch_mask(), 1u | (1ull << 63));

  cache.invalidate_parcel(0x0c);
  EXPECT_EQ(int{cache.ops()[6].kind}, int{kNeedDecode});
  EXPECT_EQ(cache.ops()[6].handler, h.table[kNeedDecode]);
  EXPECT_EQ(cache.ops()[0x7fe].handler, h.table[kSystem]);  // others untouched

  cache.invalidate_all();
  EXPECT_EQ(int{cache.ops()[0x7fe].kind}, int{kNeedDecode});
  EXPECT_EQ(cache.ops()[0x7fe].handler, h.table[kNeedDecode]);
  EXPECT_EQ(int{cache.ops()[0x1000 / 2].kind}, int{kEnd});  // the sentinel survives
  EXPECT_EQ(cache.ops()[0x1000 / 2].handler, h.table[kEnd]);
  EXPECT_EQ(cache.watch_mask(), 0u);

  // Formatting again is a no-op, even with another table.
  FakeHandlers other;
  cache.store(0x10, d(addi(1, 2, 3)));
  cache.format(other.table);
  EXPECT_EQ(cache.ops()[8].handler, h.table[kAddi]);
  EXPECT_EQ(int{cache.ops()[8].kind}, int{kAddi});
}

// The C extension: a 2-byte instruction decodes to the Op of the instruction it expands to, of
// that kind's compressed twin (whose handler steps 2 bytes); without C, the same low bits are an
// illegal 4-byte word.
TEST(DecodeCompressed, TwoByteInstructionsTakeTheirExpansionsOpAsTwins) {
  const auto expect_twin = [](uint32_t parcel, OpKind kind, uint8_t rd, uint8_t rs1, uint8_t rs2, int32_t imm) {
    const Op o = dc(parcel);
    EXPECT_EQ(int{o.kind}, int{compressed_kind(kind)}) << std::hex << parcel;
    EXPECT_TRUE(is_compressed_kind(o.kind));
    EXPECT_EQ(int{base_kind(o.kind)}, int{kind});
    EXPECT_EQ(int{o.rd}, int{rd}) << std::hex << parcel;
    EXPECT_EQ(int{o.rs1}, int{rs1}) << std::hex << parcel;
    EXPECT_EQ(int{o.rs2}, int{rs2}) << std::hex << parcel;
    EXPECT_EQ(o.imm, imm) << std::hex << parcel;
  };
  expect_twin(0x0505, kAddi, 10, 10, 1, 1);       // c.addi a0, 1 (I-type: "rs2" holds imm[4:0])
  expect_twin(0x4515, kAddi, 10, 0, 5, 5);        // c.li a0, 5
  expect_twin(0x852e, kAdd, 10, 0, 11, 0);        // c.mv a0, a1 = add a0, x0, a1
  expect_twin(0x952e, kAdd, 10, 10, 11, 0);       // c.add a0, a1
  expect_twin(0x8082, kJalr, kSink, 1, 0, 0);     // c.jr ra (ret)
  expect_twin(0x9502, kJalr, 1, 10, 0, 0);        // c.jalr a0
  expect_twin(0x41c8, kLw, 10, 11, 4, 4);         // c.lw a0, 4(a1)
  expect_twin(0x4532, kLw, 10, 2, 12, 12);        // c.lwsp a0, 12(sp)
  expect_twin(0xc62a, kSw, 12, 2, 10, 12);        // c.swsp a0, 12(sp) (S-type: "rd" holds imm[4:0])
  expect_twin(0x6505, kLui, 10, 0, 0, 0x1000);    // c.lui a0, 1
  expect_twin(0x0001, kAddi, kSink, 0, 0, 0);     // c.nop
  expect_twin(0x9002, kSystem, 0, 0, 0, 0x00100073);  // c.ebreak: the ebreak word, for exec_system
  // Jumps and branches: targets at 2-byte boundaries, deltas in parcels.
  expect_twin(0xa009, kJal, kSink, 0, 2, 1);      // c.j +2
  expect_twin(0x3ffd, kJal, 1, 31, 31, -1);       // c.jal -2
  expect_twin(0xc111, kBeq, 4, 10, 0, 2);         // c.beqz a0, +4 = beq a0, x0, +4
  // Illegal: the raw word is the parcel's 16 bits, also when the word's upper half is set.
  for (const uint32_t parcel : {0x0000u, 0x4002u, 0x8002u, 0x9c01u, 0x1502u, 0x6101u, 0x2000u}) {
    const Op o = dc(0xabcd0000u | parcel);
    EXPECT_EQ(int{o.kind}, int{kIllegal}) << std::hex << parcel;
    EXPECT_EQ(o.imm, static_cast<int32_t>(parcel)) << std::hex << parcel;
  }
  // 4-byte words decode alike with and without C.
  EXPECT_EQ(int{dc(addi(1, 2, 3)).kind}, int{kAddi});
  EXPECT_EQ(int{d(0x0505).kind}, int{kIllegal});
  EXPECT_EQ(d(0x0505).imm, 0x0505);
}

TEST(DecodeCache, CopiesAreIndependent) {
  FakeHandlers h;
  CodeCache cache(0, 0x100);
  cache.format(h.table);
  cache.store(0x20, d(addi(1, 2, 3)));
  CodeCache copy(cache);
  EXPECT_TRUE(copy.formatted());
  EXPECT_EQ(int{copy.ops()[16].kind}, int{kAddi});
  copy.invalidate_parcel(0x20);
  copy.store(0x24, d(kEcall));
  EXPECT_EQ(int{cache.ops()[16].kind}, int{kAddi});
  EXPECT_EQ(int{cache.ops()[18].kind}, int{kNeedDecode});
  EXPECT_EQ(copy.ops()[18].handler, h.table[kSystem]);
}

TEST(DecodeCache, PagesCoverTheMemoryInOneMask) {
  EXPECT_EQ(CodeCache(0, 4).page_shift(), 2u);
  EXPECT_EQ(CodeCache(0, 0x100).page_shift(), 2u);    // 64 words: one page each
  EXPECT_EQ(CodeCache(0, 0x1000).page_shift(), 6u);   // 64 pages of 64 bytes
  EXPECT_EQ(CodeCache(0, 48 * 1024).page_shift(), 10u);
  EXPECT_EQ(CodeCache(0, 1u << 20).page_shift(), 14u);  // 1 MiB: 64 pages of 16 KiB

  CodeCache cache(0, 48 * 1024);
  cache.mark_decoded(48 * 1024 - 4);  // last word: page 47
  EXPECT_EQ(cache.watch_mask(), 1ull << 47);
  cache.mark_decoded(0x3ff);          // page 0 (1 KiB pages)
  EXPECT_EQ(cache.watch_mask(), (1ull << 47) | 1u);
  EXPECT_THROW(CodeCache(0, 0), std::invalid_argument);
  EXPECT_THROW(CodeCache(0, 6), std::invalid_argument);
}

TEST(DecodeCache, SharedRangeIsWatchedAndPrivateCopiesDropIt) {
  CodeCache cache(0x8000'0000, 0x1000, 0x100, 0x180);  // pages of 64 bytes: 4 and 5
  EXPECT_EQ(cache.watch_mask(), (1ull << 4) | (1ull << 5));
  EXPECT_TRUE(cache.in_shared_range(0x100));
  EXPECT_TRUE(cache.in_shared_range(0x17c));
  EXPECT_FALSE(cache.in_shared_range(0x180));
  EXPECT_FALSE(cache.in_shared_range(0xfc));
  CodeCache copy(cache);
  copy.make_private();
  EXPECT_EQ(copy.watch_mask(), 0u);
  EXPECT_FALSE(copy.in_shared_range(0x100));
  EXPECT_EQ(cache.watch_mask(), (1ull << 4) | (1ull << 5));  // the original keeps it
}

// Disabled: exposes a bug (see the report). page_shift is chosen with size >> shift <= 64, which
// is not enough when the size is not a multiple of the page: for 4100 bytes the shift is 6
// (4100 >> 6 == 64) but the last word, offset 4096, is in page 64, so mark_decoded(4096) shifts
// 1ull by 64 (undefined behaviour; UBSan aborts here, x86 sets bit 0). Expected every page index
// of the memory to be below 64.
TEST(DecodeCache, PagesCoverSizesThatAreNotAMultipleOfThePage) {
  for (uint32_t size : {4100u, 0x1'0004u, 260u}) {
    CodeCache cache(0, size);
    EXPECT_LT((size - 1) >> cache.page_shift(), 64u) << size;
  }
  CodeCache cache(0, 4100);
  cache.mark_decoded(4096);
  EXPECT_NE(cache.watch_mask() & ~1ull, 0u) << "the last word's page aliases page 0";
}

}  // namespace
}  // namespace wvp::test
