// ISS speed: runs `wafervp run` on the benchmark firmware and reports MIPS from its stats JSON
// (instructions counted exactly, host time of the simulation proper).
//   (a) one core, tight integer loop      (b) one core, mixed firmware
//   (c) 1,024 cores, mixed firmware        (d) 1,024 cores, most asleep in wfi, against the
//   same awake cores on a 4x4 grid: host time must follow the awake cores only
//   (e) one core, the mixed firmware built with the C extension (core.isa=rv32imfc)
// and the time of a fixed native loop, which tells a slow or busy host from a slow ISS.
// Usage: wvp_bench_iss [--json FILE] [--quick] [--threads N]
#include <chrono>
#include <cstdint>
#include <cstdio>
#include <cstring>
#include <fstream>
#include <string>
#include <vector>

#include <nlohmann/json.hpp>

#include "wafervp_run.h"

namespace {

struct Case {
  std::string name, description;
  std::vector<std::string> args;
};

nlohmann::json run_case(const Case& c, const std::string& threads) {
  std::vector<std::string> args = {"--threads", threads};
  args.insert(args.end(), c.args.begin(), c.args.end());
  const nlohmann::json s = wvp::bench::run_with_stats(c.name, args);
  if (s.is_null()) return nullptr;
  return {{"case", c.name},
          {"description", c.description},
          {"cores", s["cores"].size()},
          {"instructions", s["instructions"]},
          {"host_seconds", s["host_seconds"]},
          {"mips", s["mips"]},
          {"simulated_cycles", s["simulated_cycles"]}};
}

// 10^9 iterations of a multiply-add the compiler cannot fold away: a fixed amount of native
// work, whose time says how fast the host runs now (a VM's host may be shared).
double host_reference_loop_seconds() {
  volatile uint32_t factor = 1;
  uint32_t sum = 0;
  const auto start = std::chrono::steady_clock::now();
  for (uint32_t i = 0; i < 1'000'000'000u; ++i) sum += i * factor;
  __asm__ volatile("" : : "r"(sum));  // the sum is used
  return std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
}

}  // namespace

int main(int argc, char** argv) {
  std::string json_path = "iss_bench.json";
  bool quick = false;
  std::string threads = "1";  // one host core: the ISS's own speed (wvp_bench_threads for more)
  for (int i = 1; i < argc; ++i) {
    if (!std::strcmp(argv[i], "--json") && i + 1 < argc) json_path = argv[++i];
    else if (!std::strcmp(argv[i], "--quick")) quick = true;
    else if (!std::strcmp(argv[i], "--threads") && i + 1 < argc) threads = argv[++i];
    else {
      std::fprintf(stderr, "usage: wvp_bench_iss [--json FILE] [--quick] [--threads N]\n");
      return 2;
    }
  }
  const std::string fw = WVP_FIRMWARE_DIR;
  // --quick shrinks the work (for smoke runs), not the shape of the cases.
  const std::string loop_iters = quick ? "2000000" : "20000000";
  const std::string mixed_iters = quick ? "300" : "3000";
  const std::string grid_iters = quick ? "4" : "40";
  const std::string sleepy_work = quick ? "200000" : "2000000";
  const std::vector<Case> cases = {
      {"a_loop_1core", "one core, tight integer loop (~10 instructions/iteration, no loads or stores)",
       {"--grid", "1x1", "--poke", "loop_iterations=" + loop_iters, fw + "/loop.elf"}},
      {"b_mixed_1core", "one core, mixed firmware (loads/stores, branches, calls, integer and FP)",
       {"--grid", "1x1", "--poke", "mixed_iterations=" + mixed_iters, fw + "/mixed.elf"}},
      {"c_mixed_1024cores", "1,024 cores (32x32), each running the mixed firmware",
       {"--grid", "32x32", "--poke", "mixed_iterations=" + grid_iters, fw + "/mixed.elf"}},
      {"d_sleepy_1024cores", "1,024 cores (32x32): 16 awake, 1,008 asleep in wfi",
       {"--grid", "32x32", "--poke", "awake_cores=16", "--poke", "work_iterations=" + sleepy_work, fw + "/sleepy.elf"}},
      {"d_reference_16cores", "the same 16 awake cores alone (4x4)",
       {"--grid", "4x4", "--poke", "awake_cores=16", "--poke", "work_iterations=" + sleepy_work, fw + "/sleepy.elf"}},
      {"e_mixed_rvc_1core", "one core, the mixed firmware built with the C extension (2-byte instructions)",
       {"--set", "core.isa=rv32imfc", "--grid", "1x1", "--poke", "mixed_iterations=" + mixed_iters, fw + "/mixed_rvc.elf"}},
  };
  nlohmann::json results = nlohmann::json::array();
  std::printf("%-20s %6s %14s %10s %10s\n", "case", "cores", "instructions", "host s", "MIPS");
  for (const Case& c : cases) {
    const nlohmann::json r = run_case(c, threads);
    if (r.is_null()) return 1;
    std::printf("%-20s %6zu %14llu %10.3f %10.1f\n", c.name.c_str(), r["cores"].get<size_t>(),
                static_cast<unsigned long long>(r["instructions"].get<uint64_t>()), r["host_seconds"].get<double>(),
                r["mips"].get<double>());
    results.push_back(r);
  }
  const double sleepy_ratio = results[3]["host_seconds"].get<double>() / results[4]["host_seconds"].get<double>();
  std::printf("(d) host time with 1,008 sleeping cores / without them: %.2f\n", sleepy_ratio);
  const double reference = host_reference_loop_seconds();
  std::printf("host reference loop: %.3f s (MIPS of runs on one host at different times compare through it)\n", reference);
  std::ofstream(json_path) << nlohmann::json{{"benchmark", "iss"},
                                             {"results", results},
                                             {"d_sleeping_host_time_ratio", sleepy_ratio},
                                             {"host_reference_loop_seconds", reference}}
                                  .dump(1)
                           << "\n";
  std::printf("wrote %s\n", json_path.c_str());
  return 0;
}
