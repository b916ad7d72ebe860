#include "platform/support/input_file.h"

#include <sys/stat.h>

#include <fstream>

namespace wvp {

std::string input_file_problem(const std::string& path, const std::string& noun, uint64_t max_bytes, uint64_t& size) {
  struct stat st {};
  // stat, not open: opening a FIFO would block until a writer comes.
  if (::stat(path.c_str(), &st) != 0) return "cannot open " + noun;
  if (S_ISDIR(st.st_mode)) return "is a directory";
  if (!S_ISREG(st.st_mode)) return "is not a regular file (a device, FIFO or socket)";
  size = static_cast<uint64_t>(st.st_size);
  if (size > max_bytes)
    return "is " + std::to_string(size) + " bytes, more than the " + std::to_string(max_bytes) + " a valid one can have";
  return "";
}

std::string read_input_file(const std::string& path, const std::string& noun, uint64_t max_bytes, std::string& bytes) {
  uint64_t size = 0;
  if (std::string problem = input_file_problem(path, noun, max_bytes, size); !problem.empty()) return problem;
  std::ifstream in(path, std::ios::binary);
  if (!in) return "cannot open " + noun;
  // The size stat gave, not "until the end": the file may grow while it is read.
  bytes.resize(size);
  if (!in.read(bytes.data(), static_cast<std::streamsize>(size))) return "read error";
  return "";
}

}  // namespace wvp
