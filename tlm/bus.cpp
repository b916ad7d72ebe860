#include "tlm/bus.h"

#include <algorithm>
#include <stdexcept>

namespace wvp {

Bus::Bus(sc_core::sc_module_name name, uint64_t local_mask)
    : sc_module(name), target("target"), initiator("initiator"), local_mask_(local_mask) {
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
  addr &= local_mask_;
  for (size_t i = 0; i < ranges_.size(); ++i) {
    if (addr - ranges_[i].base < ranges_[i].size) return static_cast<int>(i);
  }
  return -1;
}

void Bus::b_transport(int, tlm::tlm_generic_payload& gp, sc_core::sc_time& delay) {
  const uint64_t addr = gp.get_address();
  const int port = decode(addr);
  // An access that starts in a range but runs past its end is as wrong as an unmapped one.
  if (port < 0 || (addr & local_mask_) + gp.get_data_length() > ranges_[port].base + ranges_[port].size) {
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
  const uint64_t tile = addr & ~local_mask_;
  const auto offset = [tile](uint64_t a) { return a < tile ? 0 : a - tile; };
  dmi.set_start_address(in_window(r, addr, offset(dmi.get_start_address())));
  dmi.set_end_address(in_window(r, addr, offset(dmi.get_end_address())));
  return granted;
}

uint64_t Bus::in_window(const Range& r, uint64_t addr, uint64_t offset) const {
  return (addr & ~local_mask_) + r.base + std::min(offset, r.size - 1);
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
  gp.set_data_length(static_cast<unsigned int>(std::min<uint64_t>(len, r.base + r.size - (addr & local_mask_))));
  gp.set_address(addr - r.base);
  const unsigned int n = initiator[port]->transport_dbg(gp);
  gp.set_address(addr);
  gp.set_data_length(len);
  return n;
}

void Bus::invalidate_direct_mem_ptr(int port, sc_dt::uint64 start, sc_dt::uint64 end) {
  // Each end keeps its tile; a range running past the window is cut at its end.
  const Range& r = ranges_[port];
  const uint64_t first = in_window(r, start, start & local_mask_), last = in_window(r, end, end & local_mask_);
  for (unsigned i = 0; i < target.size(); ++i) target[i]->invalidate_direct_mem_ptr(first, last);
}

}  // namespace wvp
