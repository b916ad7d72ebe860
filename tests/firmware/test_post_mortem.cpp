// End-to-end: the post-mortem JSON (--post-mortem after a trap, deadlock, sim.max_cycles or a
// signal; --dump at the end of any run).
#include <gtest/gtest.h>

#include <signal.h>

#include <filesystem>
#include <regex>

#include <nlohmann/json.hpp>

#include "firmware_env.h"

namespace wvp::test {
namespace {

nlohmann::json core_at(const nlohmann::json& pm, uint32_t x, uint32_t y) {
  for (const nlohmann::json& c : pm["cores"])
    if (c["x"] == x && c["y"] == y) return c;
  ADD_FAILURE() << "no core (" << x << "," << y << ")";
  return {};
}

// The value of an ELF symbol, from objdump's symbol table.
std::string symbol(const std::string& elf, const std::string& name) {
  const ProcessResult r = run_process({WVP_OBJDUMP, "-t", elf});
  for (const std::string& line : lines(r.out))
    if (line.size() > name.size() && line.compare(line.size() - name.size() - 1, std::string::npos, " " + name) == 0)
      return "0x" + line.substr(0, 8);
  ADD_FAILURE() << "no symbol " << name << " in " << elf;
  return "";
}

TEST(PostMortem, TrapNamesTheTrappingPcAndTheRegisters) {
  const std::string pm_path = temp_path("trap.json");
  const ProcessResult r = run_wafervp({"--grid", "1x1", "--post-mortem", pm_path, firmware("trap_unhandled")});
  ASSERT_EQ(r.exit_code, 3) << r.err;
  EXPECT_NE(r.err.find("post-mortem (trap) written to"), std::string::npos) << r.err;
  const nlohmann::json pm = nlohmann::json::parse(read_file(pm_path));
  EXPECT_EQ(pm["reason"], "trap");
  EXPECT_EQ(pm["exit_code"], 3);
  const nlohmann::json core = core_at(pm, 0, 0);
  EXPECT_EQ(core["state"], "trapped");
  EXPECT_EQ(core["csr"]["mcause"], "0x00000005");  // load access fault
  EXPECT_EQ(core["csr"]["mtval"], "0x00000010");
  EXPECT_EQ(core["pc"], core["csr"]["mepc"]) << "no handler: the core stopped on the load";
  EXPECT_TRUE(std::regex_match(core["disassembly"].get<std::string>(), std::regex(R"(lw [a-z0-9]+,16\(zero\))"))) << core;
  std::smatch m;
  ASSERT_TRUE(std::regex_search(r.err, m, std::regex(R"(at pc (0x[0-9a-f]{8}))"))) << r.err;
  EXPECT_EQ(core["pc"], m[1].str()) << "the pc the run's report names";
  EXPECT_EQ(core["gpr"]["gp"], symbol(firmware("trap_unhandled"), "__global_pointer$")) << "crt0 set it";
  EXPECT_EQ(core["gpr"].size(), 31u);
  EXPECT_EQ(core["fpr"].size(), 32u);
}

TEST(PostMortem, DeadlockShowsWhatEachCoreWaitsForAndTheQueuedFlits) {
  const std::string pm_path = temp_path("deadlock.json");
  const ProcessResult r =
      run_wafervp({"--grid", "2x2", "--poke", "fault=6", "--post-mortem", pm_path, firmware("fabric_faults")});
  ASSERT_EQ(r.exit_code, 5) << r.err;
  const nlohmann::json pm = nlohmann::json::parse(read_file(pm_path));
  EXPECT_EQ(pm["reason"], "deadlock");
  const nlohmann::json waiting = core_at(pm, 0, 0);
  EXPECT_EQ(waiting["state"], "waiting");
  EXPECT_EQ(waiting["waits_for"], nlohmann::json({{"queue", "receive"}, {"color", 8}}));
  std::smatch m;
  ASSERT_TRUE(std::regex_search(r.err, m, std::regex(R"(note: ([0-9]+) wavelets were sent but never received)"))) << r.err;
  uint64_t queued = 0;
  for (const nlohmann::json& router : pm["routers"]) {
    uint64_t sum = 0;
    for (const nlohmann::json& q : router["queues"]) sum += q["flits"].get<uint64_t>();
    EXPECT_EQ(router["flits"], sum);
    queued += sum;
  }
  EXPECT_EQ(queued, std::stoull(m[1])) << "every wavelet still in the fabric, in some router's queue";
}

TEST(PostMortem, MaxCyclesLeavesRunningCoresAndACleanEndWritesNone) {
  const std::string pm_path = temp_path("max.json"), none = temp_path("none.json"), dump = temp_path("dump.json");
  const ProcessResult r = run_wafervp({"--grid", "2x1", "--max-cycles", "5000", "--post-mortem", pm_path, firmware("mixed")});
  ASSERT_EQ(r.exit_code, 4) << r.err;
  const nlohmann::json pm = nlohmann::json::parse(read_file(pm_path));
  EXPECT_EQ(pm["reason"], "max_cycles");
  for (const nlohmann::json& core : pm["cores"]) EXPECT_EQ(core["state"], "running") << core;

  const ProcessResult clean = run_wafervp({"--grid", "2x2", "--post-mortem", none, "--dump", dump, firmware("hello")});
  ASSERT_EQ(clean.exit_code, 0) << clean.err;
  EXPECT_FALSE(std::filesystem::exists(none)) << "a run that ended well has no post-mortem";
  const nlohmann::json d = nlohmann::json::parse(read_file(dump));
  EXPECT_EQ(d["reason"], "end");
  EXPECT_EQ(d["cores"].size(), 4u);
  for (const nlohmann::json& core : d["cores"]) {
    EXPECT_EQ(core["state"], "exited");
    EXPECT_EQ(core["exit_code"], 0);
  }
}

// The ISS loop for 2^32 - 1 iterations: hours, unless stopped.
TEST(PostMortem, SigintWritesItWithEveryCoreRunning) {
  const std::string pm_path = temp_path("sigint.json");
  bool sent = false;
  const ProcessResult r = run_process_signalled({wafervp(), "run", "--grid", "2x2", "--post-mortem", pm_path, "--poke",
                                                 "loop_iterations=0xffffffff", firmware("loop")},
                                                SIGINT, 1000, sent);
  ASSERT_TRUE(sent) << r.err;
  EXPECT_EQ(r.exit_code, 130) << r.err;
  EXPECT_NE(r.err.find("; post-mortem written"), std::string::npos) << r.err;
  const nlohmann::json pm = nlohmann::json::parse(read_file(pm_path));
  EXPECT_EQ(pm["reason"], "SIGINT");
  ASSERT_EQ(pm["cores"].size(), 4u);
  for (const nlohmann::json& core : pm["cores"]) {
    EXPECT_EQ(core["state"], "running") << core;
    EXPECT_GT(core["instructions"].get<uint64_t>(), 0u);
  }
}

}  // namespace
}  // namespace wvp::test
