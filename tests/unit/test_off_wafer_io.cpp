// Off-wafer I/O from the configuration: configs/wse3.yaml reproduces DESIGN.md's 12 x 100 GbE =
// 150 GB/s and ~0.17 GB/s per mm of edge; bad SerDes settings are errors naming the key.
#include <gtest/gtest.h>

#include <filesystem>

#include "platform/report/off_wafer_io.h"
#include "support/error_of.h"

namespace wvp::test {
namespace {

std::string config_path(const char* name) {
  return std::filesystem::path(WVP_SOURCE_DIR) / "configs" / name;
}

TEST(OffWaferIo, Wse3ConfigGives150GBytesPerSecondAndTheEdgeDensity) {
  PlatformConfig c;
  load_config_file(c, config_path("wse3.yaml"));
  validate_config(c);
  EXPECT_EQ(uint64_t{c.grid_width} * c.grid_height, 893'064u);  // ~900k cores
  EXPECT_DOUBLE_EQ(c.wafer_width_mm * c.wafer_height_mm, 46'225.0);

  const OffWaferIo io = off_wafer_io(c);
  EXPECT_EQ(io.serdes, 12u);
  EXPECT_EQ(io.lanes, 48u);
  // 100 GbE names the data rate: 4 lanes of 25.78125 Gb/s carry 100 Gb/s after 64b/66b.
  EXPECT_DOUBLE_EQ(io.data_gbps / io.serdes, 100.0);
  EXPECT_DOUBLE_EQ(io.line_gbps, 1237.5);
  EXPECT_DOUBLE_EQ(io.data_gbps, 1200.0);           // 1.2 Tb/s
  EXPECT_DOUBLE_EQ(io.data_gbytes_per_s, 150.0);    // 150 GB/s
  EXPECT_EQ(io.edges, (std::vector<std::string>{"east", "west"}));
  EXPECT_DOUBLE_EQ(io.io_edge_mm, 430.0);
  EXPECT_DOUBLE_EQ(io.perimeter_mm, 860.0);
  // DESIGN.md's ~0.17 GB/s per mm is over the whole perimeter; over the two edges that carry
  // the SerDes it is twice that.
  EXPECT_NEAR(io.data_gbytes_per_s_per_perimeter_mm, 0.1744, 5e-5);
  EXPECT_NEAR(io.data_gbytes_per_s_per_io_edge_mm, 0.3488, 5e-5);
  EXPECT_EQ(describe(io),
            "off-wafer I/O: 12 SerDes x 4 lanes, 1237.5 Gb/s line, 1200.0 Gb/s = 150.00 GB/s of data per direction; "
            "0.349 GB/s per mm of the I/O edges (430 mm), 0.174 GB/s per mm of the perimeter (860 mm)");
}

TEST(OffWaferIo, BadSerdesSettingsNameTheKey) {
  PlatformConfig c;
  EXPECT_EQ(error_of<ConfigError>([&] { set_config_value(c, "serdes.edges", "east,up", "t"); }),
            "t: serdes.edges: expected a comma-separated list of distinct edges (north, south, east, west), got 'east,up'");
  EXPECT_NE(error_of<ConfigError>([&] { set_config_value(c, "serdes.edges", "east,east", "t"); }), "");
  EXPECT_EQ(error_of<ConfigError>([&] { set_config_value(c, "serdes.lane_gbps", "500", "t"); }),
            "t: serdes.lane_gbps: expected a number in [0.001, 448], got '500'");
  EXPECT_NE(error_of<ConfigError>([&] { set_config_value(c, "serdes.lanes", "0", "t"); }), "");
  c.serdes.count = 5;
  EXPECT_EQ(error_of<ConfigError>([&] { validate_config(c); }),
            "serdes.count 5 does not spread evenly over the 2 edges of serdes.edges (east,west)");
  c.serdes.count = 18;  // 9 per edge on an 8 x 8 grid
  EXPECT_EQ(error_of<ConfigError>([&] { validate_config(c); }),
            "serdes.count: 9 SerDes on the east edge, which has only 8 edge routers");
  c.serdes.count = 16;
  EXPECT_NO_THROW(validate_config(c));
}

}  // namespace
}  // namespace wvp::test
