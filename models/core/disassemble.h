// RV32IMF(C) + Zicsr instructions as text, a 2-byte one (its low 16 bits) as the one it expands
// to, in the syntax of GNU objdump -d (its aliases such as li, mv, ret, beqz and csrr; registers
// by their ABI names; branch and jump targets as the absolute address in hex, without objdump's
// <symbol>), for the instruction trace.
#pragma once
#include <cstdint>
#include <string>

namespace wvp {

std::string disassemble(uint32_t insn, uint32_t pc);

// The register an instruction writes, to show its new value beside the trace line.
struct DestRegister {
  enum Kind : uint8_t { None, X, F } kind = None;
  uint8_t index = 0;
};
DestRegister dest_register(uint32_t insn);

const char* x_register_name(uint32_t index);
const char* f_register_name(uint32_t index);
// "mstatus", "fcsr", ...; nullptr for a CSR the core does not know by name.
const char* csr_name(uint32_t csr);

}  // namespace wvp
