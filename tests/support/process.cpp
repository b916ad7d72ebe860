#include "support/process.h"

#include <unistd.h>

#include <cstdlib>
#include <mutex>

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

ProcessResult run_process(const std::vector<std::string>& argv, int timeout_seconds) {
  const std::string out = temp_path("out"), err = temp_path("err");
  ProcessResult r;
  r.exit_code = wait_process(spawn_process(argv, out, err), timeout_seconds);
  r.out = read_file(out);
  r.err = read_file(err);
  return r;
}

}  // namespace wvp::test
