#include "platform/report/insn_trace.h"

#include <cinttypes>
#include <stdexcept>

#include "models/core/compressed.h"
#include "models/core/disassemble.h"

namespace wvp {

InsnTrace::InsnTrace(const std::string& path, uint32_t width)
    : path_(path), file_(path.empty() ? stderr : std::fopen(path.c_str(), "w")), width_(width) {
  if (!file_) throw std::runtime_error(path + ": cannot write the instruction trace");
}

InsnTrace::~InsnTrace() {
  if (file_ != stderr) std::fclose(file_);
}

void InsnTrace::executed(const Core& core, uint64_t cycle, uint32_t pc, uint32_t insn, bool trapped) {
  const uint32_t tile = core.hart_id();
  std::string effect;
  if (trapped) {
    uint32_t cause = 0;
    core.read_csr(0x342, cause);
    effect = "trap mcause " + std::to_string(cause);
  } else if (const DestRegister d = dest_register(insn); d.kind != DestRegister::None) {
    char value[24];
    std::snprintf(value, sizeof value, "=%08x", d.kind == DestRegister::X ? core.gpr(d.index) : core.fpr(d.index));
    effect = std::string(d.kind == DestRegister::X ? x_register_name(d.index) : f_register_name(d.index)) + value;
  }
  const std::string text = disassemble(insn, pc);
  // A 2-byte instruction's 4 hex digits, as objdump shows them.
  std::fprintf(file_, is_compressed(insn) && insn <= 0xffff ? "%12" PRIu64 " (%u,%u) %08x: %04x      " : "%12" PRIu64 " (%u,%u) %08x: %08x  ",
               cycle, tile % width_, tile / width_, pc, insn);
  if (effect.empty()) std::fprintf(file_, "%s\n", text.c_str());
  else std::fprintf(file_, "%-32s  %s\n", text.c_str(), effect.c_str());
}

void InsnTrace::finish() {
  if (std::fflush(file_) != 0 || std::ferror(file_))
    throw std::runtime_error((path_.empty() ? std::string("stderr") : path_) + ": cannot write the instruction trace");
}

}  // namespace wvp
