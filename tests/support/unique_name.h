// SystemC module names must be unique within a process; tests that build several of the same
// model number them.
#pragma once
#include <string>

namespace wvp::test {

inline std::string unique_name(const char* stem) {
  static int counter = 0;
  return std::string(stem) + "_" + std::to_string(counter++);
}

}  // namespace wvp::test
