#include "platform/report/svg_plot.h"

#include <algorithm>
#include <array>
#include <charconv>
#include <cmath>
#include <cstdio>
#include <fstream>
#include <limits>
#include <stdexcept>

namespace wvp::svg {

namespace {

// std::to_chars is "%.6g" without the locale: a setlocale() elsewhere cannot turn '.' into ','.
std::string num(double v) {
  if (v == 0) v = 0;  // no "-0"
  char buf[32];
  const auto end = std::to_chars(buf, buf + sizeof buf, v, std::chars_format::general, 6).ptr;
  return std::string(buf, end);
}

// Pixel coordinate: 0.01 px is invisible and keeps files small; the clamp keeps a runaway value
// from producing numbers a viewer rejects.
std::string px(double v) { return num(std::round(std::clamp(v, -1e5, 1e5) * 100) / 100); }

std::string esc(const std::string& s) {
  std::string out;
  for (const char c : s) {
    switch (c) {
      case '&': out += "&amp;"; break;
      case '<': out += "&lt;"; break;
      case '>': out += "&gt;"; break;
      case '"': out += "&quot;"; break;
      default:
        // XML 1.0 forbids other control characters even when escaped.
        if (static_cast<unsigned char>(c) >= 0x20 || c == '\t' || c == '\n') out += c;
    }
  }
  return out;
}

std::string svg_open(double width, double height) {
  const std::string w = px(width), h = px(height);
  return "<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n<svg xmlns=\"http://www.w3.org/2000/svg\" width=\"" + w +
         "\" height=\"" + h + "\" viewBox=\"0 0 " + w + " " + h +
         "\" font-family=\"sans-serif\" font-size=\"12\">\n<rect width=\"100%\" height=\"100%\" fill=\"white\"/>\n";
}

std::string text(double x, double y, const std::string& s, const std::string& attrs = "") {
  return "<text x=\"" + px(x) + "\" y=\"" + px(y) + "\"" + attrs + ">" + esc(s) + "</text>\n";
}

std::string line(double x1, double y1, double x2, double y2, const std::string& attrs) {
  return "<line x1=\"" + px(x1) + "\" y1=\"" + px(y1) + "\" x2=\"" + px(x2) + "\" y2=\"" + px(y2) + "\"" + attrs +
         "/>\n";
}

struct Axis {
  double lo, hi, step;
};

// Ticks at 1-2-5 multiples are what people read at a glance; aim for about six intervals.
// `keep_hi` keeps a user-chosen top (y_max) instead of rounding it up to a tick.
Axis nice_axis(double lo, double hi, bool keep_hi) {
  if (hi <= lo) {  // a single value: give it room, or [0, 1] around zero
    const double pad = std::abs(lo) / 2;
    hi = pad == 0 ? 1 : lo + pad;
    lo -= pad;
  }
  const double raw = (hi - lo) / 6, mag = std::pow(10.0, std::floor(std::log10(raw))), f = raw / mag;
  const double step = (f < 1.5 ? 1 : f < 3.5 ? 2 : f < 7.5 ? 5 : 10) * mag;
  if (!std::isfinite(step) || !(step > 0)) return {0, 1, 0.2};  // range overflows a double
  return {std::floor(lo / step) * step, keep_hi ? hi : std::ceil(hi / step) * step, step};
}

template <typename Fn>
void for_each_tick(const Axis& a, Fn&& fn) {
  for (int k = 0; k <= 100; ++k) {
    const double v = a.lo + k * a.step;
    if (v > a.hi + a.step * 1e-9) break;
    fn(std::abs(v) < a.step * 1e-9 ? 0.0 : v);  // lo + k*step misses zero by rounding
  }
}

// Tableau 10 (matplotlib's default cycle): distinct hues that survive common colour blindness.
constexpr std::array<const char*, 10> kSeriesColours = {"#1f77b4", "#ff7f0e", "#2ca02c", "#d62728", "#9467bd",
                                                        "#8c564b", "#e377c2", "#7f7f7f", "#bcbd22", "#17becf"};

// Viridis at 0, 1/8, ..., 1: perceptually uniform, so equal steps in utilisation look equal.
constexpr std::array<std::array<int, 3>, 9> kViridis = {{{68, 1, 84}, {71, 45, 123}, {59, 82, 139},
                                                         {44, 114, 142}, {33, 144, 140}, {39, 173, 129},
                                                         {93, 200, 99}, {170, 220, 50}, {253, 231, 37}}};

std::string hex(const std::array<int, 3>& c) {
  char buf[8];
  std::snprintf(buf, sizeof buf, "#%02x%02x%02x", c[0], c[1], c[2]);
  return buf;
}

std::string viridis(double u) {
  const double pos = std::clamp(std::isnan(u) ? 0.0 : u, 0.0, 1.0) * 8;
  const int i = std::min(static_cast<int>(pos), 7);
  std::array<int, 3> c{};
  for (int k = 0; k < 3; ++k)
    c[k] = static_cast<int>(std::lround(kViridis[i][k] + (kViridis[i + 1][k] - kViridis[i][k]) * (pos - i)));
  return hex(c);
}

// The viridis scale as a gradient that a rect fills with url(#scale).
std::string viridis_gradient() {
  std::string defs = "<defs><linearGradient id=\"scale\">";
  for (size_t i = 0; i < kViridis.size(); ++i)
    defs += "<stop offset=\"" + num(i / 8.0) + "\" stop-color=\"" + hex(kViridis[i]) + "\"/>";
  return defs + "</linearGradient></defs>\n";
}

}  // namespace

std::string line_chart(const LineChart& chart) {
  constexpr double kLeft = 70, kTop = 50, kRight = 560, kBottom = 410;
  const double height = std::max(470.0, kTop + 18.0 * chart.series.size() + 20);

  constexpr double inf = std::numeric_limits<double>::infinity();
  double x_lo = inf, x_hi = -inf, y_lo = 0, y_hi = -inf;  // y from 0: an offset axis exaggerates growth
  const auto widen = [](double& lo, double& hi, double v) { lo = std::min(lo, v), hi = std::max(hi, v); };
  for (const auto& s : chart.series)
    for (const auto& [x, y] : s.points)
      if (std::isfinite(x) && std::isfinite(y)) widen(x_lo, x_hi, x), widen(y_lo, y_hi, y);
  for (const auto& m : chart.x_markers)
    if (std::isfinite(m.first)) widen(x_lo, x_hi, m.first);
  if (x_lo > x_hi) x_lo = 0, x_hi = 1;
  const bool clip = chart.y_max > 0 && std::isfinite(chart.y_max);
  if (clip) y_hi = chart.y_max;
  const Axis xa = nice_axis(x_lo, x_hi, false), ya = nice_axis(y_lo, std::max(y_hi, y_lo), clip);
  const auto sx = [&](double x) { return kLeft + (x - xa.lo) / (xa.hi - xa.lo) * (kRight - kLeft); };
  const auto sy = [&](double y) { return kBottom - (y - ya.lo) / (ya.hi - ya.lo) * (kBottom - kTop); };

  std::string out = svg_open(780, height);
  out += text((kLeft + kRight) / 2, 26, chart.title, " text-anchor=\"middle\" font-size=\"16\"");
  const std::string grid = " stroke=\"#e0e0e0\"";
  for_each_tick(xa, [&](double v) {
    out += line(sx(v), kTop, sx(v), kBottom, grid);
    out += text(sx(v), kBottom + 16, num(v), " text-anchor=\"middle\"");
  });
  for_each_tick(ya, [&](double v) {
    out += line(kLeft, sy(v), kRight, sy(v), grid);
    out += text(kLeft - 6, sy(v) + 4, num(v), " text-anchor=\"end\"");
  });
  out += "<rect class=\"frame\" x=\"" + px(kLeft) + "\" y=\"" + px(kTop) + "\" width=\"" + px(kRight - kLeft) +
         "\" height=\"" + px(kBottom - kTop) + "\" fill=\"none\" stroke=\"#333\"/>\n";
  out += text((kLeft + kRight) / 2, kBottom + 36, chart.x_label, " text-anchor=\"middle\"");
  const double mid = (kTop + kBottom) / 2;
  out += text(20, mid, chart.y_label, " text-anchor=\"middle\" transform=\"rotate(-90 20 " + px(mid) + ")\"");

  for (const auto& [x, label] : chart.x_markers) {
    if (!std::isfinite(x)) continue;
    out += line(sx(x), kTop, sx(x), kBottom, " stroke=\"#555\" stroke-dasharray=\"6 4\"");
    // Rotated along the line so that several markers close together stay legible.
    const std::string anchor = px(sx(x) - 4) + " " + px(kTop + 4);
    out += text(sx(x) - 4, kTop + 4, label,
                " text-anchor=\"end\" fill=\"#555\" transform=\"rotate(-90 " + anchor + ")\"");
  }

  for (size_t i = 0; i < chart.series.size(); ++i) {
    const Series& s = chart.series[i];
    const std::string colour = kSeriesColours[i % kSeriesColours.size()];
    std::string points, marks;
    for (const auto& [x, y] : s.points) {
      if (!std::isfinite(x) || !std::isfinite(y)) continue;
      const std::string X = px(sx(x)), Y = px(sy(std::min(y, ya.hi)));
      points += (points.empty() ? "" : " ") + X + "," + Y;
      if (y > ya.hi)
        marks += "<path class=\"clipped\" d=\"M" + X + " " + Y + "l-4 7h8z\" fill=\"" + colour + "\"><title>" +
                 esc(s.label) + ": y = " + num(y) + "</title></path>\n";
      else
        marks += "<circle cx=\"" + X + "\" cy=\"" + Y + "\" r=\"3\" fill=\"" + colour + "\"/>\n";
    }
    // One polyline per series even when empty, so the document mirrors the input.
    out += "<polyline points=\"" + points + "\" fill=\"none\" stroke=\"" + colour + "\" stroke-width=\"1.5\"/>\n" +
           marks;
    const double ly = kTop + 8 + 18.0 * i;
    out += line(kRight + 20, ly, kRight + 44, ly, " stroke=\"" + colour + "\" stroke-width=\"1.5\"");
    out += "<circle cx=\"" + px(kRight + 32) + "\" cy=\"" + px(ly) + "\" r=\"3\" fill=\"" + colour + "\"/>\n";
    out += text(kRight + 50, ly + 4, s.label);
  }
  return out + "</svg>\n";
}

std::string mesh_heatmap(const MeshLinkMap& map) {
  const uint32_t W = map.width, H = map.height;
  const size_t tiles = size_t{W} * H;
  const std::array<const std::vector<double>*, 4> util = {&map.east, &map.west, &map.north, &map.south};
  constexpr std::array<const char*, 4> kDirNames = {"east", "west", "north", "south"};
  for (int d = 0; d < 4; ++d)
    if (util[d]->size() != tiles)
      throw std::invalid_argument("mesh_heatmap: '" + std::string(kDirNames[d]) + "' has " +
                                  std::to_string(util[d]->size()) + " entries, expected " + std::to_string(tiles));
  const auto exists = [&](uint32_t x, uint32_t y, int d) {
    return d == 0 ? x + 1 < W : d == 1 ? x > 0 : d == 2 ? y > 0 : y + 1 < H;
  };
  const auto for_each_link = [&](auto&& fn) {
    for (uint32_t y = 0; y < H; ++y)
      for (uint32_t x = 0; x < W; ++x)
        for (int d = 0; d < 4; ++d)
          if (exists(x, y, d)) fn(x, y, d, (*util[d])[size_t{y} * W + x]);
  };

  double max = -1;
  std::string hottest = "no links";
  for_each_link([&](uint32_t x, uint32_t y, int d, double u) {
    if (u > max)
      max = u, hottest = "max utilisation " + num(u) + " at tile (" + std::to_string(x) + "," + std::to_string(y) +
                         ") " + kDirNames[d];
  });

  const double scale = map.scale_max > 0 ? map.scale_max : max > 0 ? max : 1;

  // Past 128 tiles a side the bars would be sub-pixel and the file huge, so blocks of tiles
  // become single cells: the size is bounded whatever the grid.
  const uint32_t side = std::max({W, H, 1u}), block = (side + 127) / 128;
  const uint32_t cols = (W + block - 1) / block, rows = (H + block - 1) / block;
  const double p = std::clamp(1024u / std::max({cols, rows, 1u}), 8u, 48u);  // pitch of a tile or block
  constexpr double kMargin = 20, kMapTop = 56;
  const double bar_y = kMapTop + rows * p + 16;
  std::string out = svg_open(std::max(2 * kMargin + cols * p, 480.0), bar_y + 40);
  out += text(kMargin, 24, (map.title.empty() ? "" : map.title + ": ") + hottest, " font-size=\"16\"");
  const std::string size = std::to_string(W) + "x" + std::to_string(H) + " tiles; ";
  const auto at = [&](double x, double y) { return px(kMargin + x * p) + " " + px(kMapTop + y * p); };

  if (block == 1) {
    out += text(kMargin, 42, size + "bars: eastward above westward, northward right of southward");
    // Tile squares take 0.6 of the pitch; the bars run in the gaps between them.
    const std::string s = px(0.6 * p), square = "h" + s + "v" + s + "h-" + s + "z";
    out += "<path fill=\"#bbb\" d=\"";
    for (uint32_t y = 0; y < H; ++y)
      for (uint32_t x = 0; x < W; ++x) out += 'M' + at(x + 0.2, y + 0.2) + square;
    out += "\"/>\n<g class=\"links\" stroke-width=\"" + px(0.2 * p) + "\">\n";
    // Start of each direction's bar in tile pitches from its tile's corner; a bar spans the gap
    // between two tile squares.
    constexpr struct { double dx, dy; char axis; } kBar[4] = {
        {0.8, 0.35, 'h'}, {-0.2, 0.65, 'h'}, {0.65, -0.2, 'v'}, {0.35, 0.8, 'v'}};
    for_each_link([&](uint32_t x, uint32_t y, int d, double u) {
      out += "<path d=\"M" + at(x + kBar[d].dx, y + kBar[d].dy) + kBar[d].axis + px(0.4 * p) + "\" stroke=\"" +
             viridis(u / scale) + "\"/>\n";
    });
  } else {
    out += text(kMargin, 42, size + "each cell: mean utilisation of the links leaving a " + std::to_string(block) +
                                 "x" + std::to_string(block) + " block of tiles");
    std::vector<double> sum(size_t{cols} * rows);
    std::vector<uint32_t> count(sum.size());
    for_each_link([&](uint32_t x, uint32_t y, int, double u) {
      if (!std::isfinite(u)) return;
      const size_t cell = size_t{y / block} * cols + x / block;
      sum[cell] += u, ++count[cell];
    });
    out += "<g class=\"cells\" stroke-width=\"" + px(p) + "\">\n";
    for (uint32_t r = 0; r < rows; ++r)
      for (uint32_t c = 0; c < cols; ++c) {
        const size_t cell = size_t{r} * cols + c;
        out += "<path d=\"M" + at(c, r + 0.5) + "h" + px(p) + "\" stroke=\"" +
               (count[cell] ? viridis(sum[cell] / count[cell] / scale) : "#bbb") + "\"/>\n";
      }
  }
  out += "</g>\n" + viridis_gradient() + "<rect x=\"" + px(kMargin) + "\" y=\"" + px(bar_y) +
         "\" width=\"200\" height=\"12\" fill=\"url(#scale)\" stroke=\"#333\"/>\n";
  for (const double v : {0.0, 0.5, 1.0})
    out += text(kMargin + 200 * v, bar_y + 26, num(v * scale), " text-anchor=\"middle\"");
  out += text(kMargin + 212, bar_y + 10, map.scale_max > 0 ? "link utilisation" : "link utilisation (scale: the largest)");
  return out + "</svg>\n";
}

std::string tile_map_sheet(const TileMapSheet& sheet) {
  const uint32_t W = sheet.width, H = sheet.height;
  const size_t tiles = size_t{W} * H;
  const auto check = [tiles](const std::string& what, size_t size) {
    if (size != tiles)
      throw std::invalid_argument("tile_map_sheet: '" + what + "' has " + std::to_string(size) + " entries, expected " +
                                  std::to_string(tiles));
  };
  check(sheet.categories_title, sheet.categories.size());
  for (const TileValues& p : sheet.panels) check(p.title, p.values.size());

  // Blocks keep the file small whatever the grid: at most 64 x 64 cells a map.
  const uint32_t side = std::max({W, H, 1u}), block = (side + 63) / 64;
  const uint32_t cols = (W + block - 1) / block, rows = (H + block - 1) / block;
  const double pitch = std::clamp(256.0 / std::max({cols, rows, 1u}), 4.0, 32.0);
  constexpr double kMargin = 20, kTop = 56, kGap = 30, kCaption = 34, kLegend = 120;
  constexpr uint32_t kPerRow = 4;
  const double map_w = cols * pitch, map_h = rows * pitch;
  const double cell_w = std::max(map_w, 260.0) + kGap, cell_h = kCaption + map_h + 44;
  const size_t maps = 1 + sheet.panels.size();
  const size_t grid_cols = std::min<size_t>(maps, kPerRow), grid_rows = (maps + kPerRow - 1) / kPerRow;
  std::string out = svg_open(std::max(2 * kMargin + grid_cols * cell_w + kLegend, 480.0), kTop + grid_rows * cell_h + kMargin);
  out += text(kMargin, 24, sheet.title, " font-size=\"16\"");
  const std::string blocks =
      block == 1 ? "" : "; each square a " + std::to_string(block) + "x" + std::to_string(block) + " block of tiles";
  out += text(kMargin, 42, std::to_string(W) + "x" + std::to_string(H) + " tiles" + blocks + "; " + sheet.subtitle);

  // The tiles of each cell; draw() colours cell after cell by colour_of(its tiles).
  std::vector<std::vector<uint32_t>> members(size_t{cols} * rows);
  for (uint32_t y = 0; y < H; ++y)
    for (uint32_t x = 0; x < W; ++x) members[size_t{y / block} * cols + x / block].push_back(y * W + x);
  const auto draw = [&](size_t index, const std::string& caption, const std::string& group, auto&& colour_of) {
    const double left = kMargin + (index % kPerRow) * cell_w, top = kTop + (index / kPerRow) * cell_h;
    out += text(left, top + 14, caption);
    out += "<g class=\"" + group + "\" stroke-width=\"" + px(pitch) + "\">\n";
    for (uint32_t r = 0; r < rows; ++r)
      for (uint32_t c = 0; c < cols; ++c)
        out += "<path d=\"M" + px(left + c * pitch) + " " + px(top + kCaption - 12 + (r + 0.5) * pitch) + "h" + px(pitch) +
               "\" stroke=\"" + colour_of(members[size_t{r} * cols + c]) + "\"/>\n";
    out += "</g>\n";
    return std::pair{left, top + kCaption - 12 + map_h};
  };

  const auto [cat_left, cat_bottom] = draw(0, sheet.categories_title, "categories", [&](const std::vector<uint32_t>& in) {
    std::vector<uint32_t> votes(sheet.category_names.size());
    for (const uint32_t t : in)
      if (sheet.categories[t] < votes.size()) ++votes[sheet.categories[t]];
    const auto most = std::max_element(votes.begin(), votes.end());
    return most == votes.end() ? std::string("#bbb")
                               : std::string(kSeriesColours[size_t(most - votes.begin()) % kSeriesColours.size()]);
  });
  for (size_t i = 0; i < sheet.category_names.size(); ++i) {
    const double y = cat_bottom + 16 + 14.0 * (i / 3);
    const double x = cat_left + 70.0 * (i % 3);
    out += "<rect x=\"" + px(x) + "\" y=\"" + px(y - 9) + "\" width=\"10\" height=\"10\" fill=\"" +
           kSeriesColours[i % kSeriesColours.size()] + "\"/>\n";
    out += text(x + 14, y, sheet.category_names[i]);
  }

  for (size_t i = 0; i < sheet.panels.size(); ++i) {
    const TileValues& p = sheet.panels[i];
    double largest = 0;
    for (const double v : p.values)
      if (std::isfinite(v)) largest = std::max(largest, v);
    const double scale = p.scale_max > 0 ? p.scale_max : largest > 0 ? largest : 1;
    const auto [left, bottom] = draw(i + 1, p.title, "values", [&](const std::vector<uint32_t>& in) {
      double sum = 0;
      uint32_t n = 0;
      for (const uint32_t t : in)
        if (std::isfinite(p.values[t])) sum += p.values[t], ++n;
      return n ? viridis(sum / n / scale) : std::string("#bbb");
    });
    out += "<rect x=\"" + px(left) + "\" y=\"" + px(bottom + 8) + "\" width=\"120\" height=\"8\" fill=\"url(#scale)\"/>\n";
    out += text(left, bottom + 30, "0");
    out += text(left + 120, bottom + 30, num(scale), " text-anchor=\"end\"");
  }
  return out + viridis_gradient() + "</svg>\n";
}

void write_file(const std::string& path, const std::string& svg) {
  std::ofstream file(path, std::ios::binary);
  file.write(svg.data(), static_cast<std::streamsize>(svg.size()));
  file.close();
  if (!file) throw std::runtime_error("cannot write SVG file " + path);
}

}  // namespace wvp::svg
