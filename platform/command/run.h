// `wafervp run`: build the wafer from a config, load an ELF, simulate, report.
#pragma once
#include <cstdint>
#include <functional>
#include <iosfwd>
#include <memory>
#include <optional>
#include <string>
#include <utility>
#include <vector>

#include <nlohmann/json_fwd.hpp>

#include "engine/snapshot.h"
#include "platform/config/config.h"
#include "platform/debug/debug_session.h"
#include "platform/host/host_stream.h"
#include "platform/llama/loader.h"
#include "platform/report/cycle_window.h"

namespace wvp {

class Wafer;
class PhaseProfile;

// A soft error injected before the run: codeword bits of one SRAM word of one tile flip.
struct BitFlip {
  uint32_t x = 0, y = 0;
  std::string address;          // a number or an ELF symbol
  std::vector<unsigned> bits;   // 0-31 data, 32-38 check bits
  std::string text;             // as given, for errors
};
// "X,Y:ADDR:BIT[:BIT2]" -> flip; throws ConfigError.
BitFlip parse_bit_flip(const std::string& text);

// An ELF core file of PE (x, y) for GDB (platform/debug/core_file.h), written after the run
// however it ended (--core-dump X,Y FILE).
struct CoreDumpRequest {
  uint32_t x = 0, y = 0;
  std::string path;
};

// A core whose instructions are traced over a window of cycles (--trace-insn X,Y[:FROM-TO]).
struct TracedCore {
  uint32_t x = 0, y = 0;
  CycleWindow window;
};

struct RunOptions {
  std::string elf_path;
  PlatformConfig config;
  std::optional<GdbOptions> gdb;
  std::string stats_path;      // stats JSON, if set
  std::string heatmap_path;    // fabric link-utilisation heat map (SVG), if set
  double heatmap_scale = 0;    // the utilisation at the top of its colour scale; 0: the run's largest
  // Where each core's time went, per activity (SVG), if set.
  std::string activity_map_path;
  // The cycles the heat map and the activity map look at.
  CycleWindow heatmap_window;
  // Chrome/Perfetto trace of the firmware's phase markers, if set: every core of grids up to
  // kTraceAllCores cores, else an 8 x 8 sample spread evenly over the grid.
  std::string trace_path;
  // A llama2.c checkpoint whose row shards go into every core's model region (the ELF's
  // __heap_start..__heap_end, see abi/wvp/model_layout.h), if set.
  std::string model_path;
  // That checkpoint when the caller has read it already (read_model; `wafervp decode` keeps it for
  // the host reference): one copy of a model's weights in host memory instead of two. Without
  // config.tensor.compute_values (a timing-only decode) its shape alone: no weights are loaded.
  std::shared_ptr<const llama::Model> model;
  // Sent with the model (after the load, platform/host/host_stream.h), one per micro-batch or one for all: BOS first.
  std::vector<std::vector<int32_t>> prompts = {{1}};
  // The model region must hold the sampler's buffers (for temperature > 0); without, they are
  // there whenever they fit.
  bool sampling = false;
  // The per-function profile (platform/report/function_profile.h): its table and its folded
  // call stacks, if set; each core sampled every profile_period_cycles.
  std::string profile_path, profile_folded_path;
  uint32_t profile_top = 20;
  uint64_t profile_period_cycles = 1000;
  uint32_t profile_group_w = 0, profile_group_h = 0;  // 0: one group, the whole grid
  std::vector<TracedCore> traced_cores;
  std::string insn_trace_path;  // their instruction trace, or stderr if empty
  // The post-mortem JSON (platform/report/post_mortem.h): written after a trap, deadlock,
  // sim.max_cycles or a signal; and at the end of any run, if set.
  std::string post_mortem_path, dump_path;
  std::string signature_path;  // dump [begin_signature, end_signature) of PE (0,0), if set
  std::vector<CoreDumpRequest> core_dumps;
  // 32-bit words written at ELF symbols in every tile after loading (firmware parameters).
  std::vector<std::pair<std::string, uint32_t>> pokes;
  // Stored SRAM bits flipped after loading and pokes (needs sram.ecc model or rtl).
  std::vector<BitFlip> flips;
  // Receives each word the cores send the host (wvp_host_out) as the host takes it, instead of
  // `out` ("(x,y) to host: word"), if set.
  std::function<void(const HostWord&)> host_words;
  // Receives each console line instead of `out` ("(x,y) line"), if set.
  std::function<void(uint32_t x, uint32_t y, const std::string& line)> console;
  // Called after the run with the finished wafer (its stats and profile) and the exit code, if
  // set; `stats` is the stats JSON about to be written (null without --stats), to add to.
  std::function<void(const Wafer&, const PhaseProfile&, int exit_code, nlohmann::json* stats)> report;
  CheckpointOptions checkpoint;
  // Called with the model's plan (its pipeline stages) before the run, if set.
  std::function<void(const llama::StagePlan&)> planned;
};

constexpr uint32_t kTraceAllCores = 64;

// A checkpoint file to restore (--restore), its header checked against `identity`; a directory,
// FIFO or device is refused before it is opened. Throws CheckpointError.
Snapshot open_checkpoint(const std::string& path, const Snapshot::Identity& identity);

// Throws ConfigError naming the grid when its tiles at `bytes_per_tile` need more than the host's
// available memory (a 4096x4096 grid ended in bad_alloc after minutes).
void check_host_memory(const PlatformConfig& config, uint64_t bytes_per_tile);

// The checkpoint at `path` with its matrices of decode.weight_type (llama::round_weights).
std::shared_ptr<const llama::Model> read_model(const std::string& path, const PlatformConfig& config);

// Runs one simulation (SystemC allows one per process). Firmware console lines go to `out`,
// the summary and errors to `err`. Returns the process exit code.
int run_platform(const RunOptions& options, std::ostream& out, std::ostream& err);

}  // namespace wvp
