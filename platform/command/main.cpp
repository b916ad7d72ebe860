// The `wafervp` command.
#include <unistd.h>

#include <algorithm>
#include <cstdlib>
#include <fstream>
#include <iostream>
#include <sstream>

#include <boost/program_options.hpp>
#include <systemc>

#include "platform/command/decode.h"
#include "platform/host/elf_loader.h"
#include "platform/report/fabric_report.h"
#include "platform/llama/checkpoint.h"
#include "platform/llama/tokenizer.h"
#include "platform/studies/noc_study.h"
#include "platform/report/off_wafer_io.h"
#include "platform/command/run.h"
#include "platform/report/svg_plot.h"
#include "platform/studies/system_study.h"
#include "platform/assembly/wafer.h"

namespace po = boost::program_options;

namespace {

constexpr const char* kUsage =
    "usage: wafervp run [options] ELF\n"
    "       wafervp noc [options]   (synthetic traffic on the fabric, no cores)\n"
    "       wafervp config [--config FILE] [--set KEY=VALUE]...  (every config key with its value, and the off-wafer I/O)\n"
    "       wafervp make-model [options] --out M.bin --tokenizer T.bin   (a deterministic test model)\n"
    "       wafervp decode --model M.bin --tokenizer T.bin --prompt TEXT [options]   (LLM decode on the grid)\n"
    "       wafervp study edge-vs-optical [study options] [decode options]   (one wafer, wafers over edge SerDes, over optical Z ports)\n";

// Options every command that builds a platform takes.
void add_config_options(po::options_description& desc) {
  desc.add_options()("config", po::value<std::string>(), "YAML config file (see `wafervp config`)")
      ("grid", po::value<std::string>(), "grid size WxH, overrides grid.width/height")
      ("set", po::value<std::vector<std::string>>()->composing(), "KEY=VALUE config override (repeatable)")
      ("rtl", po::value<std::vector<std::string>>()->composing(), "BLOCK@X,Y: that tile's block is its Verilated RTL twin, e.g. router@3,4 or router@*,* (repeatable; adds to rtl.swap)")
      ("rtl-fst", po::value<std::string>(), "directory for the RTL twins' FST waveforms, overrides rtl.fst_dir");
}

// Config file, then --grid, then --set, then --rtl, in that order of precedence.
void apply_config_options(const po::variables_map& vm, wvp::PlatformConfig& config) {
  if (vm.count("config")) wvp::load_config_file(config, vm["config"].as<std::string>());
  if (vm.count("grid")) wvp::parse_grid(vm["grid"].as<std::string>(), config.grid_width, config.grid_height);
  if (vm.count("set")) {
    for (const std::string& kv : vm["set"].as<std::vector<std::string>>()) {
      const size_t eq = kv.find('=');
      if (eq == std::string::npos) throw wvp::ConfigError("--set: expected KEY=VALUE, got '" + kv + "'");
      wvp::set_config_value(config, kv.substr(0, eq), kv.substr(eq + 1), "--set " + kv.substr(0, eq));
    }
  }
  if (vm.count("rtl"))
    for (const std::string& swap : vm["rtl"].as<std::vector<std::string>>()) config.rtl.push_back(wvp::parse_rtl_swap(swap, "--rtl"));
  if (vm.count("rtl-fst")) config.rtl_fst_dir = vm["rtl-fst"].as<std::string>();
}

// Bad input (files, config, options, models) ends a command with one line naming the problem
// and exit code 2; `wafervp COMMAND --help` shows the options.
int bad(const std::exception& e) {
  std::cerr << "wafervp: error: " << e.what() << "\n";
  return wvp::Wafer::kExitBadInput;
}

// Runs a command's body, turning bad input into bad()'s line.
template <typename Body>
int reporting_bad_input(Body&& body) {
  try {
    return body();
  } catch (const wvp::ConfigError& e) {
    return bad(e);
  } catch (const wvp::ElfError& e) {
    return bad(e);
  } catch (const wvp::LoadError& e) {
    return bad(e);
  } catch (const std::invalid_argument& e) {
    return bad(e);
  } catch (const wvp::FabricError& e) {
    return bad(e);
  } catch (const wvp::llama::ModelError& e) {
    return bad(e);
  } catch (const po::error& e) {
    return bad(e);
  }
}

int cmd_config(int argc, char** argv) {
  po::options_description desc("wafervp config options");
  desc.add_options()("help,h", "this help");
  add_config_options(desc);
  return reporting_bad_input([&] {
    po::variables_map vm;
    po::store(po::command_line_parser(argc, argv).options(desc).run(), vm);
    po::notify(vm);
    if (vm.count("help")) {
      std::cout << desc;
      return 0;
    }
    wvp::PlatformConfig config;
    apply_config_options(vm, config);
    wvp::validate_config(config);
    for (const wvp::ConfigKey& k : wvp::config_values(config))
      std::cout << k.key << " = " << k.default_value << "    # " << k.help << "\n";
    if (config.serdes.count) std::cout << "# " << wvp::describe(wvp::off_wafer_io(config)) << "\n";
    return 0;
  });
}

int cmd_run(int argc, char** argv) {
  po::options_description desc("wafervp run options");
  desc.add_options()("help,h", "this help");
  add_config_options(desc);
  desc.add_options()("quantum", po::value<std::string>(), "quantum in cycles, overrides sim.quantum_cycles")
      ("max-cycles", po::value<std::string>(), "cycle limit, overrides sim.max_cycles")
      ("gdb", po::value<uint16_t>(), "wait for GDB on this TCP port before the first instruction")
      ("gdb-bind", po::value<std::string>()->default_value("127.0.0.1"), "address the GDB server binds to")
      ("gdb-cores", po::value<std::string>(), "expose only cores X0,Y0:WxH as GDB threads")
      ("stats", po::value<std::string>(), "write stats JSON to this file")
      ("heatmap", po::value<std::string>(), "draw the fabric's link utilisation as SVG")
      ("trace", po::value<std::string>(), "write the firmware's phases as a Chrome/Perfetto trace (JSON)")
      ("model", po::value<std::string>(), "llama2.c checkpoint to shard into every core's model region")
      ("poke", po::value<std::vector<std::string>>()->composing(), "SYMBOL=VALUE: write a 32-bit word at an ELF symbol in every tile (repeatable)")
      ("signature", po::value<std::string>(), "dump PE (0,0)'s begin_signature..end_signature words to this file")
      ("flip", po::value<std::vector<std::string>>()->composing(), "X,Y:ADDR:BIT[:BIT2]: flip stored bits of an SRAM word of PE (X,Y) before the run, ADDR a number or ELF symbol, bits 0-31 data, 32-38 check (needs sram.ecc; repeatable)")
      ("elf", po::value<std::string>(), "firmware ELF");
  po::positional_options_description pos;
  pos.add("elf", 1);
  po::variables_map vm;
  try {
    po::store(po::command_line_parser(argc, argv).options(desc).positional(pos).run(), vm);
    po::notify(vm);
  } catch (const po::error& e) {
    return bad(e);
  }
  if (vm.count("help")) {
    std::cout << kUsage << desc;
    return 0;
  }
  if (!vm.count("elf")) {
    std::cerr << "wafervp: error: no ELF given\n" << kUsage;
    return wvp::Wafer::kExitBadInput;
  }
  wvp::RunOptions opt;
  opt.elf_path = vm["elf"].as<std::string>();
  return reporting_bad_input([&] {
    apply_config_options(vm, opt.config);
    if (vm.count("quantum")) wvp::set_config_value(opt.config, "sim.quantum_cycles", vm["quantum"].as<std::string>(), "--quantum");
    if (vm.count("max-cycles")) wvp::set_config_value(opt.config, "sim.max_cycles", vm["max-cycles"].as<std::string>(), "--max-cycles");
    wvp::validate_config(opt.config);
    if (vm.count("gdb")) {
      wvp::GdbOptions gdb;
      gdb.port = vm["gdb"].as<uint16_t>();
      gdb.bind_address = vm["gdb-bind"].as<std::string>();
      if (vm.count("gdb-cores")) wvp::parse_core_window(vm["gdb-cores"].as<std::string>(), gdb);
      opt.gdb = gdb;
    }
    if (vm.count("poke")) {
      for (const std::string& kv : vm["poke"].as<std::vector<std::string>>()) {
        const size_t eq = kv.find('=');
        char* end = nullptr;
        const unsigned long long v = eq == std::string::npos ? 0 : std::strtoull(kv.c_str() + eq + 1, &end, 0);
        if (eq == std::string::npos || eq == 0 || !end || *end != '\0' || end == kv.c_str() + eq + 1 || v > 0xffffffffull)
          throw wvp::ConfigError("--poke: expected SYMBOL=VALUE with a 32-bit value, got '" + kv + "'");
        opt.pokes.emplace_back(kv.substr(0, eq), static_cast<uint32_t>(v));
      }
    }
    if (vm.count("flip"))
      for (const std::string& text : vm["flip"].as<std::vector<std::string>>()) opt.flips.push_back(wvp::parse_bit_flip(text));
    if (vm.count("stats")) opt.stats_path = vm["stats"].as<std::string>();
    if (vm.count("heatmap")) opt.heatmap_path = vm["heatmap"].as<std::string>();
    if (vm.count("trace")) opt.trace_path = vm["trace"].as<std::string>();
    if (vm.count("model")) opt.model_path = vm["model"].as<std::string>();
    if (vm.count("signature")) opt.signature_path = vm["signature"].as<std::string>();
    return wvp::run_platform(opt, std::cout, std::cerr);
  });
}

// The link-utilisation heat map of one study point.
std::string heatmap_svg(const wvp::NocResult& r) {
  return wvp::link_heatmap_svg(r.width, r.height, r.link_utilisation,
                               "link utilisation at offered load " + std::to_string(r.offered));
}

void write_text(const std::string& path, const std::string& text) {
  std::ofstream out(path);
  out << text << "\n";
  if (!out) throw std::runtime_error(path + ": cannot write");
}

int cmd_noc(int argc, char** argv) {
  po::options_description desc("wafervp noc options (study settings are the noc.* and fabric.* config keys)");
  desc.add_options()("help,h", "this help");
  add_config_options(desc);
  desc.add_options()("json", po::value<std::string>(), "write the result (or the sweep) as JSON to this file")
      ("heatmap", po::value<std::string>(), "draw link utilisation of the wafer as SVG")
      ("sweep", "sweep the offered load instead of one run at noc.injection_rate")
      ("sweep-step", po::value<double>()->default_value(0.05), "sweep: rate step (flits/node/cycle)")
      ("sweep-max", po::value<double>()->default_value(1.0), "sweep: highest rate tried")
      ("sweep-refine", po::value<int>()->default_value(4), "sweep: bisection steps at saturation")
      ("csv", po::value<std::string>(), "sweep: write the latency-vs-load table as CSV")
      ("plot", po::value<std::string>(), "sweep: draw the latency-vs-load curve as SVG");
  po::variables_map vm;
  try {
    po::store(po::command_line_parser(argc, argv).options(desc).run(), vm);
    po::notify(vm);
  } catch (const po::error& e) {
    return bad(e);
  }
  if (vm.count("help")) {
    std::cout << desc;
    return 0;
  }
  wvp::PlatformConfig config;
  try {
    apply_config_options(vm, config);
    wvp::validate_config(config);
    const wvp::NocParams& noc = config.noc;
    const wvp::FabricParams fabric = wvp::noc_fabric_params(config.fabric, noc, config.grid_width, config.grid_height);
    std::cout << "noc: " << config.grid_width << "x" << config.grid_height << " mesh, " << wvp::pipeline_name(fabric.pipeline)
              << " routers, " << wvp::routing_name(noc.routing) << " routing, " << noc.vcs << " VCs x "
              << noc.buffer_depth_flits << " flits, " << wvp::traffic_name(noc.pattern) << " traffic, "
              << noc.packet_flits << "-flit packets\n";
    if (!vm.count("sweep")) {
      const wvp::NocResult r = wvp::run_noc(fabric, noc);
      std::cout << "offered " << r.offered << " (generated " << r.generated << ") accepted " << r.accepted << " flits/node/cycle; latency avg "
                << r.latency_avg << " p50 " << r.latency_p50 << " p99 " << r.latency_p99 << " cycles ("
                << r.packets_measured << " packets measured" << (r.drained ? "" : ", DID NOT DRAIN: saturated") << ")\n"
                << "speed: " << r.flit_hops << " flit-hops in " << r.host_seconds << " s = "
                << (r.host_seconds > 0 ? r.flit_hops / r.host_seconds / 1e6 : 0) << " M flit-hops/s\n";
      if (vm.count("json")) write_text(vm["json"].as<std::string>(), wvp::noc_result_json(r, true));
      if (vm.count("heatmap")) wvp::svg::write_file(vm["heatmap"].as<std::string>(), heatmap_svg(r));
      return 0;
    }
    const wvp::SweepResult s = wvp::sweep_noc(fabric, noc, vm["sweep-step"].as<double>(), vm["sweep-max"].as<double>(),
                                              vm["sweep-refine"].as<int>(), &std::cout);
    std::cout << "zero-load latency " << s.zero_load_latency << " cycles; saturation at " << s.saturation_rate
              << " flits/node/cycle = " << 100 * s.saturation_rate / s.channel_load_bound << "% of the channel-load bound "
              << s.channel_load_bound << "\n";
    if (vm.count("csv")) wvp::write_sweep_csv(vm["csv"].as<std::string>(), s);
    if (vm.count("json")) write_text(vm["json"].as<std::string>(), wvp::sweep_json(s));
    if (vm.count("plot")) {
      wvp::svg::LineChart chart;
      chart.title = std::string("latency vs offered load: ") + wvp::traffic_name(noc.pattern) + ", " +
                    wvp::routing_name(noc.routing) + ", " + wvp::pipeline_name(fabric.pipeline);
      chart.x_label = "offered load (flits/node/cycle)";
      chart.y_label = "packet latency (cycles)";
      wvp::svg::Series avg{"average", {}}, p99{"p99", {}};
      for (const wvp::NocResult& r : s.points) {
        avg.points.emplace_back(r.offered, r.latency_avg);
        p99.points.emplace_back(r.offered, r.latency_p99);
      }
      chart.series = {avg, p99};
      chart.y_max = 6 * s.zero_load_latency;
      chart.x_markers = {{s.channel_load_bound, "channel-load bound"}, {s.saturation_rate, "saturation"}};
      wvp::svg::write_file(vm["plot"].as<std::string>(), wvp::svg::line_chart(chart));
    }
    if (vm.count("heatmap") && !s.points.empty())
      wvp::svg::write_file(vm["heatmap"].as<std::string>(), heatmap_svg(s.points[s.heat_point]));
    return 0;
  } catch (const wvp::FabricDeadlock& e) {
    bad(e);
    return wvp::Wafer::kExitDeadlock;
  } catch (const std::runtime_error& e) {
    return bad(e);
  }
}

int cmd_decode(int argc, char** argv) {
  po::options_description desc("wafervp decode options");
  wvp::DecodeOptions opt;
  desc.add_options()("help,h", "this help");
  add_config_options(desc);
  desc.add_options()("model", po::value<std::string>(&opt.model_path)->required(), "llama2.c checkpoint")
      ("tokenizer", po::value<std::string>(&opt.tokenizer_path)->required(), "llama2.c tokenizer")
      ("prompt", po::value<std::vector<std::string>>(&opt.prompts)->required(),
       "text to continue; repeat it to give each sequence of decode.micro_batches its own")
      ("steps", po::value<uint32_t>(&opt.steps)->default_value(32), "positions to run, prompt included")
      ("temperature", po::value<float>(&opt.temperature)->default_value(0.0f), "0: greedy")
      ("topp", po::value<float>(&opt.topp)->default_value(0.9f), "nucleus sampling mass (0 or 1: all tokens)")
      ("seed", po::value<uint64_t>(&opt.seed)->default_value(1), "sampling seed")
      ("firmware", po::value<std::string>(&opt.firmware_path), "decode ELF (default: the build's sw/decode.elf)")
      ("stats", po::value<std::string>(&opt.stats_path), "write stats JSON to this file")
      ("trace", po::value<std::string>(&opt.trace_path), "write each core's phases as a Chrome/Perfetto trace (JSON)");
  po::variables_map vm;
  try {
    po::store(po::parse_command_line(argc, argv, desc), vm);
    if (vm.count("help")) {
      std::cout << kUsage << desc;
      return 0;
    }
    po::notify(vm);
  } catch (const po::error& e) {
    return bad(e);
  }
  return reporting_bad_input([&] {
    apply_config_options(vm, opt.config);
    wvp::validate_config(opt.config);
    return wvp::run_decode(opt, std::cout, std::cerr);
  });
}

int cmd_study(int argc, char** argv) {
  po::options_description desc("wafervp study edge-vs-optical options (every other option goes to each `wafervp decode` run)");
  wvp::StudyOptions opt;
  std::string contexts;
  desc.add_options()("help,h", "this help")
      ("contexts", po::value<std::string>(&contexts)->default_value("8,16,32"), "context lengths (positions decoded), comma-separated")
      ("wafers", po::value<uint32_t>(&opt.wafers)->default_value(4), "wafers of the pipelined cases")
      ("edge-serdes", po::value<std::string>(&opt.edge_serdes)->default_value("12"), "serdes.count of the edge cases")
      ("kv-window", po::value<std::string>(&opt.kv_window)->default_value("0"), "decode.kv_window of the KV-offload cases (0: as many positions as fit)")
      ("out", po::value<std::string>(&opt.out_dir)->default_value("."), "directory for the CSV, the charts and each run's files");
  try {
    if (argc < 2 || std::string(argv[1]) != "edge-vs-optical")
      throw po::error("the study to run is missing or unknown (studies: edge-vs-optical)");
    const po::parsed_options parsed = po::command_line_parser(argc - 1, argv + 1).options(desc).allow_unregistered().run();
    po::variables_map vm;
    po::store(parsed, vm);
    if (vm.count("help")) {
      std::cout << kUsage << desc;
      return 0;
    }
    po::notify(vm);
    opt.decode_args = po::collect_unrecognized(parsed.options, po::include_positional);
    opt.contexts.clear();
    std::istringstream in(contexts);
    for (std::string c; std::getline(in, c, ',');) {
      const bool digits = !c.empty() && c.size() < 8 && c.find_first_not_of("0123456789") == std::string::npos;
      const unsigned long v = digits ? std::stoul(c) : 0;
      if (v == 0 || v > 1u << 20) throw po::error("--contexts: '" + c + "' is not a context length");
      opt.contexts.push_back(static_cast<uint32_t>(v));
    }
    if (opt.wafers < 2) throw po::error("--wafers must be at least 2 (the pipelined cases)");
  } catch (const std::exception& e) {
    return bad(e);
  }
  char self[4096];
  const ssize_t n = readlink("/proc/self/exe", self, sizeof self - 1);
  if (n <= 0) {
    std::cerr << "wafervp: error: cannot find this program's path (/proc/self/exe)\n";
    return wvp::Wafer::kExitBadInput;
  }
  opt.wafervp.assign(self, static_cast<size_t>(n));
  const std::vector<wvp::StudyPoint> points = wvp::run_edge_vs_optical(opt, std::cout);
  return std::all_of(points.begin(), points.end(), [](const wvp::StudyPoint& p) { return p.ok; }) ? 0 : 1;
}

int cmd_make_model(int argc, char** argv) {
  namespace llama = wvp::llama;
  po::options_description desc("wafervp make-model options (llama2.c checkpoint and tokenizer)");
  llama::ModelConfig c;
  uint64_t seed = 1;
  bool separate = false;
  desc.add_options()("help,h", "this help")
      ("dim", po::value<int32_t>(&c.dim)->default_value(64), "transformer width")
      ("hidden-dim", po::value<int32_t>(&c.hidden_dim)->default_value(172), "FFN width")
      ("layers", po::value<int32_t>(&c.n_layers)->default_value(2), "layers")
      ("heads", po::value<int32_t>(&c.n_heads)->default_value(4), "query heads")
      ("kv-heads", po::value<int32_t>(&c.n_kv_heads)->default_value(2), "key/value heads")
      ("vocab", po::value<int32_t>(&c.vocab_size)->default_value(512), "vocabulary size (at least 354)")
      ("seq-len", po::value<int32_t>(&c.seq_len)->default_value(32), "context length")
      ("seed", po::value<uint64_t>(&seed)->default_value(1), "weights seed")
      ("separate-classifier", po::bool_switch(&separate), "store a classifier apart from the embedding")
      ("out", po::value<std::string>()->required(), "checkpoint to write")
      ("tokenizer", po::value<std::string>()->required(), "tokenizer to write");
  po::variables_map vm;
  try {
    po::store(po::parse_command_line(argc, argv, desc), vm);
    if (vm.count("help")) {
      std::cout << desc;
      return 0;
    }
    po::notify(vm);
    c.shared_classifier = !separate;
    // Both are made before either is written: bad dimensions leave no half-written pair.
    const llama::Model model = llama::generate_model(c, seed);
    const llama::Tokenizer tokenizer = llama::generate_tokenizer(c.vocab_size);
    llama::write_checkpoint(vm["out"].as<std::string>(), model);
    tokenizer.write(vm["tokenizer"].as<std::string>());
  } catch (const po::error& e) {
    return bad(e);
  } catch (const llama::ModelError& e) {
    return bad(e);
  }
  return 0;
}

}  // namespace

int sc_main(int argc, char** argv) {
  // sc_stop() is how every run ends; it is not news.
  sc_core::sc_report_handler::set_actions("/OSCI/SystemC", sc_core::SC_INFO, sc_core::SC_DO_NOTHING);
  if (argc < 2) {
    std::cerr << kUsage;
    return wvp::Wafer::kExitBadInput;
  }
  const std::string cmd = argv[1];
  if (cmd == "run") return cmd_run(argc - 1, argv + 1);
  if (cmd == "noc") return cmd_noc(argc - 1, argv + 1);
  if (cmd == "config") return cmd_config(argc - 1, argv + 1);
  if (cmd == "make-model") return cmd_make_model(argc - 1, argv + 1);
  if (cmd == "decode") return cmd_decode(argc - 1, argv + 1);
  if (cmd == "study") return cmd_study(argc - 1, argv + 1);
  if (cmd == "-h" || cmd == "--help" || cmd == "help") {
    std::cout << kUsage;
    return 0;
  }
  std::cerr << "wafervp: error: unknown command '" << cmd << "'\n" << kUsage;
  return wvp::Wafer::kExitBadInput;
}

// SystemC prints its banner before sc_main unless told not to, and it would land in every
// console transcript.
int main(int argc, char** argv) {
  setenv("SYSTEMC_DISABLE_COPYRIGHT_MESSAGE", "1", 0);
  return sc_core::sc_elab_and_sim(argc, argv);
}
