// `wafervp decode`: a prompt goes in, tokens come out of the decode firmware running on the
// whole grid, printed as text as they come, then the simulated time per token. With
// decode.micro_batches, that many sequences (users) are decoded together, one prompt for all or
// one each, and each sequence's text is printed at the end.
#pragma once
#include <cstdint>
#include <iosfwd>
#include <string>
#include <vector>

#include "platform/command/run.h"
#include "platform/config/config.h"

namespace wvp {

constexpr int kExitReferenceMismatch = 1;

struct DecodeOptions {
  std::string model_path, tokenizer_path;
  std::vector<std::string> prompts;  // one for every sequence, or one per sequence (decode.micro_batches)
  std::string firmware_path;  // the decode ELF; empty: sw/decode.elf beside the build's wafervp
  uint32_t steps = 32;        // positions, prompt included, at most the context
  float temperature = 0.0f;   // 0: greedy
  float topp = 0.9f;
  uint64_t seed = 1;
  PlatformConfig config;
  std::string stats_path;
  std::string trace_path;
  CheckpointOptions checkpoint;
};

// Returns the process exit code (kExitReferenceMismatch when a sequence's tokens are not the host
// reference's for its prompt); bad input throws (ConfigError, llama::ModelError, LoadError).
int run_decode(const DecodeOptions& options, std::ostream& out, std::ostream& err);

}  // namespace wvp
