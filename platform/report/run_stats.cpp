#include "platform/report/run_stats.h"

#include <sys/resource.h>

#include <algorithm>
#include <iomanip>
#include <ostream>

#include "engine/rank_sync.h"

#include "platform/report/fabric_report.h"
#include "platform/report/off_wafer_io.h"

namespace wvp {

namespace {

// Where the host's memory went: what the components account for themselves, and the rest of the
// peak resident set (the program, libraries, SystemC, the allocator's overhead, the scheduler's
// lists). Host figures, like host_seconds: not part of a run's deterministic results.
nlohmann::json host_memory_json(Wafer& wafer) {
  rusage usage{};
  getrusage(RUSAGE_SELF, &usage);
  const uint64_t peak = static_cast<uint64_t>(usage.ru_maxrss) * 1024;  // Linux reports KiB
  const uint64_t tiles = wafer.tile_count();
  const Fabric& fabric = wafer.fabric().fabric();
  const nlohmann::json components = {
      {"cores", wafer.cores().host_bytes()},
      {"sram_pages", wafer.sram_host_bytes()},
      {"sram_state", wafer.sram().host_bytes()},
      {"control_blocks", wafer.ctl().host_bytes()},
      {"fabric_ports", wafer.fabric().tiles_host_bytes()},
      {"routers", uint64_t{fabric.touched_routers()} * fabric.bytes_per_touched_router()},
      {"tensor_engines", wafer.tensor().host_bytes()},
  };
  uint64_t accounted = 0;
  for (const auto& [name, bytes] : components.items()) accounted += bytes.get<uint64_t>();
  nlohmann::json per_tile = nlohmann::json::object();
  for (const auto& [name, bytes] : components.items()) per_tile[name] = static_cast<double>(bytes.get<uint64_t>()) / tiles;
  const uint64_t rest = peak > accounted ? peak - accounted : 0;
  per_tile["rest_of_peak_rss"] = static_cast<double>(rest) / tiles;
  return {{"peak_rss_bytes", peak}, {"components", components}, {"rest_of_peak_rss", rest}, {"per_tile", per_tile}};
}

// Tile `tile`'s entry of "cores".
nlohmann::json core_json(const Wafer& wafer, uint32_t tile) {
  const Core& c = wafer.cores()[tile];
  const CoreStats& s = c.stats();
  return {{"x", tile % wafer.width()}, {"y", tile / wafer.width()}, {"physical_x", wafer.map().physical_x[tile]},
          {"physical_y", wafer.map().physical_y[tile]}, {"instructions", c.instructions()}, {"cycles", c.cycle()},
          {"traps", s.traps}, {"interrupts", s.interrupts}, {"sleep_cycles", s.sleep_cycles},
          {"decodes", s.decodes}, {"decode_hit_rate", c.decode_hit_rate()},
          {"slow_accesses", s.slow_accesses}, {"stalls", s.stalls}, {"stall_cycles", s.stall_cycles},
          {"fabric_sends", wafer.fabric().stats(tile).sends},
          {"fabric_receives", wafer.fabric().stats(tile).receives},
          {"tensor_operations", wafer.tensor().stats(tile).operations},
          {"tensor_busy_cycles", wafer.tensor().stats(tile).busy_cycles},
          {"tensor_conflict_cycles", wafer.tensor().stats(tile).conflict_cycles},
          {"sram_ecc_corrected", wafer.sram().stats(tile).ecc_corrected},
          {"sram_ecc_uncorrectable", wafer.sram().stats(tile).ecc_uncorrectable},
          {"halted", c.halted()}, {"exit_code", c.exit_code()},
          {"fault", c.fault().valid ? c.fault().describe() : ""}};
}

// The fabric's totals (fabric_totals_json) that add up over the ranks' fabrics, which carry
// disjoint wafers' traffic.
constexpr const char* kSummedFabricTotals[] = {"flit_hops", "flits_in_flight", "touched_routers"};

// The only part of the stats that depends on the thread count (sim.threads).
nlohmann::json host_threads_json(const CoreCluster& cluster) {
  const CoreCluster::ThreadStats& t = cluster.thread_stats();
  return {{"threads", cluster.threads()},
          {"parallel_rounds", t.parallel_rounds},
          {"isolated_runs", t.isolated_runs},
          {"parallel_seconds", t.parallel_seconds}};
}

}  // namespace

OtherRanks gather_other_ranks(const Wafer& wafer, PhaseProfile& profile, uint64_t end_cycle, bool tiles) {
  RankSync& sync = RankSync::world();
  tiles = sync.max(tiles ? 1 : 0) != 0;  // rank 0 alone writes the stats
  const Fabric& fabric = wafer.fabric().fabric();
  std::string mine;
  if (sync.rank() != 0) {
    nlohmann::json part = {{"profile", profile.part()},
                           {"fabric", fabric_totals_json(fabric, end_cycle)},
                           {"cores", nlohmann::json::array()},
                           {"routers", nlohmann::json::array()}};
    for (uint32_t tile = 0; tiles && tile < wafer.tile_count(); ++tile)
      if (wafer.owns(tile)) part["cores"].push_back({tile, core_json(wafer, tile)});
    for (const uint32_t tile : tiles ? routers_with_stats(fabric) : std::vector<uint32_t>{})
      if (wafer.owns(tile)) part["routers"].push_back({tile, fabric_router_json(fabric, tile, end_cycle)});
    mine = part.dump();
  }
  OtherRanks others;
  const std::vector<std::string> parts = sync.gather(mine);
  for (size_t rank = 1; rank < parts.size(); ++rank) {
    const nlohmann::json part = nlohmann::json::parse(parts[rank]);
    profile.add_part(part.at("profile"));
    for (const char* key : kSummedFabricTotals) others.fabric[key] += part.at("fabric").at(key).get<uint64_t>();
    for (const nlohmann::json& core : part.at("cores")) others.cores[core.at(0).get<uint32_t>()] = core.at(1);
    for (const nlohmann::json& router : part.at("routers")) others.routers[router.at(0).get<uint32_t>()] = router.at(1);
  }
  return others;
}

StreamedJson run_stats_json(Wafer& wafer, const Wafer::Result& r, const PhaseProfile& profile, const HostTimes& host,
                            const std::optional<HostLoadSummary>& load, const HostStreamSummary& stream,
                            const OtherRanks& others) {
  const uint64_t instructions = r.instructions;
  StreamedJson stats;
  nlohmann::json& j = stats.doc;
  j = {
      {"grid", {{"width", wafer.width()}, {"height", wafer.height()}}},
      {"wafer", {{"physical_width", wafer.map().physical_width}, {"physical_height", wafer.map().physical_height},
                 {"defective_tiles", wafer.map().defective}}},
      {"clock_hz", static_cast<double>(wafer.clock().hz())},
      {"quantum_cycles", wafer.config().sim.quantum_cycles},
      {"simulated_cycles", r.end_cycle},
      {"simulated_seconds", wafer.clock().seconds(r.end_cycle)},
      {"instructions", instructions},
      {"host_setup_seconds", host.setup_seconds},
      {"host_seconds", host.run_seconds},
      {"mips", host.run_seconds > 0 ? static_cast<double>(instructions) / host.run_seconds / 1e6 : 0.0},
      {"rounds", wafer.cluster().rounds()},
      {"sram_host_bytes", wafer.sram_host_bytes()},
      {"exit_code", r.exit_code},
      {"firmware_exit_code", r.firmware_exit_code},
      {"fabric", fabric_totals_json(wafer.fabric().fabric(), r.end_cycle)},
      {"host_memory", host_memory_json(wafer)},
      {"host_threads", host_threads_json(wafer.cluster())},
  };
  for (const auto& [key, other] : others.fabric) j["fabric"][key] = j["fabric"][key].get<uint64_t>() + other;
  if (wafer.config().serdes.count) {
    const OffWaferIo io = off_wafer_io(wafer.config());
    j["off_wafer_io"] = {{"serdes", io.serdes},
                         {"lanes", io.lanes},
                         {"line_gbps", io.line_gbps},
                         {"data_gbps", io.data_gbps},
                         {"data_gbytes_per_s", io.data_gbytes_per_s},
                         {"edges", io.edges},
                         {"io_edge_mm", io.io_edge_mm},
                         {"perimeter_mm", io.perimeter_mm},
                         {"data_gbytes_per_s_per_io_edge_mm", io.data_gbytes_per_s_per_io_edge_mm},
                         {"data_gbytes_per_s_per_perimeter_mm", io.data_gbytes_per_s_per_perimeter_mm}};
  }
  if (wafer.config().system.wafers > 1) {
    nlohmann::json links = nlohmann::json::array();
    for (const SystemLinkStats& l : wafer.links().stats(wafer.clock().ps(r.end_cycle))) links.push_back(to_json(l));
    j["system"] = {{"wafers", wafer.config().system.wafers}, {"wafer_width", wafer.config().grid_width}, {"links", links}};
  }
  if (const auto memnode = wafer.links().memnode_stats()) j["memnode"] = to_json(*memnode);
  if (load) {
    j["host_load"] = to_json(*load);
    j["host_load"]["total_simulated_seconds"] =
        static_cast<double>(load->report.load_ps) * 1e-12 + wafer.clock().seconds(r.end_cycle);
  }
  if (stream.in_bytes || !stream.out.empty()) j["host_stream"] = to_json(stream);
  if (profile.used()) j["phases"] = profile.to_json();
  stats.stream_array("/cores", wafer.tile_count(), [&wafer, &others](size_t tile) {
    const auto other = others.cores.find(static_cast<uint32_t>(tile));
    return other != others.cores.end() ? other->second : core_json(wafer, static_cast<uint32_t>(tile));
  });
  const Fabric& fabric = wafer.fabric().fabric();
  std::vector<uint32_t> routers;
  for (const uint32_t tile : routers_with_stats(fabric))
    if (!others.routers.count(tile)) routers.push_back(tile);
  for (const auto& [tile, entry] : others.routers) routers.push_back(tile);
  std::sort(routers.begin(), routers.end());
  const size_t count = routers.size();
  stats.stream_array("/fabric/routers", count, [&fabric, &others, cycles = r.end_cycle, routers = std::move(routers)](size_t i) {
    const auto other = others.routers.find(routers[i]);
    return other != others.routers.end() ? other->second : fabric_router_json(fabric, routers[i], cycles);
  });
  return stats;
}

void print_run_summary(std::ostream& err, const Wafer& wafer, const Wafer::Result& r, const HostTimes& host,
                       const std::optional<HostLoadSummary>& load, const HostStreamSummary& stream) {
  const double clock = static_cast<double>(wafer.clock().hz());
  const double sim_s = wafer.clock().seconds(r.end_cycle);
  const size_t n = wafer.tile_count();
  err << "wafervp: " << n << (n == 1 ? " core" : " cores") << " (" << wafer.width() << "x" << wafer.height()
      << "), exit code " << r.exit_code << "\n"
      << std::fixed << std::setprecision(3) << "  simulated time  " << sim_s * 1e6 << " us (" << r.end_cycle
      << " cycles at " << clock / 1e9 << " GHz)\n"
      << "  instructions    " << r.instructions << "\n"
      << "  host time       " << host.run_seconds << " s (after " << host.setup_seconds
      << " s of set-up: building the wafer and loading it)\n"
      << std::setprecision(1) << "  speed           "
      << (host.run_seconds > 0 ? static_cast<double>(r.instructions) / host.run_seconds / 1e6 : 0.0) << " MIPS\n";
  if (load) {
    const double load_s = static_cast<double>(load->report.load_ps) * 1e-12;
    err << "  " << describe(*load) << "\n"
        << std::setprecision(3) << "  with the load   " << (load_s + sim_s) * 1e6 << " us (load " << load_s * 1e6
        << " us, then the run)\n";
  }
  if (stream.links) err << "  " << describe(stream) << "\n";
  if (wafer.config().serdes.count) err << "  " << describe(off_wafer_io(wafer.config())) << "\n";
  for (const SystemLinkStats& l : wafer.links().stats(wafer.clock().ps(r.end_cycle))) err << "  " << describe(l) << "\n";
  if (const auto memnode = wafer.links().memnode_stats()) err << "  " << describe(*memnode) << "\n";
}

}  // namespace wvp
