#include "engine/register_target.h"

#include <cstring>

#include "tlm/plain_payload.h"
#include "tlm/tile_address.h"

namespace wvp {

void transport_register(RegisterTarget& target, const Clock& clock, tlm::tlm_generic_payload& gp,
                        sc_core::sc_time& delay) {
  const uint32_t size = gp.get_data_length();
  if (size == 0 || size > 4) {
    gp.set_response_status(tlm::TLM_ADDRESS_ERROR_RESPONSE);
    return;
  }
  if (const tlm::tlm_response_status refused = plain_payload_status(gp); refused != tlm::TLM_OK_RESPONSE) {
    gp.set_response_status(refused);
    return;
  }
  StallExtension* stall = gp.get_extension<StallExtension>();
  RegisterAccess a;
  a.tile = tile_of(gp.get_address());
  a.offset = local_of(gp.get_address());
  a.size = size;
  a.write = gp.is_write();
  if (a.write) std::memcpy(&a.value, gp.get_data_ptr(), size);
  a.cycle = clock.cycle_at(sc_core::sc_time_stamp() + delay);
  a.can_stall = stall != nullptr;
  const uint64_t start = a.cycle;
  tlm::tlm_response_status status = target.access_register(a);
  if (a.until != StallExtension::Until::None) {
    // Not performed: the initiator re-issues it (only one that can stall is told to wait).
    status = tlm::TLM_GENERIC_ERROR_RESPONSE;
    if (stall) stall->until = a.until, stall->cycle = a.retry_cycle;
  } else if (status == tlm::TLM_OK_RESPONSE) {
    if (!a.write) std::memcpy(gp.get_data_ptr(), &a.value, size);
    if (stall && a.yield) stall->yield = true;
    if (stall) stall->waits = a.waits, stall->waited_cycles = a.waited_cycles;
    if (a.cycle > start) delay += clock.time_of(a.cycle - start);
  }
  gp.set_response_status(status);
}

}  // namespace wvp
