// What the core cluster schedules (engine/core_cluster.h): an initiator that runs ahead of
// SystemC time up to a cycle limit, says why it stopped, and can be set aside while it sleeps or
// waits for a cycle domain. The RISC-V core (models/core/core.h) is the one kind there is.
#pragma once
#include <cstdint>
#include <functional>

#include "engine/clock.h"
#include "engine/cycle_domain.h"

namespace wvp {

// Why Hart::run() returned.
enum class StopReason : uint8_t {
  Limit,       // reached the cycle limit
  Sleep,       // executed wfi with nothing pending; see wake_cycle()
  Halted,      // firmware exited, or a trap had no handler (see faulted())
  Breakpoint,  // reached a debugger breakpoint (the instruction has not executed)
  Watchpoint,  // a load/store touched a watched range (it has executed)
  Step,        // single step finished
  Stall,       // a load/store must wait for its target (not executed yet); see stall()
  Shared,      // isolated: the next instruction reaches beyond the hart (not executed yet)
};

class Hart {
 public:
  virtual ~Hart() = default;

  // Executes until the local cycle reaches `limit_cycle` or it stops for another reason; with
  // `single_step`, at most one instruction (StopReason::Step).
  virtual StopReason run(uint64_t limit_cycle, bool single_step) = 0;
  virtual uint32_t hart_id() const = 0;  // unique in its cluster
  virtual const Clock& clock() const = 0;
  // Local time in cycles since reset; a sleeper is woken by moving it to a later cycle.
  virtual uint64_t cycle() const = 0;
  virtual void set_cycle(uint64_t cycle) = 0;
  // After StopReason::Stall: until when the access waits (engine/cycle_domain.h); resume() moves
  // the time to when the wait ended, and the access is re-issued on the next run().
  virtual const StallExtension& stall() const = 0;
  virtual void resume(uint64_t cycle) = 0;
  // Asleep (wfi): the cycle it wakes by itself, UINT64_MAX if only an interrupt line can wake it.
  virtual bool sleeping() const = 0;
  virtual uint64_t wake_cycle() const = 0;
  virtual bool halted() const = 0;
  virtual bool faulted() const = 0;  // halted by a trap without a handler
  // Called when an interrupt line rises while the hart sleeps, so that its scheduler wakes it.
  virtual void set_wake_callback(std::function<void(Hart&)> wake) = 0;
  // While isolated, run() touches nothing but the hart's own state, so that harts can run at
  // once on several host threads: it stops with StopReason::Shared before an instruction that
  // would reach further (a device register, a decode into a cache other harts read). Returns
  // false, and stays as it is, when the hart cannot be isolated (its output goes to a sink that
  // must see the harts in order: an instruction trace, a profiler, a debugger).
  virtual bool set_isolated(bool isolated) = 0;
};

}  // namespace wvp
