// The interpreter loop. Threaded code: each handler ends by jumping straight to the next Op's
// handler (GCC's labels-as-values), so the hot path has no call, no switch and no allocation.
// Locals hold the program counter (as an Op pointer), the cycle and instruction counters;
// they are written back to the Core only around slow paths ("sync out" / "sync in").
#include <algorithm>
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
// Whether a store of `size` bytes at `off` overlaps a decoded instruction: one starting in its
// parcels, or a 4-byte one starting in the parcel before (the cache's guard entry stands before
// the first). Stores are aligned: they cover one parcel, or two.
inline bool overlaps_decoded(const Op* ops, uint32_t off, uint32_t size) {
  const Op* at = ops + off / kParcelBytes;
  return (at[-1].kind | at[0].kind | at[size / 4].kind) != kNeedDecode;
}
inline int32_t sext(uint32_t v, uint32_t size) {
  return size == 1 ? static_cast<int8_t>(v) : size == 2 ? static_cast<int16_t>(v) : static_cast<int32_t>(v);
}
}  // namespace

template <bool kStep>
StopReason Core::exec(uint64_t limit_cycle, HandlerTable* table_out) {
  // Indexed by OpKind, then by compressed kind: the twins' labels (LC_), or L_Illegal for the
  // kinds no 2-byte instruction stands for (never stored).
#define WVP_LABEL(name, compressible) &&L_##name,
#define WVP_TWIN_LABEL_0(name) &&L_Illegal,
#define WVP_TWIN_LABEL_1(name) &&LC_##name,
#define WVP_TWIN_LABEL(name, compressible) WVP_TWIN_LABEL_##compressible(name)
  static const void* const kLabels[] = {WVP_OP_KINDS(WVP_LABEL) WVP_OP_KINDS(WVP_TWIN_LABEL)};
#undef WVP_LABEL
#undef WVP_TWIN_LABEL_0
#undef WVP_TWIN_LABEL_1
#undef WVP_TWIN_LABEL
  static_assert(sizeof(kLabels) / sizeof(kLabels[0]) == 2 * kOpKindCount);
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
  // Jump targets and the pc must be 4-byte aligned without the C extension; with it, bit 0 of
  // a target is never set.
  const uint32_t misaligned = ialign_mask(params_.compressed);
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
  // Where the current straight-line run of instructions, not yet counted, began; moved back a
  // parcel for each 2-byte instruction in it, so that ip - block is twice its instructions.
  Op* block = nullptr;

  // Slow-path operands.
  uint32_t m_addr = 0, m_size = 0, m_value = 0;
  uint32_t m_parcels = 0;  // the length of the instruction that took the slow path
  uint32_t* m_dest = nullptr;
  bool m_signed = false;

#define PC() (base + static_cast<uint32_t>(ip - ops) * kParcelBytes)
  // Counts the instructions run since `block` (those before ip) as retired.
#define SETTLE()                                              \
  do {                                                        \
    const uint64_t n = static_cast<uint64_t>(ip - block) / 2; \
    ir += n, cyc += n * alu, block = ip;                      \
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
    ip = block = ops + (pc_ - base) / kParcelBytes;                                            \
  } while (0)
  // The step loop dispatches by kind: the cache holds the normal loop's handler addresses.
#define DISPATCH()                   \
  do {                               \
    if constexpr (kStep)             \
      goto* kLabels[ip->kind];       \
    else                             \
      goto* ip->handler;             \
  } while (0)
  // Past the current instruction, of INSN_PARCELS parcels: 2, except in the compressed twins.
#define INSN_PARCELS 2
#define ADVANCE(parcels)               \
  do {                                 \
    ip += (parcels);                   \
    if ((parcels) == 1) --block;       \
  } while (0)
#define NEXT()                           \
  do {                                   \
    ADVANCE(INSN_PARCELS);               \
    if constexpr (kStep) goto step_done; \
    DISPATCH();                          \
  } while (0)
  // Taken control transfers are where the loop looks at the cycle limit and interrupts.
#define JUMP_TO(target)                             \
  do {                                              \
    Op* const to = (target);                        \
    ADVANCE(INSN_PARCELS);                          \
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
    m_parcels = INSN_PARCELS;                                         \
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
            (off - shared_lo < shared_len || overlaps_decoded(ops, off, size))) { \
          m_addr = off, m_size = size, m_parcels = INSN_PARCELS;      \
          goto code_store;                                            \
        }                                                             \
        NEXT();                                                       \
      }                                                               \
    }                                                                 \
    m_addr = a, m_size = size, m_value = v, m_parcels = INSN_PARCELS; \
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
  if (WVP_UNLIKELY((pc_ & misaligned) || pc_ - base >= code_->size_bytes())) {
    take_trap(pc_ & misaligned ? kInsnMisaligned : kInsnAccessFault, pc_, 0);
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
L_End:  // past the memory, or a 4-byte instruction in its last parcel: the first byte outside faults
  TRAP(kInsnAccessFault, std::max(PC(), base + code_->size_bytes()));
L_Illegal:
  TRAP(kIllegalInsn, static_cast<uint32_t>(ip->imm));
illegal_here:  // an instruction that is illegal only in the current state (FS off, bad frm)
  SYNC_OUT();
  take_trap(kIllegalInsn, insn_at(pc_ - base), 0);
  goto after_trap;
L_BreakpointOp:
  SYNC_OUT();
  return StopReason::Breakpoint;

L_Auipc: ALU(static_cast<uint32_t>(ip->imm));
far_target:  // a taken jump to an aligned target outside executable memory: the jump retires,
             // then fetching the target faults
  ADVANCE(m_parcels);
  SYNC_OUT();
  pc_ = m_addr;
  take_trap(kInsnAccessFault, m_addr, 0);
  goto after_trap;

// The handlers of the kinds a 2-byte instruction can stand for, written once and expanded
// twice: as L_ for 4-byte instructions and as LC_, the compressed twins, for 2-byte ones. They
// differ only in INSN_PARCELS: how far the pc moves and what a jump links.
#define WVP_TWINNED_HANDLERS(H)                                                      \
  H(Lui, ALU(static_cast<uint32_t>(ip->imm));)                                       \
  H(Jal, RD = PC() + INSN_PARCELS * kParcelBytes; JUMP_TO(ip + ip->imm);)           \
  H(Jalr, {                                                                          \
    const uint32_t target = (RS1 + static_cast<uint32_t>(ip->imm)) & ~1u;            \
    if (WVP_UNLIKELY(target & misaligned)) TRAP(kInsnMisaligned, target); /* before rd */  \
    RD = PC() + INSN_PARCELS * kParcelBytes;                                         \
    if (WVP_UNLIKELY(target - base >= code_->size_bytes())) {                        \
      m_addr = target, m_parcels = INSN_PARCELS;                                     \
      cyc += tm.taken;                                                               \
      goto far_target;                                                               \
    }                                                                                \
    JUMP_TO(ops + (target - base) / kParcelBytes);                                   \
  })                                                                                 \
  /* Calls and returns of a sampled core: its call stack, then the jump as usual. */ \
  H(Call, samples_->calls.push(PC() + static_cast<uint32_t>(ip->imm) * kParcelBytes); goto TWIN(Jal);) \
  H(CallReg, samples_->calls.push((RS1 + static_cast<uint32_t>(ip->imm)) & ~1u); goto TWIN(Jalr);) \
  H(Ret, samples_->calls.pop(); goto TWIN(Jalr);)                                    \
  H(JumpFar, {                                                                       \
    const uint32_t w = static_cast<uint32_t>(ip->imm);                               \
    const uint32_t rd = (w >> 7) & 31;                                               \
    m_addr = PC() + static_cast<uint32_t>(imm_j(w));                                 \
    if (m_addr & misaligned) TRAP(kInsnMisaligned, m_addr); /* rd is not written */   \
    if (rd) x[rd] = PC() + INSN_PARCELS * kParcelBytes;                              \
    m_parcels = INSN_PARCELS;                                                        \
    cyc += tm.taken;                                                                 \
    goto far_target;                                                                 \
  })                                                                                 \
  H(BranchFar, {                                                                     \
    const uint32_t w = static_cast<uint32_t>(ip->imm);                               \
    const uint32_t a = x[(w >> 15) & 31], b = x[(w >> 20) & 31];                     \
    bool taken = false;                                                              \
    switch ((w >> 12) & 7) {                                                         \
      case 0: taken = a == b; break;                                                 \
      case 1: taken = a != b; break;                                                 \
      case 4: taken = static_cast<int32_t>(a) < static_cast<int32_t>(b); break;      \
      case 5: taken = static_cast<int32_t>(a) >= static_cast<int32_t>(b); break;     \
      case 6: taken = a < b; break;                                                  \
      default: taken = a >= b; break;                                                \
    }                                                                                \
    if (!taken) {                                                                    \
      cyc += tm.branch;                                                              \
      NEXT();                                                                        \
    }                                                                                \
    m_addr = PC() + static_cast<uint32_t>(imm_b(w));                                 \
    if (m_addr & misaligned) TRAP(kInsnMisaligned, m_addr);                           \
    m_parcels = INSN_PARCELS;                                                        \
    cyc += tm.taken;                                                                 \
    goto far_target;                                                                 \
  })                                                                                 \
  H(Beq, BRANCH(RS1 == RS2);)                                                        \
  H(Bne, BRANCH(RS1 != RS2);)                                                        \
  H(Lw, LOAD(4, 3, load_u32(p), RD, false);)                                         \
  H(Sw, STORE(4, 3, RS2);)                                                           \
  H(Addi, ALU(RS1 + static_cast<uint32_t>(ip->imm));)                                \
  H(Andi, ALU(RS1 & static_cast<uint32_t>(ip->imm));)                                \
  H(Slli, ALU(RS1 << ip->imm);)                                                      \
  H(Srli, ALU(RS1 >> ip->imm);)                                                      \
  H(Srai, ALU(static_cast<uint32_t>(static_cast<int32_t>(RS1) >> ip->imm));)         \
  H(Add, ALU(RS1 + RS2);)                                                            \
  H(Sub, ALU(RS1 - RS2);)                                                            \
  H(Xor, ALU(RS1 ^ RS2);)                                                            \
  H(Or, ALU(RS1 | RS2);)                                                             \
  H(And, ALU(RS1 & RS2);)                                                            \
  H(Flw, {                                                                           \
    FP_BEGIN();                                                                      \
    LOAD(4, 3, load_u32(p), FD, false);                                              \
  })                                                                                 \
  H(Fsw, {                                                                           \
    FP_BEGIN();                                                                      \
    STORE(4, 3, F2);                                                                 \
  })                                                                                 \
  /* Only ebreak is compressed (c.ebreak), and it traps: exec_system's pc steps are 4. */ \
  H(System, {                                                                        \
    SYNC_OUT();                                                                      \
    const StopReason why = exec_system(static_cast<uint32_t>(ip->imm));              \
    if (why != StopReason::Limit) return why; /* halted or asleep */                 \
    if constexpr (kStep) {                                                           \
      step_end_ = StepEnd::Always;                                                   \
      return StopReason::Step;                                                       \
    }                                                                                \
    SYNC_IN();                                                                       \
    goto events; /* a CSR write may have enabled a pending interrupt */              \
  })

#define TWIN(name) L_##name
#define WVP_HANDLER(name, ...) L_##name: __VA_ARGS__
  WVP_TWINNED_HANDLERS(WVP_HANDLER)
#undef TWIN
#undef INSN_PARCELS
#define INSN_PARCELS 1
#define TWIN(name) LC_##name
#undef WVP_HANDLER
#define WVP_HANDLER(name, ...) LC_##name: __VA_ARGS__
  WVP_TWINNED_HANDLERS(WVP_HANDLER)
#undef TWIN
#undef INSN_PARCELS
#define INSN_PARCELS 2
#undef WVP_HANDLER
#undef WVP_TWINNED_HANDLERS

L_Blt: BRANCH(static_cast<int32_t>(RS1) < static_cast<int32_t>(RS2));
L_Bge: BRANCH(static_cast<int32_t>(RS1) >= static_cast<int32_t>(RS2));
L_Bltu: BRANCH(RS1 < RS2);
L_Bgeu: BRANCH(RS1 >= RS2);

L_Lb: LOAD(1, 0, static_cast<uint32_t>(static_cast<int8_t>(*p)), RD, true);
L_Lh: LOAD(2, 1, static_cast<uint32_t>(static_cast<int16_t>(load_u16(p))), RD, true);
L_Lbu: LOAD(1, 0, *p, RD, false);
L_Lhu: LOAD(2, 1, load_u16(p), RD, false);
L_Sb: STORE(1, 0, RS2);
L_Sh: STORE(2, 1, RS2);

L_Slti: ALU(static_cast<int32_t>(RS1) < ip->imm);
L_Sltiu: ALU(RS1 < static_cast<uint32_t>(ip->imm));
L_Xori: ALU(RS1 ^ static_cast<uint32_t>(ip->imm));
L_Ori: ALU(RS1 | static_cast<uint32_t>(ip->imm));
L_Sll: ALU(RS1 << (RS2 & 31));
L_Slt: ALU(static_cast<int32_t>(RS1) < static_cast<int32_t>(RS2));
L_Sltu: ALU(RS1 < RS2);
L_Srl: ALU(RS1 >> (RS2 & 31));
L_Sra: ALU(static_cast<uint32_t>(static_cast<int32_t>(RS1) >> (RS2 & 31)));

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
  ADVANCE(m_parcels);
  if constexpr (kStep) goto step_done;
  DISPATCH();
slow_done:
  ++instret_;
  pc_ += m_parcels * kParcelBytes;
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
#undef ADVANCE
#undef INSN_PARCELS
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
