#include "models/router/fabric_port.h"

#include <algorithm>
#include <cstring>

#include "tlm/log.h"
#include "tlm/tile_address.h"

namespace wvp {

using namespace fabric_regs;

FabricPort::FabricPort(sc_core::sc_module_name name, const FabricParams& params, const Clock& clock)
    : sc_module(name), socket("socket"), fabric_(params), clock_(clock), tiles_(fabric_.tiles()) {
  fabric_.set_client(this);
  socket.register_b_transport(this, &FabricPort::b_transport);
  socket.register_transport_dbg(this, &FabricPort::transport_dbg);
}

uint32_t FabricPort::irq_pending(uint32_t tile, uint64_t cycle) const {
  uint32_t pending = 0;
  for (uint32_t mask = tiles_[tile].irq_enable; mask; mask &= mask - 1)
    if (fabric_.rx_next_arrival(tile, __builtin_ctz(mask)) <= cycle) pending |= mask & -mask;
  return pending;
}

void FabricPort::update_irq(uint32_t tile, uint64_t cycle) {
  TileState& st = tiles_[tile];
  const bool level = irq_pending(tile, cycle) != 0;
  if (level == st.irq_level) return;
  st.irq_level = level;
  if (irq_line_) irq_line_(tile, level);
}

uint64_t FabricPort::run_limit(uint32_t tile, uint64_t from) {
  // A core that can take an arrival interrupt must not run past an arrival it cannot know of
  // yet: it runs only from cycles the fabric has settled, where its interrupt line is exact.
  if (!tiles_[tile].irq_enable) return UINT64_MAX;
  const uint64_t settled = fabric_.now();
  if (from > settled) return from;
  update_irq(tile, from);
  return settled + 1;
}

uint64_t FabricPort::pending_wake(uint32_t tile, uint64_t from) const {
  const TileState& st = tiles_[tile];
  uint32_t colors = st.irq_enable;
  if (st.wait == Wait::Receive && !st.stream_wait) colors |= 1u << st.wait_color;
  uint64_t first = UINT64_MAX;
  for (; colors; colors &= colors - 1) {
    const uint64_t ready = fabric_.rx_next_arrival(tile, __builtin_ctz(colors));
    if (ready > from) first = std::min(first, ready);
  }
  return first;
}

bool FabricPort::take(uint32_t tile, uint32_t color, uint64_t cycle, uint32_t& wavelet, bool pop) {
  // A wavelet known to have arrived by `cycle` is the queue's head then: later discoveries
  // arrive later on the same link.
  if (cycle > fabric_.now() + Fabric::kMaxPopLead || fabric_.rx_next_arrival(tile, color) > cycle) return false;
  if (!pop) {
    wavelet = fabric_.rx_front(tile, color);
    return true;
  }
  wavelet = fabric_.rx_pop(tile, color, cycle);
  TileState& st = tiles_[tile];
  ++st.stats.receives;
  if (st.irq_enable) update_irq(tile, cycle);
  return true;
}

bool FabricPort::try_send(uint32_t tile, uint32_t color, uint32_t wavelet, uint64_t cycle) {
  // Free slots only grow until the tile itself sends, so a free slot now is one at `cycle`.
  if (fabric_.tx_space_flits(tile, color) == 0) return false;
  fabric_.tx_push(tile, color, wavelet, cycle);
  ++tiles_[tile].stats.sends;
  return true;
}

bool FabricPort::wait(uint32_t tile, Wait what, uint32_t color, uint64_t cycle) {
  // Every wavelet that arrives from now on, or is already queued for a later cycle, is
  // announced (rx_arrival, pending_wake); only one the fabric cannot hand out yet is not.
  if (what == Wait::Receive && cycle > fabric_.now() + Fabric::kMaxPopLead) return false;
  tiles_[tile].wait = what;
  tiles_[tile].wait_color = static_cast<uint8_t>(color);
  return true;
}

bool FabricPort::wait_stream(uint32_t tile, Wait what, uint32_t color, uint64_t cycle) {
  if (!wait(tile, what, color, cycle)) return false;
  TileState& st = tiles_[tile];
  if (!resumer_ || driver_ || st.irq_enable) return true;
  st.stream_wait = true;
  // A wavelet already on its way to the queue: what the core's pending_wake would have found.
  if (what == Wait::Receive) {
    const uint64_t ready = fabric_.rx_next_arrival(tile, color);
    if (ready != UINT64_MAX) stream_due(tile, ready);
  }
  return true;
}

void FabricPort::stream_due(uint32_t tile, uint64_t cycle) {
  // As wake() does for a core: the first event ends the wait.
  tiles_[tile].wait = Wait::None;
  fabric_.call_at(cycle, tile);
}

void FabricPort::called(uint32_t tile, uint64_t cycle) {
  // One call per wait: the wait ended when it was asked for (stream_due).
  TileState& st = tiles_[tile];
  if (!st.stream_wait) return;
  st.stream_wait = false;
  const uint64_t wake_at = resumer_->resume_stream(tile, cycle);
  if (wake_at != UINT64_MAX) wake(tile, wake_at);
}

std::string FabricPort::describe_wait(uint32_t tile) const {
  const TileState& st = tiles_[tile];
  switch (st.wait) {
    case Wait::Receive: return "waits to receive on color " + std::to_string(st.wait_color);
    case Wait::Send: return "waits for room to send on color " + std::to_string(st.wait_color);
    default: return "";
  }
}

bool FabricPort::read_status(uint32_t tile, uint64_t addr, uint32_t& value, uint64_t cycle) const {
  const uint32_t colors = fabric_.params().colors;
  if (addr >= kRxCount && addr < kRxCount + 4 * colors) {
    value = fabric_.rx_available(tile, static_cast<uint32_t>(addr - kRxCount) / 4, cycle);
  } else if (addr >= kTxSpace && addr < kTxSpace + 4 * colors) {
    value = fabric_.tx_space_flits(tile, static_cast<uint32_t>(addr - kTxSpace) / 4);
  } else if (addr == kIrqEnable) {
    value = tiles_[tile].irq_enable;
  } else if (addr == kIrqPending) {
    value = irq_pending(tile, cycle);
  } else if (addr == kColors) {
    value = colors;
  } else if (addr < kTx && (addr / 4) % kRouteStride < kPorts && addr / 4 / kRouteStride < colors) {
    value = fabric_.route(tile, static_cast<uint32_t>(addr / 4 / kRouteStride), static_cast<int>((addr / 4) % kRouteStride));
  } else {
    return false;
  }
  return true;
}

tlm::tlm_response_status FabricPort::access(uint32_t tile, uint64_t addr, bool write, uint32_t& value, uint64_t cycle,
                                            Until& until) {
  const uint32_t colors = fabric_.params().colors;
  TileState& st = tiles_[tile];
  const auto wait_for = [&](Wait what, uint32_t color) {
    until = wait(tile, what, color, cycle) ? Until::Woken : Until::Settled;
    WVP_LOG(Fabric, Trace, tile, cycle, "{} color {}: the core waits", what == Wait::Receive ? "receive on" : "send on", color);
    return tlm::TLM_OK_RESPONSE;
  };

  if (addr >= kTx && addr < kTx + 4 * colors) {
    if (!write) return tlm::TLM_COMMAND_ERROR_RESPONSE;
    const uint32_t color = static_cast<uint32_t>(addr - kTx) / 4;
    return try_send(tile, color, value, cycle) ? tlm::TLM_OK_RESPONSE : wait_for(Wait::Send, color);
  }
  if (addr >= kRx && addr < kRx + 4 * colors) {
    if (write) return tlm::TLM_COMMAND_ERROR_RESPONSE;
    const uint32_t color = static_cast<uint32_t>(addr - kRx) / 4;
    return try_receive(tile, color, cycle, value) ? tlm::TLM_OK_RESPONSE : wait_for(Wait::Receive, color);
  }
  if (addr >= kRxPeek && addr < kRxPeek + 4 * colors) {
    if (write) return tlm::TLM_COMMAND_ERROR_RESPONSE;
    const uint32_t color = static_cast<uint32_t>(addr - kRxPeek) / 4;
    return take(tile, color, cycle, value, false) ? tlm::TLM_OK_RESPONSE : wait_for(Wait::Receive, color);
  }
  const bool route = addr < kTx;
  if (write && !route && addr != kIrqEnable) return tlm::TLM_COMMAND_ERROR_RESPONSE;
  // Reading also checks that the register exists (a route's color and port are in range).
  uint32_t current;
  if (!read_status(tile, addr, current, cycle)) return tlm::TLM_ADDRESS_ERROR_RESPONSE;
  // Every cycle before `cycle` is settled: what the core sees now is what is there at `cycle`.
  const bool exact = fabric_.now() >= cycle;
  if (route && write) {
    const uint32_t color = static_cast<uint32_t>(addr / 4 / kRouteStride);
    const int in_port = static_cast<int>((addr / 4) % kRouteStride);
    const auto outputs = static_cast<PortMask>(value);
    WVP_LOG(Fabric, Debug, tile, cycle, "route of color {} from port {}: output mask {:#x}", color, in_port, outputs);
    if (exact) {
      fabric_.set_route(tile, color, in_port, outputs);
    } else {
      // Errors show at the write; the change takes effect when the fabric reaches `cycle`.
      fabric_.check_route(tile, color, in_port, outputs);
      routes_ahead_.push({cycle, route_writes_++, tile, color, in_port, outputs});
      ++st.routes_ahead;
    }
    return tlm::TLM_OK_RESPONSE;
  }
  // Routes, the interrupt enable and the color count change only by this core's own writes:
  // their reads are final at once, but for routes it wrote ahead of the fabric. Counts and
  // interrupt state take effect exactly at the core's cycle.
  const bool local = !write && ((route && !st.routes_ahead) || addr == kColors || addr == kIrqEnable);
  if (!exact && !local) {
    until = Until::Settled;
    return tlm::TLM_OK_RESPONSE;
  }
  if (!write) {
    value = current;
    return tlm::TLM_OK_RESPONSE;
  }
  st.irq_enable = value & (colors == 32 ? ~0u : (1u << colors) - 1);
  update_irq(tile, cycle);
  return tlm::TLM_OK_RESPONSE;
}

void FabricPort::b_transport(int, tlm::tlm_generic_payload& gp, sc_core::sc_time& delay) {
  transport_register(*this, clock_, gp, delay);
}

tlm::tlm_response_status FabricPort::access_register(RegisterAccess& a) {
  if (a.size != 4 || (a.offset & 3) || a.offset >= kSize || a.tile >= tiles_.size()) return tlm::TLM_ADDRESS_ERROR_RESPONSE;
  tlm::tlm_response_status status;
  try {
    status = access(a.tile, a.offset, a.write, a.value, a.cycle, a.until);
  } catch (const FabricError& e) {
    if (error_sink_) error_sink_(a.tile, e.what());
    return tlm::TLM_GENERIC_ERROR_RESPONSE;
  }
  if (a.until != Until::None) {
    if (a.can_stall) {
      a.retry_cycle = a.cycle;
    } else {
      a.until = Until::None;
      tiles_[a.tile].wait = Wait::None;
      if (error_sink_) error_sink_(a.tile, "fabric: a blocking access at offset " + std::to_string(a.offset) +
                                              " from an initiator that cannot stall");
      return tlm::TLM_GENERIC_ERROR_RESPONSE;
    }
  } else if (status == tlm::TLM_OK_RESPONSE) {
    // The interrupt enable changes how far the core may run ahead (run_limit).
    a.yield = a.write && a.offset == kIrqEnable;
  }
  return status;
}

unsigned int FabricPort::transport_dbg(int, tlm::tlm_generic_payload& gp) {
  // The debugger sees routes and counts as of the fabric's settled time, without side effects.
  const uint32_t tile = tile_of(gp.get_address());
  const uint64_t addr = local_of(gp.get_address());
  uint32_t value = 0;
  if (!gp.is_read() || gp.get_data_length() != 4 || (addr & 3) || tile >= tiles_.size() ||
      !read_status(tile, addr, value, fabric_.now()))
    return 0;
  std::memcpy(gp.get_data_ptr(), &value, 4);
  return 4;
}

void FabricPort::advance(uint64_t limit) {
  woke_ = false;
  for (;;) {
    // The fabric stops at the next route write ahead of it, which takes effect there.
    const uint64_t stop = routes_ahead_.empty() ? limit : std::min(limit, routes_ahead_.top().cycle);
    settle_fabric(stop);
    apply_routes_due();
    if (woke_ || fabric_.now() >= limit) return;
  }
}

void FabricPort::settle_fabric(uint64_t limit) {
  if (!driver_) {
    fabric_.advance(limit);
    return;
  }
  while (fabric_.now() < limit && !woke_) driver_->step(limit);
}

void FabricPort::apply_routes_due() {
  while (!routes_ahead_.empty() && routes_ahead_.top().cycle <= fabric_.now()) {
    const RouteWrite& w = routes_ahead_.top();
    fabric_.set_route(w.tile, w.color, w.in_port, w.outputs);
    --tiles_[w.tile].routes_ahead;
    routes_ahead_.pop();
  }
}

void FabricPort::wake(uint32_t tile, uint64_t cycle) {
  if (waker_ && waker_(tile, cycle)) {
    tiles_[tile].wait = Wait::None;
    fabric_.stop_at(cycle);
    woke_ = true;
  }
}

void FabricPort::rx_arrival(uint32_t tile, uint32_t color, uint64_t cycle) {
  const TileState& st = tiles_[tile];
  if (st.wait == Wait::Receive && st.wait_color == color) return st.stream_wait ? stream_due(tile, cycle) : wake(tile, cycle);
  if ((st.irq_enable >> color) & 1) wake(tile, cycle);
}

void FabricPort::tx_space(uint32_t tile, uint32_t color, uint64_t cycle) {
  const TileState& st = tiles_[tile];
  if (st.wait == Wait::Send && st.wait_color == color) return st.stream_wait ? stream_due(tile, cycle) : wake(tile, cycle);
}

}  // namespace wvp
