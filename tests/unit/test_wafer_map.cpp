// The defect map: logical tiles on the physical wafer, detour latencies, and bad maps.
#include <gtest/gtest.h>

#include "platform/assembly/wafer_map.h"

namespace wvp::test {
namespace {

PlatformConfig grid(uint32_t w, uint32_t h) {
  PlatformConfig c;
  c.grid_width = w;
  c.grid_height = h;
  return c;
}

std::string map_error(const PlatformConfig& c) {
  try {
    map_wafer(c);
  } catch (const ConfigError& e) {
    return e.what();
  }
  return "";
}

TEST(WaferMap, WithoutSparesTheMapIsTheGridAndLeavesLatencyToTheFabric) {
  const WaferMap m = map_wafer(grid(3, 2));
  EXPECT_EQ(m.physical_width, 3u);
  EXPECT_EQ(m.physical_height, 2u);
  EXPECT_EQ(m.physical_x, (std::vector<uint32_t>{0, 1, 2, 0, 1, 2}));
  EXPECT_EQ(m.physical_y, (std::vector<uint32_t>{0, 0, 0, 1, 1, 1}));
  EXPECT_TRUE(m.link_extra_cycles.empty());
  EXPECT_TRUE(m.defective.empty());
}

TEST(WaferMap, SpareColumnShiftsARowPastItsDefectAndLengthensTheLinks) {
  PlatformConfig c = grid(4, 2);
  c.fabric.hop_latency_cycles = 2;
  c.defects.spare_columns = 1;
  c.defects.tiles = {{1, 0}};
  c.defects.tiles_where = {"t:1"};
  const WaferMap m = map_wafer(c);
  EXPECT_EQ(m.physical_width, 5u);
  EXPECT_EQ(m.physical_x, (std::vector<uint32_t>{0, 2, 3, 4, 0, 1, 2, 3}));
  EXPECT_EQ(m.defective, (std::vector<std::pair<uint32_t, uint32_t>>{{1, 0}}));
  const auto extra = [&](uint32_t x, uint32_t y, int dir) { return int(m.link_extra_cycles[(y * 4 + x) * 4 + dir]); };
  EXPECT_EQ(extra(0, 0, kEast), 2);  // over the defective tile: one more hop of wire
  EXPECT_EQ(extra(1, 0, kWest), 2);
  EXPECT_EQ(extra(1, 0, kEast), 0);
  EXPECT_EQ(extra(1, 0, kSouth), 2);  // (2,0) above (1,1): one tile aside
  EXPECT_EQ(extra(3, 0, kSouth), 2);
  EXPECT_EQ(extra(0, 0, kSouth), 0);
  EXPECT_EQ(extra(0, 1, kEast), 0);
}

TEST(WaferMap, SpareRowsShiftColumnsAndReticleEdgesAreCountedOnThePhysicalWafer) {
  PlatformConfig c = grid(2, 3);
  c.defects.spare_rows = 1;
  c.defects.tiles = {{0, 1}};
  c.defects.tiles_where = {"t:1"};
  c.fabric.reticle_height_tiles = 2;
  c.fabric.reticle_crossing_cycles = 7;
  const WaferMap m = map_wafer(c);
  EXPECT_EQ(m.physical_height, 4u);
  EXPECT_EQ(m.physical_y, (std::vector<uint32_t>{0, 0, 2, 1, 3, 2}));
  const auto extra = [&](uint32_t x, uint32_t y, int dir) { return int(m.link_extra_cycles[(y * 2 + x) * 4 + dir]); };
  EXPECT_EQ(extra(0, 0, kSouth), 1 + 7);  // rows 0 -> 2: one tile of detour, one reticle edge
  EXPECT_EQ(extra(1, 0, kSouth), 0);      // rows 0 -> 1, same reticle
  EXPECT_EQ(extra(1, 1, kSouth), 7);      // rows 1 -> 2 cross the edge
  EXPECT_EQ(extra(0, 1, kEast), 1 + 7);   // (0,2) to (1,1)
}

TEST(WaferMap, RandomDefectsDependOnlyOnTheSeed) {
  PlatformConfig c = grid(64, 64);
  c.defects.spare_columns = 8;
  c.defects.rate = 0.01;
  c.defects.seed = 5;
  const WaferMap a = map_wafer(c), b = map_wafer(c);
  EXPECT_EQ(a.defective, b.defective);
  EXPECT_GT(a.defective.size(), 15u);  // about 46 of 72 x 64 tiles
  EXPECT_LT(a.defective.size(), 90u);
  c.defects.seed = 6;
  EXPECT_NE(map_wafer(c).defective, a.defective);
}

TEST(WaferMap, MapsThatCannotBeRepairedNameTheirPlace) {
  PlatformConfig c = grid(4, 2);
  c.defects.spare_columns = 1;
  c.defects.tiles = {{1, 0}, {3, 0}};
  c.defects.tiles_where = {"w.yaml:3", "w.yaml:3"};
  EXPECT_EQ(map_error(c), "wafer: row 0 has more defective tiles than its 1 spare columns can replace");
  c.defects.tiles = {{5, 0}};
  EXPECT_EQ(map_error(c), "w.yaml:3: wafer.defects: tile (5,0) is outside the physical wafer of 5x2 tiles");
  c.defects.spare_columns = 0;
  c.defects.tiles = {{1, 1}};
  EXPECT_EQ(map_error(c), "wafer: 1 defective tiles but no wafer.spare_rows or wafer.spare_columns to replace them");
  c.defects.spare_rows = c.defects.spare_columns = 1;
  EXPECT_EQ(map_error(c), "wafer.spare_rows and wafer.spare_columns: use spare rows or spare columns, not both");
}

}  // namespace
}  // namespace wvp::test
