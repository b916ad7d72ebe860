// Benchmarks that measure whole runs: `wafervp run ARGS` with a stats file.
#pragma once
#include <cstdio>
#include <string>
#include <vector>

#include <nlohmann/json.hpp>

#include "support/process.h"

namespace wvp::bench {

// The run's stats JSON, or null after printing why the run failed. `console` gets its stdout.
inline nlohmann::json run_with_stats(const std::string& name, const std::vector<std::string>& args,
                                     std::string* console = nullptr) {
  const std::string stats = test::temp_path(name + ".json");
  std::vector<std::string> argv = {WVP_BINARY, "run", "--stats", stats};
  argv.insert(argv.end(), args.begin(), args.end());
  const test::ProcessResult r = test::run_process(argv, 3600);
  if (r.exit_code != 0) {
    std::fprintf(stderr, "%s: wafervp exited %d\n%s%s", name.c_str(), r.exit_code, r.out.c_str(), r.err.c_str());
    return nullptr;
  }
  if (console) *console = r.out;
  nlohmann::json s = nlohmann::json::parse(test::read_file(stats));
  std::remove(stats.c_str());
  return s;
}

}  // namespace wvp::bench
