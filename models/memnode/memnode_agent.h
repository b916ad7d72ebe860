// The far end of an edge SerDes (or of any pair of Links) that serves a memory node to the
// wafer's firmware: requests arrive as wavelets per (port, request color), each becomes
// b_transport calls on the initiator socket (a MemNode or any TLM target), and the reply (a
// status word, then a read's data) goes back through the same port on the color the request
// asked for. Errors are answered in the status word, not thrown. The words, the errors, time
// and backpressure: docs/architecture.md, 'Memory node agent'.
#pragma once
#include <cstdint>
#include <deque>
#include <functional>
#include <string>
#include <unordered_map>
#include <vector>

#include <systemc>
#include <tlm>
#include <tlm_utils/simple_initiator_socket.h>

#include "models/link/link.h"

namespace wvp {

struct MemNodeAgentParams {
  uint32_t request_colors = 1u << 16;  // bit c: color c carries requests (by default color 16)
  uint32_t max_words = 256;            // per request, 1 to 65535 (the count field)
};

// Throws std::invalid_argument naming the agent and the field: no request color, max_words 0
// or above 65535.
void check_memnode_agent_params(const std::string& agent, const MemNodeAgentParams& params);

struct MemNodeAgentStats {
  uint64_t reads = 0, writes = 0;         // requests served by the target
  uint64_t read_words = 0, write_words = 0;
  uint64_t errors = 0;                    // requests answered with an error, wavelets dropped
  uint64_t reply_refusals = 0;            // reply words that had to wait: the reply link refused them or one before
  uint64_t busy_ps = 0;                   // time with an access under way at the target
};

class MemNodeAgent : public sc_core::sc_module {
 public:
  enum Opcode : uint8_t { kRead = 1, kWrite = 2, kRead64 = 3, kWrite64 = 4 };
  enum Code : uint8_t { kOk = 0, kBadOpcode = 1, kBadCount = 2, kBadAddress = 3, kTargetError = 4 };
  static constexpr uint32_t kMaxCount = 0xffff;

  // The protocol's words, for firmware-side code and tests.
  static uint32_t header(Opcode op, uint32_t reply_color, uint32_t words) {
    return uint32_t{op} << 24 | (reply_color & 31) << 16 | (words & kMaxCount);
  }
  static uint32_t status(Code code, uint32_t op, uint32_t words) {
    return uint32_t{code} << 24 | (op & 0xff) << 16 | (words & kMaxCount);
  }

  tlm_utils::simple_initiator_socket<MemNodeAgent> socket;

  MemNodeAgent(sc_core::sc_module_name name, const MemNodeAgentParams& params);  // checks `params`

  // Serves the requests `requests` delivers and replies over `replies` (a SerDes' out and in
  // links). Takes over the deliver callback of `requests` and the space callback of `replies`;
  // both must outlive the agent.
  void attach(Link& requests, Link& replies);

  // Receives each error message (docs/architecture.md, 'Memory node agent'); without a sink it
  // is an SC_REPORT_WARNING.
  void set_error_sink(std::function<void(const std::string& what)> sink) { error_sink_ = std::move(sink); }

  const MemNodeAgentParams& params() const { return params_; }
  const MemNodeAgentStats& stats() const { return stats_; }
  // The requests under way, the replies waiting for the link (the links are the SerDes').
  void checkpoint(Snapshot& s) {
    Snapshot::Section section(s, "memnode_agent");
    s.fields(streams_, waiting_, last_reply_ps_, requests_refused_, stats_, busy_until_ps_);
  }

 private:
  // Reassembly state of one (port, color) request stream.
  struct Stream {
    enum class Phase : uint8_t { kHeader, kAddress, kData } phase = Phase::kHeader;
    uint32_t header = 0;
    uint32_t address_words = 0;  // still to come
    uint64_t address = 0;
    uint32_t data_words = 0;     // received so far
    std::vector<uint8_t> data;   // a write's data as it arrives (none when the count is bad), a read's from the target
    void checkpoint(Snapshot& s) { s.fields(phase, header, address_words, address, data_words, data); }
  };
  struct Reply {
    LinkItem item;
    uint64_t time_ps;
  };

  bool receive(const LinkItem& item, uint64_t time_ps);
  void take(Stream& s, uint32_t tag, uint32_t word, uint64_t time_ps);
  // The stream's request is complete at time_ps: checks it, accesses the target and replies.
  void serve(Stream& s, uint32_t tag, uint64_t time_ps);
  // Performs the stream's access at time_ps through `gp`; returns when the target was done.
  uint64_t access(Stream& s, uint64_t time_ps, tlm::tlm_generic_payload& gp);
  // Records `what` and answers the request of `header` on stream `tag` with an error status.
  void refuse(uint32_t tag, uint32_t header, Code code, const std::string& what, uint64_t time_ps);
  void record(const std::string& what);
  void send_reply(uint32_t tag, uint32_t word, uint64_t time_ps);
  void flush_replies(uint64_t time_ps);

  const MemNodeAgentParams params_;
  Link* requests_ = nullptr;
  Link* replies_ = nullptr;
  std::unordered_map<uint32_t, Stream> streams_;  // by tag: color | port << 8

  std::deque<Reply> waiting_;     // refused by the reply link, in order
  uint64_t last_reply_ps_ = 0;    // replies leave in time order
  bool requests_refused_ = false; // the request link waits for rx_resume()
  MemNodeAgentStats stats_;       // busy_ps counts time up to busy_until_ps_ once
  uint64_t busy_until_ps_ = 0;
  std::function<void(const std::string&)> error_sink_;
};

}  // namespace wvp
