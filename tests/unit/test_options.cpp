// The command line parsed into a Command (platform/command/options.h): values taken whole and
// exactly, and each bad one a UsageError of one line naming its option.
#include <gtest/gtest.h>

#include <string>
#include <vector>

#include "platform/command/options.h"

namespace wvp::test {
namespace {

Command parse(std::vector<std::string> args) { return parse_command(args); }

// The message of the error `args` raise, "" if they parse.
std::string refusal(std::vector<std::string> args) {
  try {
    parse_command(args);
  } catch (const std::runtime_error& e) {
    return e.what();
  }
  return "";
}

TEST(Options, DecodeDefaultsAndA64BitSeed) {
  const std::vector<std::string> base = {"decode", "--model", "m.bin", "--tokenizer", "t.bin", "--prompt", "Once"};
  const Command d = parse(base);
  ASSERT_EQ(d.kind, CommandKind::Decode);
  EXPECT_EQ(d.decode.steps, 32u);
  EXPECT_EQ(d.decode.temperature, 0.0f);
  EXPECT_EQ(d.decode.topp, 0.9f);
  EXPECT_EQ(d.decode.seed, 1u);
  std::vector<std::string> seeded = base;
  seeded.insert(seeded.end(), {"--seed", "18446744073709551615", "--temperature", "0.8", "--topp", "1", "--steps", "0x10"});
  const Command s = parse(seeded);
  EXPECT_EQ(s.decode.seed, UINT64_MAX);
  EXPECT_EQ(s.decode.temperature, 0.8f);
  EXPECT_EQ(s.decode.topp, 1.0f);
  EXPECT_EQ(s.decode.steps, 16u);
}

TEST(Options, RunTakesTheElfPokesAndGdb) {
  const Command r = parse({"run", "--grid", "4x2", "--poke", "steps=0x20", "--gdb", "0", "fw.elf"});
  ASSERT_EQ(r.kind, CommandKind::Run);
  EXPECT_EQ(r.run.elf_path, "fw.elf");
  EXPECT_EQ(r.run.config.grid_width, 4u);
  ASSERT_EQ(r.run.pokes.size(), 1u);
  EXPECT_EQ(r.run.pokes[0], std::make_pair(std::string("steps"), 32u));
  ASSERT_TRUE(r.run.gdb.has_value());
  EXPECT_EQ(r.run.gdb->port, 0);
  EXPECT_EQ(r.run.gdb->bind_address, "127.0.0.1");
}

TEST(Options, HelpIsNoError) {
  EXPECT_EQ(parse({"--help"}).kind, CommandKind::Help);
  const Command h = parse({"decode", "--help"});  // its required options missing
  EXPECT_EQ(h.kind, CommandKind::Help);
  EXPECT_NE(h.help.find("--temperature"), std::string::npos);
}

TEST(Options, TheStudyPassesTheRestToEveryDecodeRun) {
  const Command s = parse({"study", "edge-vs-optical", "--contexts", "4,8", "--model", "m.bin", "--tokenizer", "t.bin", "--prompt", "x"});
  ASSERT_EQ(s.kind, CommandKind::Study);
  EXPECT_EQ(s.study.contexts, (std::vector<uint32_t>{4, 8}));
  EXPECT_EQ(s.study.decode_args, (std::vector<std::string>{"--model", "m.bin", "--tokenizer", "t.bin", "--prompt", "x"}));
}

TEST(Options, LogLevelsComeFromTheConfigAndTheLogOption) {
  const Command r = parse({"run", "--set", "log.sram=info", "--log", "core=debug,fabric=trace", "--log", "gdb=off", "fw.elf"});
  const LogLevels& log = r.run.config.log;
  EXPECT_EQ(log[static_cast<size_t>(LogComponent::Core)], LogLevel::Debug);
  EXPECT_EQ(log[static_cast<size_t>(LogComponent::Fabric)], LogLevel::Trace);
  EXPECT_EQ(log[static_cast<size_t>(LogComponent::Gdb)], LogLevel::Off);
  EXPECT_EQ(log[static_cast<size_t>(LogComponent::Sram)], LogLevel::Info);
  EXPECT_EQ(log[static_cast<size_t>(LogComponent::Tensor)], kDefaultLogLevel);
}

TEST(Options, OutputsNameTheirOptions) {
  const Command n = parse({"noc", "--sweep", "--json", "a.json", "--csv", "b.csv"});
  const std::vector<Output> o = outputs(n);
  ASSERT_EQ(o.size(), 2u);
  EXPECT_EQ(o[0].option, "--json");
  EXPECT_EQ(o[1].path, "b.csv");
}

TEST(Options, BadValuesAreOneLineNamingTheOption) {
  const std::vector<std::string> decode = {"decode", "--model", "m", "--tokenizer", "t", "--prompt", "p"};
  const auto with = [](std::vector<std::string> a, std::vector<std::string> more) {
    a.insert(a.end(), more.begin(), more.end());
    return a;
  };
  EXPECT_EQ(refusal(with(decode, {"--steps", "-1"})), "--steps: expected an integer from 1 to 2147483647, got '-1'");
  EXPECT_EQ(refusal(with(decode, {"--topp", "nan"})), "--topp: expected a number in (0, 1], got 'nan'");
  EXPECT_EQ(refusal(with(decode, {"--temperature", "1e-45"})),
            "--temperature: expected 0 (greedy) or a number from 1e-06 to 1e+06, got '1e-45'");
  EXPECT_EQ(refusal({"run", "--gdb", "65536", "fw.elf"}), "--gdb: expected an integer from 0 to 65535, got '65536'");
  EXPECT_EQ(refusal({"run", "--gdb", "1", "--gdb-bind", "::1", "fw.elf"}),
            "--gdb-bind: expected an IPv4 address such as 127.0.0.1 or 0.0.0.0, got '::1'");
  EXPECT_EQ(refusal({"config", "--bo\ngus"}), "config: unknown option '--bo\\ngus' (wafervp config --help)");
  EXPECT_EQ(refusal({"run", "a.elf", "b.elf"}), "run: unexpected argument 'b.elf' after the ELF 'a.elf'");
  EXPECT_EQ(refusal({"noc", "--sweep-refine", "-5"}), "--sweep-refine: expected an integer from 0 to 20, got '-5'");
  EXPECT_EQ(refusal({"noc", "--sweep", "--jobs", "0"}), "--jobs: expected an integer from 1 to 256, got '0'");
  EXPECT_EQ(refusal({"run", "--log", "cpu=debug", "fw.elf"}),
            "--log: expected COMPONENT=LEVEL with a component of core, sram, fabric, tensor, link, serdes, optical, memnode, host, gdb, "
            "platform, got 'cpu=debug'");
  EXPECT_EQ(refusal({"run", "--log", "core=loud", "fw.elf"}), "--log: log.core: expected one of trace debug info warn error off, got 'loud'");
  EXPECT_EQ(refusal({"study", "edge-vs-optical", "--jobs", "100000"}), "--jobs: expected an integer from 1 to 256, got '100000'");
  EXPECT_EQ(refusal({"make-model", "--out", "m", "--tokenizer", "t", "--layers", "2000000000"}),
            "--layers: expected an integer from 1 to 1048576, got '2000000000'");
  EXPECT_EQ(refusal({"config", "--set", "sram.banks=" + std::string(100'000, '9')}),
            "--set: sram.banks: expected an integer in [1, 1024], got '" + std::string(64, '9') + "'... (100000 bytes)");
}

}  // namespace
}  // namespace wvp::test
