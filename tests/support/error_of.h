// The message of the exception a test expects: error_of<E>(fn) runs fn and returns what() of
// the E it throws, "" when it throws none (any other exception goes on to fail the test).
#pragma once
#include <functional>
#include <string>

namespace wvp::test {

template <class E>
std::string error_of(const std::function<void()>& fn) {
  try {
    fn();
  } catch (const E& e) {
    return e.what();
  }
  return "";
}

}  // namespace wvp::test
