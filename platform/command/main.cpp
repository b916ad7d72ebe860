// The `wafervp` command: parses the command line (options.h), checks what it will write, and
// dispatches. Every exception ends here as one line on stderr: bad input is exit code 2, anything
// else an internal error, exit code 6 (README, "Exit codes").
#include <unistd.h>

#include <algorithm>
#include <cstdlib>
#include <cstring>
#include <fstream>
#include <iostream>
#include <optional>

#include <systemc>

#include "engine/rank_sync.h"
#include "platform/assembly/wafer.h"
#include "platform/command/decode.h"
#include "platform/command/options.h"
#include "platform/command/run.h"
#include "platform/host/elf_loader.h"
#include "platform/llama/checkpoint.h"
#include "platform/llama/tokenizer.h"
#include "platform/report/fabric_report.h"
#include "platform/report/off_wafer_io.h"
#include "platform/report/svg_plot.h"
#include "platform/studies/noc_study.h"
#include "platform/studies/system_study.h"
#include "platform/support/quoted.h"

namespace {

int show_config(const wvp::PlatformConfig& config) {
  for (const wvp::ConfigKey& k : wvp::config_values(config))
    std::cout << k.key << " = " << k.default_value << "    # " << k.help << "\n";
  if (config.serdes.count) std::cout << "# " << wvp::describe(wvp::off_wafer_io(config)) << "\n";
  return 0;
}

// The link-utilisation heat map of one study point.
std::string heatmap_svg(const wvp::NocResult& r, double scale_max) {
  return wvp::link_heatmap_svg(r.width, r.height, r.link_utilisation,
                               "link utilisation at offered load " + std::to_string(r.offered), scale_max);
}

void write_text(const std::string& path, const std::string& text) {
  std::ofstream out(path);
  out << text << "\n";
  if (!out) throw std::runtime_error(path + ": cannot write");
}

int run_noc_command(const wvp::NocOptions& opt) {
  const wvp::PlatformConfig& config = opt.config;
  const wvp::NocParams& noc = config.noc;
  const wvp::FabricParams fabric = wvp::noc_fabric_params(config.fabric, noc, config.grid_width, config.grid_height);
  wvp::check_host_memory(config, wvp::noc_host_bytes_per_tile(fabric, noc));
  wvp::Log::set_levels(config.log);
  wvp::Log::set_stamp(config.grid_width, config.core_clock_hz);
  wvp::Snapshot::Identity identity;
  identity.config = wvp::checkpoint_config_text(config);
  identity.program = "the noc study";
  if (!opt.checkpoint.restore_path.empty()) wvp::open_checkpoint(opt.checkpoint.restore_path, identity);  // refused before anything is printed
  std::cout << "noc: " << config.grid_width << "x" << config.grid_height << " mesh, " << wvp::pipeline_name(fabric.pipeline)
            << " routers, " << wvp::routing_name(noc.routing) << " routing, " << noc.vcs << " VCs x "
            << noc.buffer_depth_flits << " flits, " << wvp::traffic_name(noc.pattern) << " traffic, "
            << noc.packet_flits << "-flit packets\n";
  if (!opt.sweep) {
    const wvp::NocResult r = wvp::run_noc(fabric, noc, opt.checkpoint, identity);
    if (!opt.checkpoint.path.empty())
      std::cerr << "wafervp noc: checkpoint at cycle " << wvp::Snapshot::read_identity(opt.checkpoint.path).cycle
                << " written to " << opt.checkpoint.path << "\n";
    std::cout << "offered " << r.offered << " (generated " << r.generated << ") accepted " << r.accepted << " flits/node/cycle; latency avg "
              << r.latency_avg << " p50 " << r.latency_p50 << " p99 " << r.latency_p99 << " cycles ("
              << r.packets_measured << " packets measured" << (r.drained ? "" : ", DID NOT DRAIN: saturated") << ")\n"
              << "speed: " << r.flit_hops << " flit-hops in " << r.host_seconds << " s = "
              << (r.host_seconds > 0 ? r.flit_hops / r.host_seconds / 1e6 : 0) << " M flit-hops/s\n";
    if (!opt.json_path.empty()) write_text(opt.json_path, wvp::noc_result_json(r, true));
    if (!opt.heatmap_path.empty()) wvp::svg::write_file(opt.heatmap_path, heatmap_svg(r, opt.heatmap_scale));
    return 0;
  }
  const wvp::SweepResult s = wvp::sweep_noc(fabric, noc, opt.sweep_step, opt.sweep_max, static_cast<int>(opt.sweep_refine), &std::cout, opt.jobs);
  std::cout << "zero-load latency " << s.zero_load_latency << " cycles; saturation at " << s.saturation_rate
            << " flits/node/cycle = " << 100 * s.saturation_rate / s.channel_load_bound << "% of the channel-load bound "
            << s.channel_load_bound << "\n";
  if (!opt.csv_path.empty()) wvp::write_sweep_csv(opt.csv_path, s);
  if (!opt.json_path.empty()) write_text(opt.json_path, wvp::sweep_json(s));
  if (!opt.plot_path.empty()) {
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
    wvp::svg::write_file(opt.plot_path, wvp::svg::line_chart(chart));
  }
  if (!opt.heatmap_path.empty() && !s.points.empty()) wvp::svg::write_file(opt.heatmap_path, heatmap_svg(s.points[s.heat_point], opt.heatmap_scale));
  return 0;
}

int run_study_command(wvp::StudyOptions opt) {
  char self[4096];
  const ssize_t n = readlink("/proc/self/exe", self, sizeof self - 1);
  if (n <= 0) throw std::runtime_error("cannot find this program's path (/proc/self/exe)");
  opt.wafervp.assign(self, static_cast<size_t>(n));
  const std::vector<wvp::StudyPoint> points = wvp::run_edge_vs_optical(opt, std::cout);
  const bool all_ran = std::all_of(points.begin(), points.end(), [](const wvp::StudyPoint& p) { return p.ok; });
  return all_ran ? 0 : wvp::kExitReferenceMismatch;
}

int make_model(const wvp::MakeModelOptions& opt) {
  namespace llama = wvp::llama;
  // Both are made before either is written, the tokenizer first, since it is quick to refuse a
  // vocabulary: bad dimensions leave no half-written pair.
  const llama::Tokenizer tokenizer = llama::generate_tokenizer(opt.model.vocab_size);
  const llama::Model model = llama::generate_model(opt.model, opt.seed);
  llama::write_checkpoint(opt.out_path, model);
  tokenizer.write(opt.tokenizer_path);
  return 0;
}

int execute(const wvp::Command& c) {
  const bool distributable = c.kind == wvp::CommandKind::Run || c.kind == wvp::CommandKind::Decode;
  if (wvp::RankSync::world().ranks() > 1 && !distributable)
    throw wvp::UsageError("only run and decode split a system over MPI ranks; run this command as one process "
                          "(noc and study take --jobs N for parallel points)");
  switch (c.kind) {
    case wvp::CommandKind::Help: std::cout << c.help; return 0;
    case wvp::CommandKind::Run: return wvp::run_platform(c.run, std::cout, std::cerr);
    case wvp::CommandKind::Decode: return wvp::run_decode(c.decode, std::cout, std::cerr);
    case wvp::CommandKind::Noc: return run_noc_command(c.noc);
    case wvp::CommandKind::Config: return show_config(c.config);
    case wvp::CommandKind::MakeModel: return make_model(c.make_model);
    case wvp::CommandKind::Study: return run_study_command(c.study);
  }
  return wvp::Wafer::kExitInternal;
}

// mpirun starts every rank as a copy of this program. In a build without MPI each copy would
// simulate the whole system by itself and print it once per rank: refused.
void refuse_mpi_ranks() {
  const uint64_t ranks = wvp::RankSync::launched_ranks();
  if (ranks <= 1 || wvp::RankSync::built_with_mpi()) return;
  std::string what = "started as one of ";  // appended: GCC 12 warns falsely of a literal's concatenation
  what += std::to_string(ranks) + " MPI ranks, but this wafervp was built without MPI (install libopenmpi-dev and "
          "rebuild), or run it without mpirun (--threads uses the host's cores)";
  throw wvp::UsageError(what);
}

// Where errors go: stderr, also on ranks other than 0, whose std::cerr prints nothing (see sc_main).
std::ostream& error_stream() {
  static std::ostream stream(std::cerr.rdbuf());
  return stream;
}

int report(const std::string& what, int code) {
  wvp::RankSync& ranks = wvp::RankSync::world();
  // Bad input is refused alike by every rank: rank 0 says it. Anything else may have left the
  // other ranks waiting for this one in a window: it ends them all.
  if (ranks.rank() > 0 && code == wvp::Wafer::kExitBadInput) return code;
  if (ranks.ranks() > 1 && code != wvp::Wafer::kExitBadInput) {
    std::cout.flush();
    error_stream() << "wafervp: error (rank " << ranks.rank() << "): " << wvp::one_line(what) << std::endl;
    ranks.abort(code);
  }
  std::cout.flush();
  error_stream() << (code == wvp::Wafer::kExitInternal ? "wafervp: internal error: " : "wafervp: error: ") << wvp::one_line(what) << std::endl;
  return code;
}

}  // namespace

int sc_main(int argc, char** argv) {
  // sc_stop() is how every run ends; it is not news.
  sc_core::sc_report_handler::set_actions("/OSCI/SystemC", sc_core::SC_INFO, sc_core::SC_DO_NOTHING);
  wvp::Log::route_systemc_reports();
  // Finalised after the catch blocks' report: MPI_Finalize waits for every rank, so the other
  // ranks, quiet about bad input, do not exit (and have mpirun end the job) before rank 0 has
  // said what was wrong.
  struct Mpi {
    Mpi(int& argc, char**& argv) { wvp::RankSync::init(argc, argv); }
    ~Mpi() { wvp::RankSync::finalize(); }
  };
  std::optional<Mpi> mpi;
  try {
    refuse_mpi_ranks();
    mpi.emplace(argc, argv);
    // Rank 0 prints what a single process would; the other ranks' console lines and errors
    // reach it (run_platform), and their own printing goes nowhere.
    error_stream();
    if (wvp::RankSync::world().rank() > 0) std::cout.rdbuf(nullptr), std::cerr.rdbuf(nullptr);
    const wvp::Command command = wvp::parse_command(std::vector<std::string>(argv + 1, argv + argc));
    wvp::check_resources(command);
    return execute(command);
  } catch (const sc_core::sc_report& e) {
    // An exception thrown in a SystemC process reaches here wrapped; its message is the original's.
    return report(e.get_msg(), wvp::Wafer::kExitInternal);
  } catch (const std::exception& e) {
    return report(e.what(), wvp::exit_code_of(e));
  } catch (...) {
    return report("an exception that is no std::exception", wvp::Wafer::kExitInternal);
  }
}

// SystemC prints its banner before sc_main unless told not to, and it would land in every
// console transcript.
int main(int argc, char** argv) {
  setenv("SYSTEMC_DISABLE_COPYRIGHT_MESSAGE", "1", 0);
  return sc_core::sc_elab_and_sim(argc, argv);
}
