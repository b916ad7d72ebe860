// Private to the fabric's sources (fabric.cpp, fabric_twin.cpp, fabric_deadlock.cpp): the
// router's state and the helpers they share. The buffer operations and a flit's crossing (send,
// release) are on the per-flit path and stay inline here.
#pragma once
#include <algorithm>
#include <bit>
#include <cstdint>
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

// Flits of one ring in the fabric's flit pool: enough for the deepest buffer, a power of two so
// that a ring index wraps by a mask.
inline uint32_t ring_flits(const FabricParams& p) {
  uint32_t most = 0;
  for (uint32_t port = 0; port <= kPorts; ++port) most = std::max(most, buffer_capacity(p, port));
  return std::bit_ceil(most);
}

}  // namespace fabric_internal

// An input buffer: `count` flits of its ring in the flit pool, from the front one on, and the
// state of its head flit. A router has (kPorts + 1) x colors of them, so one takes 6 bytes: the
// front flit's index in the pool (valid while it holds flits) in two halves, the count, the state.
struct Fabric::InVc {
  enum State : uint8_t { kIdle, kWaitVc, kActive };
  uint16_t front_low = 0, front_high = 0;
  uint8_t count = 0;
  uint8_t state : 2 = kIdle;
  PortMask pending : 5 = 0;  // colors: outputs still owed a copy; packets: routing candidates
  uint32_t front() const { return front_low | uint32_t{front_high} << 16; }
  void set_front(uint32_t index) {
    front_low = static_cast<uint16_t>(index);
    front_high = static_cast<uint16_t>(index >> 16);
  }
};

// A router is one allocation: this header, then its per-VC arrays, whose lengths follow from
// the params (Fabric::make_router). A buffer's flits live in a ring of the fabric's flit pool,
// taken when it receives a flit and given back when it empties: an untouched router costs a
// pointer, a touched one the header and arrays (no flit storage) plus the rings it holds.
struct Fabric::Router {
  static_assert(sizeof(InVc) == 6, "a buffer's state stays in 6 bytes");

  // Packets: the output VC an input VC's packet holds, and when its head may move. Idle: the cycle
  // the front flit reached the front, when its route computation may start (a head queued behind
  // another packet is not routed while it waits). Active: the earliest switch allocation of the
  // head, after VC allocation.
  struct PacketVc {
    uint64_t ready_at = 0;
    uint8_t out_port = 0, out_vc = 0;
  };

  // Looked at on every visit: kept together at the front. The first cache line is all that a
  // credit coming back (Fabric::step) and a wake-up that was superseded look at.
  std::unique_ptr<RouterTwin> twin;
  uint32_t nonempty[kPorts] = {};  // per input port, a bit per VC holding flits
  PortMask nonempty_ports = 0;     // input ports with a bit in nonempty
  uint8_t rr_in[kPorts] = {}, rr_out[kPorts] = {}, rr_vc[kPorts] = {};
  bool watched = false;                 // listed in Fabric::blocked_
  int8_t source_vc = -1;                // packets: the VC the source queue's front packet enters
  uint64_t wake_at = UINT64_MAX;
  uint64_t blocked_since = UINT64_MAX;  // asleep with a flit waiting for a credit or a VC
  // Packets: per input port, a bit per VC whose packet holds an output VC (state kActive), so
  // that allocation and switch allocation pick their VCs by mask instead of testing each one.
  uint32_t active[kPorts] = {};
  // Geometry, cached: the neighbour through each port, the cycles from a grant there to the
  // arrival downstream, and from a pop at an input to the credit reaching upstream.
  uint32_t next_tile[kPorts] = {};
  uint32_t latency[kPorts] = {};
  uint32_t credit_delay[kPorts] = {};
  // Packets: the source queue, from source[source_head] on (`source` below), and when its front
  // packet was made. Here, where they fill what the alignment would leave free.
  uint32_t source_head = 0;
  uint32_t source_sent = 0;              // flits of the front packet already in the router
  uint64_t source_created = UINT64_MAX;

  // The arrays behind this header.
  InVc* in = nullptr;            // (kPorts + 1) * V: input ports, then the receive queues
  uint8_t* credits = nullptr;    // kPorts * V: free downstream slots per output VC
  PortMask* routes = nullptr;    // colors: V * kPorts
  PacketVc* packet = nullptr;    // packets: (kPorts + 1) * V, beside `in`
  uint8_t* out_busy = nullptr;   // packets: kPorts * V, output VC held by a packet
  uint16_t* rr_va = nullptr;     // packets: kPorts * V, per output VC the next input VC to favour

  std::vector<fabric_internal::SourcePacket> source;  // packets
  RouterStats stats;
  std::unique_ptr<uint8_t[]> presented;  // twin: per input buffer, the wavelets written into the twin

  bool has_source() const { return source_created != UINT64_MAX; }
  const fabric_internal::SourcePacket& source_front() const { return source[source_head]; }
};

// Buffers are addressed by (port, vc); port kPorts is the receive queues. A push may grow the
// pool: `f` must not lie in it, and references into it do not outlive a push.
inline Flit& Fabric::flit_at(const InVc& q, uint32_t i) {
  const uint32_t front = q.front(), wrap = ring_flits_ - 1;
  if (i == 0) return pool_[front];  // the front flit, most callers': no wrapping to compute
  return pool_[(front & ~wrap) | ((front + i) & wrap)];
}

inline const Flit& Fabric::flit_at(const InVc& q, uint32_t i) const {
  return const_cast<Fabric*>(this)->flit_at(q, i);
}

template <uint32_t kVcs>
inline void Fabric::push(Router& r, uint32_t port, uint32_t vc, const Flit& f) {
  InVc& q = r.in[port * vcs<kVcs>() + vc];
  if (q.count == 0) {
    if (free_rings_.empty()) [[unlikely]] {  // the pool grows
      if (pool_.size() + ring_flits_ > UINT32_MAX) fail("more buffered flits than a 32-bit index reaches");
      q.set_front(static_cast<uint32_t>(pool_.size()));
      pool_.resize(pool_.size() + ring_flits_);
    } else {
      q.set_front(free_rings_.back());
      free_rings_.pop_back();
    }
  }
  flit_at(q, q.count) = f;
  ++q.count;
  if (port < kPorts) {
    r.nonempty[port] |= 1u << vc;
    r.nonempty_ports |= port_bit(static_cast<int>(port));
  }
}

[[gnu::always_inline]] inline void Fabric::schedule(Router& r, uint32_t tile, uint64_t cycle) {
  if (cycle >= r.wake_at) return;  // the earlier wake-up recomputes what comes next
  r.wake_at = cycle;
  if (cycle - now_ < kWheel) [[likely]] {
    wake_wheel_.push(cycle, tile);
  } else {
    far_wakes_.emplace(cycle, tile);
  }
}

template <uint32_t kVcs>
inline Flit Fabric::pop(Router& r, uint32_t port, uint32_t vc) {
  InVc& q = r.in[port * vcs<kVcs>() + vc];
  const Flit f = flit_at(q, 0);
  const uint32_t front = q.front(), wrap = ring_flits_ - 1;
  if (--q.count) {
    q.set_front((front & ~wrap) | ((front + 1) & wrap));
  } else {
    free_rings_.push_back(front & ~wrap);
    if (port < kPorts && !(r.nonempty[port] &= ~(1u << vc))) r.nonempty_ports &= PortMask(~port_bit(int(port)));
  }
  return f;
}

// Inlined into the router's visit even where the compiler would not: a call per flit cost about
// a twentieth of the datapath's instructions.
template <bool kPackets, uint32_t kVcs>
[[gnu::always_inline]] inline uint8_t Fabric::send(Router& r, uint32_t tile, int in_port, uint32_t vc, int out_port, uint64_t t) {
  const uint32_t v = vcs<kVcs>(), index = in_port * v + vc;
  Flit f = flit_at(r.in[index], 0);
  const uint32_t out_vc = kPackets ? r.packet[index].out_vc : vc;
  const uint64_t arrive = t + r.latency[out_port];
  if (send_observer_) send_observer_(tile, out_port, out_vc, f.data, t);
  ++r.stats.link_flits[out_port];
  ++flit_hops_;
  if (out_port == kRamp) {
    if constexpr (kPackets) {
      client_->delivered(tile, f, arrive);
    } else {
      --r.credits[kRamp * v + out_vc];
      f.ready = arrive;
      push<kVcs>(r, kPorts, out_vc, f);
      client_->rx_arrival(tile, out_vc, arrive);
    }
    return f.flags;
  }
  --r.credits[out_port * v + out_vc];
  const uint32_t next = r.next_tile[out_port];
  if (next == UINT32_MAX) {  // an attached edge port: the wavelet leaves the wafer
    if (edge_link_credits(tile, out_port)) {
      ++edge_lent_[(uint64_t{tile} * kPorts + out_port) * v + out_vc];
    } else {
      credit_wheel_.push(arrive + params_.credit_delay_cycles, {tile, static_cast<uint16_t>(out_port * v + out_vc)});
    }
    client_->edge_out(tile, out_port, out_vc, f.data, arrive);
    return f.flags;
  }
  // The output VC is free for the next packet once its tail has left; that packet's flits queue
  // behind this one's downstream.
  if (kPackets && (f.flags & Flit::kTail)) r.out_busy[out_port * v + out_vc] = 0;
  Router& d = router(next);
  f.ready = arrive;
  push<kVcs>(d, opposite(out_port), out_vc, f);
  ++in_flight_;  // the copy downstream; the original leaves when its buffer pops it
  schedule(d, next, arrive + rc_cycles_ + (kPackets ? 0 : va_cycles_));
  return f.flags;
}

template <bool kPackets, uint32_t kVcs>
[[gnu::always_inline]] inline void Fabric::release(Router& r, uint32_t tile, int port, uint32_t vc, uint64_t t) {
  if (port != kRamp) {
    // The flits that had arrived by t and waited, the leaving one included. A count at a push
    // would depend on whether the router forwarded its own flit of that cycle before or after
    // (the order in which a cycle's routers run, which follows when cores send, so the quantum);
    // the flits arrived by t do not. (The ramp input, the tile's send queue, is left out: cores
    // that run ahead fill it with wavelets of future cycles.)
    const InVc& q = r.in[uint32_t(port) * vcs<kVcs>() + vc];
    uint32_t waited = 1;
    while (waited < q.count && flit_at(q, waited).ready <= t) ++waited;
    r.stats.buffer_high_water = std::max(r.stats.buffer_high_water, waited);
  }
  pop<kVcs>(r, static_cast<uint32_t>(port), vc);
  --in_flight_;
  if (port == kRamp) {
    if (!kPackets) client_->tx_space(tile, vc, t + 1);
  } else if (r.next_tile[port] == UINT32_MAX) {
    client_->edge_space(tile, port, vc, t + 1);
  } else {
    const uint64_t when = t + r.credit_delay[port];
    credit_wheel_.push(when, {r.next_tile[port], static_cast<uint16_t>(opposite(port) * vcs<kVcs>() + vc)});
  }
}

}  // namespace wvp
