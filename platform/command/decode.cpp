#include "platform/command/decode.h"

#include <algorithm>
#include <bit>
#include <filesystem>
#include <iomanip>
#include <optional>
#include <ostream>
#include <sstream>

#include <nlohmann/json.hpp>

#include "abi/wvp/element_types.h"
#include "platform/llama/checkpoint.h"
#include "platform/llama/reference.h"
#include "platform/studies/decode_estimate.h"
#include "platform/llama/tokenizer.h"
#include "platform/command/run.h"
#include "platform/host/elf_loader.h"
#include "platform/report/phase_profile.h"
#include "platform/assembly/wafer.h"

namespace wvp {

namespace {

// The decode firmware built for the cores' instruction set: sw/decode_rvc.elf has the C
// extension's 2-byte instructions, so it leaves the model more SRAM.
std::string default_firmware(bool compressed) {
  // The build puts the firmware at <build>/sw/ and this program at <build>/platform/.
  const std::filesystem::path exe = std::filesystem::read_symlink("/proc/self/exe");
  return (exe.parent_path().parent_path() / "sw" / (compressed ? "decode_rvc.elf" : "decode.elf")).string();
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

// The text of `tokens` after `first` (BOS), as run.c prints it.
// A token's text; a token outside the vocabulary (a firmware bug the reference check names) as
// "<token N>".
std::string shown(const llama::Tokenizer& tokenizer, int32_t previous, int32_t token) {
  if (token < 0 || token >= tokenizer.vocab_size()) return "<token " + std::to_string(token) + ">";
  return tokenizer.printable(previous, token);
}

std::string text_of(const llama::Tokenizer& tokenizer, int32_t first, const std::vector<int32_t>& tokens) {
  std::string text;
  int32_t previous = first;
  for (int32_t token : tokens) text += shown(tokenizer, previous, token), previous = token;
  return text;
}

// Where the firmware's tokens first leave the reference's: "token 3 is 17, the reference's 52".
std::string describe_difference(const std::vector<int32_t>& got, const std::vector<int32_t>& reference) {
  size_t i = 0;
  while (i < got.size() && i < reference.size() && got[i] == reference[i]) ++i;
  const auto token_at = [](const std::vector<int32_t>& tokens, size_t at) {
    return at < tokens.size() ? std::to_string(tokens[at]) : std::string("missing");
  };
  std::string text = "token ";
  text += std::to_string(i);
  text += " is ";
  text += token_at(got, i);
  text += ", the reference's ";
  text += token_at(reference, i);
  return text;
}

// The model: its weights rounded to decode.weight_type, or for a timing-only run its shape alone.
std::shared_ptr<const llama::Model> decode_model(const DecodeOptions& options) {
  if (!options.timing_only) return read_model(options.model_path, options.config);
  llama::Model model;
  model.config = options.shape ? *options.shape : llama::read_checkpoint_config(options.model_path);
  model.config.weight_type = uint32_t(options.config.decode.weight_type);
  return std::make_shared<const llama::Model>(std::move(model));
}

// A prompt of `length` tokens without a text: BOS, then 2, 3, ... (never BOS again, which would
// end the sequence).
std::vector<int32_t> counted_prompt(uint32_t length, const llama::ModelConfig& config) {
  if (length > uint32_t(config.seq_len))
    throw llama::ModelError("--prompt-tokens " + std::to_string(length) + " is more than the model's context of " +
                            std::to_string(config.seq_len));
  if (length > 1 && config.vocab_size < 3)
    throw llama::ModelError("--prompt-tokens " + std::to_string(length) + ": a vocabulary of " +
                            std::to_string(config.vocab_size) + " has no token but BOS to follow it");
  std::vector<int32_t> prompt = {1};
  for (uint32_t i = 1; i < length; ++i) prompt.push_back(2 + int32_t((i - 1) % uint32_t(config.vocab_size - 2)));
  return prompt;
}

}  // namespace

int run_decode(const DecodeOptions& options, std::ostream& out, std::ostream& err) {
  const uint32_t micro_batches = options.config.decode.micro_batches;
  // Without a tokenizer (a model given by its shape), one counted prompt for all sequences.
  const bool texts = !options.tokenizer_path.empty();
  const size_t given = texts ? options.prompts.size() : 1;
  if (given != 1 && given != micro_batches)
    throw llama::ModelError(std::to_string(given) + " prompts for decode.micro_batches " + std::to_string(micro_batches) +
                            ": give one prompt for all sequences or one per sequence");
  // "the prompt" when there is one, else "prompt <i>".
  const auto prompt_name = [given](size_t i) {
    std::string name = given == 1 ? "the prompt" : "prompt ";
    if (given > 1) name += std::to_string(i);
    return name;
  };
  for (size_t i = 0; texts && i < given; ++i)
    if (options.prompts[i].empty()) throw llama::ModelError(prompt_name(i) + " is empty");
  const auto shared_model = decode_model(options);
  const llama::Model& model = *shared_model;
  // The run's positions end here, as the firmware's do (run.c's: at most the context).
  const uint32_t positions = std::min(options.steps, uint32_t(model.config.seq_len));
  // The firmware's RoPE angles are a position times a frequency of at most 1, which
  // wvp_cos_sin (sw/lib/include/wvp/fixed_time.h) reduces exactly below 2^17.
  constexpr uint32_t kRopePositions = 1u << 17;
  if (positions > kRopePositions)
    throw llama::ModelError("--steps " + std::to_string(options.steps) + ": the decode firmware's RoPE holds its accuracy for " +
                            std::to_string(kRopePositions) + " positions, and the model's context is " +
                            std::to_string(model.config.seq_len));
  if (options.start_position >= positions)
    throw llama::ModelError("--start-position " + std::to_string(options.start_position) + ": the run ends at position " +
                            std::to_string(positions) + " (--steps " + std::to_string(options.steps) +
                            ", a context of " + std::to_string(model.config.seq_len) + "); start before it");
  std::optional<llama::Tokenizer> tokenizer;
  if (texts) tokenizer = llama::Tokenizer::read(options.tokenizer_path, model.config.vocab_size);
  RunOptions run;
  run.elf_path = options.firmware_path.empty() ? default_firmware(options.config.core.compressed) : options.firmware_path;
  run.config = options.config;
  run.config.tensor.compute_values = !options.timing_only;
  if (!options.timing_only) run.model_path = options.model_path;
  run.model = shared_model;
  run.prompts.clear();
  if (!tokenizer) run.prompts.push_back(counted_prompt(options.prompt_tokens, model.config));
  for (size_t i = 0; tokenizer && i < given; ++i) {
    if (const size_t fewest = tokenizer->fewest_tokens(options.prompts[i]); fewest > size_t(model.config.seq_len))
      throw llama::ModelError(prompt_name(i) + " is at least " + std::to_string(fewest) +
                              " tokens long, more than the model's context of " + std::to_string(model.config.seq_len));
    run.prompts.push_back(tokenizer->encode(options.prompts[i]));
    if (run.prompts.back().size() > size_t(model.config.seq_len))
      throw llama::ModelError(prompt_name(i) + " is " + std::to_string(run.prompts.back().size()) +
                              " tokens long, more than the model's context of " + std::to_string(model.config.seq_len));
  }
  const auto prompt_of = [&](uint32_t sequence) -> const std::vector<int32_t>& { return run.prompts[given == 1 ? 0 : sequence]; };
  run.sampling = options.temperature != 0.0f;
  run.stats_path = options.stats_path;
  run.trace_path = options.trace_path;
  run.checkpoint = options.checkpoint;
  // PE (0,0) sends the host each position's token (prompt tokens too) as a wvp_host_token word,
  // and prints its cycles per token of all sequences.
  std::vector<std::vector<int32_t>> generated(micro_batches);
  // When the host took sequence 0's first generated token, and each one after (the run's clock),
  // if the host's links carry them.
  const bool streamed = options.config.host.load == HostLoadPath::Links;
  std::vector<uint64_t> generated_arrivals_ps;
  uint64_t tokens = 0, cycles_per_token = 0;
  DecodeBounds bounds;
  llama::StagePlan plan;
  run.planned = [&](const llama::StagePlan& p) {
    plan = p;
    bounds = decode_bounds(model.config, options.config, plan);
  };
  const auto seconds_per_token = [&] { return Clock(options.config.core_clock_hz).seconds(cycles_per_token); };
  PhaseProfile::Breakdown breakdown;
  bool interrupted = false;
  run.report = [&](const Wafer& wafer, const PhaseProfile& profile, int code, nlohmann::json* stats) {
    breakdown = profile.breakdown();  // on MPI rank 0, every rank's cores (run.cpp gathers them)
    interrupted = wafer.cluster().outcome() == CoreCluster::Outcome::Interrupted;
    if (stats && code == 0 && cycles_per_token) {
      (*stats)["decode"] = bounds_json(bounds, cycles_per_token);
      (*stats)["decode"]["positions"] = tokens;
      nlohmann::json& stages = (*stats)["decode"]["stages"];
      stages = {{"count", plan.stages}, {"width", plan.stage_w}, {"height", plan.stage_h}};
      if (plan.stages > 1) stages["first_layers"] = plan.first_layers, stages["last_layers"] = plan.last_layers;
      (*stats)["decode"]["micro_batches"] = micro_batches;
      (*stats)["decode"]["weight_type"] = wvp_type_name(model.config.weight_type);
      (*stats)["decode"]["timing_only"] = options.timing_only;
      (*stats)["decode"]["start_position"] = options.start_position;
      (*stats)["decode"]["tokens_per_second"] = 1.0 / seconds_per_token();
      (*stats)["decode"]["tokens_per_second_per_user"] = 1.0 / seconds_per_token() / micro_batches;
      if (streamed && !generated_arrivals_ps.empty())
        (*stats)["decode"]["host_first_token_seconds"] = double(generated_arrivals_ps.front()) * 1e-12;
    }
  };
  run.pokes = {{"steps", options.steps},
               {"temperature", std::bit_cast<uint32_t>(options.temperature)},
               {"topp", std::bit_cast<uint32_t>(options.topp)},
               {"seed_lo", static_cast<uint32_t>(options.seed)},
               {"seed_hi", static_cast<uint32_t>(options.seed >> 32)}};
  // Only when asked: a decode ELF of before --start-position still runs from position 0.
  if (options.start_position) run.pokes.emplace_back("first_position", options.start_position);

  run.host_words = [&](const HostWord& w) {
    const uint32_t sequence = wvp_host_token_sequence(w.word);
    const int32_t token = static_cast<int32_t>(wvp_host_token_id(w.word));
    if (sequence >= micro_batches) {
      err << "wafervp decode: " << pe_name(w.x, w.y) << " sent the host word " << w.word << " for sequence " << sequence
          << ", of " << micro_batches << "\n";
      return;
    }
    // One sequence streams its text as it comes; several print theirs at the end. A timing-only
    // run's tokens are none of the model's: no text.
    if (micro_batches == 1 && !options.timing_only) out << shown(*tokenizer, generated[0].empty() ? prompt_of(0).front() : generated[0].back(), token) << std::flush;
    generated[sequence].push_back(token);
    ++tokens;
    if (sequence == 0 && generated[0].size() >= prompt_of(0).size()) generated_arrivals_ps.push_back(w.arrived_ps);
  };
  run.console = [&](uint32_t x, uint32_t y, const std::string& line) {
    if (x == 0 && y == 0 && line.rfind("decode: ", 0) == 0) cycles_per_token = std::stoull(line.substr(line.find(", ") + 2));
    else err << "(" << x << "," << y << ") " << line << "\n";
  };
  int code = 0;
  try {
    code = run_platform(run, out, err);
  } catch (const llama::ModelDoesNotFit& e) {
    // The default firmware for cores without the C extension has the larger code: say what the
    // other build would leave the model.
    uint32_t start = 0, bytes = 0;
    if (!options.firmware_path.empty() || options.config.core.compressed || !load_elf(default_firmware(true)).model_region(start, bytes))
      throw;
    throw llama::ModelDoesNotFit(std::string(e.what()) +
                                 "; with core.isa=rv32imfc the decode firmware has 2-byte instructions and leaves the model " +
                                 std::to_string(bytes) + " bytes a core");
  }
  if (micro_batches == 1 && !options.timing_only) out << "\n";
  for (uint32_t b = 0; micro_batches > 1 && !options.timing_only && b < micro_batches; ++b)
    out << "sequence " << b << ": " << text_of(*tokenizer, prompt_of(b).front(), generated[b]) << "\n";
  if (interrupted)
    err << "wafervp decode: interrupted after " << tokens << " positions; the tokens of a partial run are not checked against the host reference\n";
  if (code != 0 || !cycles_per_token) return code;
  for (uint32_t b = 0; b < micro_batches && !options.timing_only; ++b) {
    llama::Sampler sampler(model.config.vocab_size, options.temperature, options.topp, options.seed + b);
    const std::vector<int32_t> reference =
        llama::generate(model, prompt_of(b), static_cast<int32_t>(options.steps), sampler).tokens;
    if (generated[b] == reference) continue;
    err << "wafervp decode: " << (micro_batches > 1 ? "sequence " + std::to_string(b) + "'s" : std::string("the"))
        << " tokens are not the host reference's for its prompt: " << describe_difference(generated[b], reference) << "\n";
    code = kExitReferenceMismatch;
  }
  const double seconds = seconds_per_token();
  uint64_t forced = 0;
  for (uint32_t b = 0; b < micro_batches; ++b) forced += std::min<uint64_t>(generated[b].size(), prompt_of(b).size() - 1);
  err << std::fixed << std::setprecision(1) << "wafervp decode: ";
  if (options.timing_only) err << "timing-only (tokens not the model's, not checked), ";
  if (micro_batches > 1) err << micro_batches << " sequences, ";
  err << tokens << " positions (" << forced << " of the prompt" << (given > 1 ? "s" : "") << ", " << tokens - forced
      << " generated)";
  if (options.start_position) err << " from position " << options.start_position;
  err << " on " << system_width(options.config) << "x" << options.config.grid_height << " cores";
  if (options.config.system.wafers > 1)
    err << " of " << options.config.system.wafers << " wafers of " << options.config.grid_width << "x" << options.config.grid_height;
  if (plan.stages > 1) err << " (" << plan.stages << " pipeline stages of " << plan.stage_w << "x" << plan.stage_h << ")";
  err << ", " << wvp_type_name(model.config.weight_type) << " weights, " << cycles_per_token << " cycles per token = "
      << seconds * 1e6 << " us, " << 1.0 / seconds << " tokens/s simulated";
  if (micro_batches > 1) err << " in all, " << 1.0 / seconds / micro_batches << " per user";
  err << "\n  cores' time (" << breakdown.cores << " cores, from the first token to the last core's end): "
      << breakdown_line(breakdown) << "\n"
      << std::setprecision(0) << "  bounds per token: SRAM bandwidth " << bounds.sram_cycles << " cycles, compute "
      << bounds.compute_cycles << ", fabric " << bounds.fabric_cycles << " (" << bounds.collectives
      << " collectives); " << bounds.dominant() << " dominates, the run takes " << std::setprecision(1)
      << double(cycles_per_token) / bounds.largest() << "x it\n";
  if (streamed && !generated_arrivals_ps.empty()) {
    const size_t n = generated_arrivals_ps.size();
    err << std::setprecision(3) << "  at the host (prompt" << (given > 1 ? "s" : "") << " sent at 0 over host.links): "
        << (micro_batches > 1 ? "sequence 0's " : "") << "first generated token at " << generated_arrivals_ps.front() * 1e-6 << " us";
    if (n > 1) err << ", then one every " << double(generated_arrivals_ps.back() - generated_arrivals_ps.front()) / double(n - 1) * 1e-6 << " us";
    err << "\n";
  }
  return code;
}

}  // namespace wvp
