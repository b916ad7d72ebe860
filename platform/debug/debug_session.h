// Connects the GDB stub to the wafer: the exposed cores are GDB threads, breakpoints and
// watchpoints apply to them, and every stop halts the whole simulation (all-stop).
#pragma once
#include <chrono>
#include <cstdint>
#include <iosfwd>
#include <string>
#include <vector>

#include "models/core/core.h"
#include "platform/debug/debug_target.h"
#include "platform/debug/gdb_server.h"
#include "platform/assembly/wafer.h"

namespace wvp {

struct GdbOptions {
  uint16_t port = 0;
  std::string bind_address = "127.0.0.1";
  // Cores exposed as GDB threads: a window [x0, x0+w) x [y0, y0+h); empty = the whole grid.
  uint32_t x0 = 0, y0 = 0, width = 0, height = 0;
};

// "X0,Y0:WxH" -> window; throws ConfigError.
void parse_core_window(const std::string& text, GdbOptions& gdb);
// Throws ConfigError when the window does not fit a `width` x `height` grid.
void check_core_window(const GdbOptions& gdb, uint32_t width, uint32_t height);


class DebugSession : public DebugTarget {
 public:
  // Exposes the cores in the options' window (the whole grid when it is empty), listens, and
  // installs itself as the cluster's debug hook. Throws ConfigError for a window off the grid.
  DebugSession(Wafer& wafer, const GdbOptions& options);

  uint16_t port() const { return server_.port(); }
  void wait_for_client() { server_.wait_for_client(); }
  void on_exit(int exit_code) { server_.on_exit(exit_code); }

  std::vector<DebugThread> threads() const override;
  bool read_gpr(int thread, int index, uint32_t& value) const override;
  bool write_gpr(int thread, int index, uint32_t value) override;
  bool read_pc(int thread, uint32_t& value) const override;
  bool write_pc(int thread, uint32_t value) override;
  bool read_fpr(int thread, int index, uint32_t& value) const override;
  bool write_fpr(int thread, int index, uint32_t value) override;
  bool read_csr(int thread, uint32_t csr, uint32_t& value) const override;
  bool write_csr(int thread, uint32_t csr, uint32_t value) override;
  bool read_mem(int thread, uint32_t addr, uint32_t len, uint8_t* out) override;
  bool write_mem(int thread, uint32_t addr, uint32_t len, const uint8_t* in) override;
  bool add_breakpoint(uint32_t addr) override;
  bool remove_breakpoint(uint32_t addr) override;
  bool add_watchpoint(WatchKind kind, uint32_t addr, uint32_t len) override;
  bool remove_watchpoint(WatchKind kind, uint32_t addr, uint32_t len) override;

 private:
  Core* core_of(int thread) const;
  Core& core_of(const Hart& hart) const;
  int thread_of(const Core& core) const;
  void points_changed();
  CoreCluster::DebugDecision on_stop(Core& core, StopReason why);
  bool poll_interrupt();

  Wafer& wafer_;
  std::vector<uint32_t> exposed_;  // tiles; thread id = index + 1
  DebugPoints points_;
  GdbServer server_;
  bool first_stop_ = true;
  bool detached_ = false;
  std::chrono::steady_clock::time_point next_poll_;
};

}  // namespace wvp
