// What a run's JSON reports of the host (time, speed, memory, threads): it may differ between two
// runs of the same input, so comparisons of simulated results leave it out. Shared by the tests
// and the benches.
#pragma once
#include <nlohmann/json.hpp>

namespace wvp::test {

// `wafervp run|decode --stats`.
inline void erase_host_figures(nlohmann::json& stats) {
  for (const char* key : {"host_setup_seconds", "host_seconds", "mips", "host_memory", "host_threads"}) stats.erase(key);
}

// `wafervp noc --json`.
inline void erase_noc_host_figures(nlohmann::json& study) {
  for (const char* key : {"host_seconds", "flit_hops_per_second"}) study.erase(key);
}

}  // namespace wvp::test
