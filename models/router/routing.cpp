#include "models/router/routing.h"

#include <algorithm>
#include <cctype>

namespace wvp {

const char* port_name(int p) {
  static const char* const kNames[kPorts] = {"N", "E", "S", "W", "RAMP"};
  return p >= 0 && p < kPorts ? kNames[p] : "?";
}

const char* direction_name(int p) {
  static const char* const kNames[kPorts] = {"north", "east", "south", "west", "ramp"};
  return p >= 0 && p < kPorts ? kNames[p] : "?";
}

bool parse_direction(const std::string& text, int& port) {
  for (int p = 0; p < kPorts; ++p)
    if (text == direction_name(p)) {
      port = p;
      return true;
    }
  return false;
}

bool parse_port(const std::string& text, int& port) {
  std::string upper = text;
  std::transform(upper.begin(), upper.end(), upper.begin(), [](unsigned char c) { return std::toupper(c); });
  for (int p = 0; p < kPorts; ++p)
    if (upper == port_name(p)) {
      port = p;
      return true;
    }
  return false;
}

const char* routing_name(Routing r) {
  switch (r) {
    case Routing::XY: return "xy";
    case Routing::YX: return "yx";
    case Routing::WestFirst: return "west-first";
    case Routing::OddEven: return "odd-even";
  }
  return "?";
}

bool parse_routing(const std::string& text, Routing& r) {
  for (Routing candidate : {Routing::XY, Routing::YX, Routing::WestFirst, Routing::OddEven})
    if (text == routing_name(candidate)) {
      r = candidate;
      return true;
    }
  return false;
}

}  // namespace wvp
