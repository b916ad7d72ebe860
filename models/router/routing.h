// Directions and routing functions of the 2D mesh.
//
// Tile (x, y) has index y * width + x; north is y - 1. A router has five ports: the four mesh
// directions and the ramp to its local tile. A port set is a bit mask over them.
#pragma once
#include <cstdint>
#include <string>

#include "abi/wvp/tile_map.h"

namespace wvp {

enum Port : uint8_t { kNorth = WVP_PORT_N, kEast = WVP_PORT_E, kSouth = WVP_PORT_S, kWest = WVP_PORT_W, kRamp = WVP_PORT_RAMP };
constexpr int kPorts = 5;
using PortMask = uint8_t;
constexpr PortMask port_bit(int p) { return static_cast<PortMask>(1u << p); }
static_assert(port_bit(kNorth) == WVP_TO_N && port_bit(kRamp) == WVP_TO_RAMP, "the firmware's route bits are the ports' bits");
constexpr int opposite(int p) { return p == kRamp ? kRamp : (p + 2) & 3; }
const char* port_name(int p);                        // "N", "E", "S", "W", "RAMP"
bool parse_port(const std::string& text, int& port);  // accepts the names above, any case
const char* direction_name(int p);                         // "north", "east", "south", "west", "ramp"
bool parse_direction(const std::string& text, int& port);  // exactly the names above

// Destination-based routing for synthetic-traffic studies. Dimension order (XY, YX) is
// deterministic; west-first and odd-even are the turn-model adaptive functions (deadlock-free
// without virtual-channel classes), which return every allowed productive direction.
enum class Routing : uint8_t { XY, YX, WestFirst, OddEven };
const char* routing_name(Routing r);
bool parse_routing(const std::string& text, Routing& r);  // "xy", "yx", "west-first", "odd-even"

struct MeshPoint {
  int32_t x, y;
};

// Allowed output ports at `cur` for a packet from `src` to `dst` (kRamp when cur == dst). Inline:
// the fabric routes every head at every hop with it.
inline PortMask route_candidates(Routing routing, MeshPoint src, MeshPoint cur, MeshPoint dst) {
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
