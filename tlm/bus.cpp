#include "tlm/bus.h"

#include <algorithm>
#include <stdexcept>

namespace wvp {

Bus::Bus(sc_core::sc_module_name name) : sc_module(name), target("target"), initiator("initiator") {
  target.register_b_transport(this, &Bus::b_transport);
  target.register_get_direct_mem_ptr(this, &Bus::get_direct_mem_ptr);
  target.register_transport_dbg(this, &Bus::transport_dbg);
  initiator.register_invalidate_direct_mem_ptr(this, &Bus::invalidate_direct_mem_ptr);
}

void Bus::map(uint64_t base, uint64_t size, const std::string& target_name) {
  if (size == 0 || base + size < base)
    throw std::invalid_argument(std::string(name()) + ": range of " + target_name + " is empty or wraps");
  for (const Range& r : ranges_) {
    if (base < r.base + r.size && r.base < base + size)
      throw std::invalid_argument(std::string(name()) + ": range of " + target_name + " overlaps " + r.name);
  }
  ranges_.push_back({base, size, target_name});
}

int Bus::decode(uint64_t addr) const {
  for (size_t i = 0; i < ranges_.size(); ++i) {
    if (addr - ranges_[i].base < ranges_[i].size) return static_cast<int>(i);
  }
  return -1;
}

void Bus::b_transport(int, tlm::tlm_generic_payload& gp, sc_core::sc_time& delay) {
  const uint64_t addr = gp.get_address();
  const int port = decode(addr);
  // An access that starts in a range but runs past its end is as wrong as an unmapped one.
  if (port < 0 || addr + gp.get_data_length() > ranges_[port].base + ranges_[port].size) {
    gp.set_response_status(tlm::TLM_ADDRESS_ERROR_RESPONSE);
    return;
  }
  gp.set_address(addr - ranges_[port].base);
  initiator[port]->b_transport(gp, delay);
  gp.set_address(addr);
}

bool Bus::get_direct_mem_ptr(int, tlm::tlm_generic_payload& gp, tlm::tlm_dmi& dmi) {
  const uint64_t addr = gp.get_address();
  const int port = decode(addr);
  if (port < 0) return false;
  const Range& r = ranges_[port];
  gp.set_address(addr - r.base);
  const bool granted = initiator[port]->get_direct_mem_ptr(gp, dmi);
  gp.set_address(addr);
  // Translate back to the initiator's view and clip to the mapped window (a refusal may
  // cover the target's whole address space, which must not wrap when shifted).
  const uint64_t start = std::min<uint64_t>(dmi.get_start_address(), r.size - 1);
  const uint64_t end = std::min<uint64_t>(dmi.get_end_address(), r.size - 1);
  dmi.set_start_address(r.base + start);
  dmi.set_end_address(r.base + end);
  return granted;
}

unsigned int Bus::transport_dbg(int, tlm::tlm_generic_payload& gp) {
  const uint64_t addr = gp.get_address();
  const int port = decode(addr);
  if (port < 0) {
    gp.set_response_status(tlm::TLM_ADDRESS_ERROR_RESPONSE);
    return 0;
  }
  // Debug access stops at the end of the window; the target sees only what is mapped.
  const Range& r = ranges_[port];
  const unsigned int len = gp.get_data_length();
  gp.set_data_length(static_cast<unsigned int>(std::min<uint64_t>(len, r.base + r.size - addr)));
  gp.set_address(addr - r.base);
  const unsigned int n = initiator[port]->transport_dbg(gp);
  gp.set_address(addr);
  gp.set_data_length(len);
  return n;
}

void Bus::invalidate_direct_mem_ptr(int port, sc_dt::uint64 start, sc_dt::uint64 end) {
  const Range& r = ranges_[port];
  const uint64_t last = r.base + r.size - 1;
  for (unsigned i = 0; i < target.size(); ++i) target[i]->invalidate_direct_mem_ptr(r.base + start, end >= r.size ? last : r.base + end);
}

}  // namespace wvp
