// What a run reports: the summary printed at its end and the stats JSON (`--stats`).
#pragma once
#include <iosfwd>
#include <optional>

#include <nlohmann/json.hpp>

#include "platform/assembly/wafer.h"
#include "platform/host/host_load.h"
#include "platform/host/host_stream.h"
#include "platform/report/phase_profile.h"

namespace wvp {

// Per-core and total instructions, cycles, traps, fabric and tensor counts; the fabric's links;
// the off-wafer links, memory node and host traffic when present; the phase profile when used.
nlohmann::json run_stats_json(Wafer& wafer, const PhaseProfile& profile, double host_seconds,
                              const std::optional<HostLoadSummary>& load, const HostStreamSummary& stream);

// Simulated and host time, instructions, MIPS, and one line per off-wafer path that carried traffic.
void print_run_summary(std::ostream& err, const Wafer& wafer, const Wafer::Result& r, double host_seconds,
                       const std::optional<HostLoadSummary>& load, const HostStreamSummary& stream);

}  // namespace wvp
