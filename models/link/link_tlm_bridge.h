// TLM over an off-wafer link: a target socket on the near side (the wafer, the host) and an
// initiator socket on the far side (a memory node, another wafer's memory map), with a duplex
// link between them, one Link per direction, so a remote target costs what the link costs.
//
// Each transaction crosses the link as bytes (LinkStream): the request is a 16-byte header
// (address, length, command) and, for a write, its data; the response a 16-byte header
// (address, length of the data that follows, response status) and, for a read that succeeded,
// its data. The far side rebuilds the generic payload from the bytes the link delivered, so
// written data reaches the far target and read data comes back only through the link's items,
// and a bit error the link's retry repairs costs time, never data.
//
// Time (loosely timed). b_transport sends the request at sc_time_stamp() + delay and advances
// the request link until its last item is delivered; the far target is called with that time
// as its delay and annotates its own; the response leaves at the time it returns and the
// response link is advanced until its last item is delivered; `delay` becomes that time less
// sc_time_stamp(). The links keep their own time: a transaction that comes at a time a link
// has already settled (another initiator's, further ahead) leaves at the link's time, behind
// the traffic already on it.
//
// Byte enables and streaming are refused (TLM_BYTE_ENABLE_ERROR_RESPONSE,
// TLM_BURST_ERROR_RESPONSE): the header has no field for them. DMI is refused: the far memory
// is only reachable over the link. Debug transport goes straight to the far target, with no
// link time: a debugger's access is not traffic.
#pragma once
#include <array>
#include <cstdint>
#include <vector>

#include <systemc>
#include <tlm>
#include <tlm_utils/simple_initiator_socket.h>
#include <tlm_utils/simple_target_socket.h>

#include "models/link/link.h"
#include "models/link/link_stream.h"

namespace wvp {

struct LinkTlmBridgeParams {
  // Both directions; the links are named <module>.request and <module>.response, and the
  // response link's bit errors use seed + 1, so the two directions fail independently.
  LinkParams link;
};

class LinkTlmBridge : public sc_core::sc_module {
 public:
  static constexpr uint32_t kHeaderBytes = 16;

  tlm_utils::simple_target_socket<LinkTlmBridge> near_side;
  tlm_utils::simple_initiator_socket<LinkTlmBridge> far_side;

  // Throws std::invalid_argument naming the bridge for link parameters out of range.
  LinkTlmBridge(sc_core::sc_module_name name, const LinkTlmBridgeParams& params);

  const Link& request_link() const { return request_link_; }
  const Link& response_link() const { return response_link_; }
  uint64_t transactions() const { return transactions_; }

 private:
  void b_transport(tlm::tlm_generic_payload& gp, sc_core::sc_time& delay);
  unsigned int transport_dbg(tlm::tlm_generic_payload& gp);

  Link request_link_, response_link_;
  LinkStream request_, response_;
  std::vector<uint8_t> far_rx_, near_rx_;  // bytes delivered at each end for the transaction under way
  // What the links carry for the transaction under way (they send by reference).
  std::array<uint8_t, kHeaderBytes> request_header_{}, response_header_{};
  std::vector<uint8_t> far_data_;  // the far side's data buffer
  uint64_t transactions_ = 0;
};

}  // namespace wvp
