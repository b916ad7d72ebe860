#include "models/serdes/edge_serdes.h"

#include <algorithm>
#include <cmath>

namespace wvp {

namespace {

LinkParams direction(const EdgeSerdesParams& p, const char* suffix) {
  LinkParams link = p.link;
  link.name = p.name + " " + suffix;
  return link;
}

}  // namespace

EdgeSerdes::EdgeSerdes(const EdgeSerdesParams& params, const Clock& clock, uint32_t width, uint32_t height)
    : params_(params),
      width_(width),
      height_(height),
      x0_(params.wafer_x0),
      wafer_width_(params.wafer_width ? params.wafer_width : width),
      clock_(clock) {
  if (params_.edge < kNorth || params_.edge > kWest) fail("edge must be north, east, south or west");
  if (uint64_t{x0_} + wafer_width_ > width_)
    fail("its wafer's columns " + std::to_string(x0_) + ".." + std::to_string(uint64_t{x0_} + wafer_width_ - 1) +
         " are beyond the " + std::to_string(width_) + "x" + std::to_string(height_) + " grid");
  const bool horizontal = params_.edge == kNorth || params_.edge == kSouth;
  const uint32_t length = horizontal ? wafer_width_ : height_;
  if (params_.tiles == 0) fail("bridges no edge router (tiles is 0)");
  if (uint64_t{params_.first_tile} + params_.tiles > length) {
    const uint32_t last = params_.first_tile + params_.tiles - 1;
    fail("edge router " + std::to_string(last) + " along the " + direction_name(params_.edge) + " edge is beyond the " +
         std::to_string(wafer_width_) + "x" + std::to_string(height_) + " grid (" + std::to_string(length) +
         " routers on that edge)");
  }
  if (params_.tiles > 256) fail("bridges more than 256 edge routers (the port index is a byte of the tag)");
  try {
    out_ = std::make_unique<Link>(direction(params_, "out"));
    in_ = std::make_unique<Link>(direction(params_, "in"));
  } catch (const std::invalid_argument& e) {
    fail(e.what());
  }
  if (params_.link.frame_payload_bytes < kWaveletBytes || params_.link.tx_queue_bytes < kWaveletBytes)
    fail("frames and the send queue must hold a wavelet of " + std::to_string(kWaveletBytes) + " bytes");
  in_->set_deliver([this](const LinkItem& item, uint64_t t) { return deliver_in(item, t); });
  rx_ = in_.get();
  out_->set_space([this](uint64_t t) { flush_pending(t); });
}

void EdgeSerdes::fail(const std::string& what) const {
  throw std::invalid_argument("edge SerDes " + params_.name + ": " + what);
}

uint32_t EdgeSerdes::port_tile(uint32_t port) const {
  const uint32_t along = params_.first_tile + port;
  switch (params_.edge) {
    case kNorth: return x0_ + along;
    case kSouth: return (height_ - 1) * width_ + x0_ + along;
    case kEast: return along * width_ + x0_ + wafer_width_ - 1;
    default: return along * width_ + x0_;  // west
  }
}

void EdgeSerdes::attach(Fabric& fabric) {
  attach_ports(fabric, width_, height_, "edge SerDes " + params_.name);
  fabric_ = &fabric;
}

void EdgeSerdes::connect(EdgeSerdes& far) {
  if (far.params_.tiles != params_.tiles)
    fail("connected to " + far.params_.name + ", which bridges " + std::to_string(far.params_.tiles) + " edge routers, not " +
         std::to_string(params_.tiles));
  // One cable direction is one link: this SerDes' transmitter and the far one's receiver.
  out_->set_deliver([&far](const LinkItem& item, uint64_t t) { return far.deliver_in(item, t); });
  far.rx_ = out_.get();
}

void EdgeSerdes::edge_out(uint32_t port, uint32_t color, uint32_t wavelet, uint64_t cycle) {
  // Ports of different latency may hand over out of cycle order; the link takes items in order.
  const uint64_t t = std::max(ps(cycle), last_out_ps_);
  last_out_ps_ = t;
  const LinkItem item{wavelet, color | port << 8, kWaveletBytes};
  if (pending_head_ == pending_.size() && out_->send(item, t)) {
    fabric_->edge_credit(port_tile(port), port_dir(port), color, cycle_of(t));
    return;
  }
  pending_.push_back({item, port, color});
}

void EdgeSerdes::flush_pending(uint64_t time_ps) {
  const uint64_t t = std::max(time_ps, last_out_ps_);
  while (pending_head_ < pending_.size() && out_->send(pending_[pending_head_].item, t)) {
    const Pending& p = pending_[pending_head_++];
    fabric_->edge_credit(port_tile(p.port), port_dir(p.port), p.color, cycle_of(t));
  }
  last_out_ps_ = t;
  if (pending_head_ == pending_.size()) pending_.clear(), pending_head_ = 0;
}

bool EdgeSerdes::deliver_in(const LinkItem& item, uint64_t time_ps) {
  if (!fabric_) fail("an item arrived before the SerDes was attached to a fabric");
  const uint32_t port = item.tag >> 8, color = item.tag & 0xff;
  if (port >= params_.tiles) fail("item for edge port " + std::to_string(port) + " of a group of " + std::to_string(params_.tiles));
  if (fabric_->edge_push(port_tile(port), port_dir(port), color, static_cast<uint32_t>(item.data), cycle_of(time_ps))) return true;
  blocked_port_ = port;
  blocked_color_ = color;
  return false;
}

void EdgeSerdes::edge_space(uint32_t port, uint32_t color, uint64_t cycle) {
  if (port != blocked_port_ || color != blocked_color_) return;
  blocked_port_ = UINT32_MAX;
  rx_->rx_resume(std::max(ps(cycle), rx_->now()));
  fabric_->stop_at(cycle);
}

std::optional<uint64_t> EdgeSerdes::next_event_ps() const {
  const auto a = out_->next_event_ps(), b = in_->next_event_ps();
  if (a && b) return std::min(*a, *b);
  return a ? a : b;
}

void EdgeSerdes::advance(uint64_t limit_ps) {
  out_->advance(limit_ps);
  in_->advance(limit_ps);
}

bool EdgeSerdes::idle() const { return pending_head_ == pending_.size() && !next_event_ps(); }

}  // namespace wvp
