// Generic payloads as the unit tests' initiators issue them.
#pragma once
#include <cstdint>

#include <tlm>

namespace wvp::test {

// A plain data access of `len` bytes (streaming width = length, no byte enables), with the
// response still to be set by the target.
inline void set_access(tlm::tlm_generic_payload& gp, tlm::tlm_command cmd, uint64_t addr, uint8_t* data, uint32_t len) {
  gp.set_command(cmd);
  gp.set_address(addr);
  gp.set_data_ptr(data);
  gp.set_data_length(len);
  gp.set_streaming_width(len);
  gp.set_response_status(tlm::TLM_INCOMPLETE_RESPONSE);
}

}  // namespace wvp::test
