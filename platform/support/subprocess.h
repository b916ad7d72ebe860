// Child processes: SystemC runs one simulation per process, so whatever runs several (the
// studies, the end-to-end tests, the benches) runs each in a child of its own.
#pragma once
#include <cstddef>
#include <cstdint>
#include <functional>
#include <string>
#include <vector>

namespace wvp {

// Starts argv[0] (a path) with stdin from /dev/null and stdout and stderr to the given files;
// returns its pid. Throws std::runtime_error when it cannot fork.
int spawn_process(const std::vector<std::string>& argv, const std::string& out_path, const std::string& err_path);
// What a process used of the host: CPU time (user and system), which unlike its wall time does
// not depend on what else the host runs, and its peak resident set (what /usr/bin/time -v shows).
struct ProcessUsage {
  double cpu_seconds = 0;
  uint64_t peak_rss_bytes = 0;
};
// Waits for a spawned process, killing it after `timeout_seconds` (0: no limit); returns its exit
// code, 128 + the signal when a signal ended it. `killed_by_signal`, if given, tells that case
// from a process that exited with such a code itself; `usage`, if given, receives what it used.
int wait_process(int pid, int timeout_seconds, bool* killed_by_signal = nullptr, ProcessUsage* usage = nullptr);
// The whole of a file, such as a child's output ("" if it cannot be read).
std::string read_file(const std::string& path);

// task(0) ... task(n - 1), each in a child process forked from this one, up to `jobs` at a time
// (jobs 1: one after the other, still in children, so that every N gives the same results); their
// results in order. A task that throws, or a child that dies, makes it throw std::runtime_error
// with the task's message once the children it started have ended. The task runs in a copy of
// this process: it must not rely on threads of it (fork keeps only the caller's).
std::vector<std::string> parallel_map(size_t n, unsigned jobs, const std::function<std::string(size_t)>& task);

}  // namespace wvp
