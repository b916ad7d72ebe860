#include "platform/report/fabric_report.h"

#include "platform/report/svg_plot.h"

namespace wvp {

std::vector<double> link_utilisation(const Fabric& fabric, uint64_t cycles) {
  std::vector<double> u(size_t(fabric.tiles()) * 4, 0.0);
  if (cycles == 0) return u;
  for (uint32_t t = 0; t < fabric.tiles(); ++t)
    if (const RouterStats* s = fabric.router_stats(t))
      for (int d = 0; d < 4; ++d) u[size_t(t) * 4 + d] = double(s->link_flits[d]) / double(cycles);
  return u;
}

LinkWindow::LinkWindow(Fabric& fabric, const CycleWindow& window) : window_(window), flits_(size_t(fabric.tiles()) * 4) {
  fabric.set_send_observer([this](uint32_t tile, int port, uint32_t, uint32_t, uint64_t cycle) {
    if (port != kRamp && cycle >= window_.first_cycle && cycle <= window_.last_cycle) ++flits_[size_t(tile) * 4 + port];
  });
}

std::vector<double> LinkWindow::utilisation(uint64_t end_cycle) const {
  const uint64_t cycles = window_.overlap(0, end_cycle);
  std::vector<double> u(flits_.size(), 0.0);
  if (cycles == 0) return u;
  for (size_t i = 0; i < u.size(); ++i) u[i] = double(flits_[i]) / double(cycles);
  return u;
}

std::vector<uint32_t> routers_with_stats(const Fabric& fabric) {
  std::vector<uint32_t> tiles;
  for (uint32_t t = 0; t < fabric.tiles(); ++t)
    if (fabric.router_stats(t)) tiles.push_back(t);
  return tiles;
}

nlohmann::json fabric_router_json(const Fabric& fabric, uint32_t tile, uint64_t cycles) {
  const uint32_t w = fabric.params().width;
  const RouterStats& s = *fabric.router_stats(tile);
  nlohmann::json flits, util;
  for (int p = 0; p < kPorts; ++p) {
    flits[port_name(p)] = s.link_flits[p];
    util[port_name(p)] = cycles ? double(s.link_flits[p]) / double(cycles) : 0.0;
  }
  return {{"x", tile % w}, {"y", tile / w}, {"link_wavelets", flits}, {"link_utilisation", util},
          {"stall_cycles", s.stall_cycles}, {"buffer_high_water", s.buffer_high_water}};
}

nlohmann::json fabric_totals_json(const Fabric& fabric, uint64_t cycles) {
  return {{"cycles", cycles}, {"flit_hops", fabric.flit_hops()}, {"flits_in_flight", fabric.flits_in_flight()},
          {"touched_routers", fabric.touched_routers()}, {"bytes_per_touched_router", fabric.bytes_per_touched_router()}};
}

nlohmann::json fabric_stats_json(const Fabric& fabric, uint64_t cycles) {
  nlohmann::json j = fabric_totals_json(fabric, cycles);
  j["routers"] = nlohmann::json::array();
  for (const uint32_t t : routers_with_stats(fabric)) j["routers"].push_back(fabric_router_json(fabric, t, cycles));
  return j;
}

std::string link_heatmap_svg(uint32_t width, uint32_t height, const std::vector<double>& utilisation,
                             const std::string& title, double scale_max) {
  svg::MeshLinkMap map;
  map.scale_max = scale_max;
  map.width = width;
  map.height = height;
  map.title = title;
  const size_t n = size_t(width) * height;
  for (auto* v : {&map.north, &map.east, &map.south, &map.west}) v->assign(n, 0.0);
  for (size_t t = 0; t < n; ++t) {
    map.north[t] = utilisation[t * 4 + kNorth];
    map.east[t] = utilisation[t * 4 + kEast];
    map.south[t] = utilisation[t * 4 + kSouth];
    map.west[t] = utilisation[t * 4 + kWest];
  }
  return svg::mesh_heatmap(map);
}

}  // namespace wvp
