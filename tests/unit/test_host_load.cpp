// The host's load of a wafer (platform/host/host_load.h): through the links, with bit errors forcing
// replays, every tile's SRAM ends byte for byte as the backdoor leaves it, a parameter written
// over the image's data included; the image crosses the links once for all tiles; writes that do
// not fit are refused before anything is sent.
#include <gtest/gtest.h>

#include <cstring>
#include <random>
#include <string>
#include <vector>

#include "platform/host/host_load.h"
#include "platform/assembly/wafer.h"
#include "support/program_image.h"
#include "support/sim_child.h"

namespace wvp::test {
namespace {

PlatformConfig config(HostLoadPath path) {
  PlatformConfig c;
  c.grid_width = 3, c.grid_height = 2;
  c.host.load = path;
  c.host.links = 5;
  // About one frame in 40 corrupted: the CRC catches it and the link replays it.
  c.host.bit_error_rate = 1e-5;
  return c;
}

// An image of two segments (code, then data and a tail of .bss), 70 KiB of tile data in all and
// two parameters, one inside the data segment.
struct Load {
  ElfImage image;
  std::vector<std::vector<uint8_t>> tile_data;
  uint32_t tile_addr = kProgramBase + 0x6000;
  uint32_t poke_in_data = kProgramBase + 0x4010, poke_in_bss = kProgramBase + 0x5800;

  explicit Load(size_t tiles) {
    std::mt19937 rng(7);
    image = program({{0x0, 0x13}, {0x1ffc, 0x13}});
    ElfSegment data;
    data.vaddr = kProgramBase + 0x4000;
    data.bytes.resize(0x1234);
    for (auto& b : data.bytes) b = static_cast<uint8_t>(rng());
    data.mem_size = 0x2000;
    image.segments.push_back(data);
    for (size_t t = 0; t < tiles; ++t) {
      std::vector<uint8_t> bytes(12000 + 100 * t);
      for (auto& b : bytes) b = static_cast<uint8_t>(rng());
      tile_data.push_back(bytes);
    }
  }

  std::optional<HostLoadSummary> into(Wafer& wafer) const {
    HostLoad host(wafer);
    host.image(image);
    for (size_t t = 0; t < tile_data.size(); ++t) host.write(t, tile_addr, tile_data[t]);
    host.poke(poke_in_data, 0xdeadbeef);
    host.poke(poke_in_bss, 42);
    return host.finish();
  }
};

TEST(HostLoad, ThroughTheLinksTheSramEndsAsTheBackdoorLeavesIt) {
  in_child_process([] {
    Wafer backdoor("backdoor", config(HostLoadPath::Backdoor), nullptr);
    Wafer links("links", config(HostLoadPath::Links), nullptr);
    const Load load(backdoor.tile_count());
    EXPECT_FALSE(load.into(backdoor));
    const std::optional<HostLoadSummary> s = load.into(links);
    ASSERT_TRUE(s);

    const uint32_t sram = backdoor.config().sram.size_bytes;
    for (uint32_t y = 0; y < backdoor.height(); ++y)
      for (uint32_t x = 0; x < backdoor.width(); ++x) {
        std::vector<uint8_t> through_backdoor(sram), through_links(sram);
        backdoor.sram().read(backdoor.tile_index(x, y), 0, through_backdoor.data(), sram);
        links.sram().read(links.tile_index(x, y), 0, through_links.data(), sram);
        EXPECT_EQ(through_backdoor, through_links) << pe_name(x, y);
        EXPECT_EQ(links.core(x, y).pc(), kProgramBase);
      }
    uint32_t word = 0;
    links.sram().read(links.tile_index(2, 1), load.poke_in_data - kProgramBase, &word, 4);
    EXPECT_EQ(word, 0xdeadbeefu);  // the parameter landed after the image's data under it

    // The image and the parameters cross once for all 6 tiles, the tile data once per tile.
    uint64_t image_bytes = 0, tile_bytes = 0;
    for (const ElfSegment& seg : load.image.segments) image_bytes += seg.bytes.size();
    for (const auto& d : load.tile_data) tile_bytes += d.size();
    EXPECT_EQ(s->broadcast_bytes, image_bytes + 8);
    EXPECT_EQ(s->tile_bytes, tile_bytes);
    EXPECT_EQ(s->report.bytes, image_bytes + 8 + tile_bytes);
    EXPECT_EQ(s->sram_bytes, (image_bytes + 8) * 6 + tile_bytes);
    EXPECT_EQ(s->segments, 2u + 6 + 2);
    EXPECT_EQ(s->batches, 2u);  // the parameter inside the data waits for the image
    EXPECT_GT(s->retries(), 0u);
    EXPECT_GE(static_cast<double>(s->report.load_ps), s->report.first_principles_ps);
    ASSERT_EQ(s->report.link_utilisation.size(), 5u);
  });
}

TEST(HostLoad, WritesOutsideTheSramAreRefusedBeforeAnythingIsSent) {
  in_child_process([] {
    Wafer wafer("wafer", config(HostLoadPath::Links), nullptr);
    HostLoad host(wafer);
    const uint32_t end = kProgramBase + wafer.config().sram.size_bytes;
    try {
      host.write(0, end - 8, std::vector<uint8_t>(16));
      FAIL() << "no error";
    } catch (const LoadError& e) {
      EXPECT_EQ(std::string(e.what()), "16 bytes at 0x8000bff8 do not fit the tile's SRAM");
    }
    try {
      host.poke(kProgramBase + 2, 1);
      FAIL() << "no error";
    } catch (const LoadError& e) {
      EXPECT_EQ(std::string(e.what()), "address 0x80000002 is not an aligned word in the tile's SRAM");
    }
    const std::optional<HostLoadSummary> s = host.finish();
    ASSERT_TRUE(s);
    EXPECT_EQ(s->report.bytes, 0u);
    EXPECT_EQ(s->batches, 0u);
  });
}

}  // namespace
}  // namespace wvp::test
