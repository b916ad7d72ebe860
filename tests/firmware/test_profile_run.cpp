// `wafervp run --profile`: the per-function profile of a real run.
#include <gtest/gtest.h>

#include <sstream>

#include <nlohmann/json.hpp>

#include "firmware_env.h"

namespace wvp::test {
namespace {

struct Profiled {
  ProcessResult run;
  std::string table, folded;
  nlohmann::json stats;
};

Profiled profile(const std::string& quantum) {
  const std::string table = temp_path("profile.txt"), folded = temp_path("profile.folded"), stats = temp_path("stats.json");
  Profiled p;
  p.run = run_wafervp({"--grid", "4x4", "--quantum", quantum, "--profile", table, "--profile-folded", folded,
                       "--profile-period", "200", "--profile-groups", "2x4", "--stats", stats, firmware("allreduce")});
  p.table = read_file(table), p.folded = read_file(folded);
  p.stats = nlohmann::json::parse(read_file(stats));
  return p;
}

TEST(ProfileRun, TheProfileAccountsForEveryCycleAndInstructionOfTheRun) {
  const Profiled p = profile("1000");
  ASSERT_EQ(p.run.exit_code, 0) << p.run.err;
  uint64_t cycles = 0;
  for (const auto& core : p.stats["cores"]) cycles += core["cycles"].get<uint64_t>();
  uint64_t folded_cycles = 0;
  std::istringstream lines(p.folded);
  for (std::string line; std::getline(lines, line);) folded_cycles += std::stoull(line.substr(line.rfind(' ') + 1));
  EXPECT_EQ(folded_cycles, cycles) << p.folded;
  const std::string header = "per-function profile of 16 cores (4x4): ";
  EXPECT_NE(p.table.find(header), std::string::npos) << p.table;
  EXPECT_NE(p.table.find(std::to_string(p.stats["instructions"].get<uint64_t>() % 1000) + " instructions"), std::string::npos)
      << p.table;
  // The all-reduce's call path, as the firmware's calls and returns keep it.
  EXPECT_NE(p.folded.find("main;wvp_allreduce_f32;allreduce;recv_block"), std::string::npos) << p.folded;
  EXPECT_NE(p.table.find("cores (0,0) to (1,3), 8 cores:"), std::string::npos) << p.table;
  EXPECT_NE(p.table.find("cores (2,0) to (3,3), 8 cores:"), std::string::npos) << p.table;
}

TEST(ProfileRun, TheProfileIsTheSameForAnyQuantumAndChangesNothingElse) {
  const Profiled a = profile("1000"), b = profile("7");
  EXPECT_EQ(a.table, b.table);
  EXPECT_EQ(a.folded, b.folded);
  const std::string stats = temp_path("plain.json");
  const ProcessResult plain = run_wafervp({"--grid", "4x4", "--stats", stats, firmware("allreduce")});
  nlohmann::json unprofiled = nlohmann::json::parse(read_file(stats)), profiled = a.stats;
  for (nlohmann::json* j : {&unprofiled, &profiled}) {
    erase_host_figures(*j);
    for (auto& core : (*j)["cores"]) core.erase("decodes"), core.erase("decode_hit_rate");
  }
  EXPECT_EQ(profiled, unprofiled);
  EXPECT_EQ(a.run.out, plain.out);
}

}  // namespace
}  // namespace wvp::test
