#include "models/core/core_cluster.h"

#include <algorithm>
#include <stdexcept>

namespace wvp {

CoreCluster::CoreCluster(sc_core::sc_module_name name, uint64_t quantum_cycles, uint64_t max_cycles)
    : sc_module(name), quantum_cycles_(quantum_cycles), max_cycles_(max_cycles) {
  if (quantum_cycles == 0) throw std::invalid_argument(std::string(this->name()) + ": quantum must be at least one cycle");
  SC_HAS_PROCESS(CoreCluster);
  SC_THREAD(thread);
}

void CoreCluster::end_of_elaboration() {
  // The quantum is a global TLM setting: other initiators decouple by the same amount.
  tlm::tlm_global_quantum::instance().set(period_ * static_cast<double>(quantum_cycles_));
  quantum_keeper_.reset();
}

void CoreCluster::add(Core& core) {
  if (!cores_.empty() && core.period() != cores_.front()->period())
    throw std::invalid_argument(std::string(name()) + ": all cores of a cluster share one clock");
  period_ = core.period();
  cores_.push_back(&core);
  core.set_wake_callback([this](Core& c) { wake(c); });
}

void CoreCluster::set_debug_hook(DebugHook hook, std::function<bool()> poll_interrupt) {
  debug_hook_ = std::move(hook);
  poll_interrupt_ = std::move(poll_interrupt);
}

uint64_t CoreCluster::now_cycle() const { return sc_core::sc_time_stamp().value() / period_.value(); }

void CoreCluster::wake(Core& core) {
  if (std::find(sleepers_.begin(), sleepers_.end(), &core) == sleepers_.end()) return;
  if (std::find(woken_.begin(), woken_.end(), &core) == woken_.end()) woken_.push_back(&core);
  wake_event_.notify(sc_core::SC_ZERO_TIME);
}

bool CoreCluster::debug_stop(Core& core, StopReason why) {
  Core* current = &core;
  StopReason reason = why;
  for (;;) {
    const DebugDecision d = debug_hook_(*current, reason);
    if (d.kind == DebugDecision::Kill) {
      outcome_ = Outcome::Killed;
      return false;
    }
    if (d.kind == DebugDecision::Continue) return true;
    current = d.step_core ? d.step_core : current;
    if (current->halted()) {
      reason = StopReason::Halted;
      continue;
    }
    reason = current->run(UINT64_MAX, true);
  }
}

void CoreCluster::run_round(uint64_t end_cycle) {
  std::vector<Core*>& still_active = round_scratch_;
  still_active.clear();
  for (Core* core : active_) {
    for (;;) {
      const StopReason why = core->run(end_cycle);
      if (why == StopReason::Halted && core->fault().valid && debug_hook_) {
        // Let the developer inspect the faulting core; it stays halted afterwards.
        if (!debug_stop(*core, why)) return;
        break;
      }
      if (why == StopReason::Breakpoint || why == StopReason::Watchpoint) {
        if (!debug_hook_ || !debug_stop(*core, why)) return;
        continue;  // resume this core where it stopped
      }
      if (why == StopReason::Sleep) {
        // A wake-up inside this quantum happens at its exact cycle, whatever the quantum size.
        const uint64_t wake_at = core->wake_cycle();
        if (wake_at < end_cycle) {
          core->set_cycle(wake_at);
          continue;
        }
        sleepers_.push_back(core);
        earliest_wake_ = std::min(earliest_wake_, wake_at);
      }
      if (why == StopReason::Limit) still_active.push_back(core);
      break;
    }
    if (outcome_ == Outcome::Killed) return;
  }
  active_.swap(still_active);
}

void CoreCluster::sync_kernel(uint64_t cluster_now) {
  const uint64_t sc_now = now_cycle();
  if (cluster_now <= sc_now) return;
  quantum_keeper_.set(period_ * static_cast<double>(cluster_now - sc_now));
  // Running ahead of SystemC time is safe while no other process has work before the next
  // quantum ends; yielding only then saves a context switch per quantum.
  const sc_core::sc_time next_quantum = quantum_keeper_.get_local_time() + tlm::tlm_global_quantum::instance().get();
  if (sc_core::sc_time_to_pending_activity() < next_quantum || cluster_now - sc_now >= kMaxRunAheadCycles)
    quantum_keeper_.sync();
}

void CoreCluster::thread() {
  active_ = cores_;
  if (debug_hook_ && !cores_.empty() && !debug_stop(*cores_.front(), StopReason::Limit)) return sc_core::sc_stop();
  uint64_t now = now_cycle();  // the cluster's time; SystemC's may lag behind (see sync_kernel)
  while (outcome_ == Outcome::Running) {
    sync_kernel(now);
    const uint64_t end = now + quantum_cycles_;
    if (max_cycles_ && now >= max_cycles_) {
      outcome_ = Outcome::MaxCycles;
      break;
    }
    // Wake sleepers whose time has come within this quantum, or whose interrupt line rose.
    // Sleepers are only looked at when one is due: sleeping must cost nothing per quantum.
    std::vector<Core*> waking;
    if (!woken_.empty() || earliest_wake_ < end) {
      earliest_wake_ = UINT64_MAX;
      for (Core* c : sleepers_) {
        const bool line = std::find(woken_.begin(), woken_.end(), c) != woken_.end();
        if (line || c->wake_cycle() < end) waking.push_back(c);
        else earliest_wake_ = std::min(earliest_wake_, c->wake_cycle());
      }
    }
    for (Core* c : waking) {
      const bool line = std::find(woken_.begin(), woken_.end(), c) != woken_.end();
      c->set_cycle(line ? now : c->wake_cycle());
      sleepers_.erase(std::find(sleepers_.begin(), sleepers_.end(), c));
      active_.push_back(c);
    }
    woken_.clear();
    if (!waking.empty()) {
      // Keep the run order fixed (the order cores were added) whatever woke when.
      std::vector<Core*> ordered;
      ordered.reserve(active_.size());
      for (Core* c : cores_)
        if (std::find(active_.begin(), active_.end(), c) != active_.end()) ordered.push_back(c);
      active_.swap(ordered);
    }

    ++rounds_;
    run_round(end);
    if (outcome_ == Outcome::Killed) break;
    if (poll_interrupt_ && poll_interrupt_() && !active_.empty() && !debug_stop(*active_.front(), StopReason::Limit))
      break;

    if (!active_.empty()) {
      now = end;
      continue;
    }
    if (sleepers_.empty()) {
      outcome_ = Outcome::AllHalted;
      break;
    }
    uint64_t next = earliest_wake_;
    if (next != UINT64_MAX) {
      if (max_cycles_) next = std::min(next, max_cycles_);
      now = std::max(next, end);
    } else if (sc_core::sc_pending_activity()) {
      sync_kernel(end);
      sc_core::wait(wake_event_);  // something else in the model may still raise a line
      now = now_cycle();
    } else {
      outcome_ = Outcome::Deadlock;  // every core waits for an interrupt nothing can raise
    }
  }
  sync_kernel(now);
  sc_core::sc_stop();
}

}  // namespace wvp
