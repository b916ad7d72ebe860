// Paths the build passes to the end-to-end tests.
#pragma once
#include <string>
#include <vector>

#include <nlohmann/json.hpp>

#include "support/host_figures.h"
#include "support/process.h"

namespace wvp::test {

inline std::string wafervp() { return WVP_BINARY; }
inline std::string firmware(const std::string& name) {
  std::string path = WVP_FIRMWARE_DIR;  // appended: GCC 12 warns falsely of a literal's concatenation
  return path += "/" + name + ".elf";
}

// A file of the build's test models (build/checkpoints): tiny.bin, tiny_tokenizer.bin, ...
inline std::string checkpoint_file(const std::string& name) {
  std::string path = WVP_CHECKPOINT_DIR;
  return path += "/" + name;
}

// The shape of the build's tiny.bin (`wafervp make-model`'s defaults), for `decode --shape`.
inline const std::string kTinyShape = "dim=64,hidden=172,layers=2,heads=4,kv_heads=2,vocab=512,seq_len=32";

// `wafervp run ARGS...`
inline ProcessResult run_wafervp(std::vector<std::string> args, int timeout_seconds = 300) {
  args.insert(args.begin(), {wafervp(), "run"});
  return run_process(args, timeout_seconds);
}

inline std::vector<std::string> lines(const std::string& text) {
  std::vector<std::string> out;
  std::string line;
  for (char c : text) {
    if (c == '\n') {
      out.push_back(line);
      line.clear();
    } else {
      line += c;
    }
  }
  if (!line.empty()) out.push_back(line);
  return out;
}

// Summary counters without the host-dependent lines (host time, MIPS).
inline std::string simulated_summary(const std::string& err) {
  std::string keep;
  for (const std::string& l : lines(err))
    if (l.find("host time") == std::string::npos && l.find("speed") == std::string::npos) keep += l + "\n";
  return keep;
}

}  // namespace wvp::test
