// Address decoder: one or more initiators in (a core, or the agents of a memory node's links),
// one initiator socket per mapped range out. Forwards b_transport, DMI requests and debug
// transport with the address made relative to the range, and translates DMI invalidations back
// into the initiators' address space (to every one of them: each may hold the pointer).
//
// A wafer's bus serves every tile: it decodes only the address bits under its local mask
// (tlm/tile_address.h) and passes the bits above it, the tile, through unchanged, to the target
// and back in DMI ranges and invalidations.
#pragma once
#include <cstdint>
#include <string>
#include <vector>

#include <systemc>
#include <tlm>
#include <tlm_utils/multi_passthrough_initiator_socket.h>
#include <tlm_utils/multi_passthrough_target_socket.h>

namespace wvp {

class Bus : public sc_core::sc_module {
 public:
  tlm_utils::multi_passthrough_target_socket<Bus> target;
  tlm_utils::multi_passthrough_initiator_socket<Bus> initiator;

  explicit Bus(sc_core::sc_module_name name, uint64_t local_mask = ~uint64_t{0});

  // Maps [base, base+size) to the next bound initiator port (ports are bound in map order).
  // Overlapping ranges are a configuration error and throw std::invalid_argument.
  void map(uint64_t base, uint64_t size, const std::string& target_name);

  struct Range {
    uint64_t base, size;
    std::string name;
  };
  const std::vector<Range>& ranges() const { return ranges_; }

 private:
  int decode(uint64_t addr) const;  // -1 when unmapped
  // `addr`'s bits above the local mask with `offset` (clipped to range r) as the local part.
  uint64_t in_window(const Range& r, uint64_t addr, uint64_t offset) const;
  // Every initiator takes the same path: the port it came in on (the int) does not matter.
  void b_transport(int, tlm::tlm_generic_payload& gp, sc_core::sc_time& delay);
  bool get_direct_mem_ptr(int, tlm::tlm_generic_payload& gp, tlm::tlm_dmi& dmi);
  unsigned int transport_dbg(int, tlm::tlm_generic_payload& gp);
  void invalidate_direct_mem_ptr(int port, sc_dt::uint64 start, sc_dt::uint64 end);

  const uint64_t local_mask_;
  std::vector<Range> ranges_;
};

}  // namespace wvp
