// End-to-end: firmware over Verilated RTL routers (--rtl router@X,Y) gives the results, cycle
// counts and statistics of the models it replaces.
#include <gtest/gtest.h>

#include <filesystem>

#include <nlohmann/json.hpp>

#include "firmware_env.h"

namespace wvp::test {
namespace {

// The stats of a run without what the host's speed decides.
nlohmann::json simulated_stats(const std::string& path) {
  nlohmann::json j = nlohmann::json::parse(read_file(path));
  erase_host_figures(j);
  return j;
}

struct RunResult {
  ProcessResult process;
  nlohmann::json stats;
};

RunResult run_with(std::vector<std::string> args, const std::string& name) {
  const std::string stats = temp_path(name + ".json");
  args.insert(args.begin() + 2, {"--stats", stats});  // after the program and its command
  RunResult r{run_process(args, 600), {}};
  if (r.process.exit_code == 0) r.stats = simulated_stats(stats);
  return r;
}

void expect_same_run(const RunResult& model, const RunResult& rtl) {
  ASSERT_EQ(model.process.exit_code, 0) << model.process.err;
  ASSERT_EQ(rtl.process.exit_code, 0) << rtl.process.err;
  EXPECT_EQ(rtl.process.out, model.process.out);
  EXPECT_EQ(simulated_summary(rtl.process.err), simulated_summary(model.process.err));
  EXPECT_EQ(rtl.stats, model.stats) << "the stats JSON differ";
}

TEST(RtlRun, AllReduceOverEveryRouterInRtlEqualsTheModelsCycleForCycle) {
  const std::vector<std::string> base = {wafervp(), "run", "--grid", "8x8", firmware("allreduce")};
  std::vector<std::string> rtl = base;
  rtl.insert(rtl.end() - 1, {"--rtl", "router@*,*"});
  expect_same_run(run_with(base, "model"), run_with(rtl, "rtl"));
}

TEST(RtlRun, DecodeOverARowAndAColumnOfRtlRoutersEqualsTheModelsCycleForCycle) {
  const std::string dir = WVP_CHECKPOINT_DIR;
  const std::vector<std::string> base = {wafervp(), "decode", "--model", dir + "/tiny.bin", "--tokenizer",
                                         dir + "/tiny_tokenizer.bin", "--grid", "8x8", "--steps", "6",
                                         "--prompt", "Once upon"};
  std::vector<std::string> rtl = base;
  rtl.insert(rtl.end(), {"--rtl", "router@0-7,3", "--rtl", "router@5,*"});
  const RunResult model = run_with(base, "decode_model"), twin = run_with(rtl, "decode_rtl");
  EXPECT_NE(model.process.err.find("cycles per token"), std::string::npos) << model.process.err;
  expect_same_run(model, twin);  // the text, cycles per token, breakdown, bounds, stats
}

TEST(RtlRun, RtlWaveformsAreWrittenWhenAsked) {
  const std::string dir = temp_path("waves");
  std::filesystem::create_directories(dir);
  const ProcessResult r =
      run_wafervp({"--grid", "4x4", "--rtl", "router@1,0", "--rtl", "router@2-3,3", "--rtl-fst", dir, firmware("allreduce")});
  ASSERT_EQ(r.exit_code, 0) << r.err;
  for (const char* name : {"router_1_0.fst", "router_2_3.fst", "router_3_3.fst"})
    EXPECT_GT(std::filesystem::file_size(dir + "/" + name), 1000u) << name;
  EXPECT_FALSE(std::filesystem::exists(dir + "/router_0_0.fst"));
}

TEST(RtlRun, ASwapOutsideTheGridOrOfABlockWithoutTwinIsRefusedNamingIt) {
  const auto refused = [](std::vector<std::string> args, const std::string& message) {
    args.push_back(firmware("allreduce"));
    const ProcessResult r = run_wafervp(args);
    EXPECT_EQ(r.exit_code, 2) << r.err;
    EXPECT_NE(r.err.find(message), std::string::npos) << r.err;
  };
  refused({"--grid", "8x8", "--rtl", "router@8,0"}, "--rtl: rtl.swap: router@8,0 lies outside the 8x8 grid");
  refused({"--grid", "8x8", "--rtl", "router@2,1-9"}, "router@2,9 lies outside the 8x8 grid");
  refused({"--grid", "8x8", "--rtl", "dma@1,1"}, "--rtl: rtl.swap: block 'dma' has no RTL twin (blocks with one: router)");
  refused({"--grid", "8x8", "--rtl", "router@1"}, "expected BLOCK@X,Y");
  refused({"--grid", "8x8", "--set", "fabric.buffer_depth_flits=9", "--rtl", "router@0,0"},
          "RTL router router_0_0: fabric.buffer_depth_flits 9 exceeds the 8 slots it was built for");
}

}  // namespace
}  // namespace wvp::test
