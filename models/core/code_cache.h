// The decode cache: one Op per 32-bit word of executable memory, filled on first execution.
// Cores running the same image share one cache as long as none of them writes into the image's
// executable range; the first such write gives that core a private copy (copy on write).
#pragma once
#include <cstdint>
#include <memory>
#include <vector>

namespace wvp {

// Decoded instruction kinds. kNeedDecode is zero so a zero-filled cache means "not decoded".
enum OpKind : uint8_t {
  kNeedDecode = 0, kEnd, kIllegal, kBreakpointOp,
  kLui, kAuipc, kJal, kJalr, kJumpFar,
  kBeq, kBne, kBlt, kBge, kBltu, kBgeu, kBranchFar,
  kLb, kLh, kLw, kLbu, kLhu, kSb, kSh, kSw,
  kAddi, kSlti, kSltiu, kXori, kOri, kAndi, kSlli, kSrli, kSrai,
  kAdd, kSub, kSll, kSlt, kSltu, kXor, kSrl, kSra, kOr, kAnd,
  kMul, kMulh, kMulhsu, kMulhu, kDiv, kDivu, kRem, kRemu,
  kFence, kSystem,
  kFlw, kFsw, kFmadd, kFmsub, kFnmsub, kFnmadd, kFadd, kFsub, kFmul, kFdiv, kFsqrt,
  kFsgnj, kFsgnjn, kFsgnjx, kFmin, kFmax, kFcvtWS, kFcvtWuS, kFmvXW, kFeq, kFlt, kFle,
  kFclass, kFcvtSW, kFcvtSWu, kFmvWX,
  kCall, kCallReg, kRet,  // jal/jalr as calls and returns, decoded so only for sampled cores (call_samples.h)
  kOpKindCount
};

// `handler` is the interpreter's code for `kind` (set by the cache, see format()), so dispatch is
// a single indirect jump. Register fields are already mapped (rd 0 -> 32, the sink). `imm`
// holds the immediate; for branches and jal the target as an Op index delta; for FP ops with
// rounding the rm field (bits 0-2) and rs3 (bits 8-12); for kSystem/kJumpFar/kBranchFar/
// kIllegal the raw word.
struct Op {
  const void* handler;
  uint8_t kind, rd, rs1, rs2;
  int32_t imm;
};
static_assert(sizeof(Op) == 16);

// The interpreter's handler addresses, indexed by OpKind.
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
    ops_[offset >> 2] = op;
    mark_decoded(offset);
  }

  Op* ops() { return ops_.data(); }
  uint64_t base() const { return base_; }
  uint32_t size_bytes() const { return size_; }
  uint32_t page_shift() const { return page_shift_; }
  // Pages a store must look at: decoded ones, and the shared image range.
  uint64_t watch_mask() const { return decoded_pages_ | shared_pages_; }
  bool in_shared_range(uint32_t offset) const { return offset - shared_lo_ < shared_hi_ - shared_lo_; }
  uint32_t shared_lo() const { return shared_lo_; }
  uint32_t shared_len() const { return shared_hi_ - shared_lo_; }
  void mark_decoded(uint32_t offset) { decoded_pages_ |= 1ull << (offset >> page_shift_); }
  void invalidate_word(uint32_t offset) { ops_[offset >> 2] = Op{handlers_[kNeedDecode], kNeedDecode, 0, 0, 0, 0}; }
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
  std::vector<Op> ops_;  // size/4 entries plus a kEnd sentinel for running off the end
};

}  // namespace wvp
