// The host's loader (models/host/host_loader.h): 12 MiB over WSE-3's 12 x 100 GbE in the time
// the data rate after 64b/66b and framing allows, segments of every size arriving intact and in
// place through links whose bit errors force replays, striping over the links, bad parameters.
#include <gtest/gtest.h>

#include <algorithm>
#include <cstdio>
#include <cstring>
#include <random>
#include <stdexcept>
#include <string>
#include <vector>

#include "models/host/host_loader.h"

namespace wvp::test {
namespace {

std::vector<uint8_t> random_bytes(size_t n, uint64_t seed) {
  std::mt19937_64 rng(seed);
  std::vector<uint8_t> bytes(n);
  for (auto& b : bytes) b = static_cast<uint8_t>(rng());
  return bytes;
}

// The wafer's memory as the write callback fills it, with a count of the bytes written.
struct Target {
  explicit Target(size_t size) : mem(size) {}
  std::vector<uint8_t> mem;
  uint64_t written = 0;
  HostLoader::Write writer() {
    return [this](uint64_t address, std::span<const uint8_t> bytes) {
      ASSERT_LE(address + bytes.size(), mem.size());
      std::memcpy(mem.data() + address, bytes.data(), bytes.size());
      written += bytes.size();
    };
  }
};

TEST(HostLoader, TwelveLinksLoadAtTheirDataRateAfterFraming) {
  HostLoaderParams p;  // 12 links of 4 x 25.78125 Gb/s, 256-byte frames
  HostLoader loader(p);
  // 100 Gb/s of data per link after 64b/66b; a 256-byte frame is 34 blocks of 8 bytes.
  EXPECT_DOUBLE_EQ(loader.frame_efficiency(), 256.0 / 272);
  const size_t n = (size_t{12} << 20) + 1000;  // not a whole number of chunks per link
  const std::vector<uint8_t> image = random_bytes(n, 1);
  Target target(n + 0x1000);
  const HostLoadReport r = loader.load({{0x1000, image}}, target.writer());

  ASSERT_TRUE(r.intact());
  EXPECT_EQ(r.bytes, n);
  EXPECT_EQ(r.delivered_bytes, n);
  EXPECT_EQ(target.written, n);
  EXPECT_EQ(0, std::memcmp(target.mem.data() + 0x1000, image.data(), n));

  // bytes / (12 x 100 Gb/s x 256/272): 89.1 us. The simulated load adds the last frame's FEC
  // and propagation (105 ns) and the uneven share (one link carries a 4097th chunk), and is
  // held to 0.1% beyond those.
  const double ideal_ps = n * 8.0 / (12 * 100 * 256.0 / 272) * 1000;
  EXPECT_NEAR(r.first_principles_ps, ideal_ps, 1e-6 * ideal_ps);
  EXPECT_GE(static_cast<double>(r.load_ps), r.first_principles_ps);
  EXPECT_LE(static_cast<double>(r.load_ps), r.first_principles_ps * 1.001 + 105'000 + loader.link(0).frame_time_ps(256));
  ASSERT_EQ(r.link_utilisation.size(), 12u);
  for (size_t i = 0; i < 12; ++i) {
    EXPECT_GT(r.link_utilisation[i], 0.99) << "link " << i;
    EXPECT_LE(r.link_utilisation[i], 1.0) << "link " << i;
  }
  std::printf("12 links: %zu bytes in %.3f us simulated, %.3f us from first principles (%.2f%% more); "
              "utilisation %.4f to %.4f\n",
              n, r.load_ps / 1e6, r.first_principles_ps / 1e6, (r.load_ps / r.first_principles_ps - 1) * 100,
              *std::min_element(r.link_utilisation.begin(), r.link_utilisation.end()),
              *std::max_element(r.link_utilisation.begin(), r.link_utilisation.end()));
}

TEST(HostLoader, SegmentsArriveIntactAndInPlaceThroughBitErrors) {
  HostLoaderParams p;
  p.links = 3;
  // About one frame in 45 corrupted: go-back-N replays it and the frames sent behind it.
  p.link.bit_error_rate = 1e-5;
  HostLoader loader(p);
  // An ELF's text and data, an empty segment, a weight shard, at unaligned addresses.
  const std::vector<uint8_t> text = random_bytes(10'000, 2), data = random_bytes(333, 3);
  const std::vector<uint8_t> shard = random_bytes((1 << 20) + 7, 4);
  const std::vector<LoadSegment> segments = {{0x0, text}, {0x10003, data}, {0x20000, {}}, {0x200005, shard}};
  Target target(4 << 20);
  const HostLoadReport r = loader.load(segments, target.writer(), 1'000'000);

  ASSERT_TRUE(r.intact()) << r.mismatched_bytes << " bytes differ, " << r.delivered_bytes << " of " << r.bytes << " delivered";
  EXPECT_EQ(target.written, r.bytes);  // every byte once
  std::vector<uint8_t> expected(4 << 20);
  for (const LoadSegment& s : segments) std::copy(s.bytes.begin(), s.bytes.end(), expected.begin() + s.address);
  EXPECT_TRUE(target.mem == expected);

  uint64_t retries = 0, crc_errors = 0;
  for (const LinkStats& s : r.link_stats) retries += s.retries, crc_errors += s.crc_errors;
  EXPECT_GT(crc_errors, 0u);
  EXPECT_GE(retries, crc_errors);
  EXPECT_EQ(r.start_ps, 1'000'000u);
  EXPECT_GT(static_cast<double>(r.load_ps), r.first_principles_ps);  // replays cost time
  std::printf("3 links at BER 1e-5: %llu bytes in %.3f us, %.3f us from first principles; "
              "%llu CRC errors, %llu frames replayed\n",
              static_cast<unsigned long long>(r.bytes), r.load_ps / 1e6, r.first_principles_ps / 1e6,
              static_cast<unsigned long long>(crc_errors), static_cast<unsigned long long>(retries));
}

TEST(HostLoader, ChunksAreDealtOverTheLinksAcrossSegments) {
  HostLoader loader(HostLoaderParams{});
  // 24 segments of one 100-byte chunk each: two for every link, each behind a 32-byte header.
  std::vector<std::vector<uint8_t>> bytes;
  std::vector<LoadSegment> segments;
  for (int s = 0; s < 24; ++s) bytes.push_back(random_bytes(100, 10 + s));
  for (int s = 0; s < 24; ++s) segments.push_back({uint64_t(s) * 128, bytes[s]});
  Target target(24 * 128);
  const HostLoadReport r = loader.load(segments, target.writer());
  ASSERT_TRUE(r.intact());
  for (size_t i = 0; i < 12; ++i) EXPECT_EQ(r.link_stats[i].payload_bytes, 2u * (HostLoader::kHeaderBytes + 100)) << i;
  for (int s = 0; s < 24; ++s) EXPECT_EQ(0, std::memcmp(target.mem.data() + s * 128, bytes[s].data(), 100)) << s;

  // A second load continues from the links' time; a third starts later, when the ACKs and
  // credits of the second are long settled, and takes what one chunk alone takes.
  const HostLoadReport again = loader.load({segments[0]}, target.writer());
  EXPECT_GE(again.start_ps, r.end_ps);
  EXPECT_EQ(again.delivered_bytes, 100u);
  const uint64_t later = again.end_ps + 10'000'000;
  const HostLoadReport last = loader.load({segments[1]}, target.writer(), later);
  EXPECT_EQ(last.start_ps, later);
  EXPECT_EQ(last.delivered_bytes, 100u);
  // The header and the chunk in one frame (132 bytes and 16 of overhead: 19 blocks, 5 block
  // times of 2.56 ns from the next block time), then FEC and propagation.
  const uint64_t slot = 2560, first_slot = (later + slot - 1) / slot;
  EXPECT_EQ(last.end_ps, (first_slot + 5) * slot + 105'000);
}

TEST(HostLoader, BadParametersNameTheLoader) {
  HostLoaderParams p;
  p.name = "host7";
  p.links = 0;
  try {
    HostLoader loader(p);
    ADD_FAILURE() << "no exception";
  } catch (const std::invalid_argument& e) {
    EXPECT_NE(std::string(e.what()).find("host loader 'host7': links"), std::string::npos) << e.what();
  }
  p.links = 2;
  p.link.lanes = 0;
  try {
    HostLoader loader(p);
    ADD_FAILURE() << "no exception";
  } catch (const std::invalid_argument& e) {
    const std::string what = e.what();
    EXPECT_NE(what.find("host loader 'host7'"), std::string::npos) << what;
    EXPECT_NE(what.find("lanes"), std::string::npos) << what;
  }
}

}  // namespace
}  // namespace wvp::test
