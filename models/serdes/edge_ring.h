// Runs a fabric together with the off-wafer links on its edge ports. Each EdgeBridge (an edge
// SerDes, the optical Z ports between two wafers) owns some attached edge ports and the links
// behind them; the ring is the fabric's client for those ports (every other callback goes on to
// `inner`) and the scheduler of fabric and links.
//
// Time. The fabric counts cycles, the links picoseconds (engine/clock.h). The ring
// advances both conservatively: the bridges settle every link event up to the fabric's cycle,
// earliest first across all bridges, then the fabric runs up to the cycle of the next link event
// and stops early at any cycle where it hands a bridge something (a wavelet out, a freed input
// slot), so neither side is ever asked to act in its settled past.
#pragma once
#include <cstdint>
#include <optional>
#include <string>
#include <unordered_map>
#include <vector>

#include "engine/clock.h"
#include "models/router/fabric.h"

namespace wvp {

class EdgeBridge {
 public:
  virtual ~EdgeBridge() = default;
  // Its edge ports: tile and direction of port i < ports().
  virtual uint32_t ports() const = 0;
  virtual uint32_t port_tile(uint32_t port) const = 0;
  virtual int port_dir(uint32_t port) const = 0;
  // Attaches the ports to `fabric` (with link credits). Throws std::invalid_argument naming the
  // bridge and the router for a port another bridge already holds.
  virtual void attach(Fabric& fabric) = 0;
  virtual const Clock& clock() const = 0;

  // From the fabric: a wavelet leaves through `port` (arrival cycle at the far end), a slot of
  // `port`'s input buffer frees (cycle from which it is free).
  virtual void edge_out(uint32_t port, uint32_t color, uint32_t wavelet, uint64_t cycle) = 0;
  virtual void edge_space(uint32_t port, uint32_t color, uint64_t cycle) = 0;

  // The earliest event of its links; advance() settles every event before `limit_ps`.
  virtual std::optional<uint64_t> next_event_ps() const = 0;
  virtual void advance(uint64_t limit_ps) = 0;
  // Nothing in flight: it will not act by itself.
  virtual bool idle() const = 0;

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
  // Settles the fabric and every link up to cycle `limit` (the fabric's now() is then `limit`).
  uint64_t advance(uint64_t limit);
  // FabricDriver: one step of advance(): the links up to the fabric's cycle, then the fabric up
  // to the next link event.
  void step(uint64_t limit) override;
  bool idle() const override;

  void rx_arrival(uint32_t tile, uint32_t color, uint64_t cycle) override { inner_->rx_arrival(tile, color, cycle); }
  void tx_space(uint32_t tile, uint32_t color, uint64_t cycle) override { inner_->tx_space(tile, color, cycle); }
  void edge_out(uint32_t tile, int dir, uint32_t color, uint32_t wavelet, uint64_t cycle) override;
  void edge_space(uint32_t tile, int dir, uint32_t color, uint64_t cycle) override;

 private:
  void settle_links(uint64_t cycle);  // every link event up to ps(cycle), in time order

  Fabric& fabric_;
  Fabric::Client no_client_;
  Fabric::Client* inner_;
  std::vector<EdgeBridge*> bridges_;
  std::unordered_map<uint32_t, std::pair<EdgeBridge*, uint32_t>> ports_;  // tile * 4 + dir -> bridge, port
};

}  // namespace wvp
