// Runs a program to completion and captures its output, for end-to-end tests.
#pragma once
#include <string>
#include <vector>

#include "platform/support/subprocess.h"

namespace wvp::test {

struct ProcessResult {
  int exit_code = -1;  // 128 + signal when killed by a signal
  bool killed_by_signal = false;  // tells that from a program that exited with such a code
  std::string out, err;
  ProcessUsage usage;  // CPU time and peak resident set of the process
};

// argv[0] is the program path; runs with a timeout (seconds), killing the program after it.
ProcessResult run_process(const std::vector<std::string>& argv, int timeout_seconds = 120);

// Like run_process, and sends the program `signal` once it has had a handler for it installed
// for `after_ms` milliseconds (so the signal meets the code under test, not the start-up);
// `sent` tells whether it was sent before the program ended. Linux: reads /proc/PID/status.
ProcessResult run_process_signalled(const std::vector<std::string>& argv, int signal, int after_ms, bool& sent,
                                    int timeout_seconds = 120);

using wvp::spawn_process;  // platform/support/subprocess.h
using wvp::wait_process;
using wvp::read_file;

std::string temp_path(const std::string& name);  // a fresh path under the test's temp dir

}  // namespace wvp::test
