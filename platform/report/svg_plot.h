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
  // Utilisation at the top of the colour scale; <= 0: the largest on the map, so that a run whose
  // links peak at 0.0008 (an all-reduce on 32 x 32) still shows where its traffic went.
  double scale_max = 0;
};

// Up to 128 tiles per side every directed link is a bar; larger grids are shown as blocks
// coloured by the mean utilisation of the links leaving their tiles, which bounds the size.
std::string mesh_heatmap(const MeshLinkMap& map);

// A value per tile, drawn as a square per tile of the grid.
struct TileValues {
  std::string title;
  std::vector<double> values;  // width * height entries, tile (x, y) at y * width + x
  double scale_max = 0;        // the top of the colour scale; <= 0: the largest value
};

// Several maps of one grid side by side: first `categories` (each tile coloured by its category,
// with a legend of `category_names`), then each of `panels` on a viridis scale of its own. Up
// to 64 tiles a side every tile is a square; larger grids are shown as blocks of tiles, each
// with the mean of its tiles' values and the category most of its tiles have.
struct TileMapSheet {
  uint32_t width = 0, height = 0;
  std::string title, subtitle;
  std::string categories_title;
  std::vector<uint8_t> categories;  // width * height entries, each an index into category_names
  std::vector<std::string> category_names;
  std::vector<TileValues> panels;
};

// Throws std::invalid_argument when a vector's size is not width * height.
std::string tile_map_sheet(const TileMapSheet& sheet);

// Throws std::runtime_error naming the path when the file cannot be written.
void write_file(const std::string& path, const std::string& svg);

}  // namespace wvp::svg
