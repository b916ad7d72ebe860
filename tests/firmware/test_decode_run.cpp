// Decode on the wafer, step by step: model shards loaded into every core's region, and the
// first operations of a forward pass held against the host's arithmetic.
#include <gtest/gtest.h>

#include <bit>
#include <cmath>
#include <fstream>
#include <regex>
#include <set>
#include <sstream>

#include <nlohmann/json.hpp>

#include "abi/wvp/element_types.h"
#include "firmware_env.h"
#include "platform/host/elf_loader.h"
#include "platform/llama/checkpoint.h"
#include "platform/llama/loader.h"
#include "platform/llama/reference.h"
#include "platform/llama/tokenizer.h"

namespace wvp::test {
namespace {

std::string tiny_model() {
  std::string path = WVP_CHECKPOINT_DIR;  // appended, not concatenated: GCC 12 warns falsely of the latter
  return path += "/tiny.bin";
}

TEST(DecodeRun, ShardedQueryProjectionOfTheLoadedModelMatchesTheHost) {
  const llama::Model m = llama::read_checkpoint(tiny_model());
  const int d = m.config.dim;
  const uint32_t token = 300;
  const ProcessResult r = run_wafervp({"--grid", "16x16", "--model", tiny_model(), "--poke", "token=" + std::to_string(token),
                                       firmware("model_check")});
  ASSERT_EQ(r.exit_code, 0) << r.out << r.err;
  // Each grid row's first tile prints its rows of q from the first.
  std::vector<float> q(d, NAN);
  for (const std::string& line : lines(r.out)) {
    const size_t at = line.find(") q ");
    if (at == std::string::npos) continue;
    std::istringstream words(line.substr(at + 4));
    size_t first;
    words >> first;
    for (std::string w; words >> w; ++first) q.at(first) = std::bit_cast<float>(uint32_t(std::stoul(w, nullptr, 16)));
  }
  for (int row = 0; row < d; ++row) ASSERT_FALSE(std::isnan(q[row])) << "q row " << row << " missing\n" << r.out;

  // The host: embedding row, RMSNorm with layer 0's weights, layer 0's wq, in double.
  const float* x = m.weights.token_embedding + token * d;
  double ss = 0;
  for (int i = 0; i < d; ++i) ss += double(x[i]) * x[i];
  const double scale = 1.0 / std::sqrt(ss / d + 1e-5);
  double worst = 0, largest = 0;
  for (int row = 0; row < d; ++row) {
    double acc = 0;
    for (int i = 0; i < d; ++i) acc += double(m.weights.wq[row * d + i]) * (m.weights.rms_att[i] * scale * x[i]);
    worst = std::max(worst, std::abs(acc - q[row]));
    largest = std::max(largest, std::abs(acc));
  }
  EXPECT_LT(worst, 1e-5 * largest) << "largest error " << worst << " of " << largest;
}

// The token ids PE (0,0) sent the host (one sequence: the words are the ids).
std::vector<int32_t> printed_tokens(const std::string& out) {
  const std::string sent = "(0,0) to host: ";
  std::vector<int32_t> tokens;
  for (const std::string& line : lines(out))
    if (line.rfind(sent, 0) == 0) tokens.push_back(std::stoi(line.substr(sent.size())));
  return tokens;
}

// The host reference's greedy generation from BOS; the test models do not stop at BOS early.
llama::Generation greedy_from_bos(const llama::Model& m, int32_t steps) {
  llama::Sampler greedy(m.config.vocab_size, 0.0f, 0.9f, 1);
  llama::Generation reference = llama::generate(m, {llama::kBos}, steps, greedy);
  EXPECT_EQ(reference.tokens.size(), size_t(steps)) << "the test model must not stop at BOS";
  return reference;
}

// The logits the cores printed (dump_logits), by position; NaN where none was printed.
std::vector<std::vector<float>> printed_logits(const std::string& out, size_t positions, int32_t vocab) {
  std::vector<std::vector<float>> logits(positions, std::vector<float>(vocab, NAN));
  for (const std::string& line : lines(out)) {
    const size_t at = line.find(") logits ");
    if (at == std::string::npos) continue;
    std::istringstream in(line.substr(at + 9));
    size_t pos, first;
    in >> pos >> first;
    for (std::string hex; in >> hex; ++first) logits.at(pos).at(first) = std::bit_cast<float>(uint32_t(std::stoul(hex, nullptr, 16)));
  }
  return logits;
}

// The largest difference between the logits the cores printed and the reference's, relative to
// the largest reference logit of each position; every logit must be there.
double largest_logit_error(const std::string& out, const llama::Generation& reference, int32_t vocab) {
  const size_t positions = reference.logits.size();
  const std::vector<std::vector<float>> logits = printed_logits(out, positions, vocab);
  double worst = 0;
  for (size_t pos = 0; pos < positions; ++pos) {
    double largest = 0;
    for (float v : reference.logits[pos]) largest = std::max(largest, double(std::abs(v)));
    for (int32_t i = 0; i < vocab; ++i) {
      EXPECT_FALSE(std::isnan(logits[pos][i])) << "position " << pos << " logit " << i << " missing";
      worst = std::max(worst, std::abs(double(logits[pos][i]) - reference.logits[pos][i]) / largest);
    }
  }
  return worst;
}

// decode.weight_type: the loader rounds the matrices to it, the tiles multiply them with an fp32
// x, and the reference computes with the same rounded weights, so the tokens stay equal and the
// logits within the fp32 run's tolerance; the checkpoint's own weights give other logits.
class DecodeWeights : public ::testing::TestWithParam<uint32_t> {};

TEST_P(DecodeWeights, ThirtyTwoGreedyTokensFromBosEqualTheHostReference) {
  const std::string type = wvp_type_name(GetParam());
  llama::Model m = llama::read_checkpoint(tiny_model());
  llama::round_weights(m, GetParam());
  const llama::Generation reference = greedy_from_bos(m, 32);
  const ProcessResult r = run_wafervp({"--grid", "8x8", "--set", "decode.weight_type=" + type, "--model", tiny_model(), "--poke",
                                       "steps=32", "--poke", "dump_logits=1", firmware("decode")});
  ASSERT_EQ(r.exit_code, 0) << r.err;
  EXPECT_EQ(printed_tokens(r.out), reference.tokens);
  EXPECT_LT(largest_logit_error(r.out, reference, m.config.vocab_size), 1e-5);
  const double unrounded = largest_logit_error(r.out, greedy_from_bos(llama::read_checkpoint(tiny_model()), 32), m.config.vocab_size);
  std::printf("%s: largest logit error against the fp32 checkpoint's reference: %.2e of the largest logit\n", type.c_str(), unrounded);
  if (GetParam() != WVP_FP32) {
    EXPECT_GT(unrounded, 1e-4);
  }
  EXPECT_NE(r.out.find("(0,0) decode: 32 positions, "), std::string::npos) << r.out;
  EXPECT_NE(r.err.find(" bytes of model region per core, " + type + " weights\n"), std::string::npos) << r.err;
}

INSTANTIATE_TEST_SUITE_P(DecodeRun, DecodeWeights, ::testing::Values(WVP_FP32, WVP_FP16, WVP_BF16),
                         [](const ::testing::TestParamInfo<uint32_t>& info) { return std::string(wvp_type_name(info.param)); });

TEST(DecodeRun, LogitsAtEveryPositionAreWithinTheStatedToleranceOfTheHostReference) {
  // The firmware's sums are fused multiply-add chains (the tensor engine), the reference's run.c
  // separate multiplies and adds: the logits differ in their last bits, by at most 1e-5 of the
  // largest logit here.
  const llama::Model m = llama::read_checkpoint(tiny_model());
  const llama::Generation reference = greedy_from_bos(m, 8);
  const ProcessResult r = run_wafervp(
      {"--grid", "8x8", "--model", tiny_model(), "--poke", "steps=8", "--poke", "dump_logits=1", firmware("decode")});
  ASSERT_EQ(r.exit_code, 0) << r.err;
  const double worst = largest_logit_error(r.out, reference, m.config.vocab_size);
  std::printf("largest logit error against the host reference: %.2e of the largest logit\n", worst);
  EXPECT_LT(worst, 1e-5);
}

// A generated model of width 32 and a context of 96 (a KV head's cache of a layer is 6 KiB) or
// `seq_len`, written to `name` in the temporary directory.
std::string narrow_model(const std::string& name, int32_t layers, int32_t vocab, bool shared_classifier, int32_t seq_len = 96) {
  llama::ModelConfig c;
  c.dim = 32, c.hidden_dim = 96, c.n_layers = layers, c.n_heads = 4, c.n_kv_heads = 2, c.vocab_size = vocab, c.seq_len = seq_len;
  c.shared_classifier = shared_classifier;
  const std::string p = temp_path(name);
  llama::write_checkpoint(p, llama::generate_model(c, 13));
  return p;
}

// Eight layers and a context of 256.
std::string deep_model() {
  static const std::string path = narrow_model("deep.bin", 8, 256, true, 256);
  return path;
}

// The same weights with a context of 1280, whose KV caches overflow a core's region on 8x8 in one
// stage.
std::string long_context_model() {
  static const std::string path = narrow_model("long_context.bin", 8, 256, true, 1280);
  return path;
}

TEST(DecodeRun, PipelineStagesGenerateTheHostReferencesTokensAndLogits) {
  const llama::Model m = llama::read_checkpoint(deep_model());
  const llama::Generation reference = greedy_from_bos(m, 32);
  // Four stages of 4x4 tiles, then eight of 4x2: the snake goes east, south and west, and x's
  // parts cross both kinds of border.
  for (const std::string stages : {"4", "8"}) {
    const ProcessResult r = run_wafervp({"--grid", "8x8", "--model", deep_model(), "--set", "decode.stages=" + stages,
                                         "--poke", "steps=32", "--poke", "dump_logits=1", firmware("decode")});
    ASSERT_EQ(r.exit_code, 0) << r.out << r.err;
    EXPECT_NE(r.err.find(stages == "4" ? "8 layers in 4 pipeline stages of 4x4 cores" : "8 layers in 8 pipeline stages of 4x2 cores"),
              std::string::npos)
        << r.err;
    EXPECT_EQ(printed_tokens(r.out), reference.tokens) << "decode.stages=" << stages;
    const double worst = largest_logit_error(r.out, reference, m.config.vocab_size);
    std::printf("decode.stages=%s: largest logit error %.2e of the largest logit\n", stages.c_str(), worst);
    EXPECT_LT(worst, 1e-5);
  }
  llama::Sampler nucleus(m.config.vocab_size, 1.0f, 0.9f, 42);
  const llama::Generation sampled = llama::generate(m, {llama::kBos}, 32, nucleus);
  // Eight stages leave room for the sampler's buffers on the last one.
  const ProcessResult r = run_wafervp({"--grid", "8x8", "--model", deep_model(), "--set", "decode.stages=8", "--poke", "steps=32", "--poke",
                                       "temperature=0x3f800000", "--poke", "topp=0x3f666666", "--poke", "seed_lo=42",
                                       firmware("decode")});
  ASSERT_EQ(r.exit_code, 0) << r.out << r.err;
  EXPECT_EQ(printed_tokens(r.out), sampled.tokens);
}

TEST(DecodeRun, EdgeStagesWithFewerLayersOrNoneGenerateTheHostReferencesTokens) {
  // Four stages on 4x4 blocks of 8x8: a middle stage holds two layers, but the vocabulary rows
  // leave the first stage room for one (384 tokens) or none (2,688), and the last stage (the
  // classifier's outputs too) none: it only classifies, and with 2,688 tokens stage 0 only embeds. (With so
  // few layers a shared classifier would pick the input token again: BOS.)
  const struct {
    std::string name;
    int32_t layers, vocab;
    std::string plan;
  } cases[] = {{"edge_first.bin", 5, 384, "5 layers in 4 pipeline stages of 4x4 cores (1 on the first, 0 on the last)"},
               {"edge_none.bin", 3, 2688, "3 layers in 4 pipeline stages of 4x4 cores (0 on the first, 0 on the last)"}};
  for (const auto& c : cases) {
    const std::string path = narrow_model(c.name, c.layers, c.vocab, false);
    const llama::Generation reference = greedy_from_bos(llama::read_checkpoint(path), 32);
    const ProcessResult r =
        run_wafervp({"--grid", "8x8", "--model", path, "--set", "decode.stages=4", "--poke", "steps=32", firmware("decode")});
    ASSERT_EQ(r.exit_code, 0) << r.out << r.err;
    EXPECT_NE(r.err.find(c.plan), std::string::npos) << r.err;
    EXPECT_EQ(printed_tokens(r.out), reference.tokens) << c.name;
  }
}

TEST(DecodeRun, SeededTopPSamplingEqualsTheHostReference) {
  const llama::Model m = llama::read_checkpoint(tiny_model());
  llama::Sampler nucleus(m.config.vocab_size, 1.0f, 0.9f, 42);
  const llama::Generation reference = llama::generate(m, {llama::kBos}, 32, nucleus);
  // temperature 1.0 and top-p 0.9 as fp32 bits; the seed's low word. On 16x16 the sampler's
  // buffers fit beside the shards.
  const ProcessResult r = run_wafervp({"--grid", "16x16", "--model", tiny_model(), "--poke", "steps=32", "--poke",
                                       "temperature=0x3f800000", "--poke", "topp=0x3f666666", "--poke", "seed_lo=42",
                                       firmware("decode")});
  ASSERT_EQ(r.exit_code, 0) << r.out << r.err;
  EXPECT_EQ(printed_tokens(r.out), reference.tokens);
}

TEST(DecodeRun, AModelThatDoesNotFitIsRefusedBeforeTheRun) {
  const ProcessResult r = run_wafervp({"--grid", "4x4", "--model", tiny_model(), firmware("model_check")});
  EXPECT_EQ(r.exit_code, 2);
  llama::StagePlan plan = llama::single_stage(4, 4);
  plan.prompt_slots = 1;  // `run`'s prompt: BOS
  const uint64_t need = llama::model_region_bytes(llama::read_checkpoint(tiny_model()).config, plan);
  EXPECT_NE(r.err.find("needs " + std::to_string(need) + " bytes per core on 4x4 cores in one stage, but a core's model region holds"),
            std::string::npos)
      << r.err;
  EXPECT_NE(r.err.find("the smallest square grid that fits is "), std::string::npos) << r.err;
  EXPECT_EQ(r.err.find("simulated time"), std::string::npos) << "refused before simulating";
  const ProcessResult no_region = run_wafervp({"--grid", "8x8", "--model", tiny_model(), firmware("hello")});
  EXPECT_EQ(no_region.exit_code, 2);
  EXPECT_NE(no_region.err.find("--model needs the symbols __heap_start and __heap_end"), std::string::npos) << no_region.err;
  // `decode` on cores without the C extension says what the firmware built with it leaves the model.
  const auto region_of = [](const std::string& elf) {
    uint32_t start = 0, bytes = 0;
    EXPECT_TRUE(load_elf(firmware(elf)).model_region(start, bytes)) << elf;
    return bytes;
  };
  const ProcessResult plain = run_process({wafervp(), "decode", "--grid", "2x2", "--shape", "llama3.1-8b", "--steps", "1"}, 60);
  EXPECT_EQ(plain.exit_code, 2);
  EXPECT_NE(plain.err.find("a core's model region holds " + std::to_string(region_of("decode")) + " bytes"), std::string::npos)
      << plain.err;
  EXPECT_NE(plain.err.find("; with core.isa=rv32imfc the decode firmware has 2-byte instructions and leaves the model " +
                           std::to_string(region_of("decode_rvc")) + " bytes a core"),
            std::string::npos)
      << plain.err;
  EXPECT_GT(region_of("decode_rvc"), region_of("decode"));
  const ProcessResult compressed = run_process(
      {wafervp(), "decode", "--grid", "2x2", "--set", "core.isa=rv32imfc", "--shape", "llama3.1-8b", "--steps", "1"}, 60);
  EXPECT_EQ(compressed.exit_code, 2);
  EXPECT_EQ(compressed.err.find("with core.isa=rv32imfc"), std::string::npos) << compressed.err;
}

std::string tiny_tokenizer() {
  std::string path = WVP_CHECKPOINT_DIR;
  return path += "/tiny_tokenizer.bin";
}

ProcessResult run_decode(std::vector<std::string> args) {
  args.insert(args.begin(), {wafervp(), "decode", "--model", tiny_model(), "--tokenizer", tiny_tokenizer()});
  return run_process(args, 300);
}

TEST(DecodeRun, DecodeCommandContinuesAPromptAsTheHostReferenceDoes) {
  const llama::Model m = llama::read_checkpoint(tiny_model());
  const llama::Tokenizer t = llama::Tokenizer::read(tiny_tokenizer(), m.config.vocab_size);
  const std::string prompt = "Once upon a time";
  const std::vector<int32_t> tokens = t.encode(prompt);
  llama::Sampler greedy(m.config.vocab_size, 0.0f, 0.9f, 1);
  const llama::Generation reference = llama::generate(m, tokens, 24, greedy);
  std::string text;
  int32_t previous = tokens.front();
  for (int32_t token : reference.tokens) text += t.printable(previous, token), previous = token;

  const ProcessResult r = run_decode({"--grid", "8x8", "--prompt", prompt, "--steps", "24"});
  ASSERT_EQ(r.exit_code, 0) << r.err;
  EXPECT_EQ(r.out, text + "\n");
  EXPECT_EQ(r.out.rfind(prompt, 0), 0u) << r.out;  // the prompt comes back first
  const size_t forced = tokens.size() - 1;
  EXPECT_NE(r.err.find("wafervp decode: 24 positions (" + std::to_string(forced) + " of the prompt, " +
                       std::to_string(24 - forced) + " generated) on 8x8 cores, "),
            std::string::npos)
      << r.err;
  EXPECT_NE(r.err.find(" tokens/s simulated"), std::string::npos) << r.err;
}

// The firmware's RoPE angles come from wvp_cos_sin, not libm (4 KB of code less in every core's
// SRAM): on the core, against picolibc's cosf and sinf, over positions up to the 2^17 that
// `wafervp decode` allows.
TEST(DecodeRun, RopeAnglesAreWithinTwoUlpOfLibmsOnTheCore) {
  const ProcessResult r = run_wafervp({"--grid", "1x1", firmware("cos_sin_check")});
  EXPECT_EQ(r.exit_code, 0) << r.out << r.err;
  EXPECT_NE(r.out.find("(0,0) cos_sin ok: "), std::string::npos) << r.out;
}

// Timing-only: the tiny model's shape alone, no weights loaded, tensor engines that charge their
// cycles and leave zeros. The cores' software takes the same instructions whatever the values
// (wvp/fixed_time.h), so with the same tokens (here every position's is the prompt's) each
// position takes the full run's cycles, to the cycle, and the SRAM pages the weights would fill
// cost the host nothing.
TEST(DecodeRun, TimingOnlyTakesTheFullRunsCyclesPerTokenToTheCycle) {
  const std::string full_stats = temp_path("decode_full.json"), timing_stats = temp_path("decode_timing_only.json");
  // 13 positions of the prompt, then 15 generated: the full run's tokens are the model's, the
  // timing-only run's are not, and the cycles must not tell.
  const std::vector<std::string> args = {"--grid", "8x8", "--prompt", "Once upon a time", "--steps", "28"};
  std::vector<std::string> full_args = args, timing_args = args;
  full_args.insert(full_args.end(), {"--stats", full_stats});
  timing_args.insert(timing_args.end(), {"--stats", timing_stats, "--timing-only"});
  const ProcessResult full = run_decode(full_args), timing = run_decode(timing_args);
  ASSERT_EQ(full.exit_code, 0) << full.err;
  ASSERT_EQ(timing.exit_code, 0) << timing.err;
  const nlohmann::json f = nlohmann::json::parse(read_file(full_stats)), t = nlohmann::json::parse(read_file(timing_stats));
  EXPECT_EQ(t["decode"]["cycles_per_token"].get<uint64_t>(), f["decode"]["cycles_per_token"].get<uint64_t>()) << full.err << timing.err;
  EXPECT_EQ(t["decode"]["timing_only"], true);
  EXPECT_EQ(f["decode"]["timing_only"], false);
  EXPECT_EQ(timing.out, "");  // its tokens are none of the model's
  EXPECT_NE(timing.err.find("fp32 weights (timing-only: not loaded)"), std::string::npos) << timing.err;
  EXPECT_NE(timing.err.find("wafervp decode: timing-only (tokens not the model's, not checked), 28 positions (13 of the prompt, 15 generated) on 8x8 cores"),
            std::string::npos)
      << timing.err;
  EXPECT_LT(t["sram_host_bytes"].get<uint64_t>(), f["sram_host_bytes"].get<uint64_t>());
}

// On cores with the C extension decode runs sw/decode_rvc.elf: the token loop's instructions in
// fewer bytes, so the same tokens (the host reference's) and the same cycles.
TEST(DecodeRun, CoresWithTheCExtensionRunTheCompressedFirmwareToTheSameTokensAndCycles) {
  const std::string plain_stats = temp_path("decode_rv32imf.json"), c_stats = temp_path("decode_rv32imfc.json");
  const std::vector<std::string> args = {"--grid", "8x8", "--prompt", "Once upon a time", "--steps", "20"};
  std::vector<std::string> plain_args = args, c_args = args;
  plain_args.insert(plain_args.end(), {"--stats", plain_stats});
  c_args.insert(c_args.end(), {"--stats", c_stats, "--set", "core.isa=rv32imfc"});
  const ProcessResult plain = run_decode(plain_args), c = run_decode(c_args);
  ASSERT_EQ(plain.exit_code, 0) << plain.err;
  ASSERT_EQ(c.exit_code, 0) << c.err;
  EXPECT_EQ(c.out, plain.out);
  EXPECT_NE(c.out, "");
  const nlohmann::json p = nlohmann::json::parse(read_file(plain_stats)), j = nlohmann::json::parse(read_file(c_stats));
  EXPECT_EQ(j["decode"]["cycles_per_token"], p["decode"]["cycles_per_token"]);  // exit 0: the tokens are the reference's
  // Every step but the set-up takes the same cycles: the set-up's code is compiled for size (cold),
  // where the compiler's choices follow the instruction lengths.
  nlohmann::json plain_steps = p["phases"]["steps"], c_steps = j["phases"]["steps"];
  ASSERT_EQ(plain_steps.size(), c_steps.size());
  ASSERT_EQ(plain_steps[0]["step"], "setup");
  plain_steps.erase(0), c_steps.erase(0);
  EXPECT_EQ(c_steps, plain_steps);
}

// The same shape without a file: a prompt of N tokens, no tokenizer.
TEST(DecodeRun, AShapeAloneDecodesTimingOnlyFromACountedPrompt) {
  const ProcessResult r = run_process({wafervp(), "decode", "--grid", "8x8", "--shape", kTinyShape,
                                       "--prompt-tokens", "3", "--steps", "6"}, 300);
  ASSERT_EQ(r.exit_code, 0) << r.err;
  EXPECT_EQ(r.out, "");
  EXPECT_NE(r.err.find("wafervp decode: timing-only (tokens not the model's, not checked), 6 positions (2 of the prompt, 4 generated) on 8x8 cores"),
            std::string::npos)
      << r.err;
}

// Positions 20 to 23 decoded from --start-position 20 against the same positions of runs from
// position 0 (those of a 24-position run less those of a 20-position one): their K/V caches hold
// the same zeros, so the positions do the same work. Without a K/V window the attention, the step
// that reads the caches, takes the same cycles but for that skew; with a window its reads of the
// memory node are the same. The first position starts from the set-up's barrier, not from the
// token before it, so a token's cycles may differ by the skew of the cores' start, which the
// collectives see: a few cycles per position and core.
TEST(DecodeRun, AStartPositionTakesTheCyclesOfThosePositionsInARunFromTheStart) {
  const auto decode = [&](const std::string& name, std::vector<std::string> args) {
    const std::string stats = temp_path(name);
    args.insert(args.begin(), {wafervp(), "decode", "--grid", "8x8", "--shape", kTinyShape, "--stats", stats});
    const ProcessResult r = run_process(args, 300);
    EXPECT_EQ(r.exit_code, 0) << r.err;
    return std::pair{r, nlohmann::json::parse(read_file(stats))};
  };
  const auto attention = [](const nlohmann::json& stats) {
    uint64_t cycles = 0;
    for (const auto& step : stats["phases"]["steps"])
      if (step["step"] == "attention") cycles += step["cycles"].get<uint64_t>();
    return cycles;
  };
  const auto node_accesses = [](const nlohmann::json& stats) {
    return stats["memnode"]["reads"].get<uint64_t>() + stats["memnode"]["writes"].get<uint64_t>();
  };
  const std::vector<std::string> window = {"--set", "system.memnode=w0.west", "--set", "serdes.count=4", "--set", "decode.kv_window=8"};
  for (const bool offloaded : {false, true}) {
    std::vector<std::string> extra = offloaded ? window : std::vector<std::string>{};
    const auto with = [&](std::vector<std::string> args) {
      args.insert(args.end(), extra.begin(), extra.end());
      return args;
    };
    const auto [before, b] = decode("start_before.json", with({"--steps", "20"}));
    const auto [through, t] = decode("start_through.json", with({"--steps", "24"}));
    const auto [started, s] = decode("start_at.json", with({"--steps", "24", "--start-position", "20"}));
    EXPECT_NE(started.err.find("4 positions (0 of the prompt, 4 generated) from position 20 on 8x8 cores"), std::string::npos)
        << started.err;
    EXPECT_EQ(s["decode"]["start_position"], 20);
    const double per_token = double(t["simulated_cycles"].get<uint64_t>() - b["simulated_cycles"].get<uint64_t>()) / 4;
    EXPECT_NEAR(double(s["decode"]["cycles_per_token"].get<uint64_t>()), per_token, 0.005 * per_token) << offloaded;
    if (offloaded) {
      EXPECT_EQ(node_accesses(s), node_accesses(t) - node_accesses(b));
      EXPECT_GT(node_accesses(s), 0u);
    } else {
      const double through = double(attention(t) - attention(b));
      EXPECT_NEAR(double(attention(s)), through, 0.001 * through);
    }
  }
}

TEST(DecodeRun, DecodeCommandWithHalfWeightsNamesThemAndEqualsTheRoundedReference) {
  const std::string stats = temp_path("decode_fp16.json");
  const ProcessResult r = run_decode({"--grid", "8x8", "--set", "decode.weight_type=fp16", "--prompt", "Once upon a time",
                                      "--steps", "24", "--stats", stats});
  ASSERT_EQ(r.exit_code, 0) << r.err;  // the command holds the tokens against the reference itself
  EXPECT_NE(r.err.find(" generated) on 8x8 cores, fp16 weights, "), std::string::npos) << r.err;
  EXPECT_EQ(nlohmann::json::parse(read_file(stats))["decode"]["weight_type"], "fp16");
}

TEST(DecodeRun, ASeedOf2To32OrMoreReachesTheFirmwareWhole) {
  // seed_hi was cleared with the .bss: 2^32 + 1 drew as 1 on the cores, not in the reference.
  const std::vector<std::string> sampled = {"--grid", "8x8", "--prompt", "Once", "--steps", "12", "--temperature", "1"};
  std::vector<std::string> low = sampled, high = sampled;
  low.insert(low.end(), {"--seed", "1"});
  high.insert(high.end(), {"--seed", "4294967297"});
  const ProcessResult a = run_decode(low), b = run_decode(high);
  ASSERT_EQ(a.exit_code, 0) << a.err;
  ASSERT_EQ(b.exit_code, 0) << b.err;  // the host reference's tokens, with all 64 bits
  EXPECT_NE(a.out, b.out);
}

TEST(DecodeRun, DecodeExplainsItsTimeWithTheProfileTheBoundsAndATrace) {
  const std::string stats = temp_path("decode.json"), trace = temp_path("trace.json");
  const ProcessResult r =
      run_decode({"--grid", "8x8", "--prompt", "Once upon", "--steps", "12", "--stats", stats, "--trace", trace});
  ASSERT_EQ(r.exit_code, 0) << r.err;

  // The breakdown's six shares add up to the whole window.
  std::smatch m;
  ASSERT_TRUE(std::regex_search(r.err, m,
                                std::regex(R"(cores' time \(64 cores, [^)]*\): tensor ([\d.]+)%, fabric ([\d.]+)%, )"
                                           R"(sync ([\d.]+)%, memory ([\d.]+)%, core ([\d.]+)%, idle ([\d.]+)%)")))
      << r.err;
  EXPECT_EQ(std::stod(m[4]), 0.0);  // no memory node
  double total = 0;
  for (int i = 1; i <= 6; ++i) total += std::stod(m[i]);
  EXPECT_NEAR(total, 100.0, 0.3);
  EXPECT_GT(std::stod(m[1]), 0.0);  // every share is there
  EXPECT_GT(std::stod(m[2]), 0.0);
  EXPECT_NE(r.err.find("bounds per token: SRAM bandwidth "), std::string::npos) << r.err;

  const nlohmann::json j = nlohmann::json::parse(read_file(stats));
  const nlohmann::json& d = j["decode"];
  EXPECT_EQ(d["positions"], 12);
  const uint64_t per_token = d["cycles_per_token"];
  EXPECT_GE(double(per_token), d["fabric_bound_cycles"].get<double>());
  EXPECT_GE(double(per_token), d["sram_bound_cycles"].get<double>());
  // The profile's window is the firmware's own measurement, on every core.
  const nlohmann::json& b = j["phases"]["breakdown"];
  EXPECT_EQ(b["cores"], 64);
  EXPECT_NEAR(b["window_cycles"].get<double>() / 64, double(per_token) * 12, 0.01 * double(per_token) * 12);
  // Every step of every layer is there, with its time.
  std::set<std::string> per_layer;
  for (const auto& s : j["phases"]["steps"]) {
    EXPECT_GT(s["cycles"].get<uint64_t>(), 0u) << s.dump();
    if (!s["layer"].is_null()) per_layer.insert(s["step"].get<std::string>() + " " + std::to_string(s["layer"].get<int>()));
  }
  for (const char* step : {"attention_norm", "qkv", "rope", "attention", "output", "ffn_norm", "ffn"})
    for (int layer : {0, 1}) EXPECT_TRUE(per_layer.count(std::string(step) + " " + std::to_string(layer))) << step << layer;

  // The trace: a track per core (the grid is small), steps named with their layer.
  const nlohmann::json t = nlohmann::json::parse(read_file(trace));
  std::set<int> tracks;
  size_t ffn_events = 0;
  for (const auto& e : t["traceEvents"]) {
    tracks.insert(e["tid"].get<int>());
    if (e["ph"] == "X" && e["name"] == "ffn L1") {
      ++ffn_events;
      EXPECT_GT(e["dur"].get<double>(), 0.0);
    }
  }
  EXPECT_EQ(tracks.size(), 64u);
  EXPECT_EQ(ffn_events, 64u * 12);
}

TEST(DecodeRun, DecodeRefusesBadPromptsAndMismatchedFilesBeforeSimulating) {
  const auto refused = [](const ProcessResult& r, const std::string& what) {
    EXPECT_EQ(r.exit_code, 2) << r.err;
    EXPECT_NE(r.err.find(what), std::string::npos) << r.err;
    EXPECT_EQ(r.err.find("simulated time"), std::string::npos) << r.err;
  };
  refused(run_decode({"--grid", "8x8", "--prompt", ""}), "the prompt is empty");
  refused(run_decode({"--grid", "8x8", "--prompt", std::string(40, 'x')}), "more than the model's context of 32");
  const std::string other = temp_path("other_tok.bin");
  llama::generate_tokenizer(400).write(other);
  refused(run_process({wafervp(), "decode", "--model", tiny_model(), "--tokenizer", other, "--prompt", "hi"}),
          "ends after 400 tokens, but the model's vocabulary has 512");
  refused(run_decode({"--grid", "4x4", "--prompt", "hi"}), "the smallest square grid that fits is 6x6");
  refused(run_process({wafervp(), "decode", "--grid", "8x8", "--steps", "131073", "--shape",
                       "dim=64,hidden=172,layers=2,heads=4,kv_heads=2,vocab=512,seq_len=262144"}),
          "--steps 131073: the decode firmware's RoPE holds its accuracy for 131072 positions");
  refused(run_process({wafervp(), "decode", "--grid", "8x8", "--shape", kTinyShape, "--steps", "40", "--start-position", "32"}),
          "--start-position 32: the run ends at position 32 (--steps 40, a context of 32); start before it");
  refused(run_process({wafervp(), "decode", "--grid", "8x8", "--shape", kTinyShape, "--prompt-tokens", "3", "--start-position", "8"}),
          "--start-position and --prompt-tokens 3: the positions before the start stand for the prompt");
  refused(run_decode({"--grid", "8x8", "--prompt", "hi", "--start-position", "8"}), "--start-position needs --shape");
  refused(run_process({wafervp(), "decode", "--grid", "8x8", "--shape", kTinyShape, "--start-position", "-1"}), "--start-position");
}


// Four wafers of 4x4 in a row, each running one pipeline stage of the eight-layer model; the
// activations cross the edge SerDes between them and the next token comes back over all three.
// The firmware cannot tell the links from the fabric: the tokens and logits are the reference's,
// also when the links corrupt frames and replay them.
TEST(DecodeRun, FourWafersPipelinedOverEdgeSerdesGenerateTheHostReference) {
  const llama::Model m = llama::read_checkpoint(deep_model());
  const llama::Generation reference = greedy_from_bos(m, 32);
  for (const std::string ber : {"1e-12", "2e-5"}) {
    const std::string stats = temp_path("system_" + ber + ".json");
    const ProcessResult r = run_wafervp({"--grid", "4x4", "--set", "system.wafers=4", "--set", "serdes.count=2", "--set",
                                         "serdes.bit_error_rate=" + ber, "--set",
                                         "system.links=w0.east-w1.west,w1.east-w2.west,w2.east-w3.west", "--model",
                                         deep_model(), "--poke", "steps=32", "--poke", "dump_logits=1", "--stats", stats,
                                         firmware("decode")});
    ASSERT_EQ(r.exit_code, 0) << r.out << r.err;
    EXPECT_NE(r.err.find("8 layers in 4 pipeline stages of 4x4 cores"), std::string::npos) << r.err;
    EXPECT_EQ(printed_tokens(r.out), reference.tokens) << "bit-error rate " << ber;
    EXPECT_LT(largest_logit_error(r.out, reference, m.config.vocab_size), 1e-5);

    std::ifstream in(stats);
    const nlohmann::json links = nlohmann::json::parse(in)["system"]["links"];
    ASSERT_EQ(links.size(), 3u);
    uint64_t retries = 0;
    for (const auto& l : links) {
      // Each position hands x east over every border, an item from each of the 4 block columns
      // (the sequence and its part of x), and the next token crosses every border west; the
      // last hand-off is a STOP from each column.
      EXPECT_EQ(l["east"]["items"].get<uint64_t>(), 32u * (4 + m.config.dim) + 4) << l.dump();
      EXPECT_EQ(l["west"]["items"].get<uint64_t>(), 32u) << l.dump();
      EXPECT_EQ(l["east"]["payload_bytes"].get<uint64_t>(), l["east"]["items"].get<uint64_t>() * 5);
      retries += l["east"]["retries"].get<uint64_t>() + l["west"]["retries"].get<uint64_t>();
    }
    if (ber != "1e-12") {
      EXPECT_GT(retries, 0u);
    }
  }
}

// The same over optical Z ports, four per wafer (pitch 2), with the upper right reticle of each
// wafer too hot for its rings: that port goes down at once and its rows' traffic takes the
// nearest port that is up. The tokens are still the reference's.
TEST(DecodeRun, FourWafersOverOpticalZPortsWithAHotReticleGenerateTheHostReference) {
  const llama::Model m = llama::read_checkpoint(deep_model());
  const llama::Generation reference = greedy_from_bos(m, 32);
  const std::string stats = temp_path("optical.json");
  const ProcessResult r = run_wafervp({"--grid", "4x4", "--set", "system.wafers=4", "--set",
                                       "system.links=w0.z-w1.z,w1.z-w2.z,w2.z-w3.z", "--set", "optical.pitch_tiles=2",
                                       "--set", "wafer.reticle_width_tiles=2", "--set", "wafer.reticle_height_tiles=2",
                                       "--set", "optical.temperature_map_c=70,125,70,70", "--model", deep_model(), "--poke",
                                       "steps=32", "--stats", stats, firmware("decode")});
  ASSERT_EQ(r.exit_code, 0) << r.out << r.err;
  EXPECT_EQ(printed_tokens(r.out), reference.tokens);
  std::ifstream in(stats);
  const nlohmann::json links = nlohmann::json::parse(in)["system"]["links"];
  ASSERT_EQ(links.size(), 3u);
  for (const auto& l : links) {
    EXPECT_EQ(l["kind"], "optical");
    EXPECT_EQ(l["paths"], 4);
    EXPECT_GT(l["east"]["items"].get<uint64_t>() + l["west"]["items"].get<uint64_t>(), 32u) << l.dump();
    bool down = false;
    for (const auto& e : l["events"]) down = down || (e["event"] == "down" && e["port"] == 1);
    EXPECT_TRUE(down) << l.dump();
  }
  // With every port too hot and no SerDes on the facing edges, the hand-off has nowhere to go: a
  // named error, not a hang.
  const ProcessResult hot = run_wafervp({"--grid", "4x4", "--set", "system.wafers=4", "--set",
                                         "system.links=w0.z-w1.z,w1.z-w2.z,w2.z-w3.z", "--set", "optical.temperature_map_c=125", "--model", deep_model(), "--poke",
                                         "steps=4", firmware("decode")});
  EXPECT_NE(hot.exit_code, 0);
  EXPECT_NE(hot.err.find("optical port 'z0_0' is down, no port is up and there is no edge fallback"), std::string::npos)
      << hot.err;
}

// Every Z port too hot, but the wafers have a SerDes on each facing edge: the ports fail over to
// the edge at once and every hand-off crosses the SerDes pair of its border, in order. The
// tokens are still the reference's, and the stats say what went over the edge: exactly the
// wavelets that cross the Z ports when they are cool.
TEST(DecodeRun, FourWafersWithEveryZPortDownFailOverToTheEdgeSerDesAndGenerateTheHostReference) {
  const llama::Model m = llama::read_checkpoint(deep_model());
  constexpr uint32_t kSteps = 16;
  const llama::Generation reference = greedy_from_bos(m, kSteps);
  const auto decode = [&](const std::string& name, const std::string& temperature_map) {
    const std::string stats = temp_path(name);
    const ProcessResult r = run_wafervp({"--grid", "4x4", "--set", "system.wafers=4", "--set",
                                         "system.links=w0.z-w1.z,w1.z-w2.z,w2.z-w3.z", "--set",
                                         "optical.temperature_map_c=" + temperature_map, "--set", "serdes.count=2", "--model",
                                         deep_model(), "--poke", "steps=" + std::to_string(kSteps), "--stats", stats,
                                         firmware("decode")});
    EXPECT_EQ(r.exit_code, 0) << r.out << r.err;
    EXPECT_EQ(printed_tokens(r.out), reference.tokens);
    std::ifstream in(stats);
    return std::make_pair(r.err, nlohmann::json::parse(in)["system"]["links"]);
  };
  const auto [err, links] = decode("optical_edge.json", "125");
  const nlohmann::json cool = decode("optical_cool.json", "45").second;
  EXPECT_NE(err.find("a failover to the edge at 0 ns; over the edge (1 SerDes pair): east "), std::string::npos) << err;
  ASSERT_EQ(links.size(), 3u);
  ASSERT_EQ(cool.size(), 3u);
  for (size_t k = 0; k < links.size(); ++k) {
    const auto& l = links[k];
    const auto& edge = l["edge_fallback"];
    EXPECT_EQ(l["kind"], "optical");
    EXPECT_EQ(edge["paths"], 1);
    EXPECT_EQ(l["east"]["items"], 0) << l.dump();  // through the Z ports
    EXPECT_EQ(l["west"]["items"], 0) << l.dump();
    // Each stage hands x on and the next token comes back: at least a wavelet per step each way.
    EXPECT_GE(edge["west"]["items"].get<uint64_t>(), kSteps) << l.dump();
    EXPECT_EQ(edge["east"]["items"], cool[k]["east"]["items"]) << l.dump() << cool[k].dump();
    EXPECT_EQ(edge["west"]["items"], cool[k]["west"]["items"]) << l.dump() << cool[k].dump();
    EXPECT_EQ(cool[k]["edge_fallback"]["east"]["items"], 0) << cool[k].dump();
    EXPECT_EQ(edge["east"]["payload_bytes"].get<uint64_t>(), edge["east"]["items"].get<uint64_t>() * 5);
    bool to_edge = false;
    for (const auto& e : l["events"]) to_edge = to_edge || (e["event"] == "failover" && e["to"] == "edge" && e["time_ps"] == 0);
    EXPECT_TRUE(to_edge) << l.dump();
  }
}

// A decode of `model` on a `grid` with two SerDes and `sets` (config keys) is refused with exit 2
// and `what` before anything is simulated.
void expect_refused_before_running(const std::string& grid, const std::string& model, const std::vector<std::string>& sets,
                                   const std::string& what) {
  std::vector<std::string> args = {"--grid", grid, "--set", "serdes.count=2"};
  for (const std::string& s : sets) args.insert(args.end(), {"--set", s});
  args.insert(args.end(), {"--model", model, firmware("decode")});
  const ProcessResult r = run_wafervp(args);
  EXPECT_EQ(r.exit_code, 2) << r.err;
  EXPECT_NE(r.err.find(what), std::string::npos) << r.err;
  EXPECT_EQ(r.err.find("simulated time"), std::string::npos) << r.err;
}

// The long-context model's K/V do not fit 8x8 cores in one stage. With a memory node cabled to the
// west edge the planner keeps one stage and the last positions' K/V in SRAM; every position is
// written through to the node and the older ones are fetched back for attention. The fetched K/V
// take part in the same operations in the same order, so the logits of windows of 24 and 8
// positions are bit for bit the same, and the node saw exactly the traffic the window implies.
TEST(DecodeRun, KvCacheOffloadedToAMemoryNodeGivesTheSameLogitsBitForBitWhateverTheWindow) {
  const llama::Model m = llama::read_checkpoint(long_context_model());
  // 8 block rows for 2 KV heads: each KV head's first 4 rows split its 8 dimensions in pairs.
  constexpr uint32_t kSteps = 48, kHeadSize = 8, kLayers = 8, kKvHeads = 2, kRowsPerHead = 4, kColumns = 8;
  const llama::Generation reference = greedy_from_bos(m, kSteps);
  const std::string steps = "steps=" + std::to_string(kSteps), stats = temp_path("kv_offload.json");
  const auto offload = [&](const std::string& window, const std::string& positions, const std::string& stats_file) {
    return run_wafervp({"--grid", "8x8", "--set", "serdes.count=2", "--set", "system.memnode=w0.west", "--set",
                        "decode.kv_window=" + window, "--model", long_context_model(), "--poke", positions, "--poke", "dump_logits=1",
                        "--stats", stats_file, firmware("decode")});
  };
  // The planner's window: as many positions as fit beside the weights.
  const ProcessResult planned = offload("0", "steps=2", temp_path("kv_offload_planned.json"));
  ASSERT_EQ(planned.exit_code, 0) << planned.out << planned.err;
  std::smatch window;
  ASSERT_TRUE(std::regex_search(planned.err, window, std::regex(R"(8 layers in 1 stage of 8x8 cores, K/V of the last (\d+) of 1280 positions)")))
      << planned.err;
  EXPECT_GT(std::stoul(window[1]), 8u);
  const ProcessResult narrow = offload("8", steps, temp_path("kv_offload_8.json")), offloaded = offload("24", steps, stats);
  ASSERT_EQ(narrow.exit_code, 0) << narrow.out << narrow.err;
  ASSERT_EQ(offloaded.exit_code, 0) << offloaded.out << offloaded.err;
  EXPECT_NE(offloaded.err.find("K/V of the last 24 of 1280 positions"), std::string::npos) << offloaded.err;
  EXPECT_EQ(printed_tokens(offloaded.out), reference.tokens);
  const auto a = printed_logits(narrow.out, kSteps, m.config.vocab_size), b = printed_logits(offloaded.out, kSteps, m.config.vocab_size);
  for (uint32_t pos = 0; pos < kSteps; ++pos)
    for (int32_t i = 0; i < m.config.vocab_size; ++i)
      ASSERT_EQ(std::bit_cast<uint32_t>(a[pos][i]), std::bit_cast<uint32_t>(b[pos][i])) << "position " << pos << " logit " << i;

  // At every position of every layer, the tile that owns the position in each of the eight block
  // rows writes its slice of its KV head's key and value. Each tile reads back its own positions
  // older than its slots (a C-th of the window), its slice of a KV head's keys and values.
  const uint32_t slots = 24 / kColumns;
  uint64_t older = 0;
  for (uint32_t pos = 0; pos < kSteps; ++pos)
    for (uint32_t c = 0; c < kColumns; ++c) {
      const uint32_t own = pos >= c ? (pos - c) / kColumns + 1 : 0;
      older += own > slots ? own - slots : 0;
    }
  const nlohmann::json node = nlohmann::json::parse(read_file(stats)).at("memnode");
  EXPECT_EQ(node["writes"].get<uint64_t>(), uint64_t{kSteps} * kLayers * kKvHeads * kRowsPerHead * 2) << node.dump();
  EXPECT_EQ(node["write_bytes"].get<uint64_t>(), uint64_t{kSteps} * kLayers * kKvHeads * 2 * kHeadSize * 4);
  EXPECT_EQ(node["read_bytes"].get<uint64_t>(), older * kLayers * kKvHeads * 2 * kHeadSize * 4);
  EXPECT_EQ(node["errors"], 0);
  EXPECT_GT(node["from_node"]["utilisation"].get<double>(), 0.0);
  EXPECT_NE(offloaded.err.find("memory node at w0.west (1 SerDes, 12.50 GB/s per direction)"), std::string::npos) << offloaded.err;
}

// A window of four positions on the tiny model, over a SerDes link that corrupts frames (the
// replays repair them) and over optical Z ports: the tokens are the reference's.
TEST(DecodeRun, KvCacheOffloadOverALinkWithBitErrorsGeneratesTheReference) {
  const llama::Model m = llama::read_checkpoint(tiny_model());
  const llama::Generation reference = greedy_from_bos(m, 32);
  const std::string stats = temp_path("kv_offload_ber.json");
  const ProcessResult r = run_wafervp({"--grid", "8x8", "--set", "serdes.count=2", "--set", "system.memnode=w0.west", "--set",
                                       "decode.kv_window=4", "--set", "serdes.bit_error_rate=1e-5", "--model", tiny_model(),
                                       "--poke", "steps=32", "--stats", stats, firmware("decode")});
  ASSERT_EQ(r.exit_code, 0) << r.out << r.err;
  EXPECT_NE(r.err.find("K/V of the last 4 of 32 positions in SRAM"), std::string::npos) << r.err;
  EXPECT_EQ(printed_tokens(r.out), reference.tokens);
  const nlohmann::json node = nlohmann::json::parse(read_file(stats)).at("memnode");
  EXPECT_GT(node["to_node"]["retries"].get<uint64_t>() + node["from_node"]["retries"].get<uint64_t>(), 0u) << node.dump();
  EXPECT_GT(node["reads"].get<uint64_t>(), 0u);

  // The same through the Z ports over the west edge's cells (pitch 4: two ports of 16 x 32 Gb/s).
  const ProcessResult z = run_wafervp({"--grid", "8x8", "--set", "system.memnode=w0.z", "--set", "optical.pitch_tiles=4",
                                       "--set", "decode.kv_window=4", "--model", tiny_model(), "--poke", "steps=32", "--stats",
                                       stats, firmware("decode")});
  ASSERT_EQ(z.exit_code, 0) << z.out << z.err;
  EXPECT_EQ(printed_tokens(z.out), reference.tokens);
  EXPECT_NE(z.err.find("memory node at w0.z (2 Z ports, 124.12 GB/s per direction)"), std::string::npos) << z.err;
  const nlohmann::json optical = nlohmann::json::parse(read_file(stats)).at("memnode");
  EXPECT_EQ(optical["kind"], "optical");
  EXPECT_EQ(optical["read_bytes"], node["read_bytes"]);
}

TEST(DecodeRun, AMemoryNodeOrWindowThatCannotServeIsRefusedNamingTheKey) {
  const auto refused = [](const std::vector<std::string>& sets, const std::string& what) {
    expect_refused_before_running("8x8", tiny_model(), sets, what);
  };
  refused({"decode.kv_window=4"}, "decode.kv_window 4 needs a memory node for the older positions (system.memnode)");
  refused({"system.memnode=w0.west", "decode.kv_window=32"}, "decode.kv_window 32 is not below the model's context of 32 positions");
  refused({"system.memnode=w0.west", "decode.kv_window=4", "memnode.size_bytes=4096"},
          "memnode.size_bytes 4096 is too small for the KV caches of 64 cores");
  refused({"system.memnode=w0.west", "serdes.edges=east", "serdes.count=1"},
          "system.memnode 'w0.west': the wafer has no SerDes on its west edge");
  refused({"system.wafers=2", "system.links=w0.east-w1.west", "system.memnode=w0.east"},
          "system.memnode 'w0.east': the memory node needs an outer edge of the row of wafers: w0.west, w1.east, or the Z "
          "ports over one of them (w0.z, w1.z)");
  refused({"system.memnode=w0.west", "decode.kv_window=4", "decode.stages=2"},
          "decode.kv_window: KV offload runs the model as one stage on one wafer");
}

TEST(DecodeRun, ASystemWithAWaferNoLinkReachesOrALinkToAMissingPortIsRefused) {
  const auto refused = [](const std::vector<std::string>& sets, const std::string& what) {
    expect_refused_before_running("4x4", deep_model(), sets, what);
  };
  refused({"system.wafers=3", "system.links=w0.east-w1.west"},
          "system.links: wafer w2 is not connected: no link joins w1 and w2");
  refused({"system.wafers=2", "system.links=w0.east-w2.west"},
          "system.links: link 'w0.east-w2.west': there is no wafer w2 (system.wafers: 2)");
  refused({"system.wafers=2", "system.links=w0.up-w1.west"}, "wafer w0 has no port 'up'");
  refused({"system.wafers=2", "system.links=w0.north-w1.south"}, "w0.north and w1.south do not face each other");
  refused({"system.wafers=2", "system.links=w0.east-w1.west", "serdes.edges=north,south"},
          "the wafers have no SerDes on their east edge");
}

// Micro-batches: four layers of the narrow model with a context of 32, so that four sequences'
// KV caches fit beside the layer of a 4x4 stage; and its tokenizer.
struct MicroBatchModel {
  std::string model = narrow_model("micro.bin", 4, 512, false, 32), tokenizer = temp_path("micro_tok.bin");
  MicroBatchModel() { llama::generate_tokenizer(512).write(tokenizer); }
};

const MicroBatchModel& micro_batch_model() {
  static const MicroBatchModel files;
  return files;
}

// What `wafervp decode` prints for each sequence with micro-batches: "sequence <b>: <text>", the
// host reference's text for that sequence's prompt and sampler seed.
std::string reference_texts(const std::vector<std::string>& prompts, int32_t steps, float temperature, uint64_t seed) {
  const MicroBatchModel& files = micro_batch_model();
  const llama::Model m = llama::read_checkpoint(files.model);
  const llama::Tokenizer t = llama::Tokenizer::read(files.tokenizer, m.config.vocab_size);
  std::string texts;
  for (size_t b = 0; b < prompts.size(); ++b) {
    const std::vector<int32_t> prompt = t.encode(prompts[b]);
    llama::Sampler sampler(m.config.vocab_size, temperature, 0.9f, seed + b);
    texts += "sequence " + std::to_string(b) + ": ";
    int32_t previous = prompt.front();
    for (int32_t token : llama::generate(m, prompt, steps, sampler).tokens) texts += t.printable(previous, token), previous = token;
    texts += "\n";
  }
  return texts;
}

// `wafervp decode` of the micro-batch model with `micro_batches` sequences and these prompts.
ProcessResult decode_micro_batches(size_t micro_batches, const std::vector<std::string>& prompts, std::vector<std::string> args) {
  const MicroBatchModel& files = micro_batch_model();
  args.insert(args.begin(), {wafervp(), "decode", "--model", files.model, "--tokenizer", files.tokenizer, "--set",
                             "decode.micro_batches=" + std::to_string(micro_batches)});
  for (const std::string& prompt : prompts) args.insert(args.end(), {"--prompt", prompt});
  return run_process(args, 300);
}

// The simulated cycles per token `wafervp decode` reports.
double cycles_per_token(const std::string& err) {
  std::smatch m;
  EXPECT_TRUE(std::regex_search(err, m, std::regex(R"(, (\d+) cycles per token)"))) << err;
  return m.size() > 1 ? std::stod(m[1]) : 0.0;
}

// Four sequences with their own prompts on four stages, one behind the other: each generates
// what the host reference generates for its prompt, on one wafer and on four joined by edge
// SerDes, and the pipeline's stages work at once (far fewer cycles per token than one sequence).
TEST(DecodeRun, FourMicroBatchesOnFourStagesGenerateEachPromptsHostReference) {
  const std::vector<std::string> prompts = {"Once upon a time", "The cat", "Hello", "x"};
  const std::string expected = reference_texts(prompts, 32, 0.0f, 1);
  const std::vector<std::string> one_wafer = {"--grid", "8x8"};
  const std::vector<std::string> four_wafers = {"--grid", "4x4", "--set", "system.wafers=4", "--set", "serdes.count=2", "--set",
                                                "system.links=w0.east-w1.west,w1.east-w2.west,w2.east-w3.west"};
  for (const auto& system : {one_wafer, four_wafers}) {
    const ProcessResult r = decode_micro_batches(4, prompts, system);
    ASSERT_EQ(r.exit_code, 0) << r.out << r.err;
    EXPECT_NE(r.err.find("4 layers in 4 pipeline stages of 4x4 cores"), std::string::npos) << r.err;
    EXPECT_EQ(r.out, expected);
    EXPECT_NE(r.err.find("wafervp decode: 4 sequences, 128 positions ("), std::string::npos) << r.err;
    EXPECT_NE(r.err.find(" tokens/s simulated in all, "), std::string::npos) << r.err;
  }
  const ProcessResult alone = decode_micro_batches(1, {prompts[0]}, one_wafer);
  const ProcessResult together = decode_micro_batches(4, prompts, one_wafer);
  // About 1.76 times the tokens/s of one sequence on one stage (11,718 cycles per token against
  // 20,662).
  EXPECT_LT(cycles_per_token(together.err), 0.6 * cycles_per_token(alone.err)) << alone.err << together.err;
}

// With sampling every sequence draws with its own seed (seed + b): the same prompt goes four
// ways, each the host reference's.
TEST(DecodeRun, SampledMicroBatchesDifferAndEachEqualsItsHostReference) {
  const std::vector<std::string> prompts(4, "Once upon a time");
  const ProcessResult r =
      decode_micro_batches(4, {prompts[0]}, {"--grid", "8x8", "--steps", "20", "--temperature", "1", "--seed", "42"});
  ASSERT_EQ(r.exit_code, 0) << r.out << r.err;
  EXPECT_EQ(r.out, reference_texts(prompts, 20, 1.0f, 42));
  std::set<std::string> texts;
  for (const std::string& line : lines(r.out)) texts.insert(line.substr(line.find(": ")));
  EXPECT_EQ(texts.size(), 4u) << r.out;
}

// A generated model and tokenizer in files `name`.bin and `name`_tok.bin, with `wafervp decode` of
// the prompt "Once upon a time" and the host reference's text for it.
struct PromptedModel {
  llama::ModelConfig c;
  std::string model, tokenizer;
  PromptedModel(const llama::ModelConfig& config, const std::string& name, uint64_t weights_seed)
      : c(config), model(temp_path(name + ".bin")), tokenizer(temp_path(name + "_tok.bin")) {
    llama::write_checkpoint(model, llama::generate_model(c, weights_seed));
    llama::generate_tokenizer(c.vocab_size).write(tokenizer);
  }

  // `wafervp decode` of the prompt "Once upon a time" at `temperature` and `topp`, seed 42.
  ProcessResult decode(std::vector<std::string> args, const std::string& temperature, const std::string& topp) const {
    args.insert(args.begin(), {wafervp(), "decode", "--model", model, "--tokenizer", tokenizer, "--prompt", "Once upon a time"});
    args.insert(args.end(), {"--temperature", temperature, "--topp", topp, "--seed", "42"});
    return run_process(args, 300);
  }

  // The host reference's text for that prompt, `steps` positions.
  std::string reference_text(float temperature, float topp, int32_t steps) const {
    const llama::Model m = llama::read_checkpoint(model);
    const llama::Tokenizer t = llama::Tokenizer::read(tokenizer, c.vocab_size);
    const std::vector<int32_t> tokens = t.encode("Once upon a time");
    llama::Sampler sampler(c.vocab_size, temperature, topp, 42);
    std::string text;
    int32_t previous = tokens.front();
    for (int32_t token : llama::generate(m, tokens, steps, sampler).tokens) text += t.printable(previous, token), previous = token;
    return text + "\n";
  }
};

// `wafervp make-model --layers 5`'s model and tokenizer: its classifier is the embedding, so each
// position's distribution is peaked (as a trained model's) and a top-p nucleus a few tokens.
const PromptedModel& five_layer_model() {
  static const PromptedModel files = [] {
    llama::ModelConfig config;
    config.dim = 64, config.hidden_dim = 172, config.n_layers = 5, config.n_heads = 4, config.n_kv_heads = 2;
    config.vocab_size = 512, config.seq_len = 32;
    return PromptedModel(config, "five_layers", 1);
  }();
  return files;
}

// Sampling costs the block's first tile the sums run.c adds in order and the nucleus taken most
// probable first, the other tiles only their share of the exponentials: at most a fifth more
// cycles per token than greedy decoding of the same model on the same grid, with top-p and from
// all tokens, and the host reference's tokens.
TEST(DecodeRun, SampledDecodingTakesAtMostAFifthMoreCyclesPerTokenThanGreedyAndGivesTheHostReference) {
  const PromptedModel& files = five_layer_model();
  for (const std::string grid : {"14x14", "16x16"}) {
    const ProcessResult greedy = files.decode({"--grid", grid}, "0", "0.9");
    ASSERT_EQ(greedy.exit_code, 0) << greedy.err;
    for (const float topp : {0.9f, 1.0f}) {
      const ProcessResult sampled = files.decode({"--grid", grid}, "1", topp == 1.0f ? "1" : "0.9");
      ASSERT_EQ(sampled.exit_code, 0) << sampled.err;
      EXPECT_EQ(sampled.out, files.reference_text(1.0f, topp, 32)) << grid << " top-p " << topp;
      // Both in one stage over the grid: the sampler's buffers fit beside the shards.
      EXPECT_NE(sampled.err.find(" on " + grid + " cores, fp32 weights, "), std::string::npos) << sampled.err;
      EXPECT_LE(cycles_per_token(sampled.err), 1.2 * cycles_per_token(greedy.err)) << grid << " top-p " << topp << "\n"
                                                                                    << greedy.err << sampled.err;
    }
  }
}

// The draw from all tokens adds the probabilities 64 at a time on the tensor engine, the core only
// those of the block where the sum passes the coin: vocabularies whose last block is partial, and
// a random classifier's flat distributions (the coin falls anywhere), give run.c's tokens, from all
// tokens and from the nucleus.
TEST(DecodeRun, SampledTokensEqualTheHostReferencesWhateverTheVocabularysLastBlock) {
  for (const int32_t vocab : {400, 449}) {
    llama::ModelConfig c;
    c.dim = 64, c.hidden_dim = 172, c.n_layers = 2, c.n_heads = 4, c.n_kv_heads = 2, c.vocab_size = vocab, c.seq_len = 32;
    c.shared_classifier = false;
    const PromptedModel files(c, "draw_" + std::to_string(vocab), 3);
    for (const float topp : {1.0f, 0.9f}) {
      const ProcessResult r = files.decode({"--grid", "8x8"}, "1", topp == 1.0f ? "1" : "0.9");
      ASSERT_EQ(r.exit_code, 0) << r.err;
      EXPECT_EQ(r.out, files.reference_text(1.0f, topp, 32)) << "vocabulary " << vocab << ", top-p " << topp;
    }
  }
}

// Seven stages of 5x3 tiles on 10x12: the last stage's block is the right one of the fourth block
// row, and the next token goes back west through the left one, a block past the last stage,
// whose tiles run nothing but must route it.
TEST(DecodeRun, TheNextTokenGoesBackThroughABlockPastTheLastStage) {
  const PromptedModel& files = five_layer_model();
  for (const std::string temperature : {"0", "1"}) {
    const ProcessResult r = files.decode({"--grid", "10x12", "--set", "decode.stages=7"}, temperature, "0.9");
    ASSERT_EQ(r.exit_code, 0) << r.err;
    EXPECT_NE(r.err.find("7 pipeline stages of 5x3 cores"), std::string::npos) << r.err;
    EXPECT_EQ(r.out, files.reference_text(std::stof(temperature), 0.9f, 32)) << "temperature " << temperature;
  }
}

TEST(DecodeRun, MicroBatchesWhoseKeyValueCachesDoNotFitOrThatOutnumberTheStagesAreRefused) {
  const auto refused = [](const ProcessResult& r, const std::string& what) {
    EXPECT_EQ(r.exit_code, 2) << r.err;
    EXPECT_NE(r.err.find(what), std::string::npos) << r.err;
    EXPECT_EQ(r.err.find("simulated time"), std::string::npos) << r.err;
  };
  // The eight-layer model with a context of 256 fits four wafers with one sequence (above), not with four.
  refused(run_wafervp({"--grid", "4x4", "--set", "system.wafers=4", "--set", "serdes.count=2", "--set",
                       "system.links=w0.east-w1.west,w1.east-w2.west,w2.east-w3.west", "--set", "decode.micro_batches=4",
                       "--model", deep_model(), firmware("decode")}),
          "the model (dim 32, 8 layers, vocab 256) with 4 micro-batches (a KV cache each) needs ");
  refused(decode_micro_batches(4, {"Once"}, {"--grid", "8x8", "--set", "decode.stages=2"}),
          "decode.micro_batches 4 exceeds decode.stages 2: each sequence in flight needs a pipeline stage");
  refused(decode_micro_batches(3, {"Once", "a"}, {"--grid", "8x8"}),
          "2 prompts for decode.micro_batches 3: give one prompt for all sequences or one per sequence");
  refused(decode_micro_batches(65, {"Once"}, {"--grid", "8x8"}), "decode.micro_batches");
}

}  // namespace
}  // namespace wvp::test
