// Checkpoint and restore (docs/checkpoint.md): a run continued from a checkpoint must give every
// output of the run that was never interrupted, and a checkpoint that does not fit the platform
// must be refused in one line.
#include <cstdio>
#include <filesystem>
#include <fstream>
#include <regex>
#include <sstream>

#include <gtest/gtest.h>

#include "firmware_env.h"
#include "platform/llama/checkpoint.h"

namespace wvp::test {
namespace {

// What a run printed on stderr that depends on the simulation alone: without the host's figures
// and the lines that report the checkpoint itself.
std::string simulated_err(const std::string& err) {
  std::string keep;
  for (const std::string& l : lines(simulated_summary(err)))
    if (l.rfind("wafervp: restored ", 0) != 0 && l.rfind("wafervp: checkpoint at ", 0) != 0) keep += l + "\n";
  return keep;
}

// The stats JSON less what differs between any two runs (host figures), the decode cache's
// counts, which start afresh in a restored process (decode caches are not state), and the
// cluster's scheduling rounds, which depend on the quantum and gain one at the checkpoint.
nlohmann::json simulated_stats(const std::string& path) {
  nlohmann::json stats = nlohmann::json::parse(read_file(path));
  erase_host_figures(stats);
  stats.erase("rounds");
  for (auto& core : stats["cores"]) core.erase("decodes"), core.erase("decode_hit_rate");
  return stats;
}

struct Outputs {
  int exit_code = -1;
  std::string out, err;
  nlohmann::json stats;
};

// Runs `wafervp ARGS... --stats FILE` (args[0] is the command).
Outputs run_with_stats(std::vector<std::string> args, const std::string& name) {
  const std::string stats = temp_path(name + ".json");
  args.insert(args.begin(), wafervp());
  args.insert(args.end(), {"--stats", stats});
  const ProcessResult r = run_process(args, 300);
  Outputs o{r.exit_code, r.out, r.err, {}};
  if (std::filesystem::exists(stats)) o.stats = simulated_stats(stats);
  return o;
}

std::vector<std::string> decode_args(const std::vector<std::string>& more) {
  std::vector<std::string> args = {"decode", "--grid", "8x8", "--model", checkpoint_file("tiny.bin"), "--tokenizer",
                                   checkpoint_file("tiny_tokenizer.bin"), "--prompt", "Once upon a time", "--steps", "20"};
  args.insert(args.end(), more.begin(), more.end());
  return args;
}

void expect_same(const Outputs& continued, const Outputs& whole, const std::string& what) {
  EXPECT_EQ(continued.exit_code, whole.exit_code) << what << "\n" << continued.err;
  EXPECT_EQ(continued.out, whole.out) << what;
  EXPECT_EQ(simulated_err(continued.err), simulated_err(whole.err)) << what;
  EXPECT_EQ(continued.stats, whole.stats) << what << ": " << nlohmann::json::diff(whole.stats, continued.stats).dump();
}

// Decode, checkpointed once the prompt is in and in the middle of a generated token, with the
// host's traffic on the backdoor and over links that corrupt frames (frames in flight, replays,
// the error generator's state).
TEST(Checkpoint, DecodeContinuesAfterThePromptAndInTheMiddleOfAToken) {
  for (const std::vector<std::string>& host :
       {std::vector<std::string>{}, std::vector<std::string>{"--set", "host.load=links", "--set", "host.bit_error_rate=1e-5"}}) {
    const std::string setting = host.empty() ? "backdoor" : "links";
    const Outputs whole = run_with_stats(decode_args(host), "whole-" + setting);
    ASSERT_EQ(whole.exit_code, 0) << whole.err;
    const uint64_t cycles_per_token = whole.stats["decode"]["cycles_per_token"].get<uint64_t>();
    // "wafervp decode: 20 positions (P of the prompt, G generated)"
    const size_t of = whole.err.find(" of the prompt");
    ASSERT_NE(of, std::string::npos) << whole.err;
    const uint64_t prompt = std::stoull(whole.err.substr(whole.err.rfind('(', of) + 1));
    for (const uint64_t at : {prompt * cycles_per_token, (prompt + 2) * cycles_per_token + cycles_per_token / 2 + 77}) {
      const std::string file = temp_path("decode-" + setting + "-" + std::to_string(at) + ".ckpt");
      std::vector<std::string> args = decode_args(host);
      args.insert(args.end(), {"--checkpoint-at", std::to_string(at), file});
      const Outputs writing = run_with_stats(args, "writing-" + setting);
      expect_same(writing, whole, "the run that writes the checkpoint at " + std::to_string(at));
      EXPECT_NE(writing.err.find("wafervp: checkpoint at cycle "), std::string::npos) << writing.err;
      args = decode_args(host);
      args.insert(args.end(), {"--restore", file});
      const Outputs continued = run_with_stats(args, "continued-" + setting);
      expect_same(continued, whole, setting + ", restored at " + std::to_string(at));
      // Both runs report the file's size: the bytes written are the bytes read.
      std::smatch written, read;
      ASSERT_TRUE(std::regex_search(writing.err, written, std::regex(R"(checkpoint at cycle \d+ written to \S+ \(([0-9.]+) MB)"))) << writing.err;
      ASSERT_TRUE(std::regex_search(continued.err, read, std::regex(R"(wafervp: restored \S+ \(cycle \d+, ([0-9.]+) MB)"))) << continued.err;
      EXPECT_EQ(read[1], written[1]);
    }
  }
}

// A communicating run with every output a developer asks for: the maps, the trace and the
// per-function profile are the uninterrupted run's, byte for byte.
TEST(Checkpoint, AllReduceContinuesWithItsMapsTraceAndProfile) {
  constexpr const char* kOutputs[] = {"--heatmap", "--activity-map", "--trace", "--profile", "--profile-folded"};
  struct Run {
    std::vector<std::string> files;  // one per kOutputs
    Outputs outputs;
  };
  const auto run = [&](const std::string& tag, const std::vector<std::string>& more) {
    Run r;
    std::vector<std::string> a = {"run", "--grid", "16x8", "--heatmap-window", "2000-9000", "--profile-period", "97"};
    for (const char* option : kOutputs) {
      r.files.push_back(temp_path(tag + option));
      a.insert(a.end(), {option, r.files.back()});
    }
    a.insert(a.end(), more.begin(), more.end());
    a.push_back(firmware("allreduce"));
    r.outputs = run_with_stats(a, "allreduce-" + tag);
    return r;
  };
  const Run whole = run("whole", {});
  ASSERT_EQ(whole.outputs.exit_code, 0) << whole.outputs.err;
  const uint64_t end = whole.outputs.stats["simulated_cycles"].get<uint64_t>();
  const std::string file = temp_path("allreduce.ckpt");
  expect_same(run("writing", {"--checkpoint-at", std::to_string(end / 2), file}).outputs, whole.outputs, "the run that writes the checkpoint");
  const Run continued = run("continued", {"--restore", file});
  expect_same(continued.outputs, whole.outputs, "restored");
  for (size_t i = 0; i < std::size(kOutputs); ++i) EXPECT_EQ(read_file(continued.files[i]), read_file(whole.files[i])) << kOutputs[i];
}

// Four wafers pipelined over edge SerDes that corrupt frames, over optical Z ports with a hot
// reticle, and one wafer whose K/V go to a memory node: the links' frames in flight, the Z
// ports' thermal state and failover, and the node's memory and requests are all in the file.
TEST(Checkpoint, SystemsOfWafersAndTheMemoryNodeContinue) {
  llama::ModelConfig c;
  c.dim = 32, c.hidden_dim = 96, c.n_layers = 8, c.n_heads = 4, c.n_kv_heads = 2, c.vocab_size = 256, c.seq_len = 256;
  c.shared_classifier = true;
  const std::string model = temp_path("deep.bin");
  llama::write_checkpoint(model, llama::generate_model(c, 13));
  const std::vector<std::vector<std::string>> systems = {
      {"--grid", "4x4", "--set", "system.wafers=4", "--set", "serdes.count=2", "--set", "serdes.bit_error_rate=2e-5", "--set",
       "system.links=w0.east-w1.west,w1.east-w2.west,w2.east-w3.west"},
      {"--grid", "4x4", "--set", "system.wafers=4", "--set", "system.links=w0.z-w1.z,w1.z-w2.z,w2.z-w3.z", "--set",
       "optical.pitch_tiles=2", "--set", "wafer.reticle_width_tiles=2", "--set", "wafer.reticle_height_tiles=2", "--set",
       "optical.temperature_map_c=70,125,70,70"},
      {"--grid", "8x8", "--set", "serdes.count=2", "--set", "system.memnode=w0.west", "--set", "decode.kv_window=8"}};
  for (const std::vector<std::string>& system : systems) {
    const auto run = [&](const std::string& tag, const std::vector<std::string>& more) {
      std::vector<std::string> a = {"run", "--model", model, "--poke", "steps=24"};
      a.insert(a.end(), system.begin(), system.end());
      a.insert(a.end(), more.begin(), more.end());
      a.push_back(firmware("decode"));
      return run_with_stats(a, tag);
    };
    const std::string what = system[3];
    // A link's utilisation is its busy time over the time it was last advanced to, which
    // depends on the scheduling (it differs between quanta too): not compared here.
    const auto without_utilisation = [](Outputs o) {
      for (auto& link : o.stats["system"]["links"]) link["east"].erase("utilisation"), link["west"].erase("utilisation");
      return o;
    };
    const Outputs whole = without_utilisation(run("system-whole", {}));
    ASSERT_EQ(whole.exit_code, 0) << what << "\n" << whole.err;
    const std::string file = temp_path("system.ckpt");
    const uint64_t at = whole.stats["simulated_cycles"].get<uint64_t>() / 2;
    expect_same(without_utilisation(run("system-writing", {"--checkpoint-at", std::to_string(at), file})), whole, what + ", writing");
    expect_same(without_utilisation(run("system-continued", {"--restore", file})), whole, what + ", restored");
  }
}

// The NoC study, checkpointed in its warm-up, its measurement and its drain.
TEST(Checkpoint, NocStudyContinuesInEachPhase) {
  const auto noc = [](const std::string& tag, const std::vector<std::string>& more) {
    const std::string json = temp_path(tag + ".json");
    std::vector<std::string> a = {wafervp(), "noc", "--grid", "12x12", "--set", "noc.injection_rate=0.38", "--set",
                                  "noc.warmup_cycles=500", "--set", "noc.measure_cycles=1500", "--json", json};
    a.insert(a.end(), more.begin(), more.end());
    const ProcessResult r = run_process(a, 300);
    EXPECT_EQ(r.exit_code, 0) << r.err;
    nlohmann::json j = nlohmann::json::parse(read_file(json));
    erase_noc_host_figures(j);
    return j;
  };
  const nlohmann::json whole = noc("noc-whole", {});
  ASSERT_GT(whole["cycles"].get<uint64_t>(), 2300u) << "the study must drain after its measurement";
  for (const uint64_t at : {300, 1200, 2001}) {
    const std::string file = temp_path("noc-" + std::to_string(at) + ".ckpt");
    EXPECT_EQ(noc("noc-writing", {"--checkpoint-at", std::to_string(at), file}), whole) << at;
    EXPECT_EQ(noc("noc-continued", {"--restore", file}), whole) << at;
  }
}

// A checkpoint restored into another platform, or damaged, is refused in one line with exit 2.
TEST(Checkpoint, ACheckpointThatDoesNotFitIsRefused) {
  const std::string file = temp_path("hello.ckpt");
  const ProcessResult written = run_wafervp({"--grid", "4x4", "--checkpoint-at", "100", file, firmware("allreduce")});
  ASSERT_EQ(written.exit_code, 0) << written.err;
  const auto refused = [](const ProcessResult& r, const std::string& culprit) {
    EXPECT_EQ(r.exit_code, 2) << r.err;
    EXPECT_NE(r.err.find(culprit), std::string::npos) << r.err;
    EXPECT_EQ(lines(r.err).size(), 1u) << r.err;
  };
  refused(run_wafervp({"--grid", "8x4", "--restore", file, firmware("allreduce")}),
          "a checkpoint of another config: grid.width=4 in the checkpoint, grid.width=8 here");
  refused(run_wafervp({"--grid", "4x4", "--restore", file, firmware("hello")}), "a checkpoint of another program");
  refused(run_wafervp({"--grid", "4x4", "--profile", temp_path("p.txt"), "--restore", file, firmware("allreduce")}),
          "--profile was not given to the run that wrote the checkpoint");
  const std::string whole = read_file(file);
  for (const size_t keep : {size_t{12}, whole.size() / 2, whole.size() - 1}) {
    const std::string cut = temp_path("cut.ckpt");
    std::ofstream(cut, std::ios::binary) << whole.substr(0, keep);
    refused(run_wafervp({"--grid", "4x4", "--restore", cut, firmware("allreduce")}), cut);
  }
  // A file of another format version.
  std::string other = whole;
  other[8] = static_cast<char>(other[8] + 1);
  const std::string versioned = temp_path("version.ckpt");
  std::ofstream(versioned, std::ios::binary) << other;
  refused(run_wafervp({"--grid", "4x4", "--restore", versioned, firmware("allreduce")}), "checkpoint format version 4");
  // A checkpoint that cannot be written ends the run there, naming the file.
  const ProcessResult full = run_wafervp({"--grid", "4x4", "--checkpoint-at", "100", "/dev/full", firmware("allreduce")});
  EXPECT_EQ(full.exit_code, 2) << full.err;
  EXPECT_NE(full.err.find("wafervp: error: /dev/full: cannot write"), std::string::npos) << full.err;
  // Sanity: the file itself restores.
  EXPECT_EQ(run_wafervp({"--grid", "4x4", "--restore", file, firmware("allreduce")}).exit_code, 0);
}

}  // namespace
}  // namespace wvp::test
