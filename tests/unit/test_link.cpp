// The off-wafer link model (models/link/link.h): bandwidth and latency figures worked out by
// hand, go-back-N replay after chosen CRC errors (by NAK and by the replay timer), credits and
// the retry buffer holding the sender back, conservation and order of 100k items under a
// bit-error rate that corrupts a fifth of the frames, a bit-error rate changed on the way, and a
// link taken down and brought up again.
#include <gtest/gtest.h>

#include <cmath>
#include <random>
#include <stdexcept>
#include <string>
#include <vector>

#include "models/link/link.h"

namespace wvp::test {
namespace {

struct Delivery {
  LinkItem item;
  uint64_t time;
  bool operator==(const Delivery&) const = default;
};

// Records every item delivered.
struct Sink {
  std::vector<Delivery> got;
  void attach(Link& link) {
    link.set_deliver([this](const LinkItem& item, uint64_t t) {
      got.push_back({item, t});
      return true;
    });
  }
};

// Records the items delivered while `accepting`, refuses them otherwise.
struct GatedSink {
  bool accepting = false;
  std::vector<Delivery> got;
  void attach(Link& link) {
    link.set_deliver([this](const LinkItem& item, uint64_t t) {
      if (!accepting) return false;
      got.push_back({item, t});
      return true;
    });
  }
};

LinkItem numbered(uint64_t n, uint32_t bytes) { return LinkItem{n, static_cast<uint32_t>(n % 24), bytes}; }

// The default link: 4 lanes of 25.78125 Gb/s move 4 blocks of 66 bits per 2560 ps.
constexpr uint64_t kSlot = 2560;
constexpr uint64_t kOneWay = 105000;   // FEC 100 ns + propagation 5 ns
constexpr uint64_t kReverse = 115000;  // the same back, plus 10 ns for the control word

// Frames of 240 payload bytes and 16 of overhead are 32 blocks: 8 block times each.
LinkParams whole_slot_frames() {
  LinkParams p;
  p.name = "edge0";
  p.frame_payload_bytes = 240;
  p.tx_queue_bytes = 8192;
  p.bit_error_rate = 0;
  return p;
}
constexpr uint64_t kFrame = 8 * kSlot;

TEST(Link, BandwidthIsLanesTimesRateAfter64b66bAndFraming) {
  LinkParams p;
  p.name = "edge0";
  p.tx_queue_bytes = 256000;
  p.bit_error_rate = 0;
  Link link(p);
  EXPECT_DOUBLE_EQ(link.line_gbps(), 103.125);
  EXPECT_DOUBLE_EQ(link.data_gbps(), 100.0);
  EXPECT_EQ(link.frame_blocks(256), 34u);    // 272 bytes
  EXPECT_EQ(link.frame_blocks(4), 3u);       // 20 bytes, padded to 24
  EXPECT_EQ(link.frame_time_ps(256), 9 * kSlot);  // 34 blocks over 4 lanes: 9 block times
  EXPECT_EQ(link.frame_time_ps(4), kSlot);

  // 256,000 bytes in 1000 full frames leave back to back, striped over the lanes: 34,000
  // blocks in 8500 block times, 21.76 us, the 100 Gb/s of data times 256/272 of framing.
  Sink sink;
  sink.attach(link);
  for (uint64_t i = 0; i < 64000; ++i) ASSERT_TRUE(link.send(numbered(i, 4), 0));
  link.advance(30'000'000);
  ASSERT_EQ(sink.got.size(), 64000u);
  for (uint64_t k = 0; k < 1000; ++k) {
    const uint64_t end_slot = (34 * (k + 1) + 3) / 4;
    ASSERT_EQ(sink.got[64 * k].time, end_slot * kSlot + kOneWay) << "frame " << k;
    ASSERT_EQ(sink.got[64 * k + 63].time, end_slot * kSlot + kOneWay) << "frame " << k;
  }
  EXPECT_EQ(sink.got.back().time, 21'760'000u + kOneWay);

  const LinkStats s = link.stats();
  EXPECT_EQ(s.frames, 1000u);
  EXPECT_EQ(s.retries, 0u);
  EXPECT_EQ(s.items, 64000u);
  EXPECT_EQ(s.payload_bytes, 256000u);
  EXPECT_EQ(s.line_bits, 34000u * 66);
  EXPECT_DOUBLE_EQ(s.energy_pj, 34000.0 * 66 * 5);
  EXPECT_EQ(s.elapsed_ps, 30'000'000u);
  EXPECT_EQ(s.busy_ps, 21'760'000u);
  EXPECT_DOUBLE_EQ(s.utilisation, 21.76 / 30);
  EXPECT_DOUBLE_EQ(s.payload_gbps, 256000.0 * 8 / 30'000);
}

TEST(Link, BlockTimesThatAreNotWholePicosecondsDoNotDrift) {
  // 8 lanes of 53.125 Gb/s: a block time is 1242.35... ps. 1000 frames of 34 blocks are 4250
  // block times, exactly 5.28 us.
  LinkParams p;
  p.name = "z0";
  p.lanes = 8;
  p.lane_gbps = 53.125;
  p.fec_latency_ns = 0;
  p.propagation_ns = 0;
  p.tx_queue_bytes = 256000;
  p.bit_error_rate = 0;
  Link link(p);
  EXPECT_DOUBLE_EQ(link.data_gbps(), 425.0 * 64 / 66);
  Sink sink;
  sink.attach(link);
  for (uint64_t i = 0; i < 1000; ++i) ASSERT_TRUE(link.send(numbered(i, 256), 0));
  link.advance(10'000'000);
  ASSERT_EQ(sink.got.size(), 1000u);
  EXPECT_EQ(sink.got.back().time, 5'280'000u);
  EXPECT_EQ(sink.got[499].time, 2'640'000u);
  EXPECT_EQ(link.stats().busy_ps, 5'280'000u);
}

TEST(Link, OneItemTakesSerialisationPlusFecPlusPropagation) {
  LinkParams p;
  p.name = "edge0";
  p.bit_error_rate = 0;
  Link link(p);
  Sink sink;
  sink.attach(link);
  ASSERT_TRUE(link.send(numbered(0, 4), 0));
  link.advance(200'000);
  ASSERT_EQ(sink.got.size(), 1u);
  EXPECT_EQ(sink.got[0].time, link.frame_time_ps(4) + 100'000 + 5'000);
  EXPECT_EQ(sink.got[0].time, 107'560u);
  EXPECT_EQ(sink.got[0].item, numbered(0, 4));

  // Sent between block times, an item waits for the next one.
  ASSERT_TRUE(link.send(numbered(1, 4), 201'000));
  link.advance(400'000);
  ASSERT_EQ(sink.got.size(), 2u);
  EXPECT_EQ(sink.got[1].time, 79 * kSlot + kSlot + kOneWay);  // 201,000 ps is in block time 78
  EXPECT_EQ(link.stats().frames, 2u);
}

TEST(Link, FramesCarryWholeItemsAndWaitForTheFlushTimeout) {
  LinkParams p = whole_slot_frames();
  p.frame_payload_bytes = 256;
  p.flush_timeout_ns = 50;
  Link link(p);
  Sink sink;
  sink.attach(link);
  // Two small items 10 ns apart share one frame, which leaves 50 ns after the first.
  ASSERT_TRUE(link.send(numbered(0, 4), 0));
  ASSERT_TRUE(link.send(numbered(1, 4), 10'000));
  link.advance(300'000);
  ASSERT_EQ(sink.got.size(), 2u);
  EXPECT_EQ(link.stats().frames, 1u);
  EXPECT_EQ(sink.got[0].time, 20 * kSlot + kSlot + kOneWay);  // first block time from 50 ns
  EXPECT_EQ(sink.got[1].time, sink.got[0].time);

  // A full frame does not wait; 100-byte items do not straddle frames: two fit in 256 bytes.
  for (uint64_t i = 2; i < 5; ++i) ASSERT_TRUE(link.send(numbered(i, 100), 300'000));
  link.advance(600'000);
  ASSERT_EQ(sink.got.size(), 5u);
  EXPECT_EQ(link.stats().frames, 3u);
  const uint64_t start = (300'000 + kSlot - 1) / kSlot * kSlot;
  EXPECT_EQ(sink.got[2].time, start + link.frame_time_ps(200) + kOneWay);  // 27 blocks: 7 block times
  EXPECT_EQ(sink.got[3].time, sink.got[2].time);
  // The third item alone is not a full frame: it waits for its flush timeout, 50 ns after it
  // was sent, although the wire frees earlier.
  const uint64_t flush_start = (350'000 + kSlot - 1) / kSlot * kSlot;
  EXPECT_EQ(sink.got[4].time, flush_start + link.frame_time_ps(100) + kOneWay);  // 15 blocks: 4 block times
  EXPECT_EQ(link.frame_time_ps(100), 4 * kSlot);
}

TEST(Link, CrcErrorOnAChosenFrameIsRepairedByGoBackNReplay) {
  Link link(whole_slot_frames());
  Sink sink;
  sink.attach(link);
  link.inject_error(2);
  for (uint64_t i = 0; i < 20; ++i) ASSERT_TRUE(link.send(numbered(i, 240), 0));
  link.advance(2'000'000);

  // Frame 2 arrives bad at 3 frames + 105 ns; the NAK is back 115 ns later, while frame 13
  // is on the wire. Frames 2 to 13 are replayed after it, then 14 to 19 follow.
  const uint64_t nak_at = 3 * kFrame + kOneWay + kReverse;
  ASSERT_EQ(nak_at, 281'440u);
  const uint64_t replay_start = 14 * kFrame;
  ASSERT_GT(replay_start, nak_at);
  ASSERT_LT(13 * kFrame, nak_at);
  ASSERT_EQ(sink.got.size(), 20u);
  for (uint64_t i = 0; i < 20; ++i) {
    EXPECT_EQ(sink.got[i].item, numbered(i, 240));
    const uint64_t expected = i < 2 ? (i + 1) * kFrame + kOneWay : replay_start + (i - 1) * kFrame + kOneWay;
    EXPECT_EQ(sink.got[i].time, expected) << "item " << i;
  }
  EXPECT_EQ(sink.got[2].time, 412'200u);

  const LinkStats s = link.stats();
  EXPECT_EQ(s.frames, 20u);
  EXPECT_EQ(s.crc_errors, 1u);
  EXPECT_EQ(s.naks, 1u);
  EXPECT_EQ(s.timeouts, 0u);
  EXPECT_EQ(s.retries, 12u);    // frames 2 to 13
  EXPECT_EQ(s.discarded, 11u);  // the first copies of 3 to 13, out of sequence
  EXPECT_EQ(s.bit_errors, 0u);  // injected, not drawn
  EXPECT_EQ(s.line_bits, 32u * 32 * 66);  // replays cost wire time and energy
  EXPECT_DOUBLE_EQ(s.energy_pj, 32.0 * 32 * 66 * 5);
}

TEST(Link, AReplayHitAgainIsRecoveredByTheReplayTimer) {
  Link link(whole_slot_frames());
  Sink sink;
  sink.attach(link);
  link.inject_error(2);   // frame 2
  link.inject_error(14);  // its replay: the receiver has NAKed once already and stays silent
  for (uint64_t i = 0; i < 20; ++i) ASSERT_TRUE(link.send(numbered(i, 240), 0));
  link.advance(3'000'000);

  // The NAK restarted the 1 us timer at 281,440 ps; no ACK comes after it, so it expires at
  // 1,281,440 ps, when the wire is idle: frame 2 goes again at the next block time.
  const uint64_t replay_start = (281'440 + 1'000'000 + kSlot - 1) / kSlot * kSlot;
  ASSERT_EQ(sink.got.size(), 20u);
  for (uint64_t i = 2; i < 20; ++i) {
    EXPECT_EQ(sink.got[i].item, numbered(i, 240));
    EXPECT_EQ(sink.got[i].time, replay_start + (i - 1) * kFrame + kOneWay) << "item " << i;
  }
  const LinkStats s = link.stats();
  EXPECT_EQ(s.crc_errors, 2u);
  EXPECT_EQ(s.naks, 1u);
  EXPECT_EQ(s.timeouts, 1u);
  EXPECT_EQ(s.retries, 12u + 18u);
  EXPECT_EQ(s.discarded, 11u + 11u + 6u);
  // Every transmission is accepted once, found corrupted, or dropped.
  EXPECT_EQ(s.frames + s.retries, s.frames + s.crc_errors + s.discarded);
}

TEST(Link, ExhaustedCreditsStopTheSenderUntilTheConsumerDrains) {
  LinkParams p = whole_slot_frames();
  p.credits_frames = 2;
  Link link(p);
  GatedSink sink;
  sink.attach(link);
  for (uint64_t i = 0; i < 5; ++i) ASSERT_TRUE(link.send(numbered(i, 240), 0));
  link.advance(1'000'000);
  // Two frames fill the receiver's buffers; the consumer takes nothing, so no credit returns.
  EXPECT_TRUE(sink.got.empty());
  EXPECT_EQ(link.stats().frames, 2u);
  EXPECT_EQ(link.space_bytes(), 8192u - 3 * 240);

  sink.accepting = true;
  link.rx_resume(1'000'000);
  link.advance(2'000'000);
  ASSERT_EQ(sink.got.size(), 5u);
  EXPECT_EQ(sink.got[0].time, 1'000'000u);
  EXPECT_EQ(sink.got[1].time, 1'000'000u);
  // Both credits are back 115 ns later: frames 2 and 3 leave at the next block time.
  const uint64_t credit_start = (1'000'000 + kReverse + kSlot - 1) / kSlot * kSlot;
  EXPECT_EQ(sink.got[2].time, credit_start + kFrame + kOneWay);
  EXPECT_EQ(sink.got[3].time, credit_start + 2 * kFrame + kOneWay);
  // Frame 4 waits for the credit of frame 2.
  const uint64_t last_start = (sink.got[2].time + kReverse + kSlot - 1) / kSlot * kSlot;
  EXPECT_EQ(sink.got[4].time, last_start + kFrame + kOneWay);
  EXPECT_EQ(sink.got[4].time, 1'482'280u);
  for (uint64_t i = 0; i < 5; ++i) EXPECT_EQ(sink.got[i].item, numbered(i, 240));
}

TEST(Link, AFullRetryBufferStopsTheSenderUntilAnAck) {
  LinkParams p = whole_slot_frames();
  p.retry_buffer_frames = 2;
  Link link(p);
  Sink sink;
  sink.attach(link);
  for (uint64_t i = 0; i < 4; ++i) ASSERT_TRUE(link.send(numbered(i, 240), 0));
  link.advance(1'000'000);
  ASSERT_EQ(sink.got.size(), 4u);
  // Frame 2 waits for the ACK of frame 0 (240,480 ps), frame 3 for that of frame 1 (260,960 ps),
  // which comes while frame 2 is on the wire.
  const uint64_t ack0 = kFrame + kOneWay + kReverse;
  const uint64_t start2 = (ack0 + kSlot - 1) / kSlot * kSlot;
  EXPECT_EQ(sink.got[2].time, start2 + kFrame + kOneWay);
  EXPECT_EQ(sink.got[3].time, start2 + 2 * kFrame + kOneWay);
  EXPECT_EQ(sink.got[3].time, 386'600u);
}

TEST(Link, AFullSendQueueRefusesAndSaysWhenItHasRoom) {
  LinkParams p = whole_slot_frames();
  p.tx_queue_bytes = 480;
  Link link(p);
  Sink sink;
  sink.attach(link);
  std::vector<uint64_t> space;
  link.set_space([&](uint64_t t) {
    space.push_back(t);
    EXPECT_TRUE(link.send(numbered(2, 240), t));
  });
  ASSERT_TRUE(link.send(numbered(0, 240), 0));
  ASSERT_TRUE(link.send(numbered(1, 240), 0));
  EXPECT_EQ(link.space_bytes(), 0u);
  EXPECT_FALSE(link.send(numbered(2, 240), 0));
  link.advance(1'000'000);
  EXPECT_EQ(space, (std::vector<uint64_t>{0}));  // the first frame took item 0 at once
  ASSERT_EQ(sink.got.size(), 3u);
  for (uint64_t i = 0; i < 3; ++i) EXPECT_EQ(sink.got[i].item, numbered(i, 240));
}

TEST(Link, ABitErrorRateSetLaterHitsOnlyTheFramesSentAfterIt) {
  Link link(whole_slot_frames());
  Sink sink;
  sink.attach(link);
  for (uint64_t i = 0; i < 10; ++i) ASSERT_TRUE(link.send(numbered(i, 240), 0));
  link.advance(1'000'000);
  EXPECT_EQ(link.stats().crc_errors, 0u);

  // A 32-block frame is 2112 line bits: at 1e-4, 19% of them are hit.
  link.set_bit_error_rate(1e-4);
  EXPECT_DOUBLE_EQ(link.params().bit_error_rate, 1e-4);
  for (uint64_t i = 10; i < 30; ++i) ASSERT_TRUE(link.send(numbered(i, 240), 1'000'000));
  link.advance(20'000'000);
  const LinkStats hit = link.stats();
  EXPECT_GT(hit.crc_errors, 0u);
  EXPECT_GE(hit.bit_errors, hit.crc_errors);
  ASSERT_EQ(sink.got.size(), 30u);

  link.set_bit_error_rate(0);
  for (uint64_t i = 30; i < 40; ++i) ASSERT_TRUE(link.send(numbered(i, 240), 20'000'000));
  link.advance(21'000'000);
  EXPECT_EQ(link.stats().crc_errors, hit.crc_errors);
  ASSERT_EQ(sink.got.size(), 40u);
  for (uint64_t i = 0; i < 40; ++i) EXPECT_EQ(sink.got[i].item, numbered(i, 240));
  try {
    link.set_bit_error_rate(2e-3);
    ADD_FAILURE() << "accepted a bit-error rate of 2e-3";
  } catch (const std::invalid_argument& e) {
    EXPECT_NE(std::string(e.what()).find("link 'edge0': bit_error_rate"), std::string::npos) << e.what();
  }
}

TEST(Link, ShutDownHandsBackWhatTheReceiverHasNotAcceptedAndDeliversTheRest) {
  Link link(whole_slot_frames());
  GatedSink sink;
  sink.attach(link);
  for (uint64_t i = 0; i < 20; ++i) ASSERT_TRUE(link.send(numbered(i, 240), 0));
  // Frame k arrives at (k + 1) frames + 105 ns: frames 0 to 4 are in by 207,400 ps, held by the
  // consumer, which refuses; frame 10 is on the wire.
  const uint64_t down_at = 5 * kFrame + kOneWay + 1;
  const std::vector<LinkItem> back = link.shut_down(down_at);
  ASSERT_EQ(back.size(), 15u);
  for (uint64_t i = 0; i < 15; ++i) EXPECT_EQ(back[i], numbered(i + 5, 240));
  EXPECT_TRUE(link.is_down());
  EXPECT_EQ(link.now(), down_at);
  EXPECT_FALSE(link.empty());  // the five accepted items
  try {
    link.send(numbered(20, 240), down_at);
    ADD_FAILURE() << "a down link took an item";
  } catch (const std::invalid_argument& e) {
    EXPECT_NE(std::string(e.what()).find("link 'edge0': item sent at 207401 ps while the link is down"), std::string::npos)
        << e.what();
  }
  EXPECT_THROW(link.shut_down(down_at), std::invalid_argument);

  // The accepted items are across: the consumer still gets them, once.
  sink.accepting = true;
  link.rx_resume(300'000);
  link.advance(400'000);
  ASSERT_EQ(sink.got.size(), 5u);
  for (uint64_t i = 0; i < 5; ++i) EXPECT_EQ(sink.got[i], (Delivery{numbered(i, 240), 300'000}));
  EXPECT_TRUE(link.empty());

  // Up again, new items go from the next sequence number with every credit back.
  link.bring_up();
  EXPECT_THROW(link.bring_up(), std::invalid_argument);
  for (uint64_t i = 20; i < 50; ++i) ASSERT_TRUE(link.send(numbered(i, 240), 400'000));
  link.advance(3'000'000);
  ASSERT_EQ(sink.got.size(), 35u);
  const uint64_t start = (400'000 + kSlot - 1) / kSlot * kSlot;
  for (uint64_t i = 0; i < 30; ++i) {
    EXPECT_EQ(sink.got[5 + i], (Delivery{numbered(20 + i, 240), start + (i + 1) * kFrame + kOneWay})) << "item " << 20 + i;
  }
  const LinkStats s = link.stats();
  EXPECT_EQ(s.items, 35u);
  EXPECT_EQ(s.withdrawn, 15u);
  EXPECT_EQ(s.frames, 11u + 30u);  // frames 0 to 10 had left before the link went down
  EXPECT_EQ(s.retries, 0u);
  EXPECT_EQ(s.discarded, 0u);
  EXPECT_TRUE(link.empty());
}

// A sender offering bursts of items of 1 to 32 bytes as fast as the queue takes them, and a
// consumer that refuses one item in ten for up to 5 ns.
struct NoisyRun {
  std::vector<Delivery> got;
  LinkStats stats;
};

// With `cut`, the link runs as two objects, one per end (Link::cut), that see each other's
// crossings only at the start of each window of the crossing latency, as MPI ranks do
// (platform/assembly/rank_links.h).
NoisyRun run_noisy(uint64_t items, uint64_t seed, bool cut = false) {
  LinkParams p;
  p.name = "noisy";
  p.bit_error_rate = 1e-4;
  p.seed = seed;
  Link link(p), far(p);
  Link& rx = cut ? far : link;
  std::vector<LinkCrossing> to_rx, to_tx;
  if (cut) {
    link.cut(LinkHalf::Sender, [&](const LinkCrossing& c) { to_rx.push_back(c); });
    far.cut(LinkHalf::Receiver, [&](const LinkCrossing& c) { to_tx.push_back(c); });
  }
  const uint64_t window = link.crossing_latency_ps();
  uint64_t next_window = window;
  const auto advance = [&](uint64_t until) {
    for (; cut && next_window <= until; next_window += window) {
      link.advance(next_window);
      far.advance(next_window);
      for (const LinkCrossing& c : to_rx) far.take(c);
      for (const LinkCrossing& c : to_tx) link.take(c);
      to_rx.clear(), to_tx.clear();
    }
    link.advance(until);
    if (cut) far.advance(until);
  };
  NoisyRun run;
  std::mt19937_64 traffic(seed + 100), consumer(seed + 200);
  rx.set_deliver([&](const LinkItem& item, uint64_t t) {
    if (consumer() % 10 == 0) {
      rx.rx_resume(t + consumer() % 5000);
      return false;
    }
    run.got.push_back({item, t});
    return true;
  });
  uint64_t next = 0, t = 0;
  while (run.got.size() < items && t < 10'000'000'000) {
    if (traffic() % 4 == 0) {
      for (uint64_t burst = traffic() % 64; burst > 0 && next < items; --burst, ++next) {
        if (!link.send(LinkItem{next * 7919, static_cast<uint32_t>(next), static_cast<uint32_t>(1 + next % 32)}, t)) break;
      }
    }
    t += 1000;
    advance(t);
  }
  if (cut) link.add_far_stats(far.stats());
  run.stats = link.stats();
  // The sender lets go of the last items when their ACK is back.
  EXPECT_FALSE(link.empty());
  advance(t + kReverse + window);
  EXPECT_TRUE(link.empty());
  return run;
}

TEST(Link, HighBitErrorRateLosesNothingAndReordersNothing) {
  constexpr uint64_t kItems = 100'000;
  const NoisyRun run = run_noisy(kItems, 1);
  ASSERT_EQ(run.got.size(), kItems);
  for (uint64_t i = 0; i < kItems; ++i) {
    ASSERT_EQ(run.got[i].item, (LinkItem{i * 7919, static_cast<uint32_t>(i), static_cast<uint32_t>(1 + i % 32)}))
        << "item " << i;
    if (i > 0) {
      ASSERT_GE(run.got[i].time, run.got[i - 1].time);
    }
  }
  const LinkStats& s = run.stats;
  EXPECT_EQ(s.items, kItems);
  // A 34-block frame is 2244 line bits: at 1e-4 one in five is hit.
  EXPECT_GT(s.crc_errors, s.frames / 10);
  EXPECT_GT(s.retries, s.crc_errors);
  EXPECT_GT(s.naks, 0u);
  EXPECT_GT(s.timeouts, 0u);
  EXPECT_EQ(s.frames + s.retries, s.frames + s.crc_errors + s.discarded);
  // The drawn errors are the bit-error rate of the bits sent, within 5 sigma.
  const double mean = 1e-4 * static_cast<double>(s.line_bits);
  EXPECT_LT(std::abs(static_cast<double>(s.bit_errors) - mean), 5 * std::sqrt(mean));
  EXPECT_GT(s.utilisation, 0.0);
  EXPECT_LE(s.utilisation, 1.0);
}

// The two ends of a link share no state: cut apart and told of each other's frames and control
// words once per window of the crossing latency, they deliver every item at the whole link's
// time, with its replays, NAKs, timeouts and refusals, and count the same figures between them.
TEST(Link, CutInHalvesThatMeetOncePerWindowItRunsAsTheWholeLink) {
  const NoisyRun whole = run_noisy(20'000, 3), halves = run_noisy(20'000, 3, true);
  ASSERT_EQ(halves.got.size(), whole.got.size());
  EXPECT_EQ(halves.got, whole.got);
  EXPECT_EQ(halves.stats, whole.stats);
  EXPECT_GT(whole.stats.naks, 0u);
  EXPECT_GT(whole.stats.timeouts, 0u);
}

TEST(Link, AnItemOfferedBeyondPendingAcksAndCreditsLeavesAtItsTime) {
  Link link(whole_slot_frames());
  Sink sink;
  sink.attach(link);
  ASSERT_TRUE(link.send(numbered(0, 8), 0));
  while (sink.got.empty()) link.advance(*link.next_event_ps() + 1);
  // The first frame's ACK and credit are still on their way back (kReverse); the next item is
  // offered after them, so their events come first and must not swallow its own.
  const uint64_t later = link.now() + 500000;
  ASSERT_TRUE(link.send(numbered(1, 8), later));
  while (auto next = link.next_event_ps()) link.advance(*next + 1);
  ASSERT_EQ(sink.got.size(), 2u);
  EXPECT_EQ(sink.got[1].item, numbered(1, 8));
  // It leaves at the first block time from `later`: 4 blocks (8 + 16 bytes) in one slot.
  const uint64_t start = (later + kSlot - 1) / kSlot * kSlot;
  EXPECT_EQ(sink.got[1].time, start + kSlot + kOneWay);
  EXPECT_TRUE(link.empty());
}

TEST(Link, TheSameSeedGivesTheSameRun) {
  const NoisyRun a = run_noisy(20'000, 7);
  const NoisyRun b = run_noisy(20'000, 7);
  EXPECT_EQ(a.stats, b.stats);
  EXPECT_EQ(a.got, b.got);
  EXPECT_GT(a.stats.crc_errors, 0u);
  const NoisyRun c = run_noisy(20'000, 8);
  EXPECT_NE(a.stats.bit_errors, c.stats.bit_errors);
}

TEST(Link, BadParametersAndMisuseNameTheLinkAndTheField) {
  const auto expect_error = [](const LinkParams& p, const std::string& field) {
    try {
      Link link(p);
      ADD_FAILURE() << "accepted bad " << field;
    } catch (const std::invalid_argument& e) {
      const std::string what = e.what();
      EXPECT_NE(what.find("link 'edge3'"), std::string::npos) << what;
      EXPECT_NE(what.find(field), std::string::npos) << what;
    }
  };
  LinkParams good;
  good.name = "edge3";
  EXPECT_NO_THROW(Link{good});
  const auto with = [&](auto change) {
    LinkParams p = good;
    change(p);
    return p;
  };
  expect_error(with([](LinkParams& p) { p.lanes = 0; }), "lanes");
  expect_error(with([](LinkParams& p) { p.lane_gbps = 0; }), "lane_gbps");
  expect_error(with([](LinkParams& p) { p.lane_gbps = 500; }), "lane_gbps");
  expect_error(with([](LinkParams& p) { p.lane_gbps = NAN; }), "lane_gbps");
  expect_error(with([](LinkParams& p) { p.frame_payload_bytes = 0; }), "frame_payload_bytes");
  expect_error(with([](LinkParams& p) { p.frame_overhead_bytes = 3; }), "frame_overhead_bytes");
  expect_error(with([](LinkParams& p) { p.fec_latency_ns = -1; }), "fec_latency_ns");
  expect_error(with([](LinkParams& p) { p.propagation_ns = INFINITY; }), "propagation_ns");
  expect_error(with([](LinkParams& p) { p.flush_timeout_ns = -5; }), "flush_timeout_ns");
  expect_error(with([](LinkParams& p) { p.credits_frames = 0; }), "credits_frames");
  expect_error(with([](LinkParams& p) { p.retry_buffer_frames = 0; }), "retry_buffer_frames");
  expect_error(with([](LinkParams& p) { p.tx_queue_bytes = 0; }), "tx_queue_bytes");
  expect_error(with([](LinkParams& p) { p.bit_error_rate = 0.01; }), "bit_error_rate");
  expect_error(with([](LinkParams& p) { p.bit_error_rate = -1e-9; }), "bit_error_rate");
  expect_error(with([](LinkParams& p) { p.energy_pj_per_bit = -1; }), "energy_pj_per_bit");
  // 100 + 5 ns out, 115 ns back and 23 ns of frame: a 200 ns timer would replay every frame.
  expect_error(with([](LinkParams& p) { p.replay_timeout_ns = 200; }), "replay_timeout_ns");
  EXPECT_NO_THROW(Link{with([](LinkParams& p) { p.replay_timeout_ns = 244; })});
  EXPECT_THROW(Link{with([](LinkParams& p) { p.name.clear(); })}, std::invalid_argument);

  Link link(good);
  const auto expect_misuse = [](auto call, const std::string& words) {
    try {
      call();
      ADD_FAILURE() << "accepted: " << words;
    } catch (const std::invalid_argument& e) {
      const std::string what = e.what();
      EXPECT_NE(what.find("link 'edge3'"), std::string::npos) << what;
      EXPECT_NE(what.find(words), std::string::npos) << what;
    }
  };
  expect_misuse([&] { link.send(LinkItem{0, 0, 257}, 0); }, "257 bytes");
  expect_misuse([&] { link.send(LinkItem{0, 0, 0}, 0); }, "0 bytes");
  link.advance(1000);
  expect_misuse([&] { link.send(LinkItem{}, 999); }, "before the settled time");
  expect_misuse([&] { link.rx_resume(10); }, "before the settled time");
  ASSERT_TRUE(link.send(LinkItem{}, 1000));
  link.advance(10'000);
  expect_misuse([&] { link.inject_error(0); }, "already been sent");
}

}  // namespace
}  // namespace wvp::test
