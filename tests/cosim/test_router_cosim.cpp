// Router co-simulation: the same random traffic through two fabrics, one of TLM routers only and
// one where chosen routers are the Verilated RTL. Every wavelet every output port sends is
// compared cycle by cycle; the first difference is reported with its cycle, router, port and
// color, and the RTL router's waveform up to it is written as FST.
#include <gtest/gtest.h>

#include <algorithm>
#include <filesystem>
#include <random>
#include <sstream>
#include <tuple>
#include <vector>

#include "cosim/divergence.h"
#include "models/router/fabric.h"
#include "rtl/router/rtl_router.h"

namespace wvp {
namespace {

// One stream per color: a source tile sends `wavelets` wavelets down an XY multicast tree to
// its destinations, whose tiles receive at random.
struct Stream {
  uint32_t source = 0;
  std::vector<uint32_t> dests;
  uint32_t wavelets = 0;
  uint64_t route_cycle = 0;  // the routes are written then; earlier wavelets wait for them
};

struct Scenario {
  FabricParams params;
  std::vector<Stream> streams;       // index: color
  std::vector<bool> rtl;             // per tile: an RTL router
  double send_chance = 0, receive_chance = 0;
  uint32_t seed = 0;
};

Scenario make_scenario(uint32_t seed) {
  std::mt19937 rng(seed);
  const auto pick = [&](uint32_t lo, uint32_t hi) { return std::uniform_int_distribution<uint32_t>(lo, hi)(rng); };
  Scenario s;
  s.seed = seed;
  FabricParams& p = s.params;
  p.width = pick(2, 5);
  p.height = pick(2, 5);
  p.colors = pick(2, 24);
  p.buffer_depth_flits = pick(1, RtlRouterLimits::max_depth_flits);
  p.tx_queue_depth_flits = pick(1, RtlRouterLimits::max_depth_flits);
  p.rx_queue_depth_flits = pick(1, 8);
  p.hop_latency_cycles = pick(1, 3);
  p.credit_delay_cycles = pick(1, 3);
  if (pick(0, 1)) {
    p.reticle_width_tiles = 2;
    p.reticle_height_tiles = 2;
    p.reticle_crossing_cycles = pick(1, 2);
  }
  const uint32_t tiles = p.width * p.height;
  for (uint32_t c = 0; c < p.colors; ++c) {
    Stream st;
    st.source = pick(0, tiles - 1);
    for (uint32_t n = pick(1, std::min(4u, tiles)); n; --n) {
      const uint32_t d = pick(0, tiles - 1);
      if (std::find(st.dests.begin(), st.dests.end(), d) == st.dests.end()) st.dests.push_back(d);
    }
    st.wavelets = pick(5, 200);
    st.route_cycle = pick(0, 3) == 0 ? pick(1, 200) : 0;
    s.streams.push_back(st);
  }
  // Even seeds: every router RTL; odd seeds: a random half, so RTL and TLM routers meet.
  for (uint32_t t = 0; t < tiles; ++t) s.rtl.push_back(seed % 2 == 0 || pick(0, 1));
  s.send_chance = 0.2 + 0.8 * pick(0, 100) / 100.0;
  s.receive_chance = 0.1 + 0.9 * pick(0, 100) / 100.0;
  return s;
}

// The union of the XY paths from the source to each destination: a tree, one input per tile.
void write_routes(Fabric& fabric, uint32_t color, const Stream& st) {
  const uint32_t w = fabric.params().width;
  for (uint32_t d : st.dests) {
    int x = int(st.source % w), y = int(st.source / w);
    const int dx = int(d % w), dy = int(d / w);
    int in = kRamp;
    for (;;) {
      const uint32_t tile = uint32_t(y) * w + uint32_t(x);
      const int out = x < dx ? kEast : x > dx ? kWest : y < dy ? kSouth : y > dy ? kNorth : kRamp;
      fabric.set_route(tile, color, in, PortMask(fabric.route(tile, color, in) | port_bit(out)));
      if (out == kRamp) break;
      x += out == kEast ? 1 : out == kWest ? -1 : 0;
      y += out == kSouth ? 1 : out == kNorth ? -1 : 0;
      in = opposite(out);
    }
  }
}

struct Send {
  uint32_t tile;
  int port;
  uint32_t color, wavelet;
  auto key() const { return std::tie(tile, port); }
};

std::string describe(const Send* s) {
  if (!s) return "nothing";
  std::ostringstream os;
  os << "color " << s->color << " wavelet 0x" << std::hex << s->wavelet;
  return os.str();
}

// A fabric under the random traffic of a scenario, driven one cycle at a time.
class Bench {
 public:
  Bench(const Scenario& s, bool with_rtl, RtlBuild build, int traced_tile, const std::string& fst_path)
      : s_(s), fabric_(s.params), rng_(s.seed * 7919u + 1) {
    const uint32_t tiles = fabric_.tiles();
    for (uint32_t t = 0; t < tiles && with_rtl; ++t)
      if (s.rtl[t]) {
        const std::string name = "router_" + std::to_string(t % s.params.width) + "_" + std::to_string(t / s.params.width);
        fabric_.set_twin(t, make_rtl_router(s.params, name, build, int(t) == traced_tile ? fst_path : ""));
      }
    fabric_.set_send_observer([this](uint32_t tile, int port, uint32_t color, uint32_t wavelet, uint64_t) {
      sends_.push_back({tile, port, color, wavelet});
    });
    sent_.assign(s.streams.size(), 0);
  }

  // Settles cycle `t`: the sources send, the destinations receive, then the fabric moves.
  // Returns this cycle's sends, ordered by router and port.
  std::vector<Send> run_cycle(uint64_t t) {
    sends_.clear();
    for (uint32_t c = 0; c < s_.streams.size(); ++c) {
      const Stream& st = s_.streams[c];
      if (t == st.route_cycle) write_routes(fabric_, c, st);
      // Draw every chance every cycle, so the two fabrics consume the same random numbers.
      const bool wants = chance(s_.send_chance);
      if (wants && sent_[c] < st.wavelets && !fabric_.tx_full(st.source, c)) {
        fabric_.tx_push(st.source, c, static_cast<uint32_t>(rng_()), t);
        ++sent_[c];
      } else {
        rng_();
      }
      for (uint32_t d : st.dests)
        if (chance(s_.receive_chance) && fabric_.rx_available(d, c, t)) received_.push_back(fabric_.rx_pop(d, c, t));
    }
    fabric_.advance(t + 1);
    std::sort(sends_.begin(), sends_.end(), [](const Send& a, const Send& b) { return a.key() < b.key(); });
    return sends_;
  }

  bool done() const {
    for (uint32_t c = 0; c < s_.streams.size(); ++c)
      if (sent_[c] < s_.streams[c].wavelets) return false;
    return fabric_.flits_in_flight() == 0 && fabric_.rx_queued() == 0;
  }
  const std::vector<uint32_t>& received() const { return received_; }
  const Fabric& fabric() const { return fabric_; }

 private:
  bool chance(double p) { return std::uniform_real_distribution<double>(0, 1)(rng_) < p; }

  const Scenario& s_;
  Fabric fabric_;
  std::mt19937 rng_;
  std::vector<uint32_t> sent_;
  std::vector<Send> sends_;
  std::vector<uint32_t> received_;
};

struct Divergence {
  bool found = false;
  uint64_t cycle = 0;
  uint32_t tile = 0;
  std::string text;
};

constexpr uint64_t kMaxCycles = 50000;

// Runs the reference and the RTL fabric side by side until the traffic has drained.
Divergence co_simulate(const Scenario& s, RtlBuild build, int traced_tile = -1, const std::string& fst = "",
                       uint64_t* cycles = nullptr) {
  Bench reference(s, false, build, -1, "");
  Bench dut(s, true, build, traced_tile, fst);
  const uint32_t w = s.params.width;
  Divergence div;
  uint64_t t = 0;
  for (; t < kMaxCycles && !(reference.done() && dut.done()); ++t) {
    std::vector<Send> want = reference.run_cycle(t), got;
    try {
      got = dut.run_cycle(t);
    } catch (const FabricError& e) {
      return {true, t, 0, e.what()};
    }
    for (size_t i = 0, j = 0; i < want.size() || j < got.size();) {
      const Send* a = i < want.size() ? &want[i] : nullptr;
      const Send* b = j < got.size() ? &got[j] : nullptr;
      const Send* first = !a ? b : !b ? a : b->key() < a->key() ? b : a;
      const bool same_place = a && b && a->key() == b->key();
      if (same_place && a->color == b->color && a->wavelet == b->wavelet) {
        ++i, ++j;
        continue;
      }
      std::ostringstream os;
      os << "cycle " << t << ", router (" << first->tile % w << "," << first->tile / w << ") "
         << (s.rtl[first->tile] ? "[RTL]" : "[TLM]") << ", output " << port_name(first->port) << ": expected "
         << describe(first == a || same_place ? a : nullptr) << ", got " << describe(first == b || same_place ? b : nullptr);
      return {true, t, first->tile, os.str()};
    }
  }
  if (cycles) *cycles = t;
  if (t == kMaxCycles) return {true, t, 0, "the traffic did not drain in " + std::to_string(kMaxCycles) + " cycles"};
  if (reference.received() != dut.received()) return {true, t, 0, "the tiles received different wavelets"};
  return {};
}

// On a divergence, runs the scenario again with the diverging RTL router traced.
std::string report(const Scenario& s, const Divergence& d, RtlBuild build) {
  std::string text = "seed " + std::to_string(s.seed) + ": first divergence at " + d.text;
  const uint32_t tile = s.rtl[d.tile] ? d.tile : uint32_t(std::find(s.rtl.begin(), s.rtl.end(), true) - s.rtl.begin());
  if (tile < s.rtl.size()) {
    const std::string fst = (cosim::output_dir() / ("router_divergence_seed" + std::to_string(s.seed) + "_x" +
                            std::to_string(tile % s.params.width) + "_y" + std::to_string(tile / s.params.width) + ".fst")).string();
    co_simulate(s, build, int(tile), fst);
    text += "\nwaveform of RTL router (" + std::to_string(tile % s.params.width) + "," +
            std::to_string(tile / s.params.width) + "): " + fst;
  }
  return text;
}

class RouterCosim : public ::testing::TestWithParam<uint32_t> {};

TEST_P(RouterCosim, RtlRoutersSendWhatTheModelSendsCycleByCycle) {
  const Scenario s = make_scenario(GetParam());
  uint64_t cycles = 0;
  const Divergence d = co_simulate(s, RtlBuild::AsWritten, -1, "", &cycles);
  EXPECT_FALSE(d.found) << report(s, d, RtlBuild::AsWritten);
  EXPECT_GT(cycles, 10u);
}

INSTANTIATE_TEST_SUITE_P(Seeds, RouterCosim, ::testing::Range(1u, 101u));

TEST(RouterCosimSelfCheck, TheRegressionCatchesTheRouterWithItsOneLineBug) {
  // The bug keeps the round-robin pointer on the winner: visible only under contention, which
  // some seeds do not have. Most must catch it.
  int caught = 0;
  std::string first;
  for (uint32_t seed = 1; seed <= 10; ++seed) {
    const Scenario s = make_scenario(seed);
    const Divergence d = co_simulate(s, RtlBuild::WithBug);
    if (d.found && first.empty()) first = report(s, d, RtlBuild::WithBug);
    caught += d.found;
  }
  EXPECT_GE(caught, 5) << first;
  ASSERT_FALSE(first.empty());
  EXPECT_NE(first.find("first divergence at cycle"), std::string::npos) << first;
  const auto at = first.find("waveform of RTL router");
  ASSERT_NE(at, std::string::npos) << first;
  const std::string fst = first.substr(first.find(": ", at) + 2);
  EXPECT_GT(std::filesystem::file_size(fst), 100u) << fst;
  std::filesystem::remove(fst);
}

}  // namespace
}  // namespace wvp
