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
// Time: the SerDes is an EdgeBridge of the fabric's EdgeRing (edge_ring.h), whose link stepper
// (engine/link_stepper.h) settles its links and the fabric together.
#pragma once
#include <cstdint>
#include <memory>
#include <stdexcept>
#include <string>
#include <unordered_map>
#include <vector>

#include "models/link/link.h"
#include "models/router/fabric.h"
#include "models/serdes/edge_ring.h"

namespace wvp {

struct EdgeSerdesParams {
  std::string name = "serdes0";  // in every error message and the links' names
  int edge = kEast;              // kNorth, kEast, kSouth or kWest (models/router/routing.h)
  uint32_t first_tile = 0;       // along the edge: x on north/south, y on east/west
  uint32_t tiles = 1;            // consecutive edge routers bridged
  // Wafers side by side in one fabric (platform/assembly/system_links.h): this SerDes' wafer is
  // the columns [wafer_x0, wafer_x0 + wafer_width) of the grid; wafer_width 0: the whole grid.
  uint32_t wafer_x0 = 0, wafer_width = 0;
  LinkParams link;               // both directions: lanes, lane_gbps, FEC, BER, energy...
};

struct EdgeSerdesStats {
  LinkStats out, in;  // wafer -> far end, far end -> wafer
};

class EdgeSerdes : public EdgeBridge {
 public:
  static constexpr uint32_t kWaveletBytes = 5;

  // Throws std::invalid_argument naming the SerDes for a group off its edge of a width x height
  // grid, or link parameters out of range.
  // `clock` is the fabric's.
  EdgeSerdes(const EdgeSerdesParams& params, const Clock& clock, uint32_t width, uint32_t height);

  const EdgeSerdesParams& params() const { return params_; }
  // EdgeBridge: the group's edge ports, all on its edge.
  uint32_t ports() const override { return params_.tiles; }
  uint32_t port_tile(uint32_t port) const override;
  int port_dir(uint32_t /*port*/) const override { return params_.edge; }
  void attach(Fabric& fabric) override;
  const Clock& clock() const override { return clock_; }
  void edge_out(uint32_t port, uint32_t color, uint32_t wavelet, uint64_t cycle) override;
  void edge_space(uint32_t port, uint32_t color, uint64_t cycle) override;
  std::optional<uint64_t> next_event_ps() const override;
  void advance(uint64_t limit_ps) override;
  bool idle() const override;
  // The out link delivers into `far`'s wafer (a cable; `*this` for a loopback); `far`'s own in
  // link is then unused.
  void connect(EdgeSerdes& far);

  Link& out() { return *out_; }
  const Link& out() const { return *out_; }
  Link& in() { return *in_; }
  EdgeSerdesStats stats() const { return {out_->stats(), in_->stats()}; }
  // Both links and the wavelets waiting for room in the wafer's input buffers.
  void checkpoint(Snapshot& s) {
    Snapshot::Section section(s, "edge_serdes");
    s.fields(*out_, *in_, pending_, pending_head_, last_out_ps_, blocked_port_, blocked_color_);
  }

  uint64_t ps(uint64_t cycle) const { return clock_.ps(cycle); }
  uint64_t cycle_of(uint64_t time_ps) const { return clock_.cycle_of(time_ps); }

 private:
  void flush_pending(uint64_t time_ps);
  bool deliver_in(const LinkItem& item, uint64_t time_ps);
  [[noreturn]] void fail(const std::string& what) const;

  EdgeSerdesParams params_;
  uint32_t width_, height_;
  uint32_t x0_, wafer_width_;  // its wafer's columns
  Clock clock_;
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

}  // namespace wvp
