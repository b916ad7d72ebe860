// RV32IMF(C) + Zicsr instruction decoder into the cached Op form.
#pragma once
#include <cstdint>

#include "models/core/code_cache.h"

namespace wvp {

// The address bits an instruction's address must have clear: with the C extension instructions
// are 2-byte aligned (IALIGN 16), else 4.
constexpr uint32_t ialign_mask(bool compressed) { return compressed ? 1u : 3u; }

// The executable memory [base, base + size), and whether the cores have the C extension.
struct CodeWindow {
  uint64_t base;
  uint32_t size;
  bool compressed;
};

// Decodes `insn` located at `pc`: a 4-byte instruction, or with the C extension a 2-byte one
// (its low 16 bits) into the Op of the instruction it expands to, of the kind's compressed twin.
// Direct jump and branch targets are resolved to an Op index delta (in 2-byte parcels) when
// they are aligned and inside the window; otherwise the instruction decodes to kJumpFar /
// kBranchFar and is resolved when it executes. An illegal compressed instruction's raw word is
// its 16 bits.
Op decode(uint32_t insn, uint32_t pc, const CodeWindow& code);

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
