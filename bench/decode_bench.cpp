// LLM decode at scale: for each grid, a generated model sized to the grid runs through
// `wafervp decode`; the bench checks the text against the host reference and reports host
// seconds per simulated token, simulated cycles per token and simulated tokens/s.
//
// Each grid runs the deepest model of a family (width, heads, vocabulary, context per grid) that
// wafervp's planner fits into the decode firmware's model regions (one pipeline stage when the
// model fits that way, else the largest blocks that fit), so the models fill the grids' SRAM.
// Usage: wvp_bench_decode [--json FILE] [--grids 16,64,256] [--steps N] [--prompt TEXT] [--threads N]
// (--steps counts positions, prompt included, as run.c's does: on the largest grid a short prompt
// and few steps keep the run short and still compare generated tokens.)
//
// With --shape SHAPE (a preset such as llama3.1-8b, or KEY=VALUE,...; `wafervp decode --shape`)
// the bench runs that model timing-only instead, on --config FILE with --set KEY=VALUE... (e.g.
// configs/wse3.yaml, decode.weight_type=fp16), --prompt-tokens N (1) and --steps N (2), and
// reports cycles per token and per layer, simulated tokens/s, the breakdown, the bounds, host
// seconds and peak resident set; no text is compared (timing-only has none).
#include <algorithm>
#include <cstdio>
#include <cstring>
#include <fstream>
#include <sstream>
#include <string>
#include <vector>

#include <nlohmann/json.hpp>

#include "platform/host/elf_loader.h"
#include "platform/llama/checkpoint.h"
#include "platform/llama/loader.h"
#include "platform/llama/reference.h"
#include "platform/llama/shape.h"
#include "platform/llama/tokenizer.h"
#include "support/process.h"

namespace {

using namespace wvp;

struct Case {
  uint32_t grid;
  llama::ModelConfig model;
};

// A family: a context of 32; the depth fills the grid. A stage's cores share its matrices in
// two dimensions (x's parts over the block columns, KV heads, hidden units and vocabulary over
// the block rows), so a model fills the regions when its width splits evenly over the columns
// and it has a KV head for every block row. The families are the planner's best fill over widths
// 64 to 4096, heads of 8 to 64 floats with as many or half as many KV heads, hidden widths of 2,
// 8/3 and 3 times the width and vocabularies of 512 to 4096, at least 4 layers (2026-11-24).
struct Family {
  uint32_t grid;
  int32_t dim, hidden, heads, kv_heads, vocab;
};

const std::vector<Family> kFamilies = {
    {16, 128, 384, 16, 16, 512},
    {64, 512, 1344, 64, 64, 1024},
    {256, 1024, 3072, 128, 128, 512},
};

// The decode firmware's model region per core.
uint64_t model_region_bytes_of_firmware() {
  uint32_t start = 0, bytes = 0;
  if (!load_elf(std::string(WVP_FIRMWARE_DIR) + "/decode.elf").model_region(start, bytes))
    throw std::runtime_error("decode.elf has no model region");
  return bytes;
}

Case sized_to_fill(const Family& f, uint64_t region) {
  llama::ModelConfig c;
  c.dim = f.dim, c.hidden_dim = f.hidden, c.n_heads = f.heads, c.n_kv_heads = f.kv_heads;
  c.vocab_size = f.vocab, c.seq_len = 32;
  const auto fits = [&](int32_t layers) {
    c.n_layers = layers;
    try {
      llama::plan_stages(c, f.grid, f.grid, region);
      return true;
    } catch (const llama::ModelError&) {
      return false;
    }
  };
  // Look down from the depth whose weights alone would fill the regions (the planner may take
  // other stages at other depths, so whether a depth fits need not be monotonic).
  const double layer_bytes = 4.0 * (2 * c.dim * c.dim + 2 * c.dim * c.kv_dim() + 3 * c.dim * c.hidden_dim);
  int32_t lo = static_cast<int32_t>(double(f.grid) * f.grid * region / layer_bytes);
  while (lo > 1 && !fits(lo)) --lo;
  c.n_layers = lo;
  return {f.grid, c};
}

// `wafervp decode ARGS --stats FILE` and its stats; null stats (after saying so on stderr, as
// `label`) when it failed.
struct DecodeRun {
  test::ProcessResult process;
  nlohmann::json stats;
};
DecodeRun run_decode(std::vector<std::string> args, const std::string& label) {
  const std::string stats_path = test::temp_path("decode_" + label + ".json");
  args.insert(args.begin(), {WVP_BINARY, "decode"});
  args.insert(args.end(), {"--stats", stats_path});
  DecodeRun run{test::run_process(args, 24 * 3600), nullptr};
  if (run.process.exit_code != 0)
    std::fprintf(stderr, "%s: wafervp decode exited %d\n%s", label.c_str(), run.process.exit_code, run.process.err.c_str());
  else
    run.stats = nlohmann::json::parse(test::read_file(stats_path));
  return run;
}

nlohmann::json run_case(const Case& c, const std::string& prompt_text, int32_t steps, uint64_t region, const std::string& threads) {
  const std::string g = std::to_string(c.grid) + "x" + std::to_string(c.grid);
  const std::string model_path = test::temp_path("model_" + g + ".bin"), tok_path = test::temp_path("tok_" + g + ".bin");
  const llama::Model model = llama::generate_model(c.model, 1);
  const llama::Tokenizer tokenizer = llama::generate_tokenizer(c.model.vocab_size);
  llama::write_checkpoint(model_path, model);
  tokenizer.write(tok_path);

  // The host reference's text for the same prompt and steps.
  const std::vector<int32_t> prompt = tokenizer.encode(prompt_text);
  llama::Sampler greedy(c.model.vocab_size, 0.0f, 0.9f, 1);
  const llama::Generation reference = llama::generate(model, prompt, steps, greedy);
  std::string text;
  int32_t previous = prompt.front();
  for (int32_t token : reference.tokens) text += tokenizer.printable(previous, token), previous = token;

  const DecodeRun run = run_decode({"--grid", g, "--model", model_path, "--tokenizer", tok_path, "--prompt", prompt_text,
                                    "--steps", std::to_string(steps), "--threads", threads},
                                   g);
  if (run.stats.is_null()) return {{"grid", g}, {"error", "wafervp decode failed"}};
  const test::ProcessResult& r = run.process;
  const nlohmann::json& s = run.stats;
  const nlohmann::json& d = s["decode"];
  const double host = s["host_seconds"], positions = d["positions"];
  const bool matches = r.out == text + "\n";
  // BOS is not in reference.tokens: the rest of the prompt is, then the generated tokens (none when
  // the steps end inside the prompt).
  const int32_t generated =
      std::max(0, static_cast<int32_t>(reference.tokens.size()) - static_cast<int32_t>(prompt.size() - 1));
  const double params = double(c.model.weight_floats());
  // The weights against the model regions of all cores: how full the grid is.
  const double fill = 4 * params / (double(c.grid) * c.grid * region);
  const nlohmann::json& stages = d["stages"];
  std::printf("%s: model dim %d hidden %d layers %d heads %d vocab %d (%.2f M weights, %.0f%% of the model regions) "
              "in %d stage(s) of %dx%d (%d layers on the first, %d on the last): %.0f positions, %llu cycles/token = "
              "%.0f tokens/s simulated, %.2f host s/token, text %s the reference's (%d generated tokens)\n",
              g.c_str(), c.model.dim, c.model.hidden_dim, c.model.n_layers, c.model.n_heads, c.model.vocab_size,
              params / 1e6, 100 * fill, stages["count"].get<int>(), stages["width"].get<int>(), stages["height"].get<int>(),
              stages.value("first_layers", c.model.n_layers), stages.value("last_layers", c.model.n_layers),
              positions, static_cast<unsigned long long>(d["cycles_per_token"].get<uint64_t>()),
              d["tokens_per_second"].get<double>(), host / positions, matches ? "matches" : "DIFFERS from", generated);
  std::fputs(r.err.substr(r.err.find("wafervp decode:")).c_str(), stdout);
  return {{"grid", g},
          {"cores", c.grid * c.grid},
          {"model", {{"dim", c.model.dim}, {"hidden_dim", c.model.hidden_dim}, {"layers", c.model.n_layers},
                     {"heads", c.model.n_heads}, {"kv_heads", c.model.n_kv_heads}, {"vocab", c.model.vocab_size},
                     {"seq_len", c.model.seq_len}, {"weights", params}}},
          {"model_region_fill", fill},
          {"stages", stages},
          {"positions", positions},
          {"cycles_per_token", d["cycles_per_token"]},
          {"tokens_per_second_simulated", d["tokens_per_second"]},
          {"host_seconds", host},
          {"host_seconds_per_token", host / positions},
          {"generated_tokens", generated},
          {"matches_reference", matches},
          {"breakdown", s["phases"]["breakdown"]},
          {"host_threads", s["host_threads"]},
          {"bounds", d}};
}

// One timing-only run of a model given by its shape alone.
nlohmann::json run_shape(const std::string& shape, const std::vector<std::string>& options, int32_t steps,
                         const std::string& prompt_tokens, const std::string& threads) {
  std::vector<std::string> args = {"--shape", shape, "--prompt-tokens", prompt_tokens, "--steps", std::to_string(steps),
                                   "--threads", threads};
  args.insert(args.end(), options.begin(), options.end());
  const DecodeRun run = run_decode(args, shape);
  if (run.stats.is_null()) return {{"shape", shape}, {"error", "wafervp decode failed"}};
  const test::ProcessResult& r = run.process;
  const nlohmann::json& s = run.stats;
  const nlohmann::json& d = s["decode"];
  const double host = s["host_seconds"], positions = d["positions"];
  const uint64_t cycles = d["cycles_per_token"];
  const llama::ModelConfig model = llama::parse_shape(shape);
  std::printf("%s on %llu cores: %.0f positions, %llu cycles/token (%.0f per layer) = %.0f tokens/s simulated, "
              "%.1f host s in all, %.2f GB peak resident\n",
              shape.c_str(), static_cast<unsigned long long>(s["cores"].size()), positions,
              static_cast<unsigned long long>(cycles), double(cycles) / model.n_layers, d["tokens_per_second"].get<double>(),
              host + s["host_setup_seconds"].get<double>(), double(r.usage.peak_rss_bytes) / 1e9);
  std::fputs(r.err.substr(r.err.find("wafervp decode:")).c_str(), stdout);
  return {{"shape", shape},
          {"options", options},
          {"cores", s["cores"].size()},
          {"positions", positions},
          {"cycles_per_token", cycles},
          {"cycles_per_layer", double(cycles) / model.n_layers},
          {"tokens_per_second_simulated", d["tokens_per_second"]},
          {"host_setup_seconds", s["host_setup_seconds"]},
          {"host_seconds", host},
          {"peak_rss_bytes", r.usage.peak_rss_bytes},
          {"breakdown", s["phases"]["breakdown"]},
          {"bounds", d}};
}

}  // namespace

int main(int argc, char** argv) {
  std::string json_path = "decode_bench.json";
  std::vector<uint32_t> grids = {16, 64, 256};
  int32_t steps = 16;  // this prompt takes 11 or 13 positions (by the vocabulary): 5 or 3 generated
  std::string prompt = "Once upon a time";
  std::string threads = "1";  // wafervp's --threads
  std::string shape, prompt_tokens = "1";
  std::vector<std::string> options;  // --config and --set, for a shape
  bool steps_given = false;
  for (int i = 1; i < argc; ++i) {
    if (!std::strcmp(argv[i], "--json") && i + 1 < argc) {
      json_path = argv[++i];
    } else if (!std::strcmp(argv[i], "--steps") && i + 1 < argc) {
      steps = std::atoi(argv[++i]);
      steps_given = true;
    } else if (!std::strcmp(argv[i], "--shape") && i + 1 < argc) {
      shape = argv[++i];
    } else if (!std::strcmp(argv[i], "--prompt-tokens") && i + 1 < argc) {
      prompt_tokens = argv[++i];
    } else if ((!std::strcmp(argv[i], "--config") || !std::strcmp(argv[i], "--set")) && i + 1 < argc) {
      options.push_back(argv[i]);
      options.push_back(argv[++i]);
    } else if (!std::strcmp(argv[i], "--prompt") && i + 1 < argc) {
      prompt = argv[++i];
    } else if (!std::strcmp(argv[i], "--threads") && i + 1 < argc) {
      threads = argv[++i];
    } else if (!std::strcmp(argv[i], "--grids") && i + 1 < argc) {
      grids.clear();
      std::istringstream list(argv[++i]);
      for (std::string g; std::getline(list, g, ',');) grids.push_back(static_cast<uint32_t>(std::stoul(g)));
    } else {
      std::fprintf(stderr, "usage: wvp_bench_decode [--json FILE] [--grids 16,64,256] [--steps N] [--prompt TEXT] [--threads N]\n"
                           "       wvp_bench_decode --shape SHAPE [--config FILE] [--set KEY=VALUE]... [--prompt-tokens N] "
                           "[--steps N] [--threads N] [--json FILE]\n");
      return 2;
    }
  }
  if (!shape.empty()) {
    const nlohmann::json result = run_shape(shape, options, steps_given ? steps : 2, prompt_tokens, threads);
    std::ofstream(json_path) << nlohmann::json{{"benchmark", "decode_shape"}, {"threads", threads}, {"results", {result}}}.dump(1)
                             << "\n";
    std::printf("wrote %s\n", json_path.c_str());
    return result.contains("error") ? 1 : 0;
  }
  const uint64_t region = model_region_bytes_of_firmware();
  nlohmann::json results = nlohmann::json::array();
  for (const Family& f : kFamilies)
    for (uint32_t g : grids)
      if (g == f.grid) results.push_back(run_case(sized_to_fill(f, region), prompt, steps, region, threads));
  std::ofstream(json_path) << nlohmann::json{{"benchmark", "decode"}, {"prompt", prompt}, {"steps", steps}, {"threads", threads},
                                             {"results", results}}.dump(1)
                           << "\n";
  std::printf("wrote %s\n", json_path.c_str());
  // A figure from a run whose text is wrong is no figure: say so in the exit status.
  for (const nlohmann::json& r : results)
    if (!r.value("matches_reference", false)) return 1;
  return 0;
}
