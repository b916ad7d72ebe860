#include "engine/worker_pool.h"

#include <atomic>
#include <stdexcept>
#include <string>
#include <vector>

#include <gtest/gtest.h>

namespace wvp {
namespace {

TEST(WorkerPool, RunsEveryIndexOnceOnAnyThreadCount) {
  for (const unsigned threads : {1u, 2u, 3u, 8u}) {
    WorkerPool pool(threads);
    EXPECT_EQ(pool.threads(), threads);
    for (const size_t count : {size_t{0}, size_t{1}, size_t{7}, size_t{1000}}) {
      std::vector<std::atomic<int>> calls(count);
      pool.for_each(count, [&](size_t i) { calls[i].fetch_add(1); });
      for (size_t i = 0; i < count; ++i) EXPECT_EQ(calls[i].load(), 1) << threads << " threads, index " << i;
    }
  }
}

TEST(WorkerPool, RethrowsTheLowestIndexsExceptionAndStaysUsable) {
  WorkerPool pool(3);
  for (int attempt = 0; attempt < 20; ++attempt) {
    try {
      pool.for_each(64, [](size_t i) {
        if (i % 10 == 7) throw std::runtime_error("index " + std::to_string(i));
      });
      ADD_FAILURE() << "no exception";
    } catch (const std::runtime_error& e) {
      EXPECT_STREQ(e.what(), "index 7");
    }
  }
  std::atomic<size_t> sum{0};
  pool.for_each(100, [&](size_t i) { sum += i; });
  EXPECT_EQ(sum.load(), 4950u);
}

TEST(WorkerPool, RefusesZeroThreads) { EXPECT_THROW(WorkerPool(0), std::invalid_argument); }

}  // namespace
}  // namespace wvp
