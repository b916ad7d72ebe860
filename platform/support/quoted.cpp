#include "platform/support/quoted.h"

#include <cstdio>

namespace wvp {

std::string quoted(std::string_view text, size_t max_chars) {
  std::string out = "'";
  size_t shown = 0;
  for (const char c : text) {
    if (shown == max_chars) {
      out += "'... (" + std::to_string(text.size()) + " bytes)";
      return out;
    }
    const auto u = static_cast<unsigned char>(c);
    if (c == '\n') out += "\\n";
    else if (c == '\t') out += "\\t";
    else if (c == '\r') out += "\\r";
    else if (u < 0x20 || u == 0x7f) {
      char hex[8];
      std::snprintf(hex, sizeof hex, "\\x%02x", u);
      out += hex;
    } else {
      out += c;
    }
    ++shown;
  }
  return out + "'";
}

}  // namespace wvp
