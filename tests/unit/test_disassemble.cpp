// The instruction trace's disassembler against encodings worked out by hand from the ISA manual
// and checked with GNU objdump 2.40 (tests/firmware/test_insn_trace.cpp holds it against objdump
// over every word of the firmware).
#include <gtest/gtest.h>

#include "models/core/disassemble.h"

namespace wvp {
namespace {

struct Known {
  uint32_t insn;
  const char* text;
};

TEST(Disassemble, KnownEncodingsInObjdumpSyntax) {
  constexpr uint32_t kPc = 0x80000000;
  const Known known[] = {
      {0x00004197, "auipc gp,0x4"},
      {0x8d018193, "add gp,gp,-1840"},  // objdump 2.40 writes addi as add
      {0x000022b7, "lui t0,0x2"},
      {0x3002a073, "csrs mstatus,t0"},
      {0x00301073, "fscsr zero"},
      {0xf1402573, "csrr a0,mhartid"},
      {0x30529073, "csrw mtvec,t0"},
      {0x30046073, "csrs mstatus,8"},
      {0x34011173, "csrrw sp,mscratch,sp"},
      {0x00008067, "ret"},
      {0x00078067, "jr a5"},
      {0x000780e7, "jalr a5"},
      {0x00000013, "nop"},
      {0x00500513, "li a0,5"},
      {0x00058513, "mv a0,a1"},
      {0xfff54513, "not a0,a0"},
      {0x0ff57513, "zext.b a0,a0"},
      {0x00251513, "sll a0,a0,0x2"},
      {0x40255513, "sra a0,a0,0x2"},
      {0x00153513, "seqz a0,a0"},
      {0x40b00533, "neg a0,a1"},
      {0x008000ef, "jal 80000008"},
      {0x0000006f, "j 80000000"},
      {0x00b50463, "beq a0,a1,80000008"},
      {0x00050463, "beqz a0,80000008"},
      {0xfe051ee3, "bnez a0,7ffffffc"},
      {0x00812503, "lw a0,8(sp)"},
      {0x00112623, "sw ra,12(sp)"},
      {0x02b50533, "mul a0,a0,a1"},
      {0x02b55533, "divu a0,a0,a1"},
      {0x0045a507, "flw fa0,4(a1)"},
      {0x00c5f553, "fadd.s fa0,fa1,fa2"},
      {0x00c59553, "fadd.s fa0,fa1,fa2,rtz"},
      {0xc0051553, "fcvt.w.s a0,fa0,rtz"},
      {0x68c5f543, "fmadd.s fa0,fa1,fa2,fa3"},
      {0xa0b52553, "feq.s a0,fa0,fa1"},
      {0x20b58553, "fmv.s fa0,fa1"},
      {0xe0050553, "fmv.x.w a0,fa0"},
      {0x00000073, "ecall"},
      {0x00100073, "ebreak"},
      {0x30200073, "mret"},
      {0x10500073, "wfi"},
      {0x0ff0000f, "fence"},
      {0x0000100f, "fence.i"},
      {0xc0001073, "unimp"},
      {0xffffffff, ".word 0xffffffff"},
      {0x00000000, ".word 0x00000000"},
      // 2-byte instructions (C extension) as the ones they expand to, in objdump's words.
      {0x4505, "li a0,1"},
      {0x852e, "mv a0,a1"},
      {0x952e, "add a0,a0,a1"},
      {0x8082, "ret"},
      {0x0001, "nop"},
      {0x9002, "ebreak"},
      {0x4002, ".2byte 0x4002"},          // c.lwsp with rd x0: reserved
      {0x00014002, ".word 0x00014002"},   // the same with another parcel after it
  };
  for (const Known& k : known) EXPECT_EQ(disassemble(k.insn, kPc), k.text) << std::hex << k.insn;
}

TEST(Disassemble, DestinationRegisterFileByOpcode) {
  EXPECT_EQ(dest_register(0x00500513).kind, DestRegister::X);  // li a0,5
  EXPECT_EQ(dest_register(0x00500513).index, 10);
  EXPECT_EQ(dest_register(0x00c5f553).kind, DestRegister::F);  // fadd.s fa0
  EXPECT_EQ(dest_register(0xa0b52553).kind, DestRegister::X);  // feq.s a0
  EXPECT_EQ(dest_register(0x0045a507).kind, DestRegister::F);  // flw fa0
  EXPECT_EQ(dest_register(0x00112623).kind, DestRegister::None);  // sw
  EXPECT_EQ(dest_register(0x00000013).kind, DestRegister::None);  // nop writes x0
  EXPECT_EQ(dest_register(0x00b50463).kind, DestRegister::None);  // beq
  EXPECT_EQ(dest_register(0x30200073).kind, DestRegister::None);  // mret
}

}  // namespace
}  // namespace wvp
