// Targets that serve each byte at its own address and take no byte enables (registers, the
// link bridge, whose header has no field for them) refuse the payloads that use them, as the
// base protocol asks of a target that does not support a feature.
#pragma once
#include <tlm>

namespace wvp {

// TLM_BYTE_ENABLE_ERROR_RESPONSE for byte enables, TLM_BURST_ERROR_RESPONSE for a streaming
// width below the data length, else TLM_OK_RESPONSE.
inline tlm::tlm_response_status plain_payload_status(const tlm::tlm_generic_payload& gp) {
  if (gp.get_byte_enable_ptr()) return tlm::TLM_BYTE_ENABLE_ERROR_RESPONSE;
  if (gp.get_streaming_width() < gp.get_data_length()) return tlm::TLM_BURST_ERROR_RESPONSE;
  return tlm::TLM_OK_RESPONSE;
}

}  // namespace wvp
