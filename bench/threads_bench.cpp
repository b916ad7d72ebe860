// Host threads (sim.threads): what a quantum round's dispatch to the threads costs, and what
// threads give whole runs. For each case the bench runs `wafervp run` with every thread count
// asked for, checks that the simulated results are the same, and reports host seconds, the
// speed-up over one thread and where the time went (the stats' host_threads: rounds run in
// parallel, core runs isolated, their host seconds). From those it fits the model of
// docs/threads.md, T(N) = S + W / N + R * c(N), and projects it to 64 threads.
// Usage: wvp_bench_threads [--json FILE] [--threads 1,2] [--quick]
#include <chrono>
#include <cmath>
#include <cstdio>
#include <cstring>
#include <fstream>
#include <sstream>
#include <string>
#include <vector>

#include <nlohmann/json.hpp>

#include "engine/worker_pool.h"
#include "support/host_figures.h"
#include "wafervp_run.h"

namespace {

// Host seconds of one for_each over `threads` empty tasks: a round's dispatch and join.
double dispatch_seconds(unsigned threads, int calls) {
  wvp::WorkerPool pool(threads);
  const auto start = std::chrono::steady_clock::now();
  for (int i = 0; i < calls; ++i) pool.for_each(threads, [](size_t) {});
  return std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count() / calls;
}

struct Case {
  const char* name;
  std::vector<std::string> args;
};

// The stats without what may differ between thread counts.
nlohmann::json simulated(nlohmann::json s) {
  wvp::test::erase_host_figures(s);
  return s;
}

}  // namespace

int main(int argc, char** argv) {
  std::string json_path = "threads_bench.json";
  std::vector<unsigned> counts = {1, 2};
  bool quick = false;
  for (int i = 1; i < argc; ++i) {
    if (!std::strcmp(argv[i], "--json") && i + 1 < argc) {
      json_path = argv[++i];
    } else if (!std::strcmp(argv[i], "--threads") && i + 1 < argc) {
      counts.clear();
      std::istringstream list(argv[++i]);
      for (std::string n; std::getline(list, n, ',');) counts.push_back(static_cast<unsigned>(std::stoul(n)));
    } else if (!std::strcmp(argv[i], "--quick")) {
      quick = true;
    } else {
      std::fprintf(stderr, "usage: wvp_bench_threads [--json FILE] [--threads 1,2] [--quick]\n");
      return 2;
    }
  }
  if (counts.empty() || counts.front() != 1) counts.insert(counts.begin(), 1);

  nlohmann::json dispatch = nlohmann::json::object();
  for (const unsigned n : counts) {
    const double s = dispatch_seconds(n, quick ? 2000 : 20000);
    dispatch[std::to_string(n)] = s;
    std::printf("dispatch of a round to %u thread(s): %.2f us\n", n, s * 1e6);
  }

  const std::string fw = WVP_FIRMWARE_DIR;
  const std::vector<Case> cases = {
      {"compute (mixed, 32x32)", {"--grid", "32x32", "--poke", quick ? "mixed_iterations=4" : "mixed_iterations=40", fw + "/mixed.elf"}},
      {"neighbour exchange (256x256)", {"--grid", quick ? "64x64" : "256x256", fw + "/exchange.elf"}},
      {"all-reduce (64x64, bench (c))", {"--grid", "64x64", fw + "/allreduce.elf"}},
  };
  nlohmann::json results = nlohmann::json::array();
  bool same = true;
  for (const Case& c : cases) {
    nlohmann::json runs = nlohmann::json::object(), reference;
    double one = 0;
    for (const unsigned n : counts) {
      std::vector<std::string> args = {"--threads", std::to_string(n)};
      args.insert(args.end(), c.args.begin(), c.args.end());
      const nlohmann::json s = wvp::bench::run_with_stats("threads", args);
      if (s.is_null()) return 1;
      if (reference.is_null()) reference = simulated(s);
      else if (simulated(s) != reference) same = false, std::printf("  %s: %u threads DIFFER from 1 thread\n", c.name, n);
      const double host = s["host_seconds"];
      if (n == 1) one = host;
      const nlohmann::json& t = s["host_threads"];
      // The model's terms from this run: serial seconds S, the isolated stretches' work W (their
      // wall time on n threads, less the dispatches, times n) and the rounds R that dispatched.
      const double rounds = t["parallel_rounds"], parallel = t["parallel_seconds"];
      const double dispatch_n = dispatch[std::to_string(n)];
      const double work = n > 1 ? std::max(0.0, parallel - rounds * dispatch_n) * n : 0.0;
      const double serial = host - parallel;
      runs[std::to_string(n)] = {{"host_seconds", host}, {"speed_up", one / host}, {"mips", s["mips"]},
                                 {"host_threads", t}, {"serial_seconds", serial}, {"isolated_work_seconds", work}};
      std::printf("%s, %u thread(s): %.3f s, %.2fx, %.1f MIPS; %llu rounds in parallel, %llu isolated core runs, "
                  "%.3f s in them\n",
                  c.name, n, host, one / host, s["mips"].get<double>(), static_cast<unsigned long long>(rounds),
                  static_cast<unsigned long long>(t["isolated_runs"].get<uint64_t>()), parallel);
    }
    // Projection from the largest count's terms: c(N) grows with the barrier's depth.
    const std::string top = std::to_string(counts.back());
    const nlohmann::json& r = runs[top];
    nlohmann::json projection = nlohmann::json::object();
    if (counts.back() > 1) {
      const double c2 = dispatch[top].get<double>() / std::log2(std::max(2.0, double(counts.back())));
      const double rounds = r["host_threads"]["parallel_rounds"];
      for (const unsigned n : {1u, 2u, 8u, 64u}) {
        const double t = r["serial_seconds"].get<double>() + r["isolated_work_seconds"].get<double>() / n +
                         (n > 1 ? rounds * c2 * std::log2(double(n)) : 0.0);
        projection[std::to_string(n)] = t;
      }
      std::printf("  model: S = %.3f s, W = %.3f s, R = %.0f rounds, c(N) = %.2f us x log2 N; projected: 8 threads %.3f s, "
                  "64 threads %.3f s (%.2fx)\n",
                  r["serial_seconds"].get<double>(), r["isolated_work_seconds"].get<double>(), rounds, c2 * 1e6,
                  projection["8"].get<double>(), projection["64"].get<double>(), one / projection["64"].get<double>());
    }
    results.push_back({{"case", c.name}, {"args", c.args}, {"runs", runs}, {"projection_seconds", projection}});
  }
  std::ofstream(json_path) << nlohmann::json{{"benchmark", "threads"}, {"dispatch_seconds", dispatch},
                                             {"results", results}, {"same_results", same}}.dump(1)
                           << "\n";
  std::printf("wrote %s\n", json_path.c_str());
  return same ? 0 : 1;
}
