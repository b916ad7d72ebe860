// What the GDB remote stub needs from the simulation. The stub is driven from the simulation
// thread: the platform calls GdbServer::on_stop() whenever the whole simulation has halted
// (all-stop), and the stub serves packets until GDB resumes it.
#pragma once
#include <cstdint>
#include <optional>
#include <string>
#include <vector>

namespace wvp {

struct DebugThread {
  int id;     // GDB thread id, >= 1
  int x, y;   // the core's tile
};

enum class WatchKind { Write, Read, Access };

enum class StopKind {
  Breakpoint,  // software breakpoint hit (SIGTRAP)
  Watchpoint,  // data watchpoint hit (SIGTRAP, with watch/rwatch/awatch address)
  Step,        // single step done (SIGTRAP)
  Interrupt,   // Ctrl-C from GDB, or the initial halt before the first instruction (SIGINT/SIGTRAP)
  Fault,       // unhandled firmware trap (SIGSEGV for access faults, SIGILL, SIGBUS)
  Exited,      // every core has finished; exit_code is the platform's exit code
};

struct StopEvent {
  StopKind kind = StopKind::Interrupt;
  int thread = 1;             // the core that stopped the simulation
  uint32_t data_addr = 0;     // watchpoint address
  WatchKind watch = WatchKind::Write;
  int signal = 5;             // POSIX signal number reported to GDB
  int exit_code = 0;
};

struct ResumeAction {
  enum Kind { Continue, Step, Detach, Kill } kind = Continue;
  int thread = 0;  // for Step: the core to step (others stay halted); 0 = current thread
};

class DebugTarget {
 public:
  virtual ~DebugTarget() = default;
  virtual std::vector<DebugThread> threads() const = 0;

  // Registers of one core (all return false for an unknown thread).
  virtual bool read_gpr(int thread, int index, uint32_t& value) const = 0;      // x0..x31
  virtual bool write_gpr(int thread, int index, uint32_t value) = 0;
  virtual bool read_pc(int thread, uint32_t& value) const = 0;
  virtual bool write_pc(int thread, uint32_t value) = 0;
  virtual bool read_fpr(int thread, int index, uint32_t& value) const = 0;      // f0..f31 bits
  virtual bool write_fpr(int thread, int index, uint32_t value) = 0;
  virtual bool read_csr(int thread, uint32_t csr, uint32_t& value) const = 0;   // by CSR number
  virtual bool write_csr(int thread, uint32_t csr, uint32_t value) = 0;

  // Memory as the core sees it (its local SRAM and MMIO), without simulated side effects on time.
  virtual bool read_mem(int thread, uint32_t addr, uint32_t len, uint8_t* out) = 0;
  virtual bool write_mem(int thread, uint32_t addr, uint32_t len, const uint8_t* in) = 0;

  // Breakpoints and watchpoints apply to every exposed core.
  virtual bool add_breakpoint(uint32_t addr) = 0;
  virtual bool remove_breakpoint(uint32_t addr) = 0;
  virtual bool add_watchpoint(WatchKind kind, uint32_t addr, uint32_t len) = 0;
  virtual bool remove_watchpoint(WatchKind kind, uint32_t addr, uint32_t len) = 0;
};

}  // namespace wvp
