#include "tlm/log.h"

#include <memory>

#include <spdlog/sinks/stdout_sinks.h>
#include <spdlog/spdlog.h>
#include <systemc>

namespace wvp {

namespace {

constexpr const char* kComponentNames[kLogComponents] = {"core",   "sram",    "fabric", "tensor", "link",    "serdes",
                                                         "optical", "memnode", "host",   "gdb",    "platform"};
constexpr const char* kLevelNames[] = {"trace", "debug", "info", "warn", "error", "off"};

// The loggers share one stderr sink; each is made when first used.
spdlog::logger& logger(LogComponent c) {
  static const auto sink = std::make_shared<spdlog::sinks::stderr_sink_mt>();
  static std::array<std::unique_ptr<spdlog::logger>, kLogComponents> loggers;
  std::unique_ptr<spdlog::logger>& l = loggers[static_cast<size_t>(c)];
  if (!l) {
    l = std::make_unique<spdlog::logger>(kComponentNames[static_cast<size_t>(c)], sink);
    l->set_pattern("[%n] [%l] %v");
    l->set_level(spdlog::level::trace);  // Log::enabled() decides
  }
  return *l;
}

spdlog::level::level_enum spdlog_level(LogLevel l) { return static_cast<spdlog::level::level_enum>(l); }

void systemc_report(const sc_core::sc_report& report, const sc_core::sc_actions& actions) {
  if (actions & (sc_core::SC_DISPLAY | sc_core::SC_LOG)) {
    LogLevel level = LogLevel::Info;
    switch (report.get_severity()) {
      case sc_core::SC_INFO: level = LogLevel::Info; break;
      case sc_core::SC_WARNING: level = LogLevel::Warn; break;
      default: level = LogLevel::Error; break;
    }
    if (Log::enabled(LogComponent::Platform, level))
      Log::write(LogComponent::Platform, level, fmt::format("SystemC {}: {}", report.get_msg_type(), report.get_msg()));
  }
  sc_core::sc_report_handler::default_handler(report, actions & ~(sc_core::SC_DISPLAY | sc_core::SC_LOG));
}

}  // namespace

LogLevels Log::levels_ = [] {
  LogLevels l;
  l.fill(kDefaultLogLevel);
  return l;
}();
uint32_t Log::grid_width_ = 1;
double Log::clock_hz_ = 1e9;

const char* log_component_name(LogComponent c) { return kComponentNames[static_cast<size_t>(c)]; }

bool parse_log_component(const std::string& text, LogComponent& c) {
  for (size_t i = 0; i < kLogComponents; ++i)
    if (text == kComponentNames[i]) return c = static_cast<LogComponent>(i), true;
  return false;
}

const char* log_level_name(LogLevel l) { return kLevelNames[static_cast<size_t>(l)]; }

bool parse_log_level(const std::string& text, LogLevel& l) {
  for (size_t i = 0; i < std::size(kLevelNames); ++i)
    if (text == kLevelNames[i]) return l = static_cast<LogLevel>(i), true;
  return false;
}

void Log::set_levels(const LogLevels& levels) { levels_ = levels; }

void Log::set_stamp(uint32_t grid_width, double clock_hz) {
  grid_width_ = grid_width ? grid_width : 1;
  clock_hz_ = clock_hz;
}

void Log::write(LogComponent c, LogLevel l, uint32_t tile, uint64_t cycle, std::string_view message) {
  logger(c).log(spdlog_level(l), "cycle {} ({:.3f} ns) PE ({},{}): {}", cycle, static_cast<double>(cycle) * 1e9 / clock_hz_,
                tile % grid_width_, tile / grid_width_, message);
}

void Log::write(LogComponent c, LogLevel l, std::string_view message) { logger(c).log(spdlog_level(l), "{}", message); }

void Log::route_systemc_reports() { sc_core::sc_report_handler::set_handler(systemc_report); }

}  // namespace wvp
