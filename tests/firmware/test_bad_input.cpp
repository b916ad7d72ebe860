// Bad input of every class, refused as the README's "Exit codes" promise: exit code 2, one line
// on stderr naming the culprit, nothing on stdout, within 2 s of CPU time (wall time would
// measure the host's other work too). The run cases ask for a 512x512 grid (about 2 s to build
// and several times that to run): ending within 2 s shows they were refused before any wafer
// was built.
#include <arpa/inet.h>
#include <netinet/in.h>
#include <sys/socket.h>
#include <unistd.h>

#include <atomic>
#include <fstream>
#include <map>
#include <memory>
#include <thread>

#include <gtest/gtest.h>

#include "firmware_env.h"

namespace wvp::test {
namespace {

struct BadInput {
  BadInput(std::string name_, std::vector<std::string> args_, std::string culprit_, std::string yaml_ = "")
      : name(std::move(name_)), args(std::move(args_)), culprit(std::move(culprit_)), yaml(std::move(yaml_)) {}
  std::string name;               // the test's name
  std::vector<std::string> args;  // after `wafervp`; {placeholders} below are filled in
  std::string culprit;            // the error line must name it
  std::string yaml;               // the content of {yaml}, if the case uses it
};

// A refused case must not wait for a big wafer: this grid takes about the limit to build and
// several times it to run hello (and some 1.4 GB, which any test host has).
constexpr const char* kBigGridSize = "512x512";
const std::vector<std::string> kBigGrid = {"--grid", kBigGridSize};
constexpr double kLimitSeconds = 2.0;

std::vector<std::string> with(std::vector<std::string> args, const std::vector<std::string>& more) {
  args.insert(args.end(), more.begin(), more.end());
  return args;
}

std::vector<std::string> run_args(const std::vector<std::string>& options) {
  return with(with({"run"}, kBigGrid), with(options, {"{hello}"}));
}

std::vector<std::string> decode_args(const std::vector<std::string>& options) {
  return with(with({"decode", "--model", "{model}", "--tokenizer", "{tokenizer}", "--prompt", "Once"}, kBigGrid), options);
}

std::vector<BadInput> option_cases() {
  return {
      {"ConfigUnknownOption", {"config", "--bogus"}, "'--bogus'"},
      {"StrayPositionalAfterTheElf", with(run_args({}), {"extra"}), "unexpected argument 'extra'"},
      {"StrayPositionalOfConfig", {"config", "extra"}, "'extra'"},
      {"RunWithoutElf", {"run", "--grid", "2x2"}, "no ELF"},
      {"NoCommand", {}, "no command"},
      {"UnknownCommand", {"rnu"}, "'rnu'"},
      {"UnknownOptionWithALineBreak", {"run", "--bo\ngus", "{hello}"}, "'--bo\\ngus'"},
      // boost's own message for it never ends (its placeholder is in the name).
      {"OptionNameHoldingBoostsPlaceholder", {"run", "--x%option%=", "{hello}"}, "'--x%option%'"},
      {"SweepRefineNegative", {"noc", "--sweep", "--sweep-refine", "-5"}, "--sweep-refine"},
      {"SweepJobsZero", {"noc", "--sweep", "--jobs", "0"}, "--jobs"},
      {"StudyJobsAbsurd", {"study", "edge-vs-optical", "--jobs", "1000000", "--model", "{model}", "--tokenizer", "{tokenizer}",
                           "--prompt", "Once"}, "--jobs"},
      {"SweepStepOfABillionRuns", {"noc", "--sweep", "--sweep-step", "1e-9"}, "--sweep-step"},
      {"SweepMaxBelowItsStep", {"noc", "--sweep", "--sweep-step", "0.5", "--sweep-max", "0.1"}, "--sweep-max"},
      {"CsvWithoutSweep", {"noc", "--csv", "{out}"}, "--csv"},
      {"QuantumZero", run_args({"--quantum", "0"}), "--quantum"},
      {"ThreadsZero", run_args({"--threads", "0"}), "--threads"},
      {"ThreadsAbsurd", run_args({"--threads", "100000"}), "--threads"},
      {"ThreadsKeyZero", run_args({"--set", "sim.threads=0"}), "sim.threads"},
      {"NocThreadsNotANumber", {"noc", "--threads", "two"}, "--threads"},
      {"MaxCyclesNegative", run_args({"--max-cycles", "-1"}), "--max-cycles"},
      {"StudyMissing", {"study"}, "study"},
      {"StudyOneWafer", {"study", "edge-vs-optical", "--wafers", "1"}, "--wafers"},
      {"StudyBadContext", {"study", "edge-vs-optical", "--contexts", "4,x"}, "--contexts"},
      {"StudyBadDecodeOption", {"study", "edge-vs-optical", "--model", "{model}", "--tokenizer", "{tokenizer}", "--prompt", "x", "--topp", "2"}, "--topp"},
      {"MakeModelOutWithoutValue", {"make-model", "--tokenizer", "{out}", "--out"}, "--out"},
      {"GdbCoresWithoutGdb", run_args({"--gdb-cores", "0,0:2x2"}), "--gdb"},
      {"DecodeWithoutPrompt", {"decode", "--model", "{model}", "--tokenizer", "{tokenizer}"}, "--prompt"},
      {"DecodeWithoutAModel", {"decode", "--grid", kBigGridSize, "--prompt", "Once"}, "--model"},
      {"DecodeShapeAndModel", decode_args({"--shape", "llama3.1-8b"}), "--shape and --model"},
      {"DecodeShapeWithATokenizer", {"decode", "--shape", "llama3.1-8b", "--tokenizer", "{tokenizer}"}, "--prompt-tokens"},
      {"DecodeShapeWithAPrompt", {"decode", "--shape", "llama3.1-8b", "--prompt", "Once"}, "--shape"},
      {"DecodeShapeUnknown", {"decode", "--shape", "llama9-1t"}, "'llama9-1t'"},
      {"DecodeShapeBadKey", {"decode", "--shape", "dim=64,depth=2"}, "'depth=2'"},
      {"DecodeShapeBadValue", {"decode", "--shape", "llama3.1-8b,seq_len=0"}, "seq_len"},
      {"DecodeShapeWithoutAField", {"decode", "--shape", "dim=64,hidden=172,heads=4,vocab=512,seq_len=32"}, "layers"},
      {"DecodeShapeInconsistent", {"decode", "--shape", "llama3.1-8b,heads=5"}, "n_heads 5"},
      {"DecodePromptTokensWithoutShape", decode_args({"--prompt-tokens", "4"}), "--prompt-tokens"},
      {"DecodePromptTokensZero", {"decode", "--shape", "llama3.1-8b", "--prompt-tokens", "0"}, "--prompt-tokens"},
      {"DecodeTimingOnlySampling", decode_args({"--timing-only", "--temperature", "1"}), "--temperature"},
      {"DecodeShapeSampling", {"decode", "--shape", "llama3.1-8b", "--temperature", "0.5"}, "--temperature"},
      {"DecodeTimingOnlyCheckpoint", decode_args({"--timing-only", "--checkpoint-at", "100", "{out}"}), "--checkpoint-at"},
      {"PokeWithoutValue", run_args({"--poke", "hello_exit_code"}), "--poke"},
      {"PokeWithoutSymbol", run_args({"--poke", "=1"}), "--poke"},
      {"ProfileTopWithoutProfile", run_args({"--profile-top", "5"}), "--profile-top"},
      {"ProfilePeriodZero", run_args({"--profile", "{out}", "--profile-period", "0"}), "--profile-period"},
      {"ProfileGroupsBad", run_args({"--profile", "{out}", "--profile-groups", "4"}), "--profile-groups"},
      {"CoreDumpWithoutFile", with(run_args({}), {"--core-dump", "0,0"}), "--core-dump"},
      {"CoreDumpBadPe", run_args({"--core-dump", "a,b", "{out}"}), "--core-dump"},
      {"CoreDumpOffTheGrid", run_args({"--core-dump", "600,0", "{out}"}), "PE (600,0)"},
      {"FlipWithTwoFields", run_args({"--set", "sram.ecc=model", "--flip", "0,0:main"}), "--flip"},
      {"HeatmapWindowBackwards", run_args({"--heatmap", "{out}", "--heatmap-window", "20-10"}), "--heatmap-window"},
      {"HeatmapWindowOneEnd", run_args({"--heatmap", "{out}", "--heatmap-window", "20"}), "--heatmap-window"},
      {"HeatmapWindowWithoutAMap", run_args({"--heatmap-window", "0-10"}), "--heatmap-window"},
      {"HeatmapScaleAboveOne", run_args({"--heatmap", "{out}", "--heatmap-scale", "2"}), "--heatmap-scale"},
      {"HeatmapScaleWithoutTheMap", run_args({"--heatmap-scale", "max"}), "--heatmap-scale"},
      {"NocHeatmapScaleZero", {"noc", "--heatmap", "{out}", "--heatmap-scale", "0"}, "--heatmap-scale"},
      {"TraceInsnPeOffTheGrid", run_args({"--trace-insn", "512,0"}), "PE (512,0) is outside the 512x512 grid"},
      {"TraceInsnPeBelowTheGrid", run_args({"--trace-insn", "0,512:0-10"}), "PE (0,512)"},
      {"TraceInsnNegativeX", run_args({"--trace-insn", "-1,0"}), "--trace-insn X"},
      {"TraceInsnWindowBackwards", run_args({"--trace-insn", "0,0:9-3"}), "--trace-insn"},
      {"TraceInsnWithoutY", run_args({"--trace-insn", "3"}), "--trace-insn"},
      {"TraceInsnFileWithoutACore", run_args({"--trace-insn-file", "{out}"}), "--trace-insn"},
      {"CheckpointAtNotACycle", run_args({"--checkpoint-at", "soon", "{out}"}), "--checkpoint-at"},
      {"CheckpointAtWithoutFile", with(run_args({}), {"--checkpoint-at", "100"}), "--checkpoint-at"},
      {"CheckpointAtTwice", run_args({"--checkpoint-at", "1", "{out}", "--checkpoint-at", "2", "{out}"}), "--checkpoint-at"},
      {"NocSweepCheckpoint", {"noc", "--sweep", "--checkpoint-at", "10", "{out}"}, "--sweep"},
  };
}

std::vector<BadInput> config_cases() {
  return {
      {"NotANumber", {"config", "--set", "sram.banks=many"}, "sram.banks"},
      {"UnknownKey", {"config", "--set", "sram.bankz=4"}, "'sram.bankz'"},
      {"SetWithoutEquals", {"config", "--set", "sram.banks"}, "--set"},
      {"HugeValueIsCut", {"config", "--set", "sram.banks={big}"}, "(100000 bytes)"},
      {"KeyWithALineBreak", {"config", "--set", "sram.ba\nnks=4"}, "'sram.ba\\nnks'"},
      {"HugeValueInAFile", {"config", "--config", "{yaml}"}, "(1000000 bytes)", "sram:\n  banks: " + std::string(1'000'000, 'v') + "\n"},
      {"WafersWithoutLinks", {"config", "--set", "system.wafers=2"}, "system.links"},
      {"SerdesUneven", {"config", "--set", "serdes.count=3"}, "serdes.count"},
      {"MemnodeOnNoWafer", {"config", "--set", "system.memnode=w5.west"}, "system.memnode"},
      {"UnknownEdge", {"config", "--set", "serdes.edges=east,up"}, "serdes.edges"},
      {"TemperatureMapEntry", {"config", "--set", "optical.temperature_map_c=20,x"}, "optical.temperature_map_c"},
      {"RtlBlockWithoutTwin", {"config", "--rtl", "cpu@0,0"}, "rtl.swap"},
      {"ClockNaN", {"config", "--set", "core.clock_hz=nan"}, "core.clock_hz"},
      {"LinkHugeAndOdd", {"config", "--set", "system.wafers=2", "--set", "system.links=w0.east-w1.west{big}"}, "system.links"},
      {"FewerColorsThanTheDecodeFirmware", {"run", "--grid", kBigGridSize, "--set", "fabric.colors=11", "{decode}"}, "fabric.colors 11"},
      {"SramNotWords", run_args({"--set", "sram.size_bytes=49150"}), "sram.size_bytes"},
  };
}

std::vector<BadInput> output_cases() {
  return {
      {"HeatmapInAMissingFolder", run_args({"--heatmap", "/nonexistent/map.svg"}), "--heatmap"},
      {"TraceInAMissingFolder", run_args({"--trace", "/nonexistent/trace.json"}), "--trace"},
      {"ActivityMapInAMissingFolder", run_args({"--activity-map", "/nonexistent/map.svg"}), "--activity-map"},
      {"InsnTraceIsAFolder", run_args({"--trace-insn", "0,0", "--trace-insn-file", "{dir}"}), "--trace-insn-file"},
      {"PostMortemInAMissingFolder", run_args({"--post-mortem", "/nonexistent/pm.json"}), "--post-mortem"},
      {"DumpIsAFolder", run_args({"--dump", "{dir}"}), "--dump"},
      {"StatsIsAFolder", run_args({"--stats", "{dir}"}), "--stats"},
      {"StatsEmpty", run_args({"--stats", ""}), "--stats"},
      {"StatsUnderAFile", run_args({"--stats", "{file}/stats.json"}), "--stats"},
      {"SignatureInAMissingFolder", run_args({"--signature", "/nonexistent/sig.txt"}), "--signature"},
      {"ProfileInAMissingFolder", run_args({"--profile", "/nonexistent/profile.txt"}), "--profile"},
      {"ProfileFoldedIsAFolder", run_args({"--profile-folded", "{dir}"}), "--profile-folded"},
      {"CoreDumpInAMissingFolder", run_args({"--core-dump", "0,0", "/nonexistent/pe.core"}), "--core-dump"},
      {"RtlFstMissingFolder", run_args({"--rtl", "router@0,0", "--rtl-fst", "/nonexistent"}), "--rtl-fst"},
      {"RtlFstIsAFile", run_args({"--rtl", "router@0,0", "--set", "rtl.fst_dir={file}"}), "rtl.fst_dir"},
      {"CheckpointInAMissingFolder", run_args({"--checkpoint-at", "1000", "/nonexistent/c.ckpt"}), "--checkpoint-at"},
      {"DecodeCheckpointIsAFolder", decode_args({"--checkpoint-at", "1000", "{dir}"}), "--checkpoint-at"},
      {"NocCheckpointInAMissingFolder", {"noc", "--checkpoint-at", "1000", "/nonexistent/c.ckpt"}, "--checkpoint-at"},
      {"DecodeStats", decode_args({"--stats", "/nonexistent/stats.json"}), "--stats"},
      {"DecodeTraceIsAFolder", decode_args({"--trace", "{dir}"}), "--trace"},
      {"NocJson", {"noc", "--json", "/nonexistent/noc.json"}, "--json"},
      {"NocHeatmap", {"noc", "--heatmap", "/nonexistent/noc.svg"}, "--heatmap"},
      {"SweepCsvIsAFolder", {"noc", "--sweep", "--csv", "{dir}"}, "--csv"},
      {"SweepPlot", {"noc", "--sweep", "--plot", "/nonexistent/plot.svg"}, "--plot"},
      {"MakeModelOut", {"make-model", "--out", "/nonexistent/m.bin", "--tokenizer", "{out}"}, "--out"},
      {"MakeModelTokenizerIsAFolder", {"make-model", "--out", "{out}", "--tokenizer", "{dir}"}, "--tokenizer"},
      {"StudyOutMissing", {"study", "edge-vs-optical", "--out", "/nonexistent", "--model", "{model}", "--tokenizer", "{tokenizer}", "--prompt", "x"}, "--out"},
      {"StudyOutIsAFile", {"study", "edge-vs-optical", "--out", "{file}", "--model", "{model}", "--tokenizer", "{tokenizer}", "--prompt", "x"}, "--out"},
  };
}

std::vector<BadInput> port_cases() {
  return {
      {"Negative", run_args({"--gdb", "-1"}), "--gdb"},
      {"TooLarge", run_args({"--gdb", "65536"}), "--gdb"},
      {"HexTooLarge", run_args({"--gdb", "0x10000"}), "--gdb"},
      {"NotANumber", run_args({"--gdb", "gdb"}), "--gdb"},
      {"Empty", run_args({"--gdb", ""}), "--gdb"},
      {"Exponent", run_args({"--gdb", "1e3"}), "--gdb"},
      {"InUse", run_args({"--gdb", "{busy_port}"}), "--gdb {busy_port}"},
      {"BindBadOctet", run_args({"--gdb", "0", "--gdb-bind", "999.1.1.1"}), "'999.1.1.1'"},
      {"BindIpv6", run_args({"--gdb", "0", "--gdb-bind", "::1"}), "'::1'"},
      {"BindHostName", run_args({"--gdb", "0", "--gdb-bind", "localhost"}), "'localhost'"},
      {"BindEmpty", run_args({"--gdb", "0", "--gdb-bind", ""}), "--gdb-bind"},
      {"BindNotOnThisHost", run_args({"--gdb", "0", "--gdb-bind", "192.0.2.1"}), "192.0.2.1"},
      {"CoresOffTheGrid", run_args({"--gdb", "0", "--gdb-cores", "500,0:16x16"}), "--gdb-cores"},
  };
}

std::vector<BadInput> size_cases() {
  const std::vector<std::string> make = {"make-model", "--out", "{out}", "--tokenizer", "{out}"};
  return {
      {"GridTheHostCannotHold", {"run", "--grid", "4096x4096", "{hello}"}, "grid 4096x4096"},
      {"NocGridTheHostCannotHold", {"noc", "--grid", "4096x4096"}, "grid 4096x4096"},
      {"GridOfMoreThan2To24Tiles", {"run", "--grid", "65536x65536", "{hello}"}, "grid 65536x65536"},
      {"GridZero", {"run", "--grid", "0x8", "{hello}"}, "--grid"},
      {"GridTooWide", {"run", "--grid", "65537x1", "{hello}"}, "--grid"},
      {"WafersTooMany", {"config", "--set", "system.wafers=2048"}, "system.wafers"},
      {"SramSmallerThanLinked", run_args({"--set", "sram.size_bytes=32768"}), "sram.size_bytes 32768"},
      {"ModelDim", with(make, {"--dim", "1073741824"}), "--dim"},
      {"ModelLayers", with(make, {"--layers", "2000000000"}), "--layers"},
      {"ModelOfMoreThan2GiB", with(make, {"--dim", "4096", "--hidden-dim", "11008", "--layers", "32", "--heads", "32", "--kv-heads", "32"}), "2 GiB"},
      {"ModelVocabularyBelowTheTokenizers", with(make, {"--vocab", "100"}), "vocab_size 100"},
      {"ModelHeadsNotDividingDim", with(make, {"--heads", "3"}), "n_heads 3"},
      {"ModelSeqLenZero", with(make, {"--seq-len", "0"}), "--seq-len"},
      {"ModelTooBigForTheGrid", {"run", "--grid", "2x2", "--model", "{model}", "{model_check}"}, "smallest square grid"},
  };
}

std::vector<BadInput> decode_cases() {
  return {
      {"StepsZero", decode_args({"--steps", "0"}), "--steps"},
      {"StepsNegative", decode_args({"--steps", "-1"}), "--steps"},
      {"StepsBeyond32Bits", decode_args({"--steps", "4294967296"}), "--steps"},
      {"TemperatureNaN", decode_args({"--temperature", "nan"}), "--temperature"},
      {"TemperatureDenormal", decode_args({"--temperature", "1e-45"}), "--temperature"},
      {"TemperatureNegative", decode_args({"--temperature", "-1"}), "--temperature"},
      {"TemperatureInfinite", decode_args({"--temperature", "inf"}), "--temperature"},
      {"TemperatureWithUnit", decode_args({"--temperature", "0.5x"}), "--temperature"},
      {"ToppNaN", decode_args({"--topp", "nan"}), "--topp"},
      {"ToppZero", decode_args({"--topp", "0"}), "--topp"},
      {"ToppAboveOne", decode_args({"--topp", "1.5"}), "--topp"},
      {"SeedNegative", decode_args({"--seed", "-1"}), "--seed"},
      {"SeedBeyond64Bits", decode_args({"--seed", "18446744073709551616"}), "--seed"},
      {"EmptyPrompt", {"decode", "--model", "{model}", "--tokenizer", "{tokenizer}", "--prompt", "", "--grid", kBigGridSize}, "prompt"},
      {"PromptsForOtherMicroBatches", decode_args({"--prompt", "a", "--prompt", "b", "--set", "decode.micro_batches=2"}), "prompts"},
      {"PromptTokensBeyondTheContext",
       {"decode", "--shape", "dim=64,hidden=172,layers=2,heads=4,vocab=512,seq_len=32", "--prompt-tokens", "33", "--grid", kBigGridSize},
       "--prompt-tokens 33"},
  };
}

std::vector<BadInput> symbol_cases() {
  const std::vector<std::string> ecc = {"--set", "sram.ecc=model"};
  return {
      {"PokeUnknown", run_args({"--poke", "no_such_symbol=1"}), "'no_such_symbol'"},
      {"PokeHugeName", run_args({"--poke", "{big}=1"}), "(100000 bytes)"},
      {"PokeValueBeyond32Bits", run_args({"--poke", "hello_exit_code=4294967296"}), "hello_exit_code"},
      {"PokeAtTheSramEnd", run_args({"--poke", "__stack=1"}), "'__stack'"},
      {"PokeNegativeValue", run_args({"--poke", "hello_exit_code=-1"}), "hello_exit_code"},
      {"PokeIntoBss", {"run", "--grid", kBigGridSize, "--poke", "block_h=1", "{decode}"}, "'block_h'"},
      {"FlipUnknownSymbol", run_args(with(ecc, {"--flip", "0,0:no_such_word:1"})), "'no_such_word'"},
      {"FlipOffTheGrid", run_args(with(ecc, {"--flip", "600,0:main:1"})), "PE (600,0)"},
      {"FlipOutsideTheSram", run_args(with(ecc, {"--flip", "0,0:0x10:1"})), "0x00000010"},
      {"FlipUnaligned", run_args(with(ecc, {"--flip", "0,0:0x80000002:1"})), "0x80000002"},
      {"FlipWithoutEcc", run_args({"--flip", "0,0:main:1"}), "--flip"},
      {"SignatureWithoutItsSymbols", run_args({"--signature", "{out}"}), "begin_signature"},
      {"ModelWithoutItsRegion", run_args({"--model", "{model}"}), "__heap_start"},
  };
}

// The file loaders' cases that are refused cleanly already (others wait for the loaders' fixes).
std::vector<BadInput> file_cases() {
  return {
      {"ElfMissing", {"run", "--grid", kBigGridSize, "/nonexistent/fw.elf"}, "/nonexistent/fw.elf"},
      {"ElfIsText", {"run", "--grid", kBigGridSize, "{file}"}, "{file}"},
      {"ElfTruncated", {"run", "--grid", kBigGridSize, "{truncated_elf}"}, "{truncated_elf}"},
      {"ConfigMissing", run_args({"--config", "/nonexistent/c.yaml"}), "/nonexistent/c.yaml"},
      {"ConfigSyntax", run_args({"--config", "{yaml}"}), "{yaml}:2", "grid: [\n"},
      {"ConfigUnknownKey", run_args({"--config", "{yaml}"}), "'sram.bankz'", "sram:\n  bankz: 4\n"},
      {"ConfigKeyNotAMap", run_args({"--config", "{yaml}"}), "{yaml}", "- 1\n- 2\n"},
      {"ModelMissing", {"decode", "--model", "/nonexistent/m.bin", "--tokenizer", "{tokenizer}", "--prompt", "x"}, "/nonexistent/m.bin"},
      {"ModelIsText", {"decode", "--model", "{file}", "--tokenizer", "{tokenizer}", "--prompt", "x"}, "{file}"},
      {"TokenizerMissing", {"decode", "--model", "{model}", "--tokenizer", "/nonexistent/t.bin", "--prompt", "x"}, "/nonexistent/t.bin"},
      {"FirmwareMissing", decode_args({"--firmware", "/nonexistent/decode.elf"}), "/nonexistent/decode.elf"},
      {"RunModelMissing", {"run", "--grid", kBigGridSize, "--model", "/nonexistent/m.bin", "{model_check}"}, "/nonexistent/m.bin"},
      {"RestoreMissing", run_args({"--restore", "/nonexistent/c.ckpt"}), "/nonexistent/c.ckpt"},
      {"RestoreIsAFolder", run_args({"--restore", "{dir}"}), "{dir}"},
      {"RestoreIsText", run_args({"--restore", "{file}"}), "not a wafervp checkpoint"},
      {"DecodeRestoreIsText", decode_args({"--restore", "{file}"}), "not a wafervp checkpoint"},
      {"NocRestoreIsText", {"noc", "--restore", "{file}"}, "not a wafervp checkpoint"},
  };
}

// The {placeholders} of one case: files made for it, a port held busy for it.
class Placeholders {
 public:
  explicit Placeholders(const BadInput& c) : case_(c) {}
  ~Placeholders() {
    if (busy_fd_ >= 0) close(busy_fd_);
  }
  Placeholders(const Placeholders&) = delete;
  Placeholders& operator=(const Placeholders&) = delete;

  // `text` with every {placeholder} filled in, each made once.
  std::string fill(std::string text) {
    for (size_t at = text.find('{'); at != std::string::npos; at = text.find('{', at)) {
      const size_t end = text.find('}', at);
      if (end == std::string::npos) break;
      const std::string name = text.substr(at + 1, end - at - 1);
      if (!values_.count(name)) values_[name] = make(name);
      text.replace(at, end - at + 1, values_[name]);
      at += values_[name].size();
    }
    return text;
  }

 private:
  std::string make(const std::string& name) {
    if (name == "hello" || name == "decode" || name == "model_check") return firmware(name);
    if (name == "model") return std::string(WVP_CHECKPOINT_DIR) + "/tiny.bin";
    if (name == "tokenizer") return std::string(WVP_CHECKPOINT_DIR) + "/tiny_tokenizer.bin";
    if (name == "dir") return std::string(WVP_CHECKPOINT_DIR);
    if (name == "out") return temp_path("out");
    if (name == "big") return std::string(100'000, 'v');
    if (name == "busy_port") return busy_port();
    const std::string path = temp_path(name);
    std::ofstream file(path, std::ios::binary);
    if (name == "file") file << "this is neither an executable nor a folder\n";
    else if (name == "truncated_elf") file << read_file(firmware("hello")).substr(0, 200);
    else if (name == "yaml") file << case_.yaml;
    else ADD_FAILURE() << "unknown placeholder {" << name << "}";
    return path;
  }

  // A port some other program listens on.
  std::string busy_port() {
    busy_fd_ = socket(AF_INET, SOCK_STREAM, 0);
    sockaddr_in addr{};
    addr.sin_family = AF_INET;
    addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    socklen_t len = sizeof addr;
    EXPECT_EQ(bind(busy_fd_, reinterpret_cast<sockaddr*>(&addr), sizeof addr), 0);
    EXPECT_EQ(listen(busy_fd_, 1), 0);
    EXPECT_EQ(getsockname(busy_fd_, reinterpret_cast<sockaddr*>(&addr), &len), 0);
    return std::to_string(ntohs(addr.sin_port));
  }

  const BadInput& case_;
  std::map<std::string, std::string> values_;
  int busy_fd_ = -1;
};

// Runs the cases a few at a time (one wafervp each: a test process per case would cost more than
// the case), then checks each.
void expect_refused(const std::vector<BadInput>& cases) {
  constexpr unsigned kWorkers = 3;
  struct Run {
    std::vector<std::string> argv;
    std::string culprit;
    ProcessResult result;
  };
  std::vector<std::unique_ptr<Placeholders>> placeholders;
  std::vector<Run> runs;
  for (const BadInput& c : cases) {
    placeholders.push_back(std::make_unique<Placeholders>(c));
    Run run;
    run.argv = {wafervp()};
    for (const std::string& arg : c.args) run.argv.push_back(placeholders.back()->fill(arg));
    run.culprit = placeholders.back()->fill(c.culprit);
    runs.push_back(std::move(run));
  }
  std::atomic<size_t> next{0};
  const auto work = [&] {
    for (size_t i; (i = next++) < runs.size();) {
      runs[i].result = run_process(runs[i].argv, 60);
    }
  };
  std::vector<std::thread> workers;
  for (unsigned w = 0; w < kWorkers; ++w) workers.emplace_back(work);
  for (std::thread& w : workers) w.join();
  for (size_t i = 0; i < cases.size(); ++i) {
    SCOPED_TRACE(cases[i].name);
    const ProcessResult& r = runs[i].result;
    EXPECT_EQ(r.exit_code, 2) << r.err;
    EXPECT_EQ(r.out, "");
    EXPECT_EQ(lines(r.err).size(), 1u) << r.err;
    EXPECT_TRUE(!r.err.empty() && r.err.back() == '\n') << r.err;
    EXPECT_NE(r.err.find(runs[i].culprit), std::string::npos) << "no " << runs[i].culprit << " in: " << r.err;
    EXPECT_LT(r.err.size(), 500u) << "a readable length";
    EXPECT_LT(r.usage.cpu_seconds, kLimitSeconds) << r.err;
  }
}

TEST(BadInput, Options) { expect_refused(option_cases()); }
TEST(BadInput, ConfigValues) { expect_refused(config_cases()); }
TEST(BadInput, OutputPaths) { expect_refused(output_cases()); }
TEST(BadInput, Ports) { expect_refused(port_cases()); }
TEST(BadInput, Sizes) { expect_refused(size_cases()); }
TEST(BadInput, DecodeParameters) { expect_refused(decode_cases()); }
TEST(BadInput, Symbols) { expect_refused(symbol_cases()); }
TEST(BadInput, Files) { expect_refused(file_cases()); }

}  // namespace
}  // namespace wvp::test
