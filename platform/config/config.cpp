#include "platform/config/config.h"

#include <algorithm>
#include <charconv>
#include <cmath>
#include <cstdio>
#include <functional>
#include <limits>
#include <map>
#include <sstream>
#include <thread>

#include <yaml-cpp/yaml.h>

#include "abi/wvp/model_layout.h"

#include "platform/support/input_file.h"
#include "platform/support/quoted.h"

#include "platform/support/quoted.h"

namespace wvp {

namespace {

// The entries of a comma-separated list, each without its surrounding spaces ("a, b" -> a, b).
std::vector<std::string> comma_entries(const std::string& text) {
  std::vector<std::string> entries;
  std::istringstream in(text);
  for (std::string entry; std::getline(in, entry, ',');) {
    entry.erase(0, entry.find_first_not_of(' '));
    entry.erase(entry.find_last_not_of(' ') + 1);
    entries.push_back(std::move(entry));
  }
  return entries;
}

template <typename T>
bool parse_number(const std::string& text, T& out) {
  if constexpr (std::is_floating_point_v<T>) {
    char* end = nullptr;
    errno = 0;
    const double v = std::strtod(text.c_str(), &end);
    if (text.empty() || *end != '\0' || errno != 0 || !std::isfinite(v)) return false;
    out = static_cast<T>(v);
    return true;
  } else {
    const bool hex = text.size() > 2 && text[0] == '0' && (text[1] == 'x' || text[1] == 'X');
    const char* first = text.data() + (hex ? 2 : 0);
    const char* last = text.data() + text.size();
    const auto [ptr, ec] = std::from_chars(first, last, out, hex ? 16 : 10);
    return ec == std::errc() && ptr == last && first != last;
  }
}

struct Field {
  std::string key, help;
  std::function<std::string(const PlatformConfig&)> get;
  std::function<bool(PlatformConfig&, const std::string&)> set;  // false: bad value
  std::string expected;                                          // for error messages
};

template <typename T>
Field number(std::string key, std::string help, T& (*ref)(PlatformConfig&), T min, T max) {
  Field f;
  f.key = std::move(key);
  f.help = std::move(help);
  f.get = [ref](const PlatformConfig& c) {
    const T value = ref(const_cast<PlatformConfig&>(c));
    if constexpr (std::is_floating_point_v<T>) {
      // The shortest text that reads back as the same number (25.78125, not 25.7812).
      char text[32];
      return std::string(text, std::to_chars(text, text + sizeof text, value).ptr);
    } else {
      return std::to_string(value);
    }
  };
  f.set = [ref, min, max](PlatformConfig& c, const std::string& text) {
    T v{};
    if (!parse_number(text, v) || v < min || v > max) return false;
    ref(c) = v;
    return true;
  };
  std::ostringstream os;
  os << (std::is_floating_point_v<T> ? "a number" : "an integer") << " in [" << min << ", " << max << "]";
  f.expected = os.str();
  return f;
}

// A count that may also be "auto" (held as 0): what the host offers, decided where it is used.
Field count_or_auto(std::string key, std::string help, uint32_t& (*ref)(PlatformConfig&), uint32_t max) {
  Field f = number<uint32_t>(std::move(key), std::move(help), ref, 1, max);
  f.get = [ref, get = f.get](const PlatformConfig& c) { return ref(const_cast<PlatformConfig&>(c)) ? get(c) : "auto"; };
  f.set = [ref, set = f.set](PlatformConfig& c, const std::string& text) { return text == "auto" ? (ref(c) = 0, true) : set(c, text); };
  f.expected = "auto or " + f.expected;
  return f;
}

// A named choice (an enum), spelled as `name` prints it.
template <typename E>
Field choice(std::string key, std::string help, E& (*ref)(PlatformConfig&), const char* (*name)(E),
             bool (*parse)(const std::string&, E&), std::initializer_list<E> values) {
  Field f;
  f.key = std::move(key);
  f.help = std::move(help);
  f.get = [ref, name](const PlatformConfig& c) { return std::string(name(ref(const_cast<PlatformConfig&>(c)))); };
  f.set = [ref, parse](PlatformConfig& c, const std::string& text) { return parse(text, ref(c)); };
  f.expected = "one of";
  for (E v : values) f.expected += std::string(" ") + name(v);
  return f;
}

// A free-form string.
Field text(std::string key, std::string help, std::string& (*ref)(PlatformConfig&)) {
  Field f;
  f.key = std::move(key);
  f.help = std::move(help);
  f.get = [ref](const PlatformConfig& c) { return ref(const_cast<PlatformConfig&>(c)); };
  f.set = [ref](PlatformConfig& c, const std::string& value) { return ref(c) = value, true; };
  f.expected = "a string";
  return f;
}

// A list in a string (serdes.edges, optical.temperature_map_c), checked when set by `parse`,
// which throws ConfigError for a bad one.
Field checked_list(std::string key, std::string help, std::string& (*ref)(PlatformConfig&),
                   void (*parse)(const std::string&), std::string expected) {
  Field f = text(std::move(key), std::move(help), ref);
  f.set = [ref, parse](PlatformConfig& c, const std::string& value) {
    try {
      parse(value);
    } catch (const ConfigError&) {
      return false;
    }
    return ref(c) = value, true;
  };
  f.expected = std::move(expected);
  return f;
}

const char* isa_name(bool compressed) { return compressed ? "rv32imfc" : "rv32imf"; }
bool parse_isa(const std::string& text, bool& compressed) {
  if (text != "rv32imf" && text != "rv32imfc") return false;
  compressed = text == "rv32imfc";
  return true;
}

const char* register_path_name(bool fast) { return fast ? "fast" : "tlm"; }
bool parse_register_path(const std::string& text, bool& fast) {
  if (text != "fast" && text != "tlm") return false;
  fast = text == "fast";
  return true;
}

const char* tensor_type_name(TensorType type) { return wvp_type_name(uint32_t(type)); }
bool parse_tensor_type(const std::string& text, TensorType& type) {
  for (TensorType t : {TensorType::Fp32, TensorType::Fp16, TensorType::Bf16})
    if (text == tensor_type_name(t)) return type = t, true;
  return false;
}

#define WVP_REF(type, expr) +[](PlatformConfig& c) -> type& { return expr; }

template <LogComponent kComponent>
LogLevel& log_level(PlatformConfig& c) {
  return c.log[static_cast<size_t>(kComponent)];
}

template <LogComponent kComponent>
Field log_field() {
  return choice<LogLevel>(std::string("log.") + log_component_name(kComponent), std::string("level of the ") + log_component_name(kComponent) +
                          " log (stderr): trace, debug, info, warn, error or off", &log_level<kComponent>, log_level_name, parse_log_level,
                          {LogLevel::Trace, LogLevel::Debug, LogLevel::Info, LogLevel::Warn, LogLevel::Error, LogLevel::Off});
}

const std::vector<Field>& fields() {
  constexpr uint32_t kU32 = std::numeric_limits<uint32_t>::max();
  constexpr uint64_t kU64 = std::numeric_limits<uint64_t>::max();
  static const std::vector<Field> all = {
      number<uint32_t>("grid.width", "tiles per row", WVP_REF(uint32_t, c.grid_width), 1, 1u << 16),
      number<uint32_t>("grid.height", "tiles per column", WVP_REF(uint32_t, c.grid_height), 1, 1u << 16),
      number<double>("core.clock_hz", "core clock (Hz); mtime ticks at this rate", WVP_REF(double, c.core_clock_hz), Clock::kMinHz, Clock::kMaxHz),
      choice<bool>("core.isa", "the cores' instruction set: rv32imf, or rv32imfc with the C extension (2-byte instructions)", WVP_REF(bool, c.core.compressed), isa_name, parse_isa, {false, true}),
      choice<bool>("core.register_path", "how cores reach their tile's registers: fast (a direct call into the device) or tlm (b_transport through the bus); the same results", WVP_REF(bool, c.core.register_fast_path), register_path_name, parse_register_path, {true, false}),
      number<uint32_t>("core.timing.alu_cycles", "integer ALU, lui, auipc", WVP_REF(uint32_t, c.core.timing.alu_cycles), 0, 1000),
      number<uint32_t>("core.timing.mul_cycles", "mul, mulh*", WVP_REF(uint32_t, c.core.timing.mul_cycles), 0, 1000),
      number<uint32_t>("core.timing.div_cycles", "div, divu, rem, remu", WVP_REF(uint32_t, c.core.timing.div_cycles), 0, 1000),
      number<uint32_t>("core.timing.load_cycles", "loads, plus the target's latency", WVP_REF(uint32_t, c.core.timing.load_cycles), 0, 1000),
      number<uint32_t>("core.timing.store_cycles", "stores, plus the target's latency", WVP_REF(uint32_t, c.core.timing.store_cycles), 0, 1000),
      number<uint32_t>("core.timing.branch_cycles", "branch not taken", WVP_REF(uint32_t, c.core.timing.branch_cycles), 0, 1000),
      number<uint32_t>("core.timing.branch_taken_cycles", "taken branch, jal, jalr", WVP_REF(uint32_t, c.core.timing.branch_taken_cycles), 0, 1000),
      number<uint32_t>("core.timing.fp_cycles", "FP add/mul/fma/compare/convert/move", WVP_REF(uint32_t, c.core.timing.fp_cycles), 0, 1000),
      number<uint32_t>("core.timing.fdiv_cycles", "fdiv.s", WVP_REF(uint32_t, c.core.timing.fdiv_cycles), 0, 1000),
      number<uint32_t>("core.timing.fsqrt_cycles", "fsqrt.s", WVP_REF(uint32_t, c.core.timing.fsqrt_cycles), 0, 1000),
      number<uint32_t>("core.timing.system_cycles", "csr, fence, ecall, ebreak, mret, wfi", WVP_REF(uint32_t, c.core.timing.system_cycles), 0, 1000),
      number<uint32_t>("sram.size_bytes", "local SRAM per tile (multiple of 4)", WVP_REF(uint32_t, c.sram.size_bytes), 4, 1u << 30),
      number<uint32_t>("sram.banks", "banks, word-interleaved", WVP_REF(uint32_t, c.sram.banks), 1, 1024),
      number<uint32_t>("sram.bank_width_bytes", "bytes per bank word", WVP_REF(uint32_t, c.sram.bank_width_bytes), 1, 64),
      number<uint32_t>("sram.access_latency_cycles", "extra cycles per access (also the DMI latency)", WVP_REF(uint32_t, c.sram.access_latency_cycles), 0, 1000),
      number<uint32_t>("sram.read_bytes_per_cycle", "read port bandwidth", WVP_REF(uint32_t, c.sram.read_bytes_per_cycle), 1, kU32),
      number<uint32_t>("sram.write_bytes_per_cycle", "write port bandwidth", WVP_REF(uint32_t, c.sram.write_bytes_per_cycle), 1, kU32),
      choice<SramEcc>("sram.ecc", "SECDED per 32-bit word, decoded on every read: off, model (C++) or rtl (the Verilated block)", WVP_REF(SramEcc, c.sram.ecc), sram_ecc_name, parse_sram_ecc, {SramEcc::Off, SramEcc::Model, SramEcc::Rtl}),
      number<uint32_t>("tensor.fp32_lanes", "tensor engine: fp32 elements (FMACs) per cycle", WVP_REF(uint32_t, c.tensor.fp32_lanes), 1, 1024),
      number<uint32_t>("tensor.fp16_lanes", "tensor engine: fp16/bf16 elements (FMACs) per cycle", WVP_REF(uint32_t, c.tensor.fp16_lanes), 1, 1024),
      number<uint32_t>("tensor.startup_cycles", "tensor engine: cycles before the first element of an operation", WVP_REF(uint32_t, c.tensor.startup_cycles), 0, 1u << 20),
      number<uint32_t>("wafer.reticle_width_tiles", "reticle width; links across a reticle edge pay the crossing latency (0: one reticle)", WVP_REF(uint32_t, c.fabric.reticle_width_tiles), 0, 1u << 16),
      number<uint32_t>("wafer.reticle_height_tiles", "reticle height (0: one reticle)", WVP_REF(uint32_t, c.fabric.reticle_height_tiles), 0, 1u << 16),
      number<uint32_t>("wafer.spare_rows", "spare rows below the grid that replace defective tiles, per column", WVP_REF(uint32_t, c.defects.spare_rows), 0, 1u << 16),
      number<uint32_t>("wafer.spare_columns", "spare columns right of the grid that replace defective tiles, per row", WVP_REF(uint32_t, c.defects.spare_columns), 0, 1u << 16),
      number<double>("wafer.defect_rate", "probability that a physical tile is defective", WVP_REF(double, c.defects.rate), 0.0, 1.0),
      number<uint64_t>("wafer.defect_seed", "random seed of the defects drawn with defect_rate", WVP_REF(uint64_t, c.defects.seed), 0, kU64),
      number<double>("wafer.width_mm", "width of the wafer-scale die (mm), for the I/O density per mm of edge", WVP_REF(double, c.wafer_width_mm), 1.0, 1000.0),
      number<double>("wafer.height_mm", "height of the wafer-scale die (mm)", WVP_REF(double, c.wafer_height_mm), 1.0, 1000.0),
      choice<RouterPipeline>("fabric.pipeline", "router pipeline: wafer (1 cycle per hop) or iq-vc-4stage (RC, VA, SA, ST + link)", WVP_REF(RouterPipeline, c.fabric.pipeline), pipeline_name, parse_pipeline, {RouterPipeline::Wafer, RouterPipeline::IqVc4Stage}),
      number<uint32_t>("fabric.colors", "routable colors (virtual channels) per port", WVP_REF(uint32_t, c.fabric.colors), 1, 32),
      number<uint32_t>("fabric.buffer_depth_flits", "router input buffer per port and color", WVP_REF(uint32_t, c.fabric.buffer_depth_flits), 1, 255),
      number<uint32_t>("fabric.hop_latency_cycles", "wafer pipeline: cycles per hop (router + link)", WVP_REF(uint32_t, c.fabric.hop_latency_cycles), 1, 255),
      number<uint32_t>("fabric.reticle_crossing_cycles", "extra cycles on a link across a reticle edge", WVP_REF(uint32_t, c.fabric.reticle_crossing_cycles), 0, 255),
      number<uint32_t>("fabric.credit_delay_cycles", "cycles for a credit to return upstream", WVP_REF(uint32_t, c.fabric.credit_delay_cycles), 1, 255),
      number<uint32_t>("fabric.tx_queue_depth_flits", "tile send queue per color", WVP_REF(uint32_t, c.fabric.tx_queue_depth_flits), 1, 255),
      number<uint32_t>("fabric.rx_queue_depth_flits", "tile receive queue per color", WVP_REF(uint32_t, c.fabric.rx_queue_depth_flits), 1, 255),
      number<uint32_t>("fabric.watchdog_cycles", "a flit blocked this long triggers the deadlock check", WVP_REF(uint32_t, c.fabric.watchdog_cycles), 1, kU32),
      number<uint32_t>("serdes.count", "edge SerDes modules, spread evenly over serdes.edges (0: none)", WVP_REF(uint32_t, c.serdes.count), 0, 4096),
      number<uint32_t>("serdes.lanes", "lanes per edge SerDes", WVP_REF(uint32_t, c.serdes.lanes), 1, 1024),
      number<double>("serdes.lane_gbps", "line rate per lane (Gb/s, 64b/66b coded; 25.78125 carries 25 Gb/s of data)", WVP_REF(double, c.serdes.lane_gbps), 0.001, 448.0),
      number<double>("serdes.bit_error_rate", "bit-error rate after FEC, per line bit; frames hit are caught by their CRC and replayed", WVP_REF(double, c.serdes.bit_error_rate), 0.0, 1e-3),
      checked_list("serdes.edges", "edges that carry the SerDes, comma-separated: north, south, east, west", WVP_REF(std::string, c.serdes.edges),
                   [](const std::string& v) { serdes_edges(v); }, "a comma-separated list of distinct edges (north, south, east, west)"),
      number<uint32_t>("system.wafers", "wafers of grid.width x grid.height tiles in a row, seen by the firmware as one grid", WVP_REF(uint32_t, c.system.wafers), 1, 1024),
      text("system.links", "links between neighbouring wafers, comma-separated: wI.east-wJ.west (edge SerDes) or wI.z-wJ.z (optical Z ports, over the facing edges' SerDes when all are down)", WVP_REF(std::string, c.system.links)),
      text("system.ranks", "the MPI rank of each wafer in a distributed run (mpirun -np R), comma-separated, e.g. 0,0,1,1; empty: in blocks of consecutive wafers", WVP_REF(std::string, c.system.ranks)),
      text("system.memnode", "where a KV-cache memory node (memnode.*) is reached: w0.west or wN.east of the last wafer (their SerDes), or w0.z / wN.z (the optical Z ports over that edge's tiles); empty: none", WVP_REF(std::string, c.system.memnode)),
      number<uint64_t>("memnode.size_bytes", "memory node capacity (bytes)", WVP_REF(uint64_t, c.memnode.size_bytes), 1, uint64_t{1} << 50),
      number<uint32_t>("memnode.channels", "memory node DRAM channels, interleaved every 256 bytes", WVP_REF(uint32_t, c.memnode.channels), 1, 4096),
      number<double>("memnode.channel_gb_per_s", "bandwidth per DRAM channel (GB/s)", WVP_REF(double, c.memnode.channel_gb_per_s), 0.001, 1e4),
      number<double>("memnode.access_latency_ns", "idle access latency of the memory node (ns), controller and PHY included", WVP_REF(double, c.memnode.access_latency_ns), 0.0, 1e6),
      number<uint32_t>("optical.pitch_tiles", "optical Z links: tiles between neighbouring ports, both ways (a port serves its cell)", WVP_REF(uint32_t, c.optical.pitch_tiles), 1, 1u << 16),
      number<uint32_t>("optical.channels", "WDM wavelengths per port and direction", WVP_REF(uint32_t, c.optical.channels), 1, 1024),
      number<double>("optical.channel_gbps", "line rate per wavelength (Gb/s, 64b/66b coded)", WVP_REF(double, c.optical.channel_gbps), 0.001, 224.0),
      number<double>("optical.ambient_c", "coolant temperature (C) under the activity model", WVP_REF(double, c.optical.ambient_c), -40.0, 150.0),
      checked_list("optical.temperature_map_c", "per-reticle temperatures (C), row-major, comma-separated; empty: the ports' activity model", WVP_REF(std::string, c.optical.temperature_map_c),
                   [](const std::string& v) { temperature_map(v); }, "a comma-separated list of temperatures in C (-40 to 200), or nothing"),
      choice<HostLoadPath>("host.load", "how the ELF, model shards and parameters reach the tiles before the run: backdoor (no simulated time) or links (through the host links, timed)", WVP_REF(HostLoadPath, c.host.load), host_load_name, parse_host_load, {HostLoadPath::Backdoor, HostLoadPath::Links}),
      number<uint32_t>("host.links", "parallel links from the host to the wafer (WSE-3: 12 x 100 GbE)", WVP_REF(uint32_t, c.host.links), 1, 4096),
      number<uint32_t>("host.lanes", "lanes per host link", WVP_REF(uint32_t, c.host.lanes), 1, 1024),
      number<double>("host.lane_gbps", "line rate per host lane (Gb/s, 64b/66b coded; 25.78125 carries 25 Gb/s of data)", WVP_REF(double, c.host.lane_gbps), 0.001, 448.0),
      number<double>("host.bit_error_rate", "host links' bit-error rate after FEC, per line bit; frames hit are caught by their CRC and replayed", WVP_REF(double, c.host.bit_error_rate), 0.0, 1e-3),
      number<uint32_t>("decode.stages", "pipeline stages of a model (--model), each a block of the grid running a range of layers (0: one stage if the model fits, else the largest blocks that fit)", WVP_REF(uint32_t, c.decode.stages), 0, 1u << 24),
      number<uint32_t>("decode.micro_batches", "sequences (users) decoded together, each with its own prompt and KV cache, so that the pipeline stages work at once; at most the stages (0 stages: the fewest that fit, at least this many)", WVP_REF(uint32_t, c.decode.micro_batches), 1, WVP_MAX_MICRO_BATCHES),
      number<uint32_t>("decode.kv_window", "K/V positions each core keeps in SRAM, the older ones at the memory node (system.memnode); 0: all if they fit, else as many as fit", WVP_REF(uint32_t, c.decode.kv_window), 0, 1u << 24),
      choice<TensorType>("decode.weight_type", "element type of the model's matrices on the tiles: fp32, fp16 or bf16 (rounded to nearest even from the checkpoint's fp32; the host reference computes with the rounded weights)", WVP_REF(TensorType, c.decode.weight_type), tensor_type_name, parse_tensor_type, {TensorType::Fp32, TensorType::Fp16, TensorType::Bf16}),
      choice<Traffic>("noc.pattern", "synthetic traffic pattern", WVP_REF(Traffic, c.noc.pattern), traffic_name, parse_traffic, {Traffic::Uniform, Traffic::Transpose, Traffic::BitComplement, Traffic::Hotspot, Traffic::Tornado, Traffic::Neighbor}),
      choice<Routing>("noc.routing", "routing function", WVP_REF(Routing, c.noc.routing), routing_name, parse_routing, {Routing::XY, Routing::YX, Routing::WestFirst, Routing::OddEven}),
      number<double>("noc.injection_rate", "offered load (flits/node/cycle)", WVP_REF(double, c.noc.injection_rate), 1e-9, 1.0),
      number<uint32_t>("noc.packet_flits", "flits per packet", WVP_REF(uint32_t, c.noc.packet_flits), 1, 1u << 16),
      number<uint32_t>("noc.vcs", "virtual channels per port", WVP_REF(uint32_t, c.noc.vcs), 1, 32),
      number<uint32_t>("noc.buffer_depth_flits", "input buffer per VC", WVP_REF(uint32_t, c.noc.buffer_depth_flits), 1, 255),
      number<uint64_t>("noc.warmup_cycles", "cycles before measuring", WVP_REF(uint64_t, c.noc.warmup_cycles), 0, kU64),
      number<uint64_t>("noc.measure_cycles", "measurement window (cycles)", WVP_REF(uint64_t, c.noc.measure_cycles), 1, kU64),
      number<uint64_t>("noc.drain_max_cycles", "give up draining measured packets after this", WVP_REF(uint64_t, c.noc.drain_max_cycles), 0, kU64),
      number<double>("noc.hotspot_fraction", "hotspot: share of packets to the centre node", WVP_REF(double, c.noc.hotspot_fraction), 0.0, 1.0),
      number<uint32_t>("noc.region_width", "traffic only in columns [0, w) (0: whole grid)", WVP_REF(uint32_t, c.noc.region_width), 0, 1u << 16),
      number<uint32_t>("noc.region_height", "traffic only in rows [0, h) (0: whole grid)", WVP_REF(uint32_t, c.noc.region_height), 0, 1u << 16),
      number<uint64_t>("noc.seed", "traffic random seed", WVP_REF(uint64_t, c.noc.seed), 0, kU64),
      text("rtl.fst_dir", "directory where every RTL twin (rtl.swap, --rtl) writes its FST waveform (empty: none)", WVP_REF(std::string, c.rtl_fst_dir)),
      number<uint64_t>("sim.quantum_cycles", "temporal-decoupling quantum (cycles)", WVP_REF(uint64_t, c.sim.quantum_cycles), 1, kU64),
      number<uint64_t>("sim.max_cycles", "stop with exit code 4 after this many cycles (0: no limit)", WVP_REF(uint64_t, c.sim.max_cycles), 0, kU64),
      count_or_auto("sim.threads", "host threads for the cores (auto: the host's cores); every result is the same for any count", WVP_REF(uint32_t, c.sim.threads), SimParams::kMaxThreads),
      log_field<LogComponent::Core>(), log_field<LogComponent::Sram>(), log_field<LogComponent::Fabric>(),
      log_field<LogComponent::Tensor>(), log_field<LogComponent::Link>(), log_field<LogComponent::Serdes>(),
      log_field<LogComponent::Optical>(), log_field<LogComponent::Memnode>(), log_field<LogComponent::Host>(),
      log_field<LogComponent::Gdb>(), log_field<LogComponent::Platform>(),
  };
  return all;
}

#undef WVP_REF

const Field* find_field(const std::string& key) {
  for (const Field& f : fields())
    if (f.key == key) return &f;
  return nullptr;
}

std::string where(const std::string& source, const YAML::Node& node) {
  return source + ":" + std::to_string(node.Mark().line + 1);
}

// Whether some key lies under `section` ("core.timing" for core.timing.alu_cycles).
bool is_section(const std::string& section) {
  for (const Field& f : fields())
    if (f.key.size() > section.size() && f.key[section.size()] == '.' && f.key.compare(0, section.size(), section) == 0)
      return true;
  return false;
}

// Applies one YAML document. Only known sections are entered, and each key once, so the work
// stays linear in the file even where aliases share nodes or form cycles.
struct YamlApplier {
  PlatformConfig& config;
  const std::string& source;
  std::map<std::string, int> lines;  // each dotted key met so far, at its line

  std::string at(const YAML::Node& node) const { return where(source, node); }

  // The list keys: each item is one scalar, checked with its own file:line.
  bool apply_list(const std::string& key, const YAML::Node& list) {
    if (key != "fabric.routes" && key != "wafer.defects" && key != "rtl.swap") return false;
    if (!list.IsSequence()) throw ConfigError(at(list) + ": " + key + ": expected a list");
    for (const YAML::Node& item : list) {
      if (!item.IsScalar()) throw ConfigError(at(item) + ": " + key + ": expected a string per item");
      const std::string item_at = at(item);
      if (key == "fabric.routes") {
        config.routes.push_back(parse_route_rule(item.Scalar(), item_at));
      } else if (key == "rtl.swap") {
        config.rtl.push_back(parse_rtl_swap(item.Scalar(), item_at));
      } else {
        unsigned x, y;
        char tail;
        if (std::sscanf(item.Scalar().c_str(), "%u,%u%c", &x, &y, &tail) != 2)
          throw ConfigError(item_at + ": wafer.defects: expected a physical tile X,Y, got " + wvp::quoted(item.Scalar()));
        config.defects.tiles.emplace_back(x, y);
        config.defects.tiles_where.push_back(item_at);
      }
    }
    return true;
  }

  // A section no key lies under is named by its first entry's key, down to a value, as the user
  // who mistyped one of its keys reads it; a few levels are enough (and cycles end).
  [[noreturn]] void unknown(const YAML::Node& key_node, const std::string& key, const YAML::Node& value, int depth = 0) {
    if (value.IsMap() && value.size() && depth < 8) {
      const auto first = *value.begin();
      if (first.first.IsScalar()) unknown(first.first, key + "." + first.first.Scalar(), first.second, depth + 1);
    }
    throw ConfigError(at(key_node) + ": unknown key " + wvp::quoted(key));
  }

  void apply(const YAML::Node& node, const std::string& prefix) {
    if (!node.IsMap()) throw ConfigError(at(node) + ": " + (prefix.empty() ? "the config" : prefix) + " must be a map of keys");
    for (const auto& kv : node) {
      // yaml-cpp takes maps, lists and nothing as keys ({}: 1, [1, 2]: 64, ? [a, b]).
      if (!kv.first.IsScalar())
        throw ConfigError(at(kv.first) + ": " + (prefix.empty() ? "" : prefix + ": ") + "a key must be a name, got " +
                          (kv.first.IsMap() ? "a map" : kv.first.IsSequence() ? "a list" : "nothing"));
      const std::string key = (prefix.empty() ? "" : prefix + ".") + kv.first.Scalar();
      // yaml-cpp keeps both entries of a repeated key; "grid.width" and grid: {width} are one key.
      const int line = kv.first.Mark().line + 1;
      if (const auto [first, added] = lines.emplace(key, line); !added)
        throw ConfigError(at(kv.first) + ": key " + wvp::quoted(key) + " given twice (first at line " + std::to_string(first->second) + ")");
      if (kv.second.IsMap()) {
        if (!is_section(key)) unknown(kv.first, key, kv.second);
        apply(kv.second, key);
        continue;
      }
      if (apply_list(key, kv.second)) continue;
      if (!find_field(key)) throw ConfigError(at(kv.first) + ": unknown key " + wvp::quoted(key));
      if (!kv.second.IsScalar()) throw ConfigError(at(kv.second) + ": " + key + ": expected a single value");
      set_config_value(config, key, kv.second.Scalar(), at(kv.second));
    }
  }
};

}  // namespace

uint32_t SimParams::host_threads(uint32_t local_ranks) const {
  return threads ? threads : std::clamp(std::thread::hardware_concurrency() / std::max(local_ranks, 1u), 1u, kMaxThreads);
}

std::vector<ConfigKey> config_keys() { return config_values(PlatformConfig{}); }

std::string checkpoint_config_text(const PlatformConfig& config) {
  std::string text;
  for (const ConfigKey& k : config_values(config))
    if (k.key != "sim.max_cycles" && k.key != "sim.threads" && k.key.rfind("log.", 0) != 0)
      text += k.key + "=" + k.default_value + "\n";
  return text;
}

std::vector<ConfigKey> config_values(const PlatformConfig& config) {
  std::vector<ConfigKey> keys;
  for (const Field& f : fields()) keys.push_back({f.key, f.get(config), f.help});
  return keys;
}

void set_config_value(PlatformConfig& config, const std::string& key, const std::string& value, const std::string& at) {
  const Field* f = find_field(key);
  if (!f) throw ConfigError(at + ": unknown key " + wvp::quoted(key));
  if (!f->set(config, value)) throw ConfigError(at + ": " + key + ": expected " + f->expected + ", got " + wvp::quoted(value));
}

void load_config_text(PlatformConfig& config, const std::string& yaml, const std::string& source) {
  // Whatever yaml-cpp throws, while parsing or while the nodes are read, is the file's fault.
  const auto yaml_error = [&](const YAML::Exception& e, const char* what) {
    const std::string line = e.mark.is_null() ? "" : ":" + std::to_string(e.mark.line + 1);
    // yaml-cpp's messages are constants, some followed by ": " and input (an escape character, a
    // version), which may be a line break or a long run of bytes.
    const size_t input = e.msg.find(": ");
    const std::string msg = input == std::string::npos ? e.msg : e.msg.substr(0, input + 2) + wvp::quoted(e.msg.substr(input + 2));
    return ConfigError(source + line + ": " + what + msg);
  };
  YAML::Node root;
  try {
    root = YAML::Load(yaml);
  } catch (const YAML::Exception& e) {
    throw yaml_error(e, "YAML syntax error: ");
  }
  if (root.IsNull()) return;  // an empty file keeps the defaults
  try {
    YamlApplier{config, source, {}}.apply(root, "");
  } catch (const YAML::Exception& e) {
    throw yaml_error(e, "");
  }
}

void load_config_file(PlatformConfig& config, const std::string& path) {
  // Configs are a few KB; the limit leaves room for a long value, which the errors quote short.
  constexpr uint64_t kMaxConfigBytes = uint64_t{64} << 20;
  std::string text;
  if (const std::string problem = read_input_file(path, "config file", kMaxConfigBytes, text); !problem.empty())
    throw ConfigError(path + ": " + problem);
  load_config_text(config, text, path);
}

std::vector<std::string> serdes_edges(const std::string& edges) {
  std::vector<std::string> out;
  std::istringstream in(edges);
  std::string edge;
  while (std::getline(in, edge, ',')) {
    int dir;
    if (!parse_direction(edge, dir) || dir == kRamp)
      throw ConfigError("serdes.edges: unknown edge " + wvp::quoted(edge) + " (edges: north, south, east, west)");
    for (const std::string& seen : out)
      if (seen == edge) throw ConfigError("serdes.edges: edge " + wvp::quoted(edge) + " listed twice");
    out.push_back(edge);
  }
  if (out.empty()) throw ConfigError("serdes.edges: no edge listed");
  return out;
}

std::vector<double> temperature_map(const std::string& text) {
  std::vector<double> map;
  for (const std::string& entry : comma_entries(text)) {
    double v = 0;
    const auto [end, ec] = std::from_chars(entry.data(), entry.data() + entry.size(), v);
    if (entry.empty() || ec != std::errc() || end != entry.data() + entry.size() || !(v >= -40 && v <= 200))
      throw ConfigError("optical.temperature_map_c: entry " + std::to_string(map.size() + 1) + " " + wvp::quoted(entry) +
                        " is not a temperature in C from -40 to 200");
    map.push_back(v);
  }
  return map;
}

const char* host_load_name(HostLoadPath path) { return path == HostLoadPath::Links ? "links" : "backdoor"; }

bool parse_host_load(const std::string& text, HostLoadPath& path) {
  for (HostLoadPath p : {HostLoadPath::Backdoor, HostLoadPath::Links})
    if (text == host_load_name(p)) return path = p, true;
  return false;
}

uint32_t system_width(const PlatformConfig& c) { return c.grid_width * c.system.wafers; }

namespace {

// "wI.PORT" -> wafer I and the port (a direction, or kRamp for the Z ports "z").
void parse_system_port(const std::string& text, const std::string& link, uint32_t wafers, uint32_t& wafer, int& port) {
  const std::string where = "system.links: link " + wvp::quoted(link) + ": ";
  const size_t dot = text.find('.');
  if (text.size() < 2 || text[0] != 'w' || dot == std::string::npos || !parse_number(text.substr(1, dot - 1), wafer))
    throw ConfigError(where + wvp::quoted(text) + " is not a wafer's port (wI.east, wI.west, wI.north, wI.south or wI.z)");
  if (wafer >= wafers)
    throw ConfigError(where + "there is no wafer w" + std::to_string(wafer) + " (system.wafers: " + std::to_string(wafers) + ")");
  const std::string name = text.substr(dot + 1);
  if (name == "z") {
    port = kRamp;
  } else if (!parse_direction(name, port) || port == kRamp) {
    throw ConfigError(where + "wafer w" + std::to_string(wafer) + " has no port " + wvp::quoted(name) +
                      " (ports: north, east, south, west, z)");
  }
}

}  // namespace

bool serdes_on_edge(const PlatformConfig& c, const std::string& edge) {
  const std::vector<std::string> edges = serdes_edges(c.serdes.edges);
  return c.serdes.count && std::find(edges.begin(), edges.end(), edge) != edges.end();
}

std::vector<SystemLink> system_links(const PlatformConfig& c) {
  const uint32_t wafers = c.system.wafers;
  std::vector<SystemLink> links;
  std::vector<size_t> border(wafers, SIZE_MAX);  // the link joining w and w + 1, by w
  for (const std::string& text : comma_entries(c.system.links)) {
    const std::string where = "system.links: link " + wvp::quoted(text) + ": ";
    const size_t dash = text.find('-');
    if (dash == std::string::npos) throw ConfigError(where + "not two ports joined by '-' (e.g. w0.east-w1.west)");
    uint32_t a, b;
    int pa, pb;
    parse_system_port(text.substr(0, dash), text, wafers, a, pa);
    parse_system_port(text.substr(dash + 1), text, wafers, b, pb);
    if (a > b) std::swap(a, b), std::swap(pa, pb);
    SystemLink link{a, pa == kRamp ? SystemLinkKind::Optical : SystemLinkKind::Edge, text};
    if ((pa == kRamp) != (pb == kRamp))
      throw ConfigError(where + "joins a Z port to an edge; a link is edge to edge or Z port to Z port");
    if (b != a + 1)
      throw ConfigError(where + "w" + std::to_string(a) + " and w" + std::to_string(b) +
                        " are not neighbours; the wafers stand in a row and links join wI and wI+1");
    if (link.kind == SystemLinkKind::Edge) {
      if (pa != kEast || pb != kWest)
        throw ConfigError(where + "w" + std::to_string(a) + "." + direction_name(pa) + " and w" + std::to_string(b) + "." +
                          direction_name(pb) + " do not face each other (w" + std::to_string(a) + ".east faces w" +
                          std::to_string(b) + ".west)");
      for (const char* edge : {"east", "west"})
        if (!serdes_on_edge(c, edge))
          throw ConfigError(where + "the wafers have no SerDes on their " + edge + " edge (serdes.count " +
                            std::to_string(c.serdes.count) + ", serdes.edges " + c.serdes.edges + ")");
    }
    if (border[a] != SIZE_MAX)
      throw ConfigError(where + "w" + std::to_string(a) + " and w" + std::to_string(b) + " are joined already by " +
                        wvp::quoted(links[border[a]].text));
    border[a] = links.size();
    links.push_back(link);
  }
  std::sort(links.begin(), links.end(), [](const SystemLink& x, const SystemLink& y) { return x.west < y.west; });
  for (uint32_t w = 0; w + 1 < wafers; ++w)
    if (border[w] == SIZE_MAX)
      throw ConfigError("system.links: wafer w" + std::to_string(w + 1) + " is not connected: no link joins w" +
                        std::to_string(w) + " and w" + std::to_string(w + 1) + " (e.g. w" + std::to_string(w) +
                        ".east-w" + std::to_string(w + 1) + ".west)");
  return links;
}

std::vector<uint32_t> wafer_ranks(const PlatformConfig& c, uint32_t ranks) {
  const uint32_t wafers = c.system.wafers;
  if (ranks > 1 && wafers == 1)
    throw ConfigError(std::to_string(ranks) + " MPI ranks for a system of one wafer (system.wafers 1), which has no "
                      "inter-wafer links to split at: run it as one process (--threads uses the host's cores)");
  if (ranks > wafers)
    throw ConfigError(std::to_string(ranks) + " MPI ranks for " + std::to_string(wafers) +
                      " wafers (system.wafers): each rank runs whole wafers, so at most one rank per wafer");
  std::vector<uint32_t> owner(wafers);
  // One process runs every wafer, whatever a placement for a distributed run says.
  if (ranks <= 1) return owner;
  if (c.system.ranks.empty()) {
    for (uint32_t w = 0; w < wafers; ++w) owner[w] = static_cast<uint32_t>(uint64_t{w} * ranks / wafers);
  } else {
    const std::vector<std::string> entries = comma_entries(c.system.ranks);
    for (uint32_t w = 0; w < entries.size(); ++w) {
      uint32_t r = 0;
      if (!parse_number(entries[w], r) || r >= ranks)
        throw ConfigError("system.ranks: " + wvp::quoted(entries[w]) + " (wafer w" + std::to_string(w) +
                          ") is not a rank of this run: 0 to " + std::to_string(ranks - 1));
      if (w < wafers) owner[w] = r;
    }
    if (entries.size() != wafers)
      throw ConfigError("system.ranks: " + std::to_string(entries.size()) + " ranks given for " + std::to_string(wafers) +
                        " wafers (system.wafers): give one per wafer");
  }
  for (uint32_t r = 0; r < ranks; ++r)
    if (std::find(owner.begin(), owner.end(), r) == owner.end())
      throw ConfigError("system.ranks: rank " + std::to_string(r) + " of " + std::to_string(ranks) +
                        " has no wafer (system.ranks " + wvp::quoted(c.system.ranks) + ")");
  for (const SystemLink& link : system_links(c))
    if (owner[link.west] != owner[link.west + 1] && link.kind == SystemLinkKind::Optical)
      throw ConfigError("system.links: link " + wvp::quoted(link.text) + " joins wafers on ranks " + std::to_string(owner[link.west]) +
                        " and " + std::to_string(owner[link.west + 1]) +
                        ": optical Z ports are not split between ranks yet; place both wafers on one rank (system.ranks) "
                        "or join them by edge SerDes");
  if (const auto memnode = memnode_attachment(c); memnode && owner[memnode->wafer] != 0)
    throw ConfigError("system.memnode " + wvp::quoted(c.system.memnode) + " is on wafer w" + std::to_string(memnode->wafer) +
                      ", which runs on rank " + std::to_string(owner[memnode->wafer]) +
                      ": the memory node's figures are reported from rank 0 only for now; place w" +
                      std::to_string(memnode->wafer) + " on rank 0 (system.ranks)");
  return owner;
}

std::optional<MemNodeAttachment> memnode_attachment(const PlatformConfig& c) {
  if (c.system.memnode.empty()) return std::nullopt;
  const std::string where = "system.memnode " + wvp::quoted(c.system.memnode) + ": ";
  const uint32_t last = c.system.wafers - 1;
  MemNodeAttachment at;
  const size_t dot = c.system.memnode.find('.');
  if (c.system.memnode[0] != 'w' || dot == std::string::npos || !parse_number(c.system.memnode.substr(1, dot - 1), at.wafer))
    throw ConfigError(where + "not a wafer's edge (w0.west, or wN.east of the last wafer)");
  if (at.wafer > last)
    throw ConfigError(where + "there is no wafer w" + std::to_string(at.wafer) + " (system.wafers: " + std::to_string(c.system.wafers) + ")");
  const std::string edge = c.system.memnode.substr(dot + 1);
  at.optical = edge == "z";
  if ((edge == "west" || at.optical) && at.wafer == 0)
    at.edge = kWest;
  else if ((edge == "east" || at.optical) && at.wafer == last)
    at.edge = kEast;
  else
    throw ConfigError(where + "the memory node needs an outer edge of the row of wafers: w0.west, w" + std::to_string(last) +
                      ".east, or the Z ports over one of them (w0.z, w" + std::to_string(last) + ".z)");
  if (at.optical) return at;
  if (!serdes_on_edge(c, edge))
    throw ConfigError(where + "the wafer has no SerDes on its " + edge + " edge (serdes.count " + std::to_string(c.serdes.count) +
                      ", serdes.edges " + c.serdes.edges + ")");
  return at;
}

void validate_config(const PlatformConfig& c) {
  if (c.serdes.count) {
    const std::vector<std::string> edges = serdes_edges(c.serdes.edges);
    if (c.serdes.count % edges.size())
      throw ConfigError("serdes.count " + std::to_string(c.serdes.count) + " does not spread evenly over the " +
                        std::to_string(edges.size()) + " edges of serdes.edges (" + c.serdes.edges + ")");
    const uint32_t per_edge = c.serdes.count / static_cast<uint32_t>(edges.size());
    for (const std::string& e : edges) {
      const uint32_t routers = e == "north" || e == "south" ? c.grid_width : c.grid_height;
      if (per_edge > routers)
        throw ConfigError("serdes.count: " + std::to_string(per_edge) + " SerDes on the " + e + " edge, which has only " +
                          std::to_string(routers) + " edge routers");
    }
  }
  system_links(c);
  memnode_attachment(c);
  if (c.system.wafers > 1 && (!c.defects.tiles.empty() || c.defects.rate > 0 || c.defects.spare_rows || c.defects.spare_columns))
    throw ConfigError("system.wafers " + std::to_string(c.system.wafers) +
                      ": defect maps and spares (wafer.*) describe one wafer; give them with system.wafers 1");
  if (c.sram.size_bytes % 4 != 0) throw ConfigError("sram.size_bytes must be a multiple of 4, got " + std::to_string(c.sram.size_bytes));
  if (uint64_t{system_width(c)} * c.grid_height > (1u << 24))
    throw ConfigError("grid " + std::to_string(system_width(c)) + "x" + std::to_string(c.grid_height) + " has more than 2^24 tiles");
}

namespace {

// "a", "a-b" or "*" -> [lo, hi]; false if malformed.
bool parse_span(const std::string& text, uint32_t& lo, uint32_t& hi) {
  if (text == "*") {
    lo = 0, hi = UINT32_MAX;
    return true;
  }
  const size_t dash = text.find('-');
  if (dash == std::string::npos) return parse_number(text, lo) && (hi = lo, true);
  return parse_number(text.substr(0, dash), lo) && parse_number(text.substr(dash + 1), hi) && lo <= hi;
}

// The long names, or N, E, S, W as written.
bool parse_port_name(const std::string& text, int& port) {
  if (parse_direction(text, port)) return true;
  for (int p = kNorth; p <= kWest; ++p)
    if (text == port_name(p)) {
      port = p;
      return true;
    }
  return false;
}

}  // namespace

RouteRule parse_route_rule(const std::string& text, const std::string& at) {
  const auto bad = [&](const std::string& why) {
    return ConfigError(at + ": fabric.routes: " + why + " in " + wvp::quoted(text) + " (expected \"X,Y COLOR IN>OUT[+OUT]\")");
  };
  std::istringstream in(text);
  std::string tiles, color, ports, extra;
  if (!(in >> tiles >> color >> ports) || (in >> extra)) throw bad("three fields needed");
  RouteRule r;
  r.where = at;
  const size_t comma = tiles.find(',');
  if (comma == std::string::npos || !parse_span(tiles.substr(0, comma), r.x0, r.x1) ||
      !parse_span(tiles.substr(comma + 1), r.y0, r.y1))
    throw bad("bad tile range " + wvp::quoted(tiles));
  if (!parse_number(color, r.color)) throw bad("bad color " + wvp::quoted(color));
  const size_t arrow = ports.find('>');
  if (arrow == std::string::npos || !parse_port_name(ports.substr(0, arrow), r.in_port))
    throw bad("bad input port in " + wvp::quoted(ports));
  std::istringstream outs(ports.substr(arrow + 1));
  std::string out;
  while (std::getline(outs, out, '+')) {
    int p;
    if (!parse_port_name(out, p)) throw bad("bad output port " + wvp::quoted(out));
    r.outputs |= port_bit(p);
  }
  if (!r.outputs) throw bad("no output port");
  return r;
}

RtlSwap parse_rtl_swap(const std::string& text, const std::string& at) {
  RtlSwap r;
  r.where = at;
  const size_t sign = text.find('@'), comma = text.find(',', sign == std::string::npos ? 0 : sign);
  if (sign == std::string::npos || comma == std::string::npos || !parse_span(text.substr(sign + 1, comma - sign - 1), r.x0, r.x1) ||
      !parse_span(text.substr(comma + 1), r.y0, r.y1))
    throw ConfigError(at + ": rtl.swap: expected BLOCK@X,Y (X, Y: a number, a range a-b or *), got " + wvp::quoted(text));
  r.block = text.substr(0, sign);
  if (r.block != "router")
    throw ConfigError(at + ": rtl.swap: block " + wvp::quoted(r.block) + " has no RTL twin (blocks with one: router)");
  return r;
}

void parse_grid(const std::string& text, uint32_t& width, uint32_t& height) {
  const size_t x = text.find_first_of("xX");
  uint32_t w = 0, h = 0;
  const bool decimal = text.find_first_not_of("0123456789xX") == std::string::npos &&
                       text.find_first_of("xX", x == std::string::npos ? 0 : x + 1) == std::string::npos;
  if (x == std::string::npos || !decimal || !parse_number(text.substr(0, x), w) || !parse_number(text.substr(x + 1), h) || w == 0 ||
      h == 0 || w > (1u << 16) || h > (1u << 16))
    throw ConfigError("--grid: expected WIDTHxHEIGHT with positive integers, got " + wvp::quoted(text));
  width = w;
  height = h;
}

}  // namespace wvp
