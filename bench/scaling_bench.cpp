// How host memory and time grow with the wafer: three cases on grids up to the whole WSE-3,
// each run as a user runs it (`wafervp run` / `wafervp noc` in a process of its own, its peak
// resident set as /usr/bin/time -v reports it):
//   exchange   the neighbour exchange (sw/examples/exchange.c): the same work on every tile
//   allreduce  the all-reduce of 16 floats over the whole grid (sw/examples/allreduce.c)
//   noc        synthetic uniform traffic at a low load (no cores)
// For each case the per-tile cost is fitted by least squares over the grids (bytes and host
// seconds against tiles) with the fit's R^2: linear growth fits with R^2 near 1.
// Usage: wvp_bench_scaling [--json FILE] [--grids WxH,WxH,...] [--cases exchange,allreduce,noc]
#include <chrono>
#include <cstdio>
#include <cstring>
#include <fstream>
#include <sstream>
#include <string>
#include <vector>

#include <nlohmann/json.hpp>

#include "support/process.h"

namespace {

// Far below saturation on every grid (64 x 64 saturates near 0.0575 flits/node/cycle, and the
// busiest channel's load grows with the grid's side); short windows because the flit-hops of
// uniform traffic grow with the distances of the whole grid.
constexpr const char* kNocRate = "0.0005";
constexpr const char* kNocWarmupCycles = "200";
constexpr const char* kNocCycles = "500";

struct Grid {
  uint32_t w, h;
  std::string text() const { return std::to_string(w) + "x" + std::to_string(h); }
  uint64_t tiles() const { return uint64_t{w} * h; }
};

struct Point {
  Grid grid;
  double wall_seconds = 0, run_seconds = 0, setup_seconds = 0;
  uint64_t peak_rss = 0, instructions = 0, flit_hops = 0;
};

// Runs one case on one grid; false (after saying why) when it failed.
bool run_case(const std::string& name, const Grid& g, Point& p) {
  const std::string json = wvp::test::temp_path(name + "_" + g.text() + ".json");
  std::vector<std::string> argv = {WVP_BINARY};
  if (name == "noc")
    argv.insert(argv.end(), {"noc", "--grid", g.text(), "--set", std::string("noc.injection_rate=") + kNocRate, "--set",
                             std::string("noc.warmup_cycles=") + kNocWarmupCycles, "--set",
                             std::string("noc.measure_cycles=") + kNocCycles, "--json", json});
  else
    argv.insert(argv.end(), {"run", "--grid", g.text(), "--stats", json, std::string(WVP_FIRMWARE_DIR) + "/" + name + ".elf"});
  const auto start = std::chrono::steady_clock::now();
  const wvp::test::ProcessResult r = wvp::test::run_process(argv, 3600);
  p.wall_seconds = std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
  if (r.exit_code != 0) {
    std::fprintf(stderr, "%s on %s: wafervp exited %d\n%s", name.c_str(), g.text().c_str(), r.exit_code, r.err.c_str());
    return false;
  }
  // A child's peak resident set counts the parent's at its fork: the per-tile arrays of the stats
  // (gigabytes of document on the whole wafer) are skipped as they are read.
  std::ifstream in(json);
  const nlohmann::json s = nlohmann::json::parse(in, [](int, nlohmann::json::parse_event_t event, nlohmann::json& parsed) {
    return !(event == nlohmann::json::parse_event_t::key && (parsed == "cores" || parsed == "routers"));
  });
  in.close();
  std::remove(json.c_str());
  p.grid = g;
  p.peak_rss = r.usage.peak_rss_bytes;
  p.run_seconds = s["host_seconds"];
  if (name == "noc") {
    p.flit_hops = s["flit_hops"];
  } else {
    p.setup_seconds = s["host_setup_seconds"];
    p.instructions = s["instructions"];
    p.flit_hops = s["fabric"]["flit_hops"];
  }
  return true;
}

// y = a + b x by least squares, with R^2.
struct Fit {
  double a = 0, b = 0, r2 = 0;
};
Fit fit(const std::vector<double>& x, const std::vector<double>& y) {
  const double n = static_cast<double>(x.size());
  double sx = 0, sy = 0, sxx = 0, sxy = 0, syy = 0;
  for (size_t i = 0; i < x.size(); ++i) sx += x[i], sy += y[i], sxx += x[i] * x[i], sxy += x[i] * y[i], syy += y[i] * y[i];
  Fit f;
  const double vx = n * sxx - sx * sx, vy = n * syy - sy * sy;
  if (vx <= 0) return f;
  f.b = (n * sxy - sx * sy) / vx;
  f.a = (sy - f.b * sx) / n;
  f.r2 = vy > 0 ? (n * sxy - sx * sy) * (n * sxy - sx * sy) / (vx * vy) : 1;
  return f;
}

std::vector<std::string> split(const std::string& text) {
  std::vector<std::string> parts;
  std::stringstream in(text);
  for (std::string part; std::getline(in, part, ',');) parts.push_back(part);
  return parts;
}

}  // namespace

int main(int argc, char** argv) {
  std::string json_path;
  std::vector<Grid> grids = {{64, 64}, {256, 256}, {512, 512}, {762, 1172}};
  std::vector<std::string> cases = {"exchange", "allreduce", "noc"};
  for (int i = 1; i < argc; ++i) {
    if (!std::strcmp(argv[i], "--json") && i + 1 < argc) {
      json_path = argv[++i];
    } else if (!std::strcmp(argv[i], "--grids") && i + 1 < argc) {
      grids.clear();
      for (const std::string& g : split(argv[++i])) {
        unsigned w = 0, h = 0;
        char x = 0;
        if (std::sscanf(g.c_str(), "%u%c%u", &w, &x, &h) != 3 || x != 'x' || !w || !h) {
          std::fprintf(stderr, "wvp_bench_scaling: --grids: %s is not WxH\n", g.c_str());
          return 2;
        }
        grids.push_back({w, h});
      }
    } else if (!std::strcmp(argv[i], "--cases") && i + 1 < argc) {
      cases = split(argv[++i]);
      for (const std::string& c : cases)
        if (c != "exchange" && c != "allreduce" && c != "noc") {
          std::fprintf(stderr, "wvp_bench_scaling: --cases: no case %s (exchange, allreduce, noc)\n", c.c_str());
          return 2;
        }
    } else {
      std::fprintf(stderr, "usage: wvp_bench_scaling [--json FILE] [--grids WxH,...] [--cases exchange,allreduce,noc]\n");
      return 2;
    }
  }
  int status = 0;
  nlohmann::json out = nlohmann::json::object();
  for (const std::string& name : cases) {
    std::vector<double> tiles, rss, seconds;
    nlohmann::json points = nlohmann::json::array();
    for (const Grid& g : grids) {
      Point p;
      if (!run_case(name, g, p)) {
        status = 1;
        continue;
      }
      const double mips = p.run_seconds > 0 ? double(p.instructions) / p.run_seconds / 1e6 : 0;
      const double hops_per_s = p.run_seconds > 0 ? double(p.flit_hops) / p.run_seconds : 0;
      std::printf("%-9s %9s %8llu tiles: %8.2f s (set-up %6.2f, run %7.2f), %8.1f MB peak RSS, %8.1f MIPS, %7.2f M flit-hops/s\n",
                  name.c_str(), g.text().c_str(), static_cast<unsigned long long>(g.tiles()), p.wall_seconds,
                  p.setup_seconds, p.run_seconds, double(p.peak_rss) / 1e6, mips, hops_per_s / 1e6);
      std::fflush(stdout);
      tiles.push_back(double(g.tiles()));
      rss.push_back(double(p.peak_rss));
      seconds.push_back(p.wall_seconds);
      points.push_back({{"grid", g.text()}, {"tiles", g.tiles()}, {"wall_seconds", p.wall_seconds},
                        {"setup_seconds", p.setup_seconds}, {"run_seconds", p.run_seconds}, {"peak_rss_bytes", p.peak_rss},
                        {"instructions", p.instructions}, {"flit_hops", p.flit_hops}, {"mips", mips},
                        {"flit_hops_per_second", hops_per_s}});
    }
    const Fit memory = fit(tiles, rss), time = fit(tiles, seconds);
    std::printf("%-9s fit: %.0f bytes/tile + %.1f MB (R^2 %.4f); %.2f us/tile + %.2f s (R^2 %.4f)\n", name.c_str(), memory.b,
                memory.a / 1e6, memory.r2, time.b * 1e6, time.a, time.r2);
    out[name] = {{"points", points},
                 {"fit", {{"bytes_per_tile", memory.b}, {"bytes_fixed", memory.a}, {"bytes_r2", memory.r2},
                          {"seconds_per_tile", time.b}, {"seconds_fixed", time.a}, {"seconds_r2", time.r2}}}};
  }
  if (!json_path.empty()) {
    std::ofstream f(json_path);
    f << out.dump(2) << "\n";
    if (!f) {
      std::fprintf(stderr, "%s: cannot write\n", json_path.c_str());
      return 2;
    }
  }
  return status;
}
