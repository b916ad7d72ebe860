// The host's load through its links (host.load: links) on real runs: the decode of the tiny
// model gives the backdoor's tokens and cycles per token, and reports a load time that the links'
// bandwidth accounts for; the prompt crosses the links once the cores run and the tokens come back
// over them at the link's latency; bit errors on the host links cost replays, not tokens; bad
// host.* values are refused naming the key.
#include <gtest/gtest.h>

#include <cmath>
#include <fstream>

#include <nlohmann/json.hpp>

#include "firmware_env.h"
#include "platform/llama/checkpoint.h"
#include "platform/llama/loader.h"
#include "platform/llama/tokenizer.h"

namespace wvp::test {
namespace {

const std::string kPrompt = "Once upon a time";

std::string checkpoint(const std::string& name) { return std::string(WVP_CHECKPOINT_DIR) + "/" + name; }

// The prompt's tokens, BOS first: the prompt block's slots, and the plan of the tiny model on 8x8.
uint32_t prompt_tokens() {
  return static_cast<uint32_t>(llama::Tokenizer::read(checkpoint("tiny_tokenizer.bin"), 512).encode(kPrompt).size());
}

llama::StagePlan tiny_plan() {
  llama::StagePlan plan = llama::single_stage(8, 8);
  plan.prompt_slots = prompt_tokens();
  return plan;
}

struct Decode {
  ProcessResult result;
  nlohmann::json stats;
};

Decode decode(std::vector<std::string> set, const std::string& name, std::vector<std::string> options = {}) {
  const std::string stats = temp_path(name + ".json");
  std::vector<std::string> args = {wafervp(), "decode", "--model", checkpoint("tiny.bin"), "--tokenizer",
                                   checkpoint("tiny_tokenizer.bin"), "--prompt", kPrompt, "--grid", "8x8",
                                   "--stats", stats};
  for (const std::string& s : set) args.insert(args.end(), {"--set", s});
  args.insert(args.end(), options.begin(), options.end());
  Decode d{run_process(args, 300), {}};
  if (d.result.exit_code == 0) d.stats = nlohmann::json::parse(read_file(stats));
  return d;
}

// The stats without what the host's speed or the host links' errors change.
nlohmann::json simulated(nlohmann::json stats) {
  erase_host_figures(stats);
  for (const char* key : {"host_load", "host_stream"}) stats.erase(key);
  return stats;
}

TEST(HostLoadRun, DecodeThroughTheLinksGivesTheBackdoorsTokensInTheLinksTime) {
  const Decode backdoor = decode({}, "backdoor");
  const Decode links = decode({"host.load=links"}, "links");
  ASSERT_EQ(backdoor.result.exit_code, 0) << backdoor.result.err;
  ASSERT_EQ(links.result.exit_code, 0) << links.result.err;
  EXPECT_EQ(links.result.out, backdoor.result.out);
  EXPECT_EQ(links.stats["decode"]["cycles_per_token"], backdoor.stats["decode"]["cycles_per_token"]);
  EXPECT_FALSE(backdoor.stats.contains("host_load"));
  EXPECT_EQ(backdoor.result.err.find("host load"), std::string::npos) << backdoor.result.err;

  // The shards cross once per core, the image and the parameters once for all 64.
  const llama::Model m = llama::read_checkpoint(checkpoint("tiny.bin"));
  uint64_t shards = 0;
  for (uint32_t core = 0; core < 64; ++core) shards += llama::model_region_image(m, tiny_plan(), core).size();
  const nlohmann::json& h = links.stats["host_load"];
  const uint64_t bytes = h["bytes"], broadcast = h["broadcast_bytes"], segments = h["segments"], batches = h["batches"];
  EXPECT_EQ(h["tile_bytes"].get<uint64_t>(), shards);
  EXPECT_EQ(bytes, broadcast + shards);
  EXPECT_EQ(h["sram_bytes"].get<uint64_t>(), broadcast * 64 + shards);
  EXPECT_EQ(batches, 2u);  // the parameters (steps, ...) are written over the image's data after it

  // 12 links of 4 x 25.78125 Gb/s carry 12 x 100 Gb/s of data, 256 of every 272 bytes of a full
  // frame payload: the first-principles time.
  const double data_gbps = 12 * 4 * 25.78125 * 64 / 66, efficiency = 256.0 / 272;
  const double first_principles_s = double(bytes) * 8 / (data_gbps * efficiency) * 1e-9;
  EXPECT_NEAR(h["first_principles_seconds"].get<double>(), first_principles_s, 1e-9 * first_principles_s);
  // The simulated load takes at least that, and at most the frames' bytes (each segment's last
  // frame maybe short, a 48-byte header frame per segment and link) at the same rate, plus per
  // batch the last frame's FEC and propagation (105 ns) and two full frames for an uneven share.
  const double load_s = h["load_seconds"];
  const double frame_s = 9 * 66 / 25.78125 * 1e-9;  // 34 blocks over 4 lanes
  const double wire_bytes = (double(bytes) / 256 + double(segments)) * 272 + double(segments) * 12 * 48;
  EXPECT_GE(load_s, first_principles_s);
  EXPECT_LE(load_s, wire_bytes * 8 / data_gbps * 1e-9 + double(batches) * (105e-9 + 2 * frame_s));
  ASSERT_EQ(h["link_utilisation"].size(), 12u);
  for (double u : h["link_utilisation"]) {
    EXPECT_GT(u, 0.85);
    EXPECT_LE(u, 1.0);
  }
  EXPECT_EQ(h["retries"], 0);
  const double run_s = links.stats["simulated_seconds"];
  EXPECT_NEAR(h["total_simulated_seconds"].get<double>(), load_s + run_s, 1e-12);
  EXPECT_NE(links.result.err.find("host load over 12 links of 4 x 25.78125 Gb/s: " + std::to_string(bytes) + " bytes"),
            std::string::npos)
      << links.result.err;
  std::printf("tiny model on 8x8 over 12 x 100 GbE: %llu bytes (%llu once for all tiles) in %.3f us, %.3f us from first "
              "principles (%.1f%% more)\n",
              static_cast<unsigned long long>(bytes), static_cast<unsigned long long>(broadcast), load_s * 1e6,
              first_principles_s * 1e6, (load_s / first_principles_s - 1) * 100);
}

// A 4-byte item on an idle host link: one 66-bit block time on 4 lanes (24 frame bytes), FEC and
// propagation.
constexpr double kBlockS = 66 / 25.78125 * 1e-9;
constexpr double kWordLatencyS = kBlockS + 105e-9;

TEST(HostLoadRun, ThePromptCrossesTheLinksOnceTheCoresRunAndTheTokensComeBackOverThem) {
  const Decode backdoor = decode({}, "stream_backdoor");
  const Decode links = decode({"host.load=links"}, "stream_links");
  ASSERT_EQ(backdoor.result.exit_code, 0) << backdoor.result.err;
  ASSERT_EQ(links.result.exit_code, 0) << links.result.err;
  const nlohmann::json& s = links.stats["host_stream"];
  EXPECT_EQ(s["path"], "links");
  EXPECT_EQ(s["in_bytes"], 4 * prompt_tokens());  // the one prompt's slots
  // The block and its 32-byte header frame on one link, then FEC and propagation.
  const double in_s = s["in_arrived_seconds"];
  EXPECT_GT(in_s, 105e-9);
  EXPECT_LT(in_s, 105e-9 + 2 * 9 * 66 / 25.78125 * 1e-9);
  // The doorbell rings at the first cycle after that; the cores are still setting up then.
  EXPECT_EQ(s["doorbell_cycle"], static_cast<uint64_t>(std::ceil(in_s * 1.1e9)));
  EXPECT_EQ(links.stats["simulated_cycles"], backdoor.stats["simulated_cycles"]);

  // One word per position, each taken by the host one idle link's latency after PE (0,0) sent it
  // (and up to a block time more: a frame starts on a block boundary).
  const uint64_t positions = links.stats["decode"]["positions"];
  ASSERT_EQ(s["words_out"], positions);
  ASSERT_EQ(s["words_out_sent_seconds"].size(), positions);
  for (size_t i = 0; i < positions; ++i) {
    const double latency = s["words_out_arrived_seconds"][i].get<double>() - s["words_out_sent_seconds"][i].get<double>();
    EXPECT_GE(latency, kWordLatencyS - 1e-15) << "word " << i;
    EXPECT_LE(latency, kWordLatencyS + kBlockS) << "word " << i;
  }
  // The prompt (BOS and 13 tokens) gives the first 13 words; the 14th is the first generated token.
  const double first = links.stats["decode"]["host_first_token_seconds"];
  EXPECT_EQ(first, s["words_out_arrived_seconds"][13].get<double>());
  EXPECT_NE(links.result.err.find("at the host (prompt sent at 0 over host.links): first generated token at "),
            std::string::npos)
      << links.result.err;
  EXPECT_EQ(backdoor.stats["host_stream"]["path"], "backdoor");
  EXPECT_FALSE(backdoor.stats["decode"].contains("host_first_token_seconds"));
}

TEST(HostLoadRun, CoresWaitForASlowPromptUntilItsDoorbellWhateverTheQuantum) {
  // One lane of 0.1 Gb/s: the prompt arrives after the cores have set up, and they wait in wfi.
  const std::vector<std::string> slow = {"host.load=links", "host.lanes=1", "host.lane_gbps=0.1"};
  const Decode backdoor = decode({}, "slow_backdoor", {"--steps", "4"});
  std::vector<Decode> runs;
  for (const char* quantum : {"sim.quantum_cycles=1000", "sim.quantum_cycles=7"}) {
    std::vector<std::string> set = slow;
    set.push_back(quantum);
    runs.push_back(decode(set, std::string("slow_") + quantum, {"--steps", "4"}));
    ASSERT_EQ(runs.back().result.exit_code, 0) << runs.back().result.err;
  }
  ASSERT_EQ(backdoor.result.exit_code, 0) << backdoor.result.err;
  EXPECT_EQ(runs[0].result.out, backdoor.result.out);
  EXPECT_EQ(runs[0].stats["host_stream"], runs[1].stats["host_stream"]);
  EXPECT_EQ(runs[0].stats["simulated_cycles"], runs[1].stats["simulated_cycles"]);
  EXPECT_EQ(runs[0].stats["host_stream"]["words_out"], 4);
  const uint64_t doorbell = runs[0].stats["host_stream"]["doorbell_cycle"];
  for (const nlohmann::json& core : runs[0].stats["cores"]) EXPECT_GT(core["sleep_cycles"].get<uint64_t>(), 0u);
  // Everything after the wait moves by the time the cores slept.
  const uint64_t late = runs[0].stats["simulated_cycles"].get<uint64_t>() - backdoor.stats["simulated_cycles"].get<uint64_t>();
  EXPECT_GT(late, 0u);
  EXPECT_LT(late, doorbell);
  // The cores leave the wait together at the doorbell, and the set-up's barrier one by one without
  // it: the first position's collectives see that skew, a few cycles.
  const double per_token = backdoor.stats["decode"]["cycles_per_token"].get<double>();
  EXPECT_NEAR(runs[0].stats["decode"]["cycles_per_token"].get<double>(), per_token, 0.002 * per_token);
}

TEST(HostLoadRun, BitErrorsOnTheHostLinksCostReplaysNotTokens) {
  const Decode clean = decode({"host.load=links", "host.links=2"}, "clean");
  const Decode noisy = decode({"host.load=links", "host.links=2", "host.bit_error_rate=1e-5"}, "noisy");
  ASSERT_EQ(clean.result.exit_code, 0) << clean.result.err;
  ASSERT_EQ(noisy.result.exit_code, 0) << noisy.result.err;
  EXPECT_EQ(noisy.result.out, clean.result.out);
  EXPECT_EQ(simulated(noisy.stats), simulated(clean.stats));
  EXPECT_GT(noisy.stats["host_load"]["retries"].get<uint64_t>(), 0u);
  EXPECT_GT(noisy.stats["host_load"]["crc_errors"].get<uint64_t>(), 0u);
  EXPECT_GT(noisy.stats["host_load"]["load_seconds"].get<double>(), clean.stats["host_load"]["load_seconds"].get<double>());
}

TEST(HostLoadRun, BadHostValuesAreRefusedNamingTheKey) {
  for (const auto& [set, message] : std::vector<std::pair<std::string, std::string>>{
           {"host.load=wire", "host.load: expected one of backdoor links, got 'wire'"},
           {"host.links=0", "host.links: expected an integer in [1, 4096], got '0'"},
           {"host.lane_gbps=500", "host.lane_gbps: expected a number in [0.001, 448], got '500'"},
           {"host.lane_gbps=0", "host.lane_gbps: expected a number in [0.001, 448], got '0'"}}) {
    const ProcessResult r = run_wafervp({"--set", set, firmware("hello")});
    EXPECT_EQ(r.exit_code, 2) << set;
    EXPECT_NE(r.err.find(message), std::string::npos) << r.err;
    EXPECT_EQ(r.err.find("simulated time"), std::string::npos) << "refused before simulating";
  }
  const std::string yaml = temp_path("host.yaml");
  std::ofstream(yaml) << "host:\n  load: links\n  links: 0\n";
  const ProcessResult r = run_wafervp({"--config", yaml, firmware("hello")});
  EXPECT_EQ(r.exit_code, 2);
  EXPECT_NE(r.err.find(yaml + ":3: host.links: expected an integer in [1, 4096], got '0'"), std::string::npos) << r.err;
}

}  // namespace
}  // namespace wvp::test
