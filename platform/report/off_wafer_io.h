// The off-wafer I/O a configuration provides through its edge SerDes (serdes.*), and its
// density along the wafer's edge (wafer.width_mm, wafer.height_mm): the figures DESIGN.md's
// wse3 configuration must reproduce. Rates are per direction (each SerDes is a duplex link).
#pragma once
#include <cstdint>
#include <string>
#include <vector>

#include "platform/config/config.h"

namespace wvp {

struct OffWaferIo {
  uint32_t serdes = 0, lanes = 0;     // lanes: over all SerDes
  double line_gbps = 0;               // lanes x lane rate
  double data_gbps = 0;               // after 64b/66b (what an Ethernet port's rate names)
  double line_gbytes_per_s = 0, data_gbytes_per_s = 0;
  std::vector<std::string> edges;     // that carry the SerDes
  double io_edge_mm = 0;              // their length
  double perimeter_mm = 0;            // all four edges
  double data_gbytes_per_s_per_io_edge_mm = 0;
  double data_gbytes_per_s_per_perimeter_mm = 0;
};

OffWaferIo off_wafer_io(const PlatformConfig& config);
std::string describe(const OffWaferIo& io);  // one line for reports

}  // namespace wvp
