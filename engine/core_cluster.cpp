#include "engine/core_cluster.h"

#include <algorithm>
#include <chrono>
#include <stdexcept>
#include <utility>

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

void CoreCluster::add(Hart& core) {
  if (!cores_.empty() && core.clock().period() != cores_.front()->clock().period())
    throw std::invalid_argument(std::string(name()) + ": all cores of a cluster share one clock");
  period_ = core.clock().period();
  const uint32_t hart = core.hart_id();
  if (hart >= hart_index_.size()) hart_index_.resize(hart + 1, UINT32_MAX);
  if (hart_index_[hart] != UINT32_MAX)
    throw std::invalid_argument(std::string(name()) + ": two cores with hart id " + std::to_string(hart));
  hart_index_[hart] = static_cast<uint32_t>(cores_.size());
  cores_.push_back(&core);
  state_.push_back(State::Other);
  waits_at_.push_back(0);
  core.set_wake_callback([this](Hart& c) { wake(c); });
}

void CoreCluster::set_domain(CycleDomain* domain) {
  domain_ = domain;
  if (domain_) domain_->set_waker([this](uint32_t hart, uint64_t cycle) { return domain_wake(hart, cycle); });
}

bool CoreCluster::domain_wake(uint32_t hart, uint64_t cycle) {
  if (hart >= hart_index_.size() || hart_index_[hart] == UINT32_MAX) return false;
  const uint32_t i = hart_index_[hart];
  switch (state_[i]) {
    case State::WaitingDomain: {
      only_domain_ = false;
      --waiting_domain_;
      state_[i] = State::Other;
      // What it waits for came by the cycle it waits at: it retries there, once that is settled.
      if (cycle <= waits_at_[i]) settle_queue_.emplace(waits_at_[i], i);
      else woken_queue_.emplace(cycle, i);
      return true;
    }
    case State::Sleeping: only_domain_ = false, sleepers_.erase(std::find(sleepers_.begin(), sleepers_.end(), cores_[i])); break;
    default: return false;
  }
  state_[i] = State::Other;
  woken_queue_.emplace(cycle, i);
  return true;
}

bool CoreCluster::domain_busy() const {
  return domain_ && (!settle_queue_.empty() || !woken_queue_.empty() || !domain_->idle());
}

void CoreCluster::set_debug_hook(DebugHook hook, std::function<bool()> poll_interrupt) {
  debug_hook_ = std::move(hook);
  poll_interrupt_ = std::move(poll_interrupt);
}

uint64_t CoreCluster::now_cycle() const { return sc_core::sc_time_stamp().value() / period_.value(); }

void CoreCluster::wake(Hart& core) {
  if (state_[index_of(core)] != State::Sleeping) return;
  if (std::find(woken_.begin(), woken_.end(), &core) == woken_.end()) woken_.push_back(&core);
  wake_event_.notify(sc_core::SC_ZERO_TIME);
}

bool CoreCluster::debug_stop(Hart& core, StopReason why) {
  Hart* current = &core;
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
    if (reason == StopReason::Stall) {
      // The instruction waits for the fabric, which needs the other cores to go on: resume
      // them all, and report the step once this core has completed it (see run_core).
      step_pending_ = current;
      return true;
    }
  }
}

void CoreCluster::set_threads(unsigned threads) {
  if (threads == 0) throw std::invalid_argument(std::string(name()) + ": at least one host thread");
  pool_ = threads > 1 ? std::make_unique<WorkerPool>(threads) : nullptr;
}

void CoreCluster::run_isolated(const std::vector<Hart*>& cores, uint64_t end) {
  if (!pool_ || debug_hook_ || cores.size() < kMinParallelCores) return;
  isolated_.clear();
  isolated_stop_.resize(cores_.size(), StopReason::Shared);
  for (Hart* core : cores) {
    // A core the domain holds back runs serially; the query is the one the serial pass makes
    // first (run_core), and asking twice at the same cycle changes nothing.
    if (domain_ && domain_->run_limit(core->hart_id(), core->cycle()) != UINT64_MAX) continue;
    if (core->set_isolated(true)) isolated_.push_back(core);
  }
  // Small enough that the threads finish a round together, large enough to share no cache lines.
  const size_t chunk = std::max<size_t>(8, isolated_.size() / (pool_->threads() * 32));
  const auto run = [&](size_t first) {
    const size_t last = std::min(isolated_.size(), first + chunk);
    for (size_t i = first; i < last; ++i) isolated_stop_[index_of(*isolated_[i])] = isolated_[i]->run(end, false);
  };
  struct Reattach {  // the serial pass finds every core as it was, isolated or not
    std::vector<Hart*>& cores;
    ~Reattach() {
      for (Hart* core : cores) core->set_isolated(false);
    }
  } reattach{isolated_};
  const auto start = std::chrono::steady_clock::now();
  pool_->for_each((isolated_.size() + chunk - 1) / chunk, [&](size_t c) { run(c * chunk); });
  thread_stats_.parallel_seconds += std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
  ++thread_stats_.parallel_rounds;
  thread_stats_.isolated_runs += isolated_.size();
}

StopReason CoreCluster::isolated_stop(const Hart& core) {
  return isolated_stop_.empty() ? StopReason::Shared : std::exchange(isolated_stop_[index_of(core)], StopReason::Shared);
}

void CoreCluster::run_round(uint64_t end_cycle) {
  run_isolated(active_, end_cycle);
  std::vector<Hart*>& still_active = round_scratch_;
  still_active.clear();
  for (Hart* core : active_)
    if (!run_core(*core, end_cycle, still_active, isolated_stop(*core))) return;
  active_.swap(still_active);
}

bool CoreCluster::run_core(Hart& core, uint64_t end, std::vector<Hart*>& reached, StopReason stopped) {
  for (;;) {
    StopReason why = std::exchange(stopped, StopReason::Shared);
    if (why == StopReason::Shared) {
      uint64_t limit = end;
      if (domain_) {
        limit = std::min(limit, domain_->run_limit(core.hart_id(), core.cycle()));
        if (limit < end && core.cycle() >= limit) {
          settle_queue_.emplace(core.cycle(), index_of(core));  // held back until the domain catches up
          return true;
        }
      }
      why = core.run(limit, step_pending_ == &core);
    }
    switch (why) {
      case StopReason::Halted:
        // Let the developer inspect a faulting core; it stays halted afterwards.
        if (core.faulted() && debug_hook_) return debug_stop(core, why);
        return true;
      case StopReason::Breakpoint:
      case StopReason::Watchpoint:
        if (!debug_hook_ || !debug_stop(core, why)) return false;
        continue;  // resume this core where it stopped
      case StopReason::Sleep: {
        // A wake-up inside this window happens at its exact cycle, whatever the quantum size.
        const uint64_t wake_at = core.wake_cycle();
        if (wake_at < end) {
          core.set_cycle(wake_at);
          continue;
        }
        sleepers_.push_back(&core);
        state_[index_of(core)] = State::Sleeping;
        earliest_wake_ = std::min(earliest_wake_, wake_at);
        // An arrival the domain announced before the core slept wakes it without a new call.
        if (domain_) {
          const uint64_t arrival = domain_->pending_wake(core.hart_id(), core.cycle());
          if (arrival < wake_at) domain_wake(core.hart_id(), arrival);
        }
        return true;
      }
      case StopReason::Stall:
        if (!domain_) throw std::logic_error(std::string(name()) + ": a core waits on a target but no domain was set");
        if (core.stall().until == StallExtension::Until::Settled) {
          settle_queue_.emplace(core.stall().cycle, index_of(core));
        } else {
          state_[index_of(core)] = State::WaitingDomain;
          waits_at_[index_of(core)] = core.stall().cycle;
          ++waiting_domain_;
          const uint64_t arrival = domain_->pending_wake(core.hart_id(), core.cycle());
          if (arrival != UINT64_MAX) domain_wake(core.hart_id(), arrival);
        }
        return true;
      case StopReason::Limit:
        if (core.cycle() >= end) reached.push_back(&core);
        else settle_queue_.emplace(core.cycle(), index_of(core));  // stopped by the domain's run limit
        return true;
      case StopReason::Shared:
        throw std::logic_error(std::string(name()) + ": a core stopped for isolation in the serial pass");
      case StopReason::Step:  // the debugger's step that had to wait is done
        step_pending_ = nullptr;
        if (!debug_stop(core, why)) return false;
        continue;
    }
  }
}

bool CoreCluster::settle(uint64_t end) {
  std::vector<uint32_t> ready;  // indices in cores_
  std::vector<Hart*> reached;
  try {
    for (;;) {
      // Once no core is left to act or to be woken, the run is over: the domain need not settle
      // further (with other ranks, it would swap windows up to `end` for nothing).
      if (active_.empty() && reached.empty() && !waiting_domain_ && sleepers_.empty() && settle_queue_.empty() &&
          woken_queue_.empty())
        break;
      uint64_t limit = end;
      if (!settle_queue_.empty()) limit = std::min(limit, settle_queue_.top().first);
      if (!woken_queue_.empty()) limit = std::min(limit, woken_queue_.top().first);
      if (domain_->settled() < limit) domain_->advance(limit);
      const uint64_t settled = domain_->settled();
      ready.clear();
      while (!settle_queue_.empty() && settle_queue_.top().first <= settled) {
        ready.push_back(settle_queue_.top().second);
        settle_queue_.pop();
      }
      while (!woken_queue_.empty() && woken_queue_.top().first <= settled) {
        const auto [cycle, i] = woken_queue_.top();
        if (cores_[i]->sleeping()) cores_[i]->set_cycle(cycle);
        else cores_[i]->resume(cycle);
        ready.push_back(i);
        woken_queue_.pop();
      }
      if (ready.empty()) {
        if (settled >= end) break;
        continue;
      }
      only_domain_ = false;
      std::sort(ready.begin(), ready.end());
      // Not isolated first: these resume at the access they waited on, which is shared.
      for (uint32_t i : ready)
        if (!run_core(*cores_[i], end, reached)) return false;
    }
  } catch (const std::exception& e) {
    domain_error_ = e.what();
    outcome_ = Outcome::DomainError;
    return false;
  }
  if (!reached.empty()) {
    // Cores that reached the window's end run on next window, in the fixed run order.
    active_.insert(active_.end(), reached.begin(), reached.end());
    std::sort(active_.begin(), active_.end(), [this](Hart* a, Hart* b) { return index_of(*a) < index_of(*b); });
  }
  return true;
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

void CoreCluster::set_checkpoint(uint64_t cycle, std::function<void(uint64_t)> save) {
  checkpoint_at_ = cycle;
  save_checkpoint_ = std::move(save);
}

void CoreCluster::checkpoint(Snapshot& s) {
  Snapshot::Section section(s, "cluster");
  s.expect(cores_.size(), "the cores");
  // Cores by their index in cores_, which is the same in every run of the config.
  const auto harts = [&](std::vector<Hart*>& list) {
    std::vector<uint32_t> at;
    for (Hart* h : list) at.push_back(index_of(*h));
    s.io(at);
    if (!s.restoring()) return;
    list.clear();
    for (uint32_t i : at) {
      if (i >= cores_.size()) s.fail("core index " + std::to_string(i) + " out of range");
      list.push_back(cores_[i]);
    }
  };
  harts(active_);
  harts(sleepers_);
  harts(woken_);
  s.fields(state_, waits_at_, settle_queue_, woken_queue_, waiting_domain_, earliest_wake_, rounds_, now_);
  if (s.restoring()) restored_ = true;
}

void CoreCluster::thread() {
  if (restored_) {
    // The restored state is that of a round's start at now_, with SystemC's time caught up.
    sc_core::wait(period_ * static_cast<double>(now_ - now_cycle()));
  } else {
    active_ = cores_;
    now_ = now_cycle();
  }
  if (debug_hook_ && !cores_.empty() && !debug_stop(*cores_.front(), StopReason::Limit)) return sc_core::sc_stop();
  uint64_t& now = now_;  // the cluster's time; SystemC's may lag behind (see sync_kernel)
  const auto by_index = [this](Hart* a, Hart* b) { return index_of(*a) < index_of(*b); };
  while (outcome_ == Outcome::Running) {
    if (now >= checkpoint_at_) {
      checkpoint_at_ = UINT64_MAX;
      if (now > now_cycle()) {
        quantum_keeper_.set(period_ * static_cast<double>(now - now_cycle()));
        quantum_keeper_.sync();
      }
      try {
        save_checkpoint_(now);
      } catch (const std::exception& e) {
        domain_error_ = e.what();
        outcome_ = Outcome::CheckpointFailed;
        break;
      }
    }
    sync_kernel(now);
    uint64_t end = now + quantum_cycles_;
    if (max_cycles_ && now >= max_cycles_) {
      outcome_ = Outcome::MaxCycles;
      break;
    }
    if (stop_request_->load(std::memory_order_relaxed)) {
      outcome_ = Outcome::Interrupted;
      break;
    }
    // Wake sleepers whose time has come within this quantum, or whose interrupt line rose.
    // Sleepers are only looked at when one is due: sleeping must cost nothing per quantum.
    std::vector<Hart*> waking;
    if (!woken_.empty() || earliest_wake_ < end) {
      earliest_wake_ = UINT64_MAX;
      for (Hart* c : sleepers_) {
        const bool line = std::find(woken_.begin(), woken_.end(), c) != woken_.end();
        if (line || c->wake_cycle() < end) waking.push_back(c);
        else earliest_wake_ = std::min(earliest_wake_, c->wake_cycle());
      }
    }
    for (Hart* c : waking) {
      const bool line = std::find(woken_.begin(), woken_.end(), c) != woken_.end();
      c->set_cycle(line ? now : c->wake_cycle());
      sleepers_.erase(std::find(sleepers_.begin(), sleepers_.end(), c));
      state_[index_of(*c)] = State::Other;
      active_.push_back(c);
    }
    woken_.clear();
    // Keep the run order fixed (the order cores were added) whatever woke when.
    if (!waking.empty()) std::sort(active_.begin(), active_.end(), by_index);
    // While only the domain moves, let it run until it wakes a core or a timer is due; the cores
    // it wakes run inside that step, so it ends at a checkpoint's cycle too, or the checkpoint
    // would wait for the step's end, past the run's.
    if (active_.empty() && domain_busy())
      end = std::max(end, std::min({earliest_wake_, max_cycles_ ? max_cycles_ : UINT64_MAX, now + kMaxRunAheadCycles,
                                    checkpoint_at_}));
    only_domain_ = active_.empty() && settle_queue_.empty() && woken_queue_.empty() && earliest_wake_ == UINT64_MAX;

    ++rounds_;
    run_round(end);
    if (outcome_ == Outcome::Killed) break;
    if (domain_ && !settle(end)) break;
    if (poll_interrupt_ && poll_interrupt_() && !active_.empty() && !debug_stop(*active_.front(), StopReason::Limit))
      break;

    const bool waiting = !sleepers_.empty() || waiting_domain_ || !settle_queue_.empty() || !woken_queue_.empty();
    if (active_.empty() && !waiting) {
      outcome_ = Outcome::AllHalted;  // whatever the domain still holds, no core will take it
      break;
    }
    if (!active_.empty() || domain_busy()) {
      now = end;
      continue;
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
      // Every core waits for an interrupt nothing can raise, or for a domain that is idle.
      outcome_ = Outcome::Deadlock;
    }
  }
  sync_kernel(now);
  sc_core::sc_stop();
}

}  // namespace wvp
