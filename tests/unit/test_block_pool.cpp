// The per-tile blocks' pool: zeroed blocks of the asked size and alignment, reused once released,
// from several threads at once.
#include <gtest/gtest.h>

#include <cstdint>
#include <cstring>
#include <set>
#include <stdexcept>
#include <thread>
#include <vector>

#include "tlm/block_pool.h"

namespace wvp::test {
namespace {

TEST(BlockPool, BlocksAreZeroedAlignedAndApart) {
  BlockPool pool(100, 64, 4096);  // 100 bytes round up to 128: 32 blocks a reservation
  EXPECT_EQ(pool.block_bytes(), 128u);
  std::set<uintptr_t> seen;
  for (int i = 0; i < 100; ++i) {  // over several reservations
    auto* block = static_cast<uint8_t*>(pool.allocate());
    ASSERT_EQ(reinterpret_cast<uintptr_t>(block) % 64, 0u);
    for (size_t b = 0; b < pool.block_bytes(); ++b) ASSERT_EQ(block[b], 0) << i;
    std::memset(block, 0xa5, pool.block_bytes());
    for (uintptr_t other : seen)  // no overlap with any earlier block
      ASSERT_TRUE(reinterpret_cast<uintptr_t>(block) + 128 <= other || other + 128 <= reinterpret_cast<uintptr_t>(block));
    seen.insert(reinterpret_cast<uintptr_t>(block));
  }
  EXPECT_EQ(pool.blocks_in_use(), 100u);
}

TEST(BlockPool, AReleasedBlockIsHandedOutAgainZeroed) {
  BlockPool pool(256);
  auto* first = static_cast<uint8_t*>(pool.allocate());
  std::memset(first, 0xff, 256);
  pool.release(first);
  EXPECT_EQ(pool.blocks_in_use(), 0u);
  auto* again = static_cast<uint8_t*>(pool.allocate());
  EXPECT_EQ(again, first);
  for (int b = 0; b < 256; ++b) ASSERT_EQ(again[b], 0) << b;
}

TEST(BlockPool, ThreadsTakeDistinctBlocks) {
  BlockPool pool(48, 16, 1 << 16);
  std::vector<std::vector<void*>> taken(4);
  std::vector<std::thread> threads;
  for (auto& mine : taken)
    threads.emplace_back([&pool, &mine] {
      for (int i = 0; i < 5000; ++i) mine.push_back(pool.allocate());
    });
  for (auto& t : threads) t.join();
  std::set<void*> all;
  for (const auto& mine : taken) all.insert(mine.begin(), mine.end());
  EXPECT_EQ(all.size(), 20000u);
  EXPECT_EQ(pool.blocks_in_use(), 20000u);
}

TEST(BlockPool, RefusesBlocksItCannotCarve) {
  EXPECT_THROW(BlockPool(0), std::invalid_argument);
  EXPECT_THROW(BlockPool(64, 24), std::invalid_argument);      // not a power of two
  EXPECT_THROW(BlockPool(8192, 16, 4096), std::invalid_argument);  // larger than a reservation
}

}  // namespace
}  // namespace wvp::test
