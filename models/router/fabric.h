// The on-wafer fabric: a W x H mesh of 5-port routers, simulated cycle by cycle but only where
// something happens.
//
// Every router keeps, per input port and virtual channel ("color" on the wafer), a FIFO of
// flits with credit-based backpressure towards its upstream neighbour; a router's state is made
// when it first carries traffic, and a FIFO holds flit storage only while it is not empty. A
// flit carries its arrival cycle, so a flit sent at cycle t is written into the downstream buffer
// at once and becomes visible there only when it arrives; credits return through a timing wheel.
// A router is looked at only in cycles where it may move a flit (a head flit became eligible, it
// lost an arbitration, or a credit came back): an idle router costs nothing per cycle.
//
// Two modes share the datapath:
//  - colors: wavelets follow static per-color routes (a set of output ports per input port,
//    multicast allowed), the color is kept from hop to hop; the ramp output delivers into the
//    tile's per-color receive queue, the ramp input is the tile's per-color send queue.
//  - packets (synthetic studies): packets of P flits are routed from their destination by a
//    routing function, with wormhole switching and virtual-channel allocation per packet.
//
// Pipelines: `wafer` forwards a flit in the cycle it arrives and it reaches the next router
// `hop_latency_cycles` later. `iq-vc-4stage` is the input-queued virtual-channel router of the
// NoC literature: route computation, VC allocation, switch allocation and crossbar traversal of
// one cycle each, then one link cycle (5 cycles per hop); body flits skip RC and VA. A head's
// route computation starts when it reaches the front of its VC, so a VC passes at most one
// packet every three cycles; packets cross an injection and an ejection channel of one cycle
// each, so a P-flit packet over H routers takes 5H + 2 + (P - 1) cycles at zero load.
// Allocation is separable with one iteration: each input port picks one of its ready VCs
// (round robin), then each output port grants one requesting input (round robin).
#pragma once
#include <cstdint>
#include <functional>
#include <memory>
#include <queue>
#include <stdexcept>
#include <string>
#include <unordered_map>
#include <vector>

#include "models/router/router_twin.h"
#include "models/router/routing.h"
#include "models/router/timing_wheel.h"
#include "tlm/block_pool.h"

namespace wvp {

enum class RouterPipeline : uint8_t { Wafer, IqVc4Stage };
const char* pipeline_name(RouterPipeline p);
bool parse_pipeline(const std::string& text, RouterPipeline& p);  // "wafer", "iq-vc-4stage"

struct FabricParams {
  uint32_t width = 4, height = 4;                    // tiles
  uint32_t reticle_width_tiles = 0;                  // 0: the whole grid is one reticle
  uint32_t reticle_height_tiles = 0;
  // Several wafers side by side (platform/assembly/system_links.h): no wire joins column
  // k x w - 1 to k x w, so those ports are edge ports that only an off-wafer link (attach_edge)
  // can carry. 0: one wafer.
  uint32_t wafer_width_tiles = 0;
  RouterPipeline pipeline = RouterPipeline::Wafer;
  uint32_t colors = 24;                              // virtual channels per port (max 32)
  uint32_t buffer_depth_flits = 4;                   // per input port and color
  uint32_t hop_latency_cycles = 1;                   // wafer pipeline: router + link per hop
  uint32_t reticle_crossing_cycles = 1;              // extra on links across a reticle edge
  uint32_t credit_delay_cycles = 1;
  uint32_t tx_queue_depth_flits = 4;                 // colors mode: tile send queue per color
  uint32_t rx_queue_depth_flits = 4;                 // colors mode: tile receive queue per color
  uint32_t watchdog_cycles = 20000;                  // blocked this long: look for a deadlock
  bool packets = false;                              // packet mode (destination routing)
  Routing routing = Routing::XY;                     // packet mode
  // Extra wire latency per link (tile * 4 + direction), e.g. detours around defective tiles;
  // empty means none.
  std::vector<uint8_t> link_extra_cycles;

  // The textbook router of NoC papers: 2 VCs of 8-flit buffers, 4 stages + link.
  static FabricParams iq_vc_4stage(uint32_t width, uint32_t height);
};

// A flit in a buffer. In colors mode `data` is the wavelet and `tag` the source tile; in packet
// mode `data` is the source tile and `tag` the packet id.
struct Flit {
  uint32_t data = 0;
  uint32_t dest = 0;      // packet mode: destination tile
  uint32_t tag = 0;
  uint8_t flags = 0;      // kHead | kTail (a wavelet is both)
  uint64_t ready = 0;     // the cycle it arrives in this buffer
  static constexpr uint8_t kHead = 1, kTail = 2;
};

struct FabricError : std::runtime_error {
  using std::runtime_error::runtime_error;
};
// Flits wait on each other in a cycle: the fabric can never move them again.
struct FabricDeadlock : FabricError {
  using FabricError::FabricError;
};

// Statistics of one router, kept beside its state.
struct RouterStats {
  uint64_t link_flits[kPorts] = {};    // flits sent out of each output port
  uint64_t stall_cycles = 0;           // cycles in which a ready flit could not move
  uint32_t buffer_high_water = 0;      // most flits arrived and waiting in one link input buffer (N, E, S, W)
};

class Fabric {
 public:
  // Colors mode: called when a wavelet reaches a tile's receive queue (arrival cycle), and
  // when a slot of a send queue frees (cycle from which the sender sees it).
  // Packet mode: `delivered` is called for every flit leaving the fabric at its destination.
  struct Client {
    virtual ~Client() = default;
    virtual void rx_arrival(uint32_t /*tile*/, uint32_t /*color*/, uint64_t /*cycle*/) {}
    virtual void tx_space(uint32_t /*tile*/, uint32_t /*color*/, uint64_t /*cycle*/) {}
    virtual void delivered(uint32_t /*tile*/, const Flit& /*flit*/, uint64_t /*cycle*/) {}
    // Colors mode, attached edge ports (attach_edge): a wavelet leaves the wafer through port
    // `dir` of edge tile `tile` (arrival cycle at the far end), and a slot of that port's input
    // buffer frees for edge_push (cycle from which it is free).
    virtual void edge_out(uint32_t /*tile*/, int /*dir*/, uint32_t /*color*/, uint32_t /*wavelet*/, uint64_t /*cycle*/) {}
    virtual void edge_space(uint32_t /*tile*/, int /*dir*/, uint32_t /*color*/, uint64_t /*cycle*/) {}
    // The call asked for by call_at(), at the start of `cycle`, before anything moves in it.
    virtual void called(uint32_t /*tile*/, uint64_t /*cycle*/) {}
  };

  explicit Fabric(const FabricParams& params);
  ~Fabric();
  Fabric(const Fabric&) = delete;
  Fabric& operator=(const Fabric&) = delete;

  void set_client(Client* client) { client_ = client ? client : &no_client_; }
  const FabricParams& params() const { return params_; }
  uint32_t tiles() const { return params_.width * params_.height; }
  uint32_t hop_cycles() const;                        // per hop without contention
  uint32_t link_latency(uint32_t tile, int dir) const;  // from this router's grant to arrival

  // Colors mode: the outputs a wavelet of `color` entering `tile` through `in_port` goes to,
  // from now() on. Throws FabricError naming the tile, color and port when an output leaves the
  // grid or the color is out of range. A wavelet meeting no route waits for one.
  void set_route(uint32_t tile, uint32_t color, int in_port, PortMask outputs);
  // Throws what set_route would, without changing anything (a route to be set later).
  void check_route(uint32_t tile, uint32_t color, int in_port, PortMask outputs) const;
  PortMask route(uint32_t tile, uint32_t color, int in_port) const;

  // Colors mode: the port `dir` of `tile` on the grid's edge carries an off-wafer link. Routes
  // may then lead out through it (Client::edge_out), and the link sends in with edge_push: false
  // when that port's input buffer for `color` is full (Client::edge_space tells when it frees).
  // Each wavelet out takes one of the port's buffer_depth_flits credits of its color. With
  // `link_credits` false the fabric returns it itself credit_delay_cycles after the wavelet
  // arrived, as if the far side had unbounded room; with true the link returns it with
  // edge_credit() once it has taken the wavelet, so a slow or stalled link holds the wafer back.
  void attach_edge(uint32_t tile, int dir, bool link_credits = false);
  bool edge_push(uint32_t tile, int dir, uint32_t color, uint32_t wavelet, uint64_t cycle);
  // A credit of an edge port attached with link_credits, usable from `cycle` on (not before
  // now(), less than kMaxPopLead after it). Throws FabricError naming the port for a port
  // without link credits or a credit it never lent.
  void edge_credit(uint32_t tile, int dir, uint32_t color, uint64_t cycle);

  // Colors mode, the tile side. All take the caller's cycle, which must not be before now():
  // the fabric has settled every cycle before now().
  bool tx_full(uint32_t tile, uint32_t color) const;
  uint32_t tx_space_flits(uint32_t tile, uint32_t color) const;
  void tx_push(uint32_t tile, uint32_t color, uint32_t wavelet, uint64_t cycle);
  // Wavelets in the receive queue that have arrived by `cycle`.
  uint32_t rx_available(uint32_t tile, uint32_t color, uint64_t cycle) const;
  // `cycle` may lie at most kMaxPopLead cycles after now().
  uint32_t rx_pop(uint32_t tile, uint32_t color, uint64_t cycle);
  // When the first wavelet in the receive queue arrives (UINT64_MAX if it is empty): one has
  // arrived by `cycle` if it has, as the queue holds them in the order they arrive.
  uint64_t rx_next_arrival(uint32_t tile, uint32_t color) const;
  // The first wavelet in the receive queue, left there (the queue must not be empty).
  uint32_t rx_front(uint32_t tile, uint32_t color) const;

  // Packet mode: queues a packet at its source; its flits enter the router one per cycle from
  // `cycle` on (the source queue is unbounded, as in the NoC literature).
  void inject_packet(uint32_t src, uint32_t dest, uint32_t flits, uint32_t packet_id, uint64_t cycle);
  uint64_t source_queue_flits() const { return source_flits_; }

  // Settles every cycle before `limit`, or before an earlier stop_at(); returns now().
  uint64_t advance(uint64_t limit);
  // From a client callback: the running advance() settles no cycle from `cycle` on (a waiting
  // core wakes then and may send). Applies to the current advance() only.
  void stop_at(uint64_t cycle);
  // Calls the client back for `tile` at the start of `cycle` (Client::called), in the same
  // advance(): the client acts for a tile there, as the tile's core would, without the advance
  // returning. `cycle` lies from now() to now() + kMaxPopLead. A cycle's calls go in tile order.
  void call_at(uint64_t cycle, uint32_t tile);
  uint64_t now() const { return now_; }
  // Flits inside routers and on links (not in receive queues or source queues).
  uint64_t flits_in_flight() const { return in_flight_; }
  // Wavelets waiting in the tiles' receive queues (counted router by router: for reports).
  uint64_t rx_queued() const;
  // Nothing is scheduled: no flit will ever move again unless a tile sends or receives.
  bool quiescent() const {
    return !credit_wheel_.size() && !wake_wheel_.size() && !call_wheel_.size() && far_wakes_.empty();
  }
  // Router traversals since construction (a flit crossing a router and its output link).
  uint64_t flit_hops() const { return flit_hops_; }

  // Colors mode: `twin` (an RTL router) decides for `tile`'s router from now on. Only while that
  // router holds no wavelet and owes no credit; the routes set so far are written into the twin.
  // Every decision of the twin is checked against the router's semantics (a wavelet its buffer
  // holds, an output its route includes, a credit, a pop after the last copy); a twin that breaks
  // them raises FabricError naming the router, cycle, port and color.
  void set_twin(uint32_t tile, std::unique_ptr<RouterTwin> twin);
  bool has_twin(uint32_t tile) const;
  void finish();  // the run has ended: tells the twins

  // Sees every wavelet an output port sends, as it leaves (co-simulation, traces).
  using SendObserver = std::function<void(uint32_t tile, int port, uint32_t color, uint32_t wavelet, uint64_t cycle)>;
  void set_send_observer(SendObserver observer) { send_observer_ = std::move(observer); }

  // Looks for a cycle of full buffers waiting on each other. Returns a description naming the
  // routers, ports and colors in the cycle, or "" if there is none.
  std::string find_deadlock() const;
  // A wavelet blocked for at least `min_wait` cycles because its color has no route at a
  // router, or "".
  std::string find_unrouted(uint64_t min_wait) const;
  // Why flits cannot move, when the fabric has stopped with flits inside: a cycle of full
  // buffers or a wavelet without a route ("" if neither).
  std::string diagnose() const;

  // Host bytes of one router once it carries traffic (routers are made on first use): to refuse
  // a grid the host cannot hold before building it.
  static uint64_t router_bytes(const FabricParams& params);
  // Host bytes of one touched router's state without its buffered flits (the header and the
  // per-VC arrays), and what this fabric holds now: routers made so far, and the bytes of their
  // state and of the flit storage at its peak, per router made.
  static uint64_t router_state_bytes(const FabricParams& params);
  uint32_t touched_routers() const { return touched_; }
  uint64_t bytes_per_touched_router() const;

  const RouterStats* router_stats(uint32_t tile) const;  // nullptr: never touched
  // Flits in the input buffer of `port` for `color` (kRamp: the tile's send queue; kPorts: its
  // receive queue, arrived or not); 0 in a router never touched.
  uint32_t buffered(uint32_t tile, int port, uint32_t color) const;
  void reset_stats();

  // Every touched router (buffers, credits, routes, arbiters, counts), the flit pool and the
  // pending wake-ups and credits (models/router/fabric_checkpoint.cpp). A fabric with RTL twins
  // is refused: a Verilated block's state is not the model's to save.
  void checkpoint(Snapshot& s);

 private:
  struct Router;
  struct InVc;
  struct CreditEvent {
    uint32_t tile;
    uint16_t out_vc;  // output port * colors + vc
  };

  struct RouterDelete {  // ends the router's life; its block stays router_blocks_'
    void operator()(Router* r) const;
  };
  Router& router(uint32_t tile) {
    Router* r = routers_[tile].get();
    return r ? *r : make_router(tile);
  }
  Router& make_router(uint32_t tile);
  Router* router_if(uint32_t tile) const { return routers_[tile].get(); }
  // Buffers (fabric_internal.h): the i-th flit of an input buffer, and its FIFO's ends.
  Flit& flit_at(const InVc& q, uint32_t i);
  const Flit& flit_at(const InVc& q, uint32_t i) const;
  // kVcs: the VCs per port when compiled in (the router's visit), 0 to read them from params_.
  template <uint32_t kVcs = 0>
  void push(Router& r, uint32_t port, uint32_t vc, const Flit& f);
  template <uint32_t kVcs = 0>
  Flit pop(Router& r, uint32_t port, uint32_t vc);
  template <uint32_t kVcs>
  uint32_t vcs() const { return kVcs ? kVcs : params_.colors; }
  uint32_t neighbor(uint32_t tile, int dir) const;  // UINT32_MAX off the grid or its wafer
  // Column x is the first of a wafer other than the first.
  bool wafer_border(uint32_t x) const { return params_.wafer_width_tiles && x % params_.wafer_width_tiles == 0; }
  void schedule(Router& r, uint32_t tile, uint64_t cycle);  // r: tile's router
  void step(uint64_t t);
  void process(Router& r, uint32_t tile, uint64_t t);  // r: tile's router
  // The datapath, one copy per mode: the mode's tests fold away in the per-cycle loop. A copy
  // with the VCs per port compiled in (kVcs; 0: any) serves the common count, where the
  // indexing by port and VC and the VC loops fold to constants.
  template <bool kPackets, uint32_t kVcs>
  void process_router(Router& r, uint32_t tile, uint64_t t);
  void process_twin(Router& r, uint32_t tile, uint64_t t);
  [[noreturn]] void twin_diverged(uint32_t tile, uint64_t t, const std::string& what);
  // Pops the head of input `port`'s buffer of `vc` and returns its slot upstream.
  template <bool kPackets, uint32_t kVcs>
  void release(Router& r, uint32_t tile, int port, uint32_t vc, uint64_t t);
  // Sends the head of input `in_port`'s buffer of `vc` out of `out_port`; returns its flags.
  template <bool kPackets, uint32_t kVcs>
  uint8_t send(Router& r, uint32_t tile, int in_port, uint32_t vc, int out_port, uint64_t t);
  // The head of input `in_port`'s buffer of `vc` takes its color's route (colors) or its
  // candidate outputs (packets).
  void route_head(Router& r, int in_port, uint32_t vc);
  template <uint32_t kVcs>
  void route_packet(Router& r, uint32_t tile, int in_port, uint32_t vc);
  template <uint32_t kVcs>
  bool allocate_vc(Router& r, int in_port, uint32_t vc);
  template <uint32_t kVcs>
  void feed_from_source(Router& r, uint32_t tile, uint64_t t);
  void check_watchdog(uint64_t t);
  [[noreturn]] static void fail(const std::string& what);

  FabricParams params_;
  uint32_t rc_cycles_ = 0, va_cycles_ = 0, post_sa_cycles_ = 1;
  uint32_t inject_cycles_ = 0, eject_cycles_ = 0;  // packets: source to router, router to sink
  Client no_client_;
  Client* client_ = &no_client_;
  SendObserver send_observer_;
  std::unique_ptr<BlockPool> router_blocks_;  // the routers' state; outlives routers_
  std::vector<std::unique_ptr<Router, RouterDelete>> routers_;
  uint32_t touched_ = 0;  // routers made
  // Every buffer's flits, in rings of ring_flits_ (the deepest buffer, rounded up to a power of
  // two), a ring per non-empty buffer. Free rings (their first flit's index) are reused
  // last-freed first, so the flits in flight stay in few cache lines.
  std::vector<Flit> pool_;
  std::vector<uint32_t> free_rings_;
  uint32_t ring_flits_ = 0;
  uint32_t capacity_[kPorts + 1] = {};  // flits per VC of each input port's buffer (kPorts: receive queues)
  // The cache lines of a router's state that step() prefetches: all of it, up to a bound past
  // which a router's visit touches only a part (many colors).
  static constexpr uint32_t kPrefetchLinesMax = 16;
  uint32_t prefetch_lines_ = 0;
  uint64_t now_ = 0;
  uint64_t stop_at_ = UINT64_MAX;
  uint64_t in_flight_ = 0;
  uint64_t flit_hops_ = 0;
  uint64_t source_flits_ = 0;

  // Wake-ups and credits in a timing wheel; wake-ups beyond its horizon wait in a heap.
  static constexpr uint32_t kWheel = 1024;

 public:
  static constexpr uint64_t kMaxPopLead = kWheel - 2;

 private:
  TimingWheel<uint32_t, kWheel> wake_wheel_;  // tiles
  TimingWheel<CreditEvent, kWheel> credit_wheel_;
  TimingWheel<uint32_t, kWheel> call_wheel_;  // tiles (call_at)
  std::priority_queue<std::pair<uint64_t, uint32_t>, std::vector<std::pair<uint64_t, uint32_t>>,
                      std::greater<>> far_wakes_;
  // The current cycle's wake-ups and credits, taken from the wheels.
  TimingWheel<uint32_t, kWheel>::List woken_;
  TimingWheel<CreditEvent, kWheel>::List credits_due_;
  TimingWheel<uint32_t, kWheel>::List calls_due_;
  void make_calls(uint64_t t);

  std::vector<uint32_t> edges_;         // attached edge ports, tile * 4 + dir, sorted
  std::vector<uint32_t> link_credit_edges_;  // those whose link returns the credits, sorted
  // Per such port and color ((tile * kPorts + dir) * colors + color): credits the link holds.
  std::unordered_map<uint64_t, uint32_t> edge_lent_;
  bool edge_attached(uint32_t tile, int dir) const;
  bool edge_link_credits(uint32_t tile, int dir) const;

  // Routers holding flits that cannot move, for the deadlock watchdog.
  std::vector<uint32_t> blocked_;
  uint64_t next_watchdog_ = 0;
};

// What runs a fabric together with the off-wafer links on its edge ports (models/serdes'
// EdgeRing): the tiles' side (FabricPort) lets it take each step of the fabric's time.
class FabricDriver {
 public:
  virtual ~FabricDriver() = default;
  // Settles the fabric and the links towards `limit`: at least one cycle, possibly fewer than
  // all (the caller steps again), never past a cycle at which the fabric was told to stop.
  virtual void step(uint64_t limit) = 0;
  // Nothing scheduled on the links either.
  virtual bool idle() const = 0;
};

}  // namespace wvp
