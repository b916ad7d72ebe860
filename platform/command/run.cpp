#include "platform/command/run.h"

#include <signal.h>

#include <atomic>
#include <chrono>
#include <cstring>
#include <cstdio>
#include <fstream>
#include <functional>
#include <iomanip>
#include <iterator>
#include <ostream>
#include <regex>
#include <sstream>
#include <string>
#include <vector>

#include <boost/container_hash/hash.hpp>
#include <nlohmann/json.hpp>

#include "abi/wvp/element_types.h"
#include "platform/assembly/wafer.h"
#include "platform/debug/core_file.h"
#include "platform/debug/debug_session.h"
#include "platform/host/host_load.h"
#include "platform/host/host_stream.h"
#include "platform/llama/loader.h"
#include "platform/report/activity_map.h"
#include "platform/report/fabric_report.h"
#include "platform/report/function_profile.h"
#include "platform/report/insn_trace.h"
#include "platform/report/phase_profile.h"
#include "platform/report/post_mortem.h"
#include "platform/report/run_stats.h"
#include "platform/report/svg_plot.h"
#include "platform/support/host_info.h"
#include "platform/support/input_file.h"
#include "platform/support/quoted.h"

namespace wvp {

namespace {

// Writes `path` by `write`; throws naming the file and `what` it is when it cannot.
void write_output(const std::string& path, const char* what, const std::function<void(std::ostream&)>& write) {
  std::ofstream f(path);
  if (f) write(f);
  if (!f.flush()) throw ConfigError(path + ": cannot write " + what);
}

void write_json(const std::string& path, const StreamedJson& json, const char* what) {
  write_output(path, what, [&json](std::ostream& f) {
    json.write(f, 1);
    f << "\n";
  });
}

// Every tile of a small grid; else an 8 x 8 sample spread evenly, corners included.
std::vector<uint32_t> traced_tiles(uint32_t w, uint32_t h) {
  auto spread = [](uint32_t n) {
    std::vector<uint32_t> at;
    const uint32_t k = std::min<uint32_t>(n, 8);
    for (uint32_t i = 0; i < k; ++i) at.push_back(k == 1 ? 0 : uint32_t(uint64_t(i) * (n - 1) / (k - 1)));
    return at;
  };
  std::vector<uint32_t> tiles;
  if (uint64_t{w} * h <= kTraceAllCores) {
    for (uint32_t i = 0; i < w * h; ++i) tiles.push_back(i);
  } else {
    for (uint32_t y : spread(h))
      for (uint32_t x : spread(w)) tiles.push_back(y * w + x);
  }
  return tiles;
}

struct SignatureRange {
  uint32_t begin = 0, end = 0;
};

// Checked before the run: a missing symbol is bad input, not a late surprise.
SignatureRange signature_range(const ElfImage& image) {
  const auto b = image.symbols.find("begin_signature"), e = image.symbols.find("end_signature");
  if (b == image.symbols.end() || e == image.symbols.end())
    throw LoadError(image.path + ": --signature needs the symbols begin_signature and end_signature");
  return {b->second, e->second};
}

// The riscv-arch-test convention: one 32-bit word per line, lowercase hex.
void write_signature(const std::string& path, SignatureRange range, Wafer& wafer) {
  write_output(path, "signature file", [&](std::ostream& f) {
    Core& core = wafer.core(0, 0);
    for (uint32_t a = range.begin; a + 4 <= range.end; a += 4) {
      uint32_t word = 0;
      core.debug_read(a, 4, reinterpret_cast<uint8_t*>(&word));
      char line[16];
      std::snprintf(line, sizeof line, "%08x\n", word);
      f << line;
    }
  });
}

// SIGINT and SIGTERM end a run at the cluster's next round, and the run reports and writes its
// outputs as a finished one does: a user who stops a long run keeps what it measured. The handler
// only records the signal; it also restores the default actions, so that a second signal ends a
// run that is slow to finish (or waits for GDB) at once.
std::atomic<int> stop_signal{0};
static_assert(std::atomic<int>::is_always_lock_free, "written by a signal handler");

extern "C" void request_stop(int signal) {
  stop_signal.store(signal, std::memory_order_relaxed);
  struct sigaction default_action {};
  default_action.sa_handler = SIG_DFL;
  sigaction(SIGINT, &default_action, nullptr);
  sigaction(SIGTERM, &default_action, nullptr);
}

// Installs request_stop for the lifetime of the object. A signal the process was started with
// ignored (a background job of a non-interactive shell ignores SIGINT) stays ignored.
class StopOnSignals {
 public:
  StopOnSignals() {
    stop_signal.store(0, std::memory_order_relaxed);
    struct sigaction action {};
    action.sa_handler = request_stop;
    sigemptyset(&action.sa_mask);
    for (const int signal : kSignals) sigaddset(&action.sa_mask, signal);
    action.sa_flags = SA_RESTART;  // console and file writes go on undisturbed
    for (size_t i = 0; i < std::size(kSignals); ++i) {
      sigaction(kSignals[i], nullptr, &previous_[i]);
      if (previous_[i].sa_handler != SIG_IGN) sigaction(kSignals[i], &action, nullptr);
    }
  }
  ~StopOnSignals() {
    for (size_t i = 0; i < std::size(kSignals); ++i) sigaction(kSignals[i], &previous_[i], nullptr);
  }
  StopOnSignals(const StopOnSignals&) = delete;
  StopOnSignals& operator=(const StopOnSignals&) = delete;

  const std::atomic<int>& request() const { return stop_signal; }

 private:
  static constexpr int kSignals[] = {SIGINT, SIGTERM};
  struct sigaction previous_[std::size(kSignals)] {};
};

const char* signal_name(int signal) { return signal == SIGINT ? "SIGINT" : signal == SIGTERM ? "SIGTERM" : "a signal"; }

// "stats, trace and heat map" from the outputs a run wrote.
std::string listed(const std::vector<std::string>& items) {
  std::string text;
  for (size_t i = 0; i < items.size(); ++i) text += (i == 0 ? "" : i + 1 == items.size() ? " and " : ", ") + items[i];
  return text;
}

// What a checkpoint must match: the config and the program's loaded bytes.
Snapshot::Identity checkpoint_identity(const PlatformConfig& config, const ElfImage& image) {
  Snapshot::Identity id;
  id.config = checkpoint_config_text(config);
  id.program = image.path;
  id.program_hash = boost::hash_value(image.entry);
  for (const ElfSegment& seg : image.segments) {
    boost::hash_combine(id.program_hash, seg.vaddr);
    boost::hash_combine(id.program_hash, seg.mem_size);
    boost::hash_combine(id.program_hash, boost::hash_range(seg.bytes.begin(), seg.bytes.end()));
  }
  return id;
}

// What the run printed, in order: a restored run prints it again, so that its output is the
// uninterrupted run's.
struct Said {
  bool is_word = false;
  HostWord word;                // is_word
  uint32_t x = 0, y = 0;        // a console line's tile
  std::string line;
  void checkpoint(Snapshot& s) { s.fields(is_word, word, x, y, line); }
};

}  // namespace

BitFlip parse_bit_flip(const std::string& text) {
  const auto bad = [&text](const std::string& why) {
    return ConfigError("--flip: " + why + " in " + wvp::quoted(text) + " (expected X,Y:ADDR:BIT[:BIT2], ADDR a number or an ELF symbol)");
  };
  std::vector<std::string> fields;
  std::istringstream in(text);
  for (std::string field; std::getline(in, field, ':');) fields.push_back(field);
  if (fields.size() < 3 || fields.size() > 4 || text.back() == ':') throw bad("three or four fields needed");
  BitFlip flip;
  flip.text = text;
  unsigned x, y;
  char tail;
  if (std::sscanf(fields[0].c_str(), "%u,%u%c", &x, &y, &tail) != 2) throw bad("bad tile " + wvp::quoted(fields[0]));
  flip.x = x, flip.y = y;
  if (fields[1].empty()) throw bad("no address");
  flip.address = fields[1];
  for (size_t i = 2; i < fields.size(); ++i) {
    unsigned bit;
    if (std::sscanf(fields[i].c_str(), "%u%c", &bit, &tail) != 1 || bit >= kSecdedCodeBits)
      throw bad("bad bit " + wvp::quoted(fields[i]) + " (0-31 data, 32-38 check bits)");
    flip.bits.push_back(bit);
  }
  if (flip.bits.size() == 2 && flip.bits[0] == flip.bits[1]) throw bad("bit " + std::to_string(flip.bits[0]) + " given twice");
  return flip;
}


namespace {

// Pipeline stages (decode.stages), or with a memory node one stage that offloads the K/V the
// region cannot hold (decode.kv_window); the prompt block holds `prompt_slots` tokens a sequence.
llama::StagePlan plan_model(const llama::Model& model, const PlatformConfig& c, uint32_t region, bool sampling,
                            uint32_t prompt_slots) {
  const std::optional<MemNodeAttachment> memnode = memnode_attachment(c);
  if (c.decode.kv_window && !memnode)
    throw ConfigError("decode.kv_window " + std::to_string(c.decode.kv_window) + " needs a memory node for the older positions (system.memnode)");
  if (memnode && c.system.wafers == 1 && c.decode.stages <= 1 && c.decode.micro_batches == 1) {
    if (const auto plan = llama::plan_kv_offload(model.config, c.grid_width, c.grid_height, region, sampling,
                                                 c.decode.kv_window, memnode->edge, c.memnode.size_bytes, prompt_slots))
      return *plan;
  } else if (c.decode.kv_window) {
    throw ConfigError("decode.kv_window: KV offload runs the model as one stage on one wafer, one sequence at a time (system.wafers " +
                      std::to_string(c.system.wafers) + ", decode.stages " + std::to_string(c.decode.stages) +
                      ", decode.micro_batches " + std::to_string(c.decode.micro_batches) + ")");
  }
  return llama::plan_stages(model.config, system_width(c), c.grid_height, region, sampling, c.decode.stages,
                            c.system.wafers > 1 ? c.grid_width : 0, c.decode.micro_batches, prompt_slots);
}

// A stack of 4 KiB: about the least a core writes besides its image's data.
constexpr uint64_t kStackPage = 4096;

// The pokes' addresses, each an aligned word of the SRAM at an ELF symbol, outside .bss: crt0
// clears .bss when the core starts, after the poke (a zero-initialised parameter must be put in
// .data, as decode.c's seed_hi is).
std::vector<std::pair<uint32_t, uint32_t>> poke_addresses(const ElfImage& image,
                                                          const std::vector<std::pair<std::string, uint32_t>>& pokes,
                                                          const PlatformConfig& config) {
  const auto bss_start = image.symbols.find("__bss_start"), bss_end = image.symbols.find("__bss_end");
  const bool has_bss = bss_start != image.symbols.end() && bss_end != image.symbols.end();
  std::vector<std::pair<uint32_t, uint32_t>> at;
  for (const auto& [symbol, value] : pokes) {
    const auto it = image.symbols.find(symbol);
    if (it == image.symbols.end()) throw LoadError(image.path + ": --poke: no symbol " + wvp::quoted(symbol));
    const std::string where = image.path + ": --poke " + wvp::quoted(symbol) + ": ";
    try {
      Wafer::check_word(it->second, config.sram.size_bytes);
    } catch (const LoadError& e) {
      throw LoadError(where + e.what());
    }
    if (has_bss && it->second >= bss_start->second && it->second < bss_end->second)
      throw LoadError(where + "it lies in .bss, which the firmware clears when it starts (declare it in .data)");
    at.emplace_back(it->second, value);
  }
  return at;
}

// Each flip's address (a number or an ELF symbol), checked against the grid and the SRAM.
std::vector<uint32_t> flip_addresses(const ElfImage& image, const std::vector<BitFlip>& flips, const PlatformConfig& config) {
  std::vector<uint32_t> at;
  for (const BitFlip& flip : flips) {
    const std::string where = "--flip " + wvp::quoted(flip.text) + ": ";
    char* end = nullptr;
    const unsigned long long number = std::strtoull(flip.address.c_str(), &end, 0);
    uint32_t addr;
    if (*end == '\0' && number <= UINT32_MAX) {
      addr = static_cast<uint32_t>(number);
    } else {
      const auto it = image.symbols.find(flip.address);
      if (it == image.symbols.end()) throw LoadError(image.path + ": " + where + "no symbol " + wvp::quoted(flip.address));
      addr = it->second;
    }
    try {
      Wafer::check_flip(flip.x, flip.y, addr, config);
    } catch (const LoadError& e) {
      throw LoadError(where + e.what());
    }
    at.push_back(addr);
  }
  return at;
}

}  // namespace

Snapshot open_checkpoint(const std::string& path, const Snapshot::Identity& identity) {
  uint64_t size = 0;
  const std::string problem = input_file_problem(path, "checkpoint", UINT64_MAX, size);
  if (!problem.empty()) throw CheckpointError("--restore " + wvp::quoted(path) + ": " + problem);
  return Snapshot::restore(path, identity);
}

void check_host_memory(const PlatformConfig& config, uint64_t bytes_per_tile) {
  const uint64_t tiles = uint64_t{system_width(config)} * config.grid_height;
  const uint64_t need = tiles * bytes_per_tile, have = available_host_memory();
  if (need <= have) return;
  std::string grid = std::to_string(config.grid_width) + "x" + std::to_string(config.grid_height);
  if (config.system.wafers > 1) grid += " (times system.wafers " + std::to_string(config.system.wafers) + ")";
  throw ConfigError("grid " + grid + ": its " + std::to_string(tiles) + " tiles need about " + std::to_string(need >> 20) +
                    " MiB of host memory (" + std::to_string(bytes_per_tile) + " bytes a tile), more than the " +
                    std::to_string(have >> 20) + " MiB available (MemAvailable)");
}

std::shared_ptr<const llama::Model> read_model(const std::string& path, const PlatformConfig& config) {
  llama::Model model = llama::read_checkpoint(path);
  llama::round_weights(model, uint32_t(config.decode.weight_type));
  return std::make_shared<const llama::Model>(std::move(model));
}

namespace {

// A rank whose cores have all ended goes on swapping windows with the others, its fabric and
// links settling as the windows pass, until every rank's cores have ended (rank_links.h).
void wait_for_other_ranks(Wafer& wafer, RankLinks& ranks) {
  ranks.finish();
  const uint64_t window_cycles = wafer.clock().cycle_of(ranks.window_ps()) + 1;
  while (!ranks.done()) wafer.fabric().advance(wafer.fabric().settled() + window_cycles);
}

// One line for the summary: how the ranks ran and what crossed between them.
void print_rank_summary(std::ostream& err, const Wafer& wafer, const RankLinks& ranks, uint64_t end_cycle) {
  RankSync& sync = RankSync::world();
  const uint64_t messages = sync.sum(ranks.sync().messages()), bytes = sync.sum(ranks.sync().bytes()),
                 crossings = sync.sum(ranks.crossings());
  const double us = wafer.clock().seconds(end_cycle) * 1e6;
  err << "wafervp: " << sync.ranks() << " MPI ranks, " << ranks.sync().windows() << " windows of " << ranks.window_ps()
      << " ps: " << crossings << " link crossings in " << messages << " messages, " << bytes << " bytes ("
      << std::fixed << std::setprecision(1) << (us > 0 ? double(bytes) / us : 0.0) << " bytes per simulated us); "
      << std::setprecision(3) << "host seconds waiting in windows, by rank:";
  std::ostringstream waited;
  waited << std::fixed << std::setprecision(3) << ranks.sync().exchange_seconds();
  for (const std::string& seconds : sync.gather(waited.str())) err << " " << seconds;
  err << "\n";
}

int run_this_rank(const RunOptions& options, std::ostream& out, std::ostream& err) {
  const auto began = std::chrono::steady_clock::now();
  const PlatformConfig& config = options.config;
  if (!options.flips.empty() && config.sram.ecc == SramEcc::Off) throw ConfigError("--flip needs sram.ecc model or rtl (it is off)");
  // Everything below is checked before the wafer is built: a whole WSE-3 takes 20 s and 4 GB.
  const ElfImage image = load_elf(options.elf_path);
  Wafer::check_image(image, config);
  const bool dump_signature = !options.signature_path.empty();
  const SignatureRange signature = dump_signature ? signature_range(image) : SignatureRange{};
  const std::vector<std::pair<uint32_t, uint32_t>> pokes = poke_addresses(image, options.pokes, config);
  const std::vector<uint32_t> flip_at = flip_addresses(image, options.flips, config);
  const CheckpointOptions& checkpointing = options.checkpoint;
  // Hashed only for a run that writes or reads a checkpoint.
  const bool checkpoints = checkpointing.at_cycle != UINT64_MAX || !checkpointing.restore_path.empty();
  const Snapshot::Identity identity = checkpoints ? checkpoint_identity(config, image) : Snapshot::Identity{};
  std::optional<Snapshot> restore;
  if (!checkpointing.restore_path.empty()) restore.emplace(open_checkpoint(checkpointing.restore_path, identity));
  // What each tile may write: its stack and the image's data; the code is shared.
  uint64_t sram_written = kStackPage;
  for (const ElfSegment& seg : image.segments)
    if (!seg.executable) sram_written += seg.mem_size;
  std::shared_ptr<const llama::Model> model = options.model;
  uint32_t model_region = 0, region = 0;
  llama::StagePlan plan;
  bool sampling = options.sampling;
  const bool timing_only = !config.tensor.compute_values;
  if (!options.model_path.empty() || model) {
    if (!image.model_region(model_region, region))
      throw LoadError(image.path + ": --model needs the symbols __heap_start and __heap_end (the model region)");
    if (!model) model = read_model(options.model_path, config);
    size_t longest = 0;
    for (const std::vector<int32_t>& prompt : options.prompts) longest = std::max(longest, prompt.size());
    plan = plan_model(*model, config, region, sampling, static_cast<uint32_t>(longest));
    sampling = sampling || llama::model_region_bytes(model->config, plan, true) <= region;
    sram_written += timing_only ? llama::working_memory_bytes(model->config, plan, sampling)
                                : llama::model_region_bytes(model->config, plan, sampling);
  }
  check_host_memory(config, Wafer::host_bytes_per_tile(config, sram_written));
  if (model) {
    err << "model: " << model->config.n_layers << " layers in " << plan.stages
        << (plan.stages == 1 ? " stage" : " pipeline stages") << " of " << plan.stage_w << "x" << plan.stage_h << " cores";
    if (plan.stages > 1) err << " (" << plan.first_layers << " on the first, " << plan.last_layers << " on the last)";
    if (plan.kv_window)
      err << ", K/V of the last " << plan.kv_window << " of " << model->config.seq_len << " positions in SRAM, the rest at the memory node";
    err << ", " << llama::model_region_bytes(model->config, plan, sampling) << " of " << region
        << " bytes of model region per core, " << wvp_type_name(model->config.weight_type) << " weights"
        << (timing_only ? " (timing-only: not loaded)" : "") << "\n";
    if (options.planned) options.planned(plan);
  }
  std::vector<Said> transcript;  // kept for a checkpoint
  const bool keep_transcript = checkpointing.at_cycle != UINT64_MAX;
  const auto print_line = [&out, &options](uint32_t x, uint32_t y, const std::string& line) {
    if (options.console) options.console(x, y, line);
    else out << "(" << x << "," << y << ") " << line << "\n";
  };
  const auto print_word = [&out, &options](const HostWord& w) {
    if (options.host_words) options.host_words(w);
    else out << "(" << w.x << "," << w.y << ") to host: " << w.word << "\n";
  };
  auto console = [&](const TileIdentity& id, const std::string& line) {
    if (keep_transcript) transcript.push_back({false, {}, id.x, id.y, line});
    print_line(id.x, id.y, line);
  };
  // Never destroyed: SystemC unregisters each port, export and module by a linear search, so
  // tearing down N tiles costs O(N^2) (47 s for 256x256), and the process ends after the run.
  PhaseProfile profile(system_width(config) * config.grid_height);
  Log::set_levels(config.log);
  Log::set_stamp(system_width(config), config.core_clock_hz);
  static Wafer* const wafer_instance = new Wafer("wafer", config, console, &profile);
  Wafer& wafer = *wafer_instance;
  HostLoad host(wafer);
  host.image(image);
  // The prompts follow the load, once the cores run (platform/host/host_stream.h).
  std::optional<HostStream::Block> prompts;
  if (model) {
    llama::PromptBlock block = llama::prompt_block(model->config, plan, options.prompts);
    prompts = HostStream::Block{model_region + block.offset, std::move(block.bytes)};
    if (timing_only) {
      const wvp_model_header header = llama::header_of(model->config, plan, sampling);
      for (uint32_t at = 0; at < sizeof header; at += 4) {
        uint32_t word;
        std::memcpy(&word, reinterpret_cast<const uint8_t*>(&header) + at, 4);
        host.poke(model_region + at, word);
      }
      const std::vector<uint8_t> frequencies = llama::rope_frequency_bytes(model->config);
      for (size_t i = 0; i < wafer.tile_count(); ++i)
        if (const auto at = llama::rope_frequency_offset(model->config, plan, static_cast<uint32_t>(i), sampling))
          host.write(i, model_region + *at, frequencies);
    } else {
      for (size_t i = 0; i < wafer.tile_count(); ++i)
        host.write(i, model_region, llama::model_region_image(*model, plan, static_cast<uint32_t>(i), sampling));
    }
  }
  for (const auto& [addr, value] : pokes) host.poke(addr, value);
  const std::optional<HostLoadSummary> load = host.finish();
  HostStream stream(wafer, std::move(prompts), [&](const HostWord& w) {
    if (keep_transcript) transcript.push_back({true, w, 0, 0, {}});
    print_word(w);
  });
  for (size_t i = 0; i < options.flips.size(); ++i) {
    const BitFlip& flip = options.flips[i];
    try {
      wafer.flip_bits(flip.x, flip.y, flip_at[i], flip.bits);
    } catch (const LoadError& e) {
      throw LoadError("--flip " + wvp::quoted(flip.text) + ": " + e.what());
    }
  }
  if (!options.trace_path.empty()) profile.keep_timeline(traced_tiles(wafer.width(), wafer.height()));
  if (!options.activity_map_path.empty()) profile.keep_tile_activity(options.heatmap_window);
  // The whole run's link counts are the routers' own; a window needs its own counts.
  std::unique_ptr<LinkWindow> link_window;
  if (!options.heatmap_path.empty() && !options.heatmap_window.whole_run())
    link_window = std::make_unique<LinkWindow>(wafer.fabric().fabric(), options.heatmap_window);
  std::unique_ptr<InsnTrace> insn_trace;
  if (!options.traced_cores.empty()) {
    insn_trace = std::make_unique<InsnTrace>(options.insn_trace_path, wafer.width());
    for (const TracedCore& t : options.traced_cores)
      wafer.core(t.x, t.y).set_tracer(insn_trace.get(), t.window.first_cycle, t.window.last_cycle);
  }
  std::unique_ptr<FunctionProfile> function_profile;
  if (!options.profile_path.empty() || !options.profile_folded_path.empty()) {
    function_profile = std::make_unique<FunctionProfile>(
        image, FunctionProfileParams{wafer.width(), wafer.height(), options.profile_group_w, options.profile_group_h,
                                     options.profile_period_cycles});
    for (uint32_t tile = 0; tile < wafer.tile_count(); ++tile)
      wafer.cores()[tile].set_call_samples(function_profile.get(), options.profile_period_cycles);
  }
  // Everything a checkpoint holds, in one order for saving and restoring.
  const auto platform_state = [&](Snapshot& s) {
    {
      // The outputs that keep state as the run goes: first, so that a mismatch is named as such.
      Snapshot::Section section(s, "outputs");
      const auto given = [&s](bool here, const char* option) {
        bool there = here;
        s.io(there);
        if (there != here)
          s.fail(std::string(option) + " was " + (there ? "" : "not ") + "given to the run that wrote the checkpoint; give it to both or neither");
      };
      given(function_profile != nullptr, "--profile");
      given(link_window != nullptr, "--heatmap-window");
    }
    wafer.checkpoint(s);
    stream.checkpoint(s);
    profile.checkpoint(s);
    if (function_profile) function_profile->checkpoint(s);
    if (link_window) link_window->checkpoint(s);
    Snapshot::Section section(s, "transcript");
    s.io(transcript);
  };
  if (restore) {
    const auto began_restore = std::chrono::steady_clock::now();
    platform_state(*restore);
    const uint64_t bytes = restore->bytes();
    restore->close();
    for (const Said& said : transcript) said.is_word ? print_word(said.word) : print_line(said.x, said.y, said.line);
    if (!keep_transcript) transcript = {};
    err << "wafervp: restored " << checkpointing.restore_path << " (cycle " << restore->identity().cycle << ", "
        << std::fixed << std::setprecision(1) << double(bytes) / 1e6 << " MB in "
        << std::chrono::duration<double>(std::chrono::steady_clock::now() - began_restore).count() << " s)" << std::endl;
    restore.reset();
  }
  bool checkpoint_written = false;
  if (checkpointing.at_cycle != UINT64_MAX)
    wafer.cluster().set_checkpoint(checkpointing.at_cycle, [&](uint64_t cycle) {
      checkpoint_written = true;
      const auto began_save = std::chrono::steady_clock::now();
      Snapshot::Identity at = identity;
      at.cycle = cycle;
      Snapshot s = Snapshot::save(checkpointing.path, at);
      platform_state(s);
      const uint64_t bytes = s.bytes();
      s.close();
      err << "wafervp: checkpoint at cycle " << cycle << " written to " << checkpointing.path << " (" << std::fixed
          << std::setprecision(1) << double(bytes) / 1e6 << " MB in "
          << std::chrono::duration<double>(std::chrono::steady_clock::now() - began_save).count() << " s)" << std::endl;
    });
  std::unique_ptr<DebugSession> debug;
  if (options.gdb) {
    debug = std::make_unique<DebugSession>(wafer, *options.gdb);
    err << "wafervp: waiting for GDB on " << options.gdb->bind_address << ":" << debug->port() << std::endl;
    debug->wait_for_client();
  }

  // From here on a signal stops the simulation instead of the process (see StopOnSignals).
  const StopOnSignals stop_on_signals;
  wafer.cluster().set_stop_request(&stop_on_signals.request());
  const auto start = std::chrono::steady_clock::now();
  const double setup_seconds = std::chrono::duration<double>(start - began).count();
  WVP_LOG_UNSTAMPED(Platform, Info, "{} tiles ({}x{}) built and loaded in {:.3f} s; the first instruction", wafer.tile_count(),
                    wafer.width(), wafer.height(), setup_seconds);
  sc_core::sc_start();
  if (RankLinks* ranks = wafer.links().rank_links()) wait_for_other_ranks(wafer, *ranks);
  const double host_seconds = std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
  wafer.ctl().flush_console();
  out.flush();

  Wafer::Result r = wafer.result();
  if (RankLinks* ranks = wafer.links().rank_links()) {
    // The summary is the whole system's: every rank's cores, every link's both halves.
    RankSync& sync = RankSync::world();
    r.end_cycle = sync.max(r.end_cycle);
    r.instructions = sync.sum(r.instructions);
    ranks->gather_stats(wafer.clock().ps(r.end_cycle));
  }
  wafer.finish();
  if (checkpointing.at_cycle != UINT64_MAX && !checkpoint_written)
    err << "wafervp: note: no checkpoint written: the run ended at cycle " << r.end_cycle << ", before cycle "
        << checkpointing.at_cycle << " (--checkpoint-at)\n";
  if (insn_trace) insn_trace->finish();
  if (function_profile)
    for (uint32_t tile = 0; tile < wafer.tile_count(); ++tile) wafer.cores()[tile].flush_call_samples();
  for (size_t i = 0; i < wafer.tile_count(); ++i)
    profile.finish(static_cast<uint32_t>(i), wafer.cores()[static_cast<uint32_t>(i)].cycle());
  // Rank 0 reports the whole system: the other ranks' profiles, and their tiles for the stats.
  const OtherRanks others = wafer.links().rank_links()
                                ? gather_other_ranks(wafer, profile, r.end_cycle, !options.stats_path.empty())
                                : OtherRanks{};
  const HostStreamSummary streamed = stream.finish();
  if (debug) debug->on_exit(r.exit_code);
  constexpr size_t kReportedCores = 8;  // a whole grid failing alike says nothing new per core
  for (size_t i = 0; i < std::min(wafer.device_errors().size(), kReportedCores); ++i)
    err << "wafervp: error: " << wafer.device_errors()[i] << "\n";
  for (size_t i = 0; i < std::min(r.failures.size(), kReportedCores); ++i) {
    const Wafer::CoreEnd& f = r.failures[i];
    if (f.fault.valid)
      err << "wafervp: error: " << pe_name(f.x, f.y) << ": unhandled trap: " << f.fault.describe() << "\n";
    else
      err << "wafervp: " << pe_name(f.x, f.y) << " exited with code " << f.exit_code << "\n";
  }
  if (r.failures.size() > kReportedCores)
    err << "wafervp: ... and " << r.failures.size() - kReportedCores << " more cores failed (see --stats)\n";
  if (!r.error.empty()) err << "wafervp: error: " << r.error << "\n";
  if (r.outcome == CoreCluster::Outcome::MaxCycles || r.outcome == CoreCluster::Outcome::Deadlock) {
    err << "wafervp: error: "
        << (r.outcome == CoreCluster::Outcome::MaxCycles
                ? "reached sim.max_cycles = " + std::to_string(options.config.sim.max_cycles)
                : std::string("deadlock: every remaining core waits for an interrupt or a wavelet that nothing will send"))
        << "\n";
    const size_t shown = std::min(r.stuck.size(), kReportedCores);
    for (size_t i = 0; i < shown; ++i) err << "  " << r.stuck[i] << "\n";
    if (r.stuck.size() > shown) err << "  ... and " << r.stuck.size() - shown << " more\n";
  }
  const Fabric& fabric = wafer.fabric().fabric();
  if (const uint64_t left = fabric.flits_in_flight() + fabric.rx_queued())
    err << "wafervp: note: " << left << " wavelet" << (left == 1 ? " was" : "s were")
        << " sent but never received (still in the fabric or a receive queue at the end)\n";
  print_run_summary(err, wafer, r, {setup_seconds, host_seconds}, load, streamed);
  if (const RankLinks* ranks = wafer.links().rank_links()) print_rank_summary(err, wafer, *ranks, r.end_cycle);
  const bool interrupted = r.outcome == CoreCluster::Outcome::Interrupted;
  const char* const stopped_by = signal_name(wafer.cluster().stop_request());
  StreamedJson stats;
  if (!options.stats_path.empty()) stats = run_stats_json(wafer, r, profile, {setup_seconds, host_seconds}, load, streamed, others);
  if (!options.stats_path.empty() && interrupted) stats.doc["interrupted_by"] = stopped_by;
  if (const RankLinks* ranks = wafer.links().rank_links(); ranks && !options.stats_path.empty()) {
    // Said, not left to be guessed: which parts are the whole system's (docs/distributed.md).
    const RankSync& sync = ranks->sync();
    nlohmann::json wafers = nlohmann::json::array();
    for (uint32_t w = 0; w < options.config.system.wafers; ++w)
      if (wafer.owns(size_t{w} * options.config.grid_width)) wafers.push_back(w);
    stats.doc["mpi"] = {{"ranks", sync.ranks()},
                        {"rank", sync.rank()},
                        {"wafers_of_this_rank", wafers},
                        {"whole_system", "every figure but those below"},
                        {"this_rank_only", {"sram_host_bytes", "fabric.bytes_per_touched_router", "host_memory", "host_threads"}},
                        {"per_process", {"rounds", "cores.decodes", "cores.decode_hit_rate", "cores.slow_accesses"}}};
  }
  if (options.report) options.report(wafer, profile, r.exit_code, options.stats_path.empty() ? nullptr : &stats.doc);
  if (!options.stats_path.empty()) write_json(options.stats_path, stats, "stats file");
  const std::string reason = end_reason(wafer, r);
  const bool post_mortem = !options.post_mortem_path.empty() && ended_badly(reason);
  if (post_mortem || !options.dump_path.empty()) {
    const StreamedJson pm = post_mortem_json(wafer, r, reason);
    if (post_mortem) write_json(options.post_mortem_path, pm, "post-mortem");
    if (!options.dump_path.empty()) write_json(options.dump_path, pm, "dump");
    if (post_mortem) err << "wafervp: post-mortem (" << reason << ") written to " << options.post_mortem_path << "\n";
  }
  if (!options.heatmap_path.empty()) {
    const CycleWindow& window = options.heatmap_window;
    const std::string over = link_window ? "cycles " + std::to_string(window.first_cycle) + " to " +
                                               std::to_string(std::min(window.last_cycle, std::max<uint64_t>(r.end_cycle, 1) - 1))
                                         : std::to_string(r.end_cycle) + " cycles";
    svg::write_file(options.heatmap_path,
                    link_heatmap_svg(wafer.width(), wafer.height(),
                                     link_window ? link_window->utilisation(r.end_cycle) : link_utilisation(fabric, r.end_cycle),
                                     "fabric link utilisation over " + over, options.heatmap_scale));
  }
  if (!options.activity_map_path.empty())
    svg::write_file(options.activity_map_path,
                    activity_map_svg(profile, wafer.width(), wafer.height(), options.heatmap_window, r.end_cycle));
  if (!options.trace_path.empty()) {
    profile.write_trace(options.trace_path, wafer.clock(),
                                [&](uint32_t tile) { return pe_name(tile % wafer.width(), tile / wafer.width()); });
  }
  if (!options.profile_path.empty())
    write_output(options.profile_path, "the profile", [&](std::ostream& f) { function_profile->write_table(f, options.profile_top); });
  if (!options.profile_folded_path.empty())
    write_output(options.profile_folded_path, "the folded stacks", [&](std::ostream& f) { function_profile->write_folded(f); });
  if (dump_signature) write_signature(options.signature_path, signature, wafer);
  for (const CoreDumpRequest& dump : options.core_dumps)
    write_core_file(dump.path, snapshot_pe(wafer, dump.x, dump.y, image.flags));
  if (interrupted) {
    std::vector<std::string> written;
    if (!options.stats_path.empty()) written.push_back("stats");
    if (!options.trace_path.empty()) written.push_back("trace");
    if (!options.heatmap_path.empty()) written.push_back("heat map");
    if (!options.activity_map_path.empty()) written.push_back("activity map");
    if (!options.profile_path.empty()) written.push_back("profile");
    if (!options.profile_folded_path.empty()) written.push_back("folded stacks");
    if (post_mortem) written.push_back("post-mortem");
    if (!options.dump_path.empty()) written.push_back("dump");
    if (dump_signature) written.push_back("signature");
    if (!options.core_dumps.empty()) written.push_back(options.core_dumps.size() == 1 ? "core file" : "core files");
    err << "wafervp: interrupted by " << stopped_by << " at cycle " << r.end_cycle
        << (written.empty() ? "" : "; " + listed(written) + " written") << std::endl;
  }
  return r.exit_code;
}

}  // namespace

int run_platform(const RunOptions& options, std::ostream& out, std::ostream& err) {
  RankSync& sync = RankSync::world();
  if (sync.ranks() == 1) return run_this_rank(options, out, err);
  const CheckpointOptions& c = options.checkpoint;
  if (c.at_cycle != UINT64_MAX || !c.restore_path.empty())
    throw ConfigError("--checkpoint-at and --restore take one process; this run has " + std::to_string(sync.ranks()) + " MPI ranks");
  if (options.gdb) throw ConfigError("--gdb debugs one process; this run has " + std::to_string(sync.ranks()) + " MPI ranks");
  // Outputs made of every tile's state are not gathered from the other ranks yet: refused
  // rather than written with rank 0's tiles alone.
  const std::pair<bool, const char*> per_tile[] = {
      {!options.trace_path.empty(), "--trace"},
      {!options.heatmap_path.empty(), "--heatmap"},
      {!options.activity_map_path.empty(), "--activity-map"},
      {!options.profile_path.empty() || !options.profile_folded_path.empty(), "--profile"},
      {!options.traced_cores.empty(), "--trace-insn"},
      {!options.post_mortem_path.empty() || !options.dump_path.empty(), "--post-mortem and --dump"},
      {!options.core_dumps.empty(), "--core-dump"}};
  for (const auto& [given, option] : per_tile)
    if (given)
      throw ConfigError(std::string(option) + " needs every tile's state, which the " + std::to_string(sync.ranks()) +
                        " MPI ranks do not gather yet: run it as one process");
  // Rank 0 prints as a single process would, with the whole system's summary; the others'
  // console lines follow, and their reports up to their own summary, named by rank: errors,
  // notes, stuck cores and console lines sent to stderr (what the plan before the run says,
  // every rank says alike).
  const bool first = sync.rank() == 0;
  std::ostringstream rank_out, rank_err;
  // Rank 0 writes the files.
  RunOptions mine = options;
  if (!first) mine.stats_path.clear(), mine.signature_path.clear();
  const int code = run_this_rank(mine, first ? out : rank_out, first ? err : rank_err);
  const std::vector<std::string> outs = sync.gather(rank_out.str()), errs = sync.gather(rank_err.str());
  const std::regex summary(R"(^wafervp: [0-9]+ cores \()");
  for (size_t r = 1; r < outs.size(); ++r) {
    out << outs[r];
    std::istringstream lines(errs[r]);
    for (std::string line; std::getline(lines, line) && !std::regex_search(line, summary);)
      if (line.rfind("wafervp: ", 0) == 0 || line.rfind("  ", 0) == 0 || line.rfind("(", 0) == 0)
        err << "rank " << r << ": " << line << "\n";
  }
  return static_cast<int>(sync.max(static_cast<uint64_t>(code)));
}

}  // namespace wvp
