// Dependency-free SVG plots for `wafervp noc`: a latency-vs-load line chart and a heat map of
// per-link utilisation on a 2D mesh. Output is a complete SVG document and byte-for-byte
// deterministic (numbers are formatted without the C locale, nothing depends on time or order
// of hashing), so plots can be diffed and checked in.
#pragma once
#include <cstdint>
#include <string>
#include <utility>
#include <vector>

namespace wvp::svg {

struct Series {
  std::string label;
  std::vector<std::pair<double, double>> points;  // (x, y) in data units; NaN/inf points are skipped
};

struct LineChart {
  std::string title, x_label, y_label;
  std::vector<Series> series;
  // <= 0: automatic. Otherwise the y axis ends here: latency explodes at saturation and would
  // flatten the interesting part; points above are drawn on the top edge as a triangle.
  double y_max = 0;
  std::vector<std::pair<double, std::string>> x_markers;  // dashed vertical line + label
};

std::string line_chart(const LineChart& chart);

struct MeshLinkMap {
  uint32_t width = 0, height = 0;  // tiles; tile (x, y) is index y * width + x; north (y-1) on top
  // Utilisation (0..1) of the link leaving tile i towards each neighbour. Each vector holds
  // width * height entries (std::invalid_argument otherwise); entries for links off the grid
  // edge are ignored.
  std::vector<double> east, west, north, south;
  std::string title;
};

// Up to 128 tiles per side every directed link is a bar; larger grids are shown as blocks
// coloured by the mean utilisation of the links leaving their tiles, which bounds the size.
std::string mesh_heatmap(const MeshLinkMap& map);

// Throws std::runtime_error naming the path when the file cannot be written.
void write_file(const std::string& path, const std::string& svg);

}  // namespace wvp::svg
