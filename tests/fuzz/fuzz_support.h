// What every fuzz target checks beside "no crash, hang or leak": an input is refused with one
// line that names the file, never accepted half-way, and the bytes reach loaders that take a path
// through a file of this process's own.
#pragma once
#include <unistd.h>

#include <cstdio>
#include <cstdlib>
#include <fstream>
#include <string>
#include <string_view>

namespace wvp::fuzz {

// Stops the run as a crash (libFuzzer saves the input) when `ok` is false.
inline void require(bool ok, const char* what, std::string_view detail = {}) {
  if (ok) return;
  std::fprintf(stderr, "fuzz property broken: %s\n%.*s\n", what, static_cast<int>(detail.size()), detail.data());
  std::abort();
}

// An error for a bad input: one line starting with `source`, of bounded length: quoted() cuts
// user input at 64 characters, each at most a 4-character escape, and an error quotes up to two
// pieces of input (a route and its bad part).
inline void require_clear_error(const std::string& message, const std::string& source) {
  require(message.rfind(source, 0) == 0, "the error does not start with the file's name", message);
  require(message.find('\n') == std::string::npos && message.find('\r') == std::string::npos, "the error has a line break",
          message);
  require(message.size() < 1024, "the error is longer than a line should be", message.substr(0, 1024));
}

// A file holding `data`, rewritten for each input, one per process (fuzzing jobs run side by
// side); in TMPDIR, else in memory (/dev/shm): on a disk, truncating and rewriting it for every
// input made the run wait on the file system five times longer than it computed.
inline const std::string& input_file(const uint8_t* data, size_t size, const char* suffix) {
  static const std::string path = [&] {
    const char* tmpdir = std::getenv("TMPDIR");
    const std::string dir = tmpdir && *tmpdir ? tmpdir : ::access("/dev/shm", W_OK) == 0 ? "/dev/shm" : "/tmp";
    return dir + "/wvp_fuzz_" + std::to_string(::getpid()) + suffix;
  }();
  static const struct Removal {
    ~Removal() { std::remove(path.c_str()); }
  } at_exit;
  std::ofstream(path, std::ios::binary | std::ios::trunc).write(reinterpret_cast<const char*>(data), static_cast<std::streamsize>(size));
  return path;
}

}  // namespace wvp::fuzz
