// User input quoted in an error message: one line, readable length. A 10 MB config value or a key
// with line breaks must not become a 10 MB or many-line error.
#pragma once
#include <string>
#include <string_view>

namespace wvp {

// 'text' with control characters escaped (\n, \t, \xHH) and, past `max_chars`, cut with "..." and
// the full length in bytes. Call it wvp::quoted: unqualified, a std::string argument makes
// argument-dependent lookup prefer std::quoted.
std::string quoted(std::string_view text, size_t max_chars = 64);

// The same without the quotes, for a whole message that may carry user input nobody quoted (the
// last line of defence before an error reaches the terminal).
std::string one_line(std::string_view text, size_t max_chars = 1000);

}  // namespace wvp
