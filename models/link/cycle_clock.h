// A clock's cycles against link time in picoseconds. Cycle c is ps(c) = round(c x period)
// (1.1 GHz: 909.09 ps, so not an integer multiple), and a link time t falls in cycle_of(t), the
// first cycle c with ps(c) >= t: what a link delivers never enters the clocked side before it
// arrived.
#pragma once
#include <cmath>
#include <cstdint>

namespace wvp {

class CycleClock {
 public:
  explicit CycleClock(double hz) : period_ps_(1e12L / hz) {}
  uint64_t ps(uint64_t cycle) const { return static_cast<uint64_t>(std::llround(cycle * period_ps_)); }
  uint64_t cycle_of(uint64_t time_ps) const {
    // The estimate may be one off either way where ps() rounded; ps() decides.
    uint64_t c = static_cast<uint64_t>(std::ceil(time_ps / period_ps_));
    while (ps(c) < time_ps) ++c;
    while (c > 0 && ps(c - 1) >= time_ps) --c;
    return c;
  }

 private:
  long double period_ps_;
};

}  // namespace wvp
