// Fabric speed in flit-hops (router traversals) per host second, on one host core:
//   (a) 64 x 64 mesh, uniform random traffic at half of its saturation load
//   (b) 1024 x 1024 mesh with the same traffic confined to a 64 x 64 region: an idle router
//       costs nothing, so (b) must cost about what (a) costs
//   (c) the all-reduce firmware on 64 x 64 cores (`wafervp run`, cores and fabric together;
//       its host time includes the cores' instructions)
// Usage: wvp_bench_noc [--json FILE] [--quick]
#include <cstdio>
#include <cstring>
#include <fstream>
#include <string>

#include <nlohmann/json.hpp>

#include "platform/studies/noc_study.h"
#include "wafervp_run.h"

namespace {

// Saturation of 64 x 64 uniform XY on the wafer pipeline, from
// `wafervp noc --grid 64x64 --set noc.measure_cycles=3000 --sweep --sweep-step 0.01 --sweep-max 0.07 --sweep-refine 3`.
constexpr double kSaturation64 = 0.0575;  // 92% of the channel-load bound 0.0625

nlohmann::json run_case(const char* name, uint32_t grid, uint32_t region, uint64_t measure_cycles) {
  wvp::NocParams noc;
  noc.injection_rate = kSaturation64 / 2;
  noc.region_width = noc.region_height = region;
  noc.measure_cycles = measure_cycles;
  const wvp::NocResult r = wvp::run_noc(wvp::noc_fabric_params(wvp::FabricParams{}, noc, grid, grid), noc);
  const double rate = double(r.flit_hops) / r.host_seconds;
  std::printf("(%s) %ux%u grid, traffic in %ux%u: %llu flit-hops in %.3f s = %.2f M flit-hops/s (latency avg %.1f, "
              "%llu bytes per touched router)\n",
              name, grid, grid, region, region, static_cast<unsigned long long>(r.flit_hops), r.host_seconds, rate / 1e6,
              r.latency_avg, static_cast<unsigned long long>(r.bytes_per_touched_router));
  return {{"case", name},       {"grid", grid},          {"region", region},         {"offered", r.offered},
          {"flit_hops", r.flit_hops}, {"host_seconds", r.host_seconds}, {"flit_hops_per_second", rate},
          {"latency_avg", r.latency_avg}, {"bytes_per_touched_router", r.bytes_per_touched_router}};
}

nlohmann::json run_allreduce(uint32_t grid, const std::string& threads) {
  const std::string g = std::to_string(grid) + "x" + std::to_string(grid);
  std::string console;
  const nlohmann::json s = wvp::bench::run_with_stats(
      "allreduce", {"--grid", g, "--threads", threads, std::string(WVP_FIRMWARE_DIR) + "/allreduce.elf"}, &console);
  if (s.is_null()) return {{"case", "c"}, {"error", "the all-reduce run failed"}};
  const uint64_t hops = s["fabric"]["flit_hops"];
  const double host = s["host_seconds"];
  const uint64_t router_bytes = s["fabric"]["bytes_per_touched_router"];
  std::printf("(c) all-reduce firmware on %s cores, %s host thread(s): %llu flit-hops, %llu instructions, %llu cycles in "
              "%.3f s = %.2f M flit-hops/s, %.1f MIPS, %llu bytes per touched router (colors)\n%s",
              g.c_str(), threads.c_str(), static_cast<unsigned long long>(hops), static_cast<unsigned long long>(s["instructions"].get<uint64_t>()),
              static_cast<unsigned long long>(s["simulated_cycles"].get<uint64_t>()), host, double(hops) / host / 1e6,
              s["mips"].get<double>(), static_cast<unsigned long long>(router_bytes), console.c_str());
  return {{"case", "c"}, {"grid", grid}, {"flit_hops", hops}, {"instructions", s["instructions"]},
          {"simulated_cycles", s["simulated_cycles"]}, {"host_seconds", host},
          {"flit_hops_per_second", double(hops) / host}, {"mips", s["mips"]}, {"bytes_per_touched_router", router_bytes},
          {"host_threads", s["host_threads"]}};
}

}  // namespace

int main(int argc, char** argv) {
  std::string json_path;
  bool quick = false;
  std::string threads = "1";  // case (c)'s host threads (--threads of wafervp)
  for (int i = 1; i < argc; ++i) {
    if (!std::strcmp(argv[i], "--json") && i + 1 < argc) json_path = argv[++i];
    else if (!std::strcmp(argv[i], "--quick")) quick = true;
    else if (!std::strcmp(argv[i], "--threads") && i + 1 < argc) threads = argv[++i];
    else {
      std::fprintf(stderr, "usage: wvp_bench_noc [--json FILE] [--quick] [--threads N]\n");
      return 2;
    }
  }
  const uint64_t measure = quick ? 1000 : 10000;
  nlohmann::json out = nlohmann::json::array();
  out.push_back(run_case("a", 64, 64, measure));
  out.push_back(run_case("b", 1024, 64, measure));
  out.push_back(run_allreduce(64, threads));
  const double ratio = out[1]["host_seconds"].get<double>() / out[0]["host_seconds"].get<double>();
  std::printf("(b)/(a) host time: %.2f (target: about 1)\n", ratio);
  std::printf("target (a): 50 M flit-hops/s\n");
  if (!json_path.empty()) {
    std::ofstream f(json_path);
    f << nlohmann::json{{"cases", out}, {"b_over_a_host_time", ratio}}.dump(2) << "\n";
    if (!f) {
      std::fprintf(stderr, "%s: cannot write\n", json_path.c_str());
      return 2;
    }
  }
  return 0;
}
