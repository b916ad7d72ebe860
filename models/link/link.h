// An off-wafer link, one direction: lanes x Gb/s, 64b/66b, CRC-checked frames, FEC and
// propagation latency, credit flow control and go-back-N retry, so every item arrives exactly
// once and in order. Edge SerDes and optical Z-ports are this model with other LinkParams; a
// duplex link is two Links. It keeps its own time in picoseconds and is advanced from outside,
// like the fabric. The wire, frames, errors, retry, flow control and why the interface is so:
// docs/architecture.md, 'Off-wafer links'.
#pragma once
#include <algorithm>
#include <cstdint>
#include <deque>
#include <functional>
#include <optional>
#include <queue>
#include <random>
#include <string>
#include <vector>

#include "engine/snapshot.h"

namespace wvp {

struct LinkParams {
  std::string name = "link";          // in every error message
  uint32_t lanes = 4;
  double lane_gbps = 25.78125;         // line rate per lane; 64b/66b leaves 25 Gb/s of data
  uint32_t frame_payload_bytes = 256;  // largest payload of a frame (and of an item)
  uint32_t frame_overhead_bytes = 16;  // header, sequence number, CRC-32, start/terminate
  double flush_timeout_ns = 0;         // a frame that is not full waits this long for more items
  double fec_latency_ns = 100;         // FEC encode + decode
  double propagation_ns = 5;           // about 1 m of fibre or copper
  double control_ns = 10;              // an ACK/NAK/credit word sent and taken, beyond FEC + propagation
  double replay_timeout_ns = 1000;     // at least the round trip of a full frame
  uint32_t credits_frames = 32;        // receiver frame buffers
  uint32_t retry_buffer_frames = 64;   // frames sent and not yet acknowledged
  uint32_t tx_queue_bytes = 4096;      // items offered and not yet in a frame
  double bit_error_rate = 1e-12;       // after FEC, per line bit
  double energy_pj_per_bit = 5;        // per line bit, replays included
  uint64_t seed = 1;                   // of the bit errors
};

// Throws std::invalid_argument naming the link and the field for parameters out of physical
// range: lanes 1 to 1024, lane_gbps in (0, 448], frames of 1 to 65536 payload bytes with at
// least the 4 bytes of their CRC-32 as overhead, latencies and energy finite and >= 0, credits,
// retry buffer and queue >= 1, bit_error_rate in [0, 1e-3] (beyond it a full frame rarely gets
// through), replay_timeout_ns at least the round trip of a full frame (or every frame would be
// replayed).
void check_link_params(const LinkParams& params);
// The round trip of a full frame: its blocks over the lanes, FEC and propagation out and back,
// and the ACK's own time; the shortest replay timer check_link_params accepts.
double full_frame_round_trip_ns(const LinkParams& params);

// What the link carries: `data` and `tag` are passed through untouched (a wavelet and its
// color; a transaction id and its kind), `bytes` is what the item takes in a frame.
struct LinkItem {
  uint64_t data = 0;
  uint32_t tag = 0;
  uint32_t bytes = 4;
  bool operator==(const LinkItem&) const = default;
};

// What crosses from one half of a link to the other (the transmitter's side and the receiver's):
// a frame with its items, or a control word going back (an ACK or NAK with the receiver's next
// expected sequence number, or a credit). Each takes at least the link's crossing latency, which
// lets the two halves run in different processes that synchronise no more often than that
// (engine/rank_sync.h).
struct LinkCrossing {
  enum Kind : uint8_t { Frame, Ack, Nak, Credit };
  uint64_t time = 0;  // when it reaches the other half
  Kind kind = Frame;
  bool bad = false;   // a frame that fails its CRC
  uint64_t arg = 0;   // the frame's sequence number; an ACK's or NAK's expected one
  std::vector<LinkItem> items;  // a frame's
  void checkpoint(Snapshot& s) { s.fields(time, kind, bad, arg, items); }
  bool operator==(const LinkCrossing&) const = default;
};

// Which half of a link an object simulates (Link::cut).
enum class LinkHalf : uint8_t { Both, Sender, Receiver };

struct LinkStats {
  uint64_t items = 0;          // delivered
  uint64_t payload_bytes = 0;  // delivered
  uint64_t frames = 0;         // first transmissions
  uint64_t retries = 0;        // replayed transmissions
  uint64_t crc_errors = 0;     // transmissions the receiver found corrupted
  uint64_t bit_errors = 0;     // line bit errors in them
  uint64_t naks = 0;           // replays started by a NAK
  uint64_t timeouts = 0;       // replays started by the replay timer
  uint64_t discarded = 0;      // good transmissions dropped: out of sequence or duplicate
  uint64_t line_bits = 0;      // 66-bit blocks x 66, replays included
  uint64_t withdrawn = 0;      // items handed back by shut_down(), not delivered here
  // Derived, at now():
  uint64_t elapsed_ps = 0;
  uint64_t busy_ps = 0;        // the wire sending frames (blocks over the lanes' rate)
  double utilisation = 0;      // busy_ps / elapsed_ps
  double energy_pj = 0;        // line_bits x energy_pj_per_bit
  double payload_gbps = 0;     // delivered payload bits / elapsed time
  bool operator==(const LinkStats&) const = default;
};

class Link {
 public:
  // Returns false to refuse the item at this time (docs/architecture.md, 'Off-wafer links').
  using Deliver = std::function<bool(const LinkItem& item, uint64_t time_ps)>;
  using Space = std::function<void(uint64_t time_ps)>;

  explicit Link(const LinkParams& params);  // checks `params`

  const LinkParams& params() const { return params_; }
  void set_deliver(Deliver deliver) { deliver_ = std::move(deliver); }  // none: items are taken on arrival
  // After a refused send(), called once when items next leave the queue for a frame, with that
  // time (a large item may still not fit then).
  void set_space(Space space) { space_ = std::move(space); }

  // Throws std::invalid_argument naming the link for an item larger than a frame's payload or
  // the send queue, of zero bytes, or at a time before now() or before the previous item's.
  bool send(const LinkItem& item, uint64_t time_ps);
  uint32_t space_bytes() const { return params_.tx_queue_bytes - queued_bytes_; }
  // After deliver() refused: offers items again from `time_ps` (not before now()).
  void rx_resume(uint64_t time_ps);
  // Makes the link's transmission number `transmission` (0 for the first frame sent, replays
  // counted) fail its CRC whatever the bit errors.
  void inject_error(uint64_t transmission);
  // For the transmissions from now on; throws std::invalid_argument naming the link and
  // bit_error_rate outside [0, 1e-3].
  void set_bit_error_rate(double ber);

  // Settles every time before `time_ps` (not before now()) and takes the link down
  // (docs/architecture.md, 'Off-wafer links'); returns the items the receiver had not accepted,
  // in sending order.
  std::vector<LinkItem> shut_down(uint64_t time_ps);
  void bring_up();  // after shut_down(): send() takes items again
  bool is_down() const { return down_; }

  // Settles every time before `limit_ps`; returns now().
  uint64_t advance(uint64_t limit_ps);
  uint64_t now() const { return now_; }
  // When something may next happen (never later than the next delivery, ACK, credit or frame;
  // possibly earlier, for a replay timer since restarted); nothing when no event is pending, so
  // that only send() or rx_resume() can make anything happen.
  std::optional<uint64_t> next_event_ps() const;
  // Every item offered has been delivered and acknowledged.
  bool empty() const { return items_.empty() && rx_items_.empty(); }

  LinkStats stats() const { return stats_at(now_); }
  // Over the run up to `end_ps` rather than now(): elapsed is `end_ps`, and busy time and rates
  // count to it; what the link did after it (settling past a run's end) is counted all the same.
  LinkStats stats_at(uint64_t end_ps) const;

  // Figures from the parameters.
  double line_gbps() const { return params_.lanes * params_.lane_gbps; }  // 66-bit blocks
  double data_gbps() const;                                                // after 64b/66b
  uint32_t frame_blocks(uint32_t payload_bytes) const;                     // 66-bit blocks
  // The time from the first block of a frame going out to its last block, on an idle wire.
  uint64_t frame_time_ps(uint32_t payload_bytes) const;

  // Everything in flight: queued items, frames awaiting acknowledgement, the receiver's buffer,
  // the pending events and the error generator (engine/snapshot.h).
  void checkpoint(Snapshot& s);

  // From now on this object simulates only `half` of the link; what its half sends the other
  // goes to `out` (in time order) instead of its own queue, and take() brings in what the other
  // half sent. Both halves must be cut alike, each given the other's crossings. The results are
  // those of the whole link: the halves share no state, and a crossing takes at least
  // crossing_latency_ps(). Stats: each half counts its own side's figures (the sender frames,
  // retries, errors and line bits; the receiver items, payload, CRC errors and discards).
  void cut(LinkHalf half, std::function<void(const LinkCrossing&)> out);
  LinkHalf half() const { return half_; }
  // A crossing from the other half; throws std::invalid_argument naming the link for one that
  // arrives before now() or the previous crossing, or that is not for this half.
  void take(const LinkCrossing& crossing);
  uint64_t crossing_latency_ps() const { return std::min(fec_ps_ + propagation_ps_, reverse_ps_); }
  // For the report of a cut link, or of one run whole elsewhere: stats() adds `far`'s counts
  // (its half's own, the other half's zero) and takes its elapsed and busy time when later.
  void add_far_stats(const LinkStats& far);

 private:
  struct Queued {
    LinkItem item;
    uint64_t time;  // offered
  };
  struct Frame {
    uint64_t seq;
    uint64_t first_item;  // absolute item number
    uint32_t items;
    uint32_t blocks;
  };
  // Each half's own timers; what crosses between them waits in to_rx_ and to_tx_.
  enum class Ev : uint8_t { Try, Timer, Deliver };
  struct Event {
    uint64_t time;
    uint64_t order;  // ties go in scheduling order
    Ev type;
    uint64_t arg;
    bool operator>(const Event& o) const { return time != o.time ? time > o.time : order > o.order; }
  };

  void schedule(uint64_t time, Ev type, uint64_t arg = 0);
  uint64_t block_time(uint64_t block) const;  // when block slot `block / lanes` starts
  uint64_t first_block_at(uint64_t time) const;
  void kick(uint64_t time);  // the sender looks for work at `time` (or when the wire frees)
  void try_send(uint64_t t);
  void transmit(const Frame& frame, uint64_t t);
  bool draw_errors(uint64_t bits);
  void release_acked(uint64_t seq, uint64_t t);
  void restart_timer(uint64_t t);
  void replay_unacknowledged(uint64_t t);  // after a NAK or the replay timer; retry_ not empty
  void arrive(const LinkCrossing& frame);
  void control(const LinkCrossing& word);
  void cross(LinkCrossing crossing);  // to the other half
  void schedule_control(LinkCrossing::Kind kind, uint64_t t, uint64_t expected = 0);
  void deliver(uint64_t t);
  [[noreturn]] void fail(const std::string& what) const;

  LinkParams params_;
  Deliver deliver_;
  Space space_;
  long double slot_ps_;  // one block time (a block on every lane)
  uint64_t fec_ps_, propagation_ps_, reverse_ps_, timeout_ps_, flush_ps_;

  uint64_t now_ = 0;
  uint64_t order_ = 0;
  std::priority_queue<Event, std::vector<Event>, std::greater<>> events_;
  // In flight between the halves, each in time order: frames to the receiver, control words to
  // the sender. At one time a half's own events go first, then control words, then frames: an
  // order that does not depend on when a crossing was handed over.
  std::deque<LinkCrossing> to_rx_, to_tx_;
  LinkHalf half_ = LinkHalf::Both;
  std::function<void(const LinkCrossing&)> out_;

  // Items from send() until their frame is acknowledged; items_.front() is item number
  // `released_` (numbered from 0 in sending order).
  std::deque<Queued> items_;
  uint64_t released_ = 0;
  uint64_t framed_ = 0;        // items before this one are in frames
  uint32_t queued_bytes_ = 0;  // of items not yet in a frame
  uint64_t last_send_ps_ = 0;
  bool space_wanted_ = false;

  // Sender.
  std::deque<Frame> retry_;  // unacknowledged, by sequence number
  uint64_t next_seq_ = 0;    // of the next new frame
  uint64_t next_tx_seq_ = 0; // next frame to send; below next_seq_ while replaying
  uint32_t credits_;
  uint64_t tx_block_ = 0;    // the next free block on the wire
  uint64_t wire_free_ps_ = 0;  // the slot of tx_block_ begins
  uint64_t last_end_ps_ = 0;   // the last frame's last block is out
  uint64_t next_try_ps_ = UINT64_MAX;  // the earliest Try scheduled
  uint64_t timer_generation_ = 0;
  bool timer_running_ = false;
  uint64_t transmissions_ = 0;
  std::vector<uint64_t> injected_;  // transmissions to corrupt, sorted

  // Bit errors: the line bit (counting frame bits only) the next error hits.
  std::mt19937_64 rng_;
  uint64_t line_bit_ = 0;
  uint64_t next_error_bit_ = UINT64_MAX;
  void draw_next_error(uint64_t from);

  // Receiver.
  uint64_t expected_seq_ = 0;
  bool nak_scheduled_ = false;
  std::deque<LinkItem> rx_items_;   // of accepted frames, not yet delivered
  uint64_t rx_accepted_ = 0;        // items put into rx_items_ so far
  uint64_t rx_delivered_ = 0;       // items taken by the consumer so far
  std::deque<uint64_t> rx_frames_;  // accepted frames still buffered: rx_accepted_ after each
  bool rx_stalled_ = false;

  bool down_ = false;
  LinkStats counts_;
  uint64_t blocks_sent_ = 0;
  std::optional<LinkStats> far_;  // add_far_stats()
};

}  // namespace wvp
