#include "platform/decode.h"

#include <bit>
#include <filesystem>
#include <iomanip>
#include <ostream>
#include <sstream>

#include <nlohmann/json.hpp>

#include "platform/llama/checkpoint.h"
#include "platform/decode_estimate.h"
#include "platform/llama/tokenizer.h"
#include "platform/run.h"
#include "platform/wafer.h"

namespace wvp {

namespace {

std::string default_firmware() {
  // The build puts the firmware at <build>/sw/decode.elf and this program at <build>/platform/.
  const std::filesystem::path exe = std::filesystem::read_symlink("/proc/self/exe");
  return (exe.parent_path().parent_path() / "sw" / "decode.elf").string();
}

// "tensor 1.0%, fabric 38.5%, ..." in the order of the breakdown.
std::string breakdown_line(const PhaseProfile::Breakdown& b) {
  std::ostringstream line;
  line << std::fixed << std::setprecision(1);
  for (uint32_t a : {WVP_ACTIVITY_TENSOR, WVP_ACTIVITY_FABRIC, WVP_ACTIVITY_SYNC, WVP_ACTIVITY_MEMORY, WVP_ACTIVITY_CORE})
    line << PhaseProfile::activity_name(a) << " " << b.share(b.active[a]) << "%, ";
  line << "idle " << b.share(b.idle) << "%";
  return line.str();
}

nlohmann::json bounds_json(const DecodeBounds& b, uint64_t cycles_per_token) {
  return {{"sram_bound_cycles", b.sram_cycles},
          {"compute_bound_cycles", b.compute_cycles},
          {"fabric_bound_cycles", b.fabric_cycles},
          {"weight_bytes_per_core", b.weight_bytes_per_core},
          {"collectives_per_token", b.collectives},
          {"dominant_bound", b.dominant()},
          {"cycles_per_token", cycles_per_token},
          {"times_largest_bound", b.largest() > 0 ? double(cycles_per_token) / b.largest() : 0.0}};
}

}  // namespace

int run_decode(const DecodeOptions& options, std::ostream& out, std::ostream& err) {
  if (options.prompt.empty()) throw llama::ModelError("the prompt is empty");
  const llama::Model model = llama::read_checkpoint(options.model_path);
  const llama::Tokenizer tokenizer = llama::Tokenizer::read(options.tokenizer_path, model.config.vocab_size);
  RunOptions run;
  run.elf_path = options.firmware_path.empty() ? default_firmware() : options.firmware_path;
  run.config = options.config;
  run.model_path = options.model_path;
  run.prompt_tokens = tokenizer.encode(options.prompt);
  if (run.prompt_tokens.size() > size_t(model.config.seq_len))
    throw llama::ModelError("the prompt is " + std::to_string(run.prompt_tokens.size()) +
                            " tokens long, more than the model's context of " + std::to_string(model.config.seq_len));
  run.sampling = options.temperature != 0.0f;
  run.stats_path = options.stats_path;
  run.trace_path = options.trace_path;
  // PE (0,0) prints "token <id>" per position (prompt tokens too) and its cycles per token.
  uint64_t tokens = 0, cycles_per_token = 0;
  DecodeBounds bounds;
  llama::StagePlan plan;
  run.planned = [&](const llama::StagePlan& p) {
    plan = p;
    bounds = decode_bounds(model.config, options.config, plan);
  };
  const auto seconds_per_token = [&] { return double(cycles_per_token) / options.config.core.clock_hz; };
  PhaseProfile::Breakdown breakdown;
  run.report = [&](const Wafer& wafer, int code, nlohmann::json* stats) {
    breakdown = wafer.profile().breakdown();
    if (stats && code == 0 && cycles_per_token) {
      (*stats)["decode"] = bounds_json(bounds, cycles_per_token);
      (*stats)["decode"]["positions"] = tokens;
      nlohmann::json& stages = (*stats)["decode"]["stages"];
      stages = {{"count", plan.stages}, {"width", plan.stage_w}, {"height", plan.stage_h}};
      if (plan.stages > 1) stages["first_layers"] = plan.first_layers, stages["last_layers"] = plan.last_layers;
      (*stats)["decode"]["tokens_per_second"] = 1.0 / seconds_per_token();
    }
  };
  run.pokes = {{"steps", options.steps},
               {"temperature", std::bit_cast<uint32_t>(options.temperature)},
               {"topp", std::bit_cast<uint32_t>(options.topp)},
               {"seed_lo", static_cast<uint32_t>(options.seed)},
               {"seed_hi", static_cast<uint32_t>(options.seed >> 32)}};

  int32_t previous = run.prompt_tokens.front();
  run.console = [&](uint32_t x, uint32_t y, const std::string& line) {
    if (x == 0 && y == 0 && line.rfind("token ", 0) == 0) {
      const int32_t token = std::stoi(line.substr(6));
      out << tokenizer.printable(previous, token) << std::flush;
      previous = token;
      ++tokens;
    } else if (x == 0 && y == 0 && line.rfind("decode: ", 0) == 0) {
      const size_t at = line.find(", ");
      cycles_per_token = std::stoull(line.substr(at + 2));
    } else {
      err << "(" << x << "," << y << ") " << line << "\n";
    }
  };
  const int code = run_platform(run, out, err);
  out << "\n";
  if (code == 0 && cycles_per_token) {
    const double seconds = seconds_per_token();
    const uint64_t forced = std::min<uint64_t>(tokens, run.prompt_tokens.size() - 1);
    err << std::fixed << std::setprecision(1) << "wafervp decode: " << tokens << " positions (" << forced
        << " of the prompt, " << tokens - forced << " generated) on " << system_width(options.config) << "x"
        << options.config.grid_height << " cores";
    if (options.config.system.wafers > 1)
      err << " of " << options.config.system.wafers << " wafers of " << options.config.grid_width << "x" << options.config.grid_height;
    if (plan.stages > 1) err << " (" << plan.stages << " pipeline stages of " << plan.stage_w << "x" << plan.stage_h << ")";
    err << ", " << cycles_per_token
        << " cycles per token = " << seconds * 1e6 << " us, " << 1.0 / seconds << " tokens/s simulated\n";
    err << "  cores' time (" << breakdown.cores << " cores, from the first token to the last core's end): "
        << breakdown_line(breakdown) << "\n"
        << std::setprecision(0) << "  bounds per token: SRAM bandwidth " << bounds.sram_cycles << " cycles, compute "
        << bounds.compute_cycles << ", fabric " << bounds.fabric_cycles << " (" << bounds.collectives
        << " collectives); " << bounds.dominant() << " dominates, the run takes " << std::setprecision(1)
        << double(cycles_per_token) / bounds.largest() << "x it\n";
  }
  return code;
}

}  // namespace wvp
