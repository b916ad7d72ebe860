#include "platform/support/quoted.h"

#include <cstdio>

namespace wvp {

namespace {

// `text` escaped, cut after `max_chars` characters; `cut` says whether it was.
std::string escaped(std::string_view text, size_t max_chars, bool& cut) {
  std::string out;
  size_t shown = 0;
  cut = false;
  for (const char c : text) {
    if (shown == max_chars) {
      cut = true;
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
  return out;
}

std::string length_note(std::string_view text) { return "... (" + std::to_string(text.size()) + " bytes)"; }

}  // namespace

std::string quoted(std::string_view text, size_t max_chars) {
  bool cut;
  const std::string shown = "'" + escaped(text, max_chars, cut) + "'";
  return cut ? shown + length_note(text) : shown;
}

std::string one_line(std::string_view text, size_t max_chars) {
  bool cut;
  const std::string shown = escaped(text, max_chars, cut);
  return cut ? shown + length_note(text) : shown;
}

}  // namespace wvp
