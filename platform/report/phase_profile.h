// The profiler behind the firmware's phase markers (abi/wvp/phases.h): each core
// says which step (and model layer) it is in and what it is doing meanwhile; the profile sums
// the cycles per step, layer and activity over all cores, keeps a timeline of a sample of cores
// (the Chrome/Perfetto trace) and splits the cores' time into core, tensor, fabric, sync, idle.
#pragma once
#include <array>
#include <cstdint>
#include <functional>
#include <map>
#include <string>
#include <vector>

#include <nlohmann/json_fwd.hpp>

#include "engine/snapshot.h"
#include "abi/wvp/phases.h"

#include "engine/clock.h"
#include "models/tile/tile_ctl.h"
#include "platform/report/cycle_window.h"

namespace wvp {

class PhaseProfile : public PhaseSink {
 public:
  static constexpr uint32_t kActivities = WVP_ACTIVITY_COUNT;
  using ActivityCycles = std::array<uint64_t, kActivities>;

  explicit PhaseProfile(uint32_t tiles);

  // Tiles whose steps and activities are kept as spans for the trace (the others are summed only).
  void keep_timeline(const std::vector<uint32_t>& tiles);

  // Keeps each tile's cycles per activity inside `window` (the wafer's activity map), for every
  // step but DONE: a tile's time after its DONE, or after it ended, is idle.
  void keep_tile_activity(const CycleWindow& window);
  // Zeros unless keep_tile_activity() was called.
  ActivityCycles tile_activity(uint32_t tile) const { return per_tile_.empty() ? ActivityCycles{} : per_tile_[tile]; }

  // The marker registers, written at the core's local `cycle`. Step values outside the known
  // steps are kept under their number.
  void set_step(uint32_t tile, uint32_t step, uint32_t layer, uint64_t cycle) override;
  void set_activity(uint32_t tile, uint32_t activity, uint64_t cycle) override;
  // The core ended at `cycle`: its open step closes there. Call once per core after the run.
  void finish(uint32_t tile, uint64_t cycle);

  bool used() const { return used_; }

  // Cycles summed over all cores, by (step, layer) and activity, in step then layer order.
  const std::map<std::pair<uint32_t, uint32_t>, ActivityCycles>& totals() const { return totals_; }

  // Where the cores' time went between leaving SETUP and the last core's DONE (the decode
  // window), in cycles summed over the profiled cores. idle: after a core's own DONE.
  struct Breakdown {
    ActivityCycles active{};
    uint64_t idle = 0, window = 0;  // window = sum of every core's window
    uint32_t cores = 0;
    double share(uint64_t cycles) const { return window ? 100.0 * double(cycles) / double(window) : 0.0; }
  };
  Breakdown breakdown() const;

  // {"steps": [{step, layer, cycles, core, tensor, fabric, sync}...], "breakdown": {...}}
  nlohmann::json to_json() const;

  // The whole system's profile on MPI rank 0, where each rank profiles its own cores: part() is
  // this profile's totals and its cores' windows in brief (how many, the sum and the last of
  // their DONEs: each core's idle time is the last DONE less its own), add_part() adds another
  // rank's in. Exact, as the ranks' cores are disjoint.
  nlohmann::json part() const;
  void add_part(const nlohmann::json& part);
  // Chrome trace-event JSON (Perfetto opens it): one track per kept tile, named by `track_name`.
  void write_trace(const std::string& path, const Clock& clock,
                   const std::function<std::string(uint32_t tile)>& track_name) const;

  static std::string step_name(uint32_t step);
  static std::string activity_name(uint32_t activity);

  // The tiles' open steps and activities, their timelines and the totals so far.
  void checkpoint(Snapshot& s) {
    Snapshot::Section section(s, "phase_profile");
    s.expect(tiles_.size(), "the tiles");
    s.fields(tiles_, totals_, per_tile_, tile_window_, used_);
  }

 private:
  struct Span {
    uint64_t begin, end;
    uint8_t step, layer, activity;
    bool is_step;  // else an activity within the step
  };
  struct TileState {
    uint8_t step = WVP_STEP_SETUP, layer = WVP_NO_LAYER, activity = WVP_ACTIVITY_CORE;
    uint64_t since = 0, step_since = 0, activity_since = 0;
    uint64_t started = UINT64_MAX, done = UINT64_MAX;  // left SETUP, entered DONE (or ended)
    bool timeline = false, finished = false;
    std::vector<Span> spans;
    void checkpoint(Snapshot& s) {
      s.fields(step, layer, activity, since, step_since, activity_since, started, done, timeline, finished, spans);
    }
  };
  // The profiled cores' windows in brief: breakdown()'s, and other ranks' (add_part).
  struct Windows {
    uint32_t cores = 0;
    uint64_t done_sum = 0, last_done = 0;
  };
  Windows windows() const;
  void account(uint32_t tile, uint64_t cycle);
  void close_activity(TileState& t, uint64_t cycle);
  void close_step(TileState& t, uint64_t cycle);

  std::vector<TileState> tiles_;
  std::map<std::pair<uint32_t, uint32_t>, ActivityCycles> totals_;
  // By tile, when asked for: 40 bytes a tile, too much to keep on a whole WSE-3 unasked.
  std::vector<ActivityCycles> per_tile_;
  CycleWindow tile_window_;
  Windows other_ranks_;
  bool used_ = false;
};

}  // namespace wvp
