// Edge SerDes: a module on the wafer's perimeter that bridges a group of consecutive edge
// routers to an off-wafer link. It owns one Link per direction: `out` takes the wavelets that
// leave the wafer through its group's edge ports, `in` brings items from the far end into the
// wafer through those ports. Its far end is another SerDes (connect(): a cable, whose two
// directions are the two SerDes' out links, or a loopback when it is connected to itself), or
// whatever the out link's deliver callback is set to and sends into `in`.
//
// A wavelet becomes one LinkItem: data = the 32-bit wavelet, tag = color | port << 8 (the port's
// index in the group, so it re-enters through the port of the same index at the far end), and
// kWaveletBytes = 5 bytes of frame payload: 4 of data and 1 of header carrying the 5-bit color
// and the port. The fabric's ports lend their credits to the link (Fabric::attach_edge with
// link_credits): a credit goes back when the out link's send queue has taken the wavelet, so a
// link slower than its ports (one wavelet per cycle each) backs up into the wafer.
//
// Time. The fabric counts cycles of core.clock_hz, the links picoseconds. Cycle c is ps(c) =
// round(c x period) (1.1 GHz: 909.09 ps, so not an integer multiple), and a link time t falls
// in cycle_of(t), the first cycle c with ps(c) >= t: a wavelet never enters the wafer before its
// link delivered it. EdgeRing advances the fabric and every link together, conservatively: the
// links settle every time up to the fabric's cycle, then the fabric runs up to the cycle of the
// next link event and stops early at any cycle where it hands the links something (a wavelet
// out, a freed input slot), so neither side is ever asked to act in its settled past.
#pragma once
#include <cstdint>
#include <memory>
#include <stdexcept>
#include <string>
#include <unordered_map>
#include <vector>

#include "models/link/link.h"
#include "models/router/fabric.h"

namespace wvp {

struct EdgeSerdesParams {
  std::string name = "serdes0";  // in every error message and the links' names
  int edge = kEast;              // kNorth, kEast, kSouth or kWest (models/router/routing.h)
  uint32_t first_tile = 0;       // along the edge: x on north/south, y on east/west
  uint32_t tiles = 1;            // consecutive edge routers bridged
  // Wafers side by side in one fabric (platform/system.h): this SerDes' wafer is the columns
  // [wafer_x0, wafer_x0 + wafer_width) of the grid; wafer_width 0: the whole grid.
  uint32_t wafer_x0 = 0, wafer_width = 0;
  double clock_hz = 1.1e9;       // the fabric's clock
  LinkParams link;               // both directions: lanes, lane_gbps, FEC, BER, energy...
};

struct EdgeSerdesStats {
  LinkStats out, in;  // wafer -> far end, far end -> wafer
};

class EdgeSerdes {
 public:
  static constexpr uint32_t kWaveletBytes = 5;

  // Throws std::invalid_argument naming the SerDes for a group off its edge of a width x height
  // grid, or link parameters out of range.
  EdgeSerdes(const EdgeSerdesParams& params, uint32_t width, uint32_t height);

  const EdgeSerdesParams& params() const { return params_; }
  // The group's edge ports: tile and direction of port i.
  uint32_t port_tile(uint32_t port) const;
  int port_dir() const { return params_.edge; }

  // Attaches the group's ports to `fabric` (with link credits). Throws std::invalid_argument
  // naming the SerDes and the router for a port another SerDes already holds.
  void attach(Fabric& fabric);
  // The out link delivers into `far`'s wafer (a cable; `*this` for a loopback); `far`'s own in
  // link is then unused.
  void connect(EdgeSerdes& far);

  Link& out() { return *out_; }
  Link& in() { return *in_; }
  EdgeSerdesStats stats() const { return {out_->stats(), in_->stats()}; }

  uint64_t ps(uint64_t cycle) const;
  uint64_t cycle_of(uint64_t time_ps) const;

 private:
  friend class EdgeRing;
  void edge_out(uint32_t port, uint32_t color, uint32_t wavelet, uint64_t cycle);
  void edge_space(uint32_t port, uint32_t color, uint64_t cycle);
  void flush_pending(uint64_t time_ps);
  bool deliver_in(const LinkItem& item, uint64_t time_ps);
  [[noreturn]] void fail(const std::string& what) const;

  EdgeSerdesParams params_;
  uint32_t width_, height_;
  uint32_t x0_, wafer_width_;  // its wafer's columns
  long double period_ps_;
  std::unique_ptr<Link> out_, in_;
  Link* rx_;  // the link whose deliveries enter the wafer here: in_, or the far SerDes' out_
  Fabric* fabric_ = nullptr;
  // Wavelets out that the out link refused, in order, with their port and color; they keep
  // their credits until it takes them.
  struct Pending {
    LinkItem item;
    uint32_t port, color;
  };
  std::vector<Pending> pending_;
  size_t pending_head_ = 0;
  uint64_t last_out_ps_ = 0;
  // The in link's delivery waits for this port and color's input buffer (port UINT32_MAX: none).
  uint32_t blocked_port_ = UINT32_MAX, blocked_color_ = 0;
};

// Runs a fabric with its edge SerDes: the fabric's client for the edge ports (every other
// callback goes to `inner`), and the scheduler of fabric and links.
class EdgeRing : public Fabric::Client, public FabricDriver {
 public:
  EdgeRing(Fabric& fabric, Fabric::Client* inner = nullptr);
  // Attaches `serdes` to the fabric (see EdgeSerdes::attach); it must outlive the ring.
  void add(EdgeSerdes& serdes);
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
  std::vector<EdgeSerdes*> serdes_;
  std::unordered_map<uint32_t, std::pair<EdgeSerdes*, uint32_t>> ports_;  // tile * 4 + dir -> SerDes, port
};

}  // namespace wvp
