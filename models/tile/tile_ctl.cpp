#include "models/tile/tile_ctl.h"

#include <algorithm>
#include <cstring>

#include "abi/wvp/tile_map.h"

#include "tlm/ps_time.h"

namespace wvp {

namespace {
// Offsets in the control block's window, which starts at the CLINT and ends after the sysctl.
constexpr uint64_t kSysctl = WVP_SYSCTL_BASE - WVP_CLINT_BASE;
}  // namespace

TileCtl::TileCtl(sc_core::sc_module_name name, const TileIdentity& id, Core& core, LineSink console,
                 PhaseSink& phases, uint32_t tile_index)
    : sc_module(name),
      socket("socket"),
      id_(id),
      core_(core),
      console_(std::move(console)),
      phases_(phases),
      tile_index_(tile_index) {
  socket.register_b_transport(this, &TileCtl::b_transport);
  socket.register_transport_dbg(this, &TileCtl::transport_dbg);
}

void TileCtl::put_console(char c) {
  ++console_bytes_;
  if (c == '\n') {
    if (console_) console_(id_, line_);
    line_.clear();
  } else if (c != '\r') {
    line_.push_back(c);
  }
}

void TileCtl::flush_console() {
  if (!line_.empty() && console_) console_(id_, line_);
  line_.clear();
}

bool TileCtl::access(uint64_t addr, bool write, uint32_t& value, const sc_core::sc_time& when) {
  const uint64_t mtime = core_.clock().cycle_at(when);
  if (addr < WVP_CLINT_SIZE) {
    switch (addr) {
      case WVP_CLINT_MSIP:
        if (write) {
          core_.set_software_irq(value & 1);
        } else {
          uint32_t mip = 0;
          core_.read_csr(0x344, mip);
          value = (mip >> 3) & 1;  // mip.MSIP mirrors this register
        }
        return true;
      case WVP_CLINT_MTIMECMP:
      case WVP_CLINT_MTIMECMP + 4: {
        const int shift = addr == WVP_CLINT_MTIMECMP ? 0 : 32;
        const uint64_t cmp = core_.mtimecmp();
        if (write) core_.set_mtimecmp((cmp & ~(0xffffffffull << shift)) | (uint64_t{value} << shift));
        else value = static_cast<uint32_t>(cmp >> shift);
        return true;
      }
      case WVP_CLINT_MTIME:
      case WVP_CLINT_MTIME + 4:
        if (write) return false;  // mtime is the simulated time; it is not writable here
        value = static_cast<uint32_t>(mtime >> (addr == WVP_CLINT_MTIME ? 0 : 32));
        return true;
      default: return false;
    }
  }
  const uint64_t reg = addr - kSysctl;
  if (addr < kSysctl || reg >= WVP_SYSCTL_SIZE) return false;
  if (write) {
    switch (reg) {
      case WVP_SYSCTL_CONSOLE: put_console(static_cast<char>(value)); return true;
      case WVP_SYSCTL_EXIT: core_.halt(static_cast<int>(value)); return true;
      case WVP_SYSCTL_STEP:
        step_ = value & 0xff, layer_ = (value >> 8) & 0xff, activity_ = WVP_ACTIVITY_CORE;
        phases_.set_step(tile_index_, step_, layer_, mtime);
        return true;
      case WVP_SYSCTL_ACTIVITY:
        activity_ = static_cast<uint8_t>(std::min<uint32_t>(value, 255));
        phases_.set_activity(tile_index_, value, mtime);
        return true;
      case WVP_SYSCTL_HOST_OUT:
        if (!host_out_) return false;
        host_out_(id_, value, to_ps(when));
        return true;
      default: return false;  // the identity registers are read-only
    }
  }
  switch (reg) {
    case WVP_SYSCTL_X: value = id_.x; return true;
    case WVP_SYSCTL_Y: value = id_.y; return true;
    case WVP_SYSCTL_GRID_W: value = id_.grid_w; return true;
    case WVP_SYSCTL_GRID_H: value = id_.grid_h; return true;
    case WVP_SYSCTL_CLOCK_HZ: value = static_cast<uint32_t>(core_.clock().hz()); return true;
    case WVP_SYSCTL_CLOCK_HZ_HI: value = static_cast<uint32_t>(core_.clock().hz() >> 32); return true;
    case WVP_SYSCTL_SRAM_SIZE: value = id_.sram_bytes; return true;
    case WVP_SYSCTL_STEP: value = step_ | uint32_t{layer_} << 8; return true;
    case WVP_SYSCTL_ACTIVITY: value = activity_; return true;
    default: return false;
  }
}

void TileCtl::b_transport(tlm::tlm_generic_payload& gp, sc_core::sc_time& delay) {
  const uint32_t len = gp.get_data_length();
  const uint64_t addr = gp.get_address();
  // Registers are 32-bit; byte writes to the console are allowed for convenience.
  const bool console_byte = len == 1 && gp.is_write() && addr == kSysctl + WVP_SYSCTL_CONSOLE;
  if ((len != 4 || (addr & 3)) && !console_byte) {
    gp.set_response_status(tlm::TLM_ADDRESS_ERROR_RESPONSE);
    return;
  }
  uint32_t value = 0;
  if (gp.is_write()) std::memcpy(&value, gp.get_data_ptr(), len);
  if (!access(addr, gp.is_write(), value, sc_core::sc_time_stamp() + delay)) {
    gp.set_response_status(tlm::TLM_ADDRESS_ERROR_RESPONSE);
    return;
  }
  if (gp.is_read()) std::memcpy(gp.get_data_ptr(), &value, 4);
  gp.set_response_status(tlm::TLM_OK_RESPONSE);
}

unsigned int TileCtl::transport_dbg(tlm::tlm_generic_payload& gp) {
  // Debug reads see the registers without side effects; debug writes are refused.
  if (!gp.is_read() || gp.get_data_length() != 4 || (gp.get_address() & 3)) return 0;
  uint32_t value = 0;
  if (!access(gp.get_address(), false, value, sc_core::sc_time_stamp())) return 0;
  std::memcpy(gp.get_data_ptr(), &value, 4);
  return 4;
}

}  // namespace wvp
