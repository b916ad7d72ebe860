// End-to-end: the `wafervp run` command on real firmware, its console, exit codes and reports.
#include <gtest/gtest.h>

#include <cstring>
#include <fstream>
#include <map>
#include <regex>

#include <nlohmann/json.hpp>

#include "firmware_env.h"

namespace wvp::test {
namespace {

TEST(Run, HelloOnA4x4GridPrintsEveryCoreInOrder) {
  const ProcessResult r = run_wafervp({"--grid", "4x4", firmware("hello")});
  ASSERT_EQ(r.exit_code, 0) << r.err;
  const std::vector<std::string> out = lines(r.out);
  ASSERT_EQ(out.size(), 16u) << r.out;
  for (unsigned y = 0, i = 0; y < 4; ++y)
    for (unsigned x = 0; x < 4; ++x, ++i) {
      char expected[64];
      std::snprintf(expected, sizeof expected, "(%u,%u) hello from core (%u, %u) of 4x4", x, y, x, y);
      EXPECT_EQ(out[i], expected);
    }
  EXPECT_NE(r.err.find("16 cores (4x4), exit code 0"), std::string::npos) << r.err;
  EXPECT_TRUE(std::regex_search(r.err, std::regex(R"(simulated time +[0-9.]+ us \([0-9]+ cycles)"))) << r.err;
  EXPECT_TRUE(std::regex_search(r.err, std::regex(R"(instructions +[1-9][0-9]*)"))) << r.err;
  EXPECT_TRUE(std::regex_search(r.err, std::regex(R"(speed +[0-9.]+ MIPS)"))) << r.err;
}

TEST(Run, UnhandledTrapIsReportedWithPePcCauseAndMtval) {
  const ProcessResult r = run_wafervp({"--grid", "2x1", firmware("trap_unhandled")});
  EXPECT_EQ(r.exit_code, 3);
  EXPECT_TRUE(std::regex_search(
      r.err, std::regex(R"(error: PE \(0,0\): unhandled trap: load access fault \(mcause 5\) at pc 0x8[0-9a-f]{7}, )"
                        R"(instruction 0x[0-9a-f]{8}, mtval 0x00000010)")))
      << r.err;
  EXPECT_NE(r.err.find("PE (1,0): unhandled trap"), std::string::npos) << r.err;
}

// An option no command knows is bad input: one line naming it, exit 2, nothing on stdout.
TEST(Run, UnknownOptionsAreOneLineAndExitTwoForEveryCommand) {
  for (const char* command : {"run", "noc", "config", "decode", "make-model"}) {
    const ProcessResult r = run_process({wafervp(), command, "--no-such-option"});
    EXPECT_EQ(r.exit_code, 2) << command << ": " << r.err;
    EXPECT_TRUE(r.out.empty()) << command << ": " << r.out;
    ASSERT_EQ(lines(r.err).size(), 1u) << command << ": " << r.err;
    EXPECT_NE(r.err.find("--no-such-option"), std::string::npos) << command << ": " << r.err;
  }
}

TEST(Run, HandledTrapsReturnToFirmware) {
  const ProcessResult r = run_wafervp({"--grid", "1x1", firmware("trap")});
  EXPECT_EQ(r.exit_code, 0) << r.out << r.err;
  EXPECT_NE(r.out.find("mcause=2"), std::string::npos) << r.out;
  EXPECT_NE(r.out.find("mcause=11"), std::string::npos) << r.out;
}

// Debug lines only when asked for, each stamped with the cycle, ns and PE; the run itself, its
// console and its exit code, the same either way.
TEST(Run, LogLevelsShowTheComponentsLinesOnlyWhenAskedFor) {
  const ProcessResult quiet = run_wafervp({"--grid", "2x2", firmware("tensor_check")});
  const ProcessResult loud = run_wafervp({"--grid", "2x2", "--log", "tensor=debug,platform=info", firmware("tensor_check")});
  ASSERT_EQ(quiet.exit_code, 0) << quiet.err;
  EXPECT_EQ(loud.exit_code, 0);
  EXPECT_EQ(loud.out, quiet.out);
  EXPECT_EQ(quiet.err.find("[tensor]"), std::string::npos) << quiet.err;
  EXPECT_NE(loud.err.find("[platform] [info] 4 tiles (2x2) built and loaded in "), std::string::npos) << loud.err;
  EXPECT_TRUE(std::regex_search(loud.err, std::regex(R"(\[tensor\] \[debug\] cycle [0-9]+ \([0-9.]+ ns\) PE \(1,1\): DOT of [0-9]+ x [0-9]+ elements: [0-9]+ cycles)")))
      << loud.err;
}

TEST(Run, TwoRunsAreIdentical) {
  const std::string s1 = temp_path("s1.json"), s2 = temp_path("s2.json");
  const ProcessResult a = run_wafervp({"--grid", "3x2", "--stats", s1, firmware("trap")});
  const ProcessResult b = run_wafervp({"--grid", "3x2", "--stats", s2, firmware("trap")});
  EXPECT_EQ(a.exit_code, b.exit_code);
  EXPECT_EQ(a.out, b.out);
  EXPECT_EQ(simulated_summary(a.err), simulated_summary(b.err));
  nlohmann::json ja = nlohmann::json::parse(read_file(s1)), jb = nlohmann::json::parse(read_file(s2));
  for (auto* j : {&ja, &jb}) erase_host_figures(*j);
  EXPECT_EQ(ja, jb);
}

// Every tile starts from one image: a tile pays for the SRAM pages it writes, not for its SRAM
// or the image. hello writes its stack and nothing else of the image's pages.
TEST(Run, TilesShareTheImageAndPayForThePagesTheyWrite) {
  const auto stats = [](const std::string& grid) {
    const std::string path = temp_path("pages_" + grid + ".json");
    const ProcessResult r = run_wafervp({"--grid", grid, "--stats", path, firmware("hello")});
    EXPECT_EQ(r.exit_code, 0) << r.err;
    return nlohmann::json::parse(read_file(path));
  };
  const nlohmann::json small = stats("2x2"), large = stats("8x8");
  const uint64_t small_bytes = small["sram_host_bytes"], large_bytes = large["sram_host_bytes"];
  ASSERT_EQ((large_bytes - small_bytes) % 60, 0u);
  const uint64_t per_tile = (large_bytes - small_bytes) / 60;
  const uint64_t table = 48 * sizeof(void*);  // a pointer per page of the 48 KiB SRAM
  EXPECT_GE(per_tile, 1024 + table);          // a stack page at least
  EXPECT_LE(per_tile, 2 * 1024 + table) << "hello's tiles wrote more than their stack";
  const uint64_t image = small_bytes - 4 * per_tile;
  EXPECT_GE(image, 1024u);  // the image, once
  EXPECT_EQ(large_bytes, image + 64 * per_tile);

  // The same figure in the host-memory report, beside the peak resident set it is part of.
  const nlohmann::json& memory = large["host_memory"];
  EXPECT_EQ(memory["components"]["sram_pages"], large["sram_host_bytes"]);
  EXPECT_DOUBLE_EQ(memory["per_tile"]["sram_pages"].get<double>(), static_cast<double>(large_bytes) / 64);
  // Every component that holds per-tile state reports it, and the tiles' share of each.
  uint64_t accounted = 0;
  for (const char* name : {"cores", "sram_pages", "sram_state", "control_blocks", "fabric_ports", "routers", "tensor_engines"}) {
    ASSERT_TRUE(memory["components"].contains(name)) << name;
    accounted += memory["components"][name].get<uint64_t>();
    EXPECT_DOUBLE_EQ(memory["per_tile"][name].get<double>(), memory["components"][name].get<double>() / 64) << name;
  }
  EXPECT_GT(memory["components"]["cores"].get<uint64_t>(), 64u * 512);  // registers, CSRs, a DMI page table
  EXPECT_EQ(memory["peak_rss_bytes"].get<uint64_t>(), accounted + memory["rest_of_peak_rss"].get<uint64_t>());
}

// Each core's own console stream; how lines of different cores interleave follows simulated
// time only to within a quantum.
std::map<std::string, std::vector<std::string>> per_core(const std::string& out) {
  std::map<std::string, std::vector<std::string>> streams;
  for (const std::string& l : lines(out)) streams[l.substr(0, l.find(' '))].push_back(l);
  return streams;
}

TEST(Run, FunctionalOutputDoesNotDependOnTheQuantum) {
  std::map<std::string, std::vector<std::string>> reference;
  std::string reference_stats;
  for (const char* q : {"1", "97", "10000"}) {
    const std::string stats = temp_path("q.json");
    const ProcessResult r = run_wafervp({"--grid", "3x2", "--quantum", q, "--stats", stats, firmware("trap")});
    ASSERT_EQ(r.exit_code, 0) << r.err;
    nlohmann::json j = nlohmann::json::parse(read_file(stats));
    nlohmann::json per_core_counts = nlohmann::json::array();
    for (const auto& c : j["cores"]) per_core_counts.push_back({c["instructions"], c["exit_code"]});
    if (reference.empty()) reference = per_core(r.out), reference_stats = per_core_counts.dump();
    EXPECT_EQ(per_core(r.out), reference) << "quantum " << q;
    EXPECT_EQ(per_core_counts.dump(), reference_stats) << "quantum " << q;
  }
}

TEST(Run, StatsJsonHasPerCoreCounters) {
  const std::string stats = temp_path("stats.json");
  const ProcessResult r = run_wafervp({"--grid", "2x2", "--stats", stats, firmware("hello")});
  ASSERT_EQ(r.exit_code, 0) << r.err;
  const nlohmann::json j = nlohmann::json::parse(read_file(stats));
  ASSERT_EQ(j["cores"].size(), 4u);
  uint64_t total = 0;
  for (const auto& c : j["cores"]) {
    EXPECT_GT(c["instructions"].get<uint64_t>(), 100u);
    EXPECT_GT(c["cycles"].get<uint64_t>(), c["instructions"].get<uint64_t>() / 2);
    EXPECT_GT(c["decode_hit_rate"].get<double>(), 0.5);
    EXPECT_EQ(c["exit_code"], 0);
    total += c["instructions"].get<uint64_t>();
  }
  EXPECT_EQ(j["instructions"].get<uint64_t>(), total);
  EXPECT_EQ(j["grid"]["width"], 2);
}

TEST(Run, MaxCyclesStopsARunawayProgram) {
  const ProcessResult r = run_wafervp({"--grid", "1x1", "--max-cycles", "20000", firmware("loop")});
  EXPECT_EQ(r.exit_code, 4);
  EXPECT_NE(r.err.find("reached sim.max_cycles = 20000"), std::string::npos) << r.err;
  EXPECT_NE(r.err.find("PE (0,0) running at pc 0x8"), std::string::npos) << r.err;
}

TEST(Run, AFirmwareExitCodeIsNotTheToolsOwn) {
  // The firmware's 2 must not read as the tool's "bad input" 2.
  const std::string stats = temp_path("stats.json");
  const ProcessResult r = run_wafervp({"--grid", "2x1", "--poke", "hello_exit_code=2", "--stats", stats, firmware("hello")});
  EXPECT_EQ(r.exit_code, 8) << r.err;
  EXPECT_NE(r.err.find("PE (0,0) exited with code 2"), std::string::npos) << r.err;
  EXPECT_NE(r.err.find("PE (1,0) exited with code 2"), std::string::npos) << r.err;
  const nlohmann::json j = nlohmann::json::parse(read_file(stats));
  EXPECT_EQ(j["exit_code"], 8);
  EXPECT_EQ(j["firmware_exit_code"], 2);
  EXPECT_EQ(j["cores"][0]["exit_code"], 2);
}

TEST(Run, SignatureDumpFollowsTheArchTestConvention) {
  const std::string sig = temp_path("sig.txt");
  const ProcessResult r = run_wafervp({"--grid", "1x1", "--signature", sig, firmware("signature")});
  ASSERT_EQ(r.exit_code, 0) << r.err;
  EXPECT_EQ(read_file(sig), "600dc0de\nffffffff\n00000000\n00000123\n");
}

TEST(Run, PokeSetsAFirmwareParameterInEveryTile) {
  const ProcessResult r = run_wafervp({"--grid", "2x1", "--poke", "mixed_iterations=3", firmware("mixed")});
  ASSERT_EQ(r.exit_code, 0) << r.err;
  EXPECT_NE(r.out.find("(0,0) mixed: 3 iterations"), std::string::npos) << r.out;
  EXPECT_NE(r.out.find("(1,0) mixed: 3 iterations"), std::string::npos) << r.out;
}

// ---- bad input: one line naming the problem, exit 2 ------------------------------------


std::string patched_copy(const std::string& elf, size_t offset, const std::vector<uint8_t>& bytes) {
  std::string data = read_file(elf);
  for (size_t i = 0; i < bytes.size(); ++i) data[offset + i] = static_cast<char>(bytes[i]);
  const std::string path = temp_path("patched.elf");
  std::ofstream(path, std::ios::binary) << data;
  return path;
}

void expect_bad_input(const ProcessResult& r, const std::string& message) {
  EXPECT_EQ(r.exit_code, 2) << r.err;
  EXPECT_NE(r.err.find(message), std::string::npos) << r.err;
  EXPECT_EQ(r.out, "");
}

TEST(BadInput, SignatureWithoutItsSymbols) {
  expect_bad_input(run_wafervp({"--signature", temp_path("sig.txt"), firmware("hello")}),
                   "--signature needs the symbols begin_signature and end_signature");
}

TEST(BadInput, PokeOfAnUnknownSymbol) {
  expect_bad_input(run_wafervp({"--poke", "no_such_symbol=1", firmware("hello")}), "--poke: no symbol 'no_such_symbol'");
}

TEST(BadInput, MissingFile) { expect_bad_input(run_wafervp({"/nonexistent/fw.elf"}), "/nonexistent/fw.elf: cannot open file"); }

TEST(BadInput, NotAnElf) {
  const std::string path = temp_path("text.elf");
  std::ofstream(path) << "this is not an executable\n";
  expect_bad_input(run_wafervp({path}), path + ": not an ELF file");
}

TEST(BadInput, SixtyFourBitElf) {
  expect_bad_input(run_wafervp({patched_copy(firmware("hello"), 4, {2})}), "64-bit ELF; wafervp cores are RV32");
}

TEST(BadInput, NonRiscvElf) {
  expect_bad_input(run_wafervp({patched_copy(firmware("hello"), 18, {62, 0})}), "ELF machine 62 is not RISC-V (243)");
}

TEST(BadInput, SegmentOutsideTheTileMemory) {
  // Move the PT_LOAD program header's p_vaddr (offset 8 in the header) far below the SRAM.
  const std::string elf = read_file(firmware("hello"));
  uint32_t phoff = 0, type = 0;
  std::memcpy(&phoff, elf.data() + 28, 4);
  for (uint32_t i = 0; type != 1; ++i) {
    ASSERT_LT(i, 8u) << "no PT_LOAD header";
    std::memcpy(&type, elf.data() + phoff + 32 * i, 4);
    if (type == 1) phoff += 32 * i;
  }
  const ProcessResult r = run_wafervp({patched_copy(firmware("hello"), phoff + 8, {0, 0, 0, 0x40})});
  expect_bad_input(r, "lies outside the tile's SRAM 0x80000000-0x8000bfff");
}

TEST(BadInput, TruncatedElf) {
  const std::string data = read_file(firmware("hello"));
  const std::string path = temp_path("truncated.elf");
  std::ofstream(path, std::ios::binary) << data.substr(0, 200);
  const ProcessResult r = run_wafervp({path});
  EXPECT_EQ(r.exit_code, 2);
  EXPECT_TRUE(r.err.find("truncated") != std::string::npos || r.err.find("past the end") != std::string::npos) << r.err;
}

TEST(BadInput, UnknownConfigKeyNamesFileLineAndKey) {
  const std::string cfg = temp_path("bad.yaml");
  std::ofstream(cfg) << "grid:\n  width: 2\nsram:\n  bankz: 4\n";
  expect_bad_input(run_wafervp({"--config", cfg, firmware("hello")}), cfg + ":4: unknown key 'sram.bankz'");
}

TEST(BadInput, BadConfigValueNamesFileLineAndKey) {
  const std::string cfg = temp_path("bad.yaml");
  std::ofstream(cfg) << "sram:\n  banks: many\n";
  expect_bad_input(run_wafervp({"--config", cfg, firmware("hello")}),
                   cfg + ":2: sram.banks: expected an integer in [1, 1024], got 'many'");
}

TEST(BadInput, BadGridOption) {
  expect_bad_input(run_wafervp({"--grid", "4by4", firmware("hello")}), "--grid: expected WIDTHxHEIGHT");
}

}  // namespace
}  // namespace wvp::test
