// The deadlock diagnosis: the watchdog over blocked routers, and the search for a cycle of full
// buffers or a wavelet without a route. Kept apart from the datapath (fabric.cpp): it runs only
// when routers stay blocked.
#include <algorithm>
#include <sstream>
#include <string>
#include <unordered_map>
#include <vector>

#include "models/router/fabric.h"
#include "models/router/fabric_internal.h"

namespace wvp {

using fabric_internal::at;

void Fabric::check_watchdog(uint64_t t) {
  next_watchdog_ = t + params_.watchdog_cycles;
  std::vector<uint32_t> still;
  bool overdue = false;
  for (uint32_t tile : blocked_) {
    Router& r = *routers_[tile];
    if (r.blocked_since == UINT64_MAX || r.wake_at != UINT64_MAX) {
      r.watched = false;  // moving again; listed anew if it blocks again
      continue;
    }
    still.push_back(tile);
    overdue |= r.blocked_since + params_.watchdog_cycles <= t;
  }
  blocked_.swap(still);
  if (!overdue) return;
  const std::string cycle = find_deadlock();
  if (!cycle.empty()) throw FabricDeadlock("fabric: " + cycle);
  const std::string unrouted = find_unrouted(params_.watchdog_cycles);
  if (!unrouted.empty()) throw FabricDeadlock("fabric: " + unrouted);
}

std::string Fabric::diagnose() const {
  const std::string cycle = find_deadlock();
  return cycle.empty() ? find_unrouted(0) : cycle;
}

std::string Fabric::find_unrouted(uint64_t min_wait) const {
  if (params_.packets) return "";
  const uint32_t v = params_.colors, w = params_.width;
  for (uint32_t tile : blocked_) {
    const Router& r = *routers_[tile];
    if (r.blocked_since == UINT64_MAX || r.blocked_since + min_wait > now_) continue;
    for (int p = 0; p < kPorts; ++p)
      for (uint32_t mask = r.nonempty[p]; mask; mask &= mask - 1) {
        const uint32_t vc = __builtin_ctz(mask);
        if (r.routes[vc * kPorts + p]) continue;
        const Flit& f = flit_at(r.in[p * v + vc], 0);
        return at(tile, w) + ": a wavelet on color " + std::to_string(vc) + " from port " + port_name(p) +
               " has waited " + std::to_string(now_ - r.blocked_since) +
               " cycles for a route that was never set (sent by tile (" + std::to_string(f.tag % w) + "," +
               std::to_string(f.tag / w) + "))";
      }
  }
  return "";
}

std::string Fabric::find_deadlock() const {
  // Nodes are input buffers (tile, port, vc); an edge leads from a buffer whose head waits for
  // a credit or an output VC to the full buffer downstream it waits on.
  const uint32_t v = params_.colors;
  const auto node = [&](uint32_t tile, int port, uint32_t vc) { return (uint64_t(tile) * kPorts + port) * v + vc; };
  const auto waits_on = [&](uint64_t id) {
    std::vector<uint64_t> out;
    const uint32_t vc = id % v, port = (id / v) % kPorts, tile = static_cast<uint32_t>(id / v / kPorts);
    const Router* r = router_if(tile);
    if (!r) return out;
    const auto& q = r->in[port * v + vc];
    if (!q.count) return out;
    PortMask outputs = 0;
    if (!params_.packets) outputs = q.state == InVc::kActive ? q.pending : r->routes[vc * kPorts + port];
    else outputs = q.state == InVc::kActive ? port_bit(r->packet[port * v + vc].out_port) : q.pending;
    for (int o = 0; o < kRamp; ++o) {
      if (!(outputs & port_bit(o))) continue;
      const uint32_t next = neighbor(tile, o);
      if (next == UINT32_MAX) continue;
      if (params_.packets && q.state != InVc::kActive) {
        for (uint32_t w = 0; w < v; ++w)
          if (r->out_busy[o * v + w]) out.push_back(node(next, opposite(o), w));
      } else {
        const uint32_t out_vc = params_.packets ? r->packet[port * v + vc].out_vc : vc;
        if (r->credits[o * v + out_vc] == 0) out.push_back(node(next, opposite(o), out_vc));
      }
    }
    return out;
  };
  std::unordered_map<uint64_t, uint8_t> state;  // 1: on the path, 2: done
  std::vector<uint64_t> path;
  std::vector<std::vector<uint64_t>> pending_edges;
  for (uint32_t tile = 0; tile < tiles(); ++tile) {
    const Router* r = router_if(tile);
    if (!r) continue;
    for (int port = 0; port < kPorts; ++port)
      for (uint32_t vc = 0; vc < v; ++vc) {
        const uint64_t start = node(tile, port, vc);
        if (state.count(start) || !r->in[port * v + vc].count) continue;
        path = {start};
        pending_edges = {waits_on(start)};
        state[start] = 1;
        while (!path.empty()) {
          if (pending_edges.back().empty()) {
            state[path.back()] = 2;
            path.pop_back();
            pending_edges.pop_back();
            continue;
          }
          const uint64_t next = pending_edges.back().back();
          pending_edges.back().pop_back();
          const auto it = state.find(next);
          if (it != state.end() && it->second == 1) {
            std::ostringstream os;
            const auto begin = std::find(path.begin(), path.end(), next);
            os << "deadlock: " << (path.end() - begin) << " full buffers wait on each other in a cycle:";
            for (auto n = begin; n != path.end(); ++n) {
              const uint32_t t = static_cast<uint32_t>(*n / v / kPorts);
              os << ' ' << at(t, params_.width) << ' ' << (params_.packets ? "vc " : "color ") << (*n % v) << " in "
                 << port_name(static_cast<int>((*n / v) % kPorts)) << " ->";
            }
            os << ' ' << at(static_cast<uint32_t>(next / v / kPorts), params_.width);
            return os.str();
          }
          if (it != state.end()) continue;
          state[next] = 1;
          path.push_back(next);
          pending_edges.push_back(waits_on(next));
        }
      }
  }
  return "";
}

}  // namespace wvp
