// Instruction encoders for hand-written test programs (RISC-V unprivileged ISA, chapter 2 formats).
#pragma once
#include <cstdint>

#include "models/core/encode.h"

namespace wvp::test::rv {

using encode::b_type;
using encode::i_type;
using encode::j_type;
using encode::r_type;
using encode::s_type;

constexpr uint32_t addi(uint32_t rd, uint32_t rs1, int32_t imm) { return i_type(imm, rs1, 0, rd, 0x13); }
constexpr uint32_t add(uint32_t rd, uint32_t rs1, uint32_t rs2) { return r_type(0, rs2, rs1, 0, rd, 0x33); }
constexpr uint32_t lui(uint32_t rd, uint32_t imm20) { return (imm20 << 12) | (rd << 7) | 0x37; }
constexpr uint32_t lw(uint32_t rd, uint32_t rs1, int32_t imm) { return i_type(imm, rs1, 2, rd, 0x03); }
constexpr uint32_t sw(uint32_t rs2, uint32_t rs1, int32_t imm) { return s_type(imm, rs2, rs1, 2, 0x23); }
constexpr uint32_t bne(uint32_t rs1, uint32_t rs2, int32_t off) { return b_type(off, rs2, rs1, 1); }
constexpr uint32_t jal(uint32_t rd, int32_t off) { return j_type(off, rd); }
constexpr uint32_t csrrw(uint32_t rd, uint32_t csr, uint32_t rs1) { return i_type(static_cast<int32_t>(csr), rs1, 1, rd, 0x73); }
constexpr uint32_t csrrs(uint32_t rd, uint32_t csr, uint32_t rs1) { return i_type(static_cast<int32_t>(csr), rs1, 2, rd, 0x73); }
constexpr uint32_t csrrsi(uint32_t rd, uint32_t csr, uint32_t uimm) { return i_type(static_cast<int32_t>(csr), uimm, 6, rd, 0x73); }
constexpr uint32_t kEcall = 0x00000073, kEbreak = 0x00100073, kMret = 0x30200073, kWfi = 0x10500073;

}  // namespace wvp::test::rv
