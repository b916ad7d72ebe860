// RTL co-simulation cost: (a) the Verilated router alone behind its transactor, saturated (a
// wavelet offered at every input every cycle, credits back the next cycle), in router cycles per
// host second; (b) the all-reduce firmware on a 16 x 16 grid with no, one (the centre) and every
// router in RTL: host seconds, the slowdown against the models, and a check that the simulated
// cycles do not change.
// Usage: wvp_bench_rtl [--json FILE] [--cycles N]
#include <chrono>
#include <cstdio>
#include <cstring>
#include <fstream>
#include <string>
#include <vector>

#include <nlohmann/json.hpp>

#include "rtl/router/rtl_router.h"
#include "wafervp_run.h"

namespace {

using namespace wvp;

nlohmann::json router_alone(uint64_t cycles) {
  FabricParams p;  // the platform's defaults: 24 colors, 4-flit buffers
  auto router = make_rtl_router(p, "bench_router");
  // Every input crosses to the opposite side, the ramp loops back to itself: five disjoint
  // paths, so the router could move five wavelets a cycle.
  for (uint32_t c = 0; c < p.colors; ++c)
    for (int in = 0; in < kPorts; ++in) router->write_route(c, in, port_bit(opposite(in)));
  std::vector<uint32_t> space(kPorts * p.colors);
  for (int in = 0; in < kPorts; ++in)
    for (uint32_t c = 0; c < p.colors; ++c) space[in * p.colors + c] = in == kRamp ? p.tx_queue_depth_flits : p.buffer_depth_flits;
  RouterDecisions d;
  uint64_t sent = 0;
  const auto start = std::chrono::steady_clock::now();
  for (uint64_t t = 0; t < cycles; ++t) {
    const uint32_t color = static_cast<uint32_t>(t % p.colors);
    for (int in = 0; in < kPorts; ++in)
      if (space[in * p.colors + color]) {
        --space[in * p.colors + color];
        router->write_flit(in, color, static_cast<uint32_t>(t));
      }
    router->cycle(t, d);
    for (uint32_t outs = d.sends; outs; outs &= outs - 1) {
      const int o = __builtin_ctz(outs);
      router->return_credit(o, d.send[o].color);
      ++sent;
    }
    for (uint32_t ins = d.pops; ins; ins &= ins - 1) {
      const int in = __builtin_ctz(ins);
      ++space[in * p.colors + d.pop_color[in]];
    }
  }
  router->finish();
  const double seconds = std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
  const double rate = static_cast<double>(cycles) / seconds;
  std::printf("(a) RTL router alone, saturated: %llu cycles in %.3f s = %.0f cycles/s, %.2f wavelets/cycle\n",
              static_cast<unsigned long long>(cycles), seconds, rate, static_cast<double>(sent) / static_cast<double>(cycles));
  return {{"case", "router_alone"}, {"cycles", cycles}, {"host_seconds", seconds}, {"cycles_per_second", rate},
          {"wavelets_per_cycle", static_cast<double>(sent) / static_cast<double>(cycles)}};
}

nlohmann::json allreduce(const char* name, const std::vector<std::string>& rtl, double model_seconds, uint64_t model_cycles) {
  std::vector<std::string> args = {"--grid", "16x16"};
  for (const std::string& swap : rtl) args.insert(args.end(), {"--rtl", swap});
  args.push_back(std::string(WVP_FIRMWARE_DIR) + "/allreduce.elf");
  const nlohmann::json s = bench::run_with_stats(std::string("allreduce_") + name, args);
  if (s.is_null()) return nullptr;
  const double seconds = s["host_seconds"].get<double>();
  const uint64_t cycles = s["simulated_cycles"].get<uint64_t>();
  const double slowdown = model_seconds > 0 ? seconds / model_seconds : 1.0;
  std::printf("(b) all-reduce 16x16, %-14s %8.3f host s, %llu cycles%s, slowdown %.1fx\n", name, seconds,
              static_cast<unsigned long long>(cycles),
              model_cycles && cycles != model_cycles ? " (DIFFERS from the models!)" : "", slowdown);
  return {{"case", std::string("allreduce_16x16_") + name}, {"host_seconds", seconds}, {"simulated_cycles", cycles},
          {"cycles_equal_models", !model_cycles || cycles == model_cycles}, {"slowdown", slowdown}};
}

}  // namespace

int main(int argc, char** argv) {
  std::string json_path;
  uint64_t cycles = 200000;
  for (int i = 1; i < argc; ++i) {
    if (!std::strcmp(argv[i], "--json") && i + 1 < argc) json_path = argv[++i];
    else if (!std::strcmp(argv[i], "--cycles") && i + 1 < argc) cycles = std::stoull(argv[++i]);
    else {
      std::fprintf(stderr, "usage: wvp_bench_rtl [--json FILE] [--cycles N]\n");
      return 2;
    }
  }
  nlohmann::json out = nlohmann::json::array();
  out.push_back(router_alone(cycles));
  const nlohmann::json model = allreduce("models", {}, 0, 0);
  if (model.is_null()) return 1;
  out.push_back(model);
  const double seconds = model["host_seconds"].get<double>();
  const uint64_t simulated = model["simulated_cycles"].get<uint64_t>();
  for (const auto& [name, swaps] : {std::pair<const char*, std::vector<std::string>>{"1 RTL router", {"router@8,8"}},
                                    {"all RTL", {"router@*,*"}}}) {
    const nlohmann::json r = allreduce(name, swaps, seconds, simulated);
    if (r.is_null()) return 1;
    out.push_back(r);
  }
  if (!json_path.empty()) {
    std::ofstream f(json_path);
    f << nlohmann::json{{"cases", out}}.dump(2) << "\n";
    if (!f) {
      std::fprintf(stderr, "%s: cannot write\n", json_path.c_str());
      return 1;
    }
  }
  return 0;
}
