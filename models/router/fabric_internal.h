// Private to the fabric's sources (fabric.cpp, fabric_twin.cpp, fabric_deadlock.cpp): the
// router's state and the helpers they share. Router::push and pop are on the per-flit path and
// stay inline here.
#pragma once
#include <algorithm>
#include <cstdint>
#include <deque>
#include <memory>
#include <string>
#include <vector>

#include "models/router/fabric.h"

namespace wvp {
namespace fabric_internal {

struct SourcePacket {
  uint32_t dest, flits, id;
  uint64_t created;
};

inline std::string at(uint32_t tile, uint32_t width) {
  return "router (" + std::to_string(tile % width) + "," + std::to_string(tile / width) + ")";
}

// Flits an input buffer of `port` holds per VC (kPorts: the receive queues).
inline uint32_t buffer_capacity(const FabricParams& p, uint32_t port) {
  if (port == kPorts) return p.packets ? 0 : p.rx_queue_depth_flits;
  return port == kRamp && !p.packets ? p.tx_queue_depth_flits : p.buffer_depth_flits;
}

}  // namespace fabric_internal

struct Fabric::Router {
  // An input buffer: a FIFO of `cap` flits at slots[base...], and the state of its head flit.
  struct InVc {
    enum State : uint8_t { kIdle, kWaitVc, kActive };
    uint32_t base = 0;
    uint8_t cap = 0, head = 0, count = 0;
    State state = kIdle;
    PortMask pending = 0;  // colors: outputs still owed a copy; packets: routing candidates
    uint8_t out_port = 0, out_vc = 0;
    // Packets. Idle: the cycle the front flit reached the front, when its route computation may
    // start (a head queued behind another packet is not routed while it waits). Active: the
    // earliest switch allocation of the head, after VC allocation.
    uint64_t ready_at = 0;
    Flit& front(std::vector<Flit>& slots) { return slots[base + head]; }
  };

  std::vector<InVc> in;           // (kPorts + 1) * V: input ports, then the receive queues
  std::vector<Flit> slots;
  std::vector<uint8_t> credits;   // kPorts * V: free downstream slots per output VC
  std::vector<uint8_t> out_busy;  // kPorts * V: packets: output VC held by a packet
  std::vector<PortMask> routes;   // V * kPorts: colors mode
  uint32_t nonempty[kPorts] = {}; // per input port, a bit per VC holding flits
  PortMask nonempty_ports = 0;    // input ports with a bit in nonempty
  uint8_t rr_in[kPorts] = {}, rr_out[kPorts] = {}, rr_vc[kPorts] = {};
  std::vector<uint16_t> rr_va;    // kPorts * V: per output VC, the next input VC to favour
  uint64_t wake_at = UINT64_MAX;
  uint64_t blocked_since = UINT64_MAX;  // asleep with a flit waiting for a credit or a VC
  bool watched = false;                 // listed in Fabric::blocked_
  std::deque<fabric_internal::SourcePacket> source;  // packet mode
  uint32_t source_sent = 0;             // flits of source.front() already in the router
  int source_vc = -1;
  RouterStats stats;
  std::unique_ptr<RouterTwin> twin;
  std::vector<uint8_t> presented;  // twin: per input buffer, the wavelets written into the twin

  uint32_t v;  // VCs per port

  // Geometry, cached: the neighbour through each port, the cycles from a grant there to the
  // arrival downstream, and from a pop at an input to the credit reaching upstream.
  uint32_t next_tile[kPorts] = {};
  uint32_t latency[kPorts] = {};
  uint32_t credit_delay[kPorts] = {};


  explicit Router(const FabricParams& p) : v(p.colors) {
    in.resize((kPorts + 1) * v);
    uint32_t base = 0;
    for (uint32_t i = 0; i < in.size(); ++i) {
      in[i].base = base;
      in[i].cap = static_cast<uint8_t>(fabric_internal::buffer_capacity(p, i / v));
      base += in[i].cap;
    }
    slots.resize(base);
    credits.assign(kPorts * v, static_cast<uint8_t>(p.buffer_depth_flits));
    for (uint32_t c = 0; c < v; ++c) credits[kRamp * v + c] = static_cast<uint8_t>(p.rx_queue_depth_flits);
    if (p.packets) {
      out_busy.assign(kPorts * v, 0);
      rr_va.assign(kPorts * v, 0);
    } else {
      routes.assign(v * kPorts, 0);
    }
  }

  // Buffers are addressed by (port, vc); port kPorts is the receive queues. Ring indices wrap
  // by comparison: a division per flit would cost more than the rest of the hop.
  void push(uint32_t port, uint32_t vc, const Flit& f) {
    InVc& q = in[port * v + vc];
    uint32_t slot = q.head + q.count;
    if (slot >= q.cap) slot -= q.cap;
    slots[q.base + slot] = f;
    ++q.count;
    if (port < kPorts) {
      nonempty[port] |= 1u << vc;
      nonempty_ports |= port_bit(static_cast<int>(port));
      // The ramp input is the tile's send queue: cores that run ahead of the fabric fill it
      // with wavelets of future cycles, so its fill level depends on the quantum.
      if (port != kRamp) stats.buffer_high_water = std::max<uint32_t>(stats.buffer_high_water, q.count);
    }
  }
  Flit pop(uint32_t port, uint32_t vc) {
    InVc& q = in[port * v + vc];
    Flit f = q.front(slots);
    q.head = static_cast<uint8_t>(q.head + 1 == q.cap ? 0 : q.head + 1);
    --q.count;
    if (q.count == 0 && port < kPorts && !(nonempty[port] &= ~(1u << vc))) nonempty_ports &= PortMask(~port_bit(int(port)));
    return f;
  }
};

}  // namespace wvp
