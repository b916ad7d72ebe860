#include "models/router/timing_wheel.h"

#include <gtest/gtest.h>

#include <vector>

namespace wvp {
namespace {

using Wheel = TimingWheel<uint32_t, 8>;

std::vector<uint32_t> events(const Wheel::List& l) { return {l.begin(), l.end()}; }

TEST(TimingWheel, TakesEachCycleItsEventsInPushOrder) {
  Wheel w;
  w.push(3, 30);
  w.push(1, 10);
  w.push(3, 31);
  EXPECT_EQ(w.size(), 3u);
  Wheel::List l;
  w.take(1, l);
  EXPECT_EQ(events(l), std::vector<uint32_t>{10});
  w.recycle(l);
  w.take(2, l);
  EXPECT_EQ(l.size, 0u);
  w.recycle(l);
  w.take(3, l);
  EXPECT_EQ(events(l), (std::vector<uint32_t>{30, 31}));
  EXPECT_EQ(w.size(), 0u);
}

TEST(TimingWheel, SlotsWrapAroundAfterTheirCycleIsTaken) {
  Wheel w;
  Wheel::List l;
  w.push(5, 1);
  w.take(5, l);
  w.recycle(l);
  w.push(13, 2);  // the slot of cycle 5, eight cycles on
  w.take(13, l);
  EXPECT_EQ(events(l), std::vector<uint32_t>{2});
}

TEST(TimingWheel, EventsPushedForTheCycleBeingHandledWaitForTheNextTake) {
  Wheel w;
  Wheel::List l;
  w.push(4, 1);
  w.take(4, l);
  w.push(4, 2);
  EXPECT_EQ(events(l), std::vector<uint32_t>{1});
  EXPECT_EQ(w.size(), 1u);
  w.recycle(l);
  w.take(4, l);
  EXPECT_EQ(events(l), std::vector<uint32_t>{2});
}

TEST(TimingWheel, GrowsPastOneBufferAndRecyclesItsStorage) {
  Wheel w;
  Wheel::List l;
  for (uint32_t i = 0; i < 1000; ++i) w.push(2, i);
  w.take(2, l);
  ASSERT_EQ(l.size, 1000u);
  for (uint32_t i = 0; i < 1000; ++i) EXPECT_EQ(l[i], i);
  const uint32_t* storage = l.begin();
  w.recycle(l);
  EXPECT_EQ(l.capacity, 0u);
  w.push(3, 7);  // an empty slot takes the storage given back
  w.take(3, l);
  EXPECT_EQ(l.begin(), storage);
  EXPECT_EQ(events(l), std::vector<uint32_t>{7});
}

}  // namespace
}  // namespace wvp
