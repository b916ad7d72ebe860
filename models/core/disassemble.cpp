#include "models/core/disassemble.h"

#include <cstdarg>
#include <cstdio>

#include "models/core/compressed.h"
#include "models/core/decode.h"

namespace wvp {

namespace {

constexpr const char* kX[32] = {"zero", "ra", "sp", "gp", "tp", "t0", "t1", "t2", "s0", "s1", "a0",
                                "a1",   "a2", "a3", "a4", "a5", "a6", "a7", "s2", "s3", "s4", "s5",
                                "s6",   "s7", "s8", "s9", "s10", "s11", "t3", "t4", "t5", "t6"};
constexpr const char* kF[32] = {"ft0", "ft1", "ft2",  "ft3",  "ft4", "ft5", "ft6",  "ft7",
                                "fs0", "fs1", "fa0",  "fa1",  "fa2", "fa3", "fa4",  "fa5",
                                "fa6", "fa7", "fs2",  "fs3",  "fs4", "fs5", "fs6",  "fs7",
                                "fs8", "fs9", "fs10", "fs11", "ft8", "ft9", "ft10", "ft11"};
constexpr const char* kRoundingModes[8] = {"rne", "rtz", "rdn", "rup", "rmm", nullptr, nullptr, "dyn"};

struct Fields {
  uint32_t w, opcode, rd, rs1, rs2, rs3, f3, f7;
  explicit Fields(uint32_t word)
      : w(word), opcode(word & 0x7f), rd((word >> 7) & 31), rs1((word >> 15) & 31), rs2((word >> 20) & 31),
        rs3(word >> 27), f3((word >> 12) & 7), f7(word >> 25) {}
};

std::string format(const char* fmt, ...) __attribute__((format(printf, 1, 2)));
std::string format(const char* fmt, ...) {
  char buf[96];
  va_list args;
  va_start(args, fmt);
  std::vsnprintf(buf, sizeof buf, fmt, args);
  va_end(args);
  return buf;
}

std::string unknown(uint32_t w) { return format(".word 0x%08x", w); }


std::string op_imm(const Fields& f) {
  const char* rd = kX[f.rd];
  const char* rs = kX[f.rs1];
  const int32_t imm = imm_i(f.w);
  switch (f.f3) {
    case 0:
      if (f.rd == 0 && f.rs1 == 0 && imm == 0) return "nop";
      if (f.rs1 == 0) return format("li %s,%d", rd, imm);
      if (imm == 0) return format("mv %s,%s", rd, rs);
      return format("add %s,%s,%d", rd, rs, imm);
    case 2: return format("slti %s,%s,%d", rd, rs, imm);
    case 3: return imm == 1 ? format("seqz %s,%s", rd, rs) : format("sltiu %s,%s,%d", rd, rs, imm);
    case 4: return imm == -1 ? format("not %s,%s", rd, rs) : format("xor %s,%s,%d", rd, rs, imm);
    case 6: return format("or %s,%s,%d", rd, rs, imm);
    case 7: return imm == 255 ? format("zext.b %s,%s", rd, rs) : format("and %s,%s,%d", rd, rs, imm);
    case 1: return f.f7 == 0 ? format("sll %s,%s,0x%x", rd, rs, f.rs2) : unknown(f.w);
    default:
      if (f.f7 == 0) return format("srl %s,%s,0x%x", rd, rs, f.rs2);
      if (f.f7 == 0x20) return format("sra %s,%s,0x%x", rd, rs, f.rs2);
      return unknown(f.w);
  }
}

std::string op(const Fields& f) {
  const char* rd = kX[f.rd];
  const char* a = kX[f.rs1];
  const char* b = kX[f.rs2];
  static constexpr const char* kBase[8] = {"add", "sll", "slt", "sltu", "xor", "srl", "or", "and"};
  static constexpr const char* kMul[8] = {"mul", "mulh", "mulhsu", "mulhu", "div", "divu", "rem", "remu"};
  if (f.f7 == 1) return format("%s %s,%s,%s", kMul[f.f3], rd, a, b);
  if (f.f7 == 0x20) {
    if (f.f3 == 0) return f.rs1 == 0 ? format("neg %s,%s", rd, b) : format("sub %s,%s,%s", rd, a, b);
    if (f.f3 == 5) return format("sra %s,%s,%s", rd, a, b);
    return unknown(f.w);
  }
  if (f.f7 != 0) return unknown(f.w);
  if (f.f3 == 3 && f.rs1 == 0) return format("snez %s,%s", rd, b);
  if (f.f3 == 2 && f.rs2 == 0) return format("sltz %s,%s", rd, a);
  if (f.f3 == 2 && f.rs1 == 0) return format("sgtz %s,%s", rd, b);
  return format("%s %s,%s,%s", kBase[f.f3], rd, a, b);
}

std::string branch(const Fields& f, uint32_t pc) {
  static constexpr const char* kNames[8] = {"beq", "bne", nullptr, nullptr, "blt", "bge", "bltu", "bgeu"};
  // objdump's aliases against zero: beqz a0 for beq a0,zero; bgtz a0 for blt zero,a0; ...
  static constexpr const char* kRs2Zero[8] = {"beqz", "bnez", nullptr, nullptr, "bltz", "bgez", nullptr, nullptr};
  static constexpr const char* kRs1Zero[8] = {nullptr, nullptr, nullptr, nullptr, "bgtz", "blez", nullptr, nullptr};
  if (!kNames[f.f3]) return unknown(f.w);
  const uint32_t target = pc + static_cast<uint32_t>(imm_b(f.w));
  if (f.rs2 == 0 && kRs2Zero[f.f3]) return format("%s %s,%x", kRs2Zero[f.f3], kX[f.rs1], target);
  if (f.rs1 == 0 && kRs1Zero[f.f3]) return format("%s %s,%x", kRs1Zero[f.f3], kX[f.rs2], target);
  return format("%s %s,%s,%x", kNames[f.f3], kX[f.rs1], kX[f.rs2], target);
}

std::string csr_text(uint32_t csr) {
  const char* name = csr_name(csr);
  return name ? name : format("0x%x", csr);
}

std::string system(const Fields& f) {
  const uint32_t csr = f.w >> 20;
  if (f.f3 == 0) {
    switch (f.w) {
      case 0x00000073: return "ecall";
      case 0x00100073: return "ebreak";
      case 0x30200073: return "mret";
      case 0x10500073: return "wfi";
      default: return unknown(f.w);
    }
  }
  if (f.f3 == 4) return unknown(f.w);
  if (f.w == 0xc0001073) return "unimp";  // csrrw zero,cycle,zero: the canonical illegal word
  const std::string c = csr_text(csr);
  const char* rd = kX[f.rd];
  const bool imm = f.f3 & 4;
  const std::string src = imm ? format("%u", f.rs1) : kX[f.rs1];  // objdump drops the i of csrwi and the like
  const uint32_t kind = f.f3 & 3;  // 1 rw, 2 rs, 3 rc
  // objdump's aliases: the floating-point CSRs, the counters, and csrr / csrw / csrs / csrc.
  if (!imm && csr <= 3 && csr >= 1) {
    static constexpr const char* kFp[4][2] = {{nullptr, nullptr}, {"frflags", "fsflags"}, {"frrm", "fsrm"}, {"frcsr", "fscsr"}};
    if (kind == 2 && f.rs1 == 0) return format("%s %s", kFp[csr][0], rd);
    if (kind == 1) return f.rd == 0 ? format("%s %s", kFp[csr][1], kX[f.rs1]) : format("%s %s,%s", kFp[csr][1], rd, kX[f.rs1]);
  }
  if (imm && kind == 1 && (csr == 1 || csr == 2)) {
    const char* name = csr == 1 ? "fsflagsi" : "fsrmi";
    return format("%s %s,%u", name, rd, f.rs1);  // objdump names rd even when it is zero
  }
  if (!imm && kind == 2 && f.rs1 == 0) {
    static constexpr struct { uint32_t csr; const char* name; } kCounters[] = {
        {0xc00, "rdcycle"}, {0xc01, "rdtime"}, {0xc02, "rdinstret"}, {0xc80, "rdcycleh"}, {0xc81, "rdtimeh"}, {0xc82, "rdinstreth"}};
    for (const auto& counter : kCounters)
      if (counter.csr == csr) return format("%s %s", counter.name, rd);
    return format("csrr %s,%s", rd, c.c_str());
  }
  static constexpr const char* kShort[4] = {nullptr, "csrw", "csrs", "csrc"};
  static constexpr const char* kFull[4] = {nullptr, "csrrw", "csrrs", "csrrc"};
  if (kind == 0) return unknown(f.w);
  if (f.rd == 0) return format("%s %s,%s", kShort[kind], c.c_str(), src.c_str());
  return format("%s %s,%s,%s", kFull[kind], rd, c.c_str(), src.c_str());
}

std::string rounding(uint32_t rm) { return rm == 7 ? "" : std::string(",") + kRoundingModes[rm]; }

std::string op_fp(const Fields& f) {
  const char* d = kF[f.rd];
  const char* a = kF[f.rs1];
  const char* b = kF[f.rs2];
  const uint32_t rm = f.f3;
  const bool rm_ok = rm <= 4 || rm == 7;
  switch (f.f7) {
    case 0x00: case 0x04: case 0x08: case 0x0c: {
      static constexpr const char* kNames[4] = {"fadd.s", "fsub.s", "fmul.s", "fdiv.s"};
      if (!rm_ok) return unknown(f.w);
      return format("%s %s,%s,%s%s", kNames[f.f7 >> 2], d, a, b, rounding(rm).c_str());
    }
    case 0x2c:
      if (!rm_ok || f.rs2 != 0) return unknown(f.w);
      return format("fsqrt.s %s,%s%s", d, a, rounding(rm).c_str());
    case 0x10: {
      static constexpr const char* kNames[3] = {"fsgnj.s", "fsgnjn.s", "fsgnjx.s"};
      static constexpr const char* kAliases[3] = {"fmv.s", "fneg.s", "fabs.s"};
      if (f.f3 > 2) return unknown(f.w);
      if (f.rs1 == f.rs2) return format("%s %s,%s", kAliases[f.f3], d, a);
      return format("%s %s,%s,%s", kNames[f.f3], d, a, b);
    }
    case 0x14:
      if (f.f3 > 1) return unknown(f.w);
      return format("%s %s,%s,%s", f.f3 ? "fmax.s" : "fmin.s", d, a, b);
    case 0x60:
      if (!rm_ok || f.rs2 > 1) return unknown(f.w);
      return format("%s %s,%s%s", f.rs2 ? "fcvt.wu.s" : "fcvt.w.s", kX[f.rd], a, rounding(rm).c_str());
    case 0x68:
      if (!rm_ok || f.rs2 > 1) return unknown(f.w);
      return format("%s %s,%s%s", f.rs2 ? "fcvt.s.wu" : "fcvt.s.w", d, kX[f.rs1], rounding(rm).c_str());
    case 0x70:
      if (f.rs2 != 0 || f.f3 > 1) return unknown(f.w);
      return format("%s %s,%s", f.f3 ? "fclass.s" : "fmv.x.w", kX[f.rd], a);
    case 0x78:
      if (f.rs2 != 0 || f.f3 != 0) return unknown(f.w);
      return format("fmv.w.x %s,%s", d, kX[f.rs1]);
    case 0x50: {
      static constexpr const char* kNames[3] = {"fle.s", "flt.s", "feq.s"};
      if (f.f3 > 2) return unknown(f.w);
      return format("%s %s,%s,%s", kNames[f.f3], kX[f.rd], a, b);
    }
    default: return unknown(f.w);
  }
}

std::string fused(const Fields& f) {
  static constexpr const char* kNames[4] = {"fmadd.s", "fmsub.s", "fnmsub.s", "fnmadd.s"};
  if ((f.f7 & 3) != 0 || !(f.f3 <= 4 || f.f3 == 7)) return unknown(f.w);
  return format("%s %s,%s,%s,%s%s", kNames[(f.opcode >> 2) & 3], kF[f.rd], kF[f.rs1], kF[f.rs2], kF[f.rs3],
                rounding(f.f3).c_str());
}

std::string fence(const Fields& f) {
  if (f.f3 == 1) return f.w == 0x0000100f ? "fence.i" : unknown(f.w);
  if (f.f3 != 0) return unknown(f.w);
  const uint32_t pred = (f.w >> 24) & 15, succ = (f.w >> 20) & 15;
  if (pred == 15 && succ == 15) return "fence";
  const auto set = [](uint32_t bits) {
    std::string s;
    for (int i = 3; i >= 0; --i)
      if (bits & (1u << i)) s += "iorw"[3 - i];
    return s;
  };
  return "fence " + set(pred) + "," + set(succ);
}

}  // namespace

const char* x_register_name(uint32_t index) { return kX[index & 31]; }
const char* f_register_name(uint32_t index) { return kF[index & 31]; }

const char* csr_name(uint32_t csr) {
  switch (csr) {
    case 0x001: return "fflags";
    case 0x002: return "frm";
    case 0x003: return "fcsr";
    case 0x100: return "sstatus";
    case 0x300: return "mstatus";
    case 0x301: return "misa";
    case 0x304: return "mie";
    case 0x305: return "mtvec";
    case 0x340: return "mscratch";
    case 0x341: return "mepc";
    case 0x342: return "mcause";
    case 0x343: return "mtval";
    case 0x344: return "mip";
    case 0xb00: return "mcycle";
    case 0xb02: return "minstret";
    case 0xb80: return "mcycleh";
    case 0xb82: return "minstreth";
    case 0xc00: return "cycle";
    case 0xc01: return "time";
    case 0xc02: return "instret";
    case 0xc80: return "cycleh";
    case 0xc81: return "timeh";
    case 0xc82: return "instreth";
    case 0xf11: return "mvendorid";
    case 0xf12: return "marchid";
    case 0xf13: return "mimpid";
    case 0xf14: return "mhartid";
    default: return nullptr;
  }
}

std::string disassemble(uint32_t insn, uint32_t pc) {
  // A 2-byte instruction reads as the one it expands to, as objdump prints it (which calls
  // c.mv "mv", where add rd,zero,rs would be "add"). Undecodable, 2 bytes show as objdump's
  // .2byte and 4 as its .word; so does the all-zero word.
  if (is_compressed(insn) && insn != 0) {
    const uint32_t word = expand_compressed(insn);
    if (!word) return insn > 0xffff ? unknown(insn) : format(".2byte 0x%x", insn);
    if ((insn & 0xf003) == 0x8002 && (insn & 0x7c)) return format("mv %s,%s", kX[(insn >> 7) & 31], kX[(insn >> 2) & 31]);
    return disassemble(word, pc);
  }
  const Fields f(insn);
  switch (f.opcode) {
    case 0x37: return format("lui %s,0x%x", kX[f.rd], insn >> 12);
    case 0x17: return format("auipc %s,0x%x", kX[f.rd], insn >> 12);
    case 0x6f: {
      const uint32_t target = pc + static_cast<uint32_t>(imm_j(insn));
      if (f.rd == 0) return format("j %x", target);
      if (f.rd == 1) return format("jal %x", target);
      return format("jal %s,%x", kX[f.rd], target);
    }
    case 0x67: {
      if (f.f3 != 0) return unknown(insn);
      const int32_t imm = imm_i(insn);
      if (f.rd == 0 && f.rs1 == 1 && imm == 0) return "ret";
      if (f.rd <= 1) {  // jr and jalr without the link register objdump implies
        const char* name = f.rd == 0 ? "jr" : "jalr";
        return imm == 0 ? format("%s %s", name, kX[f.rs1]) : format("%s %d(%s)", name, imm, kX[f.rs1]);
      }
      return imm == 0 ? format("jalr %s,%s", kX[f.rd], kX[f.rs1]) : format("jalr %s,%d(%s)", kX[f.rd], imm, kX[f.rs1]);
    }
    case 0x63: return branch(f, pc);
    case 0x03: {
      static constexpr const char* kNames[8] = {"lb", "lh", "lw", nullptr, "lbu", "lhu", nullptr, nullptr};
      if (!kNames[f.f3]) return unknown(insn);
      return format("%s %s,%d(%s)", kNames[f.f3], kX[f.rd], imm_i(insn), kX[f.rs1]);
    }
    case 0x23: {
      static constexpr const char* kNames[8] = {"sb", "sh", "sw", nullptr, nullptr, nullptr, nullptr, nullptr};
      if (!kNames[f.f3]) return unknown(insn);
      return format("%s %s,%d(%s)", kNames[f.f3], kX[f.rs2], imm_s(insn), kX[f.rs1]);
    }
    case 0x13: return op_imm(f);
    case 0x33: return op(f);
    case 0x0f: return fence(f);
    case 0x73: return system(f);
    case 0x07: return f.f3 == 2 ? format("flw %s,%d(%s)", kF[f.rd], imm_i(insn), kX[f.rs1]) : unknown(insn);
    case 0x27: return f.f3 == 2 ? format("fsw %s,%d(%s)", kF[f.rs2], imm_s(insn), kX[f.rs1]) : unknown(insn);
    case 0x43: case 0x47: case 0x4b: case 0x4f: return fused(f);
    case 0x53: return op_fp(f);
    default: return unknown(insn);
  }
}

DestRegister dest_register(uint32_t insn) {
  if (is_compressed(insn)) insn = expand_compressed(insn);
  const Fields f(insn);
  const auto x = [&f]() { return f.rd == 0 ? DestRegister{} : DestRegister{DestRegister::X, static_cast<uint8_t>(f.rd)}; };
  const DestRegister fp{DestRegister::F, static_cast<uint8_t>(f.rd)};
  switch (f.opcode) {
    case 0x37: case 0x17: case 0x6f: case 0x67: case 0x03: case 0x13: case 0x33: return x();
    case 0x73: return f.f3 != 0 ? x() : DestRegister{};
    case 0x07: case 0x43: case 0x47: case 0x4b: case 0x4f: return fp;
    case 0x53:
      // Compares, fclass, fmv.x.w and the conversions to integers write an x register.
      return f.f7 == 0x50 || f.f7 == 0x60 || f.f7 == 0x70 ? x() : fp;
    default: return {};
  }
}

}  // namespace wvp
