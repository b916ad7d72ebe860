// The component loggers: names and levels as the options spell them, the stamp of simulated time
// and PE on each line, nothing written below a component's level, and SystemC's reports routed
// to the platform logger with their other actions kept.
#include <gtest/gtest.h>

#include <stdexcept>
#include <systemc>

#include "tlm/log.h"

namespace wvp::test {
namespace {

// Every component at `level`, for one test.
struct Levels {
  explicit Levels(LogLevel level) {
    LogLevels l;
    l.fill(level);
    Log::set_levels(l);
  }
  ~Levels() {
    LogLevels l;
    l.fill(kDefaultLogLevel);
    Log::set_levels(l);
  }
};

TEST(Log, NamesAndLevelsParseAsTheyPrint) {
  for (size_t i = 0; i < kLogComponents; ++i) {
    LogComponent c{};
    ASSERT_TRUE(parse_log_component(log_component_name(static_cast<LogComponent>(i)), c));
    EXPECT_EQ(static_cast<size_t>(c), i);
  }
  LogLevel l{};
  EXPECT_TRUE(parse_log_level("trace", l) && l == LogLevel::Trace);
  EXPECT_TRUE(parse_log_level("off", l) && l == LogLevel::Off);
  EXPECT_FALSE(parse_log_level("loud", l));
  LogComponent c{};
  EXPECT_FALSE(parse_log_component("cpu", c));
}

TEST(Log, ALineCarriesCycleNanosecondsAndPeAndNothingComesBelowTheLevel) {
  Levels levels(LogLevel::Info);
  Log::set_stamp(4, 1.1e9);
  EXPECT_TRUE(Log::enabled(LogComponent::Sram, LogLevel::Warn));
  EXPECT_FALSE(Log::enabled(LogComponent::Sram, LogLevel::Debug));
  testing::internal::CaptureStderr();
  WVP_LOG(Sram, Info, 9, 1100, "word {:#x} corrected", 0x40);
  WVP_LOG(Sram, Debug, 9, 1100, "not shown {}", 1);
  const std::string err = testing::internal::GetCapturedStderr();
  EXPECT_EQ(err, "[sram] [info] cycle 1100 (1000.000 ns) PE (1,2): word 0x40 corrected\n");
}

TEST(Log, OffSilencesEvenErrors) {
  Levels levels(LogLevel::Off);
  EXPECT_FALSE(Log::enabled(LogComponent::Platform, LogLevel::Error));
  EXPECT_FALSE(Log::enabled(LogComponent::Platform, LogLevel::Off));
}

TEST(Log, SystemCReportsGoToThePlatformLoggerAndErrorsStillThrow) {
  Levels levels(LogLevel::Info);
  Log::route_systemc_reports();
  testing::internal::CaptureStderr();
  SC_REPORT_WARNING("wvp/test", "a warning");
  const std::string err = testing::internal::GetCapturedStderr();
  EXPECT_EQ(err, "[platform] [warning] SystemC wvp/test: a warning\n");
  testing::internal::CaptureStderr();
  EXPECT_THROW(SC_REPORT_ERROR("wvp/test", "an error"), sc_core::sc_report);
  EXPECT_NE(testing::internal::GetCapturedStderr().find("[platform] [error] SystemC wvp/test: an error"), std::string::npos);
  sc_core::sc_report_handler::set_handler(sc_core::sc_report_handler::default_handler);
}

}  // namespace
}  // namespace wvp::test
