// Logging through spdlog: one logger per component, each with its own level (`--log
// COMPONENT=LEVEL,...`, config log.*). A line is stamped with the simulated time (cycle and ns)
// and the PE it concerns:
//
//   [fabric] [debug] cycle 1234 (1121.818 ns) PE (3,4): route of color 2 from the ramp: east
//
// A disabled level costs one compare of a byte (WVP_LOG formats nothing), so debug and trace
// lines may sit on paths a run takes often. SystemC's reports (SC_REPORT_*) go to the platform
// logger once route_systemc_reports() has run. Errors the user must see keep their one-line form
// on stderr; the log is for looking inside a run.
#pragma once
#include <array>
#include <cstdint>
#include <string>
#include <string_view>

#include <fmt/format.h>

namespace wvp {

enum class LogComponent : uint8_t { Core, Sram, Fabric, Tensor, Link, Serdes, Optical, Memnode, Host, Gdb, Platform };
constexpr size_t kLogComponents = 11;
// spdlog's levels, in its order.
enum class LogLevel : uint8_t { Trace, Debug, Info, Warn, Error, Off };
using LogLevels = std::array<LogLevel, kLogComponents>;
constexpr LogLevel kDefaultLogLevel = LogLevel::Warn;

const char* log_component_name(LogComponent c);  // "core", "sram", ...
bool parse_log_component(const std::string& text, LogComponent& c);
const char* log_level_name(LogLevel l);          // "trace", "debug", "info", "warn", "error", "off"
bool parse_log_level(const std::string& text, LogLevel& l);

class Log {
 public:
  static bool enabled(LogComponent c, LogLevel l) { return l >= levels_[static_cast<size_t>(c)] && l != LogLevel::Off; }
  static void set_levels(const LogLevels& levels);
  // How stamps name a tile (t % grid_width, t / grid_width) and turn cycles into ns.
  static void set_stamp(uint32_t grid_width, double clock_hz);
  // A line about tile `tile` at its cycle `cycle`; without them, for the platform as a whole.
  static void write(LogComponent c, LogLevel l, uint32_t tile, uint64_t cycle, std::string_view message);
  static void write(LogComponent c, LogLevel l, std::string_view message);
  // SystemC's reports go to the platform logger at their severity (info, warn, error, fatal),
  // their other actions (throwing an error, aborting on a fatal) unchanged.
  static void route_systemc_reports();

 private:
  static LogLevels levels_;
  static uint32_t grid_width_;
  static double clock_hz_;
};

}  // namespace wvp

// Formats and writes only when the level is on for the component: a line about tile `tile` at
// its cycle `cycle` (WVP_LOG), or about the platform as a whole (WVP_LOG_UNSTAMPED).
#define WVP_LOG_IF_ENABLED(component, level, ...)                                            \
  do {                                                                                       \
    if (::wvp::Log::enabled(::wvp::LogComponent::component, ::wvp::LogLevel::level))         \
      ::wvp::Log::write(::wvp::LogComponent::component, ::wvp::LogLevel::level, __VA_ARGS__); \
  } while (0)
#define WVP_LOG(component, level, tile, cycle, ...) WVP_LOG_IF_ENABLED(component, level, tile, cycle, fmt::format(__VA_ARGS__))
#define WVP_LOG_UNSTAMPED(component, level, ...) WVP_LOG_IF_ENABLED(component, level, fmt::format(__VA_ARGS__))
