// The links between wafers on different MPI ranks (engine/rank_sync.h). Every rank builds the
// whole system but runs only its own wafers; each link that joins a wafer of this rank to one
// of another is cut in halves (Link::cut): the transmitter's half runs on the rank of the wafer
// it leaves, the receiver's on the rank of the wafer it enters, and what crosses between them
// (frames with their wavelets, ACK/NAK/credit words) travels as MPI messages.
//
// Time: the ranks run in windows as long as the shortest crossing latency of a cut link (FEC and
// propagation, about 105 ns), so nothing sent in a window is due before the next one starts.
// RankLinks is one more timed side of the fabric's link stepper, the first: at each window's
// start it swaps the crossings of the window before with the other ranks, before any link of
// this rank acts at that time. A rank whose cores have all ended goes on swapping (finish()) and
// settling its fabric until every rank has ended.
#pragma once
#include <cstdint>
#include <functional>
#include <memory>
#include <vector>

#include "engine/link_stepper.h"
#include "engine/rank_sync.h"
#include "models/link/link.h"

namespace wvp {

class RankLinks : public TimedLinks {
 public:
  RankLinks(RankSync& sync, const Clock& clock);

  // Cuts `link` (in the same order on every rank): `to` is the rank of the wafer it enters,
  // `from` that of the wafer it leaves; this rank runs the half of its own wafer, if any. A link
  // within one rank (from == to) is only reported (gather_stats()).
  void add(Link& link, uint32_t from, uint32_t to);
  uint64_t window_ps() const { return window_ps_; }

  // This rank's cores have ended; the windows go on until every rank's have.
  void finish() { finished_ = true; }
  bool done() const { return done_; }
  // Whether this rank would do nothing more unless another rank sends it something: `cores_wait`,
  // its cores (if any is left) wait for the fabric; `domain_idle`, the fabric and its links are
  // idle, this rank's links to the others aside (idle() holds true while it runs). When every
  // rank is so, with nothing in flight, and some cores are left, the system is deadlocked: the
  // windows stop, and the clusters of the ranks with cores left see it.
  void set_still_test(std::function<bool()> cores_wait, std::function<bool()> domain_idle) {
    cores_wait_ = std::move(cores_wait);
    domain_idle_ = std::move(domain_idle);
  }

  // After the run, on every rank: rank 0's links report what the other ranks' halves and whole
  // links counted up to the run's end `end_ps` (Link::add_far_stats), so that its summary covers
  // the whole system.
  void gather_stats(uint64_t end_ps);

  // TimedLinks: the next window's start, until every rank has ended.
  const Clock& clock() const override { return clock_; }
  std::optional<uint64_t> next_event_ps() const override;
  void advance(uint64_t limit_ps) override;
  bool idle() const override { return done_ || probing_; }

  // What this rank sent: crossings, MPI messages (one per rank and window with crossings) and
  // their bytes; windows swapped.
  uint64_t crossings() const { return crossings_; }
  const RankSync& sync() const { return sync_; }

 private:
  void post(uint32_t peer, uint32_t id, const LinkCrossing& crossing);
  void swap();

  RankSync& sync_;
  Clock clock_;
  struct Added {
    Link* link;
    uint32_t from, to;
  };
  std::vector<Added> links_;  // by id
  std::vector<std::vector<uint8_t>> out_, in_;  // by rank: this window's crossings
  uint64_t window_ps_ = UINT64_MAX;
  uint64_t next_window_ps_ = UINT64_MAX;
  uint64_t crossings_ = 0;
  bool finished_ = false, done_ = false, probing_ = false;
  std::function<bool()> cores_wait_, domain_idle_;
};

}  // namespace wvp
