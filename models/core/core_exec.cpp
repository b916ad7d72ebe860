// The interpreter loop. Threaded code: each handler ends by jumping straight to the next Op's
// handler (GCC's labels-as-values), so the hot path has no call, no switch and no allocation.
// Locals hold the program counter (as an Op pointer), the cycle and instruction counters;
// they are written back to the Core only around slow paths ("sync out" / "sync in").
#include <cstring>

#include "models/core/core.h"
#include "models/core/decode.h"
#include "models/core/fpu.h"
#include "models/core/fpu_fast.h"

#define WVP_LIKELY(x) __builtin_expect(!!(x), 1)
#define WVP_UNLIKELY(x) __builtin_expect(!!(x), 0)

namespace wvp {

namespace {
constexpr uint32_t kMstatusFs = 3u << 13;
constexpr uint32_t kFsDirty = 3u << 13;

inline uint32_t load_u32(const uint8_t* p) {
  uint32_t v;
  std::memcpy(&v, p, 4);
  return v;
}
inline uint16_t load_u16(const uint8_t* p) {
  uint16_t v;
  std::memcpy(&v, p, 2);
  return v;
}
inline int32_t sext(uint32_t v, uint32_t size) {
  return size == 1 ? static_cast<int8_t>(v) : size == 2 ? static_cast<int16_t>(v) : static_cast<int32_t>(v);
}
}  // namespace

template <bool kStep>
StopReason Core::exec(uint64_t limit_cycle, HandlerTable* table_out) {
  // Order must match OpKind.
  static const void* const kLabels[] = {
      &&L_NeedDecode, &&L_End, &&L_Illegal, &&L_Breakpoint,
      &&L_Lui, &&L_Auipc, &&L_Jal, &&L_Jalr, &&L_JumpFar,
      &&L_Beq, &&L_Bne, &&L_Blt, &&L_Bge, &&L_Bltu, &&L_Bgeu, &&L_BranchFar,
      &&L_Lb, &&L_Lh, &&L_Lw, &&L_Lbu, &&L_Lhu, &&L_Sb, &&L_Sh, &&L_Sw,
      &&L_Addi, &&L_Slti, &&L_Sltiu, &&L_Xori, &&L_Ori, &&L_Andi, &&L_Slli, &&L_Srli, &&L_Srai,
      &&L_Add, &&L_Sub, &&L_Sll, &&L_Slt, &&L_Sltu, &&L_Xor, &&L_Srl, &&L_Sra, &&L_Or, &&L_And,
      &&L_Mul, &&L_Mulh, &&L_Mulhsu, &&L_Mulhu, &&L_Div, &&L_Divu, &&L_Rem, &&L_Remu,
      &&L_Fence, &&L_System,
      &&L_Flw, &&L_Fsw, &&L_Fmadd, &&L_Fmsub, &&L_Fnmsub, &&L_Fnmadd, &&L_Fadd, &&L_Fsub, &&L_Fmul,
      &&L_Fdiv, &&L_Fsqrt, &&L_Fsgnj, &&L_Fsgnjn, &&L_Fsgnjx, &&L_Fmin, &&L_Fmax, &&L_FcvtWS,
      &&L_FcvtWuS, &&L_FmvXW, &&L_Feq, &&L_Flt, &&L_Fle, &&L_Fclass, &&L_FcvtSW, &&L_FcvtSWu,
      &&L_FmvWX,   &&L_Call,     &&L_CallReg, &&L_Ret,
  };
  static_assert(sizeof(kLabels) / sizeof(kLabels[0]) == kOpKindCount);
  if (table_out) {
    *table_out = kLabels;
    return StopReason::Limit;
  }

  limit_cycle_ = limit_cycle;
  update_event_cycle();

  // Every instruction costs alu_cycles, settled per straight-line run of Ops (see SETTLE);
  // handlers of other classes add only the difference. Unsigned wrap-around keeps the sums
  // right when a class is cheaper than the ALU.
  const CoreTiming& t = params_.timing;
  const uint64_t alu = t.alu_cycles;
  struct Extra {
    uint64_t mul, div, load, store, branch, taken, fp, fdiv, fsqrt, system;
  } const tm{t.mul_cycles - alu,   t.div_cycles - alu,          t.load_cycles - alu, t.store_cycles - alu,
             t.branch_cycles - alu, t.branch_taken_cycles - alu, t.fp_cycles - alu,   t.fdiv_cycles - alu,
             t.fsqrt_cycles - alu,  t.system_cycles - alu};
  const uint32_t base = static_cast<uint32_t>(code_->base());
  uint32_t* const x = x_;
  uint32_t* const f = f_;
  const uintptr_t* pages = dmi_pages_;
  uint32_t lat = dmi_lat_cycles_;
  uint32_t data_size = data_size_;
  Op* ops = code_->ops();
  uint64_t watch_mask = code_->watch_mask();
  uint32_t page_shift = code_->page_shift();
  // While the cache is shared, any store into the shared image must take a private copy.
  uint32_t shared_lo = 0, shared_len = 0;
  uint64_t cyc = cycle_, ir = instret_, event = event_cycle_;
  bool fp_on = (mstatus_ & kMstatusFs) != 0;
  Op* ip = nullptr;
  Op* block = nullptr;  // first Op of the current straight-line run, not yet counted

  // Slow-path operands.
  uint32_t m_addr = 0, m_size = 0, m_value = 0;
  uint32_t* m_dest = nullptr;
  bool m_signed = false;

#define PC() (base + static_cast<uint32_t>(ip - ops) * 4u)
  // Counts the Ops run since `block` (those before ip) as retired.
#define SETTLE()                                          \
  do {                                                    \
    const uint64_t n = static_cast<uint64_t>(ip - block); \
    ir += n, cyc += n * alu, block = ip;                  \
  } while (0)
#define SYNC_OUT()                                 \
  do {                                             \
    SETTLE();                                      \
    pc_ = PC(), cycle_ = cyc, instret_ = ir;       \
  } while (0)
#define SYNC_IN()                                                                              \
  do {                                                                                         \
    cyc = cycle_, ir = instret_, event = event_cycle_;                                         \
    ops = code_->ops(), watch_mask = code_->watch_mask(), page_shift = code_->page_shift();    \
    shared_lo = code_.use_count() > 1 ? code_->shared_lo() : 0;                                \
    shared_len = code_.use_count() > 1 ? code_->shared_len() : 0;                              \
    pages = dmi_pages_, lat = dmi_lat_cycles_, data_size = data_size_;                  \
    fp_on = (mstatus_ & kMstatusFs) != 0;                                                      \
    ip = block = ops + ((pc_ - base) >> 2);                                                    \
  } while (0)
  // The step loop dispatches by kind: the cache holds the normal loop's handler addresses.
#define DISPATCH()                   \
  do {                               \
    if constexpr (kStep)             \
      goto* kLabels[ip->kind];       \
    else                             \
      goto* ip->handler;             \
  } while (0)
#define NEXT()                           \
  do {                                   \
    ++ip;                                \
    if constexpr (kStep) goto step_done; \
    DISPATCH();                          \
  } while (0)
  // Taken control transfers are where the loop looks at the cycle limit and interrupts.
#define JUMP_TO(target)                             \
  do {                                              \
    Op* const to = (target);                        \
    ++ip;                                           \
    SETTLE();                                       \
    cyc += tm.taken;                                \
    ip = block = to;                                \
    if constexpr (kStep) goto step_done_settled;    \
    if (WVP_UNLIKELY(cyc >= event)) goto events;    \
    DISPATCH();                                     \
  } while (0)
#define TRAP(cause, tval)         \
  do {                            \
    SYNC_OUT();                   \
    take_trap((cause), (tval), 0); \
    goto after_trap;              \
  } while (0)
#define RS1 x[ip->rs1]
#define RS2 x[ip->rs2]
#define RD x[ip->rd]
#define ALU(expr) \
  do {            \
    RD = (expr);  \
    NEXT();       \
  } while (0)
#define ALU_EXTRA(expr, extra) \
  do {                         \
    RD = (expr);               \
    cyc += (extra);            \
    NEXT();                    \
  } while (0)
#define BRANCH(cond)                 \
  do {                               \
    if (cond) JUMP_TO(ip + ip->imm); \
    cyc += tm.branch;                \
    NEXT();                          \
  } while (0)
  // `reader` reads from p, the byte at the address; a page without DMI takes the slow path,
  // which asks for it.
#define LOAD(size, align_mask, reader, dest, sign)                    \
  do {                                                                \
    const uint32_t a = RS1 + ip->imm, off = a - base;                 \
    if (WVP_LIKELY(off < data_size && !(off & (align_mask)))) {       \
      const uintptr_t e = pages[off >> kDmiPageShift];                \
      if (WVP_LIKELY(e)) {                                            \
        const uint8_t* const p = dmi_byte(e, off);                    \
        dest = reader;                                                \
        cyc += tm.load + lat;                                         \
        NEXT();                                                       \
      }                                                               \
    }                                                                 \
    m_addr = a, m_size = size, m_dest = &(dest), m_signed = sign;     \
    goto slow_load;                                                   \
  } while (0)
#define STORE(size, align_mask, value)                                \
  do {                                                                \
    const uint32_t a = RS1 + ip->imm, off = a - base;                 \
    const uint32_t v = (value);                                       \
    if (WVP_LIKELY(off < data_size && !(off & (align_mask)))) {       \
      const uintptr_t e = pages[off >> kDmiPageShift];                \
      if (WVP_LIKELY(e & kDmiWritable)) {                             \
        std::memcpy(dmi_byte(e, off), &v, size);                      \
        cyc += tm.store + lat;                                        \
        if (WVP_UNLIKELY((watch_mask >> (off >> page_shift)) & 1) &&   \
            (off - shared_lo < shared_len || ops[off >> 2].kind != kNeedDecode)) { \
          m_addr = off, m_size = size;                                \
          goto code_store;                                            \
        }                                                             \
        NEXT();                                                       \
      }                                                               \
    }                                                                 \
    m_addr = a, m_size = size, m_value = v;                           \
    goto slow_store;                                                  \
  } while (0)
  // FP instructions are illegal while mstatus.FS is Off; any FP instruction marks FS dirty.
#define FP_BEGIN()                          \
  if (WVP_UNLIKELY(!fp_on)) goto illegal_here; \
  mstatus_ |= kFsDirty
#define FP_RM(rm_var)                                   \
  uint32_t rm_var = static_cast<uint32_t>(ip->imm) & 7; \
  if (rm_var == 7) rm_var = frm_;                       \
  if (WVP_UNLIKELY(rm_var > 4)) goto illegal_here
#define FP_ROUNDED(cost, expr)          \
  do {                                  \
    FP_BEGIN();                         \
    FP_RM(rm);                          \
    const auto r = static_cast<fpu::Rm>(rm); \
    expr;                               \
    cyc += (cost);                      \
    NEXT();                             \
  } while (0)
#define FP_PLAIN(expr)       \
  do {                       \
    FP_BEGIN();              \
    expr;                    \
    cyc += tm.fp;            \
    NEXT();                  \
  } while (0)
#define F1 f[ip->rs1]
#define F2 f[ip->rs2]
#define F3 f[(static_cast<uint32_t>(ip->imm) >> 8) & 31]
#define FD f[ip->rd]

  // Entry: the pc may be anywhere (reset, mret, debugger); fetching outside the cache faults.
  if (WVP_UNLIKELY((pc_ & 3) || pc_ - base >= code_->size_bytes())) {
    take_trap(pc_ & 3 ? kInsnMisaligned : kInsnAccessFault, pc_, 0);
    if (halted_) return StopReason::Halted;
    if constexpr (kStep) {
      step_end_ = StepEnd::Taken;
      return StopReason::Step;
    }
  }
  SYNC_IN();
  // Where an isolated run stopped, the serial pass goes on as if the run never had: the events
  // are looked at where an uninterrupted run would look at them.
  if (WVP_UNLIKELY(resumes_in_place_)) resumes_in_place_ = false;
  else if (!kStep && cyc >= event) goto events;
  DISPATCH();

L_NeedDecode:
  SYNC_OUT();
  if (!decode_at(pc_)) return StopReason::Shared;  // may switch this core to a private cache
  SYNC_IN();
  DISPATCH();
L_End:
  TRAP(kInsnAccessFault, PC());
L_Illegal:
  TRAP(kIllegalInsn, static_cast<uint32_t>(ip->imm));
illegal_here:  // an instruction that is illegal only in the current state (FS off, bad frm)
  SYNC_OUT();
  take_trap(kIllegalInsn, code_word(pc_ - base), 0);
  goto after_trap;
L_Breakpoint:
  SYNC_OUT();
  return StopReason::Breakpoint;

L_Lui: ALU(static_cast<uint32_t>(ip->imm));
L_Auipc: ALU(static_cast<uint32_t>(ip->imm));
L_Jal:
  RD = PC() + 4;
  JUMP_TO(ip + ip->imm);
L_Jalr: {
  const uint32_t target = (RS1 + static_cast<uint32_t>(ip->imm)) & ~1u;
  if (WVP_UNLIKELY(target & 3)) TRAP(kInsnMisaligned, target);  // traps before writing rd
  RD = PC() + 4;
  if (WVP_UNLIKELY(target - base >= code_->size_bytes())) {
    m_addr = target;
    cyc += tm.taken;
    goto far_target;
  }
  JUMP_TO(ops + ((target - base) >> 2));
}
// Calls and returns of a sampled core: its call stack, then the jump as usual.
L_Call:
  samples_->calls.push(PC() + static_cast<uint32_t>(ip->imm) * 4u);
  goto L_Jal;
L_CallReg:
  samples_->calls.push((RS1 + static_cast<uint32_t>(ip->imm)) & ~1u);
  goto L_Jalr;
L_Ret:
  samples_->calls.pop();
  goto L_Jalr;
L_JumpFar: {
  const uint32_t w = static_cast<uint32_t>(ip->imm);
  const uint32_t rd = (w >> 7) & 31;
  m_addr = PC() + static_cast<uint32_t>(imm_j(w));
  if (m_addr & 3) TRAP(kInsnMisaligned, m_addr);  // no side effects: rd is not written
  if (rd) x[rd] = PC() + 4;
  cyc += tm.taken;
  goto far_target;
}
L_BranchFar: {
  const uint32_t w = static_cast<uint32_t>(ip->imm);
  const uint32_t a = x[(w >> 15) & 31], b = x[(w >> 20) & 31];
  bool taken = false;
  switch ((w >> 12) & 7) {
    case 0: taken = a == b; break;
    case 1: taken = a != b; break;
    case 4: taken = static_cast<int32_t>(a) < static_cast<int32_t>(b); break;
    case 5: taken = static_cast<int32_t>(a) >= static_cast<int32_t>(b); break;
    case 6: taken = a < b; break;
    default: taken = a >= b; break;
  }
  if (!taken) {
    cyc += tm.branch;
    NEXT();
  }
  m_addr = PC() + static_cast<uint32_t>(imm_b(w));
  if (m_addr & 3) TRAP(kInsnMisaligned, m_addr);
  cyc += tm.taken;
  goto far_target;
}
far_target:  // a taken jump to an aligned target outside executable memory: the jump retires,
             // then fetching the target faults
  ++ip;
  SYNC_OUT();
  pc_ = m_addr;
  take_trap(kInsnAccessFault, m_addr, 0);
  goto after_trap;

L_Beq: BRANCH(RS1 == RS2);
L_Bne: BRANCH(RS1 != RS2);
L_Blt: BRANCH(static_cast<int32_t>(RS1) < static_cast<int32_t>(RS2));
L_Bge: BRANCH(static_cast<int32_t>(RS1) >= static_cast<int32_t>(RS2));
L_Bltu: BRANCH(RS1 < RS2);
L_Bgeu: BRANCH(RS1 >= RS2);

L_Lb: LOAD(1, 0, static_cast<uint32_t>(static_cast<int8_t>(*p)), RD, true);
L_Lh: LOAD(2, 1, static_cast<uint32_t>(static_cast<int16_t>(load_u16(p))), RD, true);
L_Lw: LOAD(4, 3, load_u32(p), RD, false);
L_Lbu: LOAD(1, 0, *p, RD, false);
L_Lhu: LOAD(2, 1, load_u16(p), RD, false);
L_Sb: STORE(1, 0, RS2);
L_Sh: STORE(2, 1, RS2);
L_Sw: STORE(4, 3, RS2);

L_Addi: ALU(RS1 + static_cast<uint32_t>(ip->imm));
L_Slti: ALU(static_cast<int32_t>(RS1) < ip->imm);
L_Sltiu: ALU(RS1 < static_cast<uint32_t>(ip->imm));
L_Xori: ALU(RS1 ^ static_cast<uint32_t>(ip->imm));
L_Ori: ALU(RS1 | static_cast<uint32_t>(ip->imm));
L_Andi: ALU(RS1 & static_cast<uint32_t>(ip->imm));
L_Slli: ALU(RS1 << ip->imm);
L_Srli: ALU(RS1 >> ip->imm);
L_Srai: ALU(static_cast<uint32_t>(static_cast<int32_t>(RS1) >> ip->imm));
L_Add: ALU(RS1 + RS2);
L_Sub: ALU(RS1 - RS2);
L_Sll: ALU(RS1 << (RS2 & 31));
L_Slt: ALU(static_cast<int32_t>(RS1) < static_cast<int32_t>(RS2));
L_Sltu: ALU(RS1 < RS2);
L_Xor: ALU(RS1 ^ RS2);
L_Srl: ALU(RS1 >> (RS2 & 31));
L_Sra: ALU(static_cast<uint32_t>(static_cast<int32_t>(RS1) >> (RS2 & 31)));
L_Or: ALU(RS1 | RS2);
L_And: ALU(RS1 & RS2);

L_Mul: ALU_EXTRA(RS1 * RS2, tm.mul);
L_Mulh:
  ALU_EXTRA(static_cast<uint32_t>((int64_t{static_cast<int32_t>(RS1)} * static_cast<int32_t>(RS2)) >> 32), tm.mul);
L_Mulhsu:
  ALU_EXTRA(static_cast<uint32_t>((int64_t{static_cast<int32_t>(RS1)} * int64_t{RS2}) >> 32), tm.mul);
L_Mulhu: ALU_EXTRA(static_cast<uint32_t>((uint64_t{RS1} * RS2) >> 32), tm.mul);
L_Div: {
  const int32_t a = static_cast<int32_t>(RS1), b = static_cast<int32_t>(RS2);
  ALU_EXTRA(b == 0 ? UINT32_MAX : (a == INT32_MIN && b == -1) ? static_cast<uint32_t>(a) : static_cast<uint32_t>(a / b),
      tm.div);
}
L_Divu: ALU_EXTRA(RS2 == 0 ? UINT32_MAX : RS1 / RS2, tm.div);
L_Rem: {
  const int32_t a = static_cast<int32_t>(RS1), b = static_cast<int32_t>(RS2);
  ALU_EXTRA(b == 0 ? static_cast<uint32_t>(a) : (a == INT32_MIN && b == -1) ? 0u : static_cast<uint32_t>(a % b),
      tm.div);
}
L_Remu: ALU_EXTRA(RS2 == 0 ? RS1 : RS1 % RS2, tm.div);

L_Fence:
  cyc += tm.system;
  NEXT();
L_System: {
  SYNC_OUT();
  const StopReason why = exec_system(static_cast<uint32_t>(ip->imm));
  if (why != StopReason::Limit) return why;  // halted or asleep
  if constexpr (kStep) {
    step_end_ = StepEnd::Always;
    return StopReason::Step;
  }
  SYNC_IN();
  goto events;  // a CSR write may have enabled a pending interrupt
}

L_Flw: {
  FP_BEGIN();
  LOAD(4, 3, load_u32(p), FD, false);
}
L_Fsw: {
  FP_BEGIN();
  STORE(4, 3, F2);
}
L_Fmadd: FP_ROUNDED(tm.fp, FD = fpu::fast::madd(F1, F2, F3, r, fflags_));
L_Fmsub: FP_ROUNDED(tm.fp, FD = fpu::fast::msub(F1, F2, F3, r, fflags_));
L_Fnmsub: FP_ROUNDED(tm.fp, FD = fpu::fast::nmsub(F1, F2, F3, r, fflags_));
L_Fnmadd: FP_ROUNDED(tm.fp, FD = fpu::fast::nmadd(F1, F2, F3, r, fflags_));
L_Fadd: FP_ROUNDED(tm.fp, FD = fpu::fast::add(F1, F2, r, fflags_));
L_Fsub: FP_ROUNDED(tm.fp, FD = fpu::fast::sub(F1, F2, r, fflags_));
L_Fmul: FP_ROUNDED(tm.fp, FD = fpu::fast::mul(F1, F2, r, fflags_));
L_Fdiv: FP_ROUNDED(tm.fdiv, FD = fpu::fast::div(F1, F2, r, fflags_));
L_Fsqrt: FP_ROUNDED(tm.fsqrt, FD = fpu::fast::sqrt(F1, r, fflags_));
L_Fsgnj: FP_PLAIN(FD = (F1 & 0x7fffffffu) | (F2 & 0x80000000u));
L_Fsgnjn: FP_PLAIN(FD = (F1 & 0x7fffffffu) | (~F2 & 0x80000000u));
L_Fsgnjx: FP_PLAIN(FD = F1 ^ (F2 & 0x80000000u));
L_Fmin: FP_PLAIN(FD = fpu::min(F1, F2, fflags_));
L_Fmax: FP_PLAIN(FD = fpu::max(F1, F2, fflags_));
L_FcvtWS: FP_ROUNDED(tm.fp, RD = fpu::cvt_w_s(F1, r, fflags_));
L_FcvtWuS: FP_ROUNDED(tm.fp, RD = fpu::cvt_wu_s(F1, r, fflags_));
L_FmvXW: FP_PLAIN(RD = F1);
L_Feq: FP_PLAIN(RD = fpu::eq(F1, F2, fflags_));
L_Flt: FP_PLAIN(RD = fpu::lt(F1, F2, fflags_));
L_Fle: FP_PLAIN(RD = fpu::le(F1, F2, fflags_));
L_Fclass: FP_PLAIN(RD = fpu::classify(F1));
L_FcvtSW: FP_ROUNDED(tm.fp, FD = fpu::fast::cvt_s_w(RS1, r, fflags_));
L_FcvtSWu: FP_ROUNDED(tm.fp, FD = fpu::fast::cvt_s_wu(RS1, r, fflags_));
L_FmvWX: FP_PLAIN(FD = RS1);

slow_load: {
  SYNC_OUT();
  uint32_t v = 0;
  if (!load_slow(m_addr, m_size, v)) {
    if (stalled_) return StopReason::Stall;  // not executed: run() re-issues it
    goto after_trap;
  }
  // m_dest points into x_/f_, which do not move; the sink absorbs x0.
  *m_dest = m_signed ? static_cast<uint32_t>(sext(v, m_size)) : v;
  goto slow_done;
}
slow_store:
  SYNC_OUT();
  if (!store_slow(m_addr, m_size, m_value)) {
    if (stalled_) return StopReason::Stall;
    goto after_trap;
  }
  goto slow_done;
code_store:
  SYNC_OUT();
  code_written(m_addr, m_size);
  SYNC_IN();
  NEXT();
slow_done:
  ++instret_;
  pc_ += 4;
  if (halted_) return StopReason::Halted;
  if constexpr (kStep) step_end_ = yield_ ? StepEnd::Yield : StepEnd::Always;
  if (yield_) {
    yield_ = false;
    if constexpr (!kStep) return StopReason::Limit;
  }
  if (watch_hit_) {
    watch_hit_ = false;
    return StopReason::Watchpoint;
  }
  if constexpr (kStep) return StopReason::Step;
  SYNC_IN();
  goto events;  // an MMIO write may have changed the timer or interrupt lines

step_done: __attribute__((unused));  // only the step loop goes here
  SYNC_OUT();
  step_end_ = StepEnd::Plain;
  return StopReason::Step;
step_done_settled: __attribute__((unused));  // after JUMP_TO in step mode: counters are settled, ip is the target
  pc_ = PC(), cycle_ = cyc, instret_ = ir;
  step_end_ = StepEnd::Taken;
  return StopReason::Step;

after_trap:  // take_trap() has set pc_ to the handler, or halted the core
  if (halted_) return StopReason::Halted;
  if constexpr (kStep) {
    step_end_ = StepEnd::Always;
    return StopReason::Step;
  }
  SYNC_IN();
  // fall through: a trap entry is a control transfer like any other

events:
  SYNC_OUT();
  if (take_interrupt_if_pending() && halted_) return StopReason::Halted;
  if (cycle_ >= limit_cycle_) return StopReason::Limit;
  update_event_cycle();
  SYNC_IN();
  DISPATCH();

#undef PC
#undef SYNC_OUT
#undef SYNC_IN
#undef DISPATCH
#undef NEXT
#undef JUMP_TO
#undef SETTLE
#undef ALU_EXTRA
#undef TRAP
#undef RS1
#undef RS2
#undef RD
#undef ALU
#undef BRANCH
#undef LOAD
#undef STORE
#undef FP_BEGIN
#undef FP_RM
#undef FP_ROUNDED
#undef FP_PLAIN
#undef F1
#undef F2
#undef F3
#undef FD
}

template StopReason Core::exec<false>(uint64_t, HandlerTable*);
template StopReason Core::exec<true>(uint64_t, HandlerTable*);

}  // namespace wvp
