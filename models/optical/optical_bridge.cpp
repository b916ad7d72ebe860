#include "models/optical/optical_bridge.h"

#include <algorithm>
#include <stdexcept>

namespace wvp {

OpticalBridge::OpticalBridge(const OpticalBridgeParams& params, uint32_t width, uint32_t height)
    : params_(params),
      width_(width),
      height_(height),
      clock_(params.clock_hz),
      plane_(params.plane, params.wafer_width, height) {
  if (!(params_.clock_hz >= 1e3 && params_.clock_hz <= 1e11)) fail("clock_hz must be in [1e3, 1e11]");
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
  if (pending_.empty() && plane_.send(zdir(port), plane_tile(port), item, t)) {
    fabric_->edge_credit(port_tile(port), port_dir(port), color, clock_.cycle_of(t));
    return;
  }
  pending_.push_back({item, port});
}

void OpticalBridge::flush_pending(uint64_t time_ps) {
  const uint64_t t = std::max(time_ps, last_out_ps_);
  while (!pending_.empty()) {
    const Pending& p = pending_.front();
    if (!plane_.send(zdir(p.port), plane_tile(p.port), p.item, t)) break;
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

OpticalBridgeStats OpticalBridge::stats() const {
  OpticalBridgeStats s = counts_;
  s.plane = plane_.stats();
  return s;
}

}  // namespace wvp
