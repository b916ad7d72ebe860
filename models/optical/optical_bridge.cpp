#include "models/optical/optical_bridge.h"

#include <algorithm>
#include <stdexcept>

namespace wvp {

OpticalBridge::OpticalBridge(const OpticalBridgeParams& params, const Clock& clock, uint32_t width, uint32_t height)
    : params_(params),
      width_(width),
      height_(height),
      clock_(clock),
      plane_(params.plane, params.wafer_width, height) {
  if (params_.wafer_width == 0 || uint64_t{params_.west_x0} + 2 * uint64_t{params_.wafer_width} > width_)
    fail("the wafers' columns " + std::to_string(params_.west_x0) + ".." +
         std::to_string(uint64_t{params_.west_x0} + 2 * uint64_t{params_.wafer_width} - 1) + " are beyond the " +
         std::to_string(width_) + "x" + std::to_string(height_) + " grid");
  plane_.set_deliver([this](ZDir dir, uint32_t tile, uint32_t, const LinkItem& item, uint64_t t) { deliver(dir, tile, item, t); });
  plane_.set_space([this](ZDir, uint32_t, uint64_t t) { flush_pending(t); });
}

void OpticalBridge::fail(const std::string& what) const { throw std::invalid_argument("optical link " + params_.name + ": " + what); }

uint32_t OpticalBridge::port_tile(uint32_t port) const {
  const uint32_t y = port % height_;
  const uint32_t x = port < height_ ? params_.west_x0 + params_.wafer_width - 1 : params_.west_x0 + params_.wafer_width;
  return y * width_ + x;
}

void OpticalBridge::attach(Fabric& fabric) {
  attach_ports(fabric, width_, height_, "optical link " + params_.name);
  fabric_ = &fabric;
}

void OpticalBridge::edge_out(uint32_t port, uint32_t color, uint32_t wavelet, uint64_t cycle) {
  // Ports of different latency may hand over out of cycle order; the plane takes items in order.
  const uint64_t t = std::max({clock_.ps(cycle), last_out_ps_, plane_.now()});
  last_out_ps_ = t;
  const LinkItem item{wavelet, color, kWaveletBytes};
  if (pending_.empty() && !edge_full(port) && plane_.send(zdir(port), plane_tile(port), item, t)) {
    fabric_->edge_credit(port_tile(port), port_dir(port), color, clock_.cycle_of(t));
    return;
  }
  pending_.push_back({item, port});
}

void OpticalBridge::flush_pending(uint64_t time_ps) {
  // An edge SerDes freeing room in the picosecond the plane has settled sends 1 ps later.
  const uint64_t t = std::max({time_ps, last_out_ps_, plane_.now()});
  while (!pending_.empty()) {
    const Pending& p = pending_.front();
    if (edge_full(p.port) || !plane_.send(zdir(p.port), plane_tile(p.port), p.item, t)) break;
    fabric_->edge_credit(port_tile(p.port), port_dir(p.port), static_cast<uint32_t>(p.item.tag), clock_.cycle_of(t));
    pending_.pop_front();
  }
  last_out_ps_ = t;
}

void OpticalBridge::deliver(ZDir dir, uint32_t tile, const LinkItem& item, uint64_t time_ps) {
  // Up lands on the east wafer's west edge, Down on the west wafer's east edge, in the same row.
  const uint32_t row = tile / params_.wafer_width, port = dir == ZDir::Up ? height_ + row : row;
  const uint32_t color = static_cast<uint32_t>(item.tag), wavelet = static_cast<uint32_t>(item.data);
  auto& held = held_[{port, color}];
  if (held.empty() && fabric_->edge_push(port_tile(port), port_dir(port), color, wavelet, clock_.cycle_of(time_ps))) return;
  held.push_back(wavelet);
  ++held_count_;
  ++counts_.held;
  counts_.held_high_water = std::max(counts_.held_high_water, held_count_);
}

void OpticalBridge::edge_space(uint32_t port, uint32_t color, uint64_t cycle) {
  const auto it = held_.find({port, color});
  if (it == held_.end()) return;
  while (!it->second.empty() && fabric_->edge_push(port_tile(port), port_dir(port), color, it->second.front(), cycle)) {
    it->second.pop_front();
    --held_count_;
  }
  fabric_->stop_at(cycle);
}

void OpticalBridge::add_edge_serdes(EdgeSerdes& east, EdgeSerdes& west) {
  const EdgeSerdesParams &e = east.params(), &w = west.params();
  if (e.edge != kEast || w.edge != kWest || e.first_tile != w.first_tile || e.tiles != w.tiles ||
      uint64_t{e.first_tile} + e.tiles > height_)
    fail("edge SerDes " + e.name + " and " + w.name + " do not bridge the same rows of the facing edges");
  const uint32_t path = static_cast<uint32_t>(edge_.size());
  edge_.push_back({e.first_tile, {{&east.out(), {}}, {&west.out(), {}}}});
  edge_of_row_.resize(height_, UINT32_MAX);
  std::fill_n(edge_of_row_.begin() + e.first_tile, e.tiles, path);
  for (const ZDir dir : {ZDir::Up, ZDir::Down}) {
    Link& link = *edge_[path].lanes[static_cast<size_t>(dir)].link;
    link.set_deliver([this, path, dir](const LinkItem& item, uint64_t t) {
      const uint32_t row = edge_[path].first_row + (item.tag >> 8);
      plane_.edge_arrived(dir, row * params_.wafer_width + params_.wafer_width - 1, t);
      return true;  // the plane takes it; deliver() holds it if its input buffer is full
    });
    link.set_space([this, path, dir](uint64_t t) {
      flush_edge(edge_[path].lanes[static_cast<size_t>(dir)], t);
      flush_pending(t);
    });
  }
  plane_.set_edge_fallback([this](ZDir dir, uint32_t tile, const LinkItem& item, uint64_t t) { to_edge(dir, tile, item, t); });
}

bool OpticalBridge::edge_full(uint32_t port) const {
  if (edge_of_row_.empty() || plane_.route(plane_tile(port)) != kZEdge) return false;
  const uint32_t path = edge_of_row_[port % height_];
  return path != UINT32_MAX && !edge_[path].lanes[static_cast<size_t>(zdir(port))].waiting.empty();
}

void OpticalBridge::to_edge(ZDir dir, uint32_t tile, const LinkItem& item, uint64_t time_ps) {
  const uint32_t row = tile / params_.wafer_width;
  if (edge_of_row_[row] == UINT32_MAX) fail("row " + std::to_string(row) + " has no Z port up and no edge SerDes");
  EdgePath& path = edge_[edge_of_row_[row]];
  EdgeLane& lane = path.lanes[static_cast<size_t>(dir)];
  lane.waiting.push_back({item.data, item.tag | (row - path.first_row) << 8, EdgeSerdes::kWaveletBytes});
  flush_edge(lane, time_ps);
}

void OpticalBridge::flush_edge(EdgeLane& lane, uint64_t time_ps) {
  lane.last_ps = std::max({time_ps, lane.last_ps, lane.link->now()});
  while (!lane.waiting.empty() && lane.link->send(lane.waiting.front(), lane.last_ps)) lane.waiting.pop_front();
}

std::optional<uint64_t> OpticalBridge::next_event_ps() const {
  std::optional<uint64_t> first = plane_.next_event_ps();
  for (const EdgePath& p : edge_)
    for (const EdgeLane& lane : p.lanes)
      if (const auto next = lane.link->next_event_ps(); next && (!first || *next < *first)) first = next;
  return first;
}

void OpticalBridge::advance(uint64_t limit_ps) {
  // The plane hands the edge SerDes items and they hand them back: their events are settled
  // together in time order, the plane's first within a picosecond.
  const auto settle = [this](uint64_t bound) {
    plane_.advance(bound);
    for (EdgePath& p : edge_)
      for (EdgeLane& lane : p.lanes) lane.link->advance(bound);
  };
  for (auto next = next_event_ps(); !edge_.empty() && next && *next < limit_ps; next = next_event_ps()) settle(*next + 1);
  settle(limit_ps);
}

OpticalBridgeStats OpticalBridge::stats() const {
  OpticalBridgeStats s = counts_;
  s.plane = plane_.stats();
  return s;
}

void OpticalBridge::checkpoint(Snapshot& s) {
  Snapshot::Section section(s, "optical_bridge");
  s.fields(plane_, pending_, last_out_ps_, held_, held_count_, counts_.held, counts_.held_high_water);
  s.expect(edge_.size(), "the edge SerDes paths");
  for (EdgePath& path : edge_)
    for (EdgeLane& lane : path.lanes) s.fields(lane.waiting, lane.last_ps);
}

}  // namespace wvp
