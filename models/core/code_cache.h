// The decode cache: one Op per 2-byte parcel of executable memory (where an instruction may
// start), filled on first execution; a 4-byte instruction's second parcel stays undecoded.
// Cores running the same image share one cache as long as none of them writes into the image's
// executable range; the first such write gives that core a private copy (copy on write).
#pragma once
#include <cstdint>
#include <memory>
#include <vector>

namespace wvp {

// Decoded instruction kinds, each with whether a 2-byte instruction (C extension) can stand for
// it: those kinds have a compressed twin, kind + kOpKindCount, whose handler advances by 2
// bytes. kNeedDecode is first, zero, so a zero-filled cache means "not decoded".
// kCall, kCallReg and kRet are jal/jalr as calls and returns, decoded so only for sampled cores
// (call_samples.h).
#define WVP_OP_KINDS(X)                                                                              \
  X(NeedDecode, 0) X(End, 0) X(Illegal, 0) X(BreakpointOp, 0)                                         \
  X(Lui, 1) X(Auipc, 0) X(Jal, 1) X(Jalr, 1) X(JumpFar, 1)                                            \
  X(Beq, 1) X(Bne, 1) X(Blt, 0) X(Bge, 0) X(Bltu, 0) X(Bgeu, 0) X(BranchFar, 1)                       \
  X(Lb, 0) X(Lh, 0) X(Lw, 1) X(Lbu, 0) X(Lhu, 0) X(Sb, 0) X(Sh, 0) X(Sw, 1)                           \
  X(Addi, 1) X(Slti, 0) X(Sltiu, 0) X(Xori, 0) X(Ori, 0) X(Andi, 1) X(Slli, 1) X(Srli, 1) X(Srai, 1)  \
  X(Add, 1) X(Sub, 1) X(Sll, 0) X(Slt, 0) X(Sltu, 0) X(Xor, 1) X(Srl, 0) X(Sra, 0) X(Or, 1) X(And, 1) \
  X(Mul, 0) X(Mulh, 0) X(Mulhsu, 0) X(Mulhu, 0) X(Div, 0) X(Divu, 0) X(Rem, 0) X(Remu, 0)             \
  X(Fence, 0) X(System, 1)                                                                            \
  X(Flw, 1) X(Fsw, 1) X(Fmadd, 0) X(Fmsub, 0) X(Fnmsub, 0) X(Fnmadd, 0)                               \
  X(Fadd, 0) X(Fsub, 0) X(Fmul, 0) X(Fdiv, 0) X(Fsqrt, 0)                                             \
  X(Fsgnj, 0) X(Fsgnjn, 0) X(Fsgnjx, 0) X(Fmin, 0) X(Fmax, 0) X(FcvtWS, 0) X(FcvtWuS, 0)              \
  X(FmvXW, 0) X(Feq, 0) X(Flt, 0) X(Fle, 0) X(Fclass, 0) X(FcvtSW, 0) X(FcvtSWu, 0) X(FmvWX, 0)       \
  X(Call, 1) X(CallReg, 1) X(Ret, 1)

enum OpKind : uint8_t {
#define WVP_OP_KIND(name, compressible) k##name,
  WVP_OP_KINDS(WVP_OP_KIND)
#undef WVP_OP_KIND
  kOpKindCount
};

// The cache's unit: instructions start on any 2-byte boundary with the C extension.
constexpr uint32_t kParcelBytes = 2;

constexpr uint8_t compressed_kind(OpKind kind) { return static_cast<uint8_t>(kind + kOpKindCount); }
constexpr bool is_compressed_kind(uint8_t kind) { return kind >= kOpKindCount; }
constexpr OpKind base_kind(uint8_t kind) { return static_cast<OpKind>(kind >= kOpKindCount ? kind - kOpKindCount : kind); }

// `handler` is the interpreter's code for `kind` (set by the cache, see format()), so dispatch is
// a single indirect jump. Register fields are already mapped (rd 0 -> 32, the sink). `imm`
// holds the immediate; for branches and jal the target as an Op index delta (parcels); for FP ops with
// rounding the rm field (bits 0-2) and rs3 (bits 8-12); for kSystem/kJumpFar/kBranchFar/
// kIllegal the raw word.
struct Op {
  const void* handler;
  uint8_t kind, rd, rs1, rs2;
  int32_t imm;
};
static_assert(sizeof(Op) == 16);

// The interpreter's handler addresses, indexed by OpKind and then by compressed kind
// (2 x kOpKindCount entries).
using HandlerTable = const void* const*;

class CodeCache {
 public:
  // Covers [base, base + size_bytes); `shared_lo/hi` is the byte-offset range of the image's
  // executable segments, identical in every core that shares this cache.
  CodeCache(uint64_t base, uint32_t size_bytes, uint32_t shared_lo = 0, uint32_t shared_hi = 0);
  CodeCache(const CodeCache& other) = default;  // a private copy

  // Binds the cache to the interpreter's handlers and fills every entry; idempotent.
  void format(HandlerTable handlers);
  bool formatted() const { return handlers_ != nullptr; }
  // Stores an Op decoded at `offset` (the cache adds its handler).
  void store(uint32_t offset, Op op) {
    op.handler = handlers_[op.kind];
    ops()[offset / kParcelBytes] = op;
    mark_decoded(offset);
  }

  // Entry i is the parcel at byte offset 2i; entry -1 is a guard, never decoded, so that the
  // parcel before any other can be looked at.
  Op* ops() { return ops_.data() + 1; }
  uint64_t base() const { return base_; }
  uint32_t size_bytes() const { return size_; }
  uint32_t page_shift() const { return page_shift_; }
  // Pages a store must look at: decoded ones, and the shared image range.
  uint64_t watch_mask() const { return decoded_pages_ | shared_pages_; }
  bool in_shared_range(uint32_t offset) const { return offset - shared_lo_ < shared_hi_ - shared_lo_; }
  uint32_t shared_lo() const { return shared_lo_; }
  uint32_t shared_len() const { return shared_hi_ - shared_lo_; }
  void mark_decoded(uint32_t offset) { decoded_pages_ |= 1ull << (offset >> page_shift_); }
  void invalidate_parcel(uint32_t offset) { ops()[offset / kParcelBytes] = Op{handlers_[kNeedDecode], kNeedDecode, 0, 0, 0, 0}; }
  void invalidate_all();
  // Forget the shared range: this copy belongs to one core, which may decode anywhere.
  void make_private() { shared_lo_ = shared_hi_ = 0, shared_pages_ = 0; }

 private:
  uint64_t base_;
  uint32_t size_;
  uint32_t page_shift_;  // pages small enough that one 64-bit mask covers the memory
  uint32_t shared_lo_, shared_hi_;
  uint64_t shared_pages_ = 0, decoded_pages_ = 0;
  HandlerTable handlers_ = nullptr;
  std::vector<Op> ops_;  // the guard, size/2 entries and a kEnd sentinel for running off the end
};

}  // namespace wvp
