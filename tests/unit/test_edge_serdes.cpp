// Edge SerDes: cycle <-> picosecond conversion, groups of edge routers checked against the grid,
// and wavelets leaving the east edge that come back in through the west edge (two SerDes
// cabled to each other), exactly when the two links say, and all of them, in order, under
// backpressure at both ends and bit errors.
#include <gtest/gtest.h>

#include <string>
#include <vector>

#include "models/serdes/edge_serdes.h"
#include "support/error_of.h"

namespace wvp {
namespace {

const Clock kClock(1.1e9);  // the fabric's

using test::error_of;

FabricParams grid(uint32_t width, uint32_t height) {
  FabricParams p;
  p.width = width;
  p.height = height;
  return p;
}

EdgeSerdesParams serdes(const std::string& name, int edge, uint32_t first, uint32_t tiles) {
  EdgeSerdesParams p;
  p.name = name;
  p.edge = edge;
  p.first_tile = first;
  p.tiles = tiles;
  return p;
}

TEST(EdgeSerdes, CyclesAndPicosecondsAgreeAtA1_1GHzClock) {
  const EdgeSerdes s(serdes("s", kEast, 0, 1), kClock, 2, 2);
  EXPECT_EQ(s.ps(1), 909u);  // 909.09 ps
  EXPECT_EQ(s.ps(2), 1818u);
  EXPECT_EQ(s.ps(11), 10000u);
  EXPECT_EQ(s.cycle_of(0), 0u);
  EXPECT_EQ(s.cycle_of(909), 1u);
  EXPECT_EQ(s.cycle_of(910), 2u);  // a wavelet is never in the wafer before the link delivers it
  EXPECT_EQ(s.cycle_of(10000), 11u);
  for (uint64_t c = 0; c < 100000; c += 7) {
    ASSERT_EQ(s.cycle_of(s.ps(c)), c);
    ASSERT_EQ(s.cycle_of(s.ps(c) + 1), c + 1);
  }
}

TEST(EdgeSerdes, GroupsOffTheirEdgeOrOverlappingAreNamed) {
  EXPECT_EQ(error_of<std::invalid_argument>([] { EdgeSerdes s(serdes("serdes3", kEast, 2, 3), kClock, 8, 4); }),
            "edge SerDes serdes3: edge router 4 along the east edge is beyond the 8x4 grid (4 routers on that edge)");
  EXPECT_EQ(error_of<std::invalid_argument>([] { EdgeSerdes s(serdes("serdes1", kNorth, 0, 0), kClock, 8, 4); }),
            "edge SerDes serdes1: bridges no edge router (tiles is 0)");
  EdgeSerdesParams slow = serdes("serdes2", kSouth, 0, 2);
  slow.link.lane_gbps = 500;
  EXPECT_EQ(error_of<std::invalid_argument>([&] { EdgeSerdes s(slow, kClock, 8, 4); }).rfind("edge SerDes serdes2: ", 0), 0u);
  EXPECT_NE(error_of<std::invalid_argument>([&] { EdgeSerdes s(slow, kClock, 8, 4); }).find("lane_gbps"), std::string::npos);

  Fabric f(grid(8, 4));
  EdgeRing ring(f);
  EdgeSerdes a(serdes("serdes0", kWest, 0, 2), kClock, 8, 4), b(serdes("serdes1", kWest, 1, 2), kClock, 8, 4);
  ring.add(a);
  const std::string overlap = error_of<std::invalid_argument>([&] { ring.add(b); });
  EXPECT_EQ(overlap.rfind("edge SerDes serdes1: edge port W of router (0,1): ", 0), 0u) << overlap;
  EXPECT_NE(overlap.find("already has an off-wafer link"), std::string::npos) << overlap;
}

// A 4 x 2 grid: row y sends color 3 from (0,y) east to the east SerDes' port y; it comes back
// through the west SerDes' port y into (0,y) from the west.
struct Loop {
  Fabric fabric;
  EdgeRing ring;
  EdgeSerdes east, west;
  Loop(const EdgeSerdesParams& e, const EdgeSerdesParams& w)
      : fabric(grid(4, 2)), ring(fabric), east(e, kClock, 4, 2), west(w, kClock, 4, 2) {
    ring.add(east);
    ring.add(west);
    east.connect(west);
    west.connect(east);
    for (uint32_t y = 0; y < 2; ++y) {
      fabric.set_route(y * 4, 3, kRamp, port_bit(kEast));
      for (uint32_t x = 1; x < 4; ++x) fabric.set_route(y * 4 + x, 3, kWest, port_bit(kEast));
      fabric.set_route(y * 4, 3, kWest, port_bit(kRamp));
    }
  }
};

TEST(EdgeSerdes, AWaveletLeavingTheEastEdgeReentersThroughTheWestEdgeWhenTheLinksDeliverIt) {
  Loop loop(serdes("east", kEast, 0, 2), serdes("west", kWest, 0, 2));
  loop.fabric.tx_push(4, 3, 0xabcd, 10);  // (0,1)
  loop.ring.advance(2000);
  ASSERT_EQ(loop.fabric.rx_available(4, 3, 2000), 1u);

  // The same link alone: sent when the wavelet leaves (3,1) at cycle 14. A cable direction is
  // one link, the east SerDes' transmitter and the west SerDes' receiver.
  Link out(loop.east.params().link);
  uint64_t t1 = 0;
  out.set_deliver([&](const LinkItem&, uint64_t t) { return t1 = t, true; });
  ASSERT_TRUE(out.send({0xabcd, 3 | 1 << 8, EdgeSerdes::kWaveletBytes}, loop.east.ps(14)));
  out.advance(UINT64_MAX);
  const uint64_t enters = loop.west.cycle_of(t1);
  EXPECT_GT(enters, 14u + 115);  // FEC + propagation: 105 ns
  // In through (0,1)'s west port at `enters`, one more cycle to its receive queue.
  EXPECT_EQ(loop.fabric.rx_next_arrival(4, 3), enters + 1);
  EXPECT_EQ(loop.fabric.rx_pop(4, 3, 2000), 0xabcdu);
  EXPECT_EQ(loop.east.stats().out.frames, 1u);
  EXPECT_EQ(loop.east.stats().out.items, 1u);
  EXPECT_EQ(loop.west.stats().in.items + loop.east.stats().in.items, 0u);  // the in links carry no cable
  EXPECT_EQ(loop.fabric.flits_in_flight(), 0u);
}

TEST(EdgeSerdes, EveryWaveletComesBackOnceAndInOrderUnderBackpressureAndBitErrors) {
  // One 25 Gb/s lane (0.6 wavelets per ns against 1.1 per ns from each row), a 64-byte send
  // queue and 2 frame buffers, and a receiver that takes a wavelet every 3 cycles: both the
  // credits of the east ports and the west ports' input buffers push back. One frame in ~8
  // is corrupted and replayed.
  EdgeSerdesParams e = serdes("east", kEast, 0, 2), w = serdes("west", kWest, 0, 2);
  for (EdgeSerdesParams* p : {&e, &w}) {
    p->link.lanes = 1;
    p->link.tx_queue_bytes = 64;
    p->link.credits_frames = 2;
    p->link.bit_error_rate = 1e-4;
    p->link.replay_timeout_ns = 2000;
  }
  w.link.seed = 7;
  Loop loop(e, w);
  constexpr uint32_t kCount = 3000;
  uint32_t sent[2] = {}, got[2] = {};
  uint64_t t = 0;
  while (got[0] < kCount || got[1] < kCount) {
    for (uint32_t y = 0; y < 2; ++y) {
      if (sent[y] < kCount && !loop.fabric.tx_full(y * 4, 3)) loop.fabric.tx_push(y * 4, 3, y << 16 | sent[y]++, t);
      if (t % 3 == 0 && loop.fabric.rx_available(y * 4, 3, t)) {
        ASSERT_EQ(loop.fabric.rx_pop(y * 4, 3, t), y << 16 | got[y]) << "row " << y;
        ++got[y];
      }
    }
    loop.ring.advance(++t);
    ASSERT_LT(t, 1'000'000u) << "stuck at " << got[0] << " and " << got[1];
  }
  loop.ring.advance(t + 5000);  // the last ACKs come back
  EXPECT_TRUE(loop.east.out().empty());
  const EdgeSerdesStats out = loop.east.stats();
  EXPECT_EQ(out.out.payload_bytes, 2u * kCount * EdgeSerdes::kWaveletBytes);
  EXPECT_EQ(out.out.items, 2u * kCount);
  EXPECT_GT(out.out.retries, 0u);
  EXPECT_GT(out.out.utilisation, 0.0);
  EXPECT_DOUBLE_EQ(out.out.energy_pj, out.out.line_bits * e.link.energy_pj_per_bit);
  EXPECT_EQ(loop.fabric.flits_in_flight(), 0u);
  for (uint32_t y = 0; y < 2; ++y) {
    EXPECT_GT(loop.fabric.router_stats(y * 4 + 3)->stall_cycles, 1000u);  // waited for the east link's credits
    EXPECT_EQ(loop.fabric.router_stats(y * 4)->buffer_high_water, 4u);    // the west input buffer filled up
  }
}

}  // namespace
}  // namespace wvp
