// The tile's control block: a CLINT-compatible timer window (msip, mtimecmp, mtime) and the
// sysctl window (tile identity, console, exit, profiler markers, a word for the host). The
// registers are in abi/wvp/tile_map.h.
#pragma once
#include <cstdint>
#include <functional>
#include <string>

#include <systemc>
#include <tlm>
#include <tlm_utils/simple_target_socket.h>
#include "abi/wvp/phases.h"

#include "models/core/core.h"

namespace wvp {

struct TileIdentity {
  uint32_t x = 0, y = 0, grid_w = 1, grid_h = 1;
  uint32_t sram_bytes = 0;
};

// Where the profiler markers (the STEP and ACTIVITY registers, wvp/phases.h) are reported: the
// platform's profiler. Each call comes at the core's local cycle of the write.
class PhaseSink {
 public:
  virtual ~PhaseSink() = default;
  virtual void set_step(uint32_t tile, uint32_t step, uint32_t layer, uint64_t cycle) = 0;
  virtual void set_activity(uint32_t tile, uint32_t activity, uint64_t cycle) = 0;
};

class TileCtl : public sc_core::sc_module {
 public:
  tlm_utils::simple_target_socket<TileCtl> socket;

  // `console` receives each complete line the core prints (without the newline).
  using LineSink = std::function<void(const TileIdentity&, const std::string& line)>;
  // Receives each word the core writes for the host, at the simulated time of the write.
  using WordSink = std::function<void(const TileIdentity&, uint32_t word, uint64_t time_ps)>;

  // The markers go to `phases` as tile `tile_index`'s. mtime counts `core`'s cycles.
  TileCtl(sc_core::sc_module_name name, const TileIdentity& id, Core& core, LineSink console, PhaseSink& phases,
          uint32_t tile_index);

  // Without a sink, a write to the host-out register is an access error: nothing would take it.
  void set_host_out(WordSink sink) { host_out_ = std::move(sink); }

  // Emits a pending partial line (at the end of simulation).
  void flush_console();
  uint64_t console_bytes() const { return console_bytes_; }

 private:
  void b_transport(tlm::tlm_generic_payload& gp, sc_core::sc_time& delay);
  unsigned int transport_dbg(tlm::tlm_generic_payload& gp);
  // One 32-bit register access at a window offset; false for an unmapped register.
  bool access(uint64_t addr, bool write, uint32_t& value, const sc_core::sc_time& when);
  void put_console(char c);

  const TileIdentity id_;
  Core& core_;
  LineSink console_;
  WordSink host_out_;
  std::string line_;
  uint64_t console_bytes_ = 0;
  PhaseSink& phases_;
  const uint32_t tile_index_;
  // The marker registers: a new step sets the activity back to CORE.
  uint8_t step_ = WVP_STEP_SETUP, layer_ = WVP_NO_LAYER, activity_ = WVP_ACTIVITY_CORE;
};

}  // namespace wvp
