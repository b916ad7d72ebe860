// Register targets: devices whose registers the cores read and write one word at a time (the
// tile control block, the fabric port, the tensor engine).
//
// Each serves an access by cycle, in access_register(). Its TLM-2.0 b_transport is
// transport_register() over that same call: the payload checked and unpacked, the delay moved
// on by the cycles the access took, and a wait told through the StallExtension. Cores of a
// wafer reach the registers of their own tile through the same call directly when the fast path
// is on (core.register_fast_path): two socket hops, a generic payload and two time conversions
// cost more than most register accesses themselves, and communicating firmware makes hundreds
// of thousands of them. Both paths therefore behave alike by construction.
#pragma once
#include <cstdint>

#include <systemc>
#include <tlm>

#include "engine/clock.h"
#include "engine/cycle_domain.h"

namespace wvp {

struct RegisterAccess {
  uint32_t tile = 0;
  uint64_t offset = 0;  // in the target's window
  uint32_t size = 4;    // bytes, at most 4
  bool write = false;
  uint32_t value = 0;   // written, or read back
  uint64_t cycle = 0;   // in: when the access starts; out: when it ends
  bool can_stall = false;  // the initiator re-issues an access the target cannot perform yet
  // Out, for an access not performed (it has no effect): when to re-issue it (StallExtension).
  StallExtension::Until until = StallExtension::Until::None;
  uint64_t retry_cycle = 0;
  bool yield = false;   // out, for a performed access: StallExtension::yield
  uint32_t waits = 0;   // out, for a performed access: StallExtension::waits and waited_cycles
  uint64_t waited_cycles = 0;
};

class RegisterTarget {
 public:
  // Performs `a`, or tells through a.until that it must wait; the status is the TLM response
  // the access gets when performed.
  virtual tlm::tlm_response_status access_register(RegisterAccess& a) = 0;

 protected:
  ~RegisterTarget() = default;
};

// A register target's window in a tile's address map, for the cores' fast path.
struct RegisterWindow {
  uint32_t base = 0, size = 0;
  RegisterTarget* target = nullptr;
};

// A register target's b_transport: `gp`'s address holds the tile above the window offset
// (tlm/tile_address.h); its time is SystemC time plus `delay`, in cycles of `clock`.
void transport_register(RegisterTarget& target, const Clock& clock, tlm::tlm_generic_payload& gp,
                        sc_core::sc_time& delay);

}  // namespace wvp
