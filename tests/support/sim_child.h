// SystemC allows one elaboration and simulation per process: run each simulation test's body
// in a forked child; its GoogleTest failures print there and fail the test here.
#pragma once
#include <sys/wait.h>
#include <unistd.h>

#include <cstdio>

#include <gtest/gtest.h>

namespace wvp::test {

template <typename Body>
void in_child_process(Body&& body) {
  std::fflush(stdout);
  std::fflush(stderr);
  const pid_t pid = fork();
  ASSERT_GE(pid, 0);
  if (pid == 0) {
    body();
    std::fflush(stdout);
    _exit(::testing::Test::HasFailure() ? 1 : 0);
  }
  int status = 0;
  waitpid(pid, &status, 0);
  EXPECT_TRUE(WIFEXITED(status) && WEXITSTATUS(status) == 0) << "the simulation in the child process failed (see above)";
}

}  // namespace wvp::test
