// Runs many cores in one SystemC thread: each round, every awake core executes up to the end of
// the quantum (temporal decoupling), in a fixed order so runs are deterministic; then the thread
// waits one quantum. Cores asleep in wfi are set aside and cost nothing until their wake cycle
// or an interrupt line wakes them; when all cores sleep, simulated time jumps to the next wake.
#pragma once
#include <cstdint>
#include <functional>
#include <vector>

#include <systemc>
#include <tlm_utils/tlm_quantumkeeper.h>

#include "models/core/core.h"

namespace wvp {

class CoreCluster : public sc_core::sc_module {
 public:
  enum class Outcome { Running, AllHalted, MaxCycles, Deadlock, Killed };

  // What the debugger wants after a stop (all-stop: nothing else runs meanwhile).
  struct DebugDecision {
    enum Kind { Continue, Step, Kill } kind = Continue;
    Core* step_core = nullptr;  // for Step
  };
  // A stop the debugger sees: a core hit a breakpoint/watchpoint/finished a step, or an
  // interrupt request (StopReason::Limit) at a round boundary.
  using DebugHook = std::function<DebugDecision(Core& core, StopReason why)>;

  CoreCluster(sc_core::sc_module_name name, uint64_t quantum_cycles, uint64_t max_cycles = 0);

  void add(Core& core);  // in run order
  void set_debug_hook(DebugHook hook, std::function<bool()> poll_interrupt);
  void set_max_cycles(uint64_t max_cycles) { max_cycles_ = max_cycles; }

  Outcome outcome() const { return outcome_; }
  const std::vector<Core*>& cores() const { return cores_; }
  size_t awake_cores() const { return active_.size(); }
  uint64_t rounds() const { return rounds_; }

 private:
  void end_of_elaboration() override;
  void thread();
  void run_round(uint64_t end_cycle);
  // Runs the debugger until it resumes; false if it killed the simulation.
  bool debug_stop(Core& core, StopReason why);
  void wake(Core& core);
  uint64_t now_cycle() const;  // SystemC time in cycles
  // Hands control to the kernel when another process may need to run before the cluster's
  // next quantum, or when the cluster has run far ahead (see kMaxRunAheadCycles).
  void sync_kernel(uint64_t cluster_now);

  static constexpr uint64_t kMaxRunAheadCycles = 1'000'000;
  uint64_t quantum_cycles_;
  uint64_t max_cycles_;
  sc_core::sc_time period_;
  std::vector<Core*> cores_;
  std::vector<Core*> active_;    // awake, in run order
  std::vector<Core*> sleepers_;  // in wfi
  std::vector<Core*> woken_;     // woken by an interrupt line since the last round
  uint64_t earliest_wake_ = UINT64_MAX;  // the first sleeper's own wake cycle
  std::vector<Core*> round_scratch_;
  sc_core::sc_event wake_event_;
  tlm_utils::tlm_quantumkeeper quantum_keeper_;  // the cluster's time ahead of SystemC's
  DebugHook debug_hook_;
  std::function<bool()> poll_interrupt_;
  Outcome outcome_ = Outcome::Running;
  uint64_t rounds_ = 0;
};

}  // namespace wvp
