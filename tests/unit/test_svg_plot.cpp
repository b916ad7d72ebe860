// The SVG plots of `wafervp noc`: complete documents, clipping at y_max, escaping, one bar per
// directed mesh link, the colour scale's top for the hottest link, bounded output for huge
// grids and byte-identical output for identical input.
#include <gtest/gtest.h>

#include <clocale>
#include <cmath>
#include <filesystem>
#include <fstream>
#include <iterator>
#include <limits>
#include <sstream>
#include <stdexcept>
#include <string>
#include <vector>

#include "platform/report/svg_plot.h"

namespace wvp::test {
namespace {

using svg::LineChart;
using svg::MeshLinkMap;
using svg::TileMapSheet;

size_t count(const std::string& text, const std::string& needle) {
  size_t n = 0;
  for (size_t pos = text.find(needle); pos != std::string::npos; pos = text.find(needle, pos + needle.size())) ++n;
  return n;
}

// The text from `open` (e.g. "<g class=\"links\"") up to the next "</g>".
std::string group(const std::string& svg, const std::string& open) {
  const size_t begin = svg.find(open);
  if (begin == std::string::npos) return "";
  return svg.substr(begin, svg.find("</g>", begin) - begin);
}

// Value of the first `name="..."` attribute at or after `from`.
std::string attribute(const std::string& svg, const std::string& name, size_t from = 0) {
  const size_t begin = svg.find(" " + name + "=\"", from) + name.size() + 3;
  return svg.substr(begin, svg.find('"', begin) - begin);
}

void expect_complete(const std::string& svg) {
  EXPECT_EQ(svg.rfind("<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n<svg ", 0), 0u);
  ASSERT_GE(svg.size(), 7u);
  EXPECT_EQ(svg.substr(svg.size() - 7), "</svg>\n");
  EXPECT_EQ(count(svg, "<svg "), 1u);
}

LineChart latency_chart() {
  LineChart chart;
  chart.title = "Uniform random, 8x8";
  chart.x_label = "offered load (flits/node/cycle)";
  chart.y_label = "latency (cycles)";
  chart.series = {{"XY", {{0.1, 12}, {0.2, 13.5}, {0.3, 16}, {0.4, 25}, {0.5, 900}}},
                  {"west-first", {{0.1, 12.5}, {0.3, 17}, {0.45, 60}}}};
  chart.y_max = 100;
  chart.x_markers = {{0.5, "channel-load bound"}};
  return chart;
}

TEST(SvgPlotLineChart, IsACompleteDocumentWithOnePolylinePerSeries) {
  LineChart chart = latency_chart();
  chart.series.push_back({"empty", {}});
  const std::string svg = svg::line_chart(chart);
  expect_complete(svg);
  EXPECT_EQ(count(svg, "<polyline "), chart.series.size());
  for (const char* text : {">Uniform random, 8x8</text>", ">offered load (flits/node/cycle)</text>",
                           ">latency (cycles)</text>", ">channel-load bound</text>", ">west-first</text>"})
    EXPECT_NE(svg.find(text), std::string::npos) << text;
  EXPECT_EQ(count(svg, "stroke-dasharray"), 1u);  // the one x marker
  // Distinct colours for the series.
  const size_t second = svg.find("<polyline ", svg.find("<polyline ") + 1);
  EXPECT_NE(attribute(svg, "stroke", svg.find("<polyline ")), attribute(svg, "stroke", second));
}

TEST(SvgPlotLineChart, TicksAreNiceNumbers) {
  LineChart chart;
  chart.series = {{"s", {{0, 0}, {1, 87}}}};
  const std::string svg = svg::line_chart(chart);
  // x: 0..1 in steps of 0.2, printed without rounding noise; y: 0..90 in steps of 10.
  for (const char* tick : {">0.2</text>", ">0.6</text>", ">1</text>", ">10</text>", ">90</text>"})
    EXPECT_NE(svg.find(tick), std::string::npos) << tick;
  EXPECT_EQ(svg.find(">100</text>"), std::string::npos);
  EXPECT_EQ(svg.find("0000"), std::string::npos);
}

TEST(SvgPlotLineChart, PointAboveYMaxIsDrawnOnTheTopEdgeAndMarked) {
  const std::string svg = svg::line_chart(latency_chart());
  const std::string top = attribute(svg, "y", svg.find("<rect class=\"frame\""));
  std::istringstream points(attribute(svg, "points", svg.find("<polyline ")));
  std::vector<std::string> ys;
  for (std::string xy; points >> xy;) ys.push_back(xy.substr(xy.find(',') + 1));
  ASSERT_EQ(ys.size(), 5u);
  EXPECT_EQ(ys[4], top);  // y = 900 > y_max
  for (size_t i = 0; i < 4; ++i) EXPECT_NE(ys[i], top);
  EXPECT_EQ(count(svg, "class=\"clipped\""), 1u);
  EXPECT_NE(svg.find("XY: y = 900"), std::string::npos);
  EXPECT_NE(svg.find(">100</text>"), std::string::npos);  // the axis ends at y_max
}

TEST(SvgPlotLineChart, SkipsNonFiniteAndSurvivesDegenerateInput) {
  constexpr double nan = std::numeric_limits<double>::quiet_NaN(), inf = std::numeric_limits<double>::infinity();
  LineChart chart;
  chart.series = {{"a", {{nan, 1}, {1, inf}, {2, 3}, {-inf, 4}}}, {"no finite point", {{nan, nan}}}};
  chart.x_markers = {{nan, "nowhere"}};
  std::string svg = svg::line_chart(chart);
  expect_complete(svg);
  EXPECT_EQ(attribute(svg, "points", svg.find("<polyline ")).find(' '), std::string::npos);  // one point left
  EXPECT_EQ(svg.find("nan"), std::string::npos);
  EXPECT_EQ(svg.find("inf"), std::string::npos);
  EXPECT_EQ(svg.find("nowhere"), std::string::npos);

  const std::vector<LineChart> degenerate = {
      LineChart{}, LineChart{"t", "x", "y", {{"one", {{5, 5}}}}, 0, {}},
      LineChart{"t", "x", "y", {{"flat", {{0, 0}, {0, 0}}}}, 10, {}},
      LineChart{"t", "x", "y", {{"huge", {{-1e308, 1e308}, {1e308, -1e308}}}}, 0, {}}};
  for (const LineChart& chart_case : degenerate) {
    svg = svg::line_chart(chart_case);
    expect_complete(svg);
    EXPECT_EQ(svg.find("nan"), std::string::npos);
    EXPECT_EQ(svg.find("inf"), std::string::npos);
  }
}

TEST(SvgPlotLineChart, EscapesXmlInAllText) {
  LineChart chart;
  chart.title = "a<b & \"c\">";
  chart.x_label = "x<";
  chart.y_label = "y&";
  chart.series = {{"<s>", {{0, 1}}}};
  chart.x_markers = {{0, "m\"&"}};
  const std::string svg = svg::line_chart(chart);
  EXPECT_NE(svg.find(">a&lt;b &amp; &quot;c&quot;&gt;</text>"), std::string::npos);
  for (const char* text : {">x&lt;</text>", ">y&amp;</text>", ">&lt;s&gt;</text>", ">m&quot;&amp;</text>"})
    EXPECT_NE(svg.find(text), std::string::npos) << text;
  for (const char* raw : {"a<b", "& \"", "x<", "y&<", "<s>", "m\""}) EXPECT_EQ(svg.find(raw), std::string::npos) << raw;
}

TEST(SvgPlotLineChart, IdenticalInputGivesIdenticalBytesWhateverTheLocale) {
  const std::string first = svg::line_chart(latency_chart());
  EXPECT_EQ(svg::line_chart(latency_chart()), first);
  // A decimal comma must not leak into the numbers (no-op where the locale is not installed).
  if (std::setlocale(LC_NUMERIC, "de_DE.UTF-8") != nullptr) {
    EXPECT_EQ(svg::line_chart(latency_chart()), first);
    std::setlocale(LC_NUMERIC, "C");
  }
}

MeshLinkMap uniform_map(uint32_t width, uint32_t height, double u) {
  MeshLinkMap map;
  map.width = width, map.height = height;
  const std::vector<double> all(size_t{width} * height, u);
  map.east = map.west = map.north = map.south = all;
  return map;
}

TEST(SvgPlotMeshHeatmap, OneBarPerDirectedLinkAndTheHottestGetsTheTopColour) {
  MeshLinkMap map = uniform_map(4, 3, 0.3);
  map.title = "hot <spot>";
  map.east[1 * 4 + 2] = 1.0;  // tile (2, 1) -> east
  map.east[0 * 4 + 3] = 5.0;  // off the grid edge: ignored
  map.north[1] = 7.0;         // off the grid edge: ignored
  const std::string svg = svg::mesh_heatmap(map);
  expect_complete(svg);
  const std::string links = group(svg, "<g class=\"links\"");
  EXPECT_EQ(count(links, "<path "), 2u * ((4 - 1) * 3 + 4 * (3 - 1)));
  EXPECT_EQ(count(links, "stroke=\"#fde725\""), 1u);  // viridis at 1
  EXPECT_EQ(count(links, "stroke=\"#440154\""), 0u);
  EXPECT_NE(svg.find(">hot &lt;spot&gt;: max utilisation 1 at tile (2,1) east</text>"), std::string::npos);
  for (const char* label : {">0</text>", ">0.5</text>", ">1</text>"})
    EXPECT_NE(svg.find(label), std::string::npos) << label;
  EXPECT_EQ(svg::mesh_heatmap(map), svg);

  map.east[1 * 4 + 2] = 0;
  EXPECT_EQ(count(group(svg::mesh_heatmap(map), "<g class=\"links\""), "stroke=\"#440154\""), 1u);  // viridis at 0
}

// An all-reduce on 32 x 32 peaks at 0.0008: on a fixed 0-to-1 scale every link would come out
// the same dark colour.
TEST(SvgPlotMeshHeatmap, ScaleEndsAtTheLargestUtilisationUnlessFixed) {
  MeshLinkMap map = uniform_map(4, 3, 0.0004);
  map.east[1 * 4 + 2] = 0.0008;
  const std::string svg = svg::mesh_heatmap(map);
  const std::string links = group(svg, "<g class=\"links\"");
  EXPECT_EQ(count(links, "stroke=\"#fde725\""), 1u);  // the top of viridis
  EXPECT_EQ(count(links, "stroke=\"#440154\""), 0u);
  for (const char* label : {">0</text>", ">0.0004</text>", ">0.0008</text>", "link utilisation (scale: the largest)"})
    EXPECT_NE(svg.find(label), std::string::npos) << label;

  map.scale_max = 1;
  const std::string fixed = svg::mesh_heatmap(map);
  EXPECT_EQ(count(group(fixed, "<g class=\"links\""), "stroke=\"#fde725\""), 0u);
  for (const char* label : {">0.5</text>", ">1</text>", ">link utilisation</text>"})
    EXPECT_NE(fixed.find(label), std::string::npos) << label;
}

TEST(SvgPlotTileMapSheet, ACategoryMapAndAPanelPerValueEachOnItsOwnScale) {
  TileMapSheet sheet;
  sheet.width = 3, sheet.height = 2;
  sheet.title = "where the time went";
  sheet.categories_title = "dominant";
  sheet.categories = {0, 0, 1, 1, 1, 0};
  sheet.category_names = {"core", "sync"};
  sheet.panels = {{"core", {0.9, 0.8, 0.1, 0.2, 0.3, 0.7}, 0}, {"sync", {0.1, 0.2, 0.9, 0.8, 0.7, 0.3}, 1}};
  const std::string svg = svg::tile_map_sheet(sheet);
  expect_complete(svg);
  EXPECT_EQ(count(group(svg, "<g class=\"categories\""), "<path "), 6u);
  EXPECT_EQ(count(group(svg, "<g class=\"categories\""), "stroke=\"#1f77b4\""), 3u);  // core, the first colour
  EXPECT_EQ(count(svg, "<g class=\"values\""), 2u);
  EXPECT_EQ(count(svg, "stroke=\"#fde725\""), 1u) << "the largest core share tops its own scale; sync's 0.9 of 1 does not";
  for (const char* label : {">0.9</text>", ">1</text>", ">core</text>", ">sync</text>", "3x2 tiles"})
    EXPECT_NE(svg.find(label), std::string::npos) << label;
  EXPECT_EQ(svg::tile_map_sheet(sheet), svg);
  sheet.panels[1].values.pop_back();
  EXPECT_THROW(svg::tile_map_sheet(sheet), std::invalid_argument);
}

TEST(SvgPlotTileMapSheet, HugeGridIsAggregatedIntoBlocks) {
  TileMapSheet sheet;
  sheet.width = sheet.height = 1024;
  sheet.categories.assign(1024 * 1024, 0);
  sheet.category_names = {"core"};
  sheet.panels = {{"core", std::vector<double>(1024 * 1024, 0.5), 0}};
  const std::string svg = svg::tile_map_sheet(sheet);
  EXPECT_LT(svg.size(), 2u << 20);
  EXPECT_NE(svg.find("each square a 16x16 block of tiles"), std::string::npos);
  EXPECT_EQ(count(group(svg, "<g class=\"categories\""), "<path "), 64u * 64u);
}

TEST(SvgPlotMeshHeatmap, HugeGridIsAggregatedIntoBlocksOfBoundedSize) {
  MeshLinkMap map = uniform_map(1024, 1024, 0.0);
  for (uint32_t y = 0; y < 8; ++y)  // every link leaving the top-left 8x8 block of tiles
    for (uint32_t x = 0; x < 8; ++x)
      map.east[y * 1024 + x] = map.west[y * 1024 + x] = map.north[y * 1024 + x] = map.south[y * 1024 + x] = 1.0;
  const std::string svg = svg::mesh_heatmap(map);
  expect_complete(svg);
  EXPECT_LT(svg.size(), 5u << 20);
  EXPECT_NE(svg.find("mean utilisation of the links leaving a 8x8 block of tiles"), std::string::npos);
  EXPECT_EQ(svg.find("<g class=\"links\""), std::string::npos);
  const std::string cells = group(svg, "<g class=\"cells\"");
  EXPECT_EQ(count(cells, "<path "), 128u * 128u);
  EXPECT_EQ(count(cells, "stroke=\"#fde725\""), 1u);
  EXPECT_EQ(cells.find("stroke=\"#fde725\""), cells.find("stroke=\"#")) << "the first cell is the hot block";
}

TEST(SvgPlotMeshHeatmap, DegenerateGridsAndBadSizes) {
  expect_complete(svg::mesh_heatmap(MeshLinkMap{}));
  const std::string one = svg::mesh_heatmap(uniform_map(1, 1, 0.5));
  expect_complete(one);
  EXPECT_EQ(count(group(one, "<g class=\"links\""), "<path "), 0u);
  MeshLinkMap bad = uniform_map(3, 3, 0.5);
  bad.south.pop_back();
  EXPECT_THROW(svg::mesh_heatmap(bad), std::invalid_argument);
}

TEST(SvgPlotWriteFile, WritesTheDocumentAndNamesThePathOnFailure) {
  const std::filesystem::path path = std::filesystem::path(::testing::TempDir()) / "wvp_svg_plot_test.svg";
  const std::string svg = svg::line_chart(latency_chart());
  svg::write_file(path.string(), svg);
  std::ifstream in(path, std::ios::binary);
  EXPECT_EQ(std::string(std::istreambuf_iterator<char>(in), {}), svg);
  in.close();
  std::filesystem::remove(path);

  const std::string missing = (std::filesystem::path(::testing::TempDir()) / "no_such_dir_wvp" / "x.svg").string();
  try {
    svg::write_file(missing, svg);
    FAIL() << "no exception";
  } catch (const std::runtime_error& e) {
    EXPECT_NE(std::string(e.what()).find(missing), std::string::npos) << e.what();
  }
}

}  // namespace
}  // namespace wvp::test
