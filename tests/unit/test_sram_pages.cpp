// The wafer's SRAM pages: one image for all tiles, a page copied for a tile at its first write.
#include <gtest/gtest.h>

#include <array>
#include <cstring>
#include <stdexcept>
#include <vector>

#include "models/sram/sram_pages.h"

namespace wvp::test {
namespace {

constexpr uint32_t kPage = SramPages::kPageBytes;

std::vector<uint8_t> read(const SramPages& p, uint32_t tile, uint32_t offset, uint32_t len) {
  std::vector<uint8_t> out(len);
  p.read(tile, offset, out.data(), len);
  return out;
}

TEST(SramPages, FreshPagesReadAsZerosAndCostNothing) {
  SramPages p(1000, 48 * 1024);
  EXPECT_EQ(p.pages_per_tile(), 48u);
  EXPECT_EQ(read(p, 999, 47 * kPage, kPage), std::vector<uint8_t>(kPage, 0));
  EXPECT_EQ(p.host_bytes(), 0u);
  EXPECT_EQ(p.own_pages(), 0u);
}

TEST(SramPages, TheImageIsWrittenOnceForEveryTile) {
  SramPages p(64, 4 * kPage);
  const std::vector<uint8_t> image(kPage + 100, 0x5a);  // a page and a piece of the next
  p.write_every_tile(kPage - 50, image.data(), static_cast<uint32_t>(image.size()));
  for (uint32_t tile : {0u, 31u, 63u}) EXPECT_EQ(read(p, tile, kPage - 50, kPage + 100), image) << tile;
  EXPECT_EQ(read(p, 5, kPage - 51, 1)[0], 0);
  EXPECT_EQ(p.host_bytes(), 3 * kPage);  // the three pages it touched, for all 64 tiles
  EXPECT_EQ(p.own_pages(), 0u);
}

TEST(SramPages, AWriteCopiesThePageForThatTileOnly) {
  SramPages p(4, 4 * kPage);
  const std::array<uint8_t, 8> code{1, 2, 3, 4, 5, 6, 7, 8};
  p.write_every_tile(kPage, code.data(), 8);
  const uint8_t* shared = p.read_page(2, 1);
  const uint32_t stack_word = 0xdeadbeef;
  EXPECT_TRUE(p.write(2, kPage + 4, &stack_word, 4));  // the page was copied
  EXPECT_TRUE(p.owns(2, 1));
  EXPECT_FALSE(p.owns(1, 1));
  EXPECT_NE(p.read_page(2, 1), shared);
  EXPECT_EQ(p.read_page(1, 1), shared);
  // The copy holds the image around what was written; the other tiles still read the image.
  const std::vector<uint8_t> mine = read(p, 2, kPage, 8), theirs = read(p, 1, kPage, 8);
  EXPECT_EQ(std::vector<uint8_t>(mine.begin(), mine.begin() + 4), std::vector<uint8_t>(code.begin(), code.begin() + 4));
  uint32_t back;
  std::memcpy(&back, mine.data() + 4, 4);
  EXPECT_EQ(back, stack_word);
  EXPECT_EQ(theirs, std::vector<uint8_t>(code.begin(), code.end()));
  // Later writes to an own page copy nothing.
  EXPECT_FALSE(p.write(2, kPage + 8, &stack_word, 4));
  EXPECT_EQ(p.own_pages(), 1u);
  EXPECT_EQ(p.host_bytes(), 2 * kPage + 4 * sizeof(void*));  // image page, own page, the tile's table
}

TEST(SramPages, AWriteAcrossPagesCopiesEach) {
  SramPages p(2, 4 * kPage);
  const std::vector<uint8_t> bytes(2 * kPage, 7);
  EXPECT_TRUE(p.write(0, kPage / 2, bytes.data(), 2 * kPage));
  EXPECT_EQ(p.own_pages(), 3u);
  EXPECT_EQ(read(p, 0, kPage / 2, 2 * kPage), bytes);
  EXPECT_EQ(read(p, 1, kPage / 2, 2 * kPage), std::vector<uint8_t>(2 * kPage, 0));
}

TEST(SramPages, TheImageReachesTheCopiesTilesOwnWithoutMovingAnyPage) {
  SramPages p(3, 2 * kPage);
  const uint32_t word = 42;
  p.write(1, 16, &word, 4);
  const uint8_t* own = p.read_page(1, 0);
  const uint8_t* image = p.read_page(0, 0);
  const std::array<uint8_t, 4> patch{9, 9, 9, 9};
  p.write_every_tile(100, patch.data(), 4);
  EXPECT_EQ(p.read_page(1, 0), own);
  EXPECT_EQ(p.read_page(0, 0), image);
  for (uint32_t tile = 0; tile < 3; ++tile) EXPECT_EQ(read(p, tile, 100, 4), std::vector<uint8_t>(patch.begin(), patch.end())) << tile;
  EXPECT_EQ(read(p, 1, 16, 4), std::vector<uint8_t>({42, 0, 0, 0}));  // its own bytes kept
}

TEST(SramPages, TheLastPageMayBeShort) {
  SramPages p(2, kPage + 12);
  EXPECT_EQ(p.pages_per_tile(), 2u);
  EXPECT_EQ(p.page_bytes(0), kPage);
  EXPECT_EQ(p.page_bytes(1), 12u);
  const std::array<uint8_t, 12> tail{1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12};
  p.write_every_tile(kPage, tail.data(), 12);
  p.write(0, kPage, tail.data(), 4);  // copies the 12 bytes there are
  EXPECT_EQ(read(p, 0, kPage, 12), std::vector<uint8_t>(tail.begin(), tail.end()));
}

TEST(SramPages, ShapesWithoutBytesAreRefused) {
  EXPECT_THROW(SramPages(0, 1024), std::invalid_argument);
  EXPECT_THROW(SramPages(1, 0), std::invalid_argument);
  EXPECT_THROW(SramPages(1, 1022), std::invalid_argument);
}

}  // namespace
}  // namespace wvp::test
