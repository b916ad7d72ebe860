#include "models/link/link.h"

#include <algorithm>
#include <cmath>
#include <sstream>
#include <stdexcept>

#include "models/link/param_check.h"
#include "models/link/pcs.h"
#include "tlm/log.h"

namespace wvp {
namespace {

constexpr unsigned kSyncHeaderBits = 2;
constexpr uint32_t kBlockBytes = (kPcsBlockBits - kSyncHeaderBits) / 8;
constexpr uint32_t kCrcBytes = 4;
constexpr double kMaxBitErrorRate = 1e-3;

uint64_t ps(double ns) { return static_cast<uint64_t>(std::llround(ns * 1000)); }

std::string quoted(const std::string& name) { return "link '" + name + "'"; }

void check_latency(const std::string& who, const std::string& field, double ns) {
  if (!(std::isfinite(ns) && ns >= 0 && ns <= 1e9)) bad_param(who, field, "must be 0 to 1e9 ns", ns);
}

}  // namespace

double full_frame_round_trip_ns(const LinkParams& p) {
  const uint64_t blocks = (p.frame_payload_bytes + p.frame_overhead_bytes + kBlockBytes - 1) / kBlockBytes;
  const double frame_ns = std::ceil(static_cast<double>(blocks) / p.lanes) * kPcsBlockBits / p.lane_gbps;
  return frame_ns + 2 * (p.fec_latency_ns + p.propagation_ns) + p.control_ns;
}

void check_link_params(const LinkParams& p) {
  if (p.name.empty()) throw std::invalid_argument("link with no name: name must not be empty");
  const std::string who = quoted(p.name);
  check_param_range(who, "lanes", p.lanes, 1, 1024);
  check_param_positive(who, "lane_gbps", p.lane_gbps, 448);
  check_param_range(who, "frame_payload_bytes", p.frame_payload_bytes, 1, 65536);
  check_param_range(who, "frame_overhead_bytes", p.frame_overhead_bytes, kCrcBytes, 65536);
  check_latency(who, "flush_timeout_ns", p.flush_timeout_ns);
  check_latency(who, "fec_latency_ns", p.fec_latency_ns);
  check_latency(who, "propagation_ns", p.propagation_ns);
  check_latency(who, "control_ns", p.control_ns);
  check_latency(who, "replay_timeout_ns", p.replay_timeout_ns);
  check_param_range(who, "credits_frames", p.credits_frames, 1, 1 << 20);
  check_param_range(who, "retry_buffer_frames", p.retry_buffer_frames, 1, 1 << 20);
  check_param_range(who, "tx_queue_bytes", p.tx_queue_bytes, 1, 1u << 30);
  check_param_range(who, "bit_error_rate", p.bit_error_rate, 0, kMaxBitErrorRate);
  check_param_range(who, "energy_pj_per_bit", p.energy_pj_per_bit, 0, 1e6);
  const double round_trip_ns = full_frame_round_trip_ns(p);
  if (p.replay_timeout_ns < round_trip_ns) {
    std::ostringstream rule;
    rule << "must be at least the round trip of a full frame, " << round_trip_ns << " ns";
    bad_param(who, "replay_timeout_ns", rule.str(), p.replay_timeout_ns);
  }
}

Link::Link(const LinkParams& params)
    : params_((check_link_params(params), params)),
      slot_ps_(kPcsBlockBits * 1000.0L / params.lane_gbps),
      fec_ps_(ps(params.fec_latency_ns)),
      propagation_ps_(ps(params.propagation_ns)),
      reverse_ps_(ps(params.fec_latency_ns + params.propagation_ns + params.control_ns)),
      timeout_ps_(ps(params.replay_timeout_ns)),
      flush_ps_(ps(params.flush_timeout_ns)),
      credits_(params.credits_frames),
      rng_(params.seed) {
  draw_next_error(0);
}

void Link::fail(const std::string& what) const { throw std::invalid_argument(quoted(params_.name) + ": " + what); }

double Link::data_gbps() const { return line_gbps() * (kPcsBlockBits - kSyncHeaderBits) / kPcsBlockBits; }

uint32_t Link::frame_blocks(uint32_t payload_bytes) const {
  return (payload_bytes + params_.frame_overhead_bytes + kBlockBytes - 1) / kBlockBytes;
}

uint64_t Link::frame_time_ps(uint32_t payload_bytes) const {
  return block_time(uint64_t{frame_blocks(payload_bytes)} + params_.lanes - 1);
}

uint64_t Link::block_time(uint64_t block) const {
  return static_cast<uint64_t>(std::llround(static_cast<long double>(block / params_.lanes) * slot_ps_));
}

uint64_t Link::first_block_at(uint64_t time) const {
  const uint64_t lanes = params_.lanes;
  uint64_t slot = static_cast<uint64_t>(std::ceil(static_cast<long double>(time) / slot_ps_));
  // Rounding to whole picoseconds may put the boundary one slot either way.
  while (block_time(slot * lanes) < time) ++slot;
  while (slot > 0 && block_time((slot - 1) * lanes) >= time) --slot;
  return slot * lanes;
}

void Link::schedule(uint64_t time, Ev type, uint64_t arg) {
  events_.push(Event{time, order_++, type, arg});
}

bool Link::send(const LinkItem& item, uint64_t time_ps) {
  if (down_) fail("item sent at " + std::to_string(time_ps) + " ps while the link is down");
  if (item.bytes == 0 || item.bytes > params_.frame_payload_bytes || item.bytes > params_.tx_queue_bytes) {
    fail("item of " + std::to_string(item.bytes) + " bytes: items take 1 byte to the smaller of frame_payload_bytes (" +
         std::to_string(params_.frame_payload_bytes) + ") and tx_queue_bytes (" +
         std::to_string(params_.tx_queue_bytes) + ")");
  }
  if (time_ps < now_ || time_ps < last_send_ps_) {
    fail("item sent at " + std::to_string(time_ps) + " ps, before the settled time " + std::to_string(now_) +
         " ps or the previous item's " + std::to_string(last_send_ps_) + " ps");
  }
  if (item.bytes > space_bytes()) {
    space_wanted_ = true;
    return false;
  }
  items_.push_back({item, time_ps});
  queued_bytes_ += item.bytes;
  last_send_ps_ = time_ps;
  // Held back by credits or the retry buffer, the sender is woken by the credit or ACK that
  // frees it: no event per item while it waits.
  const bool held = next_tx_seq_ == next_seq_ && (credits_ == 0 || retry_.size() >= params_.retry_buffer_frames);
  if (!held) kick(time_ps);
  return true;
}

void Link::rx_resume(uint64_t time_ps) {
  if (time_ps < now_) fail("delivery resumed at " + std::to_string(time_ps) + " ps, before the settled time " + std::to_string(now_) + " ps");
  schedule(time_ps, Ev::Deliver);
}

void Link::inject_error(uint64_t transmission) {
  if (transmission < transmissions_) {
    fail("transmission " + std::to_string(transmission) + " has already been sent");
  }
  injected_.insert(std::lower_bound(injected_.begin(), injected_.end(), transmission), transmission);
}

void Link::set_bit_error_rate(double ber) {
  check_param_range(quoted(params_.name), "bit_error_rate", ber, 0, kMaxBitErrorRate);
  params_.bit_error_rate = ber;
  draw_next_error(line_bit_);
}

std::vector<LinkItem> Link::shut_down(uint64_t time_ps) {
  if (down_) fail("shut down at " + std::to_string(time_ps) + " ps while already down");
  if (half_ != LinkHalf::Both) fail("shut down while cut in halves: only a whole link can be taken down");
  if (time_ps < now_) fail("shut down at " + std::to_string(time_ps) + " ps, before the settled time " + std::to_string(now_) + " ps");
  advance(time_ps);
  // Frames below expected_seq_ are accepted; the first one not accepted starts what goes back.
  uint64_t first = framed_;
  if (!retry_.empty() && expected_seq_ - retry_.front().seq < retry_.size()) {
    first = retry_[expected_seq_ - retry_.front().seq].first_item;
  }
  std::vector<LinkItem> back;
  back.reserve(released_ + items_.size() - first);
  for (auto it = items_.begin() + static_cast<std::ptrdiff_t>(first - released_); it != items_.end(); ++it) {
    back.push_back(it->item);
  }
  released_ += items_.size();
  framed_ = released_;
  items_.clear();
  queued_bytes_ = 0;
  space_wanted_ = false;
  retry_.clear();
  next_tx_seq_ = next_seq_;
  expected_seq_ = next_seq_;
  nak_scheduled_ = false;
  timer_running_ = false;
  next_try_ps_ = UINT64_MAX;
  credits_ = params_.credits_frames - static_cast<uint32_t>(rx_frames_.size());
  // Only the receiver's resumptions outlive the link going down.
  to_rx_.clear();
  to_tx_.clear();
  std::vector<Event> kept;
  for (; !events_.empty(); events_.pop()) {
    if (events_.top().type == Ev::Deliver) kept.push_back(events_.top());
  }
  for (const Event& ev : kept) events_.push(ev);
  counts_.withdrawn += back.size();
  down_ = true;
  return back;
}

void Link::bring_up() {
  if (!down_) fail("brought up while up");
  down_ = false;
}

void Link::kick(uint64_t time) {
  time = std::max(time, wire_free_ps_);
  if (next_try_ps_ <= time) return;
  next_try_ps_ = time;
  schedule(time, Ev::Try);
}

// One frame at most: a replay first, else a new frame from the queued items.
void Link::try_send(uint64_t t) {
  if (next_tx_seq_ < next_seq_) {
    const Frame frame = retry_[next_tx_seq_ - retry_.front().seq];
    ++next_tx_seq_;
    ++counts_.retries;
    transmit(frame, t);
    return;
  }
  if (credits_ == 0 || retry_.size() >= params_.retry_buffer_frames) return;  // a credit or an ACK kicks
  const uint64_t end = released_ + items_.size();
  uint64_t next = framed_;
  uint32_t bytes = 0;
  bool full = false;
  for (; next < end; ++next) {
    const Queued& q = items_[next - released_];
    if (q.time > t) break;
    if (bytes + q.item.bytes > params_.frame_payload_bytes) {
      full = true;
      break;
    }
    bytes += q.item.bytes;
  }
  if (next == framed_) {
    // Only items offered for a later time: the Try their send() scheduled may have been
    // replaced by this earlier one, so look again at the first one's time.
    if (next < end) kick(items_[next - released_].time);
    return;
  }
  full = full || bytes == params_.frame_payload_bytes;
  if (!full && flush_ps_ > 0) {
    const uint64_t deadline = items_[framed_ - released_].time + flush_ps_;
    if (t < deadline) {
      kick(deadline);
      return;
    }
  }
  const Frame frame{next_seq_++, framed_, static_cast<uint32_t>(next - framed_), frame_blocks(bytes)};
  next_tx_seq_ = next_seq_;
  framed_ = next;
  queued_bytes_ -= bytes;
  --credits_;
  retry_.push_back(frame);
  ++counts_.frames;
  transmit(frame, t);
  if (space_wanted_) {
    space_wanted_ = false;
    if (space_) space_(t);
  }
}

void Link::transmit(const Frame& frame, uint64_t t) {
  const uint64_t first = std::max(tx_block_, first_block_at(t));
  tx_block_ = first + frame.blocks;
  const uint64_t done = block_time(tx_block_ + params_.lanes - 1);  // the end of the last block's slot
  last_end_ps_ = done;
  wire_free_ps_ = block_time(tx_block_);
  blocks_sent_ += frame.blocks;
  const uint64_t bits = uint64_t{frame.blocks} * kPcsBlockBits;
  counts_.line_bits += bits;
  bool bad = draw_errors(bits);
  if (!injected_.empty() && injected_.front() == transmissions_) {
    injected_.erase(injected_.begin());
    bad = true;
  }
  ++transmissions_;
  LinkCrossing crossing{done + fec_ps_ + propagation_ps_, LinkCrossing::Frame, bad, frame.seq, {}};
  const auto first_item = items_.begin() + static_cast<std::ptrdiff_t>(frame.first_item - released_);
  crossing.items.reserve(frame.items);
  for (auto it = first_item; it != first_item + frame.items; ++it) crossing.items.push_back(it->item);
  cross(std::move(crossing));
  if (!timer_running_) restart_timer(t);
  kick(wire_free_ps_);
}

// Inverse transform sampling rather than std::geometric_distribution, whose algorithm the
// standard leaves to the library: the same seed gives the same errors everywhere.
void Link::draw_next_error(uint64_t from) {
  if (params_.bit_error_rate == 0) {
    next_error_bit_ = UINT64_MAX;
    return;
  }
  const double u = 1.0 - static_cast<double>(rng_() >> 11) * 0x1.0p-53;  // (0, 1]
  const double gap = std::floor(std::log(u) / std::log1p(-params_.bit_error_rate));
  next_error_bit_ = gap >= static_cast<double>(UINT64_MAX - from) ? UINT64_MAX : from + static_cast<uint64_t>(gap);
}

bool Link::draw_errors(uint64_t bits) {
  const uint64_t end = line_bit_ + bits;
  uint64_t errors = 0;
  while (next_error_bit_ < end) {
    ++errors;
    draw_next_error(next_error_bit_ + 1);
  }
  line_bit_ = end;
  counts_.bit_errors += errors;
  return errors > 0;
}

void Link::restart_timer(uint64_t t) {
  ++timer_generation_;
  timer_running_ = !retry_.empty();
  if (timer_running_) schedule(t + timeout_ps_, Ev::Timer, timer_generation_);
}

// ACKs and NAKs carry the receiver's next expected sequence number.
void Link::release_acked(uint64_t expected, uint64_t t) {
  bool released = false;
  while (!retry_.empty() && retry_.front().seq < expected) {
    retry_.pop_front();
    released = true;
  }
  if (!released) return;
  const uint64_t keep = retry_.empty() ? framed_ : retry_.front().first_item;
  items_.erase(items_.begin(), items_.begin() + static_cast<std::ptrdiff_t>(keep - released_));
  released_ = keep;
  next_tx_seq_ = std::max(next_tx_seq_, retry_.empty() ? next_seq_ : retry_.front().seq);
  restart_timer(t);
}

// Go-back-N: every frame not yet acknowledged goes again, in order, once the wire is free.
void Link::replay_unacknowledged(uint64_t t) {
  next_tx_seq_ = retry_.front().seq;
  restart_timer(t);
  kick(t);
}

void Link::cross(LinkCrossing crossing) {
  if (half_ != LinkHalf::Both) {
    out_(crossing);
    return;
  }
  (crossing.kind == LinkCrossing::Frame ? to_rx_ : to_tx_).push_back(std::move(crossing));
}

void Link::schedule_control(LinkCrossing::Kind kind, uint64_t t, uint64_t expected) {
  cross(LinkCrossing{t + reverse_ps_, kind, false, expected, {}});
}

void Link::arrive(const LinkCrossing& frame) {
  const uint64_t seq = frame.arg, t = frame.time;
  if (frame.bad) {
    ++counts_.crc_errors;
    WVP_LOG_UNSTAMPED(Link, Debug, "{}: frame {} failed its CRC at {} ps: it will be replayed", params_.name, seq, t);
  } else if (seq == expected_seq_) {
    ++expected_seq_;
    nak_scheduled_ = false;
    schedule_control(LinkCrossing::Ack, t, expected_seq_);
    rx_items_.insert(rx_items_.end(), frame.items.begin(), frame.items.end());
    rx_accepted_ += frame.items.size();
    rx_frames_.push_back(rx_accepted_);
    deliver(t);
    return;
  } else {
    ++counts_.discarded;
    if (seq < expected_seq_) {
      schedule_control(LinkCrossing::Ack, t, expected_seq_);
      return;
    }
  }
  if (!nak_scheduled_) {
    nak_scheduled_ = true;
    schedule_control(LinkCrossing::Nak, t, expected_seq_);
  }
}

void Link::control(const LinkCrossing& word) {
  const uint64_t t = word.time;
  switch (word.kind) {
    case LinkCrossing::Ack:
      release_acked(word.arg, t);
      kick(t);
      break;
    case LinkCrossing::Nak:
      release_acked(word.arg, t);
      if (!retry_.empty()) {
        ++counts_.naks;
        replay_unacknowledged(t);
      }
      break;
    case LinkCrossing::Credit:
      ++credits_;
      kick(t);
      break;
    case LinkCrossing::Frame:
      break;
  }
}

void Link::cut(LinkHalf half, std::function<void(const LinkCrossing&)> out) {
  if (half == LinkHalf::Both) fail("cut into both halves");
  if (half_ != LinkHalf::Both) fail("cut twice");
  half_ = half;
  out_ = std::move(out);
}

void Link::take(const LinkCrossing& crossing) {
  const bool frame = crossing.kind == LinkCrossing::Frame;
  if (half_ != (frame ? LinkHalf::Receiver : LinkHalf::Sender))
    fail(std::string(frame ? "a frame" : "a control word") + " handed to the half that sends it");
  std::deque<LinkCrossing>& queue = frame ? to_rx_ : to_tx_;
  if (crossing.time < now_ || (!queue.empty() && crossing.time < queue.back().time))
    fail("a crossing for " + std::to_string(crossing.time) + " ps, before the settled time " + std::to_string(now_) +
         " ps or the previous crossing's");
  queue.push_back(crossing);
}

void Link::deliver(uint64_t t) {
  if (rx_stalled_) return;
  while (!rx_items_.empty()) {
    const LinkItem item = rx_items_.front();
    if (deliver_ && !deliver_(item, t)) {
      rx_stalled_ = true;
      break;
    }
    rx_items_.pop_front();
    ++rx_delivered_;
    ++counts_.items;
    counts_.payload_bytes += item.bytes;
  }
  while (!rx_frames_.empty() && rx_frames_.front() <= rx_delivered_) {
    rx_frames_.pop_front();
    schedule_control(LinkCrossing::Credit, t);
  }
}

uint64_t Link::advance(uint64_t limit_ps) {
  for (;;) {
    // The earliest of the three queues; at one time, own events, then control words, then frames.
    const uint64_t own = events_.empty() ? UINT64_MAX : events_.top().time;
    const uint64_t word = to_tx_.empty() ? UINT64_MAX : to_tx_.front().time;
    const uint64_t frame = to_rx_.empty() ? UINT64_MAX : to_rx_.front().time;
    const uint64_t t = std::min({own, word, frame});
    if (t >= limit_ps) break;
    now_ = std::max(now_, t);
    if (own == t) {
      const Event ev = events_.top();
      events_.pop();
      switch (ev.type) {
        case Ev::Try:
          if (t != next_try_ps_) break;  // an earlier Try replaced it
          next_try_ps_ = UINT64_MAX;
          try_send(t);
          break;
        case Ev::Timer:
          if (ev.arg != timer_generation_ || !timer_running_) break;  // restarted or stopped since
          ++counts_.timeouts;
          replay_unacknowledged(t);
          break;
        case Ev::Deliver:
          rx_stalled_ = false;
          deliver(t);
          break;
      }
    } else if (word == t) {
      const LinkCrossing w = std::move(to_tx_.front());
      to_tx_.pop_front();
      control(w);
    } else {
      const LinkCrossing f = std::move(to_rx_.front());
      to_rx_.pop_front();
      arrive(f);
    }
  }
  now_ = std::max(now_, limit_ps);
  return now_;
}

std::optional<uint64_t> Link::next_event_ps() const {
  const uint64_t t = std::min({events_.empty() ? UINT64_MAX : events_.top().time,
                               to_tx_.empty() ? UINT64_MAX : to_tx_.front().time,
                               to_rx_.empty() ? UINT64_MAX : to_rx_.front().time});
  if (t == UINT64_MAX) return std::nullopt;
  return t;
}

namespace {

// Counts of two halves (or runs) of one link: each counted its own; times are the later one's.
void merge(LinkStats& into, const LinkStats& f) {
  into.items += f.items, into.payload_bytes += f.payload_bytes, into.frames += f.frames, into.retries += f.retries;
  into.crc_errors += f.crc_errors, into.bit_errors += f.bit_errors, into.naks += f.naks, into.timeouts += f.timeouts;
  into.discarded += f.discarded, into.line_bits += f.line_bits, into.withdrawn += f.withdrawn;
  into.elapsed_ps = std::max(into.elapsed_ps, f.elapsed_ps);
  into.busy_ps = std::max(into.busy_ps, f.busy_ps);
}

}  // namespace

void Link::add_far_stats(const LinkStats& far) {
  if (far_) merge(*far_, far);
  else far_ = far;
}

LinkStats Link::stats_at(uint64_t end_ps) const {
  LinkStats s = counts_;
  s.elapsed_ps = end_ps;
  // Blocks of a frame still on the wire at the end are not busy time yet.
  const long double sent = blocks_sent_ * slot_ps_ / params_.lanes;
  const long double ahead = last_end_ps_ > end_ps ? static_cast<long double>(last_end_ps_ - end_ps) : 0;
  s.busy_ps = std::min<uint64_t>(end_ps, sent > ahead ? static_cast<uint64_t>(std::llround(sent - ahead)) : 0);
  if (far_) merge(s, *far_);
  const uint64_t elapsed = s.elapsed_ps;
  s.utilisation = elapsed ? static_cast<double>(s.busy_ps) / static_cast<double>(elapsed) : 0;
  s.energy_pj = static_cast<double>(s.line_bits) * params_.energy_pj_per_bit;
  s.payload_gbps = elapsed ? static_cast<double>(s.payload_bytes) * 8 * 1000 / static_cast<double>(elapsed) : 0;
  return s;
}

void Link::checkpoint(Snapshot& s) {
  Snapshot::Section section(s, "link");
  std::string name = params_.name;
  s.io(name);
  if (name != params_.name) s.fail("link " + name + " in the checkpoint where this platform has " + params_.name);
  s.fields(now_, order_, events_, to_rx_, to_tx_, items_, released_, framed_, queued_bytes_, last_send_ps_, space_wanted_, retry_, next_seq_,
           next_tx_seq_, credits_, tx_block_, wire_free_ps_, last_end_ps_, next_try_ps_, timer_generation_, timer_running_,
           transmissions_, injected_, rng_, line_bit_, next_error_bit_, expected_seq_, nak_scheduled_, rx_items_, rx_accepted_,
           rx_delivered_, rx_frames_, rx_stalled_, down_, counts_, blocks_sent_);
}

}  // namespace wvp
