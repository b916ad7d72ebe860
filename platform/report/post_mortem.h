// The post-mortem of a run as JSON (`--post-mortem FILE` after a trap, deadlock, sim.max_cycles
// or a signal; `--dump FILE` at the end of any run): why it ended, every core's state (running,
// wfi, waiting for a color, exited, trapped), pc and the instruction there, registers (gpr, fpr)
// and CSRs, and the flits in each router's queues that carried traffic. What a developer reads
// first when a run of thousands of cores stops where it should not.
#pragma once
#include <string>

#include "platform/assembly/wafer.h"
#include "platform/report/streamed_json.h"

namespace wvp {

// "trap", "deadlock", "fabric_error", "max_cycles", "SIGINT", "SIGTERM", or "end" (every core
// exited, with code 0 or not).
std::string end_reason(const Wafer& wafer, const Wafer::Result& r);
bool ended_badly(const std::string& reason);

// {"reason", "exit_code", "cycle", "fabric_cycle", "error", "cores": [...], "routers": [...]};
// the arrays are made as the document is written: `wafer` must outlive it.
StreamedJson post_mortem_json(Wafer& wafer, const Wafer::Result& r, const std::string& reason);

}  // namespace wvp
