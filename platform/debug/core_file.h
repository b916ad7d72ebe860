// An ELF core file of one PE, laid out as Linux writes one for an RV32 process, so that GDB reads
// it without help: `gdb-multiarch FIRMWARE.elf FILE` shows the PE's backtrace, registers and
// variables as they were when the file was written. The registers go in an NT_PRSTATUS note
// (pc, x1..x31) and an NT_FPREGSET note (f0..f31, fcsr), the tile's SRAM in a loadable segment.
#pragma once
#include <array>
#include <cstdint>
#include <string>
#include <vector>

namespace wvp {

class Wafer;

struct PeSnapshot {
  uint32_t pc = 0;
  std::array<uint32_t, 32> x{};  // x[0] is zero
  std::array<uint32_t, 32> f{};
  uint32_t fcsr = 0;
  uint32_t hart = 0;    // GDB shows it as the LWP (plus one: LWP 0 means none)
  int signal = 0;       // what stopped it, as a POSIX signal number (signal_of_trap); 0: none
  uint32_t elf_flags = 0;  // the firmware's e_flags (its float ABI)
  uint32_t memory_base = 0;
  std::vector<uint8_t> memory;
};

// The PE at (x, y) of `wafer` as it is now: registers and its whole SRAM. A core halted by an
// unhandled trap is stopped with the signal its trap maps to.
PeSnapshot snapshot_pe(const Wafer& wafer, uint32_t x, uint32_t y, uint32_t elf_flags);

// The signal Linux sends for a trap with this mcause (SIGSEGV for an access fault, SIGBUS for a
// misaligned access, SIGILL, SIGTRAP), 0 for a cause that is no fault.
int signal_of_trap(uint32_t mcause);

// Writes `pe` as an ELF core file; throws std::runtime_error naming `path` if it cannot.
void write_core_file(const std::string& path, const PeSnapshot& pe);

}  // namespace wvp
