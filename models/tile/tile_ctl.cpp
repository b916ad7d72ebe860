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

TileCtl::TileCtl(sc_core::sc_module_name name, CoreArray& cores, const Clock& clock, uint32_t grid_w, uint32_t grid_h,
                 uint32_t sram_bytes, LineSink console, PhaseSink& phases)
    : sc_module(name),
      socket("socket"),
      cores_(cores),
      clock_(clock),
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

bool TileCtl::access(uint32_t tile, uint64_t addr, bool write, uint32_t& value, uint64_t mtime) {
  Core& core = cores_[tile];
  TileState& st = tiles_[tile];
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
        host_out_(identity(tile), value, to_ps(clock_.time_of(mtime)));
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
  transport_register(*this, clock_, gp, delay);
}

tlm::tlm_response_status TileCtl::access_register(RegisterAccess& a) {
  const bool console_byte = a.size == 1 && a.write && a.offset == kSysctl + WVP_SYSCTL_CONSOLE;
  if (((a.size != 4 || (a.offset & 3)) && !console_byte) || a.tile >= tiles_.size() ||
      !access(a.tile, a.offset, a.write, a.value, a.cycle))
    return tlm::TLM_ADDRESS_ERROR_RESPONSE;
  return tlm::TLM_OK_RESPONSE;
}

unsigned int TileCtl::transport_dbg(tlm::tlm_generic_payload& gp) {
  // Debug reads see the registers without side effects; debug writes are refused.
  const uint32_t tile = tile_of(gp.get_address());
  if (!gp.is_read() || gp.get_data_length() != 4 || (gp.get_address() & 3) || tile >= tiles_.size()) return 0;
  uint32_t value = 0;
  if (!access(tile, local_of(gp.get_address()), false, value, clock_.cycle_at(sc_core::sc_time_stamp()))) return 0;
  std::memcpy(gp.get_data_ptr(), &value, 4);
  return 4;
}

}  // namespace wvp
