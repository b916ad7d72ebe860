// Joins a fabric to the off-wafer links on its edge ports. Each EdgeBridge (an edge SerDes, the
// optical Z ports between two wafers) owns some attached edge ports and the links behind them;
// the ring is the fabric's client for those ports (every other callback goes on to `inner`) and
// steps fabric and links together (engine/link_stepper.h).
#pragma once
#include <cstdint>
#include <string>
#include <unordered_map>
#include <vector>

#include "engine/link_stepper.h"
#include "models/router/fabric.h"

namespace wvp {

class EdgeBridge : public TimedLinks {
 public:
  // Its edge ports: tile and direction of port i < ports().
  virtual uint32_t ports() const = 0;
  virtual uint32_t port_tile(uint32_t port) const = 0;
  virtual int port_dir(uint32_t port) const = 0;
  // Attaches the ports to `fabric` (with link credits). Throws std::invalid_argument naming the
  // bridge and the router for a port another bridge already holds.
  virtual void attach(Fabric& fabric) = 0;

  // From the fabric: a wavelet leaves through `port` (arrival cycle at the far end), a slot of
  // `port`'s input buffer frees (cycle from which it is free).
  virtual void edge_out(uint32_t port, uint32_t color, uint32_t wavelet, uint64_t cycle) = 0;
  virtual void edge_space(uint32_t port, uint32_t color, uint64_t cycle) = 0;

 protected:
  // For attach(): attaches every port to `fabric` with link credits. Throws std::invalid_argument
  // starting with `who` when the fabric is not the width x height grid the bridge was made for,
  // or naming the router of a port another bridge holds.
  void attach_ports(Fabric& fabric, uint32_t width, uint32_t height, const std::string& who) const;
};

class EdgeRing : public Fabric::Client, public FabricDriver {
 public:
  EdgeRing(Fabric& fabric, Fabric::Client* inner = nullptr);
  // Attaches `bridge` to the fabric (see EdgeBridge::attach); it must outlive the ring.
  void add(EdgeBridge& bridge);
  // A timed side with no ports of its own (the links to other ranks, platform/assembly/rank_links.h),
  // stepped before every bridge at equal times; it must outlive the ring.
  void add_first(TimedLinks& links) { stepper_.add_first(links); }
  // Settles the fabric and every link up to cycle `limit` (the fabric's now() is then `limit`).
  uint64_t advance(uint64_t limit) { return stepper_.advance(limit); }
  // FabricDriver: one step of advance().
  void step(uint64_t limit) override { stepper_.step(limit); }
  bool idle() const override { return stepper_.idle(); }

  void rx_arrival(uint32_t tile, uint32_t color, uint64_t cycle) override { inner_->rx_arrival(tile, color, cycle); }
  void tx_space(uint32_t tile, uint32_t color, uint64_t cycle) override { inner_->tx_space(tile, color, cycle); }
  void edge_out(uint32_t tile, int dir, uint32_t color, uint32_t wavelet, uint64_t cycle) override;
  void edge_space(uint32_t tile, int dir, uint32_t color, uint64_t cycle) override;

 private:
  struct FabricSide : CycleStepped {
    explicit FabricSide(Fabric& f) : fabric(f) {}
    uint64_t now() const override { return fabric.now(); }
    void advance(uint64_t limit) override { fabric.advance(limit); }
    Fabric& fabric;
  };

  Fabric& fabric_;
  FabricSide fabric_side_;
  LinkStepper stepper_;
  Fabric::Client no_client_;
  Fabric::Client* inner_;
  std::unordered_map<uint32_t, std::pair<EdgeBridge*, uint32_t>> ports_;  // tile * 4 + dir -> bridge, port
};

}  // namespace wvp
