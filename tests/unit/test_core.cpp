// The core on a real tile (bus, SRAM, control block), running hand-assembled programs.
#include <gtest/gtest.h>

#include <atomic>
#include <csignal>
#include <map>

#include "platform/assembly/wafer.h"
#include "support/program_image.h"
#include "support/rv32_asm.h"
#include "support/sim_child.h"

namespace wvp::test {
namespace {

using namespace rv;
constexpr uint32_t kBase = kProgramBase;
constexpr uint32_t kMtvec = 0x305, kMie = 0x304, kMstatus = 0x300, kMcause = 0x342, kMepc = 0x341, kMtval = 0x343;
constexpr uint32_t kMcycle = 0xB00, kMhartid = 0xF14;
constexpr uint32_t kMinstret = 0xB02, kMcycleh = 0xB80, kMinstreth = 0xB82, kTime = 0xC01;

// Exit sequence: sysctl EXIT <- x0.
constexpr uint32_t kExitHi = 0x02010;
std::vector<std::pair<uint32_t, uint32_t>> exit_at(uint32_t offset) {
  return {{offset, lui(9, kExitHi)}, {offset + 4, sw(0, 9, 0x14)}};
}

PlatformConfig grid(uint32_t w, uint32_t h, uint64_t quantum = 1000) {
  PlatformConfig c;
  c.grid_width = w, c.grid_height = h;
  c.sim.quantum_cycles = quantum;
  c.sim.max_cycles = 1'000'000;
  return c;
}

void run(Wafer& wafer, const ElfImage& image) {
  wafer.load(image);
  sc_core::sc_start();
}

TEST(Core, SelfModifyingCodeIsSeenAndStaysPrivateToTheWritingCore) {
  in_child_process([] {
    auto words = std::vector<std::pair<uint32_t, uint32_t>>{
        {0x00, lui(6, 0x80000)},  {0x04, addi(8, 0, 2)},    {0x08, jal(1, 0x28)},       // call 0x30
        {0x0c, csrrs(11, kMhartid, 0)}, {0x10, bne(11, 0, 0xc)},                       // only hart 0 patches
        {0x14, lw(7, 6, 0x60)},   {0x18, sw(7, 6, 0x30)},   {0x1c, addi(8, 8, -1)},
        {0x20, bne(8, 0, -0x18)},                                                        // back to 0x08
        {0x30, addi(5, 5, 1)},    {0x34, i_type(0, 1, 0, 0, 0x67)},                     // jalr x0, 0(x1)
        {0x60, addi(5, 5, 100)}};
    for (auto w : exit_at(0x24)) words.push_back(w);
    Wafer wafer("wafer", grid(2, 1), nullptr);
    run(wafer, program(words));
    EXPECT_EQ(wafer.core(0, 0).gpr(5), 101u);  // new code ran after the store
    EXPECT_EQ(wafer.core(1, 0).gpr(5), 2u);    // the other core kept the original code
    EXPECT_EQ(wafer.result().exit_code, 0);
  });
}

TEST(Core, TimerInterruptWakesWfiAtTheExactCycleWithoutExecuting) {
  in_child_process([] {
    auto words = std::vector<std::pair<uint32_t, uint32_t>>{
        {0x00, lui(6, 0x02004)}, {0x04, addi(7, 0, 1000)}, {0x08, sw(7, 6, 0)}, {0x0c, sw(0, 6, 4)},  // mtimecmp = 1000
        {0x10, lui(8, 0x80000)}, {0x14, addi(8, 8, 0x40)}, {0x18, csrrw(0, kMtvec, 8)},
        {0x1c, addi(9, 0, 0x80)}, {0x20, csrrw(0, kMie, 9)}, {0x24, csrrsi(0, kMstatus, 8)},
        {0x28, kWfi},
        {0x40, csrrs(20, kMcause, 0)}, {0x44, csrrs(21, kMcycle, 0)}, {0x48, addi(7, 0, -1)},
        {0x4c, sw(7, 6, 4)}, {0x50, kMret}};  // handler: record, push mtimecmp to the far future
    for (auto w : exit_at(0x2c)) words.push_back(w);
    Wafer wafer("wafer", grid(1, 1, 300), nullptr);
    run(wafer, program(words));
    const Core& core = wafer.core(0, 0);
    EXPECT_EQ(core.gpr(20), 0x80000007u);
    EXPECT_GE(core.gpr(21), 1000u);
    EXPECT_LT(core.gpr(21), 1010u);  // the handler's first instructions after the wake
    EXPECT_LT(core.instructions(), 30u);  // asleep, the core executed nothing
    EXPECT_GT(core.stats().sleep_cycles, 900u);
    EXPECT_EQ(core.stats().interrupts, 1u);
  });
}

// A doorbell rung for a known cycle (HostStream's, platform/host/host_stream.h) while the core runs
// ahead of SystemC's time: wfi with mie.MSIE and mstatus.MIE off resumes at that cycle, whatever
// the quantum, and clearing msip through the CLINT takes it down.
TEST(Core, SoftwareInterruptAtACycleEndsWfiAtThatCycle) {
  for (const uint64_t quantum : {7u, 300u, 5000u}) {
    in_child_process([quantum] {
      auto words = std::vector<std::pair<uint32_t, uint32_t>>{
          {0x00, addi(9, 0, 8)}, {0x04, csrrw(0, kMie, 9)},  // mie.MSIE
          {0x08, kWfi},          {0x0c, csrrs(21, kMcycle, 0)},
          {0x10, lui(6, 0x02000)}, {0x14, sw(0, 6, 0)},     // msip = 0
          {0x18, csrrs(22, 0x344, 0)}};                      // mip
      for (auto w : exit_at(0x1c)) words.push_back(w);
      Wafer wafer("wafer", grid(1, 1, quantum), nullptr);
      wafer.core(0, 0).set_software_irq_at(1000);
      run(wafer, program(words));
      const Core& core = wafer.core(0, 0);
      EXPECT_EQ(core.gpr(21), 1000u) << "quantum " << quantum;  // the instruction after wfi starts at the doorbell
      EXPECT_EQ(core.gpr(22) & 8, 0u);
      EXPECT_EQ(core.stats().interrupts, 0u);
      EXPECT_GT(core.stats().sleep_cycles, 900u);
    });
  }
}

TEST(Core, IllegalInstructionAndAccessFaultTrapWithCauseEpcAndTval) {
  in_child_process([] {
    auto words = std::vector<std::pair<uint32_t, uint32_t>>{
        {0x00, lui(8, 0x80000)}, {0x04, addi(8, 8, 0x40)}, {0x08, csrrw(0, kMtvec, 8)},
        {0x0c, 0xffffffff},                   // illegal
        {0x10, addi(12, 20, 0)}, {0x14, addi(13, 21, 0)}, {0x18, addi(14, 22, 0)},
        {0x1c, lw(5, 0, 0x100)},              // unmapped: load access fault
        // handler: x20..x22 = mcause, mepc, mtval; skip the instruction
        {0x40, csrrs(20, kMcause, 0)}, {0x44, csrrs(21, kMepc, 0)}, {0x48, csrrs(22, kMtval, 0)},
        {0x4c, addi(23, 21, 4)}, {0x50, csrrw(0, kMepc, 23)}, {0x54, kMret}};
    for (auto w : exit_at(0x20)) words.push_back(w);
    Wafer wafer("wafer", grid(1, 1), nullptr);
    run(wafer, program(words));
    const Core& core = wafer.core(0, 0);
    EXPECT_EQ(core.gpr(12), 2u);
    EXPECT_EQ(core.gpr(13), kBase + 0x0c);
    EXPECT_EQ(core.gpr(14), 0xffffffffu);
    EXPECT_EQ(core.gpr(20), 5u);
    EXPECT_EQ(core.gpr(21), kBase + 0x1c);
    EXPECT_EQ(core.gpr(22), 0x100u);
    EXPECT_EQ(core.stats().traps, 2u);
    EXPECT_EQ(wafer.result().exit_code, 0);
  });
}

TEST(Core, TrapWithoutHandlerHaltsWithAFaultReport) {
  in_child_process([] {
    Wafer wafer("wafer", grid(1, 1), nullptr);
    run(wafer, program({{0x00, addi(5, 0, 7)}, {0x04, jal(0, 0x7ff00)}}));  // jump far outside the SRAM
    const Core& core = wafer.core(0, 0);
    ASSERT_TRUE(core.fault().valid);
    EXPECT_EQ(core.fault().cause, 1u);  // instruction access fault at the target
    EXPECT_EQ(core.fault().pc, kBase + 0x04 + 0x7ff00);
    EXPECT_EQ(core.fault().tval, kBase + 0x04 + 0x7ff00);
    EXPECT_EQ(wafer.result().exit_code, Wafer::kExitFault);
    EXPECT_EQ(core.instructions(), 2u);  // the jump itself retired
  });
}

TEST(Core, X0StaysZeroAndDecodeCacheHits) {
  in_child_process([] {
    auto words = std::vector<std::pair<uint32_t, uint32_t>>{
        {0x00, addi(0, 0, 5)}, {0x04, addi(8, 0, 100)}, {0x08, add(5, 5, 0)}, {0x0c, addi(5, 5, 3)},
        {0x10, addi(8, 8, -1)}, {0x14, bne(8, 0, -0x0c)}};
    for (auto w : exit_at(0x18)) words.push_back(w);
    Wafer wafer("wafer", grid(1, 1), nullptr);
    run(wafer, program(words));
    const Core& core = wafer.core(0, 0);
    EXPECT_EQ(core.gpr(0), 0u);
    EXPECT_EQ(core.gpr(5), 300u);
    EXPECT_EQ(core.instructions(), 2u + 4u * 100u + 2u);  // set-up, loop, exit sequence
    EXPECT_EQ(core.stats().decodes, 8u);
    EXPECT_GT(core.decode_hit_rate(), 0.97);
  });
}

// ---- The C extension (core.isa rv32imfc): 2-byte instructions, 4-byte ones at any parcel ----

// A program of 2-byte parcels: a 4-byte instruction is two of them, its low half first.
class Parcels {
 public:
  Parcels& c(uint32_t at, uint16_t insn) { return parcels_[at] = insn, *this; }
  Parcels& w(uint32_t at, uint32_t insn) { return parcels_[at] = insn & 0xffff, parcels_[at + 2] = insn >> 16, *this; }
  std::vector<std::pair<uint32_t, uint32_t>> words() const {
    std::map<uint32_t, uint32_t> words;
    for (const auto& [at, parcel] : parcels_) words[at & ~3u] |= uint32_t{parcel} << (8 * (at & 2));
    return {words.begin(), words.end()};
  }

 private:
  std::map<uint32_t, uint16_t> parcels_;
};
constexpr uint16_t kCNop = 0x0001;
constexpr uint16_t c_li_a0(uint32_t imm) { return static_cast<uint16_t>(0x4501 | (imm & 31) << 2); }
constexpr uint16_t c_addi_a0(uint32_t imm) { return static_cast<uint16_t>(0x0501 | (imm & 31) << 2); }

PlatformConfig with_c(PlatformConfig c) {
  c.core.compressed = true;
  return c;
}

// Retired instructions count one each whatever their length, over straight runs that mix them
// and a 4-byte instruction that straddles two of the core's 1 KiB DMI pages.
TEST(Core, CompressedAndFourByteInstructionsMixAtAnyParcel) {
  in_child_process([] {
    Parcels p;
    p.c(0x00, c_li_a0(1)).w(0x02, addi(10, 10, 2)).c(0x06, c_addi_a0(4)).w(0x08, jal(0, 0x3fe - 0x08));
    p.w(0x3fe, addi(10, 10, 8)).c(0x402, c_addi_a0(4)).w(0x404, lui(9, kExitHi)).w(0x408, sw(0, 9, 0x14));
    Wafer wafer("wafer", with_c(grid(1, 1)), nullptr);
    run(wafer, program(p.words()));
    const Core& core = wafer.core(0, 0);
    EXPECT_EQ(core.gpr(10), 19u);
    EXPECT_EQ(core.instructions(), 8u);
    uint32_t misa = 0;
    ASSERT_TRUE(core.read_csr(0x301, misa));
    EXPECT_EQ(misa & 4, 4u);  // C
    EXPECT_EQ(wafer.result().exit_code, 0);
  });
}

// A store into the second half of a decoded 4-byte instruction (here at a 2-byte boundary)
// makes the core decode it anew: it overlaps the parcel written, though it starts before it.
TEST(Core, AStoreIntoAFourByteInstructionsSecondHalfIsSeen) {
  in_child_process([] {
    const uint32_t add_1 = addi(5, 5, 1), add_100 = addi(5, 5, 100);
    ASSERT_EQ(add_1 & 0xffff, add_100 & 0xffff);  // they differ in their upper half only
    Parcels p;
    p.w(0x00, lui(6, 0x80000)).c(0x04, kCNop).w(0x06, add_1).w(0x0a, addi(8, 8, 1)).w(0x0e, addi(9, 0, 2));
    p.w(0x12, b_type(0x26 - 0x12, 9, 8, 0));                                           // second pass: exit
    p.w(0x16, addi(7, 0, static_cast<int32_t>(add_100 >> 16))).w(0x1a, s_type(0x08, 7, 6, 1, 0x23));  // sh
    p.w(0x1e, jal(0, 0x06 - 0x1e)).c(0x22, kCNop).c(0x24, kCNop);
    p.w(0x26, lui(9, kExitHi)).w(0x2a, sw(0, 9, 0x14));
    Wafer wafer("wafer", with_c(grid(1, 1)), nullptr);
    run(wafer, program(p.words()));
    EXPECT_EQ(wafer.core(0, 0).gpr(5), 101u);
    EXPECT_EQ(wafer.result().exit_code, 0);
  });
}

// A 4-byte instruction in the memory's last parcel: fetching its second half faults, with mtval
// the first byte past the memory and the pc at the instruction.
TEST(Core, AFourByteInstructionInTheLastParcelFaultsPastTheMemory) {
  in_child_process([] {
    const PlatformConfig c = with_c(grid(1, 1));
    const uint32_t end = c.sram.size_bytes;
    Parcels p;
    p.w(0x00, jal(0, static_cast<int32_t>(end - 2))).c(end - 4, kCNop).c(end - 2, 0x0013);  // 0x13: a 4-byte opcode
    Wafer wafer("wafer", c, nullptr);
    run(wafer, program(p.words()));
    const Core& core = wafer.core(0, 0);
    ASSERT_TRUE(core.fault().valid);
    EXPECT_EQ(core.fault().cause, 1u);
    EXPECT_EQ(core.fault().pc, kBase + end - 2);
    EXPECT_EQ(core.fault().tval, kBase + end);
    EXPECT_EQ(core.instructions(), 1u);
  });
}

// A jump to a 2-byte boundary runs the instruction there with the C extension, and without it
// traps on the jump (instruction address misaligned, mtval the target).
TEST(Core, JumpsToTwoByteBoundariesTrapOnlyWithoutTheCExtension) {
  for (const bool compressed : {true, false}) {
    in_child_process([compressed] {
      Parcels p;
      p.w(0x00, jal(0, 6)).c(0x04, kCNop).c(0x06, c_li_a0(7)).w(0x08, lui(9, kExitHi)).w(0x0c, sw(0, 9, 0x14));
      PlatformConfig c = grid(1, 1);
      c.core.compressed = compressed;
      Wafer wafer("wafer", c, nullptr);
      run(wafer, program(p.words()));
      const Core& core = wafer.core(0, 0);
      if (compressed) {
        EXPECT_EQ(core.gpr(10), 7u);
        EXPECT_EQ(wafer.result().exit_code, 0);
      } else {
        ASSERT_TRUE(core.fault().valid);
        EXPECT_EQ(core.fault().cause, 0u);
        EXPECT_EQ(core.fault().pc, kBase);
        EXPECT_EQ(core.fault().tval, kBase + 6);
      }
    });
  }
}

// Zicsr: a CSR instruction that writes a counter does so instead of its own increment, so the
// next instruction reads the value written. With instructions of several cycles, the value after
// the next one is the written one plus that instruction's cycles; the core's own time and
// instruction count go on regardless.
TEST(Core, CounterWritesReplaceTheWritingInstructionsCountWhateverTheTiming) {
  in_child_process([] {
    auto words = std::vector<std::pair<uint32_t, uint32_t>>{
        {0x00, addi(5, 0, -1)},
        {0x04, csrrw(0, kMcycle, 5)},    {0x08, csrrw(0, kMcycleh, 5)},    {0x0c, addi(0, 0, 0)},
        {0x10, csrrs(20, kMcycle, 0)},   {0x14, csrrs(21, kMcycleh, 0)},
        {0x18, csrrw(0, kMinstret, 5)},  {0x1c, csrrw(0, kMinstreth, 5)},  {0x20, addi(0, 0, 0)},
        {0x24, csrrs(22, kMinstret, 0)}, {0x28, csrrs(23, kMinstreth, 0)}, {0x2c, csrrs(24, kTime, 0)}};
    for (auto w : exit_at(0x30)) words.push_back(w);
    PlatformConfig c = grid(1, 1);
    c.core.timing.alu_cycles = 2;
    c.core.timing.system_cycles = 3;
    Wafer wafer("wafer", c, nullptr);
    run(wafer, program(words));
    Core& core = wafer.core(0, 0);
    EXPECT_EQ(core.gpr(20), 1u);  // all ones, then the nop's two cycles
    EXPECT_EQ(core.gpr(21), 0u);
    EXPECT_EQ(core.gpr(22), 0u);  // all ones, then the nop
    EXPECT_EQ(core.gpr(23), 0u);
    EXPECT_EQ(core.gpr(24), 3u * 2 + 8u * 3);  // time: every instruction before the read
    EXPECT_EQ(core.instructions(), 14u);
    // The debugger writes a half as it is now: no instruction, nothing to replace.
    uint32_t low = 0, high = 0, low_after = 0;
    ASSERT_TRUE(core.read_csr(kMinstret, low));
    ASSERT_TRUE(core.write_csr(kMinstreth, 7));
    ASSERT_TRUE(core.read_csr(kMinstreth, high));
    ASSERT_TRUE(core.read_csr(kMinstret, low_after));
    EXPECT_EQ(high, 7u);
    EXPECT_EQ(low_after, low);
  });
}

// A stop request (a signal, in `wafervp run`) ends the run at the end of the round it came in,
// with exit code 128 + its value, and the core keeps what it did.
TEST(Core, StopRequestEndsTheRunAtTheNextRound) {
  in_child_process([] {
    const uint32_t sb_console = s_type(0x10, 7, 6, 0, 0x23);  // sb x7, 0x10(x6): sysctl CONSOLE
    const auto words = std::vector<std::pair<uint32_t, uint32_t>>{
        {0x00, lui(6, kExitHi)}, {0x04, addi(7, 0, '\n')}, {0x08, sb_console}, {0x0c, jal(0, 0)}};
    std::atomic<int> request{0};
    Wafer wafer("wafer", grid(1, 1, 1000), [&request](const TileIdentity&, const std::string&) { request = SIGINT; });
    wafer.cluster().set_stop_request(&request);
    run(wafer, program(words));
    const Wafer::Result r = wafer.result();
    EXPECT_EQ(r.outcome, CoreCluster::Outcome::Interrupted);
    EXPECT_EQ(r.exit_code, 130);
    const Core& core = wafer.core(0, 0);
    EXPECT_GE(core.cycle(), 1000u);  // the first round's end: one quantum
    EXPECT_LT(core.cycle(), 1010u);
    EXPECT_GT(core.instructions(), 400u);
  });
}

}  // namespace
}  // namespace wvp::test
