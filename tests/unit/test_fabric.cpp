#include <gtest/gtest.h>

#include <cstdlib>
#include <map>
#include <random>

#include "models/router/fabric.h"

namespace wvp {
namespace {

uint32_t tile_of(const FabricParams& p, uint32_t x, uint32_t y) { return y * p.width + x; }

FabricParams grid(uint32_t width, uint32_t height) {
  FabricParams p;
  p.width = width;
  p.height = height;
  return p;
}

// Programs `color` along the XY path from src to dst: each router forwards from where the
// wavelet came in to the next direction; the destination hands it to its ramp.
void route_xy(Fabric& f, uint32_t color, uint32_t src, uint32_t dst) {
  const uint32_t w = f.params().width;
  int x = src % w, y = src / w;
  const int dx = dst % w, dy = dst / w;
  int in_port = kRamp;
  for (;;) {
    int out = x < dx ? kEast : x > dx ? kWest : y < dy ? kSouth : y > dy ? kNorth : kRamp;
    f.set_route(y * w + x, color, in_port, port_bit(out));
    if (out == kRamp) return;
    x += out == kEast ? 1 : out == kWest ? -1 : 0;
    y += out == kSouth ? 1 : out == kNorth ? -1 : 0;
    in_port = opposite(out);
  }
}

// Reticle edges crossed by the XY path from src to dst.
uint32_t crossings(const FabricParams& p, uint32_t src, uint32_t dst) {
  const auto cuts = [](uint32_t a, uint32_t b, uint32_t size) {
    if (!size) return 0u;
    return static_cast<uint32_t>(std::abs(int(a / size) - int(b / size)));
  };
  return cuts(src % p.width, dst % p.width, p.reticle_width_tiles) +
         cuts(src / p.width, dst / p.width, p.reticle_height_tiles);
}

uint32_t hops(const FabricParams& p, uint32_t src, uint32_t dst) {
  return std::abs(int(src % p.width) - int(dst % p.width)) + std::abs(int(src / p.width) - int(dst / p.width));
}

struct Recorder : Fabric::Client {
  std::vector<std::pair<Flit, uint64_t>> flits;
  void delivered(uint32_t, const Flit& f, uint64_t cycle) override { flits.emplace_back(f, cycle); }
};

TEST(Fabric, ZeroLoadLatencyOfWaveletsIsHopsTimesHopLatencyPlusReticleCrossings) {
  FabricParams p;
  p.width = 12;
  p.height = 9;
  p.reticle_width_tiles = 4;
  p.reticle_height_tiles = 3;
  p.reticle_crossing_cycles = 3;
  for (uint32_t hop : {1u, 2u}) {
    p.hop_latency_cycles = hop;
    std::mt19937 rng(hop);
    for (int pair = 0; pair < 60; ++pair) {
      Fabric f(p);
      const uint32_t src = rng() % f.tiles(), dst = rng() % f.tiles();
      route_xy(f, 5, src, dst);
      const uint64_t sent = 100 + pair;
      f.tx_push(src, 5, 0xabc0 + pair, sent);
      const uint64_t expected = sent + (hops(p, src, dst) + 1) * hop + crossings(p, src, dst) * 3;
      f.advance(expected);
      EXPECT_EQ(f.rx_available(dst, 5, expected - 1), 0u) << src << "->" << dst;
      ASSERT_EQ(f.rx_available(dst, 5, expected), 1u) << src << "->" << dst;
      EXPECT_EQ(f.rx_pop(dst, 5, expected), 0xabc0u + pair);
    }
  }
}

TEST(Fabric, ZeroLoadLatencyOfPacketsAddsSerialisation) {
  for (RouterPipeline pipeline : {RouterPipeline::Wafer, RouterPipeline::IqVc4Stage}) {
    FabricParams p = pipeline == RouterPipeline::Wafer ? FabricParams{} : FabricParams::iq_vc_4stage(8, 8);
    p.width = p.height = 8;
    p.packets = true;
    p.colors = 2;
    p.buffer_depth_flits = 8;  // covers the credit round trip, so the tail streams behind the head
    p.reticle_width_tiles = 3;
    p.reticle_height_tiles = 5;
    std::mt19937 rng(7);
    for (int i = 0; i < 40; ++i) {
      Fabric f(p);
      Recorder rec;
      f.set_client(&rec);
      const uint32_t src = rng() % 64, dst = rng() % 64, size = 1 + rng() % 5;
      f.inject_packet(src, dst, size, 1, 10);
      f.advance(1000);
      ASSERT_EQ(rec.flits.size(), size);
      const uint64_t hop = pipeline == RouterPipeline::Wafer ? 1 : 5;
      // The four-stage router's packets also cross an injection and an ejection channel.
      const uint64_t channels = pipeline == RouterPipeline::Wafer ? 0 : 2;
      EXPECT_EQ(f.hop_cycles(), hop);
      const uint64_t latency = rec.flits.back().second - 10;
      // H routers: T0 = hop x H + channels + (P - 1), plus the reticle crossings.
      EXPECT_EQ(latency, (hops(p, src, dst) + 1) * hop + channels + crossings(p, src, dst) * p.reticle_crossing_cycles + size - 1)
          << pipeline_name(pipeline) << " " << src << "->" << dst << " size " << size;
      EXPECT_TRUE(rec.flits.back().first.flags & Flit::kTail);
    }
  }
}

// Route computation starts when a head reaches the front of its VC. Two sources on a row send
// one-flit packets east through one VC: they queue behind each other in the routers' VCs, and
// each VC passes one every 3 cycles (RC, VA, SA), not every 2 as with routes computed on arrival.
TEST(Fabric, FourStageRouterRoutesAHeadOnlyOnceItIsAtTheFrontOfItsVc) {
  FabricParams p = FabricParams::iq_vc_4stage(4, 1);
  p.colors = 1;
  p.buffer_depth_flits = 16;
  Fabric f(p);
  Recorder rec;
  f.set_client(&rec);
  for (uint32_t id = 0; id < 20; ++id) {
    f.inject_packet(0, 3, 1, id, 0);
    f.inject_packet(1, 3, 1, 100 + id, 0);
  }
  f.advance(1000);
  ASSERT_EQ(rec.flits.size(), 40u);
  for (size_t i = 2; i < rec.flits.size(); ++i) EXPECT_EQ(rec.flits[i].second - rec.flits[i - 1].second, 3u) << i;
}

TEST(Fabric, EveryWaveletArrivesOnceAndInOrderPerSourceAndColor) {
  // Four sources on two colors converge on one tile whose receive queue drains slowly, so
  // backpressure reaches back into the senders' queues.
  FabricParams p;
  p.width = p.height = 6;
  p.rx_queue_depth_flits = 2;
  Fabric f(p);
  const uint32_t sink = tile_of(p, 3, 3);
  const uint32_t sources[] = {tile_of(p, 0, 3), tile_of(p, 5, 3), tile_of(p, 3, 0), tile_of(p, 3, 5)};
  // Color c of source s: routes must not conflict at shared routers, so each source gets its own color.
  for (int s = 0; s < 4; ++s) route_xy(f, s, sources[s], sink);
  uint32_t sent[4] = {}, received[4] = {};
  constexpr uint32_t kPerSource = 300;
  uint64_t cycle = 0;
  while (cycle < 100000) {
    for (int s = 0; s < 4; ++s)
      if (sent[s] < kPerSource && !f.tx_full(sources[s], s)) f.tx_push(sources[s], s, (s << 16) | sent[s]++, cycle);
    f.advance(cycle + 1);
    if (cycle % 3 == 0)  // the sink reads one wavelet every third cycle
      for (int s = 0; s < 4; ++s)
        if (f.rx_available(sink, s, cycle)) {
          const uint32_t w = f.rx_pop(sink, s, cycle);
          ASSERT_EQ(w >> 16, uint32_t(s));
          ASSERT_EQ(w & 0xffff, received[s]) << "out of order from source " << s;
          ++received[s];
          break;
        }
    ++cycle;
    if (received[0] + received[1] + received[2] + received[3] == 4 * kPerSource) break;
  }
  for (int s = 0; s < 4; ++s) EXPECT_EQ(received[s], kPerSource);
  EXPECT_EQ(f.flits_in_flight(), 0u);
  const RouterStats* st = f.router_stats(sink);
  ASSERT_NE(st, nullptr);
  EXPECT_EQ(st->link_flits[kRamp], 4 * kPerSource);
  EXPECT_EQ(st->buffer_high_water, p.buffer_depth_flits);  // backpressure filled its buffers
  EXPECT_GT(st->stall_cycles, 0u);
}

TEST(Fabric, MulticastRouteDeliversOneCopyToEveryTileOfARow) {
  FabricParams p;
  p.width = 8;
  p.height = 2;
  Fabric f(p);
  // Row broadcast from (0,1): each router passes east and keeps a copy.
  f.set_route(tile_of(p, 0, 1), 3, kRamp, port_bit(kEast) | port_bit(kRamp));
  for (uint32_t x = 1; x < 8; ++x)
    f.set_route(tile_of(p, x, 1), 3, kWest, x == 7 ? port_bit(kRamp) : port_bit(kEast) | port_bit(kRamp));
  for (uint32_t i = 0; i < 20; ++i) {
    while (f.tx_full(tile_of(p, 0, 1), 3)) f.advance(f.now() + 1);
    f.tx_push(tile_of(p, 0, 1), 3, i, f.now());
    // Drain everything that has arrived so nothing stalls.
    f.advance(f.now() + 1);
    for (uint32_t x = 0; x < 8; ++x)
      while (f.rx_available(tile_of(p, x, 1), 3, f.now())) (void)f.rx_pop(tile_of(p, x, 1), 3, f.now());
  }
  for (int c = 0; c < 50; ++c) {
    f.advance(f.now() + 1);
    for (uint32_t x = 0; x < 8; ++x)
      while (f.rx_available(tile_of(p, x, 1), 3, f.now())) (void)f.rx_pop(tile_of(p, x, 1), 3, f.now());
  }
  for (uint32_t x = 0; x < 8; ++x) EXPECT_EQ(f.router_stats(tile_of(p, x, 1))->link_flits[kRamp], 20u) << x;
  EXPECT_EQ(f.flits_in_flight(), 0u);
  // Zero load: tile x of the row sees the wavelet (x + 1) hops after it was sent.
  Fabric g(p);
  for (uint32_t x = 0; x < 8; ++x)
    g.set_route(tile_of(p, x, 1), 3, x ? kWest : kRamp, x == 7 ? port_bit(kRamp) : port_bit(kEast) | port_bit(kRamp));
  g.tx_push(tile_of(p, 0, 1), 3, 42, 0);
  g.advance(100);
  for (uint32_t x = 0; x < 8; ++x) {
    EXPECT_EQ(g.rx_available(tile_of(p, x, 1), 3, x), 0u);
    EXPECT_EQ(g.rx_available(tile_of(p, x, 1), 3, x + 1), 1u);
  }
}

TEST(Fabric, CyclicColorRouteDeadlockIsNamedByTheWatchdog) {
  FabricParams p;
  p.width = p.height = 2;
  p.watchdog_cycles = 500;
  Fabric f(p);
  // Color 7 circles (0,0) -> (1,0) -> (1,1) -> (0,1) -> (0,0) and never leaves the ring.
  const uint32_t ring[4] = {tile_of(p, 0, 0), tile_of(p, 1, 0), tile_of(p, 1, 1), tile_of(p, 0, 1)};
  const int out[4] = {kEast, kSouth, kWest, kNorth};
  for (int i = 0; i < 4; ++i) {
    f.set_route(ring[i], 7, kRamp, port_bit(out[i]));
    f.set_route(ring[i], 7, opposite(out[(i + 3) % 4]), port_bit(out[i]));
  }
  std::string error;
  try {
    for (uint64_t c = 0; c < 100000; ++c) {
      for (uint32_t t : ring)
        if (!f.tx_full(t, 7)) f.tx_push(t, 7, 1, c);
      f.advance(c + 1);
    }
  } catch (const FabricError& e) {
    error = e.what();
  }
  ASSERT_FALSE(error.empty()) << "no deadlock reported";
  EXPECT_NE(error.find("deadlock"), std::string::npos) << error;
  for (const char* router : {"router (0,0) color 7", "router (1,0) color 7", "router (1,1) color 7", "router (0,1) color 7"})
    EXPECT_NE(error.find(router), std::string::npos) << error;
  EXPECT_LT(f.now(), 2000u) << "detected late";
}

TEST(Fabric, XyRoutingDrainsAfterSaturation) {
  for (Routing routing : {Routing::XY, Routing::YX, Routing::WestFirst, Routing::OddEven}) {
    FabricParams p = FabricParams::iq_vc_4stage(8, 8);
    p.routing = routing;
    p.watchdog_cycles = 2000;
    Fabric f(p);
    Recorder rec;
    f.set_client(&rec);
    std::mt19937 rng(11);
    uint32_t id = 0, flits = 0;
    // Offered load 0.8 flits/node/cycle, far beyond saturation, for 3000 cycles.
    for (uint64_t c = 0; c < 3000; ++c)
      for (uint32_t t = 0; t < 64; ++t)
        if (rng() % 1000 < 200) {
          uint32_t d = rng() % 64;
          f.inject_packet(t, d, 4, id++, c);
          flits += 4;
        }
    ASSERT_NO_THROW(f.advance(400000)) << routing_name(routing);
    EXPECT_EQ(rec.flits.size(), flits) << routing_name(routing);
    EXPECT_EQ(f.flits_in_flight(), 0u);
    EXPECT_EQ(f.source_queue_flits(), 0u);
    // Each packet's flits arrive head first, tail last, contiguously on their path.
    std::map<uint32_t, uint32_t> seen;
    for (const auto& [flit, cycle] : rec.flits) {
      uint32_t& n = seen[flit.tag];
      EXPECT_EQ(bool(flit.flags & Flit::kHead), n == 0);
      EXPECT_EQ(bool(flit.flags & Flit::kTail), n == 3);
      ++n;
    }
    EXPECT_EQ(seen.size(), id);
  }
}

TEST(Fabric, RoutesOffTheGridOrOutOfRangeAreRejectedWithTheirPlace) {
  FabricParams p;
  p.width = 3;
  p.height = 2;
  Fabric f(p);
  try {
    f.set_route(tile_of(p, 2, 1), 4, kWest, port_bit(kEast));
    FAIL();
  } catch (const FabricError& e) {
    EXPECT_NE(std::string(e.what()).find("router (2,1): color 4 from W routed to port E, which leaves the grid"),
              std::string::npos) << e.what();
  }
  try {
    f.set_route(0, 24, kRamp, port_bit(kEast));
    FAIL();
  } catch (const FabricError& e) {
    EXPECT_NE(std::string(e.what()).find("router (0,0): color 24 out of range"), std::string::npos) << e.what();
  }
}

TEST(Fabric, WaveletWaitsForItsRouteAndTheWatchdogNamesOneThatNeverComes) {
  FabricParams p = grid(3, 1);
  p.watchdog_cycles = 500;
  Fabric f(p);
  // Router (1,0) learns its route for color 1 only at cycle 40: the wavelet waits there, then
  // goes on exactly as if it had just arrived.
  f.set_route(0, 1, kRamp, port_bit(kEast));
  f.tx_push(0, 1, 5, 0);
  f.advance(40);
  EXPECT_EQ(f.rx_available(1, 1, 100), 0u);
  f.set_route(1, 1, kWest, port_bit(kRamp));
  f.advance(100);
  ASSERT_EQ(f.rx_available(1, 1, 100), 1u);
  EXPECT_EQ(f.rx_available(1, 1, 40), 0u);
  EXPECT_EQ(f.rx_available(1, 1, 41), 1u);  // routed at 40, one hop to the receive queue
  EXPECT_EQ(f.rx_pop(1, 1, 100), 5u);

  // Color 2 never gets a route at (1,0): the run ends with an error naming router, color, port
  // and sender, not with a hang.
  f.set_route(0, 2, kRamp, port_bit(kEast));
  f.tx_push(0, 2, 6, 100);
  try {
    f.advance(5000);
    FAIL();
  } catch (const FabricDeadlock& e) {
    EXPECT_NE(std::string(e.what()).find("router (1,0): a wavelet on color 2 from port W has waited"), std::string::npos)
        << e.what();
    EXPECT_NE(std::string(e.what()).find("sent by tile (0,0)"), std::string::npos) << e.what();
  }
}

TEST(Fabric, StopAtEndsAnAdvanceEarly) {
  Fabric f(grid(2, 1));
  struct Waker : Fabric::Client {
    Fabric* fabric = nullptr;
    uint64_t seen = 0;
    void rx_arrival(uint32_t, uint32_t, uint64_t cycle) override {
      seen = cycle;
      fabric->stop_at(cycle);
    }
  } waker;
  waker.fabric = &f;
  f.set_client(&waker);
  f.set_route(0, 0, kRamp, port_bit(kEast));
  f.set_route(1, 0, kWest, port_bit(kRamp));
  f.tx_push(0, 0, 1, 10);
  EXPECT_EQ(f.advance(1000), 12u);  // sent at 10, one hop to (1,0), one to its receive queue
  EXPECT_EQ(waker.seen, 12u);
  EXPECT_EQ(f.advance(1000), 1000u);
}

TEST(Fabric, AttachedEdgePortsCarryWaveletsOffAndOntoTheWafer) {
  FabricParams p = grid(3, 1);
  p.buffer_depth_flits = 4;
  Fabric f(p);
  struct Link : Fabric::Client {
    std::vector<std::tuple<uint32_t, int, uint32_t, uint32_t, uint64_t>> out;
    std::vector<uint64_t> space;
    void edge_out(uint32_t tile, int dir, uint32_t color, uint32_t wavelet, uint64_t cycle) override {
      out.emplace_back(tile, dir, color, wavelet, cycle);
    }
    void edge_space(uint32_t, int, uint32_t, uint64_t cycle) override { space.push_back(cycle); }
  } link;
  f.set_client(&link);
  // Without a link the east edge is off the grid, as before.
  EXPECT_THROW(f.set_route(2, 3, kWest, port_bit(kEast)), FabricError);
  EXPECT_THROW(f.attach_edge(1, kEast), FabricError);  // not on the edge
  f.attach_edge(2, kEast);
  f.set_route(0, 3, kRamp, port_bit(kEast));
  f.set_route(1, 3, kWest, port_bit(kEast));
  f.set_route(2, 3, kWest, port_bit(kEast));
  f.tx_push(0, 3, 77, 10);
  f.advance(100);
  // Three routers, one hop each: out of (2,0)'s east port at 13.
  ASSERT_EQ(link.out.size(), 1u);
  EXPECT_EQ(link.out[0], std::make_tuple(2u, int(kEast), 3u, 77u, uint64_t{13}));

  // Inwards: through (2,0)'s east port to (0,0)'s core, the same three hops.
  f.set_route(2, 4, kEast, port_bit(kWest));
  f.set_route(1, 4, kEast, port_bit(kWest));
  f.set_route(0, 4, kEast, port_bit(kRamp));
  ASSERT_TRUE(f.edge_push(2, kEast, 4, 88, 200));
  f.advance(300);
  EXPECT_EQ(f.rx_available(0, 4, 202), 0u);
  EXPECT_EQ(f.rx_available(0, 4, 203), 1u);
  EXPECT_EQ(f.rx_pop(0, 4, 300), 88u);
  EXPECT_EQ(link.space, (std::vector<uint64_t>{201}));  // the slot freed when (2,0) forwarded it

  // Backpressure: a color with no route yet fills the 4-flit input buffer.
  for (uint32_t i = 0; i < 4; ++i) EXPECT_TRUE(f.edge_push(2, kEast, 5, i, 300));
  EXPECT_FALSE(f.edge_push(2, kEast, 5, 4, 300));
  EXPECT_THROW(f.edge_push(0, kWest, 5, 0, 300), FabricError);  // no link attached there
}

TEST(Fabric, WafersSideBySideAreJoinedOnlyThroughEdgePortsAtTheirBorder) {
  FabricParams p = grid(4, 2);
  p.wafer_width_tiles = 2;  // two wafers of 2x2: no wire between columns 1 and 2
  Fabric f(p);
  // Within a wafer the mesh is whole; across the border a route leaves the wafer.
  f.set_route(tile_of(p, 0, 1), 3, kRamp, port_bit(kEast));
  EXPECT_THROW(f.set_route(tile_of(p, 1, 1), 3, kWest, port_bit(kEast)), FabricError);
  EXPECT_THROW(f.set_route(tile_of(p, 2, 0), 3, kRamp, port_bit(kWest)), FabricError);
  EXPECT_THROW(f.attach_edge(tile_of(p, 0, 0), kEast), FabricError);  // inside a wafer
  f.attach_edge(tile_of(p, 1, 1), kEast);
  f.attach_edge(tile_of(p, 2, 1), kWest);
  f.set_route(tile_of(p, 1, 1), 3, kWest, port_bit(kEast));
  f.set_route(tile_of(p, 2, 1), 3, kWest, port_bit(kRamp));
  struct Cable : Fabric::Client {
    Fabric* f = nullptr;
    uint64_t out_cycle = 0;
    void edge_out(uint32_t tile, int dir, uint32_t color, uint32_t wavelet, uint64_t cycle) override {
      EXPECT_EQ(tile, 5u);
      EXPECT_EQ(dir, kEast);
      out_cycle = cycle;
      EXPECT_TRUE(f->edge_push(tile + 1, kWest, color, wavelet, cycle + 10));  // 10 cycles of cable
    }
  } cable;
  cable.f = &f;
  f.set_client(&cable);
  f.tx_push(tile_of(p, 0, 1), 3, 99, 0);
  f.advance(100);
  EXPECT_EQ(cable.out_cycle, 2u);                         // two hops to (1,1)'s east port
  EXPECT_EQ(f.rx_next_arrival(tile_of(p, 2, 1), 3), 13u);  // in at 12, one hop to the ramp
  EXPECT_EQ(f.rx_pop(tile_of(p, 2, 1), 3, 100), 99u);
  FabricParams uneven = grid(5, 2);
  uneven.wafer_width_tiles = 2;
  EXPECT_THROW(Fabric{uneven}, FabricError);
}

TEST(Fabric, EdgePortWithLinkCreditsHoldsTheWaferBackUntilTheLinkTakesWavelets) {
  // (1,0)'s east port lends its 4 credits of color 2 to the link, which returns none: the
  // fifth to eighth wavelets wait in (1,0)'s west input buffer.
  Fabric f(grid(2, 1));
  struct Link : Fabric::Client {
    std::vector<std::pair<uint32_t, uint64_t>> out;
    void edge_out(uint32_t, int, uint32_t, uint32_t wavelet, uint64_t cycle) override { out.emplace_back(wavelet, cycle); }
  } link;
  f.set_client(&link);
  f.attach_edge(1, kEast, true);
  EXPECT_THROW(f.attach_edge(1, kEast), FabricError);  // one link per port
  f.set_route(0, 2, kRamp, port_bit(kEast));
  f.set_route(1, 2, kWest, port_bit(kEast));
  uint32_t sent = 0;
  for (uint64_t t = 0; t < 100; ++t) {
    if (sent < 8 && !f.tx_full(0, 2)) f.tx_push(0, 2, sent++, t);
    f.advance(t + 1);
  }
  ASSERT_EQ(link.out.size(), 4u);
  for (uint32_t i = 0; i < 4; ++i) EXPECT_EQ(link.out[i], std::make_pair(i, uint64_t{2 + i}));
  EXPECT_EQ(f.flits_in_flight(), 4u);
  EXPECT_EQ(sent, 8u);

  // One credit back at 150: the fifth wavelet leaves in that cycle, the next behind it a cycle
  // later finds no credit again.
  f.edge_credit(1, kEast, 2, 150);
  EXPECT_THROW(f.edge_credit(1, kEast, 2, 99), FabricError);  // in the settled past
  f.advance(300);
  ASSERT_EQ(link.out.size(), 5u);
  EXPECT_EQ(link.out[4], std::make_pair(4u, uint64_t{151}));
  // Returning every credit lets the rest through; a credit no wavelet took is an error.
  for (uint32_t i = 0; i < 4; ++i) f.edge_credit(1, kEast, 2, 300);
  f.advance(400);
  ASSERT_EQ(link.out.size(), 8u);
  EXPECT_EQ(f.flits_in_flight(), 0u);
  for (uint32_t i = 0; i < 3; ++i) f.edge_credit(1, kEast, 2, 400);  // the link holds the last three
  try {
    f.edge_credit(1, kEast, 2, 400);
    ADD_FAILURE() << "a credit no wavelet took was accepted";
  } catch (const FabricError& e) {
    EXPECT_NE(std::string(e.what()).find("router (1,0): port E: edge credit on color 2 that no wavelet took"), std::string::npos)
        << e.what();
  }
  EXPECT_THROW(f.edge_credit(0, kWest, 2, 400), FabricError);  // no link there
}

TEST(Fabric, MulticastWaitsForTheSlowerOutputAndLosesNothing) {
  // (1,0) delivers color 2 to its core and forwards it east. Its core receives only from
  // cycle 500, long after its 4-deep receive queue filled: the fifth wavelet goes east at once
  // but owes its local copy until the queue drains, with nothing else arriving to wake the router.
  Fabric f(grid(3, 1));
  f.set_route(0, 2, kRamp, port_bit(kEast));
  f.set_route(1, 2, kWest, port_bit(kRamp) | port_bit(kEast));
  f.set_route(2, 2, kWest, port_bit(kRamp));
  uint64_t t = 0;
  uint32_t sent = 0, got_middle = 0, got_end = 0;
  while (got_middle < 5 || got_end < 5) {
    if (sent < 5 && !f.tx_full(0, 2)) f.tx_push(0, 2, sent++, t);
    f.advance(t + 1);
    if (t >= 500 && f.rx_available(1, 2, t)) {
      EXPECT_EQ(f.rx_pop(1, 2, t), got_middle++);
    }
    if (f.rx_available(2, 2, t)) {
      EXPECT_EQ(f.rx_pop(2, 2, t), got_end++);
    }
    ASSERT_LT(++t, 5000u) << "stuck with " << got_middle << " and " << got_end << " delivered";
  }
  EXPECT_EQ(f.flits_in_flight(), 0u);
}

TEST(Fabric, IdleRoutersAreNeverVisited) {
  // A 512 x 512 fabric with one wavelet crossing a corner costs no per-router work elsewhere.
  FabricParams p;
  p.width = p.height = 512;
  Fabric f(p);
  route_xy(f, 0, 0, tile_of(p, 3, 2));
  f.tx_push(0, 0, 9, 1'000'000);
  EXPECT_EQ(f.advance(2'000'000), 2'000'000u);
  EXPECT_EQ(f.rx_available(tile_of(p, 3, 2), 0, 1'000'000 + 6), 1u);
  uint32_t touched = 0;
  for (uint32_t t = 0; t < f.tiles(); ++t) touched += f.router_stats(t) != nullptr;
  EXPECT_EQ(touched, 6u);  // the routers on the path only
  EXPECT_EQ(f.touched_routers(), 6u);
}

TEST(Fabric, TouchedRouterStateStaysUnderTwoKibInColorsMode) {
  // The state of a router at the default 24 colors (header, per-color buffers' state, credits,
  // routes) holds no flit storage: flits live in rings taken only by non-empty buffers.
  FabricParams p = grid(16, 16);
  ASSERT_EQ(p.colors, 24u);
  EXPECT_LE(Fabric::router_state_bytes(p) + sizeof(void*), 1536u);
  EXPECT_LT(Fabric::router_bytes(p), 2048u);
  // Every tile of the top row streams wavelets down its column on its own color: with the rings
  // they fill, a touched router still costs under 2 KiB.
  Fabric f(p);
  constexpr uint32_t kWavelets = 64;
  for (uint32_t x = 0; x < p.width; ++x) route_xy(f, x, tile_of(p, x, 0), tile_of(p, x, p.height - 1));
  uint32_t sent[16] = {}, received[16] = {};
  uint64_t t = 0;
  for (uint32_t done = 0; done < p.width; ++t) {
    ASSERT_LT(t, 10'000u);
    done = 0;
    for (uint32_t x = 0; x < p.width; ++x) {
      const uint32_t src = tile_of(p, x, 0), dst = tile_of(p, x, p.height - 1);
      if (sent[x] < kWavelets && !f.tx_full(src, x)) f.tx_push(src, x, sent[x]++, t);
      if (f.rx_available(dst, x, t)) {
        EXPECT_EQ(f.rx_pop(dst, x, t), received[x]++);
      }
      done += received[x] == kWavelets;
    }
    f.advance(t + 1);
  }
  EXPECT_EQ(f.touched_routers(), p.width * p.height);
  EXPECT_LE(f.bytes_per_touched_router(), 2048u);
}

}  // namespace
}  // namespace wvp
