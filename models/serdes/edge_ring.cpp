#include "models/serdes/edge_ring.h"

#include <stdexcept>

namespace wvp {

void EdgeBridge::attach_ports(Fabric& fabric, uint32_t width, uint32_t height, const std::string& who) const {
  if (fabric.params().width != width || fabric.params().height != height)
    throw std::invalid_argument(who + ": made for a " + std::to_string(width) + "x" + std::to_string(height) +
                                " grid, attached to another");
  for (uint32_t port = 0; port < ports(); ++port) {
    const uint32_t tile = port_tile(port);
    try {
      fabric.attach_edge(tile, port_dir(port), true);
    } catch (const FabricError& e) {
      throw std::invalid_argument(who + ": edge port " + port_name(port_dir(port)) + " of router (" +
                                  std::to_string(tile % width) + "," + std::to_string(tile / width) + "): " + e.what());
    }
  }
}

EdgeRing::EdgeRing(Fabric& fabric, Fabric::Client* inner)
    : fabric_(fabric), fabric_side_(fabric), stepper_(fabric_side_), inner_(inner ? inner : &no_client_) {
  fabric_.set_client(this);
}

void EdgeRing::add(EdgeBridge& bridge) {
  bridge.attach(fabric_);
  stepper_.add(bridge);
  for (uint32_t port = 0; port < bridge.ports(); ++port)
    ports_[bridge.port_tile(port) * 4 + static_cast<uint32_t>(bridge.port_dir(port))] = {&bridge, port};
}

void EdgeRing::edge_out(uint32_t tile, int dir, uint32_t color, uint32_t wavelet, uint64_t cycle) {
  const auto& [bridge, port] = ports_.at(tile * 4 + static_cast<uint32_t>(dir));
  bridge->edge_out(port, color, wavelet, cycle);
  fabric_.stop_at(cycle);  // the link may answer (a credit) from that cycle on
}

void EdgeRing::edge_space(uint32_t tile, int dir, uint32_t color, uint64_t cycle) {
  const auto& [bridge, port] = ports_.at(tile * 4 + static_cast<uint32_t>(dir));
  bridge->edge_space(port, color, cycle);
}

}  // namespace wvp
