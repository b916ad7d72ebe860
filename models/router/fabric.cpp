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

namespace {
constexpr uint32_t kSourceCompactPackets = 1024;

// Round robin over the 5 ports in one look-up: the first port of a (non-empty) port mask at or
// after the favoured one, cyclically.
struct PortRoundRobin {
  uint8_t first[kPorts][1u << kPorts] = {};
  constexpr PortRoundRobin() {
    for (int start = 0; start < kPorts; ++start)
      for (uint32_t mask = 1; mask < (1u << kPorts); ++mask)
        for (int k = 0; k < kPorts; ++k) {
          const int p = (start + k) % kPorts;
          if (mask & port_bit(p)) {
            first[start][mask] = static_cast<uint8_t>(p);
            break;
          }
        }
  }
};
constexpr PortRoundRobin kPortRoundRobin;

// Prefetches the first `lines` (at most 16) cache lines from `block` without a loop: a loop's
// compare and branch per line cost more instructions than the prefetches.
inline void prefetch_lines(const char* block, uint32_t lines) {
  switch (lines) {
    default: __builtin_prefetch(block + 15 * 64); [[fallthrough]];
    case 15: __builtin_prefetch(block + 14 * 64); [[fallthrough]];
    case 14: __builtin_prefetch(block + 13 * 64); [[fallthrough]];
    case 13: __builtin_prefetch(block + 12 * 64); [[fallthrough]];
    case 12: __builtin_prefetch(block + 11 * 64); [[fallthrough]];
    case 11: __builtin_prefetch(block + 10 * 64); [[fallthrough]];
    case 10: __builtin_prefetch(block + 9 * 64); [[fallthrough]];
    case 9: __builtin_prefetch(block + 8 * 64); [[fallthrough]];
    case 8: __builtin_prefetch(block + 7 * 64); [[fallthrough]];
    case 7: __builtin_prefetch(block + 6 * 64); [[fallthrough]];
    case 6: __builtin_prefetch(block + 5 * 64); [[fallthrough]];
    case 5: __builtin_prefetch(block + 4 * 64); [[fallthrough]];
    case 4: __builtin_prefetch(block + 3 * 64); [[fallthrough]];
    case 3: __builtin_prefetch(block + 2 * 64); [[fallthrough]];
    case 2: __builtin_prefetch(block + 64); [[fallthrough]];
    case 1: __builtin_prefetch(block); [[fallthrough]];
    case 0: break;
  }
}
}  // namespace

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
  router_blocks_ = std::make_unique<BlockPool>(router_state_bytes(params_), 64);
  routers_.resize(tiles());
  ring_flits_ = fabric_internal::ring_flits(params_);
  prefetch_lines_ = static_cast<uint32_t>(std::min<uint64_t>(router_state_bytes(params_) / 64, kPrefetchLinesMax));
  for (uint32_t port = 0; port <= kPorts; ++port) capacity_[port] = fabric_internal::buffer_capacity(params_, port);
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

namespace {

// Where a router's arrays lie behind its header, and the bytes of the whole allocation.
struct RouterLayout {
  size_t in, credits, routes, packet, out_busy, rr_va, bytes;
};

RouterLayout router_layout(const FabricParams& p, size_t header_bytes, size_t in_vc_bytes, size_t packet_vc_bytes) {
  const size_t v = p.colors, buffers = (kPorts + 1) * v, outputs = kPorts * v;
  const auto align = [](size_t offset, size_t to) { return (offset + to - 1) / to * to; };
  RouterLayout l{};
  l.in = align(header_bytes, 8);
  size_t end = l.in + buffers * in_vc_bytes;
  l.credits = end;
  end += outputs;
  if (p.packets) {
    l.packet = align(end, 8);
    end = l.packet + buffers * packet_vc_bytes;
    l.out_busy = end;
    end += outputs;
    l.rr_va = align(end, 2);
    end = l.rr_va + outputs * sizeof(uint16_t);
  } else {
    l.routes = end;
    end += v * kPorts;
  }
  l.bytes = align(end, 64);
  return l;
}

}  // namespace

uint64_t Fabric::router_state_bytes(const FabricParams& p) {
  return router_layout(p, sizeof(Router), sizeof(InVc), sizeof(Router::PacketVc)).bytes;
}

uint64_t Fabric::router_bytes(const FabricParams& p) {
  // Besides the state and its pointer in the grid: the flits it buffers, a ring per non-empty
  // buffer; the flit pool at its peak held 2 to 4 rings per touched router (all-reduce and the
  // collectives' check on 16 x 16, `wafervp run --stats`).
  return router_state_bytes(p) + sizeof(void*) + uint64_t{4} * fabric_internal::ring_flits(p) * sizeof(Flit);
}

uint64_t Fabric::bytes_per_touched_router() const {
  if (!touched_) return 0;
  const uint64_t pool = pool_.capacity() * sizeof(Flit) + free_rings_.capacity() * sizeof(uint32_t);
  return router_state_bytes(params_) + sizeof(void*) + pool / touched_;
}

void Fabric::RouterDelete::operator()(Router* r) const { r->~Router(); }

Fabric::Router& Fabric::make_router(uint32_t tile) {
  const RouterLayout l = router_layout(params_, sizeof(Router), sizeof(InVc), sizeof(Router::PacketVc));
  std::byte* block = static_cast<std::byte*>(router_blocks_->allocate());
  Router* r = new (block) Router;
  routers_[tile].reset(r);
  ++touched_;
  const uint32_t v = params_.colors, buffers = (kPorts + 1) * v, outputs = kPorts * v;
  r->in = new (block + l.in) InVc[buffers];
  r->credits = new (block + l.credits) uint8_t[outputs];
  std::fill_n(r->credits, outputs, static_cast<uint8_t>(params_.buffer_depth_flits));
  std::fill_n(r->credits + kRamp * v, v, static_cast<uint8_t>(params_.rx_queue_depth_flits));
  if (params_.packets) {
    r->packet = new (block + l.packet) Router::PacketVc[buffers];
    r->out_busy = new (block + l.out_busy) uint8_t[outputs]();
    r->rr_va = new (block + l.rr_va) uint16_t[outputs]();
  } else {
    r->routes = new (block + l.routes) PortMask[v * kPorts]();
  }
  for (int p = 0; p < kPorts; ++p) {
    r->next_tile[p] = neighbor(tile, p);
    r->latency[p] = link_latency(tile, p);
    if (p != kRamp && r->next_tile[p] != UINT32_MAX)
      r->credit_delay[p] = params_.credit_delay_cycles + link_latency(r->next_tile[p], opposite(p)) - post_sa_cycles_;
  }
  return *r;
}

void Fabric::fail(const std::string& what) { throw FabricError("fabric: " + what); }

void Fabric::check_route(uint32_t tile, uint32_t color, int in_port, PortMask outputs) const {
  if (params_.packets) fail("routes are per color; this fabric routes packets by destination");
  if (tile >= tiles()) fail("tile " + std::to_string(tile) + " is outside the grid");
  // Named only on failure: firmware sets tens of routes per tile.
  const auto where = [&] { return at(tile, params_.width); };
  if (color >= params_.colors)
    fail(where() + ": color " + std::to_string(color) + " out of range (colors: " + std::to_string(params_.colors) + ")");
  if (in_port < 0 || in_port >= kPorts) fail(where() + ": no input port " + std::to_string(in_port));
  if (outputs >> kPorts) fail(where() + ": color " + std::to_string(color) + ": output mask has bits beyond the 5 ports");
  for (int o = 0; o < kRamp; ++o)
    if ((outputs & port_bit(o)) && neighbor(tile, o) == UINT32_MAX && !edge_attached(tile, o))
      fail(where() + ": color " + std::to_string(color) + " from " + port_name(in_port) + " routed to port " +
           port_name(o) + ", which leaves the grid");
}

void Fabric::set_route(uint32_t tile, uint32_t color, int in_port, PortMask outputs) {
  check_route(tile, color, in_port, outputs);
  Router& r = router(tile);
  r.routes[color * kPorts + in_port] = outputs;
  if (r.twin) r.twin->write_route(color, in_port, outputs);
  // A wavelet may be waiting for this route.
  if (r.in[in_port * params_.colors + color].count) schedule(r, tile, now_);
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
  credit_wheel_.push(cycle, {tile, out_vc});
}

bool Fabric::edge_push(uint32_t tile, int dir, uint32_t color, uint32_t wavelet, uint64_t cycle) {
  if (!edge_attached(tile, dir)) fail(at(tile, params_.width) + ": port " + port_name(dir) + " has no off-wafer link");
  if (color >= params_.colors) fail(at(tile, params_.width) + ": edge wavelet on color " + std::to_string(color) + " out of range");
  if (cycle < now_) fail("edge wavelet at cycle " + std::to_string(cycle) + " in the settled past (now " + std::to_string(now_) + ")");
  Router& r = router(tile);
  if (r.in[dir * params_.colors + color].count == capacity_[dir]) return false;
  Flit f;
  f.data = wavelet;
  f.tag = tile;
  f.flags = Flit::kHead | Flit::kTail;
  f.ready = cycle;
  push(r, static_cast<uint32_t>(dir), color, f);
  ++in_flight_;
  schedule(r, tile, cycle + rc_cycles_ + va_cycles_);
  return true;
}

void Fabric::stop_at(uint64_t cycle) { stop_at_ = std::min(stop_at_, std::max(cycle, now_)); }

void Fabric::call_at(uint64_t cycle, uint32_t tile) {
  if (cycle < now_ || cycle > now_ + kMaxPopLead)
    fail("a call at cycle " + std::to_string(cycle) + " too far from the fabric's time (now " + std::to_string(now_) + ")");
  call_wheel_.push(cycle, tile);
}

void Fabric::make_calls(uint64_t t) {
  // Calls made meanwhile for `t` itself join the slot again: take until it stays empty.
  for (;;) {
    call_wheel_.take(t, calls_due_);
    if (!calls_due_.size) break;
    // Pushed in the order the tiles' waits began, which follows the cores' run order within a
    // quantum; the tiles' order does not.
    std::sort(calls_due_.data.get(), calls_due_.data.get() + calls_due_.size);
    for (uint32_t tile : calls_due_) client_->called(tile, t);
    call_wheel_.recycle(calls_due_);
  }
}

bool Fabric::tx_full(uint32_t tile, uint32_t color) const { return tx_space_flits(tile, color) == 0; }

uint32_t Fabric::tx_space_flits(uint32_t tile, uint32_t color) const {
  const Router* r = router_if(tile);
  if (!r) return params_.tx_queue_depth_flits;
  return capacity_[kRamp] - r->in[kRamp * params_.colors + color].count;
}

void Fabric::tx_push(uint32_t tile, uint32_t color, uint32_t wavelet, uint64_t cycle) {
  if (cycle < now_) fail("send at cycle " + std::to_string(cycle) + " into the settled past (now " + std::to_string(now_) + ")");
  Router& r = router(tile);
  if (r.in[kRamp * params_.colors + color].count == capacity_[kRamp]) fail(at(tile, params_.width) + ": send into a full queue");
  Flit f;
  f.data = wavelet;
  f.tag = tile;
  f.flags = Flit::kHead | Flit::kTail;
  f.ready = cycle;
  push(r, kRamp, color, f);
  ++in_flight_;
  schedule(r, tile, cycle + rc_cycles_ + va_cycles_);
}

uint32_t Fabric::rx_available(uint32_t tile, uint32_t color, uint64_t cycle) const {
  const Router* r = router_if(tile);
  if (!r) return 0;
  const auto& q = r->in[kPorts * params_.colors + color];
  uint32_t n = 0;
  while (n < q.count && flit_at(q, n).ready <= cycle) ++n;
  return n;
}

uint64_t Fabric::rx_queued() const {
  uint64_t n = 0;
  for (const auto& r : routers_)
    if (r)
      for (uint32_t c = 0; c < params_.colors; ++c) n += r->in[kPorts * params_.colors + c].count;
  return n;
}

uint32_t Fabric::buffered(uint32_t tile, int port, uint32_t color) const {
  const Router* r = router_if(tile);
  return r ? r->in[port * params_.colors + color].count : 0;
}

uint64_t Fabric::rx_next_arrival(uint32_t tile, uint32_t color) const {
  const Router* r = router_if(tile);
  if (!r) return UINT64_MAX;
  const auto& q = r->in[kPorts * params_.colors + color];
  return q.count ? flit_at(q, 0).ready : UINT64_MAX;
}

uint32_t Fabric::rx_front(uint32_t tile, uint32_t color) const {
  if (rx_next_arrival(tile, color) == UINT64_MAX) fail(at(tile, params_.width) + ": look into an empty queue");
  return flit_at(routers_[tile]->in[kPorts * params_.colors + color], 0).data;
}

uint32_t Fabric::rx_pop(uint32_t tile, uint32_t color, uint64_t cycle) {
  if (rx_next_arrival(tile, color) > cycle) fail(at(tile, params_.width) + ": receive from an empty queue");
  if (cycle + 1 < now_ || cycle > now_ + kMaxPopLead)
    fail("receive at cycle " + std::to_string(cycle) + " too far from the fabric's time (now " + std::to_string(now_) + ")");
  Router& r = *routers_[tile];
  const Flit f = pop(r, kPorts, color);
  // The freed slot is a credit for the router's ramp output, seen the next cycle.
  const uint64_t when = std::max(cycle + 1, now_);
  credit_wheel_.push(when, {tile, static_cast<uint16_t>(kRamp * params_.colors + color)});
  return f.data;
}

void Fabric::inject_packet(uint32_t src, uint32_t dest, uint32_t flits, uint32_t packet_id, uint64_t cycle) {
  if (!params_.packets) fail("inject_packet needs packet mode");
  if (src >= tiles() || dest >= tiles()) fail("packet " + std::to_string(packet_id) + ": tile outside the grid");
  if (flits == 0) fail("packet " + std::to_string(packet_id) + " has no flits");
  if (cycle < now_) fail("packet created in the settled past");
  Router& r = router(src);
  if (!r.has_source()) {  // the queue restarts at its front when it empties
    r.source.clear();
    r.source_head = 0;
    r.source_created = cycle;
    schedule(r, src, cycle);
  }
  r.source.push_back({dest, flits, packet_id, cycle});
  source_flits_ += flits;
}

// Inlined into the router's visit, which calls it every time (packets).
template <uint32_t kVcs>
[[gnu::always_inline]] inline void Fabric::feed_from_source(Router& r, uint32_t tile, uint64_t t) {
  // One flit per cycle enters the ramp input; a packet keeps the VC it started in.
  if (r.source_created > t) return;
  const uint32_t v = vcs<kVcs>();
  if (r.source_vc < 0) {
    for (uint32_t k = 0; k < v; ++k) {
      const uint32_t vc = (r.rr_vc[kRamp] + k) % v;
      const auto& q = r.in[kRamp * v + vc];
      if (q.count == 0 && q.state == InVc::kIdle) {
        r.source_vc = static_cast<int8_t>(vc);
        r.rr_vc[kRamp] = static_cast<uint8_t>((vc + 1) % v);
        break;
      }
    }
    if (r.source_vc < 0) return;
  }
  const uint32_t index = kRamp * v + static_cast<uint32_t>(r.source_vc);
  if (r.in[index].count == capacity_[kRamp]) return;
  const SourcePacket& p = r.source_front();
  Flit f;
  f.data = tile;
  f.dest = p.dest;
  f.tag = p.id;
  f.flags = static_cast<uint8_t>((r.source_sent == 0 ? Flit::kHead : 0) | (r.source_sent + 1 == p.flits ? Flit::kTail : 0));
  f.ready = t + inject_cycles_;
  push<kVcs>(r, kRamp, static_cast<uint32_t>(r.source_vc), f);
  ++in_flight_;
  --source_flits_;
  if (++r.source_sent == p.flits) {
    r.source_sent = 0;
    // Drop the packets sent when they are most of the queue, so a queue that never empties
    // (beyond saturation) holds its backlog only.
    if (++r.source_head >= kSourceCompactPackets && 2 * r.source_head >= r.source.size()) {
      r.source.erase(r.source.begin(), r.source.begin() + r.source_head);
      r.source_head = 0;
    }
    r.source_created = r.source_head < r.source.size() ? r.source_front().created : UINT64_MAX;
    r.source_vc = -1;
  }
}

// Inlined into the router's visit, its one caller, once per head: a call, and the routing
// function's, cost more than the routing itself.
template <uint32_t kVcs>
[[gnu::always_inline]] inline void Fabric::route_packet(Router& r, uint32_t tile, int in_port, uint32_t vc) {
  auto& q = r.in[in_port * vcs<kVcs>() + vc];
  const Flit& f = flit_at(q, 0);
  if (!(f.flags & Flit::kHead)) [[unlikely]]
    fail(at(tile, params_.width) + ": body flit without a head on VC " + std::to_string(vc));
  const uint32_t w = params_.width;
  const MeshPoint cur{int32_t(tile % w), int32_t(tile / w)};
  const MeshPoint dst{int32_t(f.dest % w), int32_t(f.dest / w)};
  // Only odd-even looks at the source: the others spare its division.
  const MeshPoint src = params_.routing == Routing::OddEven ? MeshPoint{int32_t(f.data % w), int32_t(f.data / w)} : cur;
  q.pending = route_candidates(params_.routing, src, cur, dst);
  q.state = InVc::kWaitVc;
}

void Fabric::route_head(Router& r, int in_port, uint32_t vc) {
  // Without a route the wavelet waits, as a head blocked on credits would: firmware writes its
  // routes while neighbours may already send. The watchdog reports one that waits for good.
  auto& q = r.in[in_port * params_.colors + vc];
  q.pending = r.routes[vc * kPorts + in_port];
  if (q.pending) q.state = InVc::kActive;
}

// Inlined into the router's visit, its one caller, once per head.
template <uint32_t kVcs>
[[gnu::always_inline]] inline bool Fabric::allocate_vc(Router& r, int in_port, uint32_t vc) {
  // Adaptive selection: of the allowed outputs, the one with a free VC and the most credits.
  const uint32_t v = vcs<kVcs>(), index = in_port * v + vc;
  int best_port = -1, best_vc = -1, best_credits = -1;
  for (uint32_t outs = r.in[index].pending; outs; outs &= outs - 1) {
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
  r.packet[index].out_port = static_cast<uint8_t>(best_port);
  r.packet[index].out_vc = static_cast<uint8_t>(best_vc);
  return true;
}

// Inlined into step(), its one caller.
[[gnu::always_inline]] inline void Fabric::process(Router& r, uint32_t tile, uint64_t t) {
  if (r.twin) return process_twin(r, tile, t);
  // Two VCs: the NoC studies' default and the textbook router's; 24 colors: the wafer's.
  if (params_.packets && params_.colors == 2) process_router<true, 2>(r, tile, t);
  else if (params_.packets) process_router<true, 0>(r, tile, t);
  else if (params_.colors == 24) process_router<false, 24>(r, tile, t);
  else process_router<false, 0>(r, tile, t);
}

template <bool kPackets, uint32_t kVcs>
void Fabric::process_router(Router& r, uint32_t tile, uint64_t t) {
  const uint32_t v = vcs<kVcs>();
  if (r.blocked_since != UINT64_MAX) [[unlikely]] {
    r.stats.stall_cycles += t - r.blocked_since;
    r.blocked_since = UINT64_MAX;
  }
  if constexpr (kPackets) feed_from_source<kVcs>(r, tile, t);

  uint64_t next = UINT64_MAX;
  bool blocked = false;   // a head waits for a credit or a VC: a credit event will wake us
  bool stalled = false;   // a head that could go this cycle did not
  // `active`: the VC holds an output VC (packets), so that its head waits for the allocation too.
  const auto eligible_at = [&](uint32_t index, const Flit& f, bool active) -> uint64_t {
    if constexpr (!kPackets) return f.ready + rc_cycles_ + va_cycles_;
    return (f.flags & Flit::kHead) && active ? std::max(r.packet[index].ready_at, f.ready + rc_cycles_) : f.ready + rc_cycles_;
  };

  // Route computation and VC allocation (packets): separable, input first, one iteration.
  if constexpr (kPackets) {
    // An input VC's request for an output VC: both as indices (port * V + vc) and as their parts,
    // so that allocation divides by V nowhere.
    struct Request {
      uint16_t in, out;
      uint8_t in_port, in_vc, out_port, out_vc;
    };
    Request requests[kPorts * (kVcs ? kVcs : 32)];
    int n_requests = 0;
    for (uint32_t ports = r.nonempty_ports; ports; ports &= ports - 1) {
      const int p = __builtin_ctz(ports);
      for (uint32_t mask = r.nonempty[p] & ~r.active[p]; mask; mask &= mask - 1) {
        const uint32_t vc = __builtin_ctz(mask), index = p * v + vc;
        auto& q = r.in[index];
        const uint64_t routed = std::max(flit_at(q, 0).ready, r.packet[index].ready_at) + rc_cycles_;
        if (routed > t) {
          next = std::min(next, routed);
          continue;
        }
        if (q.state == InVc::kIdle) route_packet<kVcs>(r, tile, p, vc);
        if (allocate_vc<kVcs>(r, p, vc)) {
          const Router::PacketVc& held = r.packet[index];
          requests[n_requests++] = {static_cast<uint16_t>(index), static_cast<uint16_t>(held.out_port * v + held.out_vc),
                                    static_cast<uint8_t>(p), static_cast<uint8_t>(vc), held.out_port, held.out_vc};
        } else {
          blocked = true;  // every allowed output VC is held until a tail leaves
          stalled = true;
        }
      }
    }
    // Output side: each output VC grants one requester, round robin from its pointer.
    const uint32_t input_vcs = kPorts * v;
    const auto grant = [&](const Request& req) {
      r.in[req.in].state = InVc::kActive;
      r.active[req.in_port] |= 1u << req.in_vc;
      r.packet[req.in].ready_at = t + va_cycles_;
      if (req.out_port == kRamp) return;  // the sink takes every packet
      r.out_busy[req.out] = 1;
      r.rr_va[req.out] = static_cast<uint16_t>(req.in + 1u == input_vcs ? 0 : req.in + 1);
      r.rr_vc[req.out_port] = static_cast<uint8_t>(req.out_vc + 1u == v ? 0 : req.out_vc + 1);
    };
    if (n_requests == 1) {
      grant(requests[0]);  // alone: nothing to arbitrate
    } else {
      constexpr uint16_t kDecided = UINT16_MAX;  // granted or lost in this round
      for (int i = 0; i < n_requests; ++i) {
        const uint16_t ovc = requests[i].out;
        if (ovc == kDecided) continue;
        const bool sink = requests[i].out_port == kRamp;
        int winner = -1;
        uint32_t best = UINT32_MAX;
        for (int j = i; j < n_requests; ++j) {
          if (requests[j].out != ovc) continue;
          uint32_t distance = requests[j].in + (sink ? 0 : input_vcs - r.rr_va[ovc]);
          if (distance >= input_vcs) distance -= input_vcs;
          if (sink || distance < best) {
            best = distance;
            winner = j;
            if (sink) break;
          }
        }
        for (int j = i; j < n_requests; ++j) {
          Request& req = requests[j];
          if (req.out != ovc) continue;
          if (j == winner || sink) grant(req);
          else next = std::min(next, t + 1);  // lost the allocation; try again
          req.out = kDecided;
        }
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
    const uint32_t mask = kPackets ? r.nonempty[p] & r.active[p] : r.nonempty[p];
    const uint32_t start = mask & (mask - 1) ? r.rr_in[p] : 0;  // one VC: nothing to rotate
    const uint32_t rotated = start ? (mask >> start) | (mask << (v - start)) : mask;
    for (uint32_t m = rotated & full; m; m &= m - 1) {
      uint32_t vc = __builtin_ctz(m) + start;
      if (vc >= v) vc -= v;
      const uint32_t index = p * v + vc;
      auto& q = r.in[index];
      const uint64_t when = eligible_at(index, flit_at(q, 0), kPackets);  // packets: VCs in `active`
      if (when > t) {
        next = std::min(next, when);
        continue;
      }
      if (!kPackets && q.state != InVc::kActive) route_head(r, p, vc);
      PortMask ready_outputs = 0;
      if constexpr (kPackets) {  // one output, its VC allocated; the sink takes every flit
        const Router::PacketVc& held = r.packet[index];
        if (held.out_port == kRamp || r.credits[held.out_port * v + held.out_vc] > 0) ready_outputs = port_bit(held.out_port);
      } else {
        for (uint32_t w = q.pending; w; w &= w - 1) {
          const int o = __builtin_ctz(w);
          if (r.credits[o * v + vc] > 0) ready_outputs |= port_bit(o);
        }
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
      if constexpr (kPackets) offering_inputs[r.packet[index].out_port] |= port_bit(p);  // one output
      else for (uint32_t w = ready_outputs; w; w &= w - 1) offering_inputs[__builtin_ctz(w)] |= port_bit(p);
    }
  }

  // Output side: each output grants one offering input port, round robin.
  PortMask granted[kPorts] = {};
  PortMask tails = 0;  // input ports whose flit sent was a tail
  for (uint32_t outs = requested; outs; outs &= outs - 1) {
    const int o = __builtin_ctz(outs);
    const int p = kPortRoundRobin.first[r.rr_out[o]][offering_inputs[o]];
    if (send<kPackets, kVcs>(r, tile, p, static_cast<uint32_t>(offer_vc[p]), o, t) & Flit::kTail) tails |= port_bit(p);
    granted[p] |= port_bit(o);
    if (!kPackets) r.in[p * v + offer_vc[p]].pending &= PortMask(~port_bit(o));
    r.rr_out[o] = static_cast<uint8_t>(p + 1 == kPorts ? 0 : p + 1);
  }

  for (uint32_t ports = offering_ports; ports; ports &= ports - 1) {
    const int p = __builtin_ctz(ports);
    const uint32_t vc = static_cast<uint32_t>(offer_vc[p]), index = p * v + vc;
    auto& q = r.in[index];
    if (granted[p] != offer_out[p]) {
      next = std::min(next, t + 1);
      stalled = true;
    }
    if (!granted[p]) continue;
    if (!kPackets && q.pending) {
      // Multicast copies still owed: try again next cycle, when an output without a credit
      // makes the router wait for one like any blocked head.
      next = std::min(next, t + 1);
      continue;
    }
    if (!kPackets || (tails & port_bit(p))) {
      q.state = InVc::kIdle;
      if constexpr (kPackets) {
        r.active[p] &= ~(1u << vc);
        r.packet[index].ready_at = t + 1;
      }
    }
    release<kPackets, kVcs>(r, tile, p, vc, t);
    r.rr_in[p] = static_cast<uint8_t>(vc + 1 == v ? 0 : vc + 1);
    if (q.count) next = std::min(next, std::max(t + 1, eligible_at(index, flit_at(q, 0), q.state == InVc::kActive)));
  }
  if (stalled) ++r.stats.stall_cycles;
  // A tail that left freed its output VC: heads waiting for one may allocate next cycle.
  for (int p = 0; p < kPorts && blocked && kPackets; ++p)
    if (granted[p] && (r.in[p * v + offer_vc[p]].state == InVc::kIdle)) next = std::min(next, t + 1);
  if (kPackets && r.has_source()) next = std::min(next, std::max(t + 1, r.source_created));
  if (blocked) r.blocked_since = t + 1;  // stalled until something changes here
  if (next != UINT64_MAX) schedule(r, tile, next);
  else if (blocked && !r.watched) {
    r.watched = true;
    blocked_.push_back(tile);
  }
}

void Fabric::step(uint64_t t) {
  if (call_wheel_.size()) make_calls(t);
  while (!far_wakes_.empty() && far_wakes_.top().first < t + kWheel) {
    wake_wheel_.push(far_wakes_.top().first, far_wakes_.top().second);
    far_wakes_.pop();
  }
  credit_wheel_.take(t, credits_due_);
  for (const CreditEvent& e : credits_due_) {
    Router& r = *routers_[e.tile];
    ++r.credits[e.out_vc];
    if (r.twin) r.twin->return_credit(e.out_vc / params_.colors, e.out_vc % params_.colors);
    if (r.blocked_since != UINT64_MAX) schedule(r, e.tile, t);  // only a waiting head needs it
  }
  credit_wheel_.recycle(credits_due_);
  wake_wheel_.take(t, woken_);
  // The routers woken in a cycle lie all over the host's memory: fetch each one's state some
  // routers ahead, and the flits at its buffers' fronts a few routers ahead, so that the cache
  // misses overlap instead of stalling one after the other.
  constexpr size_t kStateAhead = 8, kFlitsAhead = 4;
  const size_t woken = woken_.size;
  for (size_t i = 0; i < woken; ++i) {
    if (i + kStateAhead < woken) {
      const char* block = reinterpret_cast<const char*>(routers_[woken_[i + kStateAhead]].get());
      prefetch_lines(block, prefetch_lines_);
    }
    // (Not for a wake-up that an earlier one superseded: its router is not visited now.)
    if (i + kFlitsAhead < woken && routers_[woken_[i + kFlitsAhead]]->wake_at == t) {
      const Router& ahead = *routers_[woken_[i + kFlitsAhead]];
      for (uint32_t ports = ahead.nonempty_ports; ports; ports &= ports - 1) {
        const int p = __builtin_ctz(ports);
        for (uint32_t mask = ahead.nonempty[p]; mask; mask &= mask - 1)
          __builtin_prefetch(&flit_at(ahead.in[p * params_.colors + __builtin_ctz(mask)], 0));
      }
    }
    const uint32_t tile = woken_[i];
    Router& r = *routers_[tile];
    if (r.wake_at != t) continue;  // superseded by an earlier wake-up
    r.wake_at = UINT64_MAX;
    process(r, tile, t);
  }
  wake_wheel_.recycle(woken_);
}

uint64_t Fabric::advance(uint64_t limit) {
  for (;;) {
    limit = std::min(limit, stop_at_);
    if (now_ >= limit) break;
    if (!credit_wheel_.size() && !wake_wheel_.size() && !call_wheel_.size()) {
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
