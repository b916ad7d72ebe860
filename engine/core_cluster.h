// Runs many cores (harts, engine/hart.h) in one SystemC thread: each round, every awake core
// executes up to the end of the quantum (temporal decoupling), in a fixed order so runs are
// deterministic; then the thread waits one quantum. Cores asleep in wfi are set aside and cost
// nothing until their wake cycle or an interrupt line wakes them; when all cores sleep, simulated
// time jumps to the next wake.
//
// With a CycleDomain (the fabric), the cluster synchronises with it conservatively after each
// round: the domain settles up to the earliest cycle at which a core still has to act (a core
// whose access waits for the domain, or one the domain holds back for an interrupt), stopping
// early whenever it wakes a core; that core then runs on from the exact cycle it woke at. So a
// core sees the domain exactly as it is at its own cycle, whatever the quantum. A core that waits
// for what only the domain brings (a wavelet, a free slot) is set aside at once, however far
// ahead of the domain it is, and costs nothing until the domain announces it.
#pragma once
#include <atomic>
#include <cstdint>
#include <functional>
#include <queue>
#include <string>
#include <vector>

#include <systemc>
#include <tlm_utils/tlm_quantumkeeper.h>

#include "engine/cycle_domain.h"
#include "engine/hart.h"
#include "engine/snapshot.h"

namespace wvp {

class CoreCluster : public sc_core::sc_module {
 public:
  enum class Outcome { Running, AllHalted, MaxCycles, Deadlock, Killed, DomainError, Interrupted, CheckpointFailed };

  // What the debugger wants after a stop (all-stop: nothing else runs meanwhile).
  struct DebugDecision {
    enum Kind { Continue, Step, Kill } kind = Continue;
    Hart* step_core = nullptr;  // for Step
  };
  // A stop the debugger sees: a core hit a breakpoint/watchpoint/finished a step, or an
  // interrupt request (StopReason::Limit) at a round boundary.
  using DebugHook = std::function<DebugDecision(Hart& core, StopReason why)>;

  CoreCluster(sc_core::sc_module_name name, uint64_t quantum_cycles, uint64_t max_cycles = 0);

  void add(Hart& core);  // in run order; hart ids must be unique
  // The model cores' stalled accesses wait on (see engine/cycle_domain.h); before the simulation.
  void set_domain(CycleDomain* domain);
  void set_debug_hook(DebugHook hook, std::function<bool()> poll_interrupt);
  void set_max_cycles(uint64_t max_cycles) { max_cycles_ = max_cycles; }
  // The run ends at the next round (Outcome::Interrupted) once `*request` is non-zero; it may be
  // set from a signal handler. Its value is the requester's reason (a signal number), which
  // stop_request() reports afterwards.
  void set_stop_request(const std::atomic<int>* request) { stop_request_ = request; }
  int stop_request() const { return stop_request_->load(std::memory_order_relaxed); }

  // Calls `save` once, at the first round that begins at or after `cycle`, with SystemC's time
  // caught up to the cluster's: every core, the domain and every other process then stand at a
  // round boundary, which is all a checkpoint (engine/snapshot.h) must capture of the schedule.
  void set_checkpoint(uint64_t cycle, std::function<void(uint64_t cycle)> save);
  // The rounds' state: which cores are awake, asleep or waiting for the domain, and the
  // cluster's time. Restoring, before the simulation: the cluster resumes at that time.
  void checkpoint(Snapshot& s);

  Outcome outcome() const { return outcome_; }
  const std::string& domain_error() const { return domain_error_; }  // for DomainError and CheckpointFailed
  const std::vector<Hart*>& cores() const { return cores_; }
  size_t awake_cores() const { return active_.size(); }
  uint64_t rounds() const { return rounds_; }

 private:
  void end_of_elaboration() override;
  void thread();
  void run_round(uint64_t end_cycle);
  // Runs `core` until it stops for this window: at `end` it goes to `reached`; otherwise it
  // sleeps, halts or waits for the domain. False if the debugger killed the simulation.
  bool run_core(Hart& core, uint64_t end, std::vector<Hart*>& reached);
  // Advances the domain to `end`, running every core it releases on the way; false on a
  // domain error (outcome DomainError) or a kill.
  bool settle(uint64_t end);
  bool domain_wake(uint32_t hart, uint64_t cycle);
  uint32_t index_of(const Hart& core) const { return hart_index_[core.hart_id()]; }
  bool domain_busy() const;  // the domain may still release or wake a core
  // Runs the debugger until it resumes; false if it killed the simulation.
  bool debug_stop(Hart& core, StopReason why);
  void wake(Hart& core);
  uint64_t now_cycle() const;  // SystemC time in cycles
  // Hands control to the kernel when another process may need to run before the cluster's
  // next quantum, or when the cluster has run far ahead (see kMaxRunAheadCycles).
  void sync_kernel(uint64_t cluster_now);

  static constexpr uint64_t kMaxRunAheadCycles = 1'000'000;
  uint64_t quantum_cycles_;
  uint64_t max_cycles_;
  sc_core::sc_time period_;
  std::vector<Hart*> cores_;
  std::vector<Hart*> active_;    // awake, in run order
  std::vector<Hart*> sleepers_;  // in wfi
  std::vector<Hart*> woken_;     // woken by an interrupt line since the last round
  uint64_t earliest_wake_ = UINT64_MAX;  // the first sleeper's own wake cycle
  std::vector<Hart*> round_scratch_;

  // Synchronisation with the domain. Cores wait in one of: the settle queue (retry at their
  // cycle once the domain has settled up to it), waiting for a wake-up from the domain (state
  // only), or the woken queue (woken at a cycle the domain has not settled up to yet).
  enum class State : uint8_t { Other, Sleeping, WaitingDomain };
  using Due = std::pair<uint64_t, uint32_t>;  // (cycle, index in cores_): run order at a cycle
  using DueQueue = std::priority_queue<Due, std::vector<Due>, std::greater<>>;
  CycleDomain* domain_ = nullptr;
  std::vector<uint32_t> hart_index_;  // hart id -> index in cores_
  std::vector<State> state_;          // by index in cores_
  // By index in cores_, for a core in WaitingDomain: the cycle its access waits at
  // (StallExtension::cycle), kept here since the domain wakes cores whose state is cold.
  std::vector<uint64_t> waits_at_;
  DueQueue settle_queue_, woken_queue_;
  uint64_t waiting_domain_ = 0;
  std::string domain_error_;
  sc_core::sc_event wake_event_;
  tlm_utils::tlm_quantumkeeper quantum_keeper_;  // the cluster's time ahead of SystemC's
  DebugHook debug_hook_;
  Hart* step_pending_ = nullptr;  // a debugger step that waits for the fabric
  std::function<bool()> poll_interrupt_;
  static constexpr std::atomic<int> kNoStopRequest{0};  // saves a null test per round
  const std::atomic<int>* stop_request_ = &kNoStopRequest;
  Outcome outcome_ = Outcome::Running;
  uint64_t rounds_ = 0;
  uint64_t now_ = 0;  // the cluster's time, ahead of SystemC's by up to a quantum (sync_kernel)
  bool restored_ = false;
  uint64_t checkpoint_at_ = UINT64_MAX;
  std::function<void(uint64_t)> save_checkpoint_;
};

}  // namespace wvp
