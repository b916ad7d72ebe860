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

// Allowed output ports at `cur` for a packet from `src` to `dst` (kRamp when cur == dst).
PortMask route_candidates(Routing routing, MeshPoint src, MeshPoint cur, MeshPoint dst);

}  // namespace wvp
