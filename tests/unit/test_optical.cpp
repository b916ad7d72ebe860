// The optical Z-axis (models/optical): the micro-ring model's heater power, detuning and
// bit-error rate worked out by hand, a port driven hot by the temperature map going degraded
// and down at the thermal steps the first-order lag gives, its items arriving once and in order
// through the nearest port, flows overtaken through a port that came back up restored to order,
// the edge fallback, whose items keep their flow's order when a recovered port overtakes them,
// the activity model's heating, the same run twice, and bad parameters named.
#include <gtest/gtest.h>

#include <algorithm>
#include <cmath>
#include <deque>
#include <map>
#include <stdexcept>
#include <string>
#include <tuple>
#include <vector>

#include "models/optical/optical_bridge.h"
#include "models/optical/optical_plane.h"

namespace wvp::test {
namespace {

// 45 C: inside the rings' window [30, 70] C of the default port.
constexpr double kCool = 45;

TEST(OpticalPort, HeatersFillTheWindowAndDetuningRaisesTheBitErrorRate) {
  OpticalPortParams p;
  p.name = "z7";
  OpticalPort port(p, kCool);
  // 32 rings (16 modulators, 16 drop filters) lifted 25 K at 0.4 mW/K.
  EXPECT_DOUBLE_EQ(port.heater_mw(kCool), 320.0);
  EXPECT_DOUBLE_EQ(port.heater_mw(70), 0.0);
  EXPECT_DOUBLE_EQ(port.heater_mw(75), 0.0);      // a heater cannot cool
  EXPECT_DOUBLE_EQ(port.heater_mw(30), 512.0);    // the whole 40 K range
  EXPECT_DOUBLE_EQ(port.heater_mw(20), 512.0);
  EXPECT_DOUBLE_EQ(port.detuning_pm(kCool), 0.0);
  EXPECT_DOUBLE_EQ(port.detuning_pm(70.5), 40.0);  // 0.5 K x 80 pm/K above the target
  EXPECT_DOUBLE_EQ(port.detuning_pm(25), 400.0);   // 5 K below the heaters' reach
  // 10 pm per decade from 1e-12.
  EXPECT_DOUBLE_EQ(port.bit_error_rate(kCool), 1e-12);
  EXPECT_DOUBLE_EQ(port.bit_error_rate(70.5), 1e-8);
  EXPECT_DOUBLE_EQ(port.bit_error_rate(71), 1e-4);
  EXPECT_EQ(port.state_at(70.5), OpticalPortState::Degraded);
  EXPECT_EQ(port.state_at(70.74), OpticalPortState::Degraded);  // 59.2 pm: 8.3e-7
  EXPECT_EQ(port.state_at(70.76), OpticalPortState::Down);
  EXPECT_EQ(port.state_at(29), OpticalPortState::Down);          // 80 pm below

  // 32 lasers (16 per direction) of 10 mW and 320 mW of heaters for 1 us, then 128 mW at 60 C.
  port.link(ZDir::Up).advance(1'000'000);
  port.link(ZDir::Down).advance(1'000'000);
  OpticalPort::Change change = port.set_temperature(60, 1'000'000);
  EXPECT_EQ(change.after, OpticalPortState::Up);
  port.link(ZDir::Up).advance(2'000'000);
  port.link(ZDir::Down).advance(2'000'000);
  OpticalPortStats s = port.stats();
  EXPECT_DOUBLE_EQ(s.heater_mw, 128.0);
  EXPECT_DOUBLE_EQ(s.laser_pj, 640'000.0);
  EXPECT_DOUBLE_EQ(s.heater_pj, 320'000.0 + 128'000.0);
  EXPECT_DOUBLE_EQ(s.energy_pj, 640'000.0 + 448'000.0);  // no traffic: no link energy

  // Degraded: both links take the raised rate. Down and back only once locked again.
  change = port.set_temperature(70.5, 2'000'000);
  EXPECT_EQ(change.before, OpticalPortState::Up);
  EXPECT_EQ(change.after, OpticalPortState::Degraded);
  EXPECT_DOUBLE_EQ(port.link(ZDir::Up).params().bit_error_rate, 1e-8);
  EXPECT_DOUBLE_EQ(port.link(ZDir::Down).params().bit_error_rate, 1e-8);
  change = port.set_temperature(71, 3'000'000);
  EXPECT_EQ(change.after, OpticalPortState::Down);
  EXPECT_TRUE(port.link(ZDir::Up).is_down());
  EXPECT_TRUE(port.link(ZDir::Down).is_down());
  EXPECT_EQ(port.set_temperature(70.5, 4'000'000).after, OpticalPortState::Down);  // no flapping
  change = port.set_temperature(69, 5'000'000);
  EXPECT_EQ(change.after, OpticalPortState::Up);
  EXPECT_FALSE(port.link(ZDir::Up).is_down());
  EXPECT_DOUBLE_EQ(port.link(ZDir::Up).params().bit_error_rate, 1e-12);
  s = port.stats();
  EXPECT_EQ(s.downs, 1u);
  EXPECT_DOUBLE_EQ(s.temperature_c, 69.0);
  EXPECT_DOUBLE_EQ(s.heater_mw, 32 * 0.4);
}

// A 12 x 8 wafer, 3 x 2 reticles of 4 x 4 tiles with one port each: 3 x 2 ports, 4 lanes of
// 10 Gb/s, the temperature map at 45 C.
OpticalZParams small_plane() {
  OpticalZParams p;
  p.name = "zplane";
  p.reticles_x = 3;
  p.reticles_y = 2;
  p.pitch_x_tiles = 4;
  p.pitch_y_tiles = 4;
  p.thermal_step_ns = 10'000;
  p.thermal_time_constant_us = 50;
  p.temperature_map_c.assign(6, kCool);
  p.port.channels = 4;
  p.port.channel_gbps = 10;
  p.port.link.tx_queue_bytes = 65536;
  return p;
}

struct Got {
  LinkItem item;
  uint32_t port;
  uint64_t time;
};

// Per flow (direction, tile) what the plane delivered and what it handed to the edge; the edge
// path carries each item across `edge_ps` after the handoff, in the order handed.
struct Recorder {
  std::map<std::pair<int, uint32_t>, std::vector<Got>> got, edge;
  std::deque<std::tuple<uint64_t, ZDir, uint32_t>> on_edge;  // arrival, flow
  void attach(OpticalZPlane& plane) {
    plane.set_deliver([this](ZDir dir, uint32_t tile, uint32_t port, const LinkItem& item, uint64_t t) {
      got[{static_cast<int>(dir), tile}].push_back({item, port, t});
    });
  }
  void attach_edge(OpticalZPlane& plane, uint64_t edge_ps) {
    plane.set_edge_fallback([this, edge_ps](ZDir dir, uint32_t tile, const LinkItem& item, uint64_t t) {
      edge[{static_cast<int>(dir), tile}].push_back({item, kZEdge, t});
      on_edge.emplace_back(t + edge_ps, dir, tile);
    });
  }
  // The edge path hands the plane what arrived by `until`, each at its time.
  void carry(OpticalZPlane& plane, uint64_t until) {
    while (!on_edge.empty() && std::get<0>(on_edge.front()) <= until) {
      const auto [t, dir, tile] = on_edge.front();
      on_edge.pop_front();
      plane.advance(t);
      plane.edge_arrived(dir, tile, t);
    }
  }
};

// Item n of a tile's flow: data = tile << 32 | n, 32 bytes.
LinkItem flow_item(uint32_t tile, uint64_t n) { return LinkItem{uint64_t{tile} << 32 | n, tile, 32}; }

// Every tile of port 0's cell (x, y < 4) sends 4 items up and the far side 4 down to each, at
// 700 ns into every microsecond: 64 items, 8 frames of 256 bytes a direction.
struct Traffic {
  std::map<std::pair<int, uint32_t>, uint64_t> sent;
  void burst(OpticalZPlane& plane, uint64_t t, uint32_t width = 12) {
    for (const ZDir dir : {ZDir::Up, ZDir::Down}) {
      for (uint32_t y = 0; y < 4; ++y) {
        for (uint32_t x = 0; x < 4; ++x) {
          const uint32_t tile = y * width + x;
          for (int k = 0; k < 4; ++k) {
            uint64_t& n = sent[{static_cast<int>(dir), tile}];
            ASSERT_TRUE(plane.send(dir, tile, flow_item(tile, n), t));
            ++n;
          }
        }
      }
    }
  }
  // With `edge`, its edge path carries items across too.
  void run(OpticalZPlane& plane, uint64_t from_us, uint64_t to_us, Recorder* edge = nullptr) {
    for (uint64_t us = from_us; us < to_us; ++us) {
      const uint64_t t = us * 1'000'000 + 700'000;
      if (edge) edge->carry(plane, t);
      plane.advance(t);
      burst(plane, t);
    }
  }
};

// Every flow got 0, 1, 2, ... once, in order, through the ports and over the edge.
void expect_once_in_order(const Traffic& traffic, const Recorder& rec) {
  for (const auto& [flow, n] : traffic.sent) {
    std::vector<uint64_t> seen;
    if (rec.got.count(flow)) {
      for (const Got& g : rec.got.at(flow)) seen.push_back(g.item.data & 0xffffffff);
    }
    ASSERT_EQ(seen.size(), n) << "flow " << flow.first << "," << flow.second;
    for (uint64_t i = 0; i < n; ++i) ASSERT_EQ(seen[i], i) << "flow " << flow.first << "," << flow.second;
  }
}

struct HotRun {
  std::vector<OpticalZEvent> events;
  OpticalZStats stats;
  Traffic traffic;
  Recorder rec;
};

// Port 0's reticle goes to 72 C at 0. With a 50 us lag and 10 us steps the port is at
// 72 - 27 e^(-n/5) C after step n: 70.358 at step 14 (degraded, 28.7 pm), 70.656 at 15
// (52.5 pm, 1.8e-7), 70.899 at 16: 71.9 pm, past the 60 pm of 1e-6, down at 160 us.
void run_hot(HotRun& run) {
  OpticalZPlane plane(small_plane(), 12, 8);
  run.rec.attach(plane);
  std::vector<double> hot(6, kCool);
  hot[0] = 72;
  plane.set_temperature_map(hot);
  run.traffic.run(plane, 0, 200);
  plane.advance(300'000'000);
  EXPECT_TRUE(plane.empty());
  run.events = plane.events();
  run.stats = plane.stats();
}

TEST(OpticalZPlane, APortDrivenHotFailsOverAndItsItemsArriveOnceAndInOrder) {
  HotRun run;
  run_hot(run);
  ASSERT_EQ(run.events.size(), 3u);
  EXPECT_EQ(run.events[0].kind, ZEventKind::Degraded);
  EXPECT_EQ(run.events[0].port, 0u);
  EXPECT_EQ(run.events[0].time_ps, 140'000'000u);
  EXPECT_NEAR(run.events[0].temperature_c, 72 - 27 * std::exp(-14 / 5.0), 1e-9);
  EXPECT_EQ(run.events[1].kind, ZEventKind::Down);
  EXPECT_EQ(run.events[1].time_ps, 160'000'000u);
  EXPECT_NEAR(run.events[1].temperature_c, 72 - 27 * std::exp(-16 / 5.0), 1e-9);
  // Ports 1 (6, 2) and 3 (2, 6) are both 4 tiles from port 0 (2, 2): the lower number takes it.
  // The burst at 159.7 us starts at block time 24,197 (6.6 ns each, 4 lanes); frame k of 34
  // blocks is in 26 ns after block time 24,197 + floor((34 (k + 1) + 3) / 4): frames 0 to 3 are
  // accepted before 160 us, the other 4 frames, 32 items, come back in each direction.
  const OpticalZEvent& failover = run.events[2];
  EXPECT_EQ(failover.kind, ZEventKind::Failover);
  EXPECT_EQ(failover.time_ps, 160'000'000u);
  EXPECT_EQ(failover.port, 0u);
  EXPECT_EQ(failover.to_port, 1u);
  EXPECT_EQ(failover.items, 64u);

  expect_once_in_order(run.traffic, run.rec);
  const OpticalZStats& s = run.stats;
  EXPECT_EQ(s.sent, 200u * 128);
  EXPECT_EQ(s.delivered, s.sent);
  EXPECT_EQ(s.to_edge, 0u);
  EXPECT_EQ(s.moved, 64u);
  EXPECT_EQ(s.reordered, 0u);  // the moved items leave port 1 before the later ones
  const OpticalPortStats& p0 = s.ports[0];
  EXPECT_EQ(p0.state, OpticalPortState::Down);
  EXPECT_EQ(p0.downs, 1u);
  EXPECT_EQ(p0.up.withdrawn, 32u);
  EXPECT_EQ(p0.down.withdrawn, 32u);
  EXPECT_EQ(p0.up.items, 160u * 64 - 32);  // 160 bursts sent through it, less the withdrawn
  EXPECT_EQ(s.ports[1].up.items, 40u * 64 + 32);
  EXPECT_DOUBLE_EQ(p0.heater_mw, 0.0);
  EXPECT_GT(p0.detuning_pm, 60.0);
  EXPECT_GT(p0.bit_error_rate, 1e-6);
  EXPECT_EQ(s.ports[2].up.items, 0u);
  // The cool ports hold their rings 25 K up: 8 rings x 0.4 mW/K.
  EXPECT_DOUBLE_EQ(s.ports[2].heater_mw, 80.0);
  EXPECT_EQ(s.ports[2].state, OpticalPortState::Up);

  // Items the old receiver had accepted went through port 0, the 32 it handed back through 1.
  for (const auto& [flow, got] : run.rec.got) {
    for (const Got& g : got) {
      if (g.time < 160'000'000) {
        EXPECT_EQ(g.port, 0u);
      } else {
        EXPECT_EQ(g.port, 1u);
      }
    }
  }
}

TEST(OpticalZPlane, TheSameParametersGiveTheSameRun) {
  HotRun a, b;
  run_hot(a);
  run_hot(b);
  EXPECT_EQ(a.events, b.events);
  EXPECT_EQ(a.stats, b.stats);
}

TEST(OpticalZPlane, ItemsOvertakingThroughARecoveredPortWaitForTheirFlow) {
  OpticalZParams p = small_plane();
  p.thermal_time_constant_us = 0;
  p.temperature_map_c[0] = 80;  // port 0 starts down
  OpticalZPlane plane(p, 12, 8);
  Recorder rec;
  rec.attach(plane);
  ASSERT_EQ(plane.events().size(), 2u);
  EXPECT_EQ(plane.events()[0], (OpticalZEvent{0, 0, ZEventKind::Down, 80}));
  EXPECT_EQ(plane.events()[1], (OpticalZEvent{0, 0, ZEventKind::Failover, 80, 1, 0}));
  EXPECT_EQ(plane.route(0), 1u);
  EXPECT_EQ(plane.home_port(0), 0u);

  // At 9 us port 1's own tile queues 32 KiB (6.9 us of wire), then tile 0 sends behind it.
  Traffic traffic;
  const uint32_t own = 2 * 12 + 6;
  plane.advance(9'000'000);
  for (uint64_t n = 0; n < 1024; ++n) {
    ASSERT_TRUE(plane.send(ZDir::Up, own, flow_item(own, n), 9'000'000));
  }
  traffic.sent[{0, own}] = 1024;
  for (uint64_t n = 0; n < 8; ++n) ASSERT_TRUE(plane.send(ZDir::Up, 0, flow_item(0, n), 9'000'000));
  // Port 0 cools and is back at the step at 10 us; tile 0's next items take it and arrive
  // first: they wait for the 8 still in port 1.
  std::vector<double> cool(6, kCool);
  plane.set_temperature_map(cool);
  plane.advance(10'000'001);
  EXPECT_EQ(plane.events().back(), (OpticalZEvent{10'000'000, 0, ZEventKind::Up, kCool}));
  EXPECT_EQ(plane.route(0), 0u);
  for (uint64_t n = 8; n < 16; ++n) ASSERT_TRUE(plane.send(ZDir::Up, 0, flow_item(0, n), 10'000'001));
  traffic.sent[{0, 0}] = 16;
  plane.advance(30'000'000);
  EXPECT_TRUE(plane.empty());
  expect_once_in_order(traffic, rec);
  const std::vector<Got>& got = rec.got.at({0, 0});
  ASSERT_EQ(got.size(), 16u);
  EXPECT_EQ(got[0].port, 1u);
  EXPECT_EQ(got[8].port, 0u);
  EXPECT_GT(got[7].time, 15'000'000u);     // behind 32 KiB on port 1
  EXPECT_EQ(got[8].time, got[7].time);     // held until then
  EXPECT_EQ(plane.stats().reordered, 8u);
}

TEST(OpticalZPlane, AFailoverBeyondTheTargetsSendQueueWaitsInItsBacklog) {
  OpticalZParams p = small_plane();
  p.thermal_time_constant_us = 0;
  p.port.link.tx_queue_bytes = 512;  // 16 items
  OpticalZPlane plane(p, 12, 8);
  Recorder rec;
  rec.attach(plane);
  std::vector<std::tuple<ZDir, uint32_t, uint64_t>> space;
  plane.set_space([&](ZDir dir, uint32_t port, uint64_t t) { space.emplace_back(dir, port, t); });

  // At 9.8 us each of port 0's 16 tiles has 40 items to send each way, 20 KiB a direction: the
  // senders offer them every 100 ns as the queues take them. Port 0 goes down at 10 us.
  Traffic traffic;
  std::map<std::pair<int, uint32_t>, uint64_t> offered;
  for (uint64_t t = 0; t < 40'000'000; t += 100'000) {
    plane.advance(t);
    if (t == 9'800'000) {
      for (const ZDir dir : {ZDir::Up, ZDir::Down}) {
        for (uint32_t y = 0; y < 4; ++y) {
          for (uint32_t x = 0; x < 4; ++x) traffic.sent[{static_cast<int>(dir), y * 12 + x}] = 40;
        }
      }
      plane.set_temperature_map({90, kCool, kCool, kCool, kCool, kCool});
    }
    for (const auto& [flow, n] : traffic.sent) {
      const auto [dir, tile] = flow;
      for (uint64_t& next = offered[flow]; next < n; ++next) {
        if (!plane.send(static_cast<ZDir>(dir), tile, flow_item(tile, next), t)) break;
      }
    }
  }
  EXPECT_TRUE(plane.empty());
  expect_once_in_order(traffic, rec);
  const OpticalZEvent& failover = plane.events().back();
  EXPECT_EQ(failover.kind, ZEventKind::Failover);
  EXPECT_EQ(failover.time_ps, 10'000'000u);
  EXPECT_EQ(failover.to_port, 1u);
  EXPECT_GT(failover.items, 32u);  // more than port 1's two queues take at once
  EXPECT_EQ(plane.stats().moved, failover.items);
  // Senders refused by port 0 were told at once that it went down, and by port 1 when its
  // backlog had gone into its link.
  EXPECT_NE(std::find(space.begin(), space.end(), std::make_tuple(ZDir::Up, 0u, uint64_t{10'000'000})), space.end());
  EXPECT_NE(std::find(space.begin(), space.end(), std::make_tuple(ZDir::Down, 0u, uint64_t{10'000'000})), space.end());
  EXPECT_TRUE(std::any_of(space.begin(), space.end(), [](const auto& s) { return std::get<1>(s) == 1u; }));
}

// The bursts from 0 to 20 us through ports at their map's temperature at once, with an edge
// path of `edge_ps`. Every reticle is at 90 C from the step at 10 us: all ports down together,
// nothing to fail over to. The burst at 9.7 us is half across.
struct AllDownRun {
  static OpticalZParams params() {
    OpticalZParams p = small_plane();
    p.thermal_time_constant_us = 0;
    return p;
  }
  OpticalZPlane plane{params(), 12, 8};
  Recorder rec;
  Traffic traffic;
  explicit AllDownRun(uint64_t edge_ps) {
    rec.attach(plane);
    rec.attach_edge(plane, edge_ps);
    traffic.run(plane, 0, 10, &rec);
    plane.set_temperature_map(std::vector<double>(6, 90));
    traffic.run(plane, 10, 20, &rec);
  }
};

TEST(OpticalZPlane, WithNoPortUpTrafficFallsBackToTheEdge) {
  AllDownRun run(500'000);
  OpticalZPlane& plane = run.plane;
  Recorder& rec = run.rec;
  plane.advance(30'000'000);
  EXPECT_FALSE(plane.empty());  // the burst at 19.7 us is on the edge
  rec.carry(plane, 30'000'000);
  EXPECT_TRUE(plane.empty());
  const auto& ev = plane.events();
  ASSERT_EQ(ev.size(), 12u);
  for (uint32_t i = 0; i < 6; ++i) {
    EXPECT_EQ(ev[i], (OpticalZEvent{10'000'000, i, ZEventKind::Down, 90}));
    EXPECT_EQ(ev[6 + i].kind, ZEventKind::Failover);
    EXPECT_EQ(ev[6 + i].to_port, kZEdge);
    EXPECT_EQ(ev[6 + i].items, i == 0 ? 64u : 0u);
  }
  EXPECT_EQ(plane.route(0), kZEdge);
  expect_once_in_order(run.traffic, rec);
  const OpticalZStats s = plane.stats();
  EXPECT_EQ(s.sent, 20u * 128);
  EXPECT_EQ(s.to_edge, 64u + 10 * 128);
  EXPECT_EQ(s.from_edge, s.to_edge);
  EXPECT_EQ(s.delivered + s.from_edge, s.sent);
  EXPECT_EQ(s.moved, 0u);
  EXPECT_EQ(s.reordered, 0u);  // the edge carries each flow in order
  // Tile (3, 3)'s items are the last of each burst: the edge got those of the burst at 9.7 us,
  // handed back at 10 us, then every later burst at its time. Tile 0's were across.
  const std::vector<Got>& edge = rec.edge.at({0, 3 * 12 + 3});
  ASSERT_EQ(edge.size(), 4u + 40);
  EXPECT_EQ(edge[0].time, 10'000'000u);
  EXPECT_EQ(edge[4].time, 10'700'000u);
  EXPECT_EQ(rec.edge.at({0, 0}).size(), 40u);
  // Delivered in their flow's place, as the edge brings them across.
  EXPECT_EQ(rec.got.at({0, 3 * 12 + 3})[35].port, 0u);
  EXPECT_EQ(rec.got.at({0, 3 * 12 + 3})[36].port, kZEdge);
  EXPECT_EQ(rec.got.at({0, 3 * 12 + 3})[36].time, 10'500'000u);
}

// The edge is slower than the ports (3 us here): when the ports come back up, a flow's next
// items through its port overtake those still on the edge and wait for them.
TEST(OpticalZPlane, ItemsOvertakingTheEdgeThroughARecoveredPortWaitForTheirFlow) {
  AllDownRun run(3'000'000);
  OpticalZPlane& plane = run.plane;
  plane.set_temperature_map(std::vector<double>(6, kCool));  // every port up again at 20 us
  run.traffic.run(plane, 20, 30, &run.rec);
  run.rec.carry(plane, 40'000'000);
  plane.advance(40'000'000);
  EXPECT_TRUE(plane.empty());
  expect_once_in_order(run.traffic, run.rec);
  ASSERT_EQ(plane.events().size(), 18u);
  EXPECT_EQ(plane.events()[6].to_port, kZEdge);
  EXPECT_EQ(plane.events().back(), (OpticalZEvent{20'000'000, 5, ZEventKind::Up, kCool}));
  const OpticalZStats s = plane.stats();
  EXPECT_EQ(s.to_edge, 64u + 10 * 128);
  EXPECT_EQ(s.from_edge, s.to_edge);
  EXPECT_EQ(s.delivered + s.from_edge, s.sent);
  // Tile 0's items 40 to 79 (the bursts at 10.7 to 19.7 us) went over the edge; the last is
  // across at 22.7 us. Items 80 to 87 (the bursts at 20.7 and 21.7 us) came up port 0 within a
  // microsecond and waited for it, as did every flow's: 32 flows x 8 items.
  const std::vector<Got>& got = run.rec.got.at({0, 0});
  EXPECT_EQ(got[79].port, kZEdge);
  EXPECT_EQ(got[79].time, 22'700'000u);
  for (size_t n = 80; n < 88; ++n) {
    EXPECT_EQ(got[n].port, 0u);
    EXPECT_EQ(got[n].time, 22'700'000u) << n;
  }
  EXPECT_EQ(got[88].port, 0u);
  EXPECT_LT(got[88].time, 23'700'000u);
  EXPECT_EQ(s.reordered, 32u * 8);
}

TEST(OpticalZPlane, WithNoPortUpAndNoFallbackItemsAreNeverDroppedSilently) {
  OpticalZParams p = small_plane();
  p.thermal_time_constant_us = 0;
  OpticalZPlane plane(p, 12, 8);
  Traffic traffic;
  traffic.run(plane, 0, 10);
  plane.set_temperature_map(std::vector<double>(6, 90));
  try {
    plane.advance(11'000'000);
    ADD_FAILURE() << "port 0 went down holding items with nowhere to send them";
  } catch (const std::runtime_error& e) {
    EXPECT_NE(std::string(e.what()).find("optical port 'z0_0' went down at 10000000 ps holding 64 items"), std::string::npos)
        << e.what();
  }
  OpticalZPlane idle(p, 12, 8);
  idle.set_temperature_map(std::vector<double>(6, 90));
  idle.advance(11'000'000);
  try {
    idle.send(ZDir::Up, 5 * 12 + 9, flow_item(0, 0), 11'000'000);
    ADD_FAILURE() << "an item was taken with no port up";
  } catch (const std::runtime_error& e) {
    EXPECT_NE(std::string(e.what()).find("optical port 'z2_1' is down, no port is up"), std::string::npos) << e.what();
  }
}

TEST(OpticalZPlane, TheActivityModelHeatsAPortByItsLinksPowerAndTheBackground) {
  OpticalZParams p = small_plane();
  p.temperature_map_c.clear();
  p.thermal_time_constant_us = 0;
  p.thermal_resistance_k_mm2_per_w = 20;
  p.background_w_per_mm2 = 0.5;
  p.ambient_c = 35;
  OpticalZPlane plane(p, 12, 8);
  EXPECT_DOUBLE_EQ(plane.port(0).temperature_c(), 45.0);  // 35 C + 20 K mm^2/W x 0.5 W/mm^2
  Traffic traffic;
  traffic.run(plane, 0, 9);
  plane.advance(10'000'001);
  // Nine bursts of 8 frames of 34 blocks in each direction at 1 pJ/bit: 2 x 161,568 pJ over the
  // 10 us step, 32.3 mW, over the port's 16 tiles of 0.052 mm^2.
  const double watts = 2 * 161'568.0 / 10'000'000;
  EXPECT_NEAR(plane.port(0).temperature_c(), 35 + 20 * (0.5 + watts / (16 * 0.052)), 1e-9);
  EXPECT_DOUBLE_EQ(plane.port(1).temperature_c(), 45.0);
}

TEST(OpticalZPlane, PortsLieOnTheGridAndTilesGoToTheirCell) {
  OpticalZPlane plane(small_plane(), 12, 8);
  ASSERT_EQ(plane.ports(), 6u);
  EXPECT_EQ(plane.port(4).params().name, "z1_1");
  EXPECT_EQ(plane.port_tile(4), 6u * 12 + 6);
  EXPECT_EQ(plane.home_port(6 * 12 + 5), 4u);
  EXPECT_EQ(plane.home_port(95), 5u);
  EXPECT_EQ(plane.route(95), 5u);
  // A cut column: 10 tiles wide at pitch 4 gives a last column of 2.
  OpticalZParams p = small_plane();
  OpticalZPlane cut(p, 10, 8);
  EXPECT_EQ(cut.ports(), 6u);
  EXPECT_EQ(cut.port_tile(2), 2u * 10 + 9);
  EXPECT_THROW(cut.home_port(80), std::invalid_argument);
}

TEST(OpticalZPlane, BadParametersNameThePortAndTheField) {
  const auto expect_error = [](auto make, const std::string& who, const std::string& field) {
    try {
      make();
      ADD_FAILURE() << "accepted bad " << field;
    } catch (const std::invalid_argument& e) {
      const std::string what = e.what();
      EXPECT_NE(what.find(who), std::string::npos) << what;
      EXPECT_NE(what.find(field), std::string::npos) << what;
    }
  };
  const auto port = [&](auto change, const std::string& field) {
    OpticalPortParams p;
    p.name = "z7";
    change(p);
    expect_error([&] { OpticalPort port(p, kCool); }, "optical port 'z7'", field);
  };
  port([](OpticalPortParams& p) { p.channel_gbps = 0; }, "channel_gbps");
  port([](OpticalPortParams& p) { p.channel_gbps = 300; }, "channel_gbps");
  port([](OpticalPortParams& p) { p.channel_gbps = NAN; }, "channel_gbps");
  port([](OpticalPortParams& p) { p.channels = 0; }, "channels");
  port([](OpticalPortParams& p) { p.eo_latency_ns = -1; }, "eo_latency_ns");
  port([](OpticalPortParams& p) { p.laser_mw_per_channel = NAN; }, "laser_mw_per_channel");
  port([](OpticalPortParams& p) { p.nominal_ber = 1e-5; }, "nominal_ber");  // above down_ber
  port([](OpticalPortParams& p) { p.down_ber = 1e-2; }, "down_ber");
  port([](OpticalPortParams& p) { p.ring_drift_pm_per_k = 0; }, "ring_drift_pm_per_k");
  port([](OpticalPortParams& p) { p.tuning_target_c = 400; }, "tuning_target_c");
  port([](OpticalPortParams& p) { p.heater_range_k = 0; }, "heater_range_k");
  OpticalPortParams no_credits;
  no_credits.name = "z7";
  no_credits.link.credits_frames = 0;
  expect_error([&] { OpticalPort port(no_credits, kCool); }, "link 'z7.up'", "credits_frames");
  expect_error([] { OpticalPort port(OpticalPortParams{}, 400); }, "optical port 'z0'", "temperature_c");
  expect_error([] { OpticalPort port(OpticalPortParams{}, -300); }, "optical port 'z0'", "temperature_c");

  const auto plane = [&](auto change, const std::string& who, const std::string& field) {
    OpticalZParams p = small_plane();
    change(p);
    expect_error([&] { OpticalZPlane plane(p, 12, 8); }, who, field);
  };
  // The map's entry for reticle (1, 0) is port z1_0's temperature.
  plane([](OpticalZParams& p) { p.temperature_map_c[1] = 400; }, "optical port 'z1_0'", "temperature_map_c[1]");
  plane([](OpticalZParams& p) { p.temperature_map_c[4] = NAN; }, "optical port 'z1_1'", "temperature_map_c[4]");
  plane([](OpticalZParams& p) { p.temperature_map_c.resize(5); }, "optical plane 'zplane'", "temperature_map_c");
  plane([](OpticalZParams& p) { p.port.channel_gbps = -1; }, "optical port 'z0_0'", "channel_gbps");
  plane([](OpticalZParams& p) { p.pitch_x_tiles = 0; }, "optical plane 'zplane'", "pitch_x_tiles");
  plane([](OpticalZParams& p) { p.ambient_c = -300; }, "optical plane 'zplane'", "ambient_c");
  plane([](OpticalZParams& p) { p.thermal_step_ns = 0; }, "optical plane 'zplane'", "thermal_step_ns");
  plane([](OpticalZParams& p) { p.reticles_x = 13; }, "optical plane 'zplane'", "reticles_x");
  OpticalZPlane ok(small_plane(), 12, 8);
  expect_error([&] { ok.set_temperature_map(std::vector<double>(6, 1000)); }, "optical port 'z0_0'", "temperature_map_c[0]");
}

// Two wafers of 2 x 2 tiles in a 4 x 2 fabric joined by a Z plane of one port per tile (a
// reticle each) and one SerDes pair on the facing edges: row y streams color 3 from (0,y) to
// (2,y). Every port goes down at 10 us and comes back at 20 us. The SerDes are slower than
// the rows (one 25 Gb/s lane for 2.2 wavelets per ns) with a small send queue, so the bridge
// holds wavelets back with their credits, and 2 us of fibre longer than the Z ports, so the
// rows' first wavelets through the recovered ports overtake those still on the edge.
TEST(OpticalBridge, WithEveryPortDownTheRowsCrossOverTheEdgeSerDesOnceAndInOrder) {
  FabricParams fp;
  fp.width = 4, fp.height = 2, fp.wafer_width_tiles = 2;
  Fabric fabric(fp);
  EdgeRing ring(fabric);
  OpticalBridgeParams bp;
  bp.name = "w0.z-w1.z";
  bp.wafer_width = 2;
  bp.plane.reticles_x = bp.plane.reticles_y = 2;
  bp.plane.pitch_x_tiles = bp.plane.pitch_y_tiles = 1;
  bp.plane.thermal_time_constant_us = 0;
  bp.plane.temperature_map_c.assign(4, kCool);
  const Clock clock(1.1e9);
  OpticalBridge bridge(bp, clock, 4, 2);
  EdgeSerdesParams ep;
  ep.name = "w0.east.0";
  ep.edge = kEast;
  ep.tiles = 2;
  ep.wafer_width = 2;
  ep.link.lanes = 1;
  ep.link.tx_queue_bytes = 64;
  ep.link.propagation_ns = 2000;
  ep.link.replay_timeout_ns = 5000;
  EdgeSerdesParams wp = ep;
  wp.name = "w1.west.0";
  wp.edge = kWest;
  wp.wafer_x0 = 2;
  EdgeSerdes east(ep, clock, 4, 2), west(wp, clock, 4, 2);
  ring.add(bridge);
  bridge.add_edge_serdes(east, west);
  for (uint32_t y = 0; y < 2; ++y) {
    fabric.set_route(y * 4, 3, kRamp, port_bit(kEast));
    fabric.set_route(y * 4 + 1, 3, kWest, port_bit(kEast));
    fabric.set_route(y * 4 + 2, 3, kWest, port_bit(kRamp));
  }

  constexpr uint32_t kCount = 30'000;  // per row, 27 us at a wavelet per cycle
  uint32_t sent[2] = {}, got[2] = {};
  for (uint64_t t = 0; got[0] < kCount || got[1] < kCount;) {
    if (t == 5'500) bridge.plane().set_temperature_map(std::vector<double>(4, 90));  // down at the step at 10 us
    if (t == 16'500) bridge.plane().set_temperature_map(std::vector<double>(4, kCool));  // up at 20 us
    for (uint32_t y = 0; y < 2; ++y) {
      if (sent[y] < kCount && !fabric.tx_full(y * 4, 3)) fabric.tx_push(y * 4, 3, y << 16 | sent[y]++, t);
      if (fabric.rx_available(y * 4 + 2, 3, t)) {
        ASSERT_EQ(fabric.rx_pop(y * 4 + 2, 3, t), y << 16 | got[y]) << "row " << y;
        ++got[y];
      }
    }
    ring.advance(++t);
    ASSERT_LT(t, 1'000'000u) << "stuck at " << got[0] << " and " << got[1];
  }
  ring.advance(ring.advance(0) + 20'000);  // the last ACKs come back
  EXPECT_TRUE(ring.idle());
  const OpticalBridgeStats s = bridge.stats();
  EXPECT_EQ(s.plane.sent, 2u * kCount);
  // 10 us of both rows at the SerDes' pace: 32 frame credits per round trip of 4 us of fibre.
  EXPECT_GT(s.plane.to_edge, 1'000u);
  EXPECT_EQ(s.plane.from_edge, s.plane.to_edge);
  EXPECT_EQ(s.plane.delivered + s.plane.from_edge, 2u * kCount);
  EXPECT_GT(s.plane.reordered, 0u);  // overtook the edge after 20 us and waited
  EXPECT_EQ(east.stats().out.items, s.plane.to_edge);  // all up: the west wafer sends nothing down
  EXPECT_EQ(west.stats().out.items, 0u);
  EXPECT_GT(fabric.router_stats(1)->stall_cycles, 1000u);  // the edge held the rows' credits
  const auto& events = bridge.plane().events();
  EXPECT_TRUE(std::any_of(events.begin(), events.end(), [](const OpticalZEvent& e) {
    return e.kind == ZEventKind::Failover && e.to_port == kZEdge && e.time_ps == 10'000'000;
  }));
}

}  // namespace
}  // namespace wvp::test
