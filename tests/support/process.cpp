#include "support/process.h"

#include <fcntl.h>
#include <signal.h>
#include <sys/wait.h>
#include <unistd.h>

#include <chrono>
#include <fstream>
#include <sstream>
#include <stdexcept>
#include <thread>

namespace wvp::test {

std::string read_file(const std::string& path) {
  std::ifstream f(path, std::ios::binary);
  std::stringstream ss;
  ss << f.rdbuf();
  return ss.str();
}

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
  const char* dir = std::getenv("TMPDIR");
  std::string path = std::string(dir ? dir : "/tmp") + "/wvp_test_" + std::to_string(getpid()) + "_" +
                     std::to_string(temp_files().paths.size()) + "_" + name;
  temp_files().paths.push_back(path);
  return path;
}

int spawn_process(const std::vector<std::string>& argv, const std::string& out_path, const std::string& err_path) {
  std::vector<char*> args;
  for (const std::string& a : argv) args.push_back(const_cast<char*>(a.c_str()));
  args.push_back(nullptr);
  const pid_t pid = fork();
  if (pid < 0) throw std::runtime_error("fork failed");
  if (pid == 0) {
    const int out = open(out_path.c_str(), O_WRONLY | O_CREAT | O_TRUNC, 0644);
    const int err = open(err_path.c_str(), O_WRONLY | O_CREAT | O_TRUNC, 0644);
    const int in = open("/dev/null", O_RDONLY);
    if (out < 0 || err < 0 || in < 0) _exit(126);
    dup2(in, 0), dup2(out, 1), dup2(err, 2);
    execv(args[0], args.data());
    _exit(127);
  }
  return pid;
}

int wait_process(int pid, int timeout_seconds) {
  const auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(timeout_seconds);
  int status = 0;
  for (;;) {
    const pid_t r = waitpid(pid, &status, WNOHANG);
    if (r == pid) break;
    if (std::chrono::steady_clock::now() > deadline) {
      kill(pid, SIGKILL);
      waitpid(pid, &status, 0);
      break;
    }
    std::this_thread::sleep_for(std::chrono::milliseconds(5));
  }
  return WIFEXITED(status) ? WEXITSTATUS(status) : 128 + WTERMSIG(status);
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
