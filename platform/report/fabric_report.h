// What a run tells about the fabric: per-link wavelets and utilisation, per-router buffer
// high-water marks and stall cycles, for the stats JSON and the wafer heat map.
#pragma once
#include <cstdint>
#include <string>
#include <vector>

#include <nlohmann/json.hpp>

#include "engine/snapshot.h"
#include "models/router/fabric.h"
#include "platform/report/cycle_window.h"

namespace wvp {

// Flits per cycle on each mesh link over `cycles`, indexed tile * 4 + direction (N, E, S, W).
std::vector<double> link_utilisation(const Fabric& fabric, uint64_t cycles);

// Counts the flits each mesh link carries in a window of cycles, as they leave their router
// (through the fabric's send observer, which it takes for the rest of the run).
class LinkWindow {
 public:
  LinkWindow(Fabric& fabric, const CycleWindow& window);
  LinkWindow(const LinkWindow&) = delete;
  LinkWindow& operator=(const LinkWindow&) = delete;
  // Flits per cycle over the part of the window before `end_cycle`, as link_utilisation().
  std::vector<double> utilisation(uint64_t end_cycle) const;
  void checkpoint(Snapshot& s) {
    Snapshot::Section section(s, "link_window");
    s.io(flits_);
  }

 private:
  CycleWindow window_;
  std::vector<uint64_t> flits_;  // tile * 4 + direction
};

// {"cycles", "flit_hops", "flits_in_flight", "routers": [...]}: one entry per router that ever
// held a flit (fabric_router_json), with wavelets and utilisation (over `cycles`) per output link
// (N, E, S, W, ramp).
nlohmann::json fabric_stats_json(const Fabric& fabric, uint64_t cycles);
// The same without "routers"; the tiles whose routers it would list; one entry of the list.
nlohmann::json fabric_totals_json(const Fabric& fabric, uint64_t cycles);
std::vector<uint32_t> routers_with_stats(const Fabric& fabric);
nlohmann::json fabric_router_json(const Fabric& fabric, uint32_t tile, uint64_t cycles);

// The link-utilisation heat map of the wafer as SVG; `scale_max` tops the colour scale (<= 0: the
// largest utilisation on the map).
std::string link_heatmap_svg(uint32_t width, uint32_t height, const std::vector<double>& utilisation,
                             const std::string& title, double scale_max);

}  // namespace wvp
