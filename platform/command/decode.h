// `wafervp decode`: a prompt goes in, tokens come out of the decode firmware running on the
// whole grid, printed as text as they come, then the simulated time per token. With
// decode.micro_batches, that many sequences (users) are decoded together, one prompt for all or
// one each, and each sequence's text is printed at the end.
#pragma once
#include <cstdint>
#include <iosfwd>
#include <optional>
#include <string>
#include <vector>

#include "platform/command/run.h"
#include "platform/config/config.h"
#include "platform/llama/checkpoint.h"

namespace wvp {

constexpr int kExitReferenceMismatch = 1;

struct DecodeOptions {
  std::string model_path, tokenizer_path;
  std::vector<std::string> prompts;  // one for every sequence, or one per sequence (decode.micro_batches)
  // Timing-only: the model's shape alone (model_path's header, or `shape`), its weights never
  // loaded; the tensor engines charge their cycles without computing values, so the tokens are
  // none of the model's and no host reference is computed. Greedy only.
  bool timing_only = false;
  std::optional<llama::ModelConfig> shape;  // --shape: the model without a file (timing-only)
  uint32_t prompt_tokens = 1;  // without a tokenizer: the prompt's length, BOS then 2, 3, ...
  // With `shape`: the position the run starts at, the K/V caches taken to hold the ones before
  // it. Their values would be zeros in a timing-only run from position 0, which is what
  // never-written SRAM and memory-node pages read, so the positions from here on cost what they
  // cost in that run, without simulating the ones before (a long context at full size).
  uint32_t start_position = 0;
  std::string firmware_path;  // the decode ELF; empty: sw/decode.elf (decode_rvc.elf for rv32imfc) beside the build's wafervp
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
