// The tiles' side of the fabric: per tile a register window (routes, per-color send and
// receive queues, arrival interrupts) behind one TLM-2.0 target socket, and the fabric's clock
// as the CycleDomain the cores synchronise with (engine/cycle_domain.h).
//
// Blocking sends and receives stall the core instead of blocking its thread: a receive at
// cycle T from a queue that holds a wavelet arrived by T completes at once; otherwise the core
// waits, without the fabric having to settle up to T first, until a wavelet arrives: one that
// arrives by T lets it retry at T once the fabric has settled up to T, a later one resumes it at
// its arrival cycle. Sends into a full queue wait alike for a free slot. Status reads and
// interrupt-enable writes take effect exactly at the core's cycle, so they wait until the fabric
// has settled up to it. Route writes take effect exactly at the core's cycle too, but the core
// goes on at once: the port applies them when the fabric reaches that cycle.
#pragma once
#include <cstdint>
#include <functional>
#include <queue>
#include <string>
#include <vector>

#include <systemc>
#include <tlm>
#include <tlm_utils/multi_passthrough_target_socket.h>
#include "abi/wvp/tile_map.h"

#include "models/router/fabric.h"
#include "engine/clock.h"
#include "engine/cycle_domain.h"
#include "engine/register_target.h"
#include "engine/snapshot.h"
#include "tlm/wavelet_queues.h"

namespace wvp {

// Register offsets in a tile's window; all registers are 32-bit.
namespace fabric_regs {  // offsets in the tile's fabric window (wvp/tile_map.h)
constexpr uint64_t kSize = WVP_FABRIC_SIZE;
constexpr uint64_t kRoute = WVP_FABRIC_ROUTE;            // rw [color * 8 + in_port]: output port mask
constexpr uint64_t kRouteStride = WVP_FABRIC_ROUTE_STRIDE;  // route registers per color (ports 0..4 used)
constexpr uint64_t kTx = WVP_FABRIC_TX;                  // wo [color]: blocking send of one wavelet
constexpr uint64_t kRx = WVP_FABRIC_RX;                  // ro [color]: blocking receive
constexpr uint64_t kRxCount = WVP_FABRIC_RX_COUNT;       // ro [color]: wavelets arrived and not yet received
constexpr uint64_t kTxSpace = WVP_FABRIC_TX_SPACE;       // ro [color]: free slots in the send queue
constexpr uint64_t kIrqEnable = WVP_FABRIC_IRQ_ENABLE;   // rw: bit c: external interrupt while color c's receive queue is not empty
constexpr uint64_t kIrqPending = WVP_FABRIC_IRQ_PENDING; // ro: enabled colors whose receive queue is not empty
constexpr uint64_t kColors = WVP_FABRIC_COLORS;          // ro: colors per port
constexpr uint64_t kRxPeek = WVP_FABRIC_RX_PEEK;         // ro [color]: blocking look at the first wavelet, not received
}  // namespace fabric_regs

struct FabricPortStats {
  uint64_t sends = 0, receives = 0;
};

class FabricPort : public sc_core::sc_module,
                   public CycleDomain,
                   public WaveletQueues,
                   public RegisterTarget,
                   private Fabric::Client {
 public:
  // Every tile's window, the tile above the 32-bit offset of a transaction (tlm/tile_address.h);
  // the core of tile i is initiator i of the domain.
  tlm_utils::multi_passthrough_target_socket<FabricPort> socket;

  FabricPort(sc_core::sc_module_name name, const FabricParams& params, const Clock& clock);

  const Clock& clock() const { return clock_; }
  Fabric& fabric() { return fabric_; }
  const Fabric& fabric() const { return fabric_; }
  // Off-wafer links on edge ports: `driver` advances the fabric from now on, and gets the
  // fabric's callbacks first (it passes the tiles' on to client()). It must outlive the port.
  void set_driver(FabricDriver* driver) { driver_ = driver; }
  Fabric::Client& client() { return *this; }

  // The external interrupt input of tile i's core.
  void set_irq_line(std::function<void(uint32_t tile, bool level)> line) { irq_line_ = std::move(line); }
  // Receives what made an access fail (a route leaving the grid, a color out of range), since
  // the core only sees an access fault.
  void set_error_sink(std::function<void(uint32_t tile, const std::string&)> sink) { error_sink_ = std::move(sink); }

  const FabricPortStats& stats(uint32_t tile) const { return tiles_[tile].stats; }
  uint64_t tiles_host_bytes() const { return tiles_.capacity() * sizeof(TileState); }  // the routers aside

  // CycleDomain
  void set_waker(Waker waker) override { waker_ = std::move(waker); }
  uint64_t settled() const override { return fabric_.now(); }
  void advance(uint64_t limit) override;
  uint64_t run_limit(uint32_t tile, uint64_t from) override;
  uint64_t pending_wake(uint32_t tile, uint64_t from) const override;
  bool idle() const override { return routes_ahead_.empty() && fabric_.quiescent() && (!driver_ || driver_->idle()); }
  std::string describe_wait(uint32_t tile) const override;
  // What `tile`'s core waits for, and on which color (reports: the post-mortem).
  enum class Wait : uint8_t { None, Receive, Send };
  Wait wait_of(uint32_t tile) const { return tiles_[tile].wait; }
  uint32_t wait_color(uint32_t tile) const { return tiles_[tile].wait_color; }

  // WaveletQueues: the same queues for the tile's other initiators (its tensor engine).
  uint32_t colors() const override { return fabric_.params().colors; }
  bool try_receive(uint32_t tile, uint32_t color, uint64_t cycle, uint32_t& wavelet) override { return take(tile, color, cycle, wavelet, true); }
  bool try_send(uint32_t tile, uint32_t color, uint32_t wavelet, uint64_t cycle) override;
  bool wait_receive(uint32_t tile, uint32_t color, uint64_t cycle) override {
    return wait_stream(tile, Wait::Receive, color, cycle);
  }
  bool wait_send(uint32_t tile, uint32_t color, uint64_t cycle) override {
    return wait_stream(tile, Wait::Send, color, cycle);
  }
  void set_stream_resumer(StreamResumer* resumer) override { resumer_ = resumer; }

  // RegisterTarget: tile's window, for its core's fast path and for b_transport.
  tlm::tlm_response_status access_register(RegisterAccess& a) override;

  // The tiles' waits, interrupt enables and counts, the route writes ahead, and the fabric.
  void checkpoint(Snapshot& s) {
    Snapshot::Section section(s, "fabric_port");
    s.expect(tiles_.size(), "the tiles");
    s.fields(tiles_, routes_ahead_, route_writes_, woke_, fabric_);
  }

 private:
  struct TileState {
    uint32_t irq_enable = 0;
    Wait wait = Wait::None;
    uint8_t wait_color = 0;
    bool irq_level = false;
    uint32_t routes_ahead = 0;  // route writes waiting for the fabric to reach their cycle
    // The wait is the tile's stream's, which the port resumes (resumer_) where it comes true,
    // instead of waking the core.
    bool stream_wait = false;
    FabricPortStats stats;
  };
  // A route write ahead of the fabric's time; applied at `cycle`, after the earlier ones.
  struct RouteWrite {
    uint64_t cycle, order;
    uint32_t tile, color;
    int in_port;
    PortMask outputs;
    bool operator>(const RouteWrite& o) const { return cycle != o.cycle ? cycle > o.cycle : order > o.order; }
  };
  using Until = StallExtension::Until;

  void b_transport(int, tlm::tlm_generic_payload& gp, sc_core::sc_time& delay);
  unsigned int transport_dbg(int, tlm::tlm_generic_payload& gp);
  // One register access by tile's core at `cycle`; sets `until` when it must wait instead.
  tlm::tlm_response_status access(uint32_t tile, uint64_t addr, bool write, uint32_t& value, uint64_t cycle,
                                  Until& until);
  bool read_status(uint32_t tile, uint64_t addr, uint32_t& value, uint64_t cycle) const;
  // The first wavelet of the receive queue if one has arrived by `cycle`, received (`pop`) or left there.
  bool take(uint32_t tile, uint32_t color, uint64_t cycle, uint32_t& wavelet, bool pop);
  // Enabled colors with a wavelet arrived by `cycle` (the line is up while any is).
  uint32_t irq_pending(uint32_t tile, uint64_t cycle) const;
  // The tile waits from `cycle` for a wavelet or a free slot, which wakes it (true); or, for a
  // receive further ahead of the fabric than it can answer, it retries once settled (false).
  bool wait(uint32_t tile, Wait what, uint32_t color, uint64_t cycle);
  // The same for the tile's stream: the port resumes it itself where it can (resumer_ set, no
  // driver, whose steps the port cannot stop at a stream's cycle, and no arrival interrupts,
  // which must reach the core at their cycle).
  bool wait_stream(uint32_t tile, Wait what, uint32_t color, uint64_t cycle);
  // A stream's wait came true at `cycle`: the fabric calls the port back there (called), to
  // resume the stream before anything moves in that cycle, as its core would have.
  void stream_due(uint32_t tile, uint64_t cycle);
  void update_irq(uint32_t tile, uint64_t cycle);

  // Fabric::Client
  void rx_arrival(uint32_t tile, uint32_t color, uint64_t cycle) override;
  void tx_space(uint32_t tile, uint32_t color, uint64_t cycle) override;
  void called(uint32_t tile, uint64_t cycle) override;  // resumes the tile's stream
  void wake(uint32_t tile, uint64_t cycle);
  // Advances the fabric (through the driver if there is one) towards `limit`, stopping early
  // where a core woke.
  void settle_fabric(uint64_t limit);
  // Applies the route writes whose cycle the fabric has reached.
  void apply_routes_due();

  Fabric fabric_;
  const Clock clock_;
  std::vector<TileState> tiles_;
  Waker waker_;
  FabricDriver* driver_ = nullptr;
  bool woke_ = false;  // advance() stops where a core woke: it may act there
  std::priority_queue<RouteWrite, std::vector<RouteWrite>, std::greater<>> routes_ahead_;
  StreamResumer* resumer_ = nullptr;
  uint64_t route_writes_ = 0;  // orders writes of the same cycle
  std::function<void(uint32_t, bool)> irq_line_;
  std::function<void(uint32_t, const std::string&)> error_sink_;
};

}  // namespace wvp
