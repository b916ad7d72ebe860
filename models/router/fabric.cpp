// The fabric's datapath (fabric.h). The RTL twin's lockstep is in fabric_twin.cpp, the deadlock
// diagnosis in fabric_deadlock.cpp.
#include "models/router/fabric.h"

#include <algorithm>
#include <string>

#include "models/router/fabric_internal.h"

namespace wvp {

const char* pipeline_name(RouterPipeline p) { return p == RouterPipeline::Wafer ? "wafer" : "iq-vc-4stage"; }

bool parse_pipeline(const std::string& text, RouterPipeline& p) {
  for (RouterPipeline candidate : {RouterPipeline::Wafer, RouterPipeline::IqVc4Stage})
    if (text == pipeline_name(candidate)) {
      p = candidate;
      return true;
    }
  return false;
}

FabricParams FabricParams::iq_vc_4stage(uint32_t width, uint32_t height) {
  FabricParams p;
  p.width = width;
  p.height = height;
  p.pipeline = RouterPipeline::IqVc4Stage;
  p.colors = 2;
  p.buffer_depth_flits = 8;
  p.packets = true;
  return p;
}

using fabric_internal::at;
using fabric_internal::SourcePacket;

Fabric::Fabric(const FabricParams& params) : params_(params) {
  if (params_.width == 0 || params_.height == 0) fail("grid must be at least 1x1");
  if (params_.colors == 0 || params_.colors > 32) fail("colors must be 1..32, got " + std::to_string(params_.colors));
  for (uint32_t depth : {params_.buffer_depth_flits, params_.tx_queue_depth_flits, params_.rx_queue_depth_flits})
    if (depth == 0 || depth > 255) fail("buffer and queue depths must be 1..255 flits");
  if (params_.hop_latency_cycles == 0) fail("hop_latency_cycles must be at least 1");
  if (params_.wafer_width_tiles && params_.width % params_.wafer_width_tiles)
    fail("wafer_width_tiles " + std::to_string(params_.wafer_width_tiles) + " does not divide the grid's width " +
         std::to_string(params_.width));
  if (params_.credit_delay_cycles == 0) fail("credit_delay_cycles must be at least 1");
  if (!params_.link_extra_cycles.empty() && params_.link_extra_cycles.size() != size_t(tiles()) * 4)
    fail("link_extra_cycles needs 4 entries per tile");
  // Credits go straight onto the timing wheel (wake-ups beyond it wait in a heap): the longest
  // credit path must fit in it.
  const uint32_t max_extra = params_.link_extra_cycles.empty()
                                 ? 0
                                 : *std::max_element(params_.link_extra_cycles.begin(), params_.link_extra_cycles.end());
  if (uint64_t{params_.credit_delay_cycles} + params_.reticle_crossing_cycles + max_extra >= kWheel)
    fail("credit delay plus link extras must stay under " + std::to_string(kWheel) + " cycles");
  if (params_.pipeline == RouterPipeline::IqVc4Stage) {
    rc_cycles_ = 1;
    va_cycles_ = 1;
    post_sa_cycles_ = 3;  // crossbar traversal, link traversal, then the next router's buffer
    // The studies' packets cross an injection channel from their source and an ejection channel
    // to their sink, a cycle each, as in the reference simulator of the NoC literature.
    if (params_.packets) inject_cycles_ = eject_cycles_ = 1;
  } else {
    post_sa_cycles_ = params_.hop_latency_cycles;
  }
  routers_.resize(tiles());
  wake_wheel_.resize(kWheel);
  credit_wheel_.resize(kWheel);
}

Fabric::~Fabric() = default;

uint32_t Fabric::hop_cycles() const { return rc_cycles_ + va_cycles_ + post_sa_cycles_; }

uint32_t Fabric::neighbor(uint32_t tile, int dir) const {
  const uint32_t x = tile % params_.width, y = tile / params_.width;
  switch (dir) {
    case kNorth: return y > 0 ? tile - params_.width : UINT32_MAX;
    case kSouth: return y + 1 < params_.height ? tile + params_.width : UINT32_MAX;
    case kEast: return x + 1 < params_.width && !wafer_border(x + 1) ? tile + 1 : UINT32_MAX;
    case kWest: return x > 0 && !wafer_border(x) ? tile - 1 : UINT32_MAX;
    default: return tile;
  }
}

uint32_t Fabric::link_latency(uint32_t tile, int dir) const {
  if (dir == kRamp) return post_sa_cycles_ + eject_cycles_;
  uint32_t cycles = post_sa_cycles_;
  if (!params_.link_extra_cycles.empty()) cycles += params_.link_extra_cycles[tile * 4 + dir];
  const uint32_t rw = params_.reticle_width_tiles, rh = params_.reticle_height_tiles;
  const uint32_t x = tile % params_.width, y = tile / params_.width;
  const bool crosses = (dir == kEast && rw && (x + 1) % rw == 0) || (dir == kWest && rw && x % rw == 0) ||
                       (dir == kSouth && rh && (y + 1) % rh == 0) || (dir == kNorth && rh && y % rh == 0);
  return crosses ? cycles + params_.reticle_crossing_cycles : cycles;
}

uint64_t Fabric::router_bytes(const FabricParams& p) {
  uint64_t slots = 0;
  for (uint32_t port = 0; port <= kPorts; ++port) slots += uint64_t{fabric_internal::buffer_capacity(p, port)} * p.colors;
  // Besides the buffers: the per-VC state, the statistics and the allocator's share, 4 KiB in all
  // (measured: 7.7 KiB a router at 2 VCs of 8 flits, 36.8 KiB at 8 of 32, `wafervp noc`).
  return sizeof(Router) + slots * sizeof(Flit) + uint64_t{kPorts + 1} * p.colors * sizeof(Router::InVc) + (4 << 10);
}

Fabric::Router& Fabric::router(uint32_t tile) {
  auto& r = routers_[tile];
  if (!r) {
    r = std::make_unique<Router>(params_);
    for (int p = 0; p < kPorts; ++p) {
      r->next_tile[p] = neighbor(tile, p);
      r->latency[p] = link_latency(tile, p);
      if (p != kRamp && r->next_tile[p] != UINT32_MAX)
        r->credit_delay[p] = params_.credit_delay_cycles + link_latency(r->next_tile[p], opposite(p)) - post_sa_cycles_;
    }
  }
  return *r;
}

void Fabric::fail(const std::string& what) { throw FabricError("fabric: " + what); }

void Fabric::set_route(uint32_t tile, uint32_t color, int in_port, PortMask outputs) {
  if (params_.packets) fail("routes are per color; this fabric routes packets by destination");
  if (tile >= tiles()) fail("tile " + std::to_string(tile) + " is outside the grid");
  const std::string where = at(tile, params_.width);
  if (color >= params_.colors)
    fail(where + ": color " + std::to_string(color) + " out of range (colors: " + std::to_string(params_.colors) + ")");
  if (in_port < 0 || in_port >= kPorts) fail(where + ": no input port " + std::to_string(in_port));
  if (outputs >> kPorts) fail(where + ": color " + std::to_string(color) + ": output mask has bits beyond the 5 ports");
  for (int o = 0; o < kRamp; ++o)
    if ((outputs & port_bit(o)) && neighbor(tile, o) == UINT32_MAX && !edge_attached(tile, o))
      fail(where + ": color " + std::to_string(color) + " from " + port_name(in_port) + " routed to port " +
           port_name(o) + ", which leaves the grid");
  Router& r = router(tile);
  r.routes[color * kPorts + in_port] = outputs;
  if (r.twin) r.twin->write_route(color, in_port, outputs);
  // A wavelet may be waiting for this route.
  if (r.in[in_port * params_.colors + color].count) schedule(tile, now_);
}

PortMask Fabric::route(uint32_t tile, uint32_t color, int in_port) const {
  const Router* r = router_if(tile);
  return r && !params_.packets ? r->routes[color * kPorts + in_port] : 0;
}

bool Fabric::edge_attached(uint32_t tile, int dir) const {
  return std::binary_search(edges_.begin(), edges_.end(), tile * 4 + static_cast<uint32_t>(dir));
}

bool Fabric::edge_link_credits(uint32_t tile, int dir) const {
  return std::binary_search(link_credit_edges_.begin(), link_credit_edges_.end(), tile * 4 + static_cast<uint32_t>(dir));
}

void Fabric::attach_edge(uint32_t tile, int dir, bool link_credits) {
  if (params_.packets) fail("edge ports carry colors; this fabric routes packets");
  if (tile >= tiles() || dir < 0 || dir >= kRamp || neighbor(tile, dir) != UINT32_MAX)
    fail("tile " + std::to_string(tile) + " port " + std::to_string(dir) + " is not on the edge of the grid");
  const uint32_t key = tile * 4 + static_cast<uint32_t>(dir);
  if (edge_attached(tile, dir)) fail(at(tile, params_.width) + ": port " + port_name(dir) + " already has an off-wafer link");
  edges_.insert(std::lower_bound(edges_.begin(), edges_.end(), key), key);
  if (link_credits) link_credit_edges_.insert(std::lower_bound(link_credit_edges_.begin(), link_credit_edges_.end(), key), key);
}

void Fabric::edge_credit(uint32_t tile, int dir, uint32_t color, uint64_t cycle) {
  if (tile >= tiles() || dir < 0 || dir >= kRamp || !edge_link_credits(tile, dir))
    fail("tile " + std::to_string(tile) + " port " + std::to_string(dir) + " has no link returning edge credits");
  const std::string where = at(tile, params_.width) + ": port " + port_name(dir);
  if (color >= params_.colors) fail(where + ": edge credit on color " + std::to_string(color) + " out of range");
  if (cycle < now_ || cycle > now_ + kMaxPopLead)
    fail(where + ": edge credit at cycle " + std::to_string(cycle) + " too far from the fabric's time (now " + std::to_string(now_) + ")");
  const uint16_t out_vc = static_cast<uint16_t>(dir * params_.colors + color);
  const auto lent = edge_lent_.find((uint64_t{tile} * kPorts + dir) * params_.colors + color);
  if (lent == edge_lent_.end() || lent->second == 0)
    fail(where + ": edge credit on color " + std::to_string(color) + " that no wavelet took");
  --lent->second;
  credit_wheel_[cycle % kWheel].push_back({tile, out_vc});
  ++pending_credits_;
}

bool Fabric::edge_push(uint32_t tile, int dir, uint32_t color, uint32_t wavelet, uint64_t cycle) {
  if (!edge_attached(tile, dir)) fail(at(tile, params_.width) + ": port " + port_name(dir) + " has no off-wafer link");
  if (color >= params_.colors) fail(at(tile, params_.width) + ": edge wavelet on color " + std::to_string(color) + " out of range");
  if (cycle < now_) fail("edge wavelet at cycle " + std::to_string(cycle) + " in the settled past (now " + std::to_string(now_) + ")");
  Router& r = router(tile);
  const auto& q = r.in[dir * params_.colors + color];
  if (q.count == q.cap) return false;
  Flit f;
  f.data = wavelet;
  f.tag = tile;
  f.flags = Flit::kHead | Flit::kTail;
  f.ready = cycle;
  r.push(static_cast<uint32_t>(dir), color, f);
  ++in_flight_;
  schedule(tile, cycle + rc_cycles_ + va_cycles_);
  return true;
}

void Fabric::stop_at(uint64_t cycle) { stop_at_ = std::min(stop_at_, std::max(cycle, now_)); }

void Fabric::schedule(uint32_t tile, uint64_t cycle) {
  Router& r = *routers_[tile];
  if (cycle >= r.wake_at) return;  // the earlier wake-up recomputes what comes next
  r.wake_at = cycle;
  if (cycle - now_ < kWheel) {
    wake_wheel_[cycle % kWheel].push_back(tile);
    ++wheel_wakes_;
  } else {
    far_wakes_.emplace(cycle, tile);
  }
}

bool Fabric::tx_full(uint32_t tile, uint32_t color) const { return tx_space_flits(tile, color) == 0; }

uint32_t Fabric::tx_space_flits(uint32_t tile, uint32_t color) const {
  const Router* r = router_if(tile);
  if (!r) return params_.tx_queue_depth_flits;
  const auto& q = r->in[kRamp * params_.colors + color];
  return q.cap - q.count;
}

void Fabric::tx_push(uint32_t tile, uint32_t color, uint32_t wavelet, uint64_t cycle) {
  if (cycle < now_) fail("send at cycle " + std::to_string(cycle) + " into the settled past (now " + std::to_string(now_) + ")");
  Router& r = router(tile);
  const auto& q = r.in[kRamp * params_.colors + color];
  if (q.count == q.cap) fail(at(tile, params_.width) + ": send into a full queue");
  Flit f;
  f.data = wavelet;
  f.tag = tile;
  f.flags = Flit::kHead | Flit::kTail;
  f.ready = cycle;
  r.push(kRamp, color, f);
  ++in_flight_;
  schedule(tile, cycle + rc_cycles_ + va_cycles_);
}

uint32_t Fabric::rx_available(uint32_t tile, uint32_t color, uint64_t cycle) const {
  const Router* r = router_if(tile);
  if (!r) return 0;
  const auto& q = r->in[kPorts * params_.colors + color];
  uint32_t n = 0;
  while (n < q.count && r->slots[q.base + (q.head + n) % q.cap].ready <= cycle) ++n;
  return n;
}

uint64_t Fabric::rx_queued() const {
  uint64_t n = 0;
  for (const auto& r : routers_)
    if (r)
      for (uint32_t c = 0; c < params_.colors; ++c) n += r->in[kPorts * params_.colors + c].count;
  return n;
}

uint64_t Fabric::rx_next_arrival(uint32_t tile, uint32_t color) const {
  const Router* r = router_if(tile);
  if (!r) return UINT64_MAX;
  const auto& q = r->in[kPorts * params_.colors + color];
  return q.count ? r->slots[q.base + q.head].ready : UINT64_MAX;
}

uint32_t Fabric::rx_pop(uint32_t tile, uint32_t color, uint64_t cycle) {
  if (rx_available(tile, color, cycle) == 0) fail(at(tile, params_.width) + ": receive from an empty queue");
  if (cycle + 1 < now_ || cycle > now_ + kMaxPopLead)
    fail("receive at cycle " + std::to_string(cycle) + " too far from the fabric's time (now " + std::to_string(now_) + ")");
  Router& r = *routers_[tile];
  const Flit f = r.pop(kPorts, color);
  // The freed slot is a credit for the router's ramp output, seen the next cycle.
  const uint64_t when = std::max(cycle + 1, now_);
  credit_wheel_[when % kWheel].push_back({tile, static_cast<uint16_t>(kRamp * params_.colors + color)});
  ++pending_credits_;
  return f.data;
}

void Fabric::inject_packet(uint32_t src, uint32_t dest, uint32_t flits, uint32_t packet_id, uint64_t cycle) {
  if (!params_.packets) fail("inject_packet needs packet mode");
  if (src >= tiles() || dest >= tiles()) fail("packet " + std::to_string(packet_id) + ": tile outside the grid");
  if (flits == 0) fail("packet " + std::to_string(packet_id) + " has no flits");
  if (cycle < now_) fail("packet created in the settled past");
  Router& r = router(src);
  r.source.push_back({dest, flits, packet_id, cycle});
  source_flits_ += flits;
  if (r.source.size() == 1) schedule(src, cycle);
}

void Fabric::feed_from_source(Router& r, uint32_t tile, uint64_t t) {
  // One flit per cycle enters the ramp input; a packet keeps the VC it started in.
  if (r.source.empty() || r.source.front().created > t) return;
  const uint32_t v = params_.colors;
  if (r.source_vc < 0) {
    for (uint32_t k = 0; k < v; ++k) {
      const uint32_t vc = (r.rr_vc[kRamp] + k) % v;
      const auto& q = r.in[kRamp * v + vc];
      if (q.count == 0 && q.state == Router::InVc::kIdle) {
        r.source_vc = static_cast<int>(vc);
        r.rr_vc[kRamp] = static_cast<uint8_t>((vc + 1) % v);
        break;
      }
    }
    if (r.source_vc < 0) return;
  }
  const uint32_t index = kRamp * v + static_cast<uint32_t>(r.source_vc);
  if (r.in[index].count == r.in[index].cap) return;
  const SourcePacket& p = r.source.front();
  Flit f;
  f.data = tile;
  f.dest = p.dest;
  f.tag = p.id;
  f.flags = static_cast<uint8_t>((r.source_sent == 0 ? Flit::kHead : 0) | (r.source_sent + 1 == p.flits ? Flit::kTail : 0));
  f.ready = t + inject_cycles_;
  r.push(kRamp, static_cast<uint32_t>(r.source_vc), f);
  ++in_flight_;
  --source_flits_;
  if (++r.source_sent == p.flits) {
    r.source.pop_front();
    r.source_sent = 0;
    r.source_vc = -1;
  }
}

void Fabric::route_head(Router& r, uint32_t tile, int in_port, uint32_t vc) {
  auto& q = r.in[in_port * params_.colors + vc];
  const Flit& f = q.front(r.slots);
  if (params_.packets) {
    if (!(f.flags & Flit::kHead)) fail(at(tile, params_.width) + ": body flit without a head on VC " + std::to_string(vc));
    const MeshPoint cur{int32_t(tile % params_.width), int32_t(tile / params_.width)};
    const MeshPoint src{int32_t(f.data % params_.width), int32_t(f.data / params_.width)};
    const MeshPoint dst{int32_t(f.dest % params_.width), int32_t(f.dest / params_.width)};
    q.pending = route_candidates(params_.routing, src, cur, dst);
    q.state = Router::InVc::kWaitVc;
    return;
  }
  // Without a route the wavelet waits, as a head blocked on credits would: firmware writes its
  // routes while neighbours may already send. The watchdog reports one that waits for good.
  q.pending = r.routes[vc * kPorts + in_port];
  if (q.pending) q.state = Router::InVc::kActive;
}

bool Fabric::allocate_vc(Router& r, int in_port, uint32_t vc) {
  // Adaptive selection: of the allowed outputs, the one with a free VC and the most credits.
  auto& q = r.in[in_port * params_.colors + vc];
  const uint32_t v = params_.colors;
  int best_port = -1, best_vc = -1, best_credits = -1;
  for (uint32_t outs = q.pending; outs; outs &= outs - 1) {
    const int o = __builtin_ctz(outs);
    if (o == kRamp) {  // the sink takes every packet
      best_port = o;
      best_vc = static_cast<int>(vc);
      break;
    }
    for (uint32_t k = 0, w = r.rr_vc[o]; k < v; ++k, w = w + 1 == v ? 0 : w + 1) {
      if (r.out_busy[o * v + w]) continue;
      if (r.credits[o * v + w] > best_credits) {
        best_port = o;
        best_vc = static_cast<int>(w);
        best_credits = r.credits[o * v + w];
      }
      break;
    }
  }
  if (best_port < 0) return false;
  q.out_port = static_cast<uint8_t>(best_port);
  q.out_vc = static_cast<uint8_t>(best_vc);
  return true;
}

void Fabric::send(Router& r, uint32_t tile, int in_port, uint32_t vc, int out_port, uint64_t t) {
  const uint32_t v = params_.colors;
  auto& q = r.in[in_port * v + vc];
  Flit f = q.front(r.slots);
  const uint32_t out_vc = params_.packets ? q.out_vc : vc;
  const uint64_t arrive = t + r.latency[out_port];
  if (send_observer_) send_observer_(tile, out_port, out_vc, f.data, t);
  ++r.stats.link_flits[out_port];
  ++flit_hops_;
  if (out_port == kRamp) {
    if (params_.packets) {
      client_->delivered(tile, f, arrive);
      return;
    }
    --r.credits[kRamp * v + out_vc];
    f.ready = arrive;
    r.push(kPorts, out_vc, f);
    client_->rx_arrival(tile, out_vc, arrive);
    return;
  }
  --r.credits[out_port * v + out_vc];
  const uint32_t next = r.next_tile[out_port];
  if (next == UINT32_MAX) {  // an attached edge port: the wavelet leaves the wafer
    if (edge_link_credits(tile, out_port)) {
      ++edge_lent_[(uint64_t{tile} * kPorts + out_port) * v + out_vc];
    } else {
      credit_wheel_[(arrive + params_.credit_delay_cycles) % kWheel].push_back(
          {tile, static_cast<uint16_t>(out_port * v + out_vc)});
      ++pending_credits_;
    }
    client_->edge_out(tile, out_port, out_vc, f.data, arrive);
    return;
  }
  // The output VC is free for the next packet once its tail has left; that packet's flits queue
  // behind this one's downstream.
  if (params_.packets && (f.flags & Flit::kTail)) r.out_busy[out_port * v + out_vc] = 0;
  Router& d = router(next);
  f.ready = arrive;
  d.push(opposite(out_port), out_vc, f);
  ++in_flight_;  // the copy downstream; the original leaves when its buffer pops it
  schedule(next, arrive + rc_cycles_ + (params_.packets ? 0 : va_cycles_));
}

void Fabric::release(Router& r, uint32_t tile, int port, uint32_t vc, uint64_t t) {
  r.pop(static_cast<uint32_t>(port), vc);
  --in_flight_;
  if (port == kRamp) {
    if (!params_.packets) client_->tx_space(tile, vc, t + 1);
  } else if (r.next_tile[port] == UINT32_MAX) {
    client_->edge_space(tile, port, vc, t + 1);
  } else {
    const uint64_t when = t + r.credit_delay[port];
    credit_wheel_[when % kWheel].push_back({r.next_tile[port], static_cast<uint16_t>(opposite(port) * params_.colors + vc)});
    ++pending_credits_;
  }
}

void Fabric::process(uint32_t tile, uint64_t t) {
  Router& r = *routers_[tile];
  if (r.twin) return process_twin(r, tile, t);
  const uint32_t v = params_.colors;
  if (r.blocked_since != UINT64_MAX) {
    r.stats.stall_cycles += t - r.blocked_since;
    r.blocked_since = UINT64_MAX;
  }
  if (params_.packets) feed_from_source(r, tile, t);

  uint64_t next = UINT64_MAX;
  bool blocked = false;   // a head waits for a credit or a VC: a credit event will wake us
  bool stalled = false;   // a head that could go this cycle did not
  const auto eligible_at = [&](const Router::InVc& q, const Flit& f) {
    if (!params_.packets) return f.ready + rc_cycles_ + va_cycles_;
    return q.state == Router::InVc::kActive && (f.flags & Flit::kHead) ? std::max(q.ready_at, f.ready + rc_cycles_)
                                                                       : f.ready + rc_cycles_;
  };

  // Route computation and VC allocation (packets): separable, input first, one iteration.
  if (params_.packets) {
    struct Request {
      uint16_t in_vc, out_vc;
    };
    Request requests[kPorts * 32];
    int n_requests = 0;
    for (uint32_t ports = r.nonempty_ports; ports; ports &= ports - 1) {
      const int p = __builtin_ctz(ports);
      for (uint32_t mask = r.nonempty[p]; mask; mask &= mask - 1) {
        const uint32_t vc = __builtin_ctz(mask);
        auto& q = r.in[p * v + vc];
        const Flit& f = q.front(r.slots);
        if (q.state == Router::InVc::kActive) continue;
        const uint64_t routed = std::max(f.ready, q.ready_at) + rc_cycles_;
        if (routed > t) {
          next = std::min(next, routed);
          continue;
        }
        if (q.state == Router::InVc::kIdle) route_head(r, tile, p, vc);
        if (allocate_vc(r, p, vc)) {
          requests[n_requests++] = {static_cast<uint16_t>(p * v + vc), static_cast<uint16_t>(q.out_port * v + q.out_vc)};
        } else {
          blocked = true;  // every allowed output VC is held until a tail leaves
          stalled = true;
        }
      }
    }
    // Output side: each output VC grants one requester, round robin from its pointer.
    for (int i = 0; i < n_requests; ++i) {
      const uint16_t ovc = requests[i].out_vc;
      if (ovc == UINT16_MAX) continue;
      const bool sink = ovc / v == kRamp;
      int winner = -1;
      uint32_t best = UINT32_MAX;
      for (int j = i; j < n_requests; ++j) {
        if (requests[j].out_vc != ovc) continue;
        uint32_t distance = requests[j].in_vc + (sink ? 0 : kPorts * v - r.rr_va[ovc]);
        if (distance >= kPorts * v) distance -= kPorts * v;
        if (sink || distance < best) {
          best = distance;
          winner = j;
          if (sink) break;
        }
      }
      for (int j = i; j < n_requests; ++j) {
        if (requests[j].out_vc != ovc) continue;
        auto& q = r.in[requests[j].in_vc];
        if (j == winner || sink) {
          q.state = Router::InVc::kActive;
          q.ready_at = t + va_cycles_;
          if (!sink) {
            r.out_busy[ovc] = 1;
            r.rr_va[ovc] = static_cast<uint16_t>((requests[j].in_vc + 1) % (kPorts * v));
            r.rr_vc[ovc / v] = static_cast<uint8_t>((ovc % v + 1) % v);
          }
        } else {
          next = std::min(next, t + 1);  // lost the allocation; try again
        }
        requests[j].out_vc = UINT16_MAX;
      }
    }
  }

  // Switch allocation, input side: each input port offers one VC whose head can move.
  int offer_vc[kPorts];
  PortMask offer_out[kPorts];
  uint8_t offering_inputs[kPorts] = {};  // per output port, the input ports offering to it
  uint8_t offering_ports = 0;
  PortMask requested = 0;
  const uint32_t full = v == 32 ? ~0u : (1u << v) - 1;
  for (uint32_t ports = r.nonempty_ports; ports; ports &= ports - 1) {
    const int p = __builtin_ctz(ports);
    const uint32_t mask = r.nonempty[p];
    const uint32_t start = r.rr_in[p];
    const uint32_t rotated = start ? (mask >> start) | (mask << (v - start)) : mask;
    for (uint32_t m = rotated & full; m; m &= m - 1) {
      uint32_t vc = __builtin_ctz(m) + start;
      if (vc >= v) vc -= v;
      auto& q = r.in[p * v + vc];
      const Flit& f = q.front(r.slots);
      if (params_.packets && q.state != Router::InVc::kActive) continue;
      const uint64_t when = eligible_at(q, f);
      if (when > t) {
        next = std::min(next, when);
        continue;
      }
      if (!params_.packets && q.state != Router::InVc::kActive) route_head(r, tile, p, vc);
      PortMask ready_outputs = 0;
      const PortMask wanted = params_.packets ? port_bit(q.out_port) : q.pending;
      const uint32_t out_vc = params_.packets ? q.out_vc : vc;
      for (uint32_t w = wanted; w; w &= w - 1) {
        const int o = __builtin_ctz(w);
        if ((params_.packets && o == kRamp) || r.credits[o * v + out_vc] > 0) ready_outputs |= port_bit(o);
      }
      if (!ready_outputs) {
        blocked = true;  // waits for a credit
        stalled = true;
        continue;
      }
      if (offering_ports & port_bit(p)) {
        next = std::min(next, t + 1);  // the port sends one flit per cycle
        stalled = true;
        continue;
      }
      offering_ports |= port_bit(p);
      offer_vc[p] = static_cast<int>(vc);
      offer_out[p] = ready_outputs;
      requested |= ready_outputs;
      for (uint32_t w = ready_outputs; w; w &= w - 1) offering_inputs[__builtin_ctz(w)] |= port_bit(p);
    }
  }

  // Output side: each output grants one offering input port, round robin.
  PortMask granted[kPorts] = {};
  for (uint32_t outs = requested; outs; outs &= outs - 1) {
    const int o = __builtin_ctz(outs);
    const uint32_t m = offering_inputs[o], start = r.rr_out[o];
    const uint32_t rotated = ((m >> start) | (m << (kPorts - start))) & 0x1f;
    int p = static_cast<int>(__builtin_ctz(rotated) + start);
    if (p >= kPorts) p -= kPorts;
    send(r, tile, p, static_cast<uint32_t>(offer_vc[p]), o, t);
    granted[p] |= port_bit(o);
    if (!params_.packets) r.in[p * v + offer_vc[p]].pending &= PortMask(~port_bit(o));
    r.rr_out[o] = static_cast<uint8_t>(p + 1 == kPorts ? 0 : p + 1);
  }

  for (uint32_t ports = offering_ports; ports; ports &= ports - 1) {
    const int p = __builtin_ctz(ports);
    const uint32_t vc = static_cast<uint32_t>(offer_vc[p]);
    auto& q = r.in[p * v + vc];
    if (granted[p] != offer_out[p]) {
      next = std::min(next, t + 1);
      stalled = true;
    }
    if (!granted[p]) continue;
    if (!params_.packets && q.pending) {
      // Multicast copies still owed: try again next cycle, when an output without a credit
      // makes the router wait for one like any blocked head.
      next = std::min(next, t + 1);
      continue;
    }
    if (!params_.packets || (q.front(r.slots).flags & Flit::kTail)) {
      q.state = Router::InVc::kIdle;
      q.ready_at = t + 1;
    }
    release(r, tile, p, vc, t);
    r.rr_in[p] = static_cast<uint8_t>(vc + 1 == v ? 0 : vc + 1);
    if (q.count) next = std::min(next, std::max(t + 1, eligible_at(q, q.front(r.slots))));
  }
  if (stalled) ++r.stats.stall_cycles;
  // A tail that left freed its output VC: heads waiting for one may allocate next cycle.
  for (int p = 0; p < kPorts && blocked && params_.packets; ++p)
    if (granted[p] && (r.in[p * v + offer_vc[p]].state == Router::InVc::kIdle)) next = std::min(next, t + 1);
  if (!r.source.empty()) next = std::min(next, std::max(t + 1, r.source.front().created));
  if (blocked) r.blocked_since = t + 1;  // stalled until something changes here
  if (next != UINT64_MAX) schedule(tile, next);
  else if (blocked && !r.watched) {
    r.watched = true;
    blocked_.push_back(tile);
  }
}

void Fabric::step(uint64_t t) {
  while (!far_wakes_.empty() && far_wakes_.top().first < t + kWheel) {
    wake_wheel_[far_wakes_.top().first % kWheel].push_back(far_wakes_.top().second);
    ++wheel_wakes_;
    far_wakes_.pop();
  }
  auto& credits = credit_wheel_[t % kWheel];
  for (const CreditEvent& e : credits) {
    Router& r = *routers_[e.tile];
    ++r.credits[e.out_vc];
    if (r.twin) r.twin->return_credit(e.out_vc / params_.colors, e.out_vc % params_.colors);
    if (r.blocked_since != UINT64_MAX) schedule(e.tile, t);  // only a waiting head needs it
  }
  pending_credits_ -= credits.size();
  credits.clear();
  auto& slot = wake_wheel_[t % kWheel];
  wake_scratch_.swap(slot);
  wheel_wakes_ -= wake_scratch_.size();
  for (uint32_t tile : wake_scratch_) {
    Router& r = *routers_[tile];
    if (r.wake_at != t) continue;  // superseded by an earlier wake-up
    r.wake_at = UINT64_MAX;
    process(tile, t);
  }
  wake_scratch_.clear();
}

uint64_t Fabric::advance(uint64_t limit) {
  for (;;) {
    limit = std::min(limit, stop_at_);
    if (now_ >= limit) break;
    if (!pending_credits_ && !wheel_wakes_) {
      // Nothing moves before the next far wake-up: jump there, but look at blocked routers on
      // the watchdog's schedule.
      uint64_t next = far_wakes_.empty() ? UINT64_MAX : far_wakes_.top().first;
      if (!blocked_.empty()) next = std::min(next, std::max(next_watchdog_, now_ + 1));
      if (next > now_) {
        now_ = std::min(next, limit);
        if (now_ >= next_watchdog_ && !blocked_.empty()) check_watchdog(now_);
        continue;
      }
    }
    step(now_);
    ++now_;
    if (now_ >= next_watchdog_) check_watchdog(now_);
  }
  stop_at_ = UINT64_MAX;
  return now_;
}

const RouterStats* Fabric::router_stats(uint32_t tile) const {
  const Router* r = router_if(tile);
  return r ? &r->stats : nullptr;
}

void Fabric::reset_stats() {
  for (auto& r : routers_)
    if (r) r->stats = RouterStats{};
}

}  // namespace wvp
