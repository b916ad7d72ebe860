// What a run reports: the summary printed at its end and the stats JSON (`--stats`).
#pragma once
#include <iosfwd>
#include <map>
#include <optional>
#include <string>

#include <nlohmann/json.hpp>

#include "platform/assembly/wafer.h"
#include "platform/host/host_load.h"
#include "platform/host/host_stream.h"
#include "platform/report/phase_profile.h"
#include "platform/report/streamed_json.h"

namespace wvp {

// Host time of a run: building and loading the wafer, then the simulation proper.
struct HostTimes {
  double setup_seconds = 0, run_seconds = 0;
};

// The tiles of the wafers other MPI ranks ran, as their stats entries, and their fabrics' totals:
// gathered on rank 0 so that its stats are the whole system's.
struct OtherRanks {
  std::map<uint32_t, nlohmann::json> cores, routers;  // by tile
  std::map<std::string, uint64_t> fabric;             // the fabric totals that add up over ranks, summed
};

// Every rank calls it (a collective) once its cores and fabric have ended at `end_cycle`, the
// whole system's: rank 0 gets the others' phase profiles added into `profile` and, when a rank
// asks for `tiles` (the one that writes the stats), their cores' and routers' entries; the other
// ranks get nothing.
OtherRanks gather_other_ranks(const Wafer& wafer, PhaseProfile& profile, uint64_t end_cycle, bool tiles);

// Per-core and total instructions, cycles, traps, fabric and tensor counts; the fabric's links;
// the off-wafer links, memory node and host traffic when present; the phase profile when used.
// The per-core and per-router arrays are made as the stats are written: `wafer` and `others` (the
// tiles this process did not run) must outlive them. `r` is the wafer's result (Wafer::result(),
// a pass over every core, made once per run).
StreamedJson run_stats_json(Wafer& wafer, const Wafer::Result& r, const PhaseProfile& profile, const HostTimes& host,
                            const std::optional<HostLoadSummary>& load, const HostStreamSummary& stream,
                            const OtherRanks& others);

// Simulated and host time, instructions, MIPS, and one line per off-wafer path that carried traffic.
void print_run_summary(std::ostream& err, const Wafer& wafer, const Wafer::Result& r, const HostTimes& host,
                       const std::optional<HostLoadSummary>& load, const HostStreamSummary& stream);

}  // namespace wvp
