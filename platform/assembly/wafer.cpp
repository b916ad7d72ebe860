#include "platform/assembly/wafer.h"

#include <algorithm>
#include <cstring>

#include "abi/wvp/tile_map.h"

#include "rtl/ecc/rtl_secded.h"
#include "rtl/router/rtl_router.h"
#include "tlm/tile_address.h"

namespace wvp {

std::string pe_name(uint32_t x, uint32_t y) { return "PE (" + std::to_string(x) + "," + std::to_string(y) + ")"; }

namespace {
constexpr uint64_t kSramBase = WVP_SRAM_BASE;

std::string hex32(uint32_t v) {
  char buf[16];
  std::snprintf(buf, sizeof buf, "0x%08x", v);
  return buf;
}

TensorParams tensor_params(const PlatformConfig& config) {
  TensorParams p = config.tensor;
  p.sram_banks = config.sram.banks;
  p.bank_width_bytes = config.sram.bank_width_bytes;
  return p;
}

std::unique_ptr<SecdedCodec> make_codec(SramEcc ecc) {
  switch (ecc) {
    case SramEcc::Model: return std::make_unique<ModelSecded>();
    case SramEcc::Rtl: return std::make_unique<RtlSecded>();
    case SramEcc::Off: break;
  }
  return nullptr;
}

FabricParams fabric_params(const PlatformConfig& config, const WaferMap& map) {
  FabricParams p = config.fabric;
  p.width = system_width(config);
  p.height = config.grid_height;
  if (config.system.wafers > 1) p.wafer_width_tiles = config.grid_width;
  p.packets = false;
  if (!map.link_extra_cycles.empty()) {
    // The map has measured every link on the physical wafer, reticle edges included.
    p.link_extra_cycles = map.link_extra_cycles;
    p.reticle_width_tiles = p.reticle_height_tiles = 0;
  }
  return p;
}
}  // namespace

Wafer::Wafer(sc_core::sc_module_name name, const PlatformConfig& config, TileCtl::LineSink console, PhaseSink* phases)
    : sc_module(name),
      config_(config),
      clock_(config.core_clock_hz),
      width_(system_width(config)),
      map_(map_wafer(config)),
      sram_pages_(width_ * config.grid_height, config.sram.size_bytes),
      ecc_(make_codec(config.sram.ecc)),
      fabric_("fabric", fabric_params(config, map_), clock_),
      tensor_("tensor", tensor_params(config), width_ * config.grid_height, clock_),
      phases_(phases ? *phases : no_phases_),
      cores_("cores"),
      bus_("bus", kLocalAddressMask),
      sram_("sram", config.sram, clock_, sram_pages_, ecc_.get()),
      ctl_("ctl", cores_, clock_, width_, config.grid_height, config.sram.size_bytes, std::move(console), phases_),
      cluster_("cluster", config.sim.quantum_cycles, config.sim.max_cycles) {
  validate_config(config_);
  wafer_rank_ = wafer_ranks(config_, static_cast<uint32_t>(RankSync::world().ranks()));
  fabric_.set_irq_line([this](uint32_t tile, bool level) { cores_[tile].set_external_irq(level); });
  const auto device_error = [this](uint32_t tile, const std::string& what) {
    device_errors_.push_back(pe_name(tile % width(), tile / width()) + ": " + what);
  };
  fabric_.set_error_sink(device_error);
  tensor_.set_error_sink(device_error);
  tensor_.attach_queues(&fabric_);
  tensor_.set_irq_schedule([this](uint32_t tile, uint64_t cycle) { cores_[tile].set_external_irq_at(cycle); });
  sram_.set_error_sink([device_error](uint32_t tile, uint32_t offset, const std::string& what) {
    device_error(tile, "SRAM word " + hex32(kSramBase + offset) + ": " + what);
  });
  tensor_.attach_sram(sram_, kSramBase);
  // Every tile sees the same map; the bus passes the tile (above the 32-bit address) through.
  cores_.socket.bind(bus_.target);
  // A device with registers: on the bus, and the same window in the cores' fast path.
  const auto map_registers = [this](uint32_t base, uint32_t size, const char* name, auto& device) {
    bus_.map(base, size, name);
    bus_.initiator.bind(device.socket);
    cores_.map_registers(base, size, device);
  };
  // One window covers the CLINT and sysctl blocks (the control block decodes both).
  map_registers(WVP_CLINT_BASE, WVP_SYSCTL_BASE + WVP_SYSCTL_SIZE - WVP_CLINT_BASE, "ctl", ctl_);
  bus_.map(WVP_SRAM_BASE, config_.sram.size_bytes, "sram");
  bus_.initiator.bind(sram_.socket);
  map_registers(WVP_FABRIC_BASE, WVP_FABRIC_SIZE, "fabric", fabric_);
  map_registers(WVP_TENSOR_BASE, WVP_TENSOR_SIZE, "tensor", tensor_);
  CoreParams core = config_.core;
  core.exec_base = kSramBase;
  core.exec_size = config_.sram.size_bytes;
  core.local_data_via_bus = config_.sram.ecc != SramEcc::Off;
  for (size_t tile = 0; tile < tile_count(); ++tile) {
    core.hart_id = static_cast<uint32_t>(tile);
    Core& added = cores_.add(core, clock_);
    if (owns(tile)) cluster_.add(added);
  }
  cluster_.set_domain(&fabric_);
  cluster_.set_threads(config_.sim.host_threads(RankSync::world().ranks() > 1 ? RankSync::local_ranks() : 1));
  links_ = std::make_unique<SystemLinks>(
      config_, fabric_, [this](const std::string& what) { device_errors_.push_back(what); }, wafer_rank_);
  if (RankLinks* ranks = links_->rank_links())
    ranks->set_still_test([this] { return cluster_.only_domain(); }, [this] { return fabric_.idle(); });
  apply_rtl_swaps();
  apply_routing_plan();
}

void Wafer::apply_rtl_swaps() {
  const uint32_t w = width(), h = height();
  for (const RtlSwap& swap : config_.rtl) {
    if ((swap.x1 != UINT32_MAX && swap.x1 >= w) || (swap.y1 != UINT32_MAX && swap.y1 >= h))
      throw ConfigError(swap.where + ": rtl.swap: " + swap.block + "@" + std::to_string(swap.x1 != UINT32_MAX ? swap.x1 : swap.x0) +
                        "," + std::to_string(swap.y1 != UINT32_MAX ? swap.y1 : swap.y0) + " lies outside the " +
                        std::to_string(w) + "x" + std::to_string(h) + " grid");
    for (uint32_t y = swap.y0; y <= std::min(swap.y1, h - 1); ++y)
      for (uint32_t x = swap.x0; x <= std::min(swap.x1, w - 1); ++x) {
        const uint32_t tile = y * w + x;
        if (fabric_.fabric().has_twin(tile)) continue;  // named by two rules
        const std::string name = "router_" + std::to_string(x) + "_" + std::to_string(y);
        const std::string fst = config_.rtl_fst_dir.empty() ? "" : config_.rtl_fst_dir + "/" + name + ".fst";
        try {
          fabric_.fabric().set_twin(tile, make_rtl_router(fabric_.fabric().params(), name, RtlBuild::AsWritten, fst));
        } catch (const FabricError& e) {
          throw ConfigError(swap.where + ": rtl.swap: " + e.what());
        }
      }
  }
}

void Wafer::finish() { fabric_.fabric().finish(); }

void Wafer::checkpoint(Snapshot& s) {
  Snapshot::Section section(s, "wafer");
  cluster_.checkpoint(s);
  // The SRAM before the cores, which ask it for their DMI pages again.
  sram_pages_.checkpoint(s);
  sram_.checkpoint(s);
  {
    Snapshot::Section cores(s, "cores");
    s.expect(cores_.size(), "the cores");
    for (uint32_t i = 0; i < cores_.size(); ++i) cores_[i].checkpoint(s);
  }
  ctl_.checkpoint(s);
  fabric_.checkpoint(s);
  tensor_.checkpoint(s);
  links_->checkpoint(s);
  s.io(device_errors_);
}

void Wafer::apply_routing_plan() {
  const uint32_t w = width(), h = height();
  for (const RouteRule& rule : config_.routes) {
    if ((rule.x1 != UINT32_MAX && rule.x1 >= w) || (rule.y1 != UINT32_MAX && rule.y1 >= h))
      throw ConfigError(rule.where + ": fabric.routes: tiles beyond the " + std::to_string(w) + "x" + std::to_string(h) +
                        " grid");
    for (uint32_t y = rule.y0; y <= std::min(rule.y1, h - 1); ++y)
      for (uint32_t x = rule.x0; x <= std::min(rule.x1, w - 1); ++x) {
        try {
          fabric_.fabric().set_route(y * w + x, rule.color, rule.in_port, rule.outputs);
        } catch (const FabricError& e) {
          throw ConfigError(rule.where + ": fabric.routes: " + e.what());
        }
      }
  }
}

void Wafer::check_image(const ElfImage& image, const PlatformConfig& config) {
  const uint64_t lo = kSramBase, hi = kSramBase + config.sram.size_bytes;
  for (const ElfSegment& seg : image.segments)
    if (seg.vaddr < lo || seg.vaddr + uint64_t{seg.mem_size} > hi)
      throw LoadError(image.path + ": segment " + hex32(seg.vaddr) + "-" + hex32(seg.vaddr + seg.mem_size - 1) +
                      " lies outside the tile's SRAM " + hex32(static_cast<uint32_t>(lo)) + "-" +
                      hex32(static_cast<uint32_t>(hi - 1)));
  if (image.entry < lo || image.entry >= hi)
    throw LoadError(image.path + ": entry point " + hex32(image.entry) + " lies outside the tile's SRAM");
  if (image.compressed() && !config.core.compressed)
    throw LoadError(image.path + ": built for the C extension (compressed instructions, e_flags RVC), which core.isa " +
                    "rv32imf does not have: set core.isa=rv32imfc");
  // The linker script puts the stack's top at the end of the SRAM it was told of: with less, the
  // first push faults.
  if (const auto stack = image.symbols.find("__stack"); stack != image.symbols.end() && stack->second > hi)
    throw LoadError(image.path + ": linked for " + std::to_string(uint64_t{stack->second} - lo) + " bytes of SRAM (its __stack at " +
                    hex32(stack->second) + "), more than sram.size_bytes " + std::to_string(config.sram.size_bytes));
  if (const auto colors = image.symbols.find(WVP_COLORS_USED_SYMBOL); colors != image.symbols.end() && colors->second > config.fabric.colors)
    throw LoadError(image.path + ": uses " + std::to_string(colors->second) + " fabric colors (its " WVP_COLORS_USED_SYMBOL
                    "), more than fabric.colors " + std::to_string(config.fabric.colors));
}

void Wafer::boot(const ElfImage& image) {
  check_image(image, config_);
  const uint64_t lo = kSramBase;
  uint32_t exec_lo = UINT32_MAX, exec_hi = 0;
  for (const ElfSegment& seg : image.segments) {
    if (seg.executable) {
      exec_lo = std::min<uint32_t>(exec_lo, seg.vaddr - static_cast<uint32_t>(lo));
      exec_hi = std::max<uint32_t>(exec_hi, seg.vaddr - static_cast<uint32_t>(lo) + seg.mem_size);
    }
  }
  // Every core runs the same image, so they share one decode cache for its executable range.
  auto code = std::make_shared<CodeCache>(lo, config_.sram.size_bytes, exec_lo == UINT32_MAX ? 0 : exec_lo, exec_hi);
  for (uint32_t tile = 0; tile < cores_.size(); ++tile) {
    cores_[tile].set_pc(image.entry);
    cores_[tile].attach_code(code);
  }
}

void Wafer::load(const ElfImage& image) {
  boot(image);
  for (const ElfSegment& seg : image.segments) write_all(seg.vaddr, seg.bytes);
}

void Wafer::check_word(uint32_t addr, uint32_t sram_bytes) {
  if (addr < kSramBase || addr - kSramBase + uint64_t{4} > sram_bytes || (addr & 3))
    throw LoadError("address " + hex32(addr) + " is not an aligned word in the tile's SRAM");
}

void Wafer::poke(uint32_t addr, uint32_t value) {
  check_word(addr, config_.sram.size_bytes);
  uint8_t bytes[4];
  std::memcpy(bytes, &value, 4);
  write_all(addr, bytes);
}

void Wafer::check_write(uint32_t addr, uint64_t size, uint32_t sram_bytes) {
  if (addr < kSramBase || addr - kSramBase + size > sram_bytes)
    throw LoadError(std::to_string(size) + " bytes at " + hex32(addr) + " do not fit the tile's SRAM");
}

void Wafer::write(size_t index, uint32_t addr, std::span<const uint8_t> bytes) {
  check_write(addr, bytes.size(), config_.sram.size_bytes);
  if (index >= tile_count()) throw LoadError("no tile " + std::to_string(index) + " in the grid");
  sram_.write(static_cast<uint32_t>(index), addr - kSramBase, bytes.data(), static_cast<uint32_t>(bytes.size()));
}

void Wafer::write_all(uint32_t addr, std::span<const uint8_t> bytes) {
  check_write(addr, bytes.size(), config_.sram.size_bytes);
  sram_pages_.write_every_tile(addr - kSramBase, bytes.data(), static_cast<uint32_t>(bytes.size()));
}

void Wafer::check_flip(uint32_t x, uint32_t y, uint32_t addr, const PlatformConfig& config) {
  const uint32_t width = system_width(config), height = config.grid_height;
  if (x >= width || y >= height)
    throw LoadError(pe_name(x, y) + " is outside the " + std::to_string(width) + "x" + std::to_string(height) + " grid");
  if (addr < kSramBase || addr - kSramBase >= config.sram.size_bytes)
    throw LoadError("address " + hex32(addr) + " is not in the tile's SRAM");
  if (addr % 4) throw LoadError("address " + hex32(addr) + " is not an aligned word");
}

void Wafer::flip_bits(uint32_t x, uint32_t y, uint32_t addr, const std::vector<unsigned>& bits) {
  check_flip(x, y, addr, config_);
  try {
    sram_.flip_bits(tile_index(x, y), addr - kSramBase, bits);
  } catch (const std::invalid_argument& e) {
    throw LoadError(pe_name(x, y) + ": " + e.what());
  }
}

uint64_t Wafer::host_bytes_per_tile(const PlatformConfig& config, uint64_t sram_bytes) {
  // Measured with /usr/bin/time -v (maximum resident set) of `wafervp run --grid G hello.elf` on
  // 128x128, 256x256 and 512x512, which leaves the routers unused: 3.3 KiB a tile more at each
  // size, of which 1.4 KiB are the page it writes and its page table; the rest (its core, the
  // modules' state for it, queues and statistics) is kPerTile.
  constexpr uint64_t kPerTile = 2 << 10, kPage = SramPages::kPageBytes;
  const uint64_t pages = (sram_bytes + kPage - 1) / kPage;
  const uint64_t table = (uint64_t{config.sram.size_bytes} + kPage - 1) / kPage * sizeof(void*);  // of its own pages
  return kPerTile + Fabric::router_bytes(config.fabric) + pages * kPage + table;
}

Wafer::Result Wafer::result() const {
  Result r;
  r.outcome = cluster_.outcome();
  std::vector<std::pair<uint64_t, size_t>> ended;  // (cycle, index): the order cores finished in
  for (uint32_t i = 0; i < cores_.size(); ++i) {
    if (!owns(i)) continue;
    const Core& core = cores_[i];
    r.instructions += core.instructions();
    r.end_cycle = std::max(r.end_cycle, core.cycle());
    if (core.halted()) {
      if (core.exit_code() != 0 || core.fault().valid) ended.emplace_back(core.cycle(), i);
    } else {
      const TileIdentity id = ctl_.identity(i);
      const std::string wait = fabric_.describe_wait(i);
      r.stuck.push_back(pe_name(id.x, id.y) + (core.sleeping() ? " asleep in wfi" : !wait.empty() ? " " + wait : " running") +
                        " at pc " + hex32(core.pc()));
    }
  }
  std::sort(ended.begin(), ended.end());
  for (const auto& [cycle, i] : ended) {
    const Core& core = cores_[i];
    const TileIdentity id = ctl_.identity(i);
    r.failures.push_back({id.x, id.y, core.exit_code(), core.fault()});
    if (!r.firmware_exit_code && !core.fault().valid) r.firmware_exit_code = core.exit_code();
  }
  switch (r.outcome) {
    case CoreCluster::Outcome::MaxCycles: r.exit_code = kExitMaxCycles; break;
    case CoreCluster::Outcome::Deadlock: {
      r.exit_code = kExitDeadlock;
      // The cores may wait because the fabric is stuck: say why.
      const std::string stuck = fabric_.fabric().diagnose();
      if (!stuck.empty()) r.error = "at cycle " + std::to_string(fabric_.settled()) + ": fabric: " + stuck;
      break;
    }
    case CoreCluster::Outcome::DomainError:
      r.exit_code = kExitDeadlock;
      r.error = "at cycle " + std::to_string(fabric_.settled()) + ": " + cluster_.domain_error();
      break;
    case CoreCluster::Outcome::Interrupted: r.exit_code = kExitSignalBase + cluster_.stop_request(); break;
    case CoreCluster::Outcome::CheckpointFailed:  // --checkpoint-at's file could not be written
      r.exit_code = kExitBadInput;
      r.error = cluster_.domain_error();
      break;
    default:
      if (!r.failures.empty()) r.exit_code = r.failures.front().fault.valid ? kExitFault : kExitFirmwareExit;
      break;
  }
  return r;
}

}  // namespace wvp
