// GDB end to end: Debian's gdb-multiarch in batch mode against `wafervp run --gdb`.
#include <gtest/gtest.h>

#include <algorithm>
#include <chrono>
#include <fstream>
#include <regex>
#include <thread>

#include "firmware_env.h"

namespace wvp::test {
namespace {

// Starts wafervp with a GDB server on a free port; returns the pid and the port.
std::pair<int, std::string> start_with_gdb(const std::vector<std::string>& extra, const std::string& out,
                                           const std::string& err) {
  std::vector<std::string> argv = {wafervp(), "run", "--gdb", "0"};
  argv.insert(argv.end(), extra.begin(), extra.end());
  const int pid = spawn_process(argv, out, err);
  const std::regex port_re(R"(waiting for GDB on 127\.0\.0\.1:([0-9]+))");
  for (int i = 0; i < 500; ++i) {
    std::smatch m;
    const std::string text = read_file(err);
    if (std::regex_search(text, m, port_re)) return {pid, m[1]};
    std::this_thread::sleep_for(std::chrono::milliseconds(10));
  }
  return {pid, ""};
}

ProcessResult gdb_batch(const std::string& elf, const std::string& port, const std::vector<std::string>& commands) {
  std::vector<std::string> argv = {WVP_GDB, "-nx", "-batch", "-ex", "set architecture riscv:rv32", "-ex", "file " + elf,
                                   "-ex", "target remote 127.0.0.1:" + port};
  for (const std::string& c : commands) argv.insert(argv.end(), {"-ex", c});
  return run_process(argv, 60);
}

TEST(Gdb, BreakContinuePrintStepAndRunToExit) {
  if (std::string(WVP_GDB).empty()) GTEST_SKIP() << "gdb-multiarch not installed";
  const std::string out = temp_path("gdb.out"), err = temp_path("gdb.err");
  const auto [pid, port] = start_with_gdb({"--grid", "2x2", firmware("hello")}, out, err);
  ASSERT_FALSE(port.empty()) << read_file(err);
  const ProcessResult g = gdb_batch(firmware("hello"), port,
                                    {"break main", "continue", "info threads", "print $pc == main", "print/x $sp",
                                     "next", "info registers pc", "delete", "continue"});
  const int rc = wait_process(pid, 60);
  EXPECT_EQ(rc, 0) << read_file(err);
  EXPECT_NE(g.out.find("Breakpoint 1, main ()"), std::string::npos) << g.out << g.err;
  EXPECT_TRUE(std::regex_search(g.out, std::regex(R"(Thread 1 \(PE \(0,0\)\))"))) << g.out;
  EXPECT_TRUE(std::regex_search(g.out, std::regex(R"(Thread 4 \(PE \(1,1\)\))"))) << g.out;
  EXPECT_NE(g.out.find("$1 = 1"), std::string::npos) << g.out;  // stopped exactly at main
  EXPECT_TRUE(std::regex_search(g.out, std::regex(R"(\$2 = 0x8000[0-9a-f]{4})"))) << g.out;  // sp in SRAM
  EXPECT_NE(g.out.find("exited normally"), std::string::npos) << g.out << g.err;
  // The firmware ran to completion on every core under the debugger.
  EXPECT_NE(read_file(out).find("(1,1) hello from core (1, 1) of 2x2"), std::string::npos) << read_file(out);
}

// With the C extension: a breakpoint on a 2-byte instruction, and stepi moves 2 or 4 bytes as the
// instructions go (mixed_rvc's main, its straight-line start, against objdump's listing).
TEST(Gdb, SteppingThroughTwoAndFourByteInstructions) {
  if (std::string(WVP_GDB).empty()) GTEST_SKIP() << "gdb-multiarch not installed";
  const std::string elf = firmware("mixed_rvc");
  std::vector<uint32_t> listing;  // main's first instructions' addresses
  {
    const ProcessResult d = run_process({WVP_OBJDUMP, "-d", "--disassemble=main", elf});
    const std::regex insn_re(R"(^\s*([0-9a-f]+):\s+([0-9a-f]{4}|[0-9a-f]{8})\s)");
    for (const std::string& line : lines(d.out)) {
      std::smatch m;
      if (std::regex_search(line, m, insn_re)) listing.push_back(static_cast<uint32_t>(std::stoul(m[1], nullptr, 16)));
    }
  }
  ASSERT_GE(listing.size(), 8u);
  const std::string out = temp_path("gdb_rvc.out"), err = temp_path("gdb_rvc.err");
  const auto [pid, port] = start_with_gdb({"--set", "core.isa=rv32imfc", "--grid", "1x1", elf}, out, err);
  ASSERT_FALSE(port.empty()) << read_file(err);
  std::vector<std::string> commands = {"break main", "continue", "print/x $pc"};
  for (int i = 0; i < 5; ++i) commands.insert(commands.end(), {"stepi", "print/x $pc"});
  commands.push_back("kill");
  const ProcessResult g = gdb_batch(elf, port, commands);
  wait_process(pid, 60);
  EXPECT_NE(g.out.find("Breakpoint 1, main ()"), std::string::npos) << g.out << g.err;
  std::vector<uint32_t> pcs;
  const std::regex pc_re(R"(\$[0-9]+ = 0x([0-9a-f]+))");
  for (auto it = std::sregex_iterator(g.out.begin(), g.out.end(), pc_re); it != std::sregex_iterator(); ++it)
    pcs.push_back(static_cast<uint32_t>(std::stoul((*it)[1], nullptr, 16)));
  ASSERT_EQ(pcs.size(), 6u) << g.out;
  // gdb stops main's breakpoint past the prologue's first instructions; from there, each step is
  // the listing's next instruction.
  const auto first = std::find(listing.begin(), listing.end(), pcs[0]);
  ASSERT_NE(first, listing.end()) << std::hex << pcs[0];
  ASSERT_LE(first - listing.begin() + 6, static_cast<long>(listing.size()));
  bool two_byte_step = false;
  for (size_t i = 1; i < pcs.size(); ++i) {
    EXPECT_EQ(pcs[i], *(first + static_cast<long>(i))) << i;
    two_byte_step |= pcs[i] - pcs[i - 1] == 2;
  }
  EXPECT_TRUE(two_byte_step) << g.out;
}

TEST(Gdb, UnhandledFaultStopsInTheDebugger) {
  if (std::string(WVP_GDB).empty()) GTEST_SKIP() << "gdb-multiarch not installed";
  const std::string out = temp_path("gdb.out"), err = temp_path("gdb.err");
  const auto [pid, port] = start_with_gdb({"--grid", "1x1", firmware("trap_unhandled")}, out, err);
  ASSERT_FALSE(port.empty()) << read_file(err);
  const ProcessResult g = gdb_batch(firmware("trap_unhandled"), port, {"continue", "print/x $mcause", "kill"});
  wait_process(pid, 60);
  EXPECT_NE(g.out.find("SIGSEGV"), std::string::npos) << g.out << g.err;
  EXPECT_NE(g.out.find("= 0x5"), std::string::npos) << g.out;  // load access fault
}

TEST(Gdb, CoreWindowExposesOnlyChosenCores) {
  if (std::string(WVP_GDB).empty()) GTEST_SKIP() << "gdb-multiarch not installed";
  const std::string out = temp_path("gdb.out"), err = temp_path("gdb.err");
  const auto [pid, port] = start_with_gdb({"--grid", "4x4", "--gdb-cores", "1,1:2x2", firmware("hello")}, out, err);
  ASSERT_FALSE(port.empty()) << read_file(err);
  const ProcessResult g = gdb_batch(firmware("hello"), port, {"info threads", "continue"});
  EXPECT_EQ(wait_process(pid, 60), 0) << read_file(err);
  for (const char* pe : {"Thread 1 (PE (1,1))", "Thread 2 (PE (2,1))", "Thread 3 (PE (1,2))", "Thread 4 (PE (2,2))"})
    EXPECT_NE(g.out.find(pe), std::string::npos) << pe << "\n" << g.out;
  EXPECT_EQ(g.out.find("Thread 5"), std::string::npos) << g.out;
  EXPECT_EQ(g.out.find("PE (0,0)"), std::string::npos) << g.out;
}

TEST(Gdb, ReadWatchpointStopsOnTheLoad) {
  if (std::string(WVP_GDB).empty()) GTEST_SKIP() << "gdb-multiarch not installed";
  const std::string out = temp_path("gdb.out"), err = temp_path("gdb.err");
  const auto [pid, port] =
      start_with_gdb({"--grid", "1x1", "--poke", "mixed_iterations=2", firmware("mixed")}, out, err);
  ASSERT_FALSE(port.empty()) << read_file(err);
  const ProcessResult g = gdb_batch(firmware("mixed"), port, {"rwatch mixed_iterations", "continue", "print mixed_iterations",
                                                              "delete", "continue"});
  wait_process(pid, 60);
  EXPECT_NE(g.out.find("atchpoint 1: mixed_iterations"), std::string::npos) << g.out << g.err;
  EXPECT_NE(g.out.find("Value = 2"), std::string::npos) << g.out;
  EXPECT_NE(g.out.find("$1 = 2"), std::string::npos) << g.out;
}

// The address of the first instruction of `source_line` in a firmware's .dis listing.
std::string first_address_after(const std::string& dis, const std::string& source_line) {
  const std::string text = read_file(dis);
  const size_t at = text.find(source_line);
  if (at == std::string::npos) return "";
  std::smatch m;
  const std::string rest = text.substr(at);
  return std::regex_search(rest, m, std::regex(R"(\n([0-9a-f]{8}):\t)")) ? "0x" + m[1].str() : "";
}

TEST(Gdb, SteppingABlockingReceiveWaitsForTheWaveletInsteadOfHanging) {
  if (std::string(WVP_GDB).empty()) GTEST_SKIP() << "gdb-multiarch not installed";
  // PE (0,0)'s receive of the pong: the wavelet is still on its way when the step begins, so
  // the step completes only after the other core and the fabric have run on.
  const std::string recv = first_address_after(std::string(WVP_FIRMWARE_DIR) + "/pingpong.dis",
                                               "static inline uint32_t wvp_recv(uint32_t color)");
  ASSERT_FALSE(recv.empty());
  const std::string out = temp_path("gdb.out"), err = temp_path("gdb.err");
  const auto [pid, port] = start_with_gdb({"--grid", "2x1", "--poke", "rounds=2", firmware("pingpong")}, out, err);
  ASSERT_FALSE(port.empty()) << read_file(err);
  const ProcessResult g = gdb_batch(firmware("pingpong"), port,
                                    {"break *" + recv, "continue", "print $pc == " + recv, "stepi",
                                     "print $pc == " + recv + " + 4", "print/x $a3", "delete", "continue"});
  EXPECT_EQ(wait_process(pid, 60), 0) << read_file(err);
  EXPECT_NE(g.out.find("$1 = 1"), std::string::npos) << g.out << g.err;  // at the receive
  EXPECT_NE(g.out.find("$2 = 1"), std::string::npos) << g.out << g.err;  // one instruction further
  EXPECT_NE(g.out.find("$3 = 0x1"), std::string::npos) << g.out << g.err;  // holding the reply to ping 0
  EXPECT_NE(g.out.find("exited normally"), std::string::npos) << g.out << g.err;
  EXPECT_NE(read_file(out).find("pingpong: distance 1, 2 round trips"), std::string::npos) << read_file(out);
}

// `gdb-multiarch FIRMWARE.elf FILE` on a core file of `--core-dump X,Y FILE`, as a user runs it.
ProcessResult gdb_core(const std::string& elf, const std::string& core, const std::vector<std::string>& commands) {
  std::vector<std::string> argv = {WVP_GDB, "-nx", "-batch"};
  for (const std::string& c : commands) argv.insert(argv.end(), {"-ex", c});
  argv.insert(argv.end(), {elf, core});
  return run_process(argv, 60);
}

TEST(Gdb, ACoreFileShowsTheTrappedPesBacktraceRegistersAndVariables) {
  if (std::string(WVP_GDB).empty()) GTEST_SKIP() << "gdb-multiarch not installed";
  // PE (1,0) traps in visit() <- walk() <- main(); PE (0,0) ends normally.
  const std::string trapped = temp_path("pe10.core"), normal = temp_path("pe00.core");
  const ProcessResult r = run_wafervp({"--grid", "2x2", "--core-dump", "1,0", trapped, "--core-dump", "0,0", normal,
                                       firmware("postmortem")});
  ASSERT_EQ(r.exit_code, 3) << r.out << r.err;  // the unhandled trap
  const ProcessResult g = gdb_core(firmware("postmortem"), trapped, {"bt", "print visited", "print table", "print/x $a0"});
  EXPECT_EQ(g.exit_code, 0) << g.err;
  EXPECT_NE(g.out.find("Program terminated with signal SIGSEGV"), std::string::npos) << g.out << g.err;
  EXPECT_TRUE(std::regex_search(g.out, std::regex(R"(#0 +visit \(node=node@entry=0x10\) at .*postmortem\.c:[0-9]+)"))) << g.out;
  EXPECT_TRUE(std::regex_search(g.out, std::regex(R"(#1 +0x[0-9a-f]+ in walk \(.*overrun=1.*\))"))) << g.out;
  EXPECT_TRUE(std::regex_search(g.out, std::regex(R"(#2 +0x[0-9a-f]+ in main \(\))"))) << g.out;
  EXPECT_NE(g.out.find("$1 = 5"), std::string::npos) << g.out;  // four nodes and the bad pointer
  EXPECT_NE(g.out.find("$2 = {3, 1, 4, 1}"), std::string::npos) << g.out;
  EXPECT_NE(g.out.find("$3 = 0x10"), std::string::npos) << g.out;  // the pointer it loaded from
  EXPECT_EQ(g.err.find("warning"), std::string::npos) << g.err;  // every register note read whole

  const ProcessResult n = gdb_core(firmware("postmortem"), normal, {"print visited"});
  EXPECT_NE(n.out.find("$1 = 4"), std::string::npos) << n.out << n.err;
  EXPECT_EQ(n.out.find("SIGSEGV"), std::string::npos) << n.out;
}

}  // namespace
}  // namespace wvp::test
