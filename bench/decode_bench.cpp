// LLM decode at scale: for each grid, a generated model sized to the grid runs through
// `wafervp decode`; the bench checks the text against the host reference and reports host
// seconds per simulated token, simulated cycles per token and simulated tokens/s.
//
// The models are the largest of their family whose shards and working memory fit one core's
// model region on that grid (with 1-D row shards, every core holds at least one row of each
// matrix plus the replicated activations and one head's KV cache, so the region, not the grid's
// total SRAM, bounds the model; see docs/architecture.md).
// Usage: wvp_bench_decode [--json FILE] [--grids 16,64,256] [--steps N]
#include <cstdio>
#include <cstring>
#include <fstream>
#include <sstream>
#include <string>
#include <vector>

#include <nlohmann/json.hpp>

#include "platform/llama/checkpoint.h"
#include "platform/llama/reference.h"
#include "platform/llama/tokenizer.h"
#include "support/process.h"

namespace {

using namespace wvp;

struct Case {
  uint32_t grid;
  llama::ModelConfig model;
};

llama::ModelConfig model_of(int32_t dim, int32_t hidden, int32_t heads, int32_t vocab) {
  llama::ModelConfig c;
  c.dim = dim, c.hidden_dim = hidden, c.n_layers = 2, c.n_heads = heads, c.n_kv_heads = heads / 2;
  c.vocab_size = vocab, c.seq_len = 32;
  return c;
}

// Head size 16 and a context of 32: the largest such 2-layer models that fit (wafervp refuses
// one that does not, naming the smallest grid).
const std::vector<Case> kCases = {
    {16, model_of(128, 344, 8, 1024)},
    {64, model_of(160, 432, 10, 4096)},
    {256, model_of(160, 432, 10, 4096)},  // the 64 x 64 model: larger ones exceed a core's region
};

const char* kPrompt = "Once upon a time";

nlohmann::json run_case(const Case& c, int32_t steps) {
  const std::string g = std::to_string(c.grid) + "x" + std::to_string(c.grid);
  const std::string model_path = test::temp_path("model_" + g + ".bin"), tok_path = test::temp_path("tok_" + g + ".bin");
  const std::string stats_path = test::temp_path("decode_" + g + ".json");
  const llama::Model model = llama::generate_model(c.model, 1);
  const llama::Tokenizer tokenizer = llama::generate_tokenizer(c.model.vocab_size);
  llama::write_checkpoint(model_path, model);
  tokenizer.write(tok_path);

  // The host reference's text for the same prompt and steps.
  const std::vector<int32_t> prompt = tokenizer.encode(kPrompt);
  llama::Sampler greedy(c.model.vocab_size, 0.0f, 0.9f, 1);
  const llama::Generation reference = llama::generate(model, prompt, steps, greedy);
  std::string text;
  int32_t previous = prompt.front();
  for (int32_t token : reference.tokens) text += tokenizer.printable(previous, token), previous = token;

  const test::ProcessResult r =
      test::run_process({WVP_BINARY, "decode", "--grid", g, "--model", model_path, "--tokenizer", tok_path, "--prompt",
                         kPrompt, "--steps", std::to_string(steps), "--stats", stats_path},
                        24 * 3600);
  if (r.exit_code != 0) {
    std::fprintf(stderr, "%s: wafervp decode exited %d\n%s", g.c_str(), r.exit_code, r.err.c_str());
    return {{"grid", g}, {"error", "wafervp decode failed"}};
  }
  const nlohmann::json s = nlohmann::json::parse(test::read_file(stats_path));
  const nlohmann::json& d = s["decode"];
  const double host = s["host_seconds"], positions = d["positions"];
  const bool matches = r.out == text + "\n";
  const double params = double(c.model.weight_floats());
  std::printf("%s: model dim %d hidden %d layers %d heads %d vocab %d (%.2f M weights): %.0f positions, "
              "%llu cycles/token = %.0f tokens/s simulated, %.2f host s/token, reference %s\n",
              g.c_str(), c.model.dim, c.model.hidden_dim, c.model.n_layers, c.model.n_heads, c.model.vocab_size,
              params / 1e6, positions, static_cast<unsigned long long>(d["cycles_per_token"].get<uint64_t>()),
              d["tokens_per_second"].get<double>(), host / positions, matches ? "matches" : "DIFFERS");
  std::fputs(r.err.substr(r.err.find("wafervp decode:")).c_str(), stdout);
  return {{"grid", g},
          {"cores", c.grid * c.grid},
          {"model", {{"dim", c.model.dim}, {"hidden_dim", c.model.hidden_dim}, {"layers", c.model.n_layers},
                     {"heads", c.model.n_heads}, {"kv_heads", c.model.n_kv_heads}, {"vocab", c.model.vocab_size},
                     {"seq_len", c.model.seq_len}, {"weights", params}}},
          {"positions", positions},
          {"cycles_per_token", d["cycles_per_token"]},
          {"tokens_per_second_simulated", d["tokens_per_second"]},
          {"host_seconds", host},
          {"host_seconds_per_token", host / positions},
          {"matches_reference", matches},
          {"breakdown", s["phases"]["breakdown"]},
          {"bounds", d}};
}

}  // namespace

int main(int argc, char** argv) {
  std::string json_path = "decode_bench.json";
  std::vector<uint32_t> grids = {16, 64, 256};
  int32_t steps = 16;  // the prompt is 11 tokens: 5 generated
  for (int i = 1; i < argc; ++i) {
    if (!std::strcmp(argv[i], "--json") && i + 1 < argc) {
      json_path = argv[++i];
    } else if (!std::strcmp(argv[i], "--steps") && i + 1 < argc) {
      steps = std::atoi(argv[++i]);
    } else if (!std::strcmp(argv[i], "--grids") && i + 1 < argc) {
      grids.clear();
      std::istringstream list(argv[++i]);
      for (std::string g; std::getline(list, g, ',');) grids.push_back(static_cast<uint32_t>(std::stoul(g)));
    } else {
      std::fprintf(stderr, "usage: wvp_bench_decode [--json FILE] [--grids 16,64,256] [--steps N]\n");
      return 2;
    }
  }
  nlohmann::json results = nlohmann::json::array();
  for (const Case& c : kCases)
    for (uint32_t g : grids)
      if (g == c.grid) results.push_back(run_case(c, steps));
  std::ofstream(json_path) << nlohmann::json{{"benchmark", "decode"}, {"prompt", kPrompt}, {"steps", steps},
                                             {"results", results}}.dump(1)
                           << "\n";
  std::printf("wrote %s\n", json_path.c_str());
  return 0;
}
