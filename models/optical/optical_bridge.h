// The optical Z ports between two wafers side by side in one fabric (platform/assembly/system_links.h),
// as an EdgeBridge of the fabric's EdgeRing. An OpticalZPlane over the west wafer's area carries
// both ways: its Up links what leaves the west wafer's east edge, its Down links what leaves the
// east wafer's west edge. A wavelet leaving tile (W-1, y) of the west wafer eastwards goes up
// through the Z port over that tile (its home port, or the nearest port that is up) and comes
// down into tile (0, y) of the east wafer, and back the same way; the firmware sees one grid.
//
// A wavelet is one LinkItem (data = the wavelet, tag = its color, kWaveletBytes of payload as on
// the edge SerDes). The fabric's ports lend their credits to the plane: a credit goes back when
// the plane has taken the wavelet. The plane cannot refuse a delivery, so a wavelet whose input
// buffer is full waits in the bridge's receive FIFO of its port and color until a slot frees
// (stats: held_high_water).
//
// Edge fallback. When the wafers also have SerDes on the facing edges (add_edge_serdes), a
// wavelet whose ports are all down crosses over the SerDes pair of its row: up through the west
// wafer's east SerDes' out link, down through the east wafer's west SerDes' out link, as an edge
// SerDes sends it (tag = color | the row's port in the SerDes' group << 8). The bridge holds the
// edge ports, so it drives those links itself and hands what they deliver back to the plane,
// which delivers it in its row's order. The plane cannot refuse an item for the edge: a wavelet
// bound for a SerDes whose send queue is full waits in the bridge, with its credit, like one the
// plane refused. Without edge SerDes, a wavelet whose ports are all down is an error naming the
// port (the plane's).
#pragma once
#include <cstdint>
#include <deque>
#include <map>
#include <string>
#include <vector>

#include "models/optical/optical_plane.h"
#include "models/serdes/edge_ring.h"
#include "models/serdes/edge_serdes.h"

namespace wvp {

struct OpticalBridgeParams {
  std::string name = "optical";     // in error messages
  uint32_t west_x0 = 0;             // the west wafer's first column in the fabric's grid
  uint32_t wafer_width = 1;         // columns per wafer
  OpticalZParams plane;             // over the west wafer (wafer_width x the grid's height)
};

struct OpticalBridgeStats {
  OpticalZStats plane;
  uint64_t held = 0;             // deliveries that waited for an input buffer slot
  uint64_t held_high_water = 0;  // most waiting at once
};

class OpticalBridge : public EdgeBridge {
 public:
  static constexpr uint32_t kWaveletBytes = 5;

  // Over a fabric grid of width x height. Throws std::invalid_argument naming the bridge for
  // wafers off the grid, or the plane (its ports, temperatures) for bad plane parameters.
  // `clock` is the fabric's.
  OpticalBridge(const OpticalBridgeParams& params, const Clock& clock, uint32_t width, uint32_t height);

  OpticalZPlane& plane() { return plane_; }
  const OpticalZPlane& plane() const { return plane_; }
  OpticalBridgeStats stats() const;
  // The plane's edge fallback for the rows of `east` (on the west wafer's east edge) and `west`
  // (on the east wafer's west edge, the same rows). The bridge uses their out links and sets
  // their callbacks; they are not added to the ring and must outlive the bridge. Throws
  // std::invalid_argument naming the bridge and the SerDes when they do not face each other.
  void add_edge_serdes(EdgeSerdes& east, EdgeSerdes& west);

  // EdgeBridge: ports 0..H-1 are the west wafer's east edge, H..2H-1 the east wafer's west edge.
  uint32_t ports() const override { return 2 * height_; }
  uint32_t port_tile(uint32_t port) const override;
  int port_dir(uint32_t port) const override { return port < height_ ? kEast : kWest; }
  void attach(Fabric& fabric) override;
  const Clock& clock() const override { return clock_; }
  void edge_out(uint32_t port, uint32_t color, uint32_t wavelet, uint64_t cycle) override;
  void edge_space(uint32_t port, uint32_t color, uint64_t cycle) override;
  std::optional<uint64_t> next_event_ps() const override;  // the plane's or the edge SerDes'
  void advance(uint64_t limit_ps) override;
  bool idle() const override { return plane_.empty() && pending_.empty() && held_count_ == 0; }
  // The plane, the wavelets waiting for the wafer and those waiting for the edge SerDes (whose
  // links are the SerDes' own).
  void checkpoint(Snapshot& s);

 private:
  [[noreturn]] void fail(const std::string& what) const;
  // A port's direction through the plane, and the west wafer's tile whose Z port carries it.
  ZDir zdir(uint32_t port) const { return port < height_ ? ZDir::Up : ZDir::Down; }
  uint32_t plane_tile(uint32_t port) const { return (port % height_) * params_.wafer_width + params_.wafer_width - 1; }
  void flush_pending(uint64_t time_ps);
  void deliver(ZDir dir, uint32_t tile, const LinkItem& item, uint64_t time_ps);
  // A direction of an edge SerDes pair: its link and the items it refused, in order.
  struct EdgeLane {
    Link* link;
    std::deque<LinkItem> waiting;
    uint64_t last_ps = 0;  // of the latest send: a link takes items in time order
  };
  struct EdgePath {
    uint32_t first_row;
    EdgeLane lanes[2];  // by ZDir
  };
  bool edge_full(uint32_t port) const;  // the port's wavelets go to the edge and its SerDes refuses
  void to_edge(ZDir dir, uint32_t tile, const LinkItem& item, uint64_t time_ps);
  void flush_edge(EdgeLane& lane, uint64_t time_ps);

  OpticalBridgeParams params_;
  uint32_t width_, height_;
  Clock clock_;
  OpticalZPlane plane_;
  Fabric* fabric_ = nullptr;
  // Wavelets out that the plane refused, in order; they keep their credits until it takes them.
  struct Pending {
    LinkItem item;
    uint32_t port;
  };
  std::deque<Pending> pending_;
  uint64_t last_out_ps_ = 0;
  // Deliveries waiting for an input buffer slot, by port and color, in order.
  std::map<std::pair<uint32_t, uint32_t>, std::deque<uint32_t>> held_;
  uint64_t held_count_ = 0;
  OpticalBridgeStats counts_;
  std::vector<EdgePath> edge_;
  std::vector<uint32_t> edge_of_row_;  // index into edge_; empty: no edge SerDes
};

}  // namespace wvp
