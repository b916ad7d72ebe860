// End-to-end: SIGINT or SIGTERM ends a long `wafervp run` cleanly. The stats, trace and heat map
// hold what the run measured up to the stop, and the exit code is the shell's for the signal.
#include <gtest/gtest.h>

#include <signal.h>

#include <nlohmann/json.hpp>

#include "firmware_env.h"

namespace wvp::test {
namespace {

constexpr int kSignalDelayMs = 1000;

bool has(const std::string& text, const std::string& part) { return text.find(part) != std::string::npos; }

// The ISS loop for 2^32 - 1 iterations on 2 x 2 cores: hours, unless stopped.
void expect_clean_stop(int signal, const std::string& name, int exit_code) {
  const std::string stats = temp_path("stats.json"), trace = temp_path("trace.json"), heatmap = temp_path("heat.svg");
  bool sent = false;
  const ProcessResult r = run_process_signalled(
      {wafervp(), "run", "--grid", "2x2", "--stats", stats, "--trace", trace, "--heatmap", heatmap, "--poke",
       "loop_iterations=0xffffffff", firmware("loop")},
      signal, kSignalDelayMs, sent);
  ASSERT_TRUE(sent) << "the run ended before the signal\n" << r.err;
  EXPECT_FALSE(r.killed_by_signal) << r.err;
  EXPECT_EQ(r.exit_code, exit_code) << r.err;
  EXPECT_TRUE(has(r.err, "wafervp: interrupted by " + name + " at cycle ")) << r.err;
  EXPECT_TRUE(has(r.err, "; stats, trace and heat map written\n")) << r.err;
  EXPECT_TRUE(has(r.err, "exit code " + std::to_string(exit_code))) << r.err;  // the summary
  for (const std::string* text : {&r.out, &r.err}) EXPECT_FALSE(has(*text, "uncaught exception")) << *text;

  const nlohmann::json j = nlohmann::json::parse(read_file(stats));
  EXPECT_GT(j["instructions"].get<uint64_t>(), 0u);
  EXPECT_EQ(j["exit_code"], exit_code);
  EXPECT_EQ(j["interrupted_by"], name);
  ASSERT_EQ(j["cores"].size(), 4u);
  for (const auto& c : j["cores"]) EXPECT_FALSE(c["halted"].get<bool>());
  EXPECT_TRUE(has(r.err, "at cycle " + std::to_string(j["simulated_cycles"].get<uint64_t>()) + ";")) << r.err;

  const nlohmann::json t = nlohmann::json::parse(read_file(trace));
  EXPECT_TRUE(t.contains("traceEvents"));
  const std::string svg = read_file(heatmap);
  EXPECT_TRUE(has(svg, "<svg") && has(svg, "</svg>")) << svg.substr(0, 200);
}

TEST(Interrupt, SigintEndsTheRunWithWhatItMeasuredAndExitCode130) { expect_clean_stop(SIGINT, "SIGINT", 130); }

TEST(Interrupt, SigtermEndsTheRunWithWhatItMeasuredAndExitCode143) { expect_clean_stop(SIGTERM, "SIGTERM", 143); }

// Decode on 32 x 32 cores runs for seconds. Stopped after one, it has only some of its tokens,
// which are not held against the host reference.
TEST(Interrupt, DecodeStopsWithoutAReferenceCheck) {
  const std::string stats = temp_path("stats.json");
  const std::string checkpoints = WVP_CHECKPOINT_DIR;
  bool sent = false;
  const ProcessResult r = run_process_signalled(
      {wafervp(), "decode", "--model", checkpoints + "/tiny.bin", "--tokenizer", checkpoints + "/tiny_tokenizer.bin",
       "--prompt", "Once", "--steps", "32", "--grid", "32x32", "--stats", stats},
      SIGINT, kSignalDelayMs, sent);
  ASSERT_TRUE(sent) << "the run ended before the signal\n" << r.err;
  EXPECT_EQ(r.exit_code, 130) << r.err;
  EXPECT_TRUE(has(r.err, "wafervp: interrupted by SIGINT at cycle ")) << r.err;
  EXPECT_TRUE(has(r.err, "the tokens of a partial run are not checked against the host reference")) << r.err;
  EXPECT_FALSE(has(r.err, "not the host reference's")) << r.err;
  const nlohmann::json j = nlohmann::json::parse(read_file(stats));
  EXPECT_EQ(j["exit_code"], 130);
  EXPECT_FALSE(j.contains("decode"));  // no cycles per token from a partial run
}

}  // namespace
}  // namespace wvp::test
