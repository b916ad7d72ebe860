// The C extension (RVC) for RV32IMF: each 2-byte instruction stands for a 4-byte one, which the
// decoder then decodes as usual (unprivileged ISA, chapter "C" Standard Extension).
#pragma once
#include <cstdint>

namespace wvp {

// A 2-byte instruction's low bits are not 0b11; 4-byte ones' are.
inline bool is_compressed(uint32_t insn) { return (insn & 3) != 3; }

// The 4-byte instruction that the 2-byte `parcel` expands to, or 0 (itself no valid
// instruction) when the parcel is illegal here: the all-zero parcel, reserved encodings
// (c.addi4spn and c.addi16sp with a zero immediate, c.lui with a zero immediate, c.lwsp with
// rd x0, c.jr with rs1 x0, RV32 shifts by 32 or more), and RV64 or D forms (c.fld, c.fsd,
// c.fldsp, c.fsdsp, c.subw, c.addw). HINTs (c.nop with an immediate, c.li to x0, ...) expand to
// instructions that write x0 or change nothing, as the manual allows.
uint32_t expand_compressed(uint32_t parcel);

}  // namespace wvp
