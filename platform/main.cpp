// The `wafervp` command.
#include <cstdlib>
#include <iostream>

#include <boost/program_options.hpp>
#include <systemc>

#include "platform/elf_loader.h"
#include "platform/run.h"
#include "platform/wafer.h"

namespace po = boost::program_options;

namespace {

constexpr const char* kUsage =
    "usage: wafervp run [options] ELF\n"
    "       wafervp config        (print every config key with its default)\n";

int cmd_config() {
  for (const wvp::ConfigKey& k : wvp::config_keys())
    std::cout << k.key << " = " << k.default_value << "    # " << k.help << "\n";
  return 0;
}

int cmd_run(int argc, char** argv) {
  po::options_description desc("wafervp run options");
  desc.add_options()("help,h", "this help")
      ("config", po::value<std::string>(), "YAML config file (see `wafervp config`)")
      ("grid", po::value<std::string>(), "grid size WxH, overrides grid.width/height")
      ("quantum", po::value<std::string>(), "quantum in cycles, overrides sim.quantum_cycles")
      ("max-cycles", po::value<std::string>(), "cycle limit, overrides sim.max_cycles")
      ("set", po::value<std::vector<std::string>>()->composing(), "KEY=VALUE config override (repeatable)")
      ("gdb", po::value<uint16_t>(), "wait for GDB on this TCP port before the first instruction")
      ("gdb-bind", po::value<std::string>()->default_value("127.0.0.1"), "address the GDB server binds to")
      ("gdb-cores", po::value<std::string>(), "expose only cores X0,Y0:WxH as GDB threads")
      ("stats", po::value<std::string>(), "write stats JSON to this file")
      ("poke", po::value<std::vector<std::string>>()->composing(), "SYMBOL=VALUE: write a 32-bit word at an ELF symbol in every tile (repeatable)")
      ("signature", po::value<std::string>(), "dump PE (0,0)'s begin_signature..end_signature words to this file")
      ("elf", po::value<std::string>(), "firmware ELF");
  po::positional_options_description pos;
  pos.add("elf", 1);
  po::variables_map vm;
  try {
    po::store(po::command_line_parser(argc, argv).options(desc).positional(pos).run(), vm);
    po::notify(vm);
  } catch (const po::error& e) {
    std::cerr << "wafervp: error: " << e.what() << "\n" << kUsage;
    return wvp::Wafer::kExitBadInput;
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
  try {
    if (vm.count("config")) wvp::load_config_file(opt.config, vm["config"].as<std::string>());
    if (vm.count("grid")) wvp::parse_grid(vm["grid"].as<std::string>(), opt.config.grid_width, opt.config.grid_height);
    if (vm.count("quantum")) wvp::set_config_value(opt.config, "sim.quantum_cycles", vm["quantum"].as<std::string>(), "--quantum");
    if (vm.count("max-cycles")) wvp::set_config_value(opt.config, "sim.max_cycles", vm["max-cycles"].as<std::string>(), "--max-cycles");
    if (vm.count("set")) {
      for (const std::string& kv : vm["set"].as<std::vector<std::string>>()) {
        const size_t eq = kv.find('=');
        if (eq == std::string::npos) throw wvp::ConfigError("--set: expected KEY=VALUE, got '" + kv + "'");
        wvp::set_config_value(opt.config, kv.substr(0, eq), kv.substr(eq + 1), "--set " + kv.substr(0, eq));
      }
    }
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
    if (vm.count("stats")) opt.stats_path = vm["stats"].as<std::string>();
    if (vm.count("signature")) opt.signature_path = vm["signature"].as<std::string>();
    return wvp::run_platform(opt, std::cout, std::cerr);
  } catch (const wvp::ConfigError& e) {
    std::cerr << "wafervp: error: " << e.what() << "\n";
  } catch (const wvp::ElfError& e) {
    std::cerr << "wafervp: error: " << e.what() << "\n";
  } catch (const wvp::LoadError& e) {
    std::cerr << "wafervp: error: " << e.what() << "\n";
  } catch (const std::invalid_argument& e) {
    std::cerr << "wafervp: error: " << e.what() << "\n";
  }
  return wvp::Wafer::kExitBadInput;
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
  if (cmd == "config") return cmd_config();
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
