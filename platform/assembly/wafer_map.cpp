#include "platform/assembly/wafer_map.h"

#include <algorithm>
#include <cstdlib>

#include "platform/support/splitmix.h"

namespace wvp {

namespace {

// Reticle edges crossed between two physical coordinates along one axis.
uint32_t crossings(uint32_t a, uint32_t b, uint32_t reticle) {
  if (!reticle) return 0;
  return static_cast<uint32_t>(std::abs(static_cast<int64_t>(a / reticle) - static_cast<int64_t>(b / reticle)));
}

}  // namespace

WaferMap map_wafer(const PlatformConfig& config) {
  const DefectMap& d = config.defects;
  // Several wafers have no defects or spares (validate_config): the map is the whole system.
  const uint32_t w = system_width(config), h = config.grid_height;
  if (d.spare_rows && d.spare_columns)
    throw ConfigError("wafer.spare_rows and wafer.spare_columns: use spare rows or spare columns, not both");
  WaferMap m;
  m.physical_width = w + d.spare_columns;
  m.physical_height = h + d.spare_rows;
  const uint32_t pw = m.physical_width, ph = m.physical_height;
  std::vector<uint8_t> bad(size_t(pw) * ph, 0);
  for (size_t i = 0; i < d.tiles.size(); ++i) {
    const auto [x, y] = d.tiles[i];
    if (x >= pw || y >= ph)
      throw ConfigError(d.tiles_where[i] + ": wafer.defects: tile (" + std::to_string(x) + "," + std::to_string(y) +
                        ") is outside the physical wafer of " + std::to_string(pw) + "x" + std::to_string(ph) + " tiles");
    bad[size_t(y) * pw + x] = 1;
  }
  if (d.rate > 0)
    for (size_t t = 0; t < bad.size(); ++t)
      if (unit_interval(splitmix64(d.seed * 0x100000001B3ull + t)) < d.rate) bad[t] = 1;  // per tile, from the seed
  for (uint32_t y = 0; y < ph; ++y)
    for (uint32_t x = 0; x < pw; ++x)
      if (bad[size_t(y) * pw + x]) m.defective.emplace_back(x, y);
  if (!m.defective.empty() && !d.spare_rows && !d.spare_columns)
    throw ConfigError("wafer: " + std::to_string(m.defective.size()) +
                      " defective tiles but no wafer.spare_rows or wafer.spare_columns to replace them");

  m.physical_x.resize(size_t(w) * h);
  m.physical_y.resize(size_t(w) * h);
  if (d.spare_rows) {
    for (uint32_t x = 0; x < w; ++x) {
      uint32_t logical = 0;
      for (uint32_t y = 0; y < ph && logical < h; ++y)
        if (!bad[size_t(y) * pw + x]) m.physical_x[size_t(logical) * w + x] = x, m.physical_y[size_t(logical++) * w + x] = y;
      if (logical < h)
        throw ConfigError("wafer: column " + std::to_string(x) + " has more defective tiles than its " +
                          std::to_string(d.spare_rows) + " spare rows can replace");
    }
  } else {
    for (uint32_t y = 0; y < h; ++y) {
      uint32_t logical = 0;
      for (uint32_t x = 0; x < pw && logical < w; ++x)
        if (!bad[size_t(y) * pw + x]) m.physical_x[size_t(y) * w + logical] = x, m.physical_y[size_t(y) * w + logical++] = y;
      if (logical < w)
        throw ConfigError("wafer: row " + std::to_string(y) + " has more defective tiles than its " +
                          std::to_string(d.spare_columns) + " spare columns can replace");
    }
  }
  if (!d.spare_rows && !d.spare_columns) return m;

  // Every link's length from the physical positions; the fabric is then told nothing about
  // reticles, so crossings are counted here on the physical wafer.
  const FabricParams& f = config.fabric;
  m.link_extra_cycles.assign(size_t(w) * h * 4, 0);
  for (uint32_t y = 0; y < h; ++y)
    for (uint32_t x = 0; x < w; ++x)
      for (int dir = 0; dir < 4; ++dir) {
        const int nx = int(x) + (dir == kEast) - (dir == kWest), ny = int(y) + (dir == kSouth) - (dir == kNorth);
        if (nx < 0 || ny < 0 || nx >= int(w) || ny >= int(h)) continue;
        const size_t a = size_t(y) * w + x, b = size_t(ny) * w + nx;
        const uint32_t ax = m.physical_x[a], ay = m.physical_y[a], bx = m.physical_x[b], by = m.physical_y[b];
        const uint32_t length = uint32_t(std::abs(int64_t(ax) - bx) + std::abs(int64_t(ay) - by));
        const uint64_t extra = uint64_t(length - 1) * f.hop_latency_cycles +
                               uint64_t(crossings(ax, bx, f.reticle_width_tiles) + crossings(ay, by, f.reticle_height_tiles)) *
                                   f.reticle_crossing_cycles;
        if (extra > 255)
          throw ConfigError("wafer: the detour from logical tile (" + std::to_string(x) + "," + std::to_string(y) +
                            ") costs " + std::to_string(extra) + " extra cycles, more than a link can model (255)");
        m.link_extra_cycles[a * 4 + dir] = static_cast<uint8_t>(extra);
      }
  return m;
}

}  // namespace wvp
