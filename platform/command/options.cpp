#include "platform/command/options.h"

#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <charconv>
#include <cmath>
#include <cstdlib>
#include <cstring>
#include <sstream>
#include <tuple>

#include <boost/program_options.hpp>

#include "platform/assembly/wafer.h"
#include "platform/debug/gdb_server.h"
#include "platform/host/elf_loader.h"
#include "platform/llama/shape.h"
#include "platform/support/quoted.h"

namespace wvp {

namespace po = boost::program_options;

namespace {

constexpr const char* kUsage =
    "usage: wafervp run [options] ELF\n"
    "       wafervp noc [options]   (synthetic traffic on the fabric, no cores)\n"
    "       wafervp config [--config FILE] [--set KEY=VALUE]...  (every config key with its value, and the off-wafer I/O)\n"
    "       wafervp make-model [options] --out M.bin --tokenizer T.bin   (a deterministic test model)\n"
    "       wafervp decode --model M.bin --tokenizer T.bin --prompt TEXT [options]   (LLM decode on the grid)\n"
    "       wafervp decode --shape llama3.1-8b [--prompt-tokens N] [options]   (timing-only: the model's shape alone)\n"
    "       wafervp study edge-vs-optical [study options] [decode options]   (one wafer, wafers over edge SerDes, over optical Z ports)\n";

// Below it, logits / temperature can overflow fp32 and the softmax becomes NaN on both the
// firmware and the host reference.
constexpr double kMinTemperature = 1e-6, kMaxTemperature = 1e6;
// Processes a sweep or study runs at a time: more than a host could have cores is a typo.
constexpr uint64_t kMaxJobs = 256;

// What one command's words hold: its options, and the words that are no option's value.
struct Words {
  po::variables_map vm;
  std::vector<std::string> positional;
  bool has(const char* name) const { return vm.count(name) > 0; }
  const std::string& text(const char* name) const { return vm[name].as<std::string>(); }
  // The value of an option of exactly N words (--core-dump X,Y FILE), repeatable: the words of
  // all its uses in one list. Fewer words is an error; more are not taken.
  template <unsigned N>
  struct Exactly : po::typed_value<std::vector<std::string>> {
    Exactly() : po::typed_value<std::vector<std::string>>(nullptr) { multitoken()->composing(); }
    unsigned min_tokens() const override { return N; }
    unsigned max_tokens() const override { return N; }
  };
};

// A boost error as one line: the unknown option is the user's text, quoted like any other.
UsageError usage_error(const std::string& command, const po::error& e) {
  if (const auto* unknown = dynamic_cast<const po::unknown_option*>(&e))
    return UsageError(command + ": unknown option " + wvp::quoted(unknown->get_option_name()) + " (wafervp " + command + " --help)");
  // boost writes its message in what() by replacing "%option%" with the option's name until none
  // is left: for a name that holds "%option%" it never ends (found by fuzz_options).
  if (const auto* named = dynamic_cast<const po::error_with_option_name*>(&e);
      named && named->get_option_name().find('%') != std::string::npos)
    return UsageError(command + ": bad option " + wvp::quoted(named->get_option_name()) + " (wafervp " + command + " --help)");
  return UsageError(command + ": " + one_line(e.what(), 200));
}

// Parses `args` against `desc`; words that are no option's value go to `positional`, for the
// command to take or refuse.
Words parse_words(const std::string& command, const std::vector<std::string>& args, const po::options_description& desc) {
  po::options_description all;
  all.add(desc).add_options()("positional", po::value<std::vector<std::string>>()->composing());
  po::positional_options_description pos;
  pos.add("positional", -1);
  Words w;
  try {
    po::store(po::command_line_parser(args).options(all).positional(pos).run(), w.vm);
    if (!w.has("help")) po::notify(w.vm);
  } catch (const po::error& e) {
    throw usage_error(command, e);
  }
  if (w.has("positional")) w.positional = w.vm["positional"].as<std::vector<std::string>>();
  return w;
}

void refuse_positional(const std::string& command, const Words& w) {
  if (!w.positional.empty()) throw UsageError(command + ": unexpected argument " + wvp::quoted(w.positional.front()));
}

Command help(const std::string& text) {
  Command c;
  c.kind = CommandKind::Help;
  c.help = text;
  return c;
}

std::string describe(const po::options_description& desc) {
  std::ostringstream text;
  text << desc;
  return text.str();
}

// Digits, or 0x and hex digits: no sign, since boost takes "-1" as 2^32 - 1, and no spaces.
uint64_t integer(const std::string& option, const std::string& text, uint64_t min, uint64_t max) {
  const bool hex = text.size() > 2 && text[0] == '0' && (text[1] == 'x' || text[1] == 'X');
  const char* first = text.data() + (hex ? 2 : 0);
  const char* last = text.data() + text.size();
  uint64_t v = 0;
  const auto [end, ec] = std::from_chars(first, last, v, hex ? 16 : 10);
  if (first == last || ec != std::errc() || end != last || v < min || v > max)
    throw UsageError(option + ": expected an integer from " + std::to_string(min) + " to " + std::to_string(max) + ", got " +
                     wvp::quoted(text));
  return v;
}

// A finite number, all of the text.
double real(const std::string& option, const std::string& text, const std::string& expected) {
  char* end = nullptr;
  errno = 0;
  const double v = std::strtod(text.c_str(), &end);
  if (text.empty() || *end != '\0' || errno == ERANGE || !std::isfinite(v))
    throw UsageError(option + ": expected " + expected + ", got " + wvp::quoted(text));
  return v;
}

double real(const std::string& option, const std::string& text, double min, double max) {
  std::ostringstream expected;
  expected << "a number from " << min << " to " << max;
  const double v = real(option, text, expected.str());
  if (v < min || v > max) throw UsageError(option + ": expected " + expected.str() + ", got " + wvp::quoted(text));
  return v;
}

// An output path, if given: an empty one would silently mean none.
std::string path(const Words& w, const char* name) {
  if (!w.has(name)) return "";
  if (w.text(name).empty()) throw UsageError(std::string("--") + name + ": empty path");
  return w.text(name);
}

// --heatmap-scale: "max" (0: the largest utilisation on the map) or the utilisation at the top of
// the colour scale (1: the fixed scale, to compare runs).
double heatmap_scale(const Words& w) {
  if (!w.has("heatmap-scale")) return 0;
  if (!w.has("heatmap")) throw UsageError("--heatmap-scale needs --heatmap FILE");
  const std::string& text = w.text("heatmap-scale");
  if (text == "max") return 0;
  const std::string expected = "max or a utilisation from 1e-06 to 1";
  const double v = real("--heatmap-scale", text, expected);
  if (!(v >= 1e-6 && v <= 1)) throw UsageError("--heatmap-scale: expected " + expected + ", got " + wvp::quoted(text));
  return v;
}

// "FROM-TO": a window of cycles, both included.
CycleWindow cycle_window(const std::string& option, const std::string& text) {
  const size_t dash = text.find('-');
  if (dash == std::string::npos) throw UsageError(option + ": expected FROM-TO (cycles), got " + wvp::quoted(text));
  const CycleWindow window{integer(option, text.substr(0, dash), 0, UINT64_MAX - 1),
                           integer(option, text.substr(dash + 1), 0, UINT64_MAX - 1)};
  if (window.first_cycle > window.last_cycle)
    throw UsageError(option + ": the window ends before it starts in " + wvp::quoted(text) + " (FROM-TO, FROM <= TO)");
  return window;
}

// PE "X,Y" of `option` (whose words are `expected`), on the grid of `config`.
std::pair<uint32_t, uint32_t> grid_pe(const std::string& option, const std::string& pe, const char* expected,
                                      const PlatformConfig& config) {
  const size_t comma = pe.find(',');
  if (comma == std::string::npos) throw UsageError(option + ": expected " + expected + ", got " + wvp::quoted(pe));
  const auto x = static_cast<uint32_t>(integer(option + " X", pe.substr(0, comma), 0, UINT32_MAX));
  const auto y = static_cast<uint32_t>(integer(option + " Y", pe.substr(comma + 1), 0, UINT32_MAX));
  const uint32_t width = system_width(config), height = config.grid_height;
  if (x >= width || y >= height)
    throw UsageError(option + ": PE (" + std::to_string(x) + "," + std::to_string(y) + ") is outside the " +
                     std::to_string(width) + "x" + std::to_string(height) + " grid");
  return {x, y};
}

// --trace-insn "X,Y[:FROM-TO]": a PE of the grid, traced over a window (default: the whole run).
TracedCore traced_core(const std::string& text, const PlatformConfig& config) {
  const size_t colon = text.find(':');
  TracedCore core;
  std::tie(core.x, core.y) = grid_pe("--trace-insn", text.substr(0, colon), "X,Y[:FROM-TO]", config);
  if (colon != std::string::npos) core.window = cycle_window("--trace-insn", text.substr(colon + 1));
  return core;
}

// Options every command that builds a platform takes.
void add_config_options(po::options_description& desc) {
  desc.add_options()("config", po::value<std::string>(), "YAML config file (see `wafervp config`)")
      ("grid", po::value<std::string>(), "grid size WxH, overrides grid.width/height")
      ("set", po::value<std::vector<std::string>>()->composing(), "KEY=VALUE config override (repeatable)")
      ("rtl", po::value<std::vector<std::string>>()->composing(), "BLOCK@X,Y: that tile's block is its Verilated RTL twin, e.g. router@3,4 or router@*,* (repeatable; adds to rtl.swap)")
      ("rtl-fst", po::value<std::string>(), "directory for the RTL twins' FST waveforms, overrides rtl.fst_dir")
      ("log", po::value<std::vector<std::string>>()->composing(), "COMPONENT=LEVEL[,...]: log levels, overriding log.* (components: core, sram, fabric, tensor, link, serdes, optical, memnode, host, gdb, platform; levels: trace, debug, info, warn, error, off)")
      ("threads", po::value<std::string>(), "host threads for the cores, overrides sim.threads (default: the host's cores; results do not depend on it)");
}

// --log's COMPONENT=LEVEL pairs, as log.COMPONENT keys.
void apply_log_option(const std::string& text, PlatformConfig& config) {
  std::istringstream in(text);
  for (std::string pair; std::getline(in, pair, ',');) {
    const size_t eq = pair.find('=');
    LogComponent component;
    if (eq == std::string::npos || !parse_log_component(pair.substr(0, eq), component))
      throw ConfigError("--log: expected COMPONENT=LEVEL with a component of core, sram, fabric, tensor, link, serdes, optical, memnode, "
                        "host, gdb, platform, got " + wvp::quoted(pair));
    set_config_value(config, std::string("log.") + log_component_name(component), pair.substr(eq + 1), "--log");
  }
}

// Config file, then --grid, then --set, then --rtl, then --log and --threads, in that order of precedence.
void apply_config_options(const Words& w, PlatformConfig& config) {
  if (w.has("config")) load_config_file(config, w.text("config"));
  if (w.has("grid")) parse_grid(w.text("grid"), config.grid_width, config.grid_height);
  if (w.has("set")) {
    for (const std::string& kv : w.vm["set"].as<std::vector<std::string>>()) {
      const size_t eq = kv.find('=');
      if (eq == std::string::npos) throw ConfigError("--set: expected KEY=VALUE, got " + wvp::quoted(kv));
      set_config_value(config, kv.substr(0, eq), kv.substr(eq + 1), "--set");
    }
  }
  if (w.has("rtl"))
    for (const std::string& swap : w.vm["rtl"].as<std::vector<std::string>>()) config.rtl.push_back(parse_rtl_swap(swap, "--rtl"));
  if (w.has("rtl-fst")) config.rtl_fst_dir = path(w, "rtl-fst");
  if (w.has("log"))
    for (const std::string& levels : w.vm["log"].as<std::vector<std::string>>()) apply_log_option(levels, config);
  if (w.has("threads")) set_config_value(config, "sim.threads", w.text("threads"), "--threads");
}

Command parse_config(const std::vector<std::string>& args) {
  po::options_description desc("wafervp config options");
  desc.add_options()("help,h", "this help");
  add_config_options(desc);
  const Words w = parse_words("config", args, desc);
  if (w.has("help")) return help(describe(desc));
  refuse_positional("config", w);
  Command c;
  c.kind = CommandKind::Config;
  apply_config_options(w, c.config);
  validate_config(c.config);
  return c;
}

GdbOptions gdb_options(const Words& w, const PlatformConfig& config) {
  GdbOptions gdb;
  gdb.port = static_cast<uint16_t>(integer("--gdb", w.text("gdb"), 0, 65535));
  if (w.has("gdb-bind")) {
    gdb.bind_address = w.text("gdb-bind");
    if (!is_ipv4_address(gdb.bind_address))
      throw UsageError("--gdb-bind: expected an IPv4 address such as 127.0.0.1 or 0.0.0.0, got " + wvp::quoted(gdb.bind_address));
  }
  if (w.has("gdb-cores")) {
    parse_core_window(w.text("gdb-cores"), gdb);
    check_core_window(gdb, system_width(config), config.grid_height);
  }
  return gdb;
}

void add_checkpoint_options(po::options_description& desc) {
  desc.add_options()("checkpoint-at", new Words::Exactly<2>(),
                     "CYCLE FILE: write the whole platform's state to FILE at the first quantum round from CYCLE on, and go on")
      ("restore", po::value<std::string>(), "continue from a checkpoint FILE (the same config, ELF and model as the run that wrote it)");
}

CheckpointOptions checkpoint_options(const Words& w) {
  CheckpointOptions opt;
  if (w.has("checkpoint-at")) {
    const auto& words = w.vm["checkpoint-at"].as<std::vector<std::string>>();
    if (words.size() > 2) throw UsageError("--checkpoint-at: given twice (one checkpoint a run)");
    opt.at_cycle = integer("--checkpoint-at", words[0], 0, UINT64_MAX - 1);
    opt.path = words[1];
    if (opt.path.empty()) throw UsageError("--checkpoint-at: empty path");
  }
  opt.restore_path = path(w, "restore");
  return opt;
}

Command parse_run(const std::vector<std::string>& args) {
  po::options_description desc("wafervp run options");
  desc.add_options()("help,h", "this help");
  add_config_options(desc);
  desc.add_options()("quantum", po::value<std::string>(), "quantum in cycles, overrides sim.quantum_cycles")
      ("max-cycles", po::value<std::string>(), "cycle limit, overrides sim.max_cycles")
      ("gdb", po::value<std::string>(), "wait for GDB on this TCP port (0: any free one, printed) before the first instruction")
      ("gdb-bind", po::value<std::string>(), "IPv4 address the GDB server binds to (default 127.0.0.1)")
      ("gdb-cores", po::value<std::string>(), "expose only cores X0,Y0:WxH as GDB threads")
      ("stats", po::value<std::string>(), "write stats JSON to this file")
      ("heatmap", po::value<std::string>(), "draw the fabric's link utilisation as SVG")
      ("heatmap-scale", po::value<std::string>(), "top of the heat map's colour scale: max (the run's largest, default) or a utilisation (1: fixed)")
      ("heatmap-window", po::value<std::string>(), "FROM-TO: the cycles (both included) the heat map and the activity map show")
      ("activity-map", po::value<std::string>(), "draw where each core's time went (core, tensor, fabric, sync, memory, idle) as SVG")
      ("trace", po::value<std::string>(), "write the firmware's phases as a Chrome/Perfetto trace (JSON)")
      ("model", po::value<std::string>(), "llama2.c checkpoint to shard into every core's model region")
      ("profile", po::value<std::string>(), "write a per-function profile (cycles and instructions by ELF function, over all cores and per group) to this file")
      ("profile-folded", po::value<std::string>(), "write the profile's call stacks, folded, for flame-graph tools (flamegraph.pl, speedscope)")
      ("profile-top", po::value<std::string>(), "functions in the profile's tables (default 20)")
      ("profile-period", po::value<std::string>(), "cycles between a core's profile samples (default 1000)")
      ("profile-groups", po::value<std::string>(), "WxH: the profile's groups of cores, blocks of the grid (default: the whole grid)")
      ("trace-insn", po::value<std::vector<std::string>>()->composing(), "X,Y[:FROM-TO]: trace PE (X,Y)'s instructions, disassembled, over cycles FROM to TO (repeatable)")
      ("trace-insn-file", po::value<std::string>(), "write the instruction trace to this file (default: stderr)")
      ("post-mortem", po::value<std::string>(), "after a trap, deadlock, max-cycles or signal, write every core's state, registers and CSRs and the routers' queues as JSON")
      ("dump", po::value<std::string>(), "write that post-mortem JSON at the end of the run, however it ends")
      ("core-dump", new Words::Exactly<2>(), "X,Y FILE: after the run, however it ends, write an ELF core file of PE (X,Y) for gdb-multiarch (repeatable)")
      ("poke", po::value<std::vector<std::string>>()->composing(), "SYMBOL=VALUE: write a 32-bit word at an ELF symbol in every tile (repeatable)")
      ("signature", po::value<std::string>(), "dump PE (0,0)'s begin_signature..end_signature words to this file")
      ("flip", po::value<std::vector<std::string>>()->composing(), "X,Y:ADDR:BIT[:BIT2]: flip stored bits of an SRAM word of PE (X,Y) before the run, ADDR a number or ELF symbol, bits 0-31 data, 32-38 check (needs sram.ecc; repeatable)");
  add_checkpoint_options(desc);
  const Words w = parse_words("run", args, desc);
  if (w.has("help")) return help(std::string(kUsage) + describe(desc));
  if (w.positional.empty()) throw UsageError("run: no ELF given (wafervp run [options] ELF)");
  if (w.positional.size() > 1)
    throw UsageError("run: unexpected argument " + wvp::quoted(w.positional[1]) + " after the ELF " + wvp::quoted(w.positional[0]));
  Command c;
  c.kind = CommandKind::Run;
  RunOptions& opt = c.run;
  opt.elf_path = w.positional[0];
  apply_config_options(w, opt.config);
  if (w.has("quantum")) set_config_value(opt.config, "sim.quantum_cycles", w.text("quantum"), "--quantum");
  if (w.has("max-cycles")) set_config_value(opt.config, "sim.max_cycles", w.text("max-cycles"), "--max-cycles");
  validate_config(opt.config);
  if (w.has("gdb")) opt.gdb = gdb_options(w, opt.config);
  else if (w.has("gdb-bind") || w.has("gdb-cores")) throw UsageError("run: --gdb-bind and --gdb-cores need --gdb PORT");
  if (w.has("poke")) {
    for (const std::string& kv : w.vm["poke"].as<std::vector<std::string>>()) {
      const size_t eq = kv.find('=');
      if (eq == std::string::npos || eq == 0) throw UsageError("--poke: expected SYMBOL=VALUE, got " + wvp::quoted(kv));
      const std::string symbol = kv.substr(0, eq);
      opt.pokes.emplace_back(symbol, static_cast<uint32_t>(integer("--poke " + wvp::quoted(symbol), kv.substr(eq + 1), 0, UINT32_MAX)));
    }
  }
  if (w.has("flip"))
    for (const std::string& text : w.vm["flip"].as<std::vector<std::string>>()) opt.flips.push_back(parse_bit_flip(text));
  opt.stats_path = path(w, "stats");
  opt.heatmap_path = path(w, "heatmap");
  opt.heatmap_scale = heatmap_scale(w);
  opt.activity_map_path = path(w, "activity-map");
  if (w.has("heatmap-window")) {
    if (opt.heatmap_path.empty() && opt.activity_map_path.empty())
      throw UsageError("--heatmap-window needs --heatmap FILE or --activity-map FILE");
    opt.heatmap_window = cycle_window("--heatmap-window", w.text("heatmap-window"));
  }
  opt.trace_path = path(w, "trace");
  opt.signature_path = path(w, "signature");
  if (w.has("trace-insn"))
    for (const std::string& text : w.vm["trace-insn"].as<std::vector<std::string>>())
      opt.traced_cores.push_back(traced_core(text, opt.config));
  opt.insn_trace_path = path(w, "trace-insn-file");
  opt.post_mortem_path = path(w, "post-mortem");
  opt.dump_path = path(w, "dump");
  if (!opt.insn_trace_path.empty() && opt.traced_cores.empty()) throw UsageError("--trace-insn-file needs --trace-insn X,Y");
  opt.profile_path = path(w, "profile");
  opt.profile_folded_path = path(w, "profile-folded");
  const bool profiled = !opt.profile_path.empty() || !opt.profile_folded_path.empty();
  for (const char* option : {"profile-top", "profile-period", "profile-groups"})
    if (w.has(option) && !profiled) throw UsageError(std::string("--") + option + " needs --profile FILE or --profile-folded FILE");
  if (w.has("profile-top")) opt.profile_top = static_cast<uint32_t>(integer("--profile-top", w.text("profile-top"), 1, 1'000'000));
  if (w.has("profile-period"))
    opt.profile_period_cycles = integer("--profile-period", w.text("profile-period"), 1, 1'000'000'000);
  if (w.has("profile-groups")) {
    try {
      parse_grid(w.text("profile-groups"), opt.profile_group_w, opt.profile_group_h);
    } catch (const ConfigError&) {
      throw UsageError("--profile-groups: expected WIDTHxHEIGHT with positive integers, got " + wvp::quoted(w.text("profile-groups")));
    }
  }
  if (w.has("core-dump")) {
    const auto& words = w.vm["core-dump"].as<std::vector<std::string>>();
    for (size_t i = 0; i + 1 < words.size(); i += 2) {
      CoreDumpRequest dump;
      std::tie(dump.x, dump.y) = grid_pe("--core-dump", words[i], "X,Y FILE", opt.config);
      dump.path = words[i + 1];
      opt.core_dumps.push_back(dump);
    }
  }
  if (w.has("model")) opt.model_path = w.text("model");
  opt.checkpoint = checkpoint_options(w);
  return c;
}

Command parse_decode(const std::vector<std::string>& args) {
  po::options_description desc("wafervp decode options");
  desc.add_options()("help,h", "this help");
  add_config_options(desc);
  desc.add_options()("model", po::value<std::string>(), "llama2.c checkpoint")
      ("tokenizer", po::value<std::string>(), "llama2.c tokenizer")
      ("prompt", po::value<std::vector<std::string>>()->composing(),
       "text to continue; repeat it to give each sequence of decode.micro_batches its own")
      ("timing-only", po::bool_switch(), "the model's shape alone: no weights loaded, no values computed, the cycles of a full run")
      ("shape", po::value<std::string>(),
       "a model without a file, timing-only: llama3.1-8b, llama3.1-70b, or dim=,hidden=,layers=,heads=,kv_heads=,vocab=,seq_len= "
       "(a preset's fields changed after it: llama3.1-8b,seq_len=4096)")
      ("prompt-tokens", po::value<std::string>(), "with --shape: the prompt's length in tokens (default 1, BOS)")
      ("start-position", po::value<std::string>(),
       "with --shape: the position to start at, the caches taken to hold the ones before it (default 0)")
      ("steps", po::value<std::string>()->default_value("32"), "positions to run, prompt included (1 to the model's context)")
      ("temperature", po::value<std::string>()->default_value("0"), "0: greedy, else 1e-06 to 1e+06")
      ("topp", po::value<std::string>()->default_value("0.9"), "nucleus sampling mass in (0, 1] (1: all tokens)")
      ("seed", po::value<std::string>()->default_value("1"), "sampling seed (64 bits)")
      ("firmware", po::value<std::string>(), "decode ELF (default: the build's sw/decode.elf, or sw/decode_rvc.elf with core.isa=rv32imfc)")
      ("stats", po::value<std::string>(), "write stats JSON to this file")
      ("trace", po::value<std::string>(), "write each core's phases as a Chrome/Perfetto trace (JSON)");
  add_checkpoint_options(desc);
  const Words w = parse_words("decode", args, desc);
  if (w.has("help")) return help(std::string(kUsage) + describe(desc));
  refuse_positional("decode", w);
  Command c;
  c.kind = CommandKind::Decode;
  DecodeOptions& opt = c.decode;
  if (w.has("shape") && w.has("model")) throw UsageError("decode: --shape and --model are mutually exclusive (a model by its shape or from a file)");
  if (w.has("shape") && (w.has("tokenizer") || w.has("prompt")))
    throw UsageError("decode: a model given by --shape has no tokenizer; give the prompt's length with --prompt-tokens N");
  if (w.has("prompt-tokens") && !w.has("shape"))
    throw UsageError("--prompt-tokens needs --shape (the prompt of a --model is text: --prompt)");
  if (w.has("start-position") && !w.has("shape"))
    throw UsageError("--start-position needs --shape (a timing-only run: a run with weights needs the positions before it)");
  if (!w.has("shape") && !w.has("model")) throw UsageError("decode: no model given (--model M.bin, or --shape for a timing-only run)");
  if (w.has("model") && !(w.has("tokenizer") && w.has("prompt"))) throw UsageError("decode: --model needs --tokenizer T.bin and --prompt TEXT");
  if (w.has("shape")) {
    try {
      opt.shape = llama::parse_shape(w.text("shape"));
    } catch (const llama::ModelError& e) {
      throw UsageError(std::string("--shape: ") + e.what());
    }
    if (w.has("prompt-tokens")) opt.prompt_tokens = static_cast<uint32_t>(integer("--prompt-tokens", w.text("prompt-tokens"), 1, INT32_MAX));
    if (w.has("start-position"))
      opt.start_position = static_cast<uint32_t>(integer("--start-position", w.text("start-position"), 0, INT32_MAX));
    if (opt.start_position > 0 && opt.prompt_tokens > 1)
      throw UsageError("decode: --start-position and --prompt-tokens " + std::to_string(opt.prompt_tokens) +
                       ": the positions before the start stand for the prompt; give --prompt-tokens 1");
  } else {
    opt.model_path = w.text("model");
    opt.tokenizer_path = w.text("tokenizer");
    opt.prompts = w.vm["prompt"].as<std::vector<std::string>>();
  }
  opt.timing_only = w.vm["timing-only"].as<bool>() || opt.shape.has_value();
  opt.steps = static_cast<uint32_t>(integer("--steps", w.text("steps"), 1, INT32_MAX));
  const std::string& temperature = w.text("temperature");
  const double t = real("--temperature", temperature, "0 (greedy) or a number from 1e-06 to 1e+06");
  if (t != 0 && (t < kMinTemperature || t > kMaxTemperature))
    throw UsageError("--temperature: expected 0 (greedy) or a number from 1e-06 to 1e+06, got " + wvp::quoted(temperature));
  opt.temperature = static_cast<float>(t);
  const std::string& topp = w.text("topp");
  const double p = real("--topp", topp, "a number in (0, 1]");
  if (!(p > 0 && p <= 1)) throw UsageError("--topp: expected a number in (0, 1], got " + wvp::quoted(topp));
  opt.topp = static_cast<float>(p);
  opt.seed = integer("--seed", w.text("seed"), 0, UINT64_MAX);
  if (w.has("firmware")) opt.firmware_path = w.text("firmware");
  opt.stats_path = path(w, "stats");
  opt.trace_path = path(w, "trace");
  opt.checkpoint = checkpoint_options(w);
  if (opt.timing_only && opt.temperature != 0.0f)
    throw UsageError("--temperature: a timing-only run decodes greedily (the sampler's cycles follow the logits it does not compute)");
  if (opt.timing_only && (!opt.checkpoint.path.empty() || !opt.checkpoint.restore_path.empty()))
    throw UsageError("decode: --checkpoint-at and --restore are for full runs, not timing-only ones");
  apply_config_options(w, opt.config);
  validate_config(opt.config);
  return c;
}

Command parse_noc(const std::vector<std::string>& args) {
  po::options_description desc("wafervp noc options (study settings are the noc.* and fabric.* config keys)");
  desc.add_options()("help,h", "this help");
  add_config_options(desc);
  desc.add_options()("json", po::value<std::string>(), "write the result (or the sweep) as JSON to this file")
      ("heatmap", po::value<std::string>(), "draw link utilisation of the wafer as SVG")
      ("heatmap-scale", po::value<std::string>(), "top of the heat map's colour scale: max (the largest, default) or a utilisation (1: fixed)")
      ("sweep", "sweep the offered load instead of one run at noc.injection_rate")
      ("sweep-step", po::value<std::string>()->default_value("0.05"), "sweep: rate step (flits/node/cycle), 0.001 to 1")
      ("sweep-max", po::value<std::string>()->default_value("1"), "sweep: highest rate tried, the step to 1")
      ("sweep-refine", po::value<std::string>()->default_value("4"), "sweep: bisection steps at saturation, 0 to 20")
      ("jobs", po::value<std::string>()->default_value("1"), "sweep: points run at a time, each in a process of its own, 1 to 256")
      ("csv", po::value<std::string>(), "sweep: write the latency-vs-load table as CSV")
      ("plot", po::value<std::string>(), "sweep: draw the latency-vs-load curve as SVG");
  add_checkpoint_options(desc);
  const Words w = parse_words("noc", args, desc);
  if (w.has("help")) return help(describe(desc));
  refuse_positional("noc", w);
  Command c;
  c.kind = CommandKind::Noc;
  NocOptions& opt = c.noc;
  opt.sweep = w.has("sweep");
  // Each step is a whole run of the study: a step of 1e-9 would be a billion runs.
  opt.sweep_step = real("--sweep-step", w.text("sweep-step"), 0.001, 1.0);
  opt.sweep_max = real("--sweep-max", w.text("sweep-max"), opt.sweep_step, 1.0);
  opt.sweep_refine = static_cast<uint32_t>(integer("--sweep-refine", w.text("sweep-refine"), 0, 20));
  opt.jobs = static_cast<unsigned>(integer("--jobs", w.text("jobs"), 1, kMaxJobs));
  opt.json_path = path(w, "json");
  opt.heatmap_path = path(w, "heatmap");
  opt.heatmap_scale = heatmap_scale(w);
  opt.csv_path = path(w, "csv");
  opt.plot_path = path(w, "plot");
  if (!opt.sweep && (!opt.csv_path.empty() || !opt.plot_path.empty())) throw UsageError("noc: --csv and --plot need --sweep");
  opt.checkpoint = checkpoint_options(w);
  if (opt.sweep && (opt.checkpoint.at_cycle != UINT64_MAX || !opt.checkpoint.restore_path.empty()))
    throw UsageError("noc: --checkpoint-at and --restore are for one run, not a --sweep");
  apply_config_options(w, opt.config);
  validate_config(opt.config);
  return c;
}

Command parse_make_model(const std::vector<std::string>& args) {
  po::options_description desc("wafervp make-model options (llama2.c checkpoint and tokenizer)");
  desc.add_options()("help,h", "this help")
      ("dim", po::value<std::string>()->default_value("64"), "transformer width")
      ("hidden-dim", po::value<std::string>()->default_value("172"), "FFN width")
      ("layers", po::value<std::string>()->default_value("2"), "layers")
      ("heads", po::value<std::string>()->default_value("4"), "query heads")
      ("kv-heads", po::value<std::string>()->default_value("2"), "key/value heads")
      ("vocab", po::value<std::string>()->default_value("512"), "vocabulary size (at least 354)")
      ("seq-len", po::value<std::string>()->default_value("32"), "context length")
      ("seed", po::value<std::string>()->default_value("1"), "weights seed")
      ("separate-classifier", po::bool_switch(), "store a classifier apart from the embedding")
      ("out", po::value<std::string>()->required(), "checkpoint to write")
      ("tokenizer", po::value<std::string>()->required(), "tokenizer to write");
  const Words w = parse_words("make-model", args, desc);
  if (w.has("help")) return help(describe(desc));
  refuse_positional("make-model", w);
  Command c;
  c.kind = CommandKind::MakeModel;
  MakeModelOptions& opt = c.make_model;
  llama::ModelConfig& m = opt.model;
  // 2^20 each keeps every product of ModelConfig::weight_floats() within 64 bits; the size limit
  // below is the real bound.
  constexpr uint64_t kMaxDimension = 1u << 20;
  const auto dimension = [&](const char* name) {
    return static_cast<int32_t>(integer(std::string("--") + name, w.text(name), 1, kMaxDimension));
  };
  m.dim = dimension("dim");
  m.hidden_dim = dimension("hidden-dim");
  m.n_layers = dimension("layers");
  m.n_heads = dimension("heads");
  m.n_kv_heads = dimension("kv-heads");
  m.vocab_size = dimension("vocab");
  m.seq_len = dimension("seq-len");
  m.shared_classifier = !w.vm["separate-classifier"].as<bool>();
  m.validate();
  if (m.weight_floats() > (kMaxMakeModelBytes - 28) / 4)
    throw UsageError("make-model: a model of dim " + std::to_string(m.dim) + ", hidden-dim " + std::to_string(m.hidden_dim) +
                     ", " + std::to_string(m.n_layers) + " layers and a vocabulary of " + std::to_string(m.vocab_size) + " takes " +
                     std::to_string(m.weight_floats() * 4 + 28) + " bytes, more than the " +
                     std::to_string(kMaxMakeModelBytes >> 30) + " GiB make-model generates");
  opt.seed = integer("--seed", w.text("seed"), 0, UINT64_MAX);
  opt.out_path = path(w, "out");
  opt.tokenizer_path = path(w, "tokenizer");
  return c;
}

Command parse_study(const std::vector<std::string>& args) {
  po::options_description desc("wafervp study edge-vs-optical options (every other option goes to each `wafervp decode` run)");
  desc.add_options()("help,h", "this help")
      ("contexts", po::value<std::string>()->default_value("8,16,32"), "context lengths (positions decoded), comma-separated")
      ("wafers", po::value<std::string>()->default_value("4"), "wafers of the pipelined cases")
      ("edge-serdes", po::value<std::string>()->default_value("12"), "serdes.count of the edge cases")
      ("kv-window", po::value<std::string>()->default_value("0"), "decode.kv_window of the KV-offload cases (0: as many positions as fit)")
      ("positions", po::value<std::string>()->default_value("0"),
       "positions decoded at each context, its last ones (--start-position: needs --shape); 0: all of them")
      ("out", po::value<std::string>()->default_value("."), "directory for the CSV, the charts and each run's files")
      ("jobs", po::value<std::string>()->default_value("1"), "decode runs at a time, 1 to 256");
  if (args.empty() || args[0] != "edge-vs-optical")
    throw UsageError("study: the study to run is " + (args.empty() ? std::string("missing") : "unknown: " + wvp::quoted(args[0])) +
                     " (studies: edge-vs-optical)");
  Command c;
  c.kind = CommandKind::Study;
  StudyOptions& opt = c.study;
  po::variables_map vm;
  try {
    const po::parsed_options parsed =
        po::command_line_parser(std::vector<std::string>(args.begin() + 1, args.end())).options(desc).allow_unregistered().run();
    po::store(parsed, vm);
    if (vm.count("help")) return help(std::string(kUsage) + describe(desc));
    po::notify(vm);
    opt.decode_args = po::collect_unrecognized(parsed.options, po::include_positional);
  } catch (const po::error& e) {
    throw usage_error("study", e);
  }
  opt.contexts.clear();
  std::istringstream in(vm["contexts"].as<std::string>());
  for (std::string context; std::getline(in, context, ',');)
    opt.contexts.push_back(static_cast<uint32_t>(integer("--contexts", context, 1, 1u << 20)));
  if (opt.contexts.empty()) throw UsageError("--contexts: no context length given");
  opt.wafers = static_cast<uint32_t>(integer("--wafers", vm["wafers"].as<std::string>(), 2, 1024));
  opt.jobs = static_cast<unsigned>(integer("--jobs", vm["jobs"].as<std::string>(), 1, kMaxJobs));
  opt.edge_serdes = vm["edge-serdes"].as<std::string>();
  opt.kv_window = vm["kv-window"].as<std::string>();
  const uint32_t shortest = *std::min_element(opt.contexts.begin(), opt.contexts.end());
  opt.positions = static_cast<uint32_t>(integer("--positions", vm["positions"].as<std::string>(), 0, 1u << 20));
  if (opt.positions > shortest)
    throw UsageError("--positions " + std::to_string(opt.positions) + ": more than the shortest context, " + std::to_string(shortest));
  PlatformConfig scratch;
  set_config_value(scratch, "serdes.count", opt.edge_serdes, "--edge-serdes");
  set_config_value(scratch, "decode.kv_window", opt.kv_window, "--kv-window");
  opt.out_dir = vm["out"].as<std::string>();
  if (opt.out_dir.empty()) throw UsageError("--out: empty path");
  // Every run gets these options: bad ones are refused now, not by each run in turn.
  std::vector<std::string> decode_args = opt.decode_args;
  const uint32_t longest = *std::max_element(opt.contexts.begin(), opt.contexts.end());
  decode_args.insert(decode_args.end(), {"--steps", std::to_string(longest)});
  if (opt.positions) decode_args.insert(decode_args.end(), {"--start-position", std::to_string(longest - opt.positions)});
  try {
    parse_decode(decode_args);
  } catch (const std::runtime_error& e) {
    throw UsageError(std::string("study: the options of its decode runs: ") + e.what());
  }
  return c;
}

// Creates the file `path` if it is not there, to learn whether it can be written; removes what it
// created. "" if writable, else why not.
std::string unwritable_file(const std::string& path) {
  struct stat st;
  const bool existed = ::stat(path.c_str(), &st) == 0;
  if (existed && S_ISDIR(st.st_mode)) return "is a directory";
  const int fd = ::open(path.c_str(), O_WRONLY | O_CREAT | O_CLOEXEC | O_NOCTTY | O_NONBLOCK, 0666);
  if (fd < 0) return std::strerror(errno);
  ::close(fd);
  if (!existed) ::unlink(path.c_str());
  return "";
}

std::string unwritable_folder(const std::string& path) {
  struct stat st;
  if (::stat(path.c_str(), &st) != 0) return std::strerror(errno);
  if (!S_ISDIR(st.st_mode)) return "not a directory";
  // access() says yes to root on a read-only file system; a file made there does not lie.
  std::string probe = path + "/.wafervp_write_check_XXXXXX";
  const int fd = ::mkstemp(probe.data());
  if (fd < 0) return std::strerror(errno);
  ::close(fd);
  ::unlink(probe.c_str());
  return "";
}

}  // namespace

template <typename... Types>
bool is_one_of(const std::exception& e) {
  return (... || (dynamic_cast<const Types*>(&e) != nullptr));
}

int exit_code_of(const std::exception& e) {
  if (is_one_of<FabricDeadlock>(e)) return Wafer::kExitDeadlock;
  if (is_one_of<UsageError, ConfigError, ElfError, LoadError, llama::ModelError, FabricError, CheckpointError, std::invalid_argument>(e))
    return Wafer::kExitBadInput;
  return Wafer::kExitInternal;
}

Command parse_command(const std::vector<std::string>& args) {
  if (args.empty()) throw UsageError("no command given (commands: run, decode, noc, config, make-model, study; wafervp --help)");
  const std::string& name = args[0];
  const std::vector<std::string> rest(args.begin() + 1, args.end());
  if (name == "run") return parse_run(rest);
  if (name == "decode") return parse_decode(rest);
  if (name == "noc") return parse_noc(rest);
  if (name == "config") return parse_config(rest);
  if (name == "make-model") return parse_make_model(rest);
  if (name == "study") return parse_study(rest);
  if (name == "-h" || name == "--help" || name == "help") return help(kUsage);
  throw UsageError("unknown command " + wvp::quoted(name) + " (commands: run, decode, noc, config, make-model, study)");
}

std::vector<Output> outputs(const Command& c) {
  std::vector<Output> out;
  const auto file = [&out](const char* option, const std::string& path) {
    if (!path.empty()) out.push_back({option, path, false});
  };
  const auto rtl_folder = [&out](const PlatformConfig& config) {
    if (!config.rtl_fst_dir.empty()) out.push_back({"rtl.fst_dir (--rtl-fst)", config.rtl_fst_dir, true});
  };
  switch (c.kind) {
    case CommandKind::Run:
      file("--stats", c.run.stats_path);
      file("--heatmap", c.run.heatmap_path);
      file("--activity-map", c.run.activity_map_path);
      file("--trace", c.run.trace_path);
      file("--trace-insn-file", c.run.insn_trace_path);
      file("--post-mortem", c.run.post_mortem_path);
      file("--dump", c.run.dump_path);
      file("--signature", c.run.signature_path);
      for (const CoreDumpRequest& dump : c.run.core_dumps) file("--core-dump", dump.path);
      file("--profile", c.run.profile_path);
      file("--profile-folded", c.run.profile_folded_path);
      file("--checkpoint-at", c.run.checkpoint.path);
      rtl_folder(c.run.config);
      break;
    case CommandKind::Decode:
      file("--stats", c.decode.stats_path);
      file("--trace", c.decode.trace_path);
      file("--checkpoint-at", c.decode.checkpoint.path);
      rtl_folder(c.decode.config);
      break;
    case CommandKind::Noc:
      file("--json", c.noc.json_path);
      file("--heatmap", c.noc.heatmap_path);
      file("--csv", c.noc.csv_path);
      file("--plot", c.noc.plot_path);
      file("--checkpoint-at", c.noc.checkpoint.path);
      break;
    case CommandKind::MakeModel:
      file("--out", c.make_model.out_path);
      file("--tokenizer", c.make_model.tokenizer_path);
      break;
    case CommandKind::Study:
      out.push_back({"--out", c.study.out_dir, true});
      break;
    case CommandKind::Help:
    case CommandKind::Config:
      break;
  }
  return out;
}

void check_resources(const Command& command) {
  for (const Output& o : outputs(command)) {
    const std::string why = o.folder ? unwritable_folder(o.path) : unwritable_file(o.path);
    if (!why.empty())
      throw UsageError(o.option + " " + wvp::quoted(o.path) + ": cannot write " + (o.folder ? "into it" : "it") + " (" + why + ")");
  }
  if (command.kind == CommandKind::Run && command.run.gdb) {
    const GdbOptions& gdb = *command.run.gdb;
    try {
      check_listen(gdb.bind_address, gdb.port);
    } catch (const std::runtime_error& e) {
      throw UsageError("--gdb " + std::to_string(gdb.port) + ": " + e.what());
    }
  }
}

}  // namespace wvp
