#include "platform/debug/core_file.h"

#include <csignal>
#include <cstring>
#include <fstream>
#include <stdexcept>

#include "abi/wvp/tile_map.h"
#include "platform/assembly/wafer.h"

namespace wvp {

namespace {

// ELF constants (the System V ABI, and the Linux note types GDB's core reader knows).
constexpr uint16_t kEtCore = 4, kEmRiscv = 243;
constexpr uint32_t kPtLoad = 1, kPtNote = 4;
constexpr uint32_t kPfRwx = 7;
constexpr uint32_t kNtPrstatus = 1, kNtFpregset = 2;
constexpr uint32_t kEhdrBytes = 52, kPhdrBytes = 32;
// struct elf_prstatus of a 32-bit Linux process: signal info, then the general registers at
// byte 72 (elf_gregset_t: pc, x1..x31), then pr_fpvalid.
constexpr uint32_t kPrstatusBytes = 204, kPrCursig = 12, kPrPid = 24, kPrReg = 72, kPrFpvalid = 200;
// f0..f31, fcsr and 4 bytes of padding: Linux hands out the F state so, and GDB wants it whole.
constexpr uint32_t kFpregsetBytes = 32 * 4 + 8;
constexpr uint32_t kMemoryAlign = 4096;

class Bytes {
 public:
  void u8(uint8_t v) { data_.push_back(v); }
  void u16(uint16_t v) { raw(&v, 2); }
  void u32(uint32_t v) { raw(&v, 4); }
  void raw(const void* p, size_t n) {
    const auto* b = static_cast<const uint8_t*>(p);
    data_.insert(data_.end(), b, b + n);
  }
  void pad_to(size_t size) { data_.resize(size, 0); }
  size_t size() const { return data_.size(); }
  const std::vector<uint8_t>& data() const { return data_; }
  // A note named "CORE" with `desc`, each part padded to 4 bytes as the ELF spec asks.
  void note(uint32_t type, const std::vector<uint8_t>& desc) {
    u32(5), u32(static_cast<uint32_t>(desc.size())), u32(type);
    raw("CORE\0\0\0", 8);
    raw(desc.data(), desc.size());
    pad_to((size() + 3) & ~size_t{3});
  }

 private:
  std::vector<uint8_t> data_;
};

void put32(std::vector<uint8_t>& b, uint32_t offset, uint32_t v) { std::memcpy(&b[offset], &v, 4); }

std::vector<uint8_t> prstatus(const PeSnapshot& pe) {
  std::vector<uint8_t> d(kPrstatusBytes, 0);
  put32(d, 0, static_cast<uint32_t>(pe.signal));  // pr_info.si_signo
  const auto cursig = static_cast<uint16_t>(pe.signal);
  std::memcpy(&d[kPrCursig], &cursig, 2);
  put32(d, kPrPid, pe.hart + 1);
  put32(d, kPrReg, pe.pc);
  for (uint32_t i = 1; i < 32; ++i) put32(d, kPrReg + 4 * i, pe.x[i]);
  put32(d, kPrFpvalid, 1);
  return d;
}

std::vector<uint8_t> fpregset(const PeSnapshot& pe) {
  std::vector<uint8_t> d(kFpregsetBytes, 0);
  for (uint32_t i = 0; i < 32; ++i) put32(d, 4 * i, pe.f[i]);
  put32(d, 128, pe.fcsr);
  return d;
}

}  // namespace

int signal_of_trap(uint32_t mcause) {
  switch (mcause) {
    case 0: case 4: case 6: return SIGBUS;            // misaligned fetch, load, store
    case 1: case 5: case 7: return SIGSEGV;           // access faults
    case 2: return SIGILL;
    case 3: return SIGTRAP;                           // ebreak
    default: return 0;
  }
}

PeSnapshot snapshot_pe(const Wafer& wafer, uint32_t x, uint32_t y, uint32_t elf_flags) {
  const Core& core = wafer.core(x, y);
  PeSnapshot pe;
  pe.pc = core.pc();
  for (int i = 1; i < 32; ++i) pe.x[i] = core.gpr(i);
  for (int i = 0; i < 32; ++i) pe.f[i] = core.fpr(i);
  core.read_csr(0x003, pe.fcsr);
  pe.hart = core.hart_id();
  if (core.faulted()) pe.signal = signal_of_trap(core.fault().cause);
  pe.elf_flags = elf_flags;
  pe.memory_base = WVP_SRAM_BASE;
  pe.memory.resize(wafer.sram().params().size_bytes);
  wafer.sram().read(wafer.tile_index(x, y), 0, pe.memory.data(), static_cast<uint32_t>(pe.memory.size()));
  return pe;
}

void write_core_file(const std::string& path, const PeSnapshot& pe) {
  Bytes notes;
  notes.note(kNtPrstatus, prstatus(pe));
  notes.note(kNtFpregset, fpregset(pe));
  const uint32_t notes_at = kEhdrBytes + 2 * kPhdrBytes;
  const auto notes_bytes = static_cast<uint32_t>(notes.size());
  const uint32_t memory_at = (notes_at + notes_bytes + kMemoryAlign - 1) / kMemoryAlign * kMemoryAlign;
  const auto memory_bytes = static_cast<uint32_t>(pe.memory.size());

  Bytes file;
  file.raw("\x7f" "ELF", 4);
  file.u8(1), file.u8(1), file.u8(1);  // ELFCLASS32, little-endian, EV_CURRENT
  file.pad_to(16);
  file.u16(kEtCore), file.u16(kEmRiscv), file.u32(1);
  file.u32(0), file.u32(kEhdrBytes), file.u32(0);  // entry, program headers, no section headers
  file.u32(pe.elf_flags);
  file.u16(kEhdrBytes), file.u16(kPhdrBytes), file.u16(2), file.u16(0), file.u16(0), file.u16(0);
  // PT_NOTE, then the SRAM.
  file.u32(kPtNote), file.u32(notes_at), file.u32(0), file.u32(0), file.u32(notes_bytes), file.u32(0), file.u32(0), file.u32(4);
  file.u32(kPtLoad), file.u32(memory_at), file.u32(pe.memory_base), file.u32(0), file.u32(memory_bytes), file.u32(memory_bytes),
      file.u32(kPfRwx), file.u32(kMemoryAlign);
  file.raw(notes.data().data(), notes.size());
  file.pad_to(memory_at);
  file.raw(pe.memory.data(), pe.memory.size());

  std::ofstream out(path, std::ios::binary | std::ios::trunc);
  out.write(reinterpret_cast<const char*>(file.data().data()), static_cast<std::streamsize>(file.size()));
  if (!out.flush()) throw std::runtime_error(path + ": cannot write the core file");
}

}  // namespace wvp
