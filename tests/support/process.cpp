#include "support/process.h"

#include <signal.h>
#include <unistd.h>

#include <chrono>
#include <cstdlib>
#include <fstream>
#include <mutex>
#include <string>
#include <thread>

namespace wvp::test {

namespace {
// Every temp path handed out is removed when the test process exits.
struct TempFiles {
  std::vector<std::string> paths;
  ~TempFiles() {
    for (const std::string& p : paths) unlink(p.c_str());
  }
};
TempFiles& temp_files() {
  static TempFiles files;
  return files;
}
}  // namespace

std::string temp_path(const std::string& name) {
  // Tests run processes from several threads (test_bad_input.cpp).
  static std::mutex mutex;
  const std::lock_guard<std::mutex> lock(mutex);
  const char* dir = std::getenv("TMPDIR");
  std::string path = std::string(dir ? dir : "/tmp") + "/wvp_test_" + std::to_string(getpid()) + "_" +
                     std::to_string(temp_files().paths.size()) + "_" + name;
  temp_files().paths.push_back(path);
  return path;
}

namespace {

// Runs argv with its output in temp files; `meanwhile(pid)` acts on it before the wait.
template <typename Meanwhile>
ProcessResult run_with(const std::vector<std::string>& argv, int timeout_seconds, Meanwhile&& meanwhile) {
  const std::string out = temp_path("out"), err = temp_path("err");
  ProcessResult r;
  const int pid = spawn_process(argv, out, err);
  meanwhile(pid);
  r.exit_code = wait_process(pid, timeout_seconds, &r.killed_by_signal, &r.usage);
  r.out = read_file(out);
  r.err = read_file(err);
  return r;
}

// The process has a handler for `signal` (its SigCgt mask); false once it has ended.
bool catches(int pid, int signal) {
  std::ifstream status("/proc/" + std::to_string(pid) + "/status");
  for (std::string line; std::getline(status, line);)
    if (line.rfind("SigCgt:", 0) == 0) return (std::stoull(line.substr(7), nullptr, 16) >> (signal - 1)) & 1;
  return false;
}

bool ended(int pid) {
  std::ifstream status("/proc/" + std::to_string(pid) + "/status");
  for (std::string line; std::getline(status, line);)
    if (line.rfind("State:", 0) == 0) return line.find('Z') != std::string::npos;
  return true;
}

// Sets a signal's action to the default while it lives, and the programs started meanwhile
// inherit that: a test run in the background of a non-interactive shell would hand them SIGINT
// ignored, and a program leaves a signal ignored at its start alone, as wafervp does.
class DefaultAction {
 public:
  explicit DefaultAction(int signal) : signal_(signal) {
    struct sigaction action {};
    action.sa_handler = SIG_DFL;
    sigaction(signal_, &action, &previous_);
  }
  ~DefaultAction() { sigaction(signal_, &previous_, nullptr); }
  DefaultAction(const DefaultAction&) = delete;
  DefaultAction& operator=(const DefaultAction&) = delete;

 private:
  int signal_;
  struct sigaction previous_ {};
};

}  // namespace

ProcessResult run_process(const std::vector<std::string>& argv, int timeout_seconds) {
  return run_with(argv, timeout_seconds, [](int) {});
}

ProcessResult run_process_signalled(const std::vector<std::string>& argv, int signal, int after_ms, bool& sent,
                                    int timeout_seconds) {
  sent = false;
  const DefaultAction default_action(signal);
  return run_with(argv, timeout_seconds, [&](int pid) {
    const auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(timeout_seconds);
    while (!catches(pid, signal) && !ended(pid) && std::chrono::steady_clock::now() < deadline)
      std::this_thread::sleep_for(std::chrono::milliseconds(5));
    if (!catches(pid, signal)) return;
    std::this_thread::sleep_for(std::chrono::milliseconds(after_ms));
    sent = !ended(pid) && kill(pid, signal) == 0;
  });
}

}  // namespace wvp::test
