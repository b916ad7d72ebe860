// Steps a cycle-counted model (the fabric) together with models that keep their time in
// picoseconds (off-wafer links and what they bridge), conservatively: the links settle every
// event up to the clocked model's cycle, earliest first across all of them; then the clocked
// model runs up to the cycle of the next link event, and stops early at any cycle where it hands
// a link something. Neither side is ever asked to act in its settled past.
#pragma once
#include <cstdint>
#include <optional>
#include <vector>

#include "engine/clock.h"

namespace wvp {

// The cycle-counted side: advance() settles cycles up to `limit`, or stops earlier.
class CycleStepped {
 public:
  virtual ~CycleStepped() = default;
  virtual uint64_t now() const = 0;
  virtual void advance(uint64_t limit) = 0;
};

// One picosecond-timed side (a SerDes, the optical ports between two wafers).
class TimedLinks {
 public:
  virtual ~TimedLinks() = default;
  virtual const Clock& clock() const = 0;  // the clocked side's, to convert between the two
  // The earliest event of its links; advance() settles every event before `limit_ps`.
  virtual std::optional<uint64_t> next_event_ps() const = 0;
  virtual void advance(uint64_t limit_ps) = 0;
  // Nothing in flight: it will not act by itself.
  virtual bool idle() const = 0;
};

class LinkStepper {
 public:
  explicit LinkStepper(CycleStepped& clocked) : clocked_(clocked) {}
  void add(TimedLinks& links) { links_.push_back(&links); }  // it must outlive the stepper
  // Added first: at equal times it acts before every other side.
  void add_first(TimedLinks& links) { links_.insert(links_.begin(), &links); }

  // One step towards `limit`: the links up to the clocked side's cycle, then the clocked side
  // up to the next link event (at least one cycle).
  void step(uint64_t limit);
  // Steps until the clocked side's now() is `limit`.
  uint64_t advance(uint64_t limit);
  bool idle() const;  // every link idle

 private:
  void settle_links(uint64_t cycle);  // every link event up to ps(cycle), in time order

  CycleStepped& clocked_;
  std::vector<TimedLinks*> links_;
};

}  // namespace wvp
