// A window of a run's cycles, both ends included, that a report looks at on its own (a phase of
// the firmware): `--heatmap-window FROM-TO`, and the instruction trace's FROM-TO.
#pragma once
#include <algorithm>
#include <cstdint>

namespace wvp {

struct CycleWindow {
  uint64_t first_cycle = 0, last_cycle = UINT64_MAX;

  // Cycles of [begin, end) inside the window.
  uint64_t overlap(uint64_t begin, uint64_t end) const {
    const uint64_t lo = std::max(begin, first_cycle);
    const uint64_t hi = last_cycle == UINT64_MAX ? end : std::min(end, last_cycle + 1);
    return hi > lo ? hi - lo : 0;
  }
  bool whole_run() const { return first_cycle == 0 && last_cycle == UINT64_MAX; }
};

}  // namespace wvp
