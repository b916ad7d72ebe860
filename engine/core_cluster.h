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
//
// With several host threads (set_threads), a round's awake cores first run isolated
// (Hart::set_isolated) on all threads: each goes as far as it can on its own state. The serial
// pass then runs them in the fixed order from where they stopped, doing everything that touches
// what cores share. An isolated stretch reads nothing another core writes before the serial pass
// reaches it, so every result equals the single-threaded run's. (The cores the domain releases
// during the round's settling are not isolated: they resume at the shared access they waited on.)
#pragma once
#include <atomic>
#include <cstdint>
#include <functional>
#include <memory>
#include <queue>
#include <string>
#include <vector>

#include <systemc>
#include <tlm_utils/tlm_quantumkeeper.h>

#include "engine/cycle_domain.h"
#include "engine/hart.h"
#include "engine/snapshot.h"
#include "engine/worker_pool.h"

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
  // Host threads for the rounds (1: all on the SystemC thread); before the simulation.
  void set_threads(unsigned threads);
  unsigned threads() const { return pool_ ? pool_->threads() : 1; }
  // Where the host's time went with several threads: rounds that ran isolated stretches, the
  // core runs in them, and the host seconds of those stretches (all threads at once).
  struct ThreadStats {
    uint64_t parallel_rounds = 0, isolated_runs = 0;
    double parallel_seconds = 0;
  };
  const ThreadStats& thread_stats() const { return thread_stats_; }
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
  // No core can act until the domain wakes one: none awake, none due to retry, no sleeper's
  // timer. Valid while the domain advances (asked from inside it, as other ranks' windows pass).
  bool only_domain() const { return only_domain_; }
  uint64_t rounds() const { return rounds_; }

 private:
  void end_of_elaboration() override;
  void thread();
  void run_round(uint64_t end_cycle);
  // The first part of running `cores` (in run order) to `end`, on the pool's threads: each core
  // the domain does not hold back runs isolated. Nothing without a pool or with a debugger.
  void run_isolated(const std::vector<Hart*>& cores, uint64_t end);
  // Why the core's isolated run stopped this time, StopReason::Shared if none did; forgets it.
  StopReason isolated_stop(const Hart& core);
  // Runs `core` until it stops for this window: at `end` it goes to `reached`; otherwise it
  // sleeps, halts or waits for the domain. False if the debugger killed the simulation.
  // `stopped`: why the core's isolated run of this round stopped, if it stopped for another
  // reason than StopReason::Shared (then it is not run again before that is handled).
  bool run_core(Hart& core, uint64_t end, std::vector<Hart*>& reached, StopReason stopped = StopReason::Shared);
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
  // Fewer awake cores than this run serially: waking the threads would cost more than they save.
  static constexpr size_t kMinParallelCores = 16;
  std::unique_ptr<WorkerPool> pool_;
  std::vector<Hart*> isolated_;  // scratch of run_isolated()
  std::vector<StopReason> isolated_stop_;  // by index in cores_: see run_core()
  ThreadStats thread_stats_;

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
  bool only_domain_ = false;  // see only_domain()
  uint64_t now_ = 0;  // the cluster's time, ahead of SystemC's by up to a quantum (sync_kernel)
  bool restored_ = false;
  uint64_t checkpoint_at_ = UINT64_MAX;
  std::function<void(uint64_t)> save_checkpoint_;
};

}  // namespace wvp
