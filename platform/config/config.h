// Platform configuration: every key has a default, a unit in its name and a line of help.
// YAML files are checked strictly: an unknown key or a bad value is a ConfigError that names
// the file, line and key.
#pragma once
#include <cstdint>
#include <optional>
#include <stdexcept>
#include <string>
#include <vector>

#include "models/core/core.h"
#include "models/router/fabric.h"
#include "models/sram/sram.h"
#include "models/tensor/tensor_engine.h"
#include "platform/config/noc_params.h"
#include "tlm/log.h"

namespace wvp {

struct ConfigError : std::runtime_error {
  using std::runtime_error::runtime_error;
};

struct SimParams {
  static constexpr uint32_t kMaxThreads = 1024;
  uint64_t quantum_cycles = 1000;  // temporal-decoupling quantum
  uint64_t max_cycles = 0;         // stop with an error after this many cycles; 0 = no limit
  // Host threads for the cores' rounds (engine/core_cluster.h), 0 for the host's cores
  // (host_threads(): shared by the `local_ranks` processes of a distributed run on this host);
  // results do not depend on it.
  uint32_t threads = 0;
  uint32_t host_threads(uint32_t local_ranks = 1) const;
};

// One line of the routing plan, "X,Y COLOR IN>OUT[+OUT...]", e.g. "0-3,0 5 ramp>east" or
// "*,2 7 west>east+ramp": X and Y are a tile number, a range a-b or *; ports are north, east,
// south, west, ramp (or N, E, S, W). The platform writes these routes before the cores start.
struct RouteRule {
  uint32_t x0 = 0, x1 = 0, y0 = 0, y1 = 0;  // inclusive; UINT32_MAX in x1/y1 for *
  uint32_t color = 0;
  int in_port = 0;
  PortMask outputs = 0;
  std::string where;  // file:line, for errors
};
RouteRule parse_route_rule(const std::string& text, const std::string& where);

// Defective tiles of the physical wafer and the spares that replace them. The firmware sees a
// perfect W x H grid; with spare columns every physical row is W + spare_columns tiles wide
// and its good tiles, in order, are the logical row (spare rows alike, per column).
struct DefectMap {
  std::vector<std::pair<uint32_t, uint32_t>> tiles;  // physical (x, y) listed as defective
  std::vector<std::string> tiles_where;              // file:line of each, for errors
  double rate = 0.0;                                 // and each tile defective with this probability
  uint64_t seed = 1;
  uint32_t spare_rows = 0, spare_columns = 0;
};

// A block replaced by its Verilated RTL twin on a range of tiles: "BLOCK@X,Y" with X and Y a
// tile number, a range a-b or * (as in the routing plan), e.g. "router@3,4" or "router@*,*".
struct RtlSwap {
  std::string block;  // "router"
  uint32_t x0 = 0, x1 = 0, y0 = 0, y1 = 0;  // inclusive; UINT32_MAX in x1/y1 for *
  std::string where;  // file:line or the option, for errors
};
RtlSwap parse_rtl_swap(const std::string& text, const std::string& where);

// Edge SerDes on the wafer's perimeter (models/serdes): `count` modules spread evenly over the
// listed edges, each a duplex link of `lanes` x `lane_gbps` (line rate, 64b/66b coded).
struct SerdesConfig {
  uint32_t count = 0;
  uint32_t lanes = 4;
  double lane_gbps = 25.78125;     // 4 lanes: 100 Gb/s of data, one 100 GbE port
  std::string edges = "east,west";  // comma-separated: north, south, east, west
  double bit_error_rate = 1e-12;    // after FEC, per line bit; CRC and replay repair the errors
};
// The edges of `edges`, in order; throws ConfigError naming serdes.edges for an unknown or
// repeated edge or an empty list.
std::vector<std::string> serdes_edges(const std::string& edges);

// The optical Z ports of a system link "wI.z-wJ.z" (models/optical): a grid of ports over the
// west wafer's area, `pitch_tiles` apart, each `channels` WDM wavelengths of `channel_gbps`.
// Their temperatures come from `temperature_map_c` (per reticle of wafer.reticle_*_tiles,
// row-major, comma-separated) or, when it is empty, from the ports' own activity over
// `ambient_c`; the rings drift with it and a port out of its heaters' reach fails over.
struct OpticalConfig {
  uint32_t pitch_tiles = 64;
  uint32_t channels = 16;
  double channel_gbps = 32;
  double ambient_c = 35;
  std::string temperature_map_c;
};
// The values of optical.temperature_map_c; throws ConfigError naming the key and the entry.
std::vector<double> temperature_map(const std::string& text);

// Several wafers (system.*): `wafers` of grid.width x grid.height tiles stand in a row, and the
// firmware sees them as one grid, wafers * grid.width tiles wide. Nothing joins two wafers but
// `links`, comma-separated, each between neighbours in the row: "w0.east-w1.west" (edge SerDes
// on the two facing edges, as serdes.* configures them) or "w0.z-w1.z" (optical Z ports over
// the two wafers' areas, optical.*; when serdes.* puts SerDes on the facing edges too, they
// carry a row's traffic while its Z ports are all down).
// `memnode` attaches a KV-cache memory node (memnode.*) to a system edge that no link uses:
// "w0.west" or "wN.east" for the last wafer N, through the SerDes that serdes.* puts on that
// edge; or "w0.z" (or "wN.z") through the optical Z ports (optical.*) over the cells of that
// outer edge's tiles. Decode then keeps only decode.kv_window positions of K/V in SRAM
// (platform/llama/loader.h).
// `ranks` places the wafers on the MPI ranks of a distributed run (mpirun -np R): the rank of
// each wafer, comma-separated ("0,0,1,1"); empty: in blocks, wafer w on rank w * R / wafers.
struct SystemConfig {
  uint32_t wafers = 1;
  std::string links;
  std::string memnode;
  std::string ranks;
};
// The memory node itself (models/memnode/memnode.h): DDR-class capacity, bandwidth and latency.
struct MemNodeConfig {
  uint64_t size_bytes = uint64_t{64} << 30;
  uint32_t channels = 8;
  double channel_gb_per_s = 25.6;
  double access_latency_ns = 80;
};
// Where system.memnode attaches: the wafer and its edge (kWest or kEast).
struct MemNodeAttachment {
  uint32_t wafer = 0;
  int edge = 0;
  bool optical = false;  // Z ports, not SerDes
};
enum class SystemLinkKind : uint8_t { Edge, Optical };
struct SystemLink {
  uint32_t west = 0;  // joins wafer `west` and wafer `west` + 1
  SystemLinkKind kind = SystemLinkKind::Edge;
  std::string text;   // as written, for messages
};

// How the host puts the ELF, the model shards and the firmware's parameters into the tiles
// before the run (platform/host/host_load.h): `backdoor` writes them in no simulated time; `links`
// sends them through `links` parallel links of `lanes` x `lane_gbps` (line rate, 64b/66b coded;
// the default is WSE-3's 12 x 100 GbE), framed, with bit errors caught by CRC and replayed, and
// reports the simulated load time.
enum class HostLoadPath : uint8_t { Backdoor, Links };
const char* host_load_name(HostLoadPath path);  // "backdoor", "links"
bool parse_host_load(const std::string& text, HostLoadPath& path);
struct HostConfig {
  HostLoadPath load = HostLoadPath::Backdoor;
  uint32_t links = 12;
  uint32_t lanes = 4;
  double lane_gbps = 25.78125;
  double bit_error_rate = 1e-12;  // after FEC, per line bit
};

// How `wafervp run|decode --model` spreads a model over the grid (platform/llama/loader.h).
struct DecodeConfig {
  uint32_t stages = 0;  // pipeline stages, each a block of the grid running a range of layers; 0: the fewest that fit
  uint32_t micro_batches = 1;  // sequences in the pipeline together, each on a stage (at most the stages)
  // K/V positions each core keeps in SRAM, the older ones at the memory node (system.memnode);
  // 0: every position when they fit, else as many as fit beside the model.
  uint32_t kv_window = 0;
  // The matrices' element type on the tiles: the loader rounds the checkpoint's fp32 weights to
  // it, and the host reference computes with the rounded ones.
  TensorType weight_type = TensorType::Fp32;
};

struct PlatformConfig {
  uint32_t grid_width = 8, grid_height = 8;
  double wafer_width_mm = 215, wafer_height_mm = 215;  // the die: WSE-3 is 46,225 mm^2
  SerdesConfig serdes;
  SystemConfig system;
  MemNodeConfig memnode;
  OpticalConfig optical;
  HostConfig host;
  DecodeConfig decode;
  double core_clock_hz = 1.1e9;  // core.clock_hz: the clock of the cores, SRAMs, routers and tensor engines
  CoreParams core;
  SramParams sram;
  FabricParams fabric;  // its width and height follow the grid
  TensorParams tensor;  // its SRAM banks follow sram.*
  NocParams noc;        // `wafervp noc` only
  SimParams sim;
  std::vector<RouteRule> routes;  // the routing plan (fabric.routes)
  DefectMap defects;              // wafer.defects, wafer.defect_rate, ...
  std::vector<RtlSwap> rtl;       // rtl.swap
  std::string rtl_fst_dir;        // rtl.fst_dir: each RTL twin writes its waveform there
  LogLevels log = [] {            // log.<component>: each component's level (tlm/log.h)
    LogLevels l;
    l.fill(kDefaultLogLevel);
    return l;
  }();
};

// Whether serdes.* puts SerDes on each wafer's `edge` ("east", ...).
bool serdes_on_edge(const PlatformConfig& config, const std::string& edge);
// The links of system.links, by border; throws ConfigError naming the link for a port or wafer
// that does not exist, ports that do not face each other, an edge without SerDes, two links on
// one border, and naming the wafer that no link connects.
std::vector<SystemLink> system_links(const PlatformConfig& config);
// The attachment of system.memnode, none when it is empty; throws ConfigError naming the key for
// a wafer that does not exist, an edge that is not an outer one of the row, or one without SerDes.
std::optional<MemNodeAttachment> memnode_attachment(const PlatformConfig& config);
// The grid the firmware sees: the wafers side by side.
uint32_t system_width(const PlatformConfig& config);
// The rank of each wafer for a run on `ranks` MPI ranks (system.ranks; one rank runs all, and
// system.ranks is then not looked at). Throws ConfigError for
// more ranks than wafers (a single wafer has no inter-wafer link to split at), a system.ranks
// entry that is no rank or a list of another length, a rank given no wafer, two neighbours on
// different ranks joined by optical Z ports (only edge SerDes links are split), and a memory
// node on a wafer of another rank than 0.
std::vector<uint32_t> wafer_ranks(const PlatformConfig& config, uint32_t ranks);

struct ConfigKey {
  std::string key, default_value, help;
};

// All keys with their defaults, in file order (also the README's table).
std::vector<ConfigKey> config_keys();
// The same keys with the values `config` holds (in `default_value`).
std::vector<ConfigKey> config_values(const PlatformConfig& config);

// The config as a checkpoint records it (engine/snapshot.h), "key=value" lines: every key but
// those a continued run may change (sim.max_cycles, sim.threads, log.*).
std::string checkpoint_config_text(const PlatformConfig& config);

// Applies a YAML file on top of `config`.
void load_config_file(PlatformConfig& config, const std::string& path);
// Applies YAML text (tests); `source` names it in errors.
void load_config_text(PlatformConfig& config, const std::string& yaml, const std::string& source);
// Sets one key from a string, e.g. ("sim.quantum_cycles", "100") for command-line overrides.
void set_config_value(PlatformConfig& config, const std::string& key, const std::string& value,
                      const std::string& where);
// Cross-field checks after everything is applied.
void validate_config(const PlatformConfig& config);

// "WxH" -> width, height; throws ConfigError.
void parse_grid(const std::string& text, uint32_t& width, uint32_t& height);

}  // namespace wvp
