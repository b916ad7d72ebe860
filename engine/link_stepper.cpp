#include "engine/link_stepper.h"

#include <algorithm>

namespace wvp {

void LinkStepper::settle_links(uint64_t cycle) {
  for (;;) {
    TimedLinks* first = nullptr;
    uint64_t when = UINT64_MAX;
    for (TimedLinks* l : links_) {
      const auto next = l->next_event_ps();
      if (next && *next <= l->clock().ps(cycle) && *next < when) first = l, when = *next;
    }
    if (!first) break;
    first->advance(when + 1);
  }
}

void LinkStepper::step(uint64_t limit) {
  const uint64_t c = clocked_.now();
  settle_links(c);
  uint64_t next = limit;
  for (TimedLinks* l : links_)
    if (const auto t = l->next_event_ps()) next = std::min(next, l->clock().cycle_of(*t));
  clocked_.advance(std::max(next, c + 1));
}

uint64_t LinkStepper::advance(uint64_t limit) {
  while (clocked_.now() < limit) step(limit);
  return clocked_.now();
}

bool LinkStepper::idle() const {
  return std::all_of(links_.begin(), links_.end(), [](const TimedLinks* l) { return l->idle(); });
}

}  // namespace wvp
