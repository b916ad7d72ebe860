#include "platform/tile_ctl.h"

#include <cstring>

#include "platform/memory_map.h"
#include "tlm/ps_time.h"

namespace wvp {

using namespace memmap;

TileCtl::TileCtl(sc_core::sc_module_name name, const TileIdentity& id, Core& core, LineSink console,
                 PhaseProfile& profile, uint32_t tile_index)
    : sc_module(name),
      socket("socket"),
      id_(id),
      core_(core),
      console_(std::move(console)),
      profile_(profile),
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
  // Addresses are relative to kClintBase: the CLINT window, then the sysctl window.
  const uint64_t mtime = when.value() / core_.period().value();
  if (addr < kClintSize) {
    switch (addr) {
      case kClintMsip:
        if (write) {
          core_.set_software_irq(value & 1);
        } else {
          uint32_t mip = 0;
          core_.read_csr(0x344, mip);
          value = (mip >> 3) & 1;  // mip.MSIP mirrors this register
        }
        return true;
      case kClintMtimecmp:
      case kClintMtimecmp + 4: {
        const int shift = addr == kClintMtimecmp ? 0 : 32;
        const uint64_t cmp = core_.mtimecmp();
        if (write) core_.set_mtimecmp((cmp & ~(0xffffffffull << shift)) | (uint64_t{value} << shift));
        else value = static_cast<uint32_t>(cmp >> shift);
        return true;
      }
      case kClintMtime:
      case kClintMtime + 4:
        if (write) return false;  // mtime is the simulated time; it is not writable here
        value = static_cast<uint32_t>(mtime >> (addr == kClintMtime ? 0 : 32));
        return true;
      default: return false;
    }
  }
  const uint64_t reg = addr - (kSysctlBase - kClintBase);
  if (addr < kSysctlBase - kClintBase || reg >= kSysctlSize) return false;
  if (write) {
    switch (reg) {
      case kSysctlConsole: put_console(static_cast<char>(value)); return true;
      case kSysctlExit: core_.halt(static_cast<int>(value)); return true;
      case kSysctlStep: profile_.set_step(tile_index_, value & 0xff, (value >> 8) & 0xff, mtime); return true;
      case kSysctlActivity: profile_.set_activity(tile_index_, value, mtime); return true;
      case kSysctlHostOut:
        if (!host_out_) return false;
        host_out_(id_, value, to_ps(when));
        return true;
      default: return false;  // the identity registers are read-only
    }
  }
  switch (reg) {
    case kSysctlX: value = id_.x; return true;
    case kSysctlY: value = id_.y; return true;
    case kSysctlGridW: value = id_.grid_w; return true;
    case kSysctlGridH: value = id_.grid_h; return true;
    case kSysctlClockHz: value = id_.clock_hz; return true;
    case kSysctlSramSize: value = id_.sram_bytes; return true;
    case kSysctlStep: value = profile_.step_register(tile_index_); return true;
    case kSysctlActivity: value = profile_.activity(tile_index_); return true;
    default: return false;
  }
}

void TileCtl::b_transport(tlm::tlm_generic_payload& gp, sc_core::sc_time& delay) {
  const uint32_t len = gp.get_data_length();
  const uint64_t addr = gp.get_address();
  // Registers are 32-bit; byte writes to the console are allowed for convenience.
  const bool console_byte = len == 1 && gp.is_write() && addr == kSysctlBase - kClintBase + kSysctlConsole;
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
