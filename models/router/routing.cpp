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

PortMask route_candidates(Routing routing, MeshPoint src, MeshPoint cur, MeshPoint dst) {
  const int dx = dst.x - cur.x, dy = dst.y - cur.y;
  if (dx == 0 && dy == 0) return port_bit(kRamp);
  const PortMask x_dir = dx > 0 ? port_bit(kEast) : dx < 0 ? port_bit(kWest) : 0;
  const PortMask y_dir = dy > 0 ? port_bit(kSouth) : dy < 0 ? port_bit(kNorth) : 0;
  switch (routing) {
    case Routing::XY: return x_dir ? x_dir : y_dir;
    case Routing::YX: return y_dir ? y_dir : x_dir;
    case Routing::WestFirst:
      // All west hops come first; after that any productive direction.
      return dx < 0 ? port_bit(kWest) : static_cast<PortMask>(x_dir | y_dir);
    case Routing::OddEven: {
      // Chiu's odd-even turn model: no east-to-north/south turn in even columns, no
      // north/south-to-west turn in odd columns.
      if (dx == 0) return y_dir;
      if (dx > 0) {
        if (dy == 0) return x_dir;
        PortMask allowed = 0;
        if ((cur.x & 1) || cur.x == src.x) allowed |= y_dir;
        if ((dst.x & 1) || dx != 1) allowed |= x_dir;
        return allowed;
      }
      PortMask allowed = x_dir;
      if (!(cur.x & 1)) allowed |= y_dir;
      return allowed;
    }
  }
  return 0;
}

}  // namespace wvp
