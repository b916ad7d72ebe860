// RV32IMF + Zicsr instruction decoder into the cached Op form.
#pragma once
#include <cstdint>

#include "models/core/code_cache.h"

namespace wvp {

// Decodes `insn` located at `pc`. Direct jump and branch targets are resolved to an Op index
// delta when they are 4-byte aligned and inside [exec_base, exec_base + exec_size); otherwise
// the instruction decodes to kJumpFar / kBranchFar and is resolved when it executes.
Op decode(uint32_t insn, uint32_t pc, uint64_t exec_base, uint32_t exec_size);

// Immediate extraction, shared with the slow paths.
inline int32_t imm_i(uint32_t w) { return static_cast<int32_t>(w) >> 20; }
inline int32_t imm_s(uint32_t w) { return (static_cast<int32_t>(w) >> 25 << 5) | ((w >> 7) & 0x1f); }
inline int32_t imm_b(uint32_t w) {
  return (static_cast<int32_t>(w) >> 31 << 12) | ((w << 4) & 0x800) | ((w >> 20) & 0x7e0) | ((w >> 7) & 0x1e);
}
inline int32_t imm_j(uint32_t w) {
  return (static_cast<int32_t>(w) >> 31 << 20) | (w & 0xff000) | ((w >> 9) & 0x800) | ((w >> 20) & 0x7fe);
}

}  // namespace wvp
