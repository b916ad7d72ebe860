// The wafervp command line, parsed into what each command needs. Parsing reads the config file
// and nothing else, and builds nothing: every option and config value is checked here, so that a
// bad one ends the command with one line before any file is loaded or any wafer built.
#pragma once
#include <cstdint>
#include <stdexcept>
#include <string>
#include <vector>

#include "platform/command/decode.h"
#include "platform/command/run.h"
#include "platform/llama/checkpoint.h"
#include "platform/studies/system_study.h"

namespace wvp {

// A bad command line: what() is one line naming the option and what is wrong with it.
struct UsageError : std::runtime_error {
  using std::runtime_error::runtime_error;
};

// `wafervp noc`: one run at noc.injection_rate, or a sweep of the offered load.
struct NocOptions {
  PlatformConfig config;
  std::string json_path, heatmap_path;
  double heatmap_scale = 0;  // as RunOptions'
  bool sweep = false;
  double sweep_step = 0.05, sweep_max = 1.0;
  uint32_t sweep_refine = 4;  // bisection steps at saturation
  unsigned jobs = 1;          // sweep points run at a time, each in a process
  std::string csv_path, plot_path;
  CheckpointOptions checkpoint;  // one run, not a sweep
};

// `wafervp make-model`: a deterministic checkpoint and its tokenizer.
struct MakeModelOptions {
  llama::ModelConfig model;
  uint64_t seed = 1;
  std::string out_path, tokenizer_path;
};
// make-model generates the whole model in memory before writing it.
constexpr uint64_t kMaxMakeModelBytes = uint64_t{2} << 30;

enum class CommandKind : uint8_t { Help, Run, Decode, Noc, Config, MakeModel, Study };

struct Command {
  CommandKind kind = CommandKind::Help;
  std::string help;  // Help: the text for stdout
  RunOptions run;
  DecodeOptions decode;
  NocOptions noc;
  PlatformConfig config;  // `wafervp config`
  MakeModelOptions make_model;
  StudyOptions study;
};

// What an exception that ends a command means: bad input (found before any wafer is built) is
// Wafer::kExitBadInput, a NoC study's deadlock kExitDeadlock, anything else the tool's own fault,
// kExitInternal.
int exit_code_of(const std::exception& e);

// `args`: the words after the program's name. Throws UsageError, or ConfigError for a bad config
// file or value.
Command parse_command(const std::vector<std::string>& args);

// A file or folder the command will write, with the option that names it.
struct Output {
  std::string option, path;
  bool folder = false;
};
std::vector<Output> outputs(const Command& command);

// What the command will need of the host, tried before it starts: every output is opened
// (without truncating an existing file) or a file made in every output folder, and removed if
// made here, so that an unwritable path is refused now and not found after the run; the GDB
// port is bound and released. Throws UsageError naming the option.
void check_resources(const Command& command);

}  // namespace wvp
