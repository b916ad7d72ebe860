// The command line on arbitrary words (one per line of the input): a Command, or an error that
// main() reports as bad input; never another exception, never a crash or a hang. main() prints
// the message through one_line(), so control characters in a path the user typed (which reach
// the message unquoted) still make one line. Parsing reads the files it is given (config, ELF,
// model) and writes nothing.
#include <cstdint>
#include <string>
#include <vector>

#include "fuzz_support.h"
#include "platform/command/options.h"

// The platform's archives bring SystemC in, and libsystemc.so needs an sc_main; libFuzzer's
// main() runs instead of SystemC's.
int sc_main(int, char**) { return 0; }

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  // Command lines longer than this reach nothing new.
  constexpr size_t kMaxWords = 64;
  std::vector<std::string> args(1);
  for (size_t i = 0; i < size && args.size() <= kMaxWords; ++i) {
    if (data[i] == '\0') return 0;  // no word of a command line can hold one
    if (data[i] == '\n') args.emplace_back();
    else args.back() += static_cast<char>(data[i]);
  }
  try {
    wvp::parse_command(args);
  } catch (const std::exception& e) {
    wvp::fuzz::require(wvp::exit_code_of(e) == wvp::Wafer::kExitBadInput, "an exception that is not bad input", e.what());
    wvp::fuzz::require(*e.what() != '\0', "an error without a message");
  }
  return 0;
}
