#include "models/tile/tile_ctl.h"

#include <algorithm>
#include <cstring>

#include "abi/wvp/tile_map.h"

#include "tlm/ps_time.h"
#include "tlm/tile_address.h"

namespace wvp {

namespace {
// Offsets in the control block's window, which starts at the CLINT and ends after the sysctl.
constexpr uint64_t kSysctl = WVP_SYSCTL_BASE - WVP_CLINT_BASE;
}  // namespace

TileCtl::TileCtl(sc_core::sc_module_name name, CoreArray& cores, uint32_t grid_w, uint32_t grid_h, uint32_t sram_bytes,
                 LineSink console, PhaseSink& phases)
    : sc_module(name),
      socket("socket"),
      cores_(cores),
      grid_w_(grid_w),
      grid_h_(grid_h),
      sram_bytes_(sram_bytes),
      console_(std::move(console)),
      phases_(phases),
      tiles_(size_t{grid_w} * grid_h) {
  socket.register_b_transport(this, &TileCtl::b_transport);
  socket.register_transport_dbg(this, &TileCtl::transport_dbg);
}

void TileCtl::put_console(uint32_t tile, char c) {
  TileState& st = tiles_[tile];
  ++st.console_bytes;
  if (c == '\n') {
    if (console_) console_(identity(tile), st.line);
    st.line.clear();
  } else if (c != '\r') {
    st.line.push_back(c);
  }
}

void TileCtl::flush_console() {
  for (uint32_t tile = 0; tile < tiles_.size(); ++tile) {
    std::string& line = tiles_[tile].line;
    if (!line.empty() && console_) console_(identity(tile), line);
    line.clear();
  }
}

bool TileCtl::access(uint32_t tile, uint64_t addr, bool write, uint32_t& value, const sc_core::sc_time& when) {
  Core& core = cores_[tile];
  TileState& st = tiles_[tile];
  const uint64_t mtime = core.clock().cycle_at(when);
  if (addr < WVP_CLINT_SIZE) {
    switch (addr) {
      case WVP_CLINT_MSIP:
        if (write) {
          core.set_software_irq(value & 1);
        } else {
          uint32_t mip = 0;
          core.read_csr(0x344, mip);
          value = (mip >> 3) & 1;  // mip.MSIP mirrors this register
        }
        return true;
      case WVP_CLINT_MTIMECMP:
      case WVP_CLINT_MTIMECMP + 4: {
        const int shift = addr == WVP_CLINT_MTIMECMP ? 0 : 32;
        const uint64_t cmp = core.mtimecmp();
        if (write) core.set_mtimecmp((cmp & ~(0xffffffffull << shift)) | (uint64_t{value} << shift));
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
      case WVP_SYSCTL_CONSOLE: put_console(tile, static_cast<char>(value)); return true;
      case WVP_SYSCTL_EXIT: core.halt(static_cast<int>(value)); return true;
      case WVP_SYSCTL_STEP:
        st.step = value & 0xff, st.layer = (value >> 8) & 0xff, st.activity = WVP_ACTIVITY_CORE;
        phases_.set_step(tile, st.step, st.layer, mtime);
        return true;
      case WVP_SYSCTL_ACTIVITY:
        st.activity = static_cast<uint8_t>(std::min<uint32_t>(value, 255));
        phases_.set_activity(tile, value, mtime);
        return true;
      case WVP_SYSCTL_HOST_OUT:
        if (!host_out_) return false;
        host_out_(identity(tile), value, to_ps(when));
        return true;
      default: return false;  // the identity registers are read-only
    }
  }
  switch (reg) {
    case WVP_SYSCTL_X: value = tile % grid_w_; return true;
    case WVP_SYSCTL_Y: value = tile / grid_w_; return true;
    case WVP_SYSCTL_GRID_W: value = grid_w_; return true;
    case WVP_SYSCTL_GRID_H: value = grid_h_; return true;
    case WVP_SYSCTL_CLOCK_HZ: value = static_cast<uint32_t>(core.clock().hz()); return true;
    case WVP_SYSCTL_CLOCK_HZ_HI: value = static_cast<uint32_t>(core.clock().hz() >> 32); return true;
    case WVP_SYSCTL_SRAM_SIZE: value = sram_bytes_; return true;
    case WVP_SYSCTL_STEP: value = st.step | uint32_t{st.layer} << 8; return true;
    case WVP_SYSCTL_ACTIVITY: value = st.activity; return true;
    default: return false;
  }
}

void TileCtl::b_transport(tlm::tlm_generic_payload& gp, sc_core::sc_time& delay) {
  const uint32_t len = gp.get_data_length();
  const uint32_t tile = tile_of(gp.get_address());
  const uint64_t addr = local_of(gp.get_address());
  // Registers are 32-bit; byte writes to the console are allowed for convenience.
  const bool console_byte = len == 1 && gp.is_write() && addr == kSysctl + WVP_SYSCTL_CONSOLE;
  if (((len != 4 || (addr & 3)) && !console_byte) || tile >= tiles_.size()) {
    gp.set_response_status(tlm::TLM_ADDRESS_ERROR_RESPONSE);
    return;
  }
  uint32_t value = 0;
  if (gp.is_write()) std::memcpy(&value, gp.get_data_ptr(), len);
  if (!access(tile, addr, gp.is_write(), value, sc_core::sc_time_stamp() + delay)) {
    gp.set_response_status(tlm::TLM_ADDRESS_ERROR_RESPONSE);
    return;
  }
  if (gp.is_read()) std::memcpy(gp.get_data_ptr(), &value, 4);
  gp.set_response_status(tlm::TLM_OK_RESPONSE);
}

unsigned int TileCtl::transport_dbg(tlm::tlm_generic_payload& gp) {
  // Debug reads see the registers without side effects; debug writes are refused.
  const uint32_t tile = tile_of(gp.get_address());
  if (!gp.is_read() || gp.get_data_length() != 4 || (gp.get_address() & 3) || tile >= tiles_.size()) return 0;
  uint32_t value = 0;
  if (!access(tile, local_of(gp.get_address()), false, value, sc_core::sc_time_stamp())) return 0;
  std::memcpy(gp.get_data_ptr(), &value, 4);
  return 4;
}

}  // namespace wvp
