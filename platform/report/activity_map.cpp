#include "platform/report/activity_map.h"

#include <algorithm>
#include <array>
#include <charconv>
#include <numeric>
#include <vector>

#include "platform/report/svg_plot.h"

namespace wvp {

namespace {

std::string percent(double share) {
  char buf[32];
  const auto end = std::to_chars(buf, buf + sizeof buf, 100 * share, std::chars_format::fixed, 1).ptr;
  return std::string(buf, end) + "%";
}

}  // namespace

std::string activity_map_svg(const PhaseProfile& profile, uint32_t width, uint32_t height, const CycleWindow& window,
                             uint64_t end_cycle) {
  constexpr uint32_t kActivities = PhaseProfile::kActivities, kIdle = kActivities;
  const size_t tiles = size_t{width} * height;
  const uint64_t span = window.overlap(0, end_cycle);
  svg::TileMapSheet sheet;
  sheet.width = width, sheet.height = height;
  sheet.categories_title = "the dominant activity";
  sheet.categories.resize(tiles);
  for (uint32_t a = 0; a <= kIdle; ++a) {
    sheet.category_names.push_back(a == kIdle ? "idle" : PhaseProfile::activity_name(a));
    sheet.panels.push_back({"", std::vector<double>(tiles), 0});
  }
  std::vector<uint64_t> total(kIdle + 1);
  for (uint32_t t = 0; t < tiles; ++t) {
    const PhaseProfile::ActivityCycles active = profile.tile_activity(t);
    std::array<uint64_t, kIdle + 1> cycles{};
    std::copy(active.begin(), active.end(), cycles.begin());
    const uint64_t busy = std::accumulate(active.begin(), active.end(), uint64_t{0});
    cycles[kIdle] = span > busy ? span - busy : 0;
    for (uint32_t a = 0; a <= kIdle; ++a) {
      sheet.panels[a].values[t] = span ? double(cycles[a]) / double(span) : 0.0;
      total[a] += cycles[a];
    }
    sheet.categories[t] = static_cast<uint8_t>(std::max_element(cycles.begin(), cycles.end()) - cycles.begin());
  }
  for (uint32_t a = 0; a <= kIdle; ++a) {
    const std::vector<double>& v = sheet.panels[a].values;
    const size_t most = size_t(std::max_element(v.begin(), v.end()) - v.begin());
    sheet.panels[a].title = sheet.category_names[a] + ": " +
                            percent(tiles && span ? double(total[a]) / double(span * tiles) : 0.0) + " in all, most " +
                            percent(tiles ? v[most] : 0.0) + " at (" + std::to_string(most % std::max(width, 1u)) + "," +
                            std::to_string(most / std::max(width, 1u)) + ")";
  }
  const uint64_t first = std::min(window.first_cycle, end_cycle);
  sheet.title = "where the cores' time went, cycles " + std::to_string(first) + " to " +
                std::to_string(first + (span ? span - 1 : 0));
  sheet.subtitle = "share of each tile's " + std::to_string(span) + " cycles, each map on its own scale";
  return svg::tile_map_sheet(sheet);
}

}  // namespace wvp
