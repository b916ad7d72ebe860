// The per-function profile of a run (--profile): the cores' samples (models/core/call_samples.h)
// attributed to the firmware's functions, summed over all cores and per group of cores (a block
// of the grid), as a text table of the top functions and as folded call stacks, the input of
// flame-graph tools (flamegraph.pl, speedscope, inferno).
//
// A sample carries the cycles and instructions since the core's last one, so the profile's
// totals are the run's exactly; how they split between functions is as fine as the sampling
// period. Waits count where they happen: a core blocked on a receive charges the function that
// receives.
#pragma once
#include <cstdint>
#include <map>
#include <ostream>
#include <string>
#include <vector>

#include "engine/snapshot.h"
#include "models/core/call_samples.h"
#include "platform/assembly/elf_image.h"

namespace wvp {

struct FunctionProfileParams {
  uint32_t grid_w = 1, grid_h = 1;
  uint32_t group_w = 0, group_h = 0;  // the groups' blocks of cores; 0: the whole grid is one group
  uint64_t period_cycles = 1000;      // the cores' sampling period, for the table's header
};

class FunctionProfile : public CallSampleSink {
 public:
  FunctionProfile(const ElfImage& image, const FunctionProfileParams& params);

  void sample(uint32_t tile, uint32_t pc, const CallStack& calls, uint64_t cycles, uint64_t instructions) override;

  // The `top` functions by their own cycles over all cores, with their share, their cycles
  // including their callees', and their instructions; then each group's (when there are several).
  // The samples so far (the cores' samplers are theirs: Core::checkpoint).
  void checkpoint(Snapshot& s) {
    Snapshot::Section section(s, "function_profile");
    s.fields(stacks_, self_, group_cores_);
  }

  void write_table(std::ostream& out, size_t top) const;
  // "outer;...;leaf CYCLES", a line per call stack, over all cores.
  void write_folded(std::ostream& out) const;

 private:
  struct Counts {
    uint64_t cycles = 0, instructions = 0;
  };
  uint32_t function_of(uint32_t address) const;  // index in names_: the function holding it, or "?"
  uint32_t group_of(uint32_t tile) const;
  // Rows of the table for `self` (by function), the top `top` by cycles.
  void write_rows(std::ostream& out, const std::vector<Counts>& self, const std::vector<Counts>* total, size_t top) const;

  const FunctionProfileParams params_;
  std::vector<ElfFunction> functions_;  // by start
  std::vector<std::string> names_;      // functions_'s, then "?" for addresses in none
  uint32_t groups_x_ = 1, groups_y_ = 1;
  std::map<std::vector<uint32_t>, Counts> stacks_;  // function indices, outermost first, over all cores
  std::vector<std::vector<Counts>> self_;            // [group][function]
  std::vector<uint32_t> group_cores_;
};

}  // namespace wvp
