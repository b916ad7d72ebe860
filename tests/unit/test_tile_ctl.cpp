// The tile's control block (models/tile/tile_ctl.h) as firmware sees it: the clock registers at
// any frequency the config takes, mtime in core cycles, and the profiler's marker registers.
#include <gtest/gtest.h>
#include "abi/wvp/phases.h"
#include "abi/wvp/tile_map.h"

#include "platform/assembly/wafer.h"
#include "platform/report/phase_profile.h"
#include "support/program_image.h"
#include "support/rv32_asm.h"
#include "support/sim_child.h"

namespace wvp::test {
namespace {

using namespace rv;
constexpr uint32_t kMcycle = 0xB00;
constexpr uint32_t kSysctlHi = WVP_SYSCTL_BASE >> 12;
constexpr uint32_t kMtimeHi = (WVP_CLINT_BASE + WVP_CLINT_MTIME + 8) >> 12;  // mtime at -8 from it

PlatformConfig one_tile(double clock_hz) {
  PlatformConfig c;
  c.grid_width = c.grid_height = 1;
  c.core_clock_hz = clock_hz;
  c.sim.max_cycles = 100'000;
  return c;
}

// x20/x21: CLOCK_HZ and its high word; x25: mtime's low word, x26: mcycle right after it.
ElfImage read_clock() {
  return program({{0x00, lui(9, kSysctlHi)},
                  {0x04, lw(20, 9, WVP_SYSCTL_CLOCK_HZ)},
                  {0x08, lw(21, 9, WVP_SYSCTL_CLOCK_HZ_HI)},
                  {0x0c, lui(6, kMtimeHi)},
                  {0x10, lw(25, 6, -8)},
                  {0x14, csrrs(26, kMcycle, 0)},
                  {0x18, sw(0, 9, WVP_SYSCTL_EXIT)}});
}

TEST(TileCtl, ClockRegistersHoldAFiveGigahertzClockAndMtimeCountsItsCycles) {
  for (const double hz : {1.1e9, 5e9, 1e11}) {
    in_child_process([hz] {
      Wafer wafer("wafer", one_tile(hz), nullptr);
      wafer.load(read_clock());
      sc_core::sc_start();
      const Core& core = wafer.core(0, 0);
      EXPECT_EQ(uint64_t{core.gpr(21)} << 32 | core.gpr(20), static_cast<uint64_t>(hz)) << hz;
      EXPECT_EQ(wafer.clock().hz(), static_cast<uint64_t>(hz));
      // mtime ticks with the core clock: read one instruction before mcycle.
      EXPECT_LE(core.gpr(25), core.gpr(26)) << hz;
      EXPECT_GE(core.gpr(25) + 4, core.gpr(26)) << hz;
      EXPECT_EQ(wafer.result().exit_code, 0);
      EXPECT_DOUBLE_EQ(wafer.clock().seconds(wafer.result().end_cycle), double(wafer.result().end_cycle) / hz);
    });
  }
}

TEST(TileCtl, MarkerRegistersReadBackAndReportToTheProfiler) {
  in_child_process([] {
    PhaseProfile profile(1);
    Wafer wafer("wafer", one_tile(1.1e9), nullptr, &profile);
    wafer.load(program({{0x00, lui(9, kSysctlHi)},
                        {0x04, addi(7, 0, 200 | 3 << 8)},  // step 200 (unknown to the profiler), layer 3
                        {0x08, sw(7, 9, WVP_SYSCTL_STEP)},
                        {0x0c, addi(7, 0, WVP_ACTIVITY_SYNC)},
                        {0x10, sw(7, 9, WVP_SYSCTL_ACTIVITY)},
                        {0x14, lw(22, 9, WVP_SYSCTL_STEP)},
                        {0x18, lw(23, 9, WVP_SYSCTL_ACTIVITY)},
                        {0x1c, addi(7, 0, WVP_STEP_FFN)},
                        {0x20, sw(7, 9, WVP_SYSCTL_STEP)},  // a new step starts in the core activity
                        {0x24, lw(24, 9, WVP_SYSCTL_ACTIVITY)},
                        {0x28, sw(0, 9, WVP_SYSCTL_EXIT)}}));
    sc_core::sc_start();
    const Core& core = wafer.core(0, 0);
    EXPECT_EQ(core.gpr(22), 200u | 3u << 8);
    EXPECT_EQ(core.gpr(23), uint32_t{WVP_ACTIVITY_SYNC});
    EXPECT_EQ(core.gpr(24), uint32_t{WVP_ACTIVITY_CORE});
    EXPECT_TRUE(profile.used());
    EXPECT_GT(profile.totals().at({200, 3})[WVP_ACTIVITY_CORE], 0u);
  });
}

}  // namespace
}  // namespace wvp::test
