// The clock every model takes (engine/clock.h): its period in SystemC time and the exact
// picosecond edges of its cycles, at the frequencies the config accepts.
#include <gtest/gtest.h>

#include <stdexcept>

#include "engine/clock.h"

namespace wvp::test {
namespace {

TEST(Clock, PeriodIsTheSystemCTickRoundingOfTheFrequency) {
  EXPECT_EQ(Clock(1.1e9).period(), sc_core::sc_time(909, sc_core::SC_PS));
  EXPECT_EQ(Clock(5e9).period(), sc_core::sc_time(200, sc_core::SC_PS));
  EXPECT_EQ(Clock(850e6).period(), sc_core::sc_time(1176, sc_core::SC_PS));
  const Clock c(5e9);
  EXPECT_EQ(c.cycle_at(sc_core::sc_time(1000, sc_core::SC_PS)), 5u);
  EXPECT_EQ(c.cycle_at(sc_core::sc_time(1199, sc_core::SC_PS)), 5u);
  EXPECT_EQ(c.time_of(7), sc_core::sc_time(1400, sc_core::SC_PS));
}

TEST(Clock, FrequenciesAboveFourGigahertzKeepEveryBit) {
  // A 32-bit copy of 5e9 Hz would read 705,032,704.
  EXPECT_EQ(Clock(5e9).hz(), 5'000'000'000u);
  EXPECT_EQ(Clock(1e11).hz(), 100'000'000'000u);
  EXPECT_DOUBLE_EQ(Clock(5e9).seconds(5'000'000'000u), 1.0);
}

TEST(Clock, PicosecondEdgesAreExactAndCycleOfInvertsThem) {
  const Clock c(1.1e9);
  EXPECT_EQ(c.ps(1), 909u);    // 909.09 ps
  EXPECT_EQ(c.ps(11), 10000u);  // no drift: 11 cycles are 10 ns exactly
  EXPECT_EQ(c.ps(11'000'000'000'000u), 10'000'000'000'000'000u);  // 10^4 s, far past double precision
  EXPECT_EQ(c.cycle_of(909), 1u);
  EXPECT_EQ(c.cycle_of(910), 2u);  // what a link delivers never enters the clocked side early
  for (const double hz : {1e3, 850e6, 1.1e9, 3e9, 5e9, 1e11}) {
    const Clock k(hz);
    for (uint64_t cycle : {0ull, 1ull, 7ull, 1000ull, 123456789ull, 1ull << 33}) {
      ASSERT_EQ(k.cycle_of(k.ps(cycle)), cycle) << hz;
      ASSERT_EQ(k.cycle_of(k.ps(cycle) + 1), cycle + 1) << hz;
    }
  }
}

TEST(Clock, FrequenciesOutsideTheRangeAreRefused) {
  for (const double hz : {0.0, -1.0, 999.0, 1.5e11, std::numeric_limits<double>::quiet_NaN(),
                          std::numeric_limits<double>::infinity()})
    EXPECT_THROW(Clock{hz}, std::invalid_argument) << hz;
}

}  // namespace
}  // namespace wvp::test
