// End-to-end: the instruction trace (--trace-insn), its disassembly held against GNU objdump's,
// and its cost to the run (none: a traced run is the untraced one, cycle for cycle).
#include <gtest/gtest.h>

#include <fstream>
#include <sstream>

#include <nlohmann/json.hpp>

#include "firmware_env.h"
#include "models/core/disassemble.h"

namespace wvp::test {
namespace {

struct Insn {
  uint32_t pc = 0, word = 0;
  std::string text;
};

// Every instruction of `elf`'s .text as `objdump -d` shows it, its <symbol> and # comment cut.
std::vector<Insn> objdump(const std::string& elf) {
  const ProcessResult r = run_process({WVP_OBJDUMP, "-d", elf});
  EXPECT_EQ(r.exit_code, 0) << r.err;
  std::vector<Insn> insns;
  for (const std::string& line : lines(r.out)) {
    std::vector<std::string> fields;
    std::istringstream in(line);
    for (std::string field; std::getline(in, field, '\t');) fields.push_back(field);
    if (fields.size() < 3 || fields[0].empty() || fields[0].back() != ':' || fields[0][0] == ' ') continue;
    Insn insn;
    insn.pc = static_cast<uint32_t>(std::stoul(fields[0], nullptr, 16));
    insn.word = static_cast<uint32_t>(std::stoul(fields[1], nullptr, 16));
    insn.text = fields[2] + (fields.size() > 3 ? " " + fields[3] : "");
    for (const char* cut : {" #", " <"})
      if (const size_t at = insn.text.find(cut); at != std::string::npos) insn.text.erase(at);
    insns.push_back(insn);
  }
  return insns;
}

TEST(InsnTrace, DisassemblyEqualsObjdumpOverEveryWordOfTheFirmware) {
  size_t compared = 0;
  for (const char* elf : {"isa_rv32i", "isa_rv32m", "isa_rv32f", "isa_zicsr", "isa_traps", "mixed", "decode", "isa_rv32c",
                          "mixed_rvc", "decode_rvc"}) {
    const std::vector<Insn> insns = objdump(firmware(elf));
    EXPECT_GT(insns.size(), 100u) << elf;
    for (const Insn& i : insns) {
      // Data in .text (rv32c.S's reserved encodings and HINTs, written with .2byte) is a .word
      // to objdump, but 2-byte instructions to a core, and to disassemble().
      const bool data = i.text.rfind(".word", 0) == 0 || i.text.rfind(".2byte", 0) == 0;
      if (data && (i.word & 3) != 3) continue;
      EXPECT_EQ(disassemble(i.word, i.pc), i.text) << elf << " at " << std::hex << i.pc;
    }
    compared += insns.size();
  }
  EXPECT_GT(compared, 10000u);
}

// Every 2-byte encoding (the 49,152 whose low bits are not 0b11) against GNU objdump's decoder
// of a raw RV32 binary: the same text for every instruction, and reserved encodings reserved in
// both. objdump's default architecture has D, whose c.fld/c.fsd forms our cores lack, and it
// writes HINTs in their c. forms (c.nop 1, c.li zero,...), which run as nothing here.
TEST(InsnTrace, EveryTwoByteEncodingDisassemblesAsObjdumpDecodesIt) {
  const std::string bin = temp_path("parcels.bin");
  {
    std::ofstream out(bin, std::ios::binary);
    for (uint32_t parcel = 0; parcel < 0x10000; ++parcel)
      if ((parcel & 3) != 3) out.put(static_cast<char>(parcel & 0xff)).put(static_cast<char>(parcel >> 8));
  }
  const ProcessResult r = run_process({WVP_OBJDUMP, "-D", "-b", "binary", "-m", "riscv:rv32", bin});
  ASSERT_EQ(r.exit_code, 0) << r.err;
  size_t compared = 0, hints = 0, reserved = 0;
  for (const std::string& line : lines(r.out)) {
    std::vector<std::string> fields;
    std::istringstream in(line);
    for (std::string field; std::getline(in, field, '\t');) fields.push_back(field);
    if (fields.size() < 3 || fields[0].empty() || fields[0].back() != ':') continue;
    const uint32_t parcel = static_cast<uint32_t>(std::stoul(fields[1], nullptr, 16));
    const std::string mnemonic = fields[2];
    std::string text = mnemonic + (fields.size() > 3 ? " " + fields[3] : "");
    if (const size_t at = text.find(" #"); at != std::string::npos) text.erase(at);
    // Without symbols objdump writes jump targets with 0x; with them (and in the trace) without.
    if (mnemonic == "j" || mnemonic == "jal" || mnemonic == "beqz" || mnemonic == "bnez")
      if (const size_t at = text.rfind("0x"); at != std::string::npos) text.erase(at, 2);
    const std::string ours = disassemble(parcel, static_cast<uint32_t>(std::stoul(fields[0], nullptr, 16)));
    const std::string reserved_text = ".2byte 0x" + [&] { std::ostringstream h; h << std::hex << parcel; return h.str(); }();
    if (parcel == 0) continue;  // unimp; ours calls the all-zero word .word
    // objdump also decodes what the RV32 manual reserves: shifts by 32 to 63 (shamt[5] set,
    // custom in RV32C) and c.addi16sp with a zero immediate.
    const bool shamt5 = (parcel & 0x1000) && ((parcel & 0xe003) == 0x0002 ||
                                             ((parcel & 0xe003) == 0x8001 && ((parcel >> 10) & 3) < 2));
    if (mnemonic == "fld" || mnemonic == "fsd" || shamt5 || parcel == 0x6101) {
      EXPECT_EQ(ours, reserved_text) << "reserved in RV32FC: " << text;
    } else if (mnemonic.rfind("c.", 0) == 0 || text == "add " + ours.substr(3) + ",0") {
      // (c.addi rd,0 is a HINT that objdump writes "add rd,rd,0" and we "mv rd,rd")
      EXPECT_NE(ours, reserved_text) << "a HINT runs: " << text;
      ++hints;
    } else {
      EXPECT_EQ(ours, text) << std::hex << parcel;
      reserved += mnemonic == ".2byte";
    }
    ++compared;
  }
  EXPECT_EQ(compared, 0xc000u - 1);
  EXPECT_GT(hints, 200u);
  EXPECT_GT(reserved, 1000u);
}

struct TraceLine {
  uint64_t cycle = 0;
  std::string pe;
  uint32_t pc = 0, word = 0;
  std::string text, effect;
};

// "         151 (0,0) 80000000: 00004197  auipc gp,0x4                      gp=80004000"
std::vector<TraceLine> parse_trace(const std::string& text) {
  std::vector<TraceLine> out;
  for (const std::string& line : lines(text)) {
    TraceLine t;
    std::istringstream in(line);
    std::string pc;
    in >> t.cycle >> t.pe >> pc >> std::hex >> t.word;
    t.pc = static_cast<uint32_t>(std::stoul(pc, nullptr, 16));
    std::string rest;
    std::getline(in, rest);
    rest = rest.substr(rest.find_first_not_of(' '));  // a 2-byte instruction's 4 digits are padded
    const size_t gap = rest.find("  ");
    t.text = rest.substr(0, gap);
    if (gap != std::string::npos) t.effect = rest.substr(rest.find_first_not_of(' ', gap));
    out.push_back(t);
  }
  return out;
}

TEST(InsnTrace, FirstLinesAreTheFirmwaresEntryCode) {
  const std::string trace = temp_path("hello.trace");
  const ProcessResult r = run_wafervp({"--grid", "2x1", "--trace-insn", "1,0:0-60", "--trace-insn-file", trace, firmware("hello")});
  ASSERT_EQ(r.exit_code, 0) << r.err;
  const std::vector<TraceLine> got = parse_trace(read_file(trace));
  const std::vector<Insn> entry = objdump(firmware("hello"));  // crt0's _start comes first, straight-line code
  ASSERT_GE(got.size(), 8u);
  ASSERT_GE(entry.size(), 8u);
  for (size_t i = 0; i < 8; ++i) {
    EXPECT_EQ(got[i].pe, "(1,0)");
    EXPECT_EQ(got[i].pc, entry[i].pc) << i;
    EXPECT_EQ(got[i].word, entry[i].word) << i;
    EXPECT_EQ(got[i].text, entry[i].text) << i;
    EXPECT_EQ(got[i].cycle, i) << "one cycle per ALU instruction from reset";
  }
  EXPECT_EQ(got[0].effect, "gp=80004000");  // auipc gp,0x4 at 0x80000000
  for (const TraceLine& t : got) EXPECT_LE(t.cycle, 60u);
  EXPECT_EQ(got.back().cycle > 50, true) << "the window is traced to its end";
}

// With the C extension a line shows a 2-byte instruction's 4 hex digits, as objdump does, and
// the instruction it expands to; tracing changes nothing in the run.
TEST(InsnTrace, TwoByteInstructionsAsObjdumpShowsThem) {
  const std::map<uint32_t, Insn> listing = [] {
    std::map<uint32_t, Insn> by_pc;
    for (const Insn& i : objdump(firmware("mixed_rvc"))) by_pc[i.pc] = i;
    return by_pc;
  }();
  const std::string trace = temp_path("rvc.trace"), traced = temp_path("rvc_traced.json"), plain = temp_path("rvc_plain.json");
  const std::vector<std::string> common = {"--set", "core.isa=rv32imfc", "--grid", "1x1", "--stats"};
  std::vector<std::string> args = common;
  args.insert(args.end(), {traced, "--trace-insn", "0,0:0-20000", "--trace-insn-file", trace, firmware("mixed_rvc")});
  ASSERT_EQ(run_wafervp(args).exit_code, 0);
  args = common;
  args.insert(args.end(), {plain, firmware("mixed_rvc")});
  ASSERT_EQ(run_wafervp(args).exit_code, 0);
  nlohmann::json a = nlohmann::json::parse(read_file(traced)), b = nlohmann::json::parse(read_file(plain));
  erase_host_figures(a);
  erase_host_figures(b);
  EXPECT_EQ(a, b);

  const std::vector<TraceLine> got = parse_trace(read_file(trace));
  EXPECT_GT(got.size(), 10000u);
  size_t short_ones = 0, checked = 0;
  for (const TraceLine& t : got) {
    const auto at = listing.find(t.pc);
    if (at == listing.end()) continue;
    ++checked;
    EXPECT_EQ(t.word, at->second.word) << std::hex << t.pc;
    EXPECT_EQ(t.text, at->second.text) << std::hex << t.pc;
    short_ones += t.word <= 0xffff;
  }
  EXPECT_EQ(checked, got.size());
  EXPECT_GT(short_ones, got.size() / 4) << "most of the code is 2-byte instructions";
  EXPECT_LT(short_ones, got.size());
}

// The window starts at the first taken branch, trap or access outside the SRAM at or after FROM.
TEST(InsnTrace, WindowOfALaterPhase) {
  const std::string trace = temp_path("window.trace");
  const ProcessResult r = run_wafervp({"--grid", "1x1", "--trace-insn", "0,0:2000-2100", "--trace-insn-file", trace, firmware("mixed")});
  ASSERT_EQ(r.exit_code, 0) << r.err;
  const std::vector<TraceLine> got = parse_trace(read_file(trace));
  ASSERT_GT(got.size(), 20u);
  EXPECT_GE(got.front().cycle, 2000u);
  EXPECT_LT(got.front().cycle, 2050u);
  EXPECT_LE(got.back().cycle, 2100u);
  for (size_t i = 1; i < got.size(); ++i) EXPECT_GT(got[i].cycle, got[i - 1].cycle);
}

// Tracing a core steps it one instruction at a time, but as the fast loop runs it: the run's
// results, cycle counts and statistics stay those of the untraced run, and the trace does not
// depend on the quantum.
TEST(InsnTrace, ChangesNothingInTheRunAndNotWithTheQuantum) {
  const auto run = [](const std::vector<std::string>& extra, const std::string& name) {
    const std::string stats = temp_path(name + ".json");
    std::vector<std::string> args = {"--grid", "4x4", "--stats", stats};
    args.insert(args.end(), extra.begin(), extra.end());
    args.push_back(firmware("allreduce"));
    const ProcessResult r = run_wafervp(args);
    EXPECT_EQ(r.exit_code, 0) << r.err;
    nlohmann::json j = nlohmann::json::parse(read_file(stats));
    erase_host_figures(j);
    return j;
  };
  const std::string q1000 = temp_path("q1000.trace"), q1 = temp_path("q1.trace");
  const std::vector<std::string> traces = {"--trace-insn", "2,1", "--trace-insn", "0,3:500-900", "--trace-insn-file"};
  const nlohmann::json plain = run({}, "plain");
  std::vector<std::string> args = traces;
  args.push_back(q1000);
  const nlohmann::json traced = run(args, "q1000");
  args.back() = q1;
  args.insert(args.end(), {"--quantum", "1"});
  run(args, "q1");
  EXPECT_EQ(plain, traced);

  const auto per_core = [](const std::string& path) {
    std::map<std::string, std::string> lines_of;
    for (const std::string& l : lines(read_file(path))) lines_of[l.substr(13, 5)] += l + "\n";
    return lines_of;
  };
  const auto a = per_core(q1000), b = per_core(q1);
  EXPECT_EQ(a.size(), 2u);
  EXPECT_EQ(a, b);
  const uint64_t instructions = plain["cores"][1 * 4 + 2]["instructions"];
  EXPECT_EQ(lines(a.at("(2,1)")).size(), instructions) << "every instruction of a whole-run trace, a line each";
}

}  // namespace
}  // namespace wvp::test
