// parallel_map: tasks in child processes, results in task order for any number of jobs, and a
// task's failure reported as its message.
#include <gtest/gtest.h>

#include <csignal>
#include <stdexcept>
#include <string>
#include <vector>

#include "platform/support/subprocess.h"

namespace wvp::test {
namespace {

std::string square(size_t i) { return std::to_string(i * i); }

TEST(ParallelMap, ResultsComeInTaskOrderForAnyNumberOfJobs) {
  std::vector<std::string> expected;
  for (size_t i = 0; i < 9; ++i) expected.push_back(square(i));
  for (unsigned jobs : {1u, 2u, 4u, 16u}) EXPECT_EQ(parallel_map(9, jobs, square), expected) << jobs;
  EXPECT_TRUE(parallel_map(0, 4, square).empty());
}

TEST(ParallelMap, TasksRunInChildrenSoTheirSideEffectsStayThere) {
  int touched = 0;
  const std::vector<std::string> r = parallel_map(3, 2, [&](size_t i) {
    touched += 1;
    return std::to_string(touched + static_cast<int>(i));
  });
  EXPECT_EQ(r, (std::vector<std::string>{"1", "2", "3"}));
  EXPECT_EQ(touched, 0);
}

TEST(ParallelMap, ATaskThatThrowsOrDiesIsReported) {
  try {
    parallel_map(5, 2, [](size_t i) -> std::string {
      if (i == 3) throw std::invalid_argument("no point 3");
      return "ok";
    });
    FAIL() << "no error";
  } catch (const std::runtime_error& e) {
    EXPECT_STREQ(e.what(), "no point 3");
  }
  try {
    parallel_map(2, 2, [](size_t i) -> std::string {
      if (i == 1) std::raise(SIGKILL);
      return "ok";
    });
    FAIL() << "no error";
  } catch (const std::runtime_error& e) {
    EXPECT_NE(std::string(e.what()).find("signal 9"), std::string::npos) << e.what();
  }
}

}  // namespace
}  // namespace wvp::test
