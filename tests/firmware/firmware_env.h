// Paths the build passes to the end-to-end tests.
#pragma once
#include <string>
#include <vector>

#include "support/process.h"

namespace wvp::test {

inline std::string wafervp() { return WVP_BINARY; }
inline std::string firmware(const std::string& name) { return std::string(WVP_FIRMWARE_DIR) + "/" + name + ".elf"; }

// `wafervp run ARGS...`
inline ProcessResult run_wafervp(std::vector<std::string> args, int timeout_seconds = 300) {
  args.insert(args.begin(), {wafervp(), "run"});
  return run_process(args, timeout_seconds);
}

}  // namespace wvp::test
