// Events of the next kSlots cycles, a list per cycle, for the fabric's wake-ups and credits.
//
// A cycle's list is taken whole when the cycle comes (take), and its storage is given back once
// its events are handled (recycle) to serve the next cycle that gets events. So a run keeps only
// as many buffers as it has cycles with events pending at once, and they stay in the host's
// cache: with a buffer of its own per slot, each of the kSlots would grow to the busiest cycle's
// size (tens of kilobytes on a busy 64 x 64 mesh) and be cold whenever its cycle came round.
#pragma once
#include <algorithm>
#include <cstdint>
#include <memory>
#include <utility>
#include <vector>

#include "engine/snapshot.h"

namespace wvp {

template <typename Event, uint32_t kSlots>
class TimingWheel {
 public:
  // A cycle's events. Not a std::vector: its push_back is too big for the compiler to inline
  // into the router's visit, which pushes a wake-up and a credit per flit.
  struct List {
    std::unique_ptr<Event[]> data;
    uint32_t size = 0, capacity = 0;
    const Event* begin() const { return data.get(); }
    const Event* end() const { return data.get() + size; }
    const Event& operator[](uint32_t i) const { return data[i]; }
  };

  TimingWheel() : slots_(kSlots) {}

  // `cycle` lies less than kSlots cycles after the earliest cycle not yet taken.
  [[gnu::always_inline]] void push(uint64_t cycle, const Event& e) {
    List& slot = slots_[cycle % kSlots];
    if (slot.size == slot.capacity) [[unlikely]] make_room(slot);
    slot.data[slot.size++] = e;
    ++size_;
  }

  // Moves `cycle`'s events into `out` (taken by recycle before), leaving the slot empty. Events
  // pushed for `cycle` while they are handled go to the slot, for a later take.
  void take(uint64_t cycle, List& out) {
    std::swap(out, slots_[cycle % kSlots]);
    size_ -= out.size;
  }

  // Gives the storage of a list that take() filled back, emptied.
  void recycle(List& taken) {
    taken.size = 0;
    if (taken.capacity) spare_.push_back(std::exchange(taken, List{}));
  }

  uint64_t size() const { return size_; }  // events pushed and not taken

  // Every slot's events in their order (a cycle's events are handled in push order).
  void checkpoint(Snapshot& s) {
    for (List& slot : slots_) {
      uint32_t n = slot.size;
      s.io(n);
      if (s.restoring()) {
        slot.size = 0;
        while (slot.capacity < n) make_room(slot);
        slot.size = n;
      }
      if (n) s.raw(slot.data.get(), uint64_t{n} * sizeof(Event));
    }
    s.io(size_);
  }

 private:
  [[gnu::noinline]] void make_room(List& slot) {
    if (slot.size == 0 && !spare_.empty()) {
      slot = std::move(spare_.back());
      spare_.pop_back();
      return;
    }
    const uint32_t capacity = std::max<uint32_t>(64, 2 * slot.capacity);
    std::unique_ptr<Event[]> data(new Event[capacity]);
    std::copy_n(slot.data.get(), slot.size, data.get());
    slot.data = std::move(data);
    slot.capacity = capacity;
  }

  std::vector<List> slots_;
  std::vector<List> spare_;
  uint64_t size_ = 0;
};

}  // namespace wvp
