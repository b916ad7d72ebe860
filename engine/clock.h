// The clock of a cycle domain: its frequency, and when each of its cycles begins, in SystemC
// time and in picoseconds. Every clocked model takes one; none converts a frequency itself.
//
// Two time lines meet here. SystemC time is whole ticks (1 ps), so a core or SRAM advances by
// period() per cycle, the period rounded to the tick (1.1 GHz: 909 ps). The off-wafer links keep
// their own time in picoseconds, and for them cycle c starts at ps(c) = round(c x 1e12 / hz),
// computed exactly in integers (1.1 GHz: cycle 11 at 10,000 ps), so that a link's latency in
// cycles does not drift with the run's length.
#pragma once
#include <cstdint>
#include <stdexcept>
#include <string>

#include <systemc>

namespace wvp {

class Clock {
 public:
  static constexpr double kMinHz = 1e3, kMaxHz = 1e11;

  // Throws std::invalid_argument outside [kMinHz, kMaxHz]; the frequency is kept in whole Hz.
  explicit Clock(double hz) : hz_(checked_hz(hz)), period_(1.0 / static_cast<double>(hz_), sc_core::SC_SEC) {}

  uint64_t hz() const { return hz_; }
  sc_core::sc_time period() const { return period_; }
  // Simulated seconds of `cycles` cycles.
  double seconds(uint64_t cycles) const { return static_cast<double>(cycles) / static_cast<double>(hz_); }

  // SystemC time <-> cycles on the SystemC time line: the cycle `t` falls in.
  uint64_t cycle_at(const sc_core::sc_time& t) const { return t.value() / period_.value(); }
  sc_core::sc_time time_of(uint64_t cycle) const { return period_ * static_cast<double>(cycle); }

  // Picosecond time line (links): the start of `cycle`, and the first cycle starting at or after
  // `time_ps`, so that what a link delivers never enters the clocked side before it arrived.
  uint64_t ps(uint64_t cycle) const {
    const unsigned __int128 scaled = static_cast<unsigned __int128>(cycle) * kPsPerSecond;
    return static_cast<uint64_t>((scaled + hz_ / 2) / hz_);
  }
  uint64_t cycle_of(uint64_t time_ps) const {
    // ps() rounds to nearest, so the quotient is at most one cycle off either way; ps() decides.
    uint64_t c = static_cast<uint64_t>(static_cast<unsigned __int128>(time_ps) * hz_ / kPsPerSecond);
    while (ps(c) < time_ps) ++c;
    while (c > 0 && ps(c - 1) >= time_ps) --c;
    return c;
  }

 private:
  static constexpr uint64_t kPsPerSecond = 1'000'000'000'000;
  static uint64_t checked_hz(double hz) {
    if (!(hz >= kMinHz && hz <= kMaxHz))
      throw std::invalid_argument("clock: " + std::to_string(hz) + " Hz is outside [1e3, 1e11]");
    return static_cast<uint64_t>(hz + 0.5);
  }

  uint64_t hz_;
  sc_core::sc_time period_;
};

}  // namespace wvp
