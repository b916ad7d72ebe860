// RV32IMF(C) + Zicsr core in machine mode: a TLM-2.0 initiator with DMI to its local SRAM, through
// the socket of its CoreArray (the wafer's cores as one module), its tile's index above the
// address of each of its transactions.
//
// Speed comes from executing a decode cache: every instruction word is decoded once into an
// `Op` in an array parallel to the executable memory, and a threaded interpreter runs from it.
// Stores into decoded pages invalidate the affected entries, so self-modifying code works.
// Cores that run the same image share one decode cache until one of them writes its code.
//
// A core does not own a SystemC process: a CoreCluster runs many cores back to back in one
// thread, each up to a cycle limit (temporal decoupling), and puts sleeping cores (wfi) aside.
#pragma once
#include <cstdint>
#include <functional>
#include <memory>
#include <string>
#include <unordered_set>
#include <vector>

#include <systemc>
#include <tlm>

#include "engine/clock.h"
#include "engine/cycle_domain.h"
#include "engine/hart.h"
#include "engine/snapshot.h"
#include "engine/register_target.h"
#include "models/core/call_samples.h"
#include "models/core/code_cache.h"
#include "tlm/block_pool.h"

namespace wvp {

// Cycles per instruction class; memory instructions also pay the latency the target returns.
struct CoreTiming {
  uint32_t alu_cycles = 1;
  uint32_t mul_cycles = 1;
  uint32_t div_cycles = 16;
  uint32_t load_cycles = 1;
  uint32_t store_cycles = 1;
  uint32_t branch_cycles = 1;        // not taken
  uint32_t branch_taken_cycles = 2;  // taken branches, jal, jalr
  uint32_t fp_cycles = 1;            // add, mul, fma, compare, convert, move
  uint32_t fdiv_cycles = 12;
  uint32_t fsqrt_cycles = 12;
  uint32_t system_cycles = 1;        // csr access, fence, ecall, ebreak, mret, wfi
};

struct CoreParams {
  uint32_t hart_id = 0;
  uint32_t reset_pc = 0x8000'0000;
  uint64_t exec_base = 0x8000'0000;  // executable memory (the local SRAM), reached through DMI
  uint32_t exec_size = 48 * 1024;
  // The C extension (2-byte instructions, misa.C, IALIGN 16); without it the core is RV32IMF.
  bool compressed = false;
  // Loads and stores to the local SRAM go through the bus instead of DMI, so that the SRAM
  // sees each of them (an ECC SRAM decodes every read); instructions are still fetched
  // through DMI.
  bool local_data_via_bus = false;
  // Registers of the tile's devices are reached by a direct call (engine/register_target.h)
  // instead of b_transport through the bus: the same results, faster.
  bool register_fast_path = true;
  CoreTiming timing;
};

struct CoreStats {
  uint64_t traps = 0;
  uint64_t interrupts = 0;
  uint64_t sleep_cycles = 0;
  uint64_t decodes = 0;       // decode-cache misses; see Core::decode_hit_rate()
  uint64_t slow_accesses = 0; // loads/stores outside the DMI fast path (MMIO, watched)
  uint64_t stalls = 0;        // accesses that waited for their target (fabric queues) ...
  uint64_t stall_cycles = 0;  // ... and the cycles they waited
};

// A trap that had nowhere to go (mtvec unset or not executable): the core halts with it.
struct FaultInfo {
  bool valid = false;
  uint32_t cause = 0, pc = 0, tval = 0, insn = 0;
  std::string describe() const;  // "illegal instruction (mcause 2) at pc 0x... insn 0x... mtval 0x..."
};

struct WatchRange {
  uint32_t addr, len;
  bool on_read, on_write;
};

// Shared by all cores of a debug session: breakpoints and watchpoints apply to every core.
struct DebugPoints {
  std::unordered_set<uint32_t> breakpoints;
  std::vector<WatchRange> watchpoints;
};

class Core;

// Sees each instruction a traced core executes (Core::set_tracer).
class InsnTracer {
 public:
  virtual ~InsnTracer() = default;
  // `core` has executed `insn` at `pc`, begun at `cycle`: retired it, or trapped on it (the
  // core's state is then the trap handler's entry).
  virtual void executed(const Core& core, uint64_t cycle, uint32_t pc, uint32_t insn, bool trapped) = 0;
};

class Core final : public Hart {
 public:
  // The core of tile `tile`, whose transactions leave through `socket` (its CoreArray's), with
  // its table of DMI pages from `dmi_tables` (blocks of dmi_table_bytes(params)) once it runs.
  Core(const CoreParams& params, const Clock& clock, tlm::tlm_initiator_socket<>& socket, uint32_t tile,
       BlockPool& dmi_tables);
  static size_t dmi_table_bytes(const CoreParams& params) { return dmi_pages_of(params) * sizeof(uintptr_t); }
  ~Core() override;

  // Uses `cache` (shared with other cores running the same image) for decoded instructions.
  // Must be called before run(); `cache` covers [exec_base, exec_base + exec_size).
  void attach_code(std::shared_ptr<CodeCache> cache);

  // Executes until the core's local cycle reaches `limit_cycle` or it stops for another reason.
  // With `single_step`, executes at most one instruction (StopReason::Step).
  StopReason run(uint64_t limit_cycle, bool single_step = false) override;

  // Local time of this core in cycles since reset.
  uint64_t cycle() const override { return cycle_; }
  void set_cycle(uint64_t c) override;  // a sleeping core is woken at a later cycle
  const Clock& clock() const override { return clock_; }
  sc_core::sc_time period() const { return clock_.period(); }
  const CoreParams& params() const { return params_; }
  uint32_t hart_id() const override { return params_.hart_id; }

  // Called when an interrupt line rises while the core sleeps, so its scheduler can wake it.
  void set_wake_callback(std::function<void(Hart&)> cb) override { wake_cb_ = std::move(cb); }
  bool set_isolated(bool isolated) override;

  // After StopReason::Stall: until when the access waits (see engine/cycle_domain.h). The core
  // re-issues it on its next run(); resume() moves its time to when the wait ended.
  const StallExtension& stall() const override { return *stall_; }
  void resume(uint64_t cycle) override;

  // Halting from outside (sysctl exit register), effective when the current access returns.
  void halt(int exit_code);
  bool halted() const override { return halted_; }
  int exit_code() const { return exit_code_; }
  const FaultInfo& fault() const { return fault_; }
  bool faulted() const override { return fault_.valid; }

  // Interrupt inputs. The timer compares the core's own cycle count with mtimecmp.
  void set_mtimecmp(uint64_t value);
  uint64_t mtimecmp() const { return mtimecmp_; }
  void set_software_irq(bool level);  // mip.MSIP; clearing it also clears a set_software_irq_at
  // A software interrupt that rises at a known cycle, exactly as the core counts cycles whatever
  // the quantum (a host's doorbell, platform/host/host_stream.h), and stays up until cleared; ORed
  // into mip.MSIP. Set it while the core is awake or before the run: a sleeping core's wake
  // cycle is read when it goes to sleep (engine/core_cluster.h).
  void set_software_irq_at(uint64_t cycle);
  void set_external_irq(bool level);  // mip.MEIP
  // A device's interrupt that rises at a known cycle (the end of an operation the core
  // started) and stays up until moved (UINT64_MAX: never); ORed into mip.MEIP.
  void set_external_irq_at(uint64_t cycle);
  // Cycle at which a sleeping core wakes by itself (timer), or UINT64_MAX if only an external
  // event can wake it.
  uint64_t wake_cycle() const override;
  bool sleeping() const override { return sleeping_; }
  bool irq_pending_enabled() const;  // a wake condition for wfi (ignores mstatus.MIE)

  // Architectural state, for the debugger, tests and reports.
  uint32_t pc() const { return pc_; }
  void set_pc(uint32_t pc) { pc_ = pc; }
  uint32_t gpr(int i) const { return i == 0 ? 0 : x_[i]; }
  void set_gpr(int i, uint32_t v) {
    if (i != 0) x_[i] = v;
  }
  uint32_t fpr(int i) const { return f_[i]; }
  void set_fpr(int i, uint32_t v) { f_[i] = v; }
  // CSR access as an instruction would do it, without side effects on instret; false if the
  // CSR does not exist.
  bool read_csr(uint32_t csr, uint32_t& value) const;
  bool write_csr(uint32_t csr, uint32_t value);

  // Debug memory access through the bus (transport_dbg); writes keep the decode cache coherent.
  bool debug_read(uint32_t addr, uint32_t len, uint8_t* out);
  bool debug_write(uint32_t addr, uint32_t len, const uint8_t* in);

  // Samples the core every `period_cycles` of its time into `sink` (models/core/call_samples.h);
  // before the run, and for every core sharing its decode cache.
  void set_call_samples(CallSampleSink* sink, uint64_t period_cycles);
  // Reports what the core did since its last sample (at the end of the run).
  void flush_call_samples();
  // Each instruction from the first taken branch, jump, trap or access outside the SRAM at or
  // after `first_cycle` up to `last_cycle` goes to `tracer`, with the core run one instruction at a
  // time meanwhile, exactly as the fast loop would run it. Outside the window, and in every core
  // without a tracer, the fast loop runs untouched: the core chooses between the two once per
  // run(), never per instruction.
  void set_tracer(InsnTracer* tracer, uint64_t first_cycle, uint64_t last_cycle) {
    tracer_ = tracer, trace_first_ = first_cycle, trace_last_ = last_cycle;
  }

  // Debug points (shared); call debug_points_changed() after editing them.
  void set_debug_points(const DebugPoints* points);
  void debug_points_changed();
  uint32_t watch_hit_addr() const { return watch_hit_addr_; }
  bool watch_hit_write() const { return watch_hit_write_; }

  // The register windows of the tile's devices, for the fast path (CoreParams::register_fast_path);
  // `windows` must outlive the core.
  void set_register_windows(const std::vector<RegisterWindow>* windows) { registers_ = windows; }

  // Gives up the DMI pages in [start, end] of the tile's address space (its CoreArray's socket
  // received the invalidation).
  void invalidate_dmi(uint64_t start, uint64_t end);

  const CoreStats& stats() const { return stats_; }
  uint64_t instructions() const { return instret_; }

  // Saves or restores the architectural state, the interrupt inputs, the counts and the profile
  // sampler's (engine/snapshot.h). The decode cache and the DMI pointers are not state: a
  // restored core decodes and asks for DMI again, in a copy of its own if it had one.
  void checkpoint(Snapshot& s);
  double decode_hit_rate() const;
  // Host bytes of the core: its object and its table of DMI pages.
  uint64_t host_bytes() const {
    return sizeof(Core) + sizeof(StallExtension) + (dmi_pages_ ? dmi_table_bytes(params_) : 0) +
           (samples_ ? sizeof(CallSampling) : 0);
  }

 private:
  // Trap causes (mcause) used by the core.
  enum Cause : uint32_t {
    kInsnMisaligned = 0, kInsnAccessFault = 1, kIllegalInsn = 2, kBreakpoint = 3,
    kLoadMisaligned = 4, kLoadAccessFault = 5, kStoreMisaligned = 6, kStoreAccessFault = 7,
    kEcallM = 11,
  };

  // The interpreter. With `table_out`, it only hands out its handler table (labels-as-values
  // are visible only inside the function); the cache dispatches to exec<false>'s handlers.
  template <bool kStep>
  StopReason exec(uint64_t limit_cycle, HandlerTable* table_out = nullptr);
  // How a step of exec<true> ended, for run_traced(): where the fast loop would have looked at
  // interrupts and the cycle limit (after a taken transfer once past the event cycle; always
  // after a trap, a CSR or system instruction and an access outside the SRAM), and where an
  // access asked the core to yield to the cluster.
  enum class StepEnd : uint8_t { Plain, Taken, Always, Yield };
  // exec<false> for the traced core: its window stepped instruction by instruction.
  StopReason run_traced(uint64_t limit_cycle);
  // run() of a sampled core: the fast loop up to each sample's cycle in turn.
  StopReason run_sampled(uint64_t limit_cycle);

  // Slow paths, kept out of line so the interpreter loop stays small.
  void take_trap(uint32_t cause, uint32_t tval, uint32_t insn);
  bool take_interrupt_if_pending();   // at instruction boundaries; true if one was taken
  void update_event_cycle();          // next cycle at which exec() must look at interrupts
  bool load_slow(uint32_t addr, uint32_t size, uint32_t& value);    // false: trapped or stalled_
  bool store_slow(uint32_t addr, uint32_t size, uint32_t value);    // false: trapped or stalled_
  // One b_transport with the core's local time as delay.
  enum class Access : uint8_t { Ok, Error, Stalled };
  Access bus_access(tlm::tlm_command command, uint32_t addr, uint32_t size, uint32_t* data);
  // The same access as a direct call into the device whose window `w` holds `addr`.
  Access register_access(const RegisterWindow& w, bool write, uint32_t addr, uint32_t size, uint32_t* data);
  bool check_watch(uint32_t addr, uint32_t size, bool write);       // true: stop for debugger
  void code_written(uint32_t offset, uint32_t len);                 // keep the decode cache coherent
  bool decode_at(uint32_t pc);     // fills the cache entry for pc; false: isolated, and the cache is shared
  // csr*, ecall, ebreak, mret, wfi, fence.i at pc_; Limit means "go on".
  StopReason exec_system(uint32_t insn);
  void csr_op(uint32_t insn);
  void privatize_code();           // copy on write of a shared decode cache
  bool trap_vector_ok() const;
  uint32_t mip() const;
  sc_core::sc_time local_offset() const;   // this core's time ahead of SystemC time
  void advance_to(const sc_core::sc_time& t);  // after a b_transport returned its delay
  // Loads and stores may use DMI directly (not when watched or sent through the bus).
  bool data_fast_path() const { return !params_.local_data_via_bus && !(debug_ && !debug_->watchpoints.empty()); }
  uint32_t mstatus_read() const;
  std::string name() const { return "hart " + std::to_string(params_.hart_id); }  // in errors

  const CoreParams params_;
  const Clock clock_;
  tlm::tlm_initiator_socket<>& socket_;
  const uint64_t tile_base_;  // the tile's index in a transaction's address (tlm/tile_address.h)
  const sc_core::sc_time period_;  // clock_.period(), read on every access

  // Architectural state. x_[32] is a sink for writes to x0, so handlers never test rd == 0.
  uint32_t x_[33] = {};
  uint32_t f_[32] = {};
  uint32_t pc_ = 0;
  uint64_t cycle_ = 0;            // local time
  uint64_t instret_ = 0;          // instructions retired
  uint64_t mcycle_offset_ = 0;    // mcycle = cycle_ - offset, minstret = instret_ - offset:
  uint64_t minstret_offset_ = 0;  // both CSRs are writable, the counts behind them are not
  uint32_t mstatus_ = 0;          // MIE, MPIE, FS; MPP reads as M
  uint32_t mie_ = 0, mip_sw_ext_ = 0;  // mip's MSIP/MEIP bits; MTIP is derived from the timer
  uint32_t mtvec_ = 0, mscratch_ = 0, mepc_ = 0, mcause_ = 0, mtval_ = 0;
  uint8_t fflags_ = 0, frm_ = 0;
  uint64_t mtimecmp_ = UINT64_MAX;
  uint64_t ext_irq_at_ = UINT64_MAX;
  uint64_t msip_at_ = UINT64_MAX;

  // Execution bookkeeping.
  uint64_t event_cycle_ = 0;      // exec() leaves its fast loop at taken branches past this
  uint64_t limit_cycle_ = 0;
  bool halted_ = false, sleeping_ = false, at_breakpoint_ = false, stalled_ = false, yield_ = false;
  // See set_isolated(): a stall that is a device access left undone; the next run goes on in place.
  bool isolated_ = false, shared_access_ = false, resumes_in_place_ = false;
  StepEnd step_end_ = StepEnd::Plain;
  int exit_code_ = 0;
  FaultInfo fault_;

  // Local memory through DMI, a page of kDmiPageBytes at a time: fetch (decode cache) and the
  // data fast path. Entry p is 0 while no DMI covers page p; else the host address that offset 0
  // of the executable memory would have if every page lay like page p, so that entry + offset is
  // the byte (unsigned arithmetic: no pointer outside the page is ever formed), with
  // kDmiWritable set when the grant allows writes. Pages are asked for when first used: the
  // SRAM shares a page between tiles until one writes it (models/sram/sram_pages.h).
  static constexpr uint32_t kDmiPageShift = 10;
  static constexpr uint32_t kDmiPageBytes = 1u << kDmiPageShift;
  static constexpr uintptr_t kDmiWritable = 1;
  static uint8_t* dmi_byte(uintptr_t entry, uint32_t offset) {
    return reinterpret_cast<uint8_t*>((entry & ~kDmiWritable) + offset);
  }
  // Page `page`'s entry, asked of the target when none is held or, for `write`, when the one held
  // is read-only; 0 when the target grants none that covers the page.
  uintptr_t dmi_page(uint32_t page, bool write);
  // The instruction at `offset` into executable memory (through DMI: it must be granted): 16
  // bits if compressed (with the C extension), else 32 (0 above the memory's end); parcels are
  // read apart, since a 4-byte instruction may straddle two DMI pages.
  uint32_t insn_at(uint32_t offset);
  uint32_t parcel_at(uint32_t offset);
  static uint32_t dmi_pages_of(const CoreParams& params) {
    return (params.exec_size + kDmiPageBytes - 1) >> kDmiPageShift;
  }
  BlockPool& dmi_tables_;
  uintptr_t* dmi_pages_ = nullptr;  // from dmi_tables_ at the first run(); dmi_pages_of(params_) entries
  std::vector<uint8_t> dmi_held_;  // restored (checkpoint): the pages to ask for at the first run()
  uint32_t dmi_lat_cycles_ = 0;
  uint32_t data_size_ = 0;        // 0 disables the data fast path (watchpoints, bus-only data)
  std::shared_ptr<CodeCache> code_;

  // Sampling for a profile (null: off).
  struct CallSampling {
    CallSampleSink* sink = nullptr;
    uint64_t period = 0, next_cycle = 0;
    uint64_t sampled_cycle = 0, sampled_instret = 0;  // when the last sample was taken
    CallStack calls;
  };
  std::unique_ptr<CallSampling> samples_;

  // The instruction trace.
  InsnTracer* tracer_ = nullptr;
  uint64_t trace_first_ = 0, trace_last_ = 0;

  // Debugging.
  const DebugPoints* debug_ = nullptr;
  uint32_t skip_breakpoint_pc_ = UINT32_MAX;  // resume over the breakpoint we stopped at
  uint32_t watch_hit_addr_ = 0;
  bool watch_hit_write_ = false, watch_hit_ = false;

  std::function<void(Hart&)> wake_cb_;
  tlm::tlm_generic_payload gp_;   // reused for every slow-path access
  StallExtension* stall_;         // owned by gp_: tells targets this core can stall
  const std::vector<RegisterWindow>* registers_ = nullptr;  // the fast path's windows
  CoreStats stats_;
};

}  // namespace wvp
