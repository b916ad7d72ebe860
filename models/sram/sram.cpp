#include "models/sram/sram.h"

#include <algorithm>
#include <cstring>
#include <stdexcept>

namespace wvp {

namespace {
bool valid(const SramParams& p) {
  return p.size_bytes > 0 && p.banks > 0 && p.bank_width_bytes > 0 && p.read_bytes_per_cycle > 0 &&
         p.write_bytes_per_cycle > 0 && p.clock_hz > 0;
}
}  // namespace

Sram::Sram(sc_core::sc_module_name name, const SramParams& params, uint8_t* backing)
    : sc_module(name),
      socket("socket"),
      params_(params),
      period_(sc_core::sc_time(1.0 / params.clock_hz, sc_core::SC_SEC)),
      mem_(backing),
      bank_free_cycle_(params.banks, 0) {
  if (!valid(params)) throw std::invalid_argument(std::string(this->name()) + ": SRAM parameters must be positive");
  socket.register_b_transport(this, &Sram::b_transport);
  socket.register_get_direct_mem_ptr(this, &Sram::get_direct_mem_ptr);
  socket.register_transport_dbg(this, &Sram::transport_dbg);
}

uint64_t Sram::occupy_banks(uint64_t addr, uint32_t len, bool write, uint64_t start_cycle) {
  const uint32_t port_bytes = write ? params_.write_bytes_per_cycle : params_.read_bytes_per_cycle;
  // The port alone needs ceil(len / port_bytes) cycles, even for a single narrow word.
  uint64_t done = start_cycle + (uint64_t{len} + port_bytes - 1) / port_bytes;
  const uint64_t first = addr / params_.bank_width_bytes;
  const uint64_t last = (addr + len - 1) / params_.bank_width_bytes;
  for (uint64_t word = first; word <= last; ++word) {
    // The port streams port_bytes per cycle; a word also waits for its bank.
    const uint64_t port_cycle = start_cycle + (word - first) * params_.bank_width_bytes / port_bytes;
    uint64_t& bank_free = bank_free_cycle_[word % params_.banks];
    const uint64_t issue = std::max(port_cycle, bank_free);
    stats_.bank_conflict_cycles += issue - port_cycle;
    bank_free = issue + 1;
    done = std::max(done, issue + 1);
  }
  return done - start_cycle;
}

void Sram::b_transport(tlm::tlm_generic_payload& gp, sc_core::sc_time& delay) {
  const uint64_t addr = gp.get_address();
  const uint32_t len = gp.get_data_length();
  if (addr >= params_.size_bytes || len > params_.size_bytes - addr) {
    gp.set_response_status(tlm::TLM_ADDRESS_ERROR_RESPONSE);
    return;
  }
  if (gp.get_byte_enable_ptr() || gp.get_streaming_width() < len) {
    gp.set_response_status(tlm::TLM_BYTE_ENABLE_ERROR_RESPONSE);
    return;
  }
  const bool write = gp.is_write();
  if (write) {
    std::memcpy(mem_ + addr, gp.get_data_ptr(), len);
    ++stats_.writes;
    stats_.write_bytes += len;
  } else if (gp.is_read()) {
    std::memcpy(gp.get_data_ptr(), mem_ + addr, len);
    ++stats_.reads;
    stats_.read_bytes += len;
  }
  if (len > 0 && (write || gp.is_read())) {
    const uint64_t now = static_cast<uint64_t>((sc_core::sc_time_stamp() + delay) / period_);
    delay += period_ * static_cast<double>(occupy_banks(addr, len, write, now) - 1 + params_.access_latency_cycles);
  }
  gp.set_dmi_allowed(true);
  gp.set_response_status(tlm::TLM_OK_RESPONSE);
}

bool Sram::get_direct_mem_ptr(tlm::tlm_generic_payload& gp, tlm::tlm_dmi& dmi) {
  if (gp.get_address() >= params_.size_bytes) return false;
  dmi.set_dmi_ptr(mem_);
  dmi.set_start_address(0);
  dmi.set_end_address(params_.size_bytes - 1);
  dmi.allow_read_write();
  dmi.set_read_latency(period_ * static_cast<double>(params_.access_latency_cycles));
  dmi.set_write_latency(period_ * static_cast<double>(params_.access_latency_cycles));
  return true;
}

unsigned int Sram::transport_dbg(tlm::tlm_generic_payload& gp) {
  const uint64_t addr = gp.get_address();
  if (addr >= params_.size_bytes) {
    gp.set_response_status(tlm::TLM_ADDRESS_ERROR_RESPONSE);
    return 0;
  }
  const uint32_t n = std::min<uint64_t>(gp.get_data_length(), params_.size_bytes - addr);
  if (gp.is_write())
    std::memcpy(mem_ + addr, gp.get_data_ptr(), n);
  else
    std::memcpy(gp.get_data_ptr(), mem_ + addr, n);
  gp.set_response_status(tlm::TLM_OK_RESPONSE);
  return n;
}

}  // namespace wvp
