#include "models/core/core.h"

#include <algorithm>
#include <bit>
#include <cstdio>
#include <cstring>
#include <stdexcept>

#include "models/core/compressed.h"
#include "models/core/decode.h"
#include "tlm/log.h"
#include "tlm/tile_address.h"

namespace wvp {

static_assert(std::endian::native == std::endian::little, "the DMI fast path assumes a little-endian host");

namespace {
// mstatus fields (machine mode only: MPP reads as M, no MPRV/SUM/MXR/TW).
constexpr uint32_t kMstatusMie = 1u << 3;
constexpr uint32_t kMstatusMpie = 1u << 7;
constexpr uint32_t kMstatusMpp = 3u << 11;
constexpr uint32_t kMstatusFs = 3u << 13;
constexpr uint32_t kMstatusSd = 1u << 31;
// mip / mie bits.
constexpr uint32_t kMsip = 1u << 3, kMtip = 1u << 7, kMeip = 1u << 11;
constexpr uint32_t kIrqMask = kMsip | kMtip | kMeip;
constexpr uint32_t kMisa = (1u << 30) | (1u << 8) /*I*/ | (1u << 12) /*M*/ | (1u << 5) /*F*/;
constexpr uint32_t kMisaC = 1u << 2;

constexpr uint32_t kMcycle = 0xB00, kMinstret = 0xB02, kMcycleh = 0xB80, kMinstreth = 0xB82;

constexpr uint32_t kInsnEcall = 0x00000073, kInsnEbreak = 0x00100073;
constexpr uint32_t kInsnMret = 0x30200073, kInsnWfi = 0x10500073;

const char* cause_name(uint32_t cause) {
  switch (cause) {
    case 0: return "instruction address misaligned";
    case 1: return "instruction access fault";
    case 2: return "illegal instruction";
    case 3: return "breakpoint";
    case 4: return "load address misaligned";
    case 5: return "load access fault";
    case 6: return "store address misaligned";
    case 7: return "store access fault";
    case 11: return "environment call from M-mode";
    default: return "exception";
  }
}
}  // namespace

std::string FaultInfo::describe() const {
  char buf[192];
  std::snprintf(buf, sizeof buf, "%s (mcause %u) at pc 0x%08x, instruction 0x%08x, mtval 0x%08x", cause_name(cause),
                cause, pc, insn, tval);
  return buf;
}

Core::Core(const CoreParams& params, const Clock& clock, tlm::tlm_initiator_socket<>& socket, uint32_t tile,
           BlockPool& dmi_tables)
    : params_(params),
      clock_(clock),
      socket_(socket),
      tile_base_(tile_address(tile, 0)),
      period_(clock.period()),
      pc_(params.reset_pc),
      dmi_tables_(dmi_tables),
      stall_(new StallExtension) {
  if (params.exec_size == 0 || params.exec_size % 4 != 0)
    throw std::invalid_argument(name() + ": exec_size must be a non-zero multiple of 4");
  if (dmi_tables.block_bytes() < dmi_table_bytes(params))
    throw std::invalid_argument(name() + ": its DMI tables' pool has blocks too small for its executable memory");
  stall_->initiator = params.hart_id;
  gp_.set_extension(stall_);
}

Core::~Core() = default;

void Core::attach_code(std::shared_ptr<CodeCache> cache) {
  if (!cache || cache->base() != params_.exec_base || cache->size_bytes() != params_.exec_size)
    throw std::invalid_argument(name() + ": decode cache does not cover the executable memory");
  code_ = std::move(cache);
  HandlerTable handlers = nullptr;
  exec<false>(0, &handlers);
  code_->format(handlers);
}

StopReason Core::run(uint64_t limit_cycle, bool single_step) {
  if (halted_) return StopReason::Halted;
  if (!code_) attach_code(std::make_shared<CodeCache>(params_.exec_base, params_.exec_size));
  if (!dmi_pages_) {
    dmi_pages_ = static_cast<uintptr_t*>(dmi_tables_.allocate());
    data_size_ = data_fast_path() ? params_.exec_size : 0;
    for (uint32_t page = 0; page < std::min<size_t>(dmi_held_.size(), dmi_pages_of(params_)); ++page)
      if (dmi_held_[page]) dmi_page(page, dmi_held_[page] == 2);
    dmi_held_ = {};
  }
  if (sleeping_ && !irq_pending_enabled()) return StopReason::Sleep;  // still nothing to wake it
  sleeping_ = false;
  stalled_ = false;
  StopReason why;
  if (at_breakpoint_) {
    // Execute the instruction under the breakpoint once, then re-arm it.
    at_breakpoint_ = false;
    skip_breakpoint_pc_ = pc_;
    const uint32_t off = pc_ - static_cast<uint32_t>(params_.exec_base);
    code_->invalidate_parcel(off);  // sharers re-decode it too, which is harmless
    why = exec<true>(limit_cycle);
    skip_breakpoint_pc_ = UINT32_MAX;
    code_->invalidate_parcel(off);
    if (why == StopReason::Stall) at_breakpoint_ = true;  // it has not executed yet
    if (single_step || why != StopReason::Step) return why;
    if (cycle_ >= limit_cycle) return StopReason::Limit;
  }
  why = single_step ? exec<true>(limit_cycle)
        : tracer_   ? run_traced(limit_cycle)
        : samples_  ? run_sampled(limit_cycle)
                    : exec<false>(limit_cycle);
  if (why == StopReason::Breakpoint) at_breakpoint_ = true;
  if (why == StopReason::Stall && shared_access_) {
    shared_access_ = false;
    why = StopReason::Shared;
  }
  resumes_in_place_ = why == StopReason::Shared;
  return why;
}

bool Core::set_isolated(bool isolated) {
  // A trace, a profile, a debugger and the core's log see the cores one after another.
  if (isolated && (tracer_ || samples_ || debug_ || Log::enabled(LogComponent::Core, LogLevel::Debug))) return false;
  isolated_ = isolated;
  return true;
}

void Core::set_call_samples(CallSampleSink* sink, uint64_t period_cycles) {
  if (!sink) {
    samples_.reset();
    return;
  }
  samples_ = std::make_unique<CallSampling>();
  CallSampling& s = *samples_;
  s.sink = sink, s.period = period_cycles, s.next_cycle = period_cycles;
  s.sampled_cycle = cycle_, s.sampled_instret = instret_;
}

void Core::flush_call_samples() {
  if (!samples_ || (cycle_ == samples_->sampled_cycle && instret_ == samples_->sampled_instret)) return;
  CallSampling& s = *samples_;
  s.sink->sample(tile_of(tile_base_), pc_, s.calls, cycle_ - s.sampled_cycle, instret_ - s.sampled_instret);
  s.sampled_cycle = cycle_, s.sampled_instret = instret_;
}

StopReason Core::run_sampled(uint64_t limit_cycle) {
  // Samples fall at the first point at or after each multiple of the period where the fast loop
  // looks at the cycle, which the instructions decide, not the quantum.
  for (;;) {
    CallSampling& s = *samples_;
    const StopReason why = exec<false>(std::min(limit_cycle, s.next_cycle));
    if (cycle_ >= s.next_cycle) {
      flush_call_samples();
      s.next_cycle = (cycle_ / s.period + 1) * s.period;
    }
    if (why != StopReason::Limit || cycle_ >= limit_cycle) return why;
  }
}

StopReason Core::run_traced(uint64_t limit_cycle) {
  if (cycle_ < trace_first_) {
    // The fast loop stops at the first event point (a taken transfer, a trap, a system
    // instruction, an access outside the SRAM) at or after the window's start: the trace begins there.
    const StopReason why = exec<false>(std::min(limit_cycle, trace_first_));
    if (why != StopReason::Limit || cycle_ < trace_first_ || cycle_ >= limit_cycle) return why;
  }
  // exec<false> looks at interrupts and the limit on entry and at its event points; so does
  // this loop, between the steps, so that the traced core runs exactly as an untraced one.
  limit_cycle_ = limit_cycle;
  update_event_cycle();
  StepEnd end = StepEnd::Taken;  // exec<false>'s entry looks as after a taken branch
  const uint32_t base = static_cast<uint32_t>(params_.exec_base);
  while (cycle_ <= trace_last_) {
    if (end == StepEnd::Always || (end == StepEnd::Taken && cycle_ >= event_cycle_)) {
      if (take_interrupt_if_pending() && halted_) return StopReason::Halted;
      if (cycle_ >= limit_cycle) return StopReason::Limit;
      update_event_cycle();
    }
    const uint64_t cycle = cycle_, retired = instret_, traps = stats_.traps;
    const uint32_t pc = pc_;
    const StopReason why = exec<true>(limit_cycle);
    if (why == StopReason::Stall) return why;  // not executed: run() re-issues it
    if (instret_ != retired || stats_.traps != traps)
      tracer_->executed(*this, cycle, pc, pc - base < params_.exec_size ? insn_at(pc - base) : 0, instret_ == retired);
    if (why != StopReason::Step) return why;
    if (step_end_ == StepEnd::Yield) return StopReason::Limit;
    end = step_end_;
  }
  tracer_ = nullptr;  // past the window: the fast loop from here on
  return exec<false>(limit_cycle);
}

void Core::set_cycle(uint64_t c) {
  if (c > cycle_) {
    if (sleeping_) stats_.sleep_cycles += c - cycle_;
    cycle_ = c;
  }
}

void Core::resume(uint64_t cycle) {
  if (cycle > cycle_) {
    ++stats_.stalls;
    stats_.stall_cycles += cycle - cycle_;
    cycle_ = cycle;
  }
}

void Core::halt(int exit_code) {
  halted_ = true;
  exit_code_ = exit_code;
}

// ---- interrupts --------------------------------------------------------------------------

uint32_t Core::mip() const {
  return mip_sw_ext_ | (cycle_ >= msip_at_ ? kMsip : 0) | (cycle_ >= mtimecmp_ ? kMtip : 0) |
         (cycle_ >= ext_irq_at_ ? kMeip : 0);
}

bool Core::irq_pending_enabled() const { return (mip() & mie_ & kIrqMask) != 0; }

uint64_t Core::wake_cycle() const {
  if (irq_pending_enabled()) return cycle_;
  uint64_t wake = UINT64_MAX;
  if (mie_ & kMsip) wake = std::max(cycle_, msip_at_);
  if (mie_ & kMtip) wake = std::min(wake, std::max(cycle_, mtimecmp_));
  if (mie_ & kMeip) wake = std::min(wake, std::max(cycle_, ext_irq_at_));
  return wake;
}

void Core::update_event_cycle() {
  uint64_t e = limit_cycle_;
  if (mstatus_ & kMstatusMie) {
    if (mie_ & mip_sw_ext_) {
      e = 0;
    } else {
      if (mie_ & kMsip) e = std::min(e, msip_at_);
      if (mie_ & kMtip) e = std::min(e, mtimecmp_);
      if (mie_ & kMeip) e = std::min(e, ext_irq_at_);
    }
  }
  event_cycle_ = e;
}

void Core::set_mtimecmp(uint64_t value) {
  mtimecmp_ = value;
  update_event_cycle();
}

void Core::set_external_irq_at(uint64_t cycle) {
  ext_irq_at_ = cycle;
  update_event_cycle();
}

void Core::set_software_irq_at(uint64_t cycle) {
  msip_at_ = cycle;
  update_event_cycle();
}

void Core::set_software_irq(bool level) {
  mip_sw_ext_ = level ? (mip_sw_ext_ | kMsip) : (mip_sw_ext_ & ~kMsip);
  if (!level) msip_at_ = UINT64_MAX;
  update_event_cycle();
  if (sleeping_ && irq_pending_enabled() && wake_cb_) wake_cb_(*this);
}

void Core::set_external_irq(bool level) {
  mip_sw_ext_ = level ? (mip_sw_ext_ | kMeip) : (mip_sw_ext_ & ~kMeip);
  update_event_cycle();
  if (sleeping_ && irq_pending_enabled() && wake_cb_) wake_cb_(*this);
}

bool Core::trap_vector_ok() const {
  const uint32_t base = mtvec_ & ~3u;
  return mtvec_ != 0 && base - params_.exec_base < params_.exec_size;
}

void Core::take_trap(uint32_t cause, uint32_t tval, uint32_t insn) {
  ++stats_.traps;
  WVP_LOG(Core, Debug, params_.hart_id, cycle_, "trap: {} (mcause {}) at pc {:#010x}, mtval {:#010x}", cause_name(cause), cause, pc_, tval);
  // Recorded as hardware would, so a debugger sees them even when the trap has nowhere to go.
  mepc_ = pc_;
  mcause_ = cause;
  mtval_ = tval;
  if (!trap_vector_ok()) {
    // Nowhere to go: report instead of looping on faults at address 0.
    uint32_t word = insn;
    const uint32_t off = pc_ - static_cast<uint32_t>(params_.exec_base);
    if (!word && off < params_.exec_size && !(off & ialign_mask(params_.compressed))) word = insn_at(off);
    fault_ = FaultInfo{true, cause, pc_, tval, word};
    halted_ = true;
    return;
  }
  mstatus_ = (mstatus_ & ~(kMstatusMie | kMstatusMpie)) | ((mstatus_ & kMstatusMie) ? kMstatusMpie : 0);
  pc_ = mtvec_ & ~3u;
  update_event_cycle();
}

bool Core::take_interrupt_if_pending() {
  const uint32_t pending = mip() & mie_ & kIrqMask;
  if (!(mstatus_ & kMstatusMie) || !pending) return false;
  // Priority: external, then software, then timer.
  const uint32_t cause = (pending & kMeip) ? 11 : (pending & kMsip) ? 3 : 7;
  ++stats_.interrupts;
  WVP_LOG(Core, Trace, params_.hart_id, cycle_, "interrupt: {} at pc {:#010x}",
          cause == 11 ? "external" : cause == 3 ? "software" : "timer", pc_);
  if (!trap_vector_ok()) {
    fault_ = FaultInfo{true, 0x80000000u | cause, pc_, 0, 0};
    halted_ = true;
    return true;
  }
  mepc_ = pc_;
  mcause_ = 0x80000000u | cause;
  mtval_ = 0;
  mstatus_ = (mstatus_ & ~(kMstatusMie | kMstatusMpie)) | kMstatusMpie;
  pc_ = (mtvec_ & ~3u) + ((mtvec_ & 1) ? 4 * cause : 0);
  update_event_cycle();
  return true;
}

// ---- CSRs --------------------------------------------------------------------------------

uint32_t Core::mstatus_read() const {
  const uint32_t s = (mstatus_ & (kMstatusMie | kMstatusMpie | kMstatusFs)) | kMstatusMpp;
  return ((s & kMstatusFs) == kMstatusFs) ? (s | kMstatusSd) : s;
}

bool Core::read_csr(uint32_t csr, uint32_t& v) const {
  const uint64_t mcycle = cycle_ - mcycle_offset_, minstret = instret_ - minstret_offset_;
  switch (csr) {
    case 0x001: v = fflags_; return true;
    case 0x002: v = frm_; return true;
    case 0x003: v = (uint32_t{frm_} << 5) | fflags_; return true;
    case 0xC00: case kMcycle: v = static_cast<uint32_t>(mcycle); return true;
    case 0xC80: case kMcycleh: v = static_cast<uint32_t>(mcycle >> 32); return true;
    case 0xC01: v = static_cast<uint32_t>(cycle_); return true;  // time = mtime = local cycles
    case 0xC81: v = static_cast<uint32_t>(cycle_ >> 32); return true;
    case 0xC02: case kMinstret: v = static_cast<uint32_t>(minstret); return true;
    case 0xC82: case kMinstreth: v = static_cast<uint32_t>(minstret >> 32); return true;
    case 0xF11: case 0xF12: case 0xF13: case 0xF15: v = 0; return true;
    case 0xF14: v = params_.hart_id; return true;
    case 0x300: v = mstatus_read(); return true;
    case 0x301: v = kMisa | (params_.compressed ? kMisaC : 0); return true;
    case 0x304: v = mie_; return true;
    case 0x305: v = mtvec_; return true;
    case 0x310: v = 0; return true;  // mstatush: little-endian M-mode only
    case 0x340: v = mscratch_; return true;
    case 0x341: v = mepc_; return true;
    case 0x342: v = mcause_; return true;
    case 0x343: v = mtval_; return true;
    case 0x344: v = mip(); return true;
    default: break;
  }
  // Hardwired-zero counters, counter events, mcountinhibit and PMP (no entries implemented).
  if ((csr >= 0xC03 && csr <= 0xC1F) || (csr >= 0xC83 && csr <= 0xC9F) || (csr >= 0xB03 && csr <= 0xB1F) ||
      (csr >= 0xB83 && csr <= 0xB9F) || (csr >= 0x320 && csr <= 0x33F) || (csr >= 0x3A0 && csr <= 0x3EF)) {
    v = 0;
    return true;
  }
  return false;
}

bool Core::write_csr(uint32_t csr, uint32_t v) {
  uint32_t ignored;
  if (!read_csr(csr, ignored) || (csr >> 10) == 3) return false;  // missing or read-only
  switch (csr) {
    case 0x001: fflags_ = v & 0x1f; mstatus_ |= kMstatusFs; break;
    case 0x002: frm_ = v & 7; mstatus_ |= kMstatusFs; break;
    case 0x003: fflags_ = v & 0x1f, frm_ = (v >> 5) & 7; mstatus_ |= kMstatusFs; break;
    case kMcycle: mcycle_offset_ = cycle_ - ((((cycle_ - mcycle_offset_) >> 32) << 32) | v); break;
    case kMcycleh: mcycle_offset_ = cycle_ - ((uint64_t{v} << 32) | static_cast<uint32_t>(cycle_ - mcycle_offset_)); break;
    case kMinstret: minstret_offset_ = instret_ - ((((instret_ - minstret_offset_) >> 32) << 32) | v); break;
    case kMinstreth:
      minstret_offset_ = instret_ - ((uint64_t{v} << 32) | static_cast<uint32_t>(instret_ - minstret_offset_));
      break;
    case 0x300: mstatus_ = v & (kMstatusMie | kMstatusMpie | kMstatusFs); break;
    case 0x304: mie_ = v & kIrqMask; break;
    case 0x305: mtvec_ = (v & 3) <= 1 ? v : (v & ~3u); break;  // modes 2 and 3 are reserved
    case 0x340: mscratch_ = v; break;
    case 0x341: mepc_ = v & ~ialign_mask(params_.compressed); break;
    case 0x342: mcause_ = v; break;
    case 0x343: mtval_ = v; break;
    default: break;  // misa, mip, mstatush and the hardwired-zero CSRs ignore writes
  }
  update_event_cycle();
  return true;
}

void Core::csr_op(uint32_t insn) {
  const uint32_t csr = insn >> 20, rd = (insn >> 7) & 31, rs1 = (insn >> 15) & 31, f3 = (insn >> 12) & 7;
  const bool is_fp = csr >= 1 && csr <= 3;
  const uint32_t src = (f3 & 4) ? rs1 : x_[rs1];
  const bool writes = (f3 & 3) == 1 || rs1 != 0;  // csrrs/csrrc with x0/zero do not write
  uint32_t old = 0;
  if (!read_csr(csr, old) || (writes && (csr >> 10) == 3) || (is_fp && !(mstatus_ & kMstatusFs))) {
    take_trap(kIllegalInsn, insn, insn);
    return;
  }
  // Zicsr: an instruction that writes a counter does so "instead of the increment". So the write
  // comes before this instruction's count, and a half it does not write stays as the
  // instruction found it (no carry from its own count); the counter it wrote then skips the count.
  if (writes) {
    const uint32_t value = (f3 & 3) == 1 ? src : (f3 & 3) == 2 ? (old | src) : (old & ~src);
    write_csr(csr, value);
  }
  cycle_ += params_.timing.system_cycles;
  ++instret_;
  if (writes && (csr == kMcycle || csr == kMcycleh)) mcycle_offset_ += params_.timing.system_cycles;
  if (writes && (csr == kMinstret || csr == kMinstreth)) ++minstret_offset_;
  if (rd) x_[rd] = old;
  pc_ += 4;
}

StopReason Core::exec_system(uint32_t insn) {
  if ((insn & 0x7f) == 0x0F) {  // fence.i: later fetches must see earlier stores
    if (code_.use_count() == 1) code_->invalidate_all();
  } else if (((insn >> 12) & 7) != 0) {
    csr_op(insn);
    return halted_ ? StopReason::Halted : StopReason::Limit;
  } else if (insn == kInsnEcall) {
    take_trap(kEcallM, 0, insn);
    return halted_ ? StopReason::Halted : StopReason::Limit;
  } else if (insn == kInsnEbreak) {
    take_trap(kBreakpoint, pc_, insn);
    return halted_ ? StopReason::Halted : StopReason::Limit;
  } else if (insn == kInsnMret) {
    mstatus_ = (mstatus_ & ~kMstatusMie) | ((mstatus_ & kMstatusMpie) ? kMstatusMie : 0) | kMstatusMpie;
    cycle_ += params_.timing.system_cycles;
    ++instret_;
    pc_ = mepc_;
    update_event_cycle();
    return StopReason::Limit;
  } else if (insn == kInsnWfi) {
    cycle_ += params_.timing.system_cycles;
    ++instret_;
    pc_ += 4;
    if (irq_pending_enabled()) return StopReason::Limit;
    sleeping_ = true;
    return StopReason::Sleep;
  } else {
    take_trap(kIllegalInsn, insn, insn);
    return halted_ ? StopReason::Halted : StopReason::Limit;
  }
  cycle_ += params_.timing.system_cycles;
  ++instret_;
  pc_ += 4;
  return StopReason::Limit;
}

// ---- memory ------------------------------------------------------------------------------

sc_core::sc_time Core::local_offset() const {
  const sc_core::sc_time now = sc_core::sc_time_stamp();
  const sc_core::sc_time local = period_ * static_cast<double>(cycle_);
  return local > now ? local - now : sc_core::SC_ZERO_TIME;
}

void Core::advance_to(const sc_core::sc_time& t) {
  // Round up: an access that ends inside a cycle occupies that cycle.
  const uint64_t c = (t.value() + period_.value() - 1) / period_.value();
  cycle_ = std::max(cycle_, c);
}

bool Core::check_watch(uint32_t addr, uint32_t size, bool write) {
  for (const WatchRange& w : debug_->watchpoints) {
    if (addr < w.addr + w.len && w.addr < addr + size && (write ? w.on_write : w.on_read)) {
      watch_hit_ = true;
      watch_hit_addr_ = std::max(addr, w.addr);
      watch_hit_write_ = write;
      return true;
    }
  }
  return false;
}

bool Core::load_slow(uint32_t addr, uint32_t size, uint32_t& value) {
  if (addr & (size - 1)) {
    take_trap(kLoadMisaligned, addr, 0);
    return false;
  }
  if (debug_ && !debug_->watchpoints.empty()) check_watch(addr, size, false);
  const uint32_t off = addr - static_cast<uint32_t>(params_.exec_base);
  value = 0;
  // Local SRAM that was not in the fast path: a page to map, or the fast path is off.
  if (off < params_.exec_size && !params_.local_data_via_bus) {
    if (const uintptr_t e = dmi_page(off >> kDmiPageShift, false)) {
      ++stats_.slow_accesses;
      std::memcpy(&value, dmi_byte(e, off), size);
      cycle_ += params_.timing.load_cycles + dmi_lat_cycles_;
      return true;
    }
  }
  const Access a = bus_access(tlm::TLM_READ_COMMAND, addr, size, &value);
  if (a != Access::Ok) {
    if (a == Access::Error) take_trap(kLoadAccessFault, addr, 0);
    return false;
  }
  cycle_ += params_.timing.load_cycles;
  return true;
}

bool Core::store_slow(uint32_t addr, uint32_t size, uint32_t value) {
  if (addr & (size - 1)) {
    take_trap(kStoreMisaligned, addr, 0);
    return false;
  }
  if (debug_ && !debug_->watchpoints.empty()) check_watch(addr, size, true);
  const uint32_t off = addr - static_cast<uint32_t>(params_.exec_base);
  if (off < params_.exec_size && !params_.local_data_via_bus) {
    if (const uintptr_t e = dmi_page(off >> kDmiPageShift, true)) {
      ++stats_.slow_accesses;
      std::memcpy(dmi_byte(e, off), &value, size);
      cycle_ += params_.timing.store_cycles + dmi_lat_cycles_;
      code_written(off, size);
      return true;
    }
  }
  const Access a = bus_access(tlm::TLM_WRITE_COMMAND, addr, size, &value);
  if (a != Access::Ok) {
    if (a == Access::Error) take_trap(kStoreAccessFault, addr, 0);
    return false;
  }
  cycle_ += params_.timing.store_cycles;
  if (off < params_.exec_size) code_written(off, size);  // decoded instructions there are stale
  return true;
}

Core::Access Core::bus_access(tlm::tlm_command command, uint32_t addr, uint32_t size, uint32_t* data) {
  if (isolated_) {
    // Devices are shared by every core: the serial pass performs the access (engine/hart.h).
    stalled_ = shared_access_ = true;
    return Access::Stalled;
  }
  if (registers_ && params_.register_fast_path)
    for (const RegisterWindow& w : *registers_)
      if (addr - w.base < w.size) return register_access(w, command == tlm::TLM_WRITE_COMMAND, addr, size, data);
  gp_.set_command(command);
  gp_.set_address(tile_base_ + addr);
  gp_.set_data_ptr(reinterpret_cast<unsigned char*>(data));
  gp_.set_data_length(size);
  gp_.set_streaming_width(size);
  gp_.set_byte_enable_ptr(nullptr);
  gp_.set_dmi_allowed(false);
  gp_.set_response_status(tlm::TLM_INCOMPLETE_RESPONSE);
  stall_->until = StallExtension::Until::None;
  stall_->yield = false;
  stall_->waits = 0;
  stall_->waited_cycles = 0;
  sc_core::sc_time delay = local_offset();
  socket_->b_transport(gp_, delay);
  if (stall_->until != StallExtension::Until::None) {
    stalled_ = true;
    return Access::Stalled;
  }
  ++stats_.slow_accesses;
  if (gp_.is_response_error()) return Access::Error;
  yield_ = stall_->yield;
  stats_.stalls += stall_->waits;
  stats_.stall_cycles += stall_->waited_cycles;
  advance_to(sc_core::sc_time_stamp() + delay);
  return Access::Ok;
}

Core::Access Core::register_access(const RegisterWindow& w, bool write, uint32_t addr, uint32_t size, uint32_t* data) {
  // As the bus would: an access that runs past the window's end is unmapped.
  if (addr - w.base + size > w.size) {
    ++stats_.slow_accesses;
    return Access::Error;
  }
  RegisterAccess a;
  a.tile = tile_of(tile_base_);
  a.offset = addr - w.base;
  a.size = size;
  a.write = write;
  // The low `size` bytes, as b_transport's data pointer carries them (a host call to memcpy
  // for a runtime size costs more than the mask).
  const uint32_t mask = size == 4 ? ~0u : (1u << (8 * size)) - 1;
  if (write) a.value = *data & mask;
  // b_transport's time: the core's, or SystemC's where the core lags behind it.
  a.cycle = std::max(cycle_, clock_.cycle_at(sc_core::sc_time_stamp()));
  a.can_stall = true;
  const tlm::tlm_response_status status = w.target->access_register(a);
  if (a.until != StallExtension::Until::None) {
    stall_->until = a.until;
    stall_->cycle = a.retry_cycle;
    stalled_ = true;
    return Access::Stalled;
  }
  ++stats_.slow_accesses;
  if (status != tlm::TLM_OK_RESPONSE) return Access::Error;
  if (!write) *data = a.value & mask;
  yield_ = a.yield;
  stats_.stalls += a.waits;
  stats_.stall_cycles += a.waited_cycles;
  cycle_ = std::max(cycle_, a.cycle);
  return Access::Ok;
}

void Core::privatize_code() {
  code_ = std::make_shared<CodeCache>(*code_);
  code_->make_private();
}

void Core::code_written(uint32_t offset, uint32_t len) {
  if (!code_) return;
  // The parcels written, and the one before: a 4-byte instruction starting there overlaps them.
  const uint32_t first = (offset & ~1u) >= kParcelBytes ? (offset & ~1u) - kParcelBytes : 0;
  for (uint32_t parcel = first; parcel < offset + len && parcel < params_.exec_size; parcel += kParcelBytes) {
    if (code_.use_count() > 1) {
      // Other cores share this cache: only a write into the shared image concerns it.
      if (!code_->in_shared_range(parcel)) continue;
      privatize_code();
    }
    code_->invalidate_parcel(parcel);
  }
}

namespace {
// A sampled core's kinds of jal and jalr: a call writes ra, `jalr x0, 0(ra)` returns (rd and
// rs1 as the cache maps them, x0 to the sink 32).
uint8_t with_calls(const Op& op) {
  const OpKind kind = base_kind(op.kind);
  const auto same_length = [&op](OpKind k) { return is_compressed_kind(op.kind) ? compressed_kind(k) : uint8_t{k}; };
  if (kind == kJal && op.rd == 1) return same_length(kCall);
  if (kind == kJalr && op.rd == 1) return same_length(kCallReg);
  if (kind == kJalr && op.rd == 32 && op.rs1 == 1 && op.imm == 0) return same_length(kRet);
  return op.kind;
}
}  // namespace

bool Core::decode_at(uint32_t pc) {
  const uint32_t off = pc - static_cast<uint32_t>(params_.exec_base);
  // A shared cache holds only the shared image; code elsewhere is this core's own.
  if (code_.use_count() > 1 && !code_->in_shared_range(off)) privatize_code();
  // Other cores read a shared cache meanwhile, and which core decodes first shows in its stats.
  if (isolated_ && code_.use_count() > 1) return false;
  const uint32_t insn = insn_at(off);
  // A 4-byte instruction in the last parcel runs off the memory: it faults as fetching past it.
  const bool cut_off = !(params_.compressed && is_compressed(insn)) && off + 4 > params_.exec_size;
  const bool breakpoint = debug_ && pc != skip_breakpoint_pc_ && debug_->breakpoints.count(pc);
  Op op = breakpoint ? Op{nullptr, kBreakpointOp, 0, 0, 0, 0}
          : cut_off  ? Op{nullptr, kEnd, 0, 0, 0, 0}
                     : decode(insn, pc, CodeWindow{params_.exec_base, params_.exec_size, params_.compressed});
  if (samples_) op.kind = with_calls(op);
  code_->store(off, op);
  ++stats_.decodes;
  return true;
}

double Core::decode_hit_rate() const {
  return instret_ ? 1.0 - static_cast<double>(stats_.decodes) / static_cast<double>(instret_) : 0.0;
}

uintptr_t Core::dmi_page(uint32_t page, bool write) {
  uintptr_t& entry = dmi_pages_[page];
  if (entry && (!write || (entry & kDmiWritable))) return entry;
  const uint64_t first = tile_base_ + params_.exec_base + (uint64_t{page} << kDmiPageShift);
  const uint64_t last = std::min<uint64_t>(first + kDmiPageBytes, tile_base_ + params_.exec_base + params_.exec_size) - 1;
  tlm::tlm_generic_payload gp;
  tlm::tlm_dmi dmi;
  gp.set_command(write ? tlm::TLM_WRITE_COMMAND : tlm::TLM_READ_COMMAND);
  gp.set_address(first);
  // The request may invalidate the entry (a page copied for writing): it is set after it.
  if (!socket_->get_direct_mem_ptr(gp, dmi) || !dmi.is_read_allowed() || (write && !dmi.is_write_allowed()) ||
      dmi.get_start_address() > first || dmi.get_end_address() < last)
    return 0;
  const uintptr_t at = reinterpret_cast<uintptr_t>(dmi.get_dmi_ptr()) + (first - dmi.get_start_address());
  if (at & kDmiWritable) return 0;  // an odd address leaves no bit for the flag: the bus serves it
  dmi_lat_cycles_ = static_cast<uint32_t>(dmi.get_read_latency().value() / period_.value());
  entry = (at - (uint64_t{page} << kDmiPageShift)) | (dmi.is_write_allowed() ? kDmiWritable : 0);
  return entry;
}

uint32_t Core::insn_at(uint32_t offset) {
  const uint32_t low = parcel_at(offset);
  if (params_.compressed && is_compressed(low)) return low;
  return low | (offset + 4 <= params_.exec_size ? parcel_at(offset + kParcelBytes) << 16 : 0);
}

uint32_t Core::parcel_at(uint32_t offset) {
  const uintptr_t e = dmi_page(offset >> kDmiPageShift, false);
  if (!e) {
    char where[24];
    std::snprintf(where, sizeof where, "0x%08llx", static_cast<unsigned long long>(params_.exec_base + offset));
    throw std::runtime_error(name() + ": no DMI read access to executable memory at " + where);
  }
  uint16_t parcel;
  std::memcpy(&parcel, dmi_byte(e, offset), 2);
  return parcel;
}

void Core::invalidate_dmi(uint64_t start, uint64_t end) {
  const uint64_t base = params_.exec_base, limit = base + params_.exec_size;
  if (end < base || start >= limit) return;
  const uint64_t first = (std::max<uint64_t>(start, base) - base) >> kDmiPageShift;
  const uint64_t last = (std::min<uint64_t>(end, limit - 1) - base) >> kDmiPageShift;
  for (uint64_t page = first; page <= last && dmi_pages_ && page < dmi_pages_of(params_); ++page) dmi_pages_[page] = 0;
}

// ---- debugger ----------------------------------------------------------------------------

void Core::set_debug_points(const DebugPoints* points) {
  debug_ = points;
  debug_points_changed();
}

void Core::debug_points_changed() {
  if (code_) code_->invalidate_all();  // breakpoints are decoded in; re-decode with the new set
  if (dmi_pages_) data_size_ = data_fast_path() ? params_.exec_size : 0;
}

bool Core::debug_read(uint32_t addr, uint32_t len, uint8_t* out) {
  tlm::tlm_generic_payload gp;
  gp.set_command(tlm::TLM_READ_COMMAND);
  gp.set_address(tile_base_ + addr);
  gp.set_data_ptr(out);
  gp.set_data_length(len);
  return socket_->transport_dbg(gp) == len;
}

bool Core::debug_write(uint32_t addr, uint32_t len, const uint8_t* in) {
  tlm::tlm_generic_payload gp;
  gp.set_command(tlm::TLM_WRITE_COMMAND);
  gp.set_address(tile_base_ + addr);
  gp.set_data_ptr(const_cast<uint8_t*>(in));
  gp.set_data_length(len);
  const bool ok = socket_->transport_dbg(gp) == len;
  const uint64_t off = addr - params_.exec_base;
  if (ok && off < params_.exec_size) code_written(static_cast<uint32_t>(off), len);
  return ok;
}

void Core::checkpoint(Snapshot& s) {
  s.fields(x_, f_, pc_, cycle_, instret_, mcycle_offset_, minstret_offset_, mstatus_, mie_, mip_sw_ext_, mtvec_, mscratch_,
           mepc_, mcause_, mtval_, fflags_, frm_, mtimecmp_, ext_irq_at_, msip_at_, halted_, sleeping_, at_breakpoint_,
           exit_code_, fault_, stats_);
  bool private_code = code_ && code_->shared_len() == 0;
  s.io(private_code);
  bool sampled = samples_ != nullptr;
  s.io(sampled);
  if (sampled != (samples_ != nullptr)) s.fail(name() + ": profile sampling was " + (sampled ? "on" : "off") + " in the checkpointed run (--profile)");
  if (samples_) s.fields(samples_->period, samples_->next_cycle, samples_->sampled_cycle, samples_->sampled_instret, samples_->calls);
  // The DMI pages held, by access (1 read, 2 write): asked for again on restore, as a core
  // asks on first use, so that the accesses the bus serves stay those of the uninterrupted run.
  std::vector<uint8_t> held(dmi_pages_ ? dmi_pages_of(params_) : 0);
  for (size_t page = 0; page < held.size(); ++page)
    held[page] = dmi_pages_[page] ? (dmi_pages_[page] & kDmiWritable ? 2 : 1) : 0;
  s.io(held);
  if (!s.restoring()) return;
  if (private_code && code_ && code_->shared_len()) privatize_code();
  if (dmi_pages_) dmi_tables_.release(dmi_pages_);
  dmi_pages_ = nullptr;  // the sockets are bound only once the simulation starts: run() asks
  dmi_held_ = std::move(held);
  update_event_cycle();
}

}  // namespace wvp
