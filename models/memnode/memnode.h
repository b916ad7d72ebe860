// KV-cache memory node: a DDR-class memory off the wafer, large and slow, reached over links (see
// models/link/link_tlm_bridge.h). A TLM-2.0 target (base protocol, generic payload, blocking and
// debug transport).
//
// Timing. The address space is interleaved over `channels` in blocks of interleave_bytes (block
// b on channel b mod channels), so a long access streams over every channel at once and the
// result does not depend on who came first, only on when. Each channel moves
// channel_gb_per_s and serves its share of an access after the accesses already queued on it:
// it starts at max(arrival, channel free) and is busy for its bytes / bandwidth (rounded to the
// nearest picosecond per access). The access completes access_latency_ns after its last channel
// is done: the latency (row activation, CAS, controller and PHY) is pipelined and does not hold
// the channel. b_transport adds to `delay` the time from arrival (sc_time_stamp() + delay) to
// completion: queueing + transfer + latency.
//
// Host memory. The node's bytes are a HostMemory reservation, so a 64 GiB node costs only the
// pages written.
//
// No DMI: the node is remote, every access crosses links whose latency, bandwidth and errors
// are the point of modelling it; a pointer into its memory would bypass all of them.
#pragma once
#include <cstdint>
#include <functional>
#include <string>
#include <vector>

#include <systemc>
#include <tlm>
#include <tlm_utils/simple_target_socket.h>

#include "engine/snapshot.h"
#include "tlm/host_memory.h"

namespace wvp {

struct MemNodeParams {
  uint64_t size_bytes = uint64_t{64} << 30;
  uint32_t channels = 8;
  double channel_gb_per_s = 25.6;   // DDR4-3200 x64 (or two DDR5-6400 x32 subchannels)
  uint32_t interleave_bytes = 256;  // consecutive blocks go to consecutive channels
  double access_latency_ns = 80;    // an idle DRAM read, controller and PHY included
};

// Throws std::invalid_argument naming the node and the field: size 0, channels 0 or above
// 4096, bandwidth not finite and positive, interleave 0, latency not finite or negative.
void check_memnode_params(const std::string& node, const MemNodeParams& params);

struct MemNodeStats {
  uint64_t reads = 0, writes = 0;
  uint64_t read_bytes = 0, write_bytes = 0;
  uint64_t busy_ps = 0;   // channel time moving data, summed over the channels
  uint64_t queue_ps = 0;  // channel time accesses waited for a busy channel, summed
  uint64_t end_ps = 0;    // when the last channel transfer so far ends
  double utilisation = 0; // busy_ps / (channels x end_ps)
};

class MemNode : public sc_core::sc_module {
 public:
  tlm_utils::simple_target_socket<MemNode> socket;

  MemNode(sc_core::sc_module_name name, const MemNodeParams& params);  // checks `params`

  const MemNodeParams& params() const { return params_; }
  MemNodeStats stats() const;
  uint8_t* data() { return mem_.data(); }
  size_t resident_bytes() const { return mem_.resident_bytes(); }

  // Receives each refused access: why, naming the node and the address. Without a sink the
  // message is an SC_REPORT_WARNING.
  void set_error_sink(std::function<void(const std::string& what)> sink) { error_sink_ = std::move(sink); }
  // The channels' busy times, the counts and the memory's resident pages.
  void checkpoint(Snapshot& s);

 private:
  void b_transport(tlm::tlm_generic_payload& gp, sc_core::sc_time& delay);
  unsigned int transport_dbg(tlm::tlm_generic_payload& gp);
  // The status an access gets before any data moves; reports it when it is an error.
  tlm::tlm_response_status check_access(const tlm::tlm_generic_payload& gp);
  void refuse(const std::string& what);
  void copy(tlm::tlm_generic_payload& gp);
  // Queues an access of `len` bytes at `addr` arriving at `arrival_ps` on its channels; returns
  // its completion time.
  uint64_t occupy_channels(uint64_t addr, uint64_t len, uint64_t arrival_ps);

  const MemNodeParams params_;
  HostMemory mem_;
  const uint64_t latency_ps_;
  std::vector<uint64_t> channel_free_ps_;
  std::vector<uint64_t> channel_bytes_;  // scratch: one access's bytes per channel
  MemNodeStats stats_;
  std::function<void(const std::string&)> error_sink_;
};

}  // namespace wvp
