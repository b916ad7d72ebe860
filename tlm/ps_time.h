// Picoseconds <-> sc_time for models that keep their own time in whole picoseconds (the links,
// the memory node) and annotate TLM delays. Exact for SystemC's default 1 ps resolution.
#pragma once
#include <cmath>
#include <cstdint>

#include <systemc>

namespace wvp {

inline uint64_t to_ps(const sc_core::sc_time& t) {
  return static_cast<uint64_t>(std::llround(t / sc_core::sc_time(1.0, sc_core::SC_PS)));
}

inline sc_core::sc_time from_ps(uint64_t ps) { return sc_core::sc_time(static_cast<double>(ps), sc_core::SC_PS); }

}  // namespace wvp
