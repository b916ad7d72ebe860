// The grid of tiles and what runs it: builds W x H tiles around one fabric, loads one ELF into
// every tile (SPMD), runs all cores in one CoreCluster synchronised with the fabric and
// reports how the run ended. A tile is no object of its own: one module of each kind (cores,
// SRAMs, control blocks, fabric port, tensor engines) serves every tile through one bus, each
// transaction naming its tile above its 32-bit address (tlm/tile_address.h). A system of several wafers (system.*) runs as one such grid, the
// wafers side by side, their borders crossed only by the system's links (system_links.h).
#pragma once
#include <memory>
#include <span>
#include <string>
#include <vector>

#include "engine/core_cluster.h"
#include "models/core/core_array.h"
#include "models/router/fabric_port.h"
#include "models/sram/sram.h"
#include "models/tensor/tensor_engine.h"
#include "models/tile/tile_ctl.h"
#include "tlm/bus.h"
#include "platform/config/config.h"
#include "platform/assembly/elf_image.h"
#include "platform/assembly/system_links.h"
#include "platform/assembly/wafer_map.h"

namespace wvp {

struct LoadError : std::runtime_error {
  using std::runtime_error::runtime_error;
};

class Wafer : public sc_core::sc_module {
 public:
  // The cores' phase markers go to `phases` (the run's profiler); without one they are kept only
  // in the tiles' registers.
  Wafer(sc_core::sc_module_name name, const PlatformConfig& config, TileCtl::LineSink console,
        PhaseSink* phases = nullptr);

  // Throws LoadError naming the image when it does not fit `config`'s tiles: a segment or the
  // entry outside the SRAM, a stack linked for more SRAM than sram.size_bytes (its __stack), more
  // fabric colors than fabric.colors (the value of its WVP_COLORS_USED_SYMBOL, when it states
  // one). boot() checks it too; it is here for the command to check before building a wafer.
  static void check_image(const ElfImage& image, const PlatformConfig& config);
  // Points every core at the image's entry, with one decode cache for its code; the segments'
  // bytes are written by load() or arrive through the host's links (platform/host/host_load.h).
  // Throws LoadError for segments outside the SRAM.
  void boot(const ElfImage& image);
  // boot(), and writes the image's file bytes into every tile's SRAM (the zero tail, .bss, stays
  // untouched host memory).
  void load(const ElfImage& image);
  // Writes a 32-bit word at `addr` in every tile's SRAM before the run (same image everywhere,
  // so the shared decode cache stays valid). Throws LoadError outside the SRAM or unaligned.
  void poke(uint32_t addr, uint32_t value);
  static void check_word(uint32_t addr, uint32_t sram_bytes);  // poke's check
  // Writes `bytes` at `addr` in tile `index`'s SRAM, or in every tile's, before the run
  // (per-tile data such as model shards; the image). Throw LoadError outside the SRAM.
  void write(size_t index, uint32_t addr, std::span<const uint8_t> bytes);
  void write_all(uint32_t addr, std::span<const uint8_t> bytes);
  static void check_write(uint32_t addr, uint64_t size, uint32_t sram_bytes);  // write's check
  // Flips stored codeword bits (0-31 data, 32-38 check) of the SRAM word at `addr` of tile
  // (x, y), as a soft error would (needs sram.ecc). Throws LoadError naming what is wrong.
  void flip_bits(uint32_t x, uint32_t y, uint32_t addr, const std::vector<unsigned>& bits);
  static void check_flip(uint32_t x, uint32_t y, uint32_t addr, const PlatformConfig& config);  // flip_bits's check
  // The host memory a tile of `config` takes when it writes `sram_bytes` of its SRAM (the image
  // is shared: a tile pays for the pages it writes) and its router carries traffic: to refuse a
  // grid the host cannot hold before building it, instead of ending in bad_alloc or the OOM killer.
  static uint64_t host_bytes_per_tile(const PlatformConfig& config, uint64_t sram_bytes);

  uint32_t width() const { return width_; }  // of the system: grid.width x system.wafers
  uint32_t height() const { return config_.grid_height; }
  uint32_t tile_index(uint32_t x, uint32_t y) const { return y * width_ + x; }
  size_t tile_count() const { return size_t{width_} * config_.grid_height; }
  // Whether this process runs the tile's core: in a distributed run (system.ranks), the tiles of
  // its rank's wafers; else every tile. The others' cores never start here.
  bool owns(size_t tile) const { return wafer_rank_[tile % width_ / config_.grid_width] == static_cast<uint32_t>(RankSync::world().rank()); }
  TileIdentity identity(uint32_t tile) const { return ctl_.identity(tile); }
  Core& core(uint32_t x, uint32_t y) { return cores_[tile_index(x, y)]; }
  const Core& core(uint32_t x, uint32_t y) const { return cores_[tile_index(x, y)]; }
  CoreArray& cores() { return cores_; }
  const CoreArray& cores() const { return cores_; }
  Sram& sram() { return sram_; }
  const Sram& sram() const { return sram_; }
  TileCtl& ctl() { return ctl_; }
  const TileCtl& ctl() const { return ctl_; }
  CoreCluster& cluster() { return cluster_; }
  const CoreCluster& cluster() const { return cluster_; }
  FabricPort& fabric() { return fabric_; }
  const FabricPort& fabric() const { return fabric_; }
  const TensorEngine& tensor() const { return tensor_; }
  // Saves or restores every tile's state (cores, SRAM, control blocks, fabric, tensor engines)
  // and the cluster's rounds (docs/checkpoint.md). Restoring, into a wafer built and loaded from
  // the same config and ELF, before the simulation. Throws CheckpointError for what a checkpoint
  // cannot hold yet: the links between wafers and the memory node.
  void checkpoint(Snapshot& s);
  // The run has ended: closes the RTL twins' waveforms (the wafer lives on to the process's end,
  // as SystemC modules do).
  void finish();
  // Why device accesses failed (a route off the grid, a tensor operand outside the SRAM...),
  // with the tile, in the order seen.
  const std::vector<std::string>& device_errors() const { return device_errors_; }
  const PlatformConfig& config() const { return config_; }
  const Clock& clock() const { return clock_; }
  const WaferMap& map() const { return map_; }
  const SystemLinks& links() const { return *links_; }
  SystemLinks& links() { return *links_; }
  // What the SRAMs take of the host: the shared image and the pages tiles made their own.
  uint64_t sram_host_bytes() const { return sram_pages_.host_bytes(); }

  struct CoreEnd {
    uint32_t x, y;
    int exit_code;
    FaultInfo fault;
  };
  struct Result {
    CoreCluster::Outcome outcome = CoreCluster::Outcome::Running;
    int exit_code = 0;                 // what `wafervp run` exits with
    int firmware_exit_code = 0;        // the first non-zero exit code of a core (failures' order), 0 if none
    std::vector<CoreEnd> failures;     // non-zero exits and faults, in the order they happened
    std::vector<std::string> stuck;    // cores still running, asleep or waiting, for timeout/deadlock reports
    std::string error;                 // the fabric's error (outcome DomainError)
    uint64_t instructions = 0;
    uint64_t end_cycle = 0;            // the latest core's local time
  };
  Result result() const;

  // Exit codes of `wafervp` (README, "Exit codes"); a core's own non-zero exit code is
  // kExitFirmwareExit, the code itself is in the report and the stats.
  static constexpr int kExitBadInput = 2, kExitFault = 3, kExitMaxCycles = 4, kExitDeadlock = 5, kExitInternal = 6,
                       kExitFirmwareExit = 8;
  // A run stopped by signal N (the cluster's stop request, CoreCluster::set_stop_request) exits
  // with 128 + N, the code a shell shows for a process the signal killed: 130 for SIGINT.
  static constexpr int kExitSignalBase = 128;

 private:
  void apply_routing_plan();  // fabric.routes, before any core runs
  void apply_rtl_swaps();     // rtl.swap: RTL twins in place of models, before any traffic

  PlatformConfig config_;
  std::vector<uint32_t> wafer_rank_;  // by wafer (wafer_ranks())
  Clock clock_;  // of every core, SRAM, router and tensor engine
  uint32_t width_;
  WaferMap map_;
  SramPages sram_pages_;
  std::unique_ptr<SecdedCodec> ecc_;  // the SRAMs' codec (sram.ecc), one for all tiles: it keeps no state
  FabricPort fabric_;
  TensorEngine tensor_;
  std::vector<std::string> device_errors_;
  struct NoPhases : PhaseSink {
    void set_step(uint32_t, uint32_t, uint32_t, uint64_t) override {}
    void set_activity(uint32_t, uint32_t, uint64_t) override {}
  } no_phases_;
  PhaseSink& phases_;  // before the control blocks, which report to it
  CoreArray cores_;
  Bus bus_;
  Sram sram_;
  TileCtl ctl_;
  CoreCluster cluster_;
  std::unique_ptr<SystemLinks> links_;
};

std::string pe_name(uint32_t x, uint32_t y);  // "PE (x,y)"

}  // namespace wvp
