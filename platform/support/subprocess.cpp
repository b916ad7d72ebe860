#include "platform/support/subprocess.h"

#include <fcntl.h>
#include <signal.h>
#include <sys/resource.h>
#include <sys/wait.h>
#include <unistd.h>

#include <algorithm>
#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <deque>
#include <fstream>
#include <sstream>
#include <stdexcept>
#include <thread>

namespace wvp {

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

int wait_process(int pid, int timeout_seconds, bool* killed_by_signal, ProcessUsage* used) {
  int status = 0;
  rusage usage{};
  if (timeout_seconds == 0) {
    wait4(pid, &status, 0, &usage);
  } else {
    const auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(timeout_seconds);
    for (;;) {
      const pid_t r = wait4(pid, &status, WNOHANG, &usage);
      if (r == pid) break;
      if (std::chrono::steady_clock::now() > deadline) {
        kill(pid, SIGKILL);
        wait4(pid, &status, 0, &usage);
        break;
      }
      std::this_thread::sleep_for(std::chrono::milliseconds(5));
    }
  }
  if (killed_by_signal) *killed_by_signal = !WIFEXITED(status);
  if (used) {
    const auto seconds = [](const timeval& t) { return static_cast<double>(t.tv_sec) + static_cast<double>(t.tv_usec) * 1e-6; };
    used->cpu_seconds = seconds(usage.ru_utime) + seconds(usage.ru_stime);
    used->peak_rss_bytes = static_cast<uint64_t>(usage.ru_maxrss) * 1024;  // Linux reports KiB
  }
  return WIFEXITED(status) ? WEXITSTATUS(status) : 128 + WTERMSIG(status);
}

std::string read_file(const std::string& path) {
  std::ifstream f(path, std::ios::binary);
  std::stringstream ss;
  ss << f.rdbuf();
  return ss.str();
}

namespace {

// A forked child that runs one task; its result, or its error, in a file of its own.
struct Child {
  pid_t pid = -1;
  std::string path;
};

Child start_task(size_t index, const std::function<std::string(size_t)>& task) {
  const char* dir = std::getenv("TMPDIR");
  std::string path = std::string(dir && *dir ? dir : "/tmp") + "/wafervp_task_XXXXXX";
  const int fd = mkstemp(path.data());
  if (fd < 0) throw std::runtime_error("cannot create a temporary file in " + path.substr(0, path.rfind('/')));
  close(fd);
  std::fflush(nullptr);  // the child must not write the parent's buffered output a second time
  const pid_t pid = fork();
  if (pid < 0) {
    unlink(path.c_str());
    throw std::runtime_error("fork failed");
  }
  if (pid == 0) {
    int code = 0;
    std::string text;
    try {
      text = task(index);
    } catch (const std::exception& e) {
      text = e.what(), code = 1;
    }
    std::ofstream(path, std::ios::binary) << text;
    _exit(code);  // no destructors or atexit handlers of the parent's objects
  }
  return {pid, path};
}

// Waits for the child; its result, or throws with its error.
std::string finish_task(const Child& c) {
  int status = 0;
  waitpid(c.pid, &status, 0);
  std::string text = read_file(c.path);
  unlink(c.path.c_str());
  if (WIFEXITED(status) && WEXITSTATUS(status) == 0) return text;
  if (WIFEXITED(status) && WEXITSTATUS(status) == 1) throw std::runtime_error(text);
  throw std::runtime_error("a worker process ended with " + (WIFSIGNALED(status) ? "signal " + std::to_string(WTERMSIG(status))
                                                                                   : "exit code " + std::to_string(WEXITSTATUS(status))));
}

}  // namespace

std::vector<std::string> parallel_map(size_t n, unsigned jobs, const std::function<std::string(size_t)>& task) {
  std::vector<std::string> results(n);
  std::deque<std::pair<size_t, Child>> running;
  std::string error;
  size_t next = 0;
  while (next < n || !running.empty()) {
    while (error.empty() && next < n && running.size() < std::max(jobs, 1u)) {
      running.emplace_back(next, start_task(next, task));
      ++next;
    }
    // The oldest first: results and errors come in task order.
    const auto [index, child] = running.front();
    running.pop_front();
    try {
      results[index] = finish_task(child);
    } catch (const std::runtime_error& e) {
      if (error.empty()) error = e.what();
    }
    if (!error.empty() && next < n) next = n;  // start nothing more
  }
  if (!error.empty()) throw std::runtime_error(error);
  return results;
}

}  // namespace wvp
