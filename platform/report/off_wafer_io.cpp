#include "platform/report/off_wafer_io.h"

#include <cstdio>

#include "models/link/pcs.h"

namespace wvp {

OffWaferIo off_wafer_io(const PlatformConfig& c) {
  OffWaferIo io;
  io.serdes = c.serdes.count;
  io.lanes = c.serdes.count * c.serdes.lanes;
  io.line_gbps = io.lanes * c.serdes.lane_gbps;
  io.data_gbps = pcs_data_gbps(io.line_gbps);
  io.line_gbytes_per_s = io.line_gbps / 8;
  io.data_gbytes_per_s = io.data_gbps / 8;
  io.edges = serdes_edges(c.serdes.edges);
  for (const std::string& e : io.edges) io.io_edge_mm += e == "north" || e == "south" ? c.wafer_width_mm : c.wafer_height_mm;
  io.perimeter_mm = 2 * (c.wafer_width_mm + c.wafer_height_mm);
  io.data_gbytes_per_s_per_io_edge_mm = io.data_gbytes_per_s / io.io_edge_mm;
  io.data_gbytes_per_s_per_perimeter_mm = io.data_gbytes_per_s / io.perimeter_mm;
  return io;
}

std::string describe(const OffWaferIo& io) {
  char text[320];
  std::snprintf(text, sizeof text,
                "off-wafer I/O: %u SerDes x %u lanes, %.1f Gb/s line, %.1f Gb/s = %.2f GB/s of data per direction; "
                "%.3f GB/s per mm of the I/O edges (%.0f mm), %.3f GB/s per mm of the perimeter (%.0f mm)",
                io.serdes, io.serdes ? io.lanes / io.serdes : 0, io.line_gbps, io.data_gbps, io.data_gbytes_per_s,
                io.data_gbytes_per_s_per_io_edge_mm, io.io_edge_mm, io.data_gbytes_per_s_per_perimeter_mm, io.perimeter_mm);
  return text;
}

}  // namespace wvp
