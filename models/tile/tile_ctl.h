// The tiles' control blocks: per tile a CLINT-compatible timer window (msip, mtimecmp, mtime) and
// the sysctl window (tile identity, console, exit, profiler markers, a word for the host), all
// behind one TLM-2.0 target, the tile above the 32-bit offset of each transaction
// (tlm/tile_address.h), and a RegisterTarget for the cores' fast path (engine/register_target.h).
// The registers are in abi/wvp/tile_map.h.
#pragma once
#include <cstdint>
#include <functional>
#include <string>

#include <systemc>
#include <tlm>
#include <tlm_utils/simple_target_socket.h>
#include "abi/wvp/phases.h"

#include "engine/clock.h"
#include "engine/register_target.h"
#include "models/core/core_array.h"

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

class TileCtl : public sc_core::sc_module, public RegisterTarget {
 public:
  tlm_utils::simple_target_socket<TileCtl> socket;

  // `console` receives each complete line a core prints (without the newline).
  using LineSink = std::function<void(const TileIdentity&, const std::string& line)>;
  // Receives each word a core writes for the host, at the simulated time of the write.
  using WordSink = std::function<void(const TileIdentity&, uint32_t word, uint64_t time_ps)>;

  // The control blocks of a grid_w x grid_h grid, tile t at (t % grid_w, t / grid_w), whose
  // cores are `cores`'s (added before the simulation), clocked by `clock`. The markers go to
  // `phases`. mtime counts the tile's core's cycles.
  TileCtl(sc_core::sc_module_name name, CoreArray& cores, const Clock& clock, uint32_t grid_w, uint32_t grid_h,
          uint32_t sram_bytes, LineSink console, PhaseSink& phases);

  TileIdentity identity(uint32_t tile) const { return {tile % grid_w_, tile / grid_w_, grid_w_, grid_h_, sram_bytes_}; }

  // Without a sink, a write to the host-out register is an access error: nothing would take it.
  void set_host_out(WordSink sink) { host_out_ = std::move(sink); }

  // Emits the tiles' pending partial lines (at the end of simulation), in tile order.
  void flush_console();
  uint64_t console_bytes(uint32_t tile) const { return tiles_[tile].console_bytes; }
  uint64_t host_bytes() const { return tiles_.capacity() * sizeof(TileState); }  // partial lines aside

  // RegisterTarget: 32-bit registers, and byte writes to the console for convenience.
  tlm::tlm_response_status access_register(RegisterAccess& a) override;

  // The consoles' partial lines and the marker registers (the CLINT's state is the cores').
  void checkpoint(Snapshot& s) {
    Snapshot::Section section(s, "tile_ctl");
    s.expect(tiles_.size(), "the tiles");
    s.io(tiles_);
  }

 private:
  void b_transport(tlm::tlm_generic_payload& gp, sc_core::sc_time& delay);
  unsigned int transport_dbg(tlm::tlm_generic_payload& gp);
  // One 32-bit register access at a window offset of `tile` at `cycle`; false for an unmapped register.
  bool access(uint32_t tile, uint64_t addr, bool write, uint32_t& value, uint64_t cycle);
  void put_console(uint32_t tile, char c);

  // What a tile's block holds beyond its core's state.
  struct TileState {
    std::string line;  // the console's partial line
    uint64_t console_bytes = 0;
    // The marker registers: a new step sets the activity back to CORE.
    uint8_t step = WVP_STEP_SETUP, layer = WVP_NO_LAYER, activity = WVP_ACTIVITY_CORE;
    void checkpoint(Snapshot& s) { s.fields(line, console_bytes, step, layer, activity); }
  };

  CoreArray& cores_;
  const Clock clock_;
  const uint32_t grid_w_, grid_h_, sram_bytes_;
  LineSink console_;
  WordSink host_out_;
  PhaseSink& phases_;
  std::vector<TileState> tiles_;
};

}  // namespace wvp
