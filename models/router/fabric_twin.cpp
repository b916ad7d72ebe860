// The RTL twin's lockstep: a RouterTwin decides for one router, each decision checked against
// the router's semantics. Kept apart from the datapath (fabric.cpp): only co-simulation uses it.
#include <algorithm>
#include <cstdio>
#include <string>

#include "models/router/fabric.h"
#include "models/router/fabric_internal.h"

namespace wvp {

using fabric_internal::at;

namespace {

std::string hex32(uint32_t value) {
  char text[11];
  std::snprintf(text, sizeof text, "0x%08x", value);
  return text;
}

}  // namespace

void Fabric::set_twin(uint32_t tile, std::unique_ptr<RouterTwin> twin) {
  if (params_.packets) fail("a router twin routes colors; this fabric routes packets");
  if (tile >= tiles()) fail("tile " + std::to_string(tile) + " is outside the grid");
  Router& r = router(tile);
  const uint32_t v = params_.colors;
  bool settled = !r.nonempty_ports && r.wake_at == UINT64_MAX;
  for (int o = 0; o < kPorts; ++o)
    for (uint32_t c = 0; c < v; ++c)
      settled &= r.credits[o * v + c] == (o == kRamp ? params_.rx_queue_depth_flits : params_.buffer_depth_flits);
  if (!settled) fail(at(tile, params_.width) + ": a router can be replaced only while it holds no wavelet and owes no credit");
  for (uint32_t c = 0; c < v; ++c)
    for (int p = 0; p < kPorts; ++p)
      if (r.routes[c * kPorts + p]) twin->write_route(c, p, r.routes[c * kPorts + p]);
  r.presented = std::make_unique<uint8_t[]>(kPorts * v);
  r.twin = std::move(twin);
}

void Fabric::finish() {
  for (auto& r : routers_)
    if (r && r->twin) r->twin->finish();
}

bool Fabric::has_twin(uint32_t tile) const {
  const Router* r = router_if(tile);
  return r && r->twin;
}

void Fabric::twin_diverged(uint32_t tile, uint64_t t, const std::string& what) {
  fail(at(tile, params_.width) + " (twin) at cycle " + std::to_string(t) + ": " + what);
}

void Fabric::process_twin(Router& r, uint32_t tile, uint64_t t) {
  const uint32_t v = params_.colors;
  if (r.blocked_since != UINT64_MAX) {
    r.stats.stall_cycles += t - r.blocked_since;
    r.blocked_since = UINT64_MAX;
  }
  // Wavelets that have arrived by this cycle enter the twin's buffers, in buffer order.
  uint64_t next = UINT64_MAX;
  for (uint32_t ports = r.nonempty_ports; ports; ports &= ports - 1) {
    const int p = __builtin_ctz(ports);
    for (uint32_t mask = r.nonempty[p]; mask; mask &= mask - 1) {
      const uint32_t vc = __builtin_ctz(mask);
      const auto& q = r.in[p * v + vc];
      for (uint8_t& shown = r.presented[p * v + vc]; shown < q.count; ++shown) {
        const Flit& f = flit_at(q, shown);
        if (f.ready > t) {
          next = std::min(next, f.ready);
          break;
        }
        r.twin->write_flit(p, vc, f.data);
      }
    }
  }

  RouterDecisions d;
  r.twin->cycle(t, d);

  const auto where = [](int port, uint32_t vc) {
    return std::string("input ") + port_name(port) + " color " + std::to_string(vc);
  };
  for (uint32_t outs = d.sends; outs; outs &= outs - 1) {
    const int o = __builtin_ctz(outs);
    const RouterDecisions::Send& s = d.send[o];
    if (s.in_port >= kPorts || s.color >= v) twin_diverged(tile, t, std::string("output ") + port_name(o) + " sends from a buffer that does not exist");
    auto& q = r.in[s.in_port * v + s.color];
    const std::string from = std::string("output ") + port_name(o) + " sends from " + where(s.in_port, s.color);
    if (!r.presented[s.in_port * v + s.color]) twin_diverged(tile, t, from + ", which holds no wavelet");
    if (flit_at(q, 0).data != s.data)
      twin_diverged(tile, t, from + " wavelet " + hex32(s.data) + ", but its head is " + hex32(flit_at(q, 0).data));
    if (q.state != InVc::kActive) route_head(r, s.in_port, s.color);
    if (!(q.pending & port_bit(o))) twin_diverged(tile, t, from + ", which its route does not lead to (or that copy has gone)");
    if (!r.credits[o * v + s.color]) twin_diverged(tile, t, from + " without a credit");
    send<false, 0>(r, tile, s.in_port, s.color, o, t);
    q.pending &= PortMask(~port_bit(o));
  }
  for (uint32_t ins = d.pops; ins; ins &= ins - 1) {
    const int p = __builtin_ctz(ins);
    const uint32_t vc = d.pop_color[p];
    auto& q = r.in[p * v + vc];
    if (vc >= v || !r.presented[p * v + vc] || q.state != InVc::kActive || q.pending)
      twin_diverged(tile, t, "pops " + where(p, vc) + " before its head has gone to every output of its route");
    q.state = InVc::kIdle;
    release<false, 0>(r, tile, p, vc, t);
    --r.presented[p * v + vc];
  }
  // Heads that met their route hold its output set from now on, as in the twin; a head whose
  // every copy has gone must have been popped.
  bool held = false;
  for (uint32_t ports = r.nonempty_ports; ports; ports &= ports - 1) {
    const int p = __builtin_ctz(ports);
    for (uint32_t mask = r.nonempty[p]; mask; mask &= mask - 1) {
      const uint32_t vc = __builtin_ctz(mask);
      if (!r.presented[p * v + vc]) continue;
      held = true;
      // The twin looks at a new head the next cycle, with the routes of then.
      if ((d.pops & port_bit(p)) && d.pop_color[p] == vc) continue;
      auto& q = r.in[p * v + vc];
      if (q.state != InVc::kActive) route_head(r, p, vc);
      else if (!q.pending) twin_diverged(tile, t, "keeps the head of " + where(p, vc) + " after its last copy has gone");
    }
  }
  if (d.stalled) ++r.stats.stall_cycles;
  if (d.sends) next = std::min(next, t + 1);
  if (d.blocked) r.blocked_since = t + 1;  // a credit or a route must come
  if (next != UINT64_MAX) schedule(r, tile, next);
  else if (held && !r.watched) {
    r.watched = true;
    blocked_.push_back(tile);
  }
}

}  // namespace wvp
