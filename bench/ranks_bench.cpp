// MPI ranks (issue 22, deliverable 2): the same system on 1 and on 2 (or more) ranks of this
// host, each rank one host thread, so that the figures show what distributing the wafers gains.
// Each case checks that every rank count prints the same console and simulated summary.
//
//   wvp_bench_ranks [--json FILE] [--ranks 1,2] [--quick]
#include <algorithm>
#include <chrono>
#include <cstdio>
#include <cstring>
#include <fstream>
#include <sstream>
#include <string>
#include <vector>

#include <nlohmann/json.hpp>

#include "support/process.h"

namespace {

using wvp::test::ProcessResult;

struct Case {
  std::string name;
  std::vector<std::string> args;  // after the command
};

// The summary line's figure after `label` ("host time       2.1 s" -> 2.1), or -1.
double figure(const std::string& err, const std::string& label) {
  const size_t at = err.find(label);
  if (at == std::string::npos) return -1;
  return std::strtod(err.c_str() + at + label.size(), nullptr);
}

// What must not depend on the rank count: the console lines (other ranks' come after rank 0's,
// so in sorted order), and the summary without host time, speed and the ranks' own lines.
std::string simulated(const ProcessResult& r) {
  std::vector<std::string> console;
  std::istringstream out(r.out);
  for (std::string l; std::getline(out, l);) console.push_back(l);
  std::sort(console.begin(), console.end());
  std::string keep;
  for (const std::string& l : console) keep += l + "\n";
  std::istringstream lines(r.err);
  for (std::string l; std::getline(lines, l);)
    if (l.find("host time") == std::string::npos && l.find("speed") == std::string::npos && l.find("MPI ranks") == std::string::npos &&
        l.find("cores' time") == std::string::npos)
      keep += l + "\n";
  return keep;
}

}  // namespace

int main(int argc, char** argv) {
#ifndef WVP_MPIRUN
  (void)argc, (void)argv;
  std::fprintf(stderr, "wvp_bench_ranks: this build has no MPI (install libopenmpi-dev and openmpi-bin, then rebuild)\n");
  return 2;
#else
  std::string json_path = "ranks_bench.json";
  std::vector<int> counts = {1, 2};
  bool quick = false;
  for (int i = 1; i < argc; ++i) {
    if (!std::strcmp(argv[i], "--json") && i + 1 < argc) {
      json_path = argv[++i];
    } else if (!std::strcmp(argv[i], "--ranks") && i + 1 < argc) {
      counts.clear();
      std::istringstream list(argv[++i]);
      for (std::string n; std::getline(list, n, ',');) counts.push_back(std::stoi(n));
    } else if (!std::strcmp(argv[i], "--quick")) {
      quick = true;
    } else {
      std::fprintf(stderr, "usage: wvp_bench_ranks [--json FILE] [--ranks 1,2] [--quick]\n");
      return 2;
    }
  }
  if (counts.empty() || counts.front() != 1) counts.insert(counts.begin(), 1);

  const std::string wafervp = WVP_BINARY, fw = WVP_FIRMWARE_DIR;
  const std::string model = wvp::test::temp_path("ranks_model.bin"), tokenizer = wvp::test::temp_path("ranks_tokenizer.bin");
  if (wvp::test::run_process({wafervp, "make-model", "--layers", "8", "--dim", "64", "--out", model, "--tokenizer", tokenizer}).exit_code) {
    std::fprintf(stderr, "wvp_bench_ranks: make-model failed\n");
    return 1;
  }
  const std::vector<std::string> four = {"--set", "system.wafers=4", "--set", "serdes.count=2", "--set",
                                         "system.links=w0.east-w1.west,w1.east-w2.west,w2.east-w3.west"};
  const std::vector<std::string> two = {"--set", "system.wafers=2", "--set", "serdes.count=2", "--set", "system.links=w0.east-w1.west"};
  std::vector<Case> cases = {
      {"4-wafer pipeline decode, 4 stages x 4 micro-batches, wafers of 8x8",
       {"decode", "--grid", "8x8", "--model", model, "--tokenizer", tokenizer, "--prompt", "Once upon", "--steps",
        quick ? "8" : "16", "--set", "decode.stages=4", "--set", "decode.micro_batches=4"}},
      {"compute (mixed) on 2 wafers of 32x32",
       {"run", "--grid", "32x32", "--poke", quick ? "mixed_iterations=4" : "mixed_iterations=40", fw + "/mixed.elf"}},
      {"all-reduce on 2 wafers of 32x32", {"run", "--grid", "32x32", fw + "/allreduce.elf"}},
  };
  cases[0].args.insert(cases[0].args.end(), four.begin(), four.end());
  for (size_t c = 1; c < cases.size(); ++c) cases[c].args.insert(cases[c].args.end() - 1, two.begin(), two.end());

  nlohmann::json results = nlohmann::json::array();
  bool same = true;
  for (const Case& c : cases) {
    nlohmann::json runs = nlohmann::json::object();
    std::string reference;
    double one = 0;
    for (const int n : counts) {
      std::vector<std::string> argv = {WVP_MPIRUN, "--allow-run-as-root", "--oversubscribe", "-np", std::to_string(n), wafervp};
      argv.insert(argv.end(), c.args.begin(), c.args.end());
      argv.insert(argv.begin() + 6 + 1, {"--threads", "1"});
      const auto began = std::chrono::steady_clock::now();
      const ProcessResult r = wvp::test::run_process(argv, 3600);
      const double wall = std::chrono::duration<double>(std::chrono::steady_clock::now() - began).count();
      if (r.exit_code != 0) {
        std::fprintf(stderr, "%s on %d ranks: exit %d\n%s", c.name.c_str(), n, r.exit_code, r.err.c_str());
        return 1;
      }
      const double host = figure(r.err, "host time");
      if (n == 1) one = host, reference = simulated(r);
      const bool identical = simulated(r) == reference;
      same = same && identical;
      nlohmann::json run = {{"host_seconds", host}, {"wall_seconds", wall}, {"speedup", host > 0 ? one / host : 0.0},
                            {"identical_to_one_rank", identical}};
      const std::string ranks_line = "MPI ranks, ";
      if (const size_t at = r.err.find(ranks_line); at != std::string::npos)
        run["ranks_line"] = r.err.substr(r.err.rfind('\n', at) + 1, r.err.find('\n', at) - r.err.rfind('\n', at) - 1);
      runs[std::to_string(n)] = run;
      std::printf("%-70s %d rank(s): %7.2f s run (%6.2f s wall), %.2fx%s\n", c.name.c_str(), n, host, wall,
                  host > 0 ? one / host : 0.0, identical ? "" : "  DIFFERENT OUTPUT");
      std::fflush(stdout);
    }
    results.push_back({{"case", c.name}, {"args", c.args}, {"runs", runs}});
  }
  std::ofstream(json_path) << nlohmann::json{{"ranks", counts}, {"quick", quick}, {"cases", results}}.dump(2) << "\n";
  std::printf("written %s\n", json_path.c_str());
  return same ? 0 : 1;
#endif
}
