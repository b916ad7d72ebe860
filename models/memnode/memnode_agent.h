// The far end of an edge SerDes (or of any pair of Links) that serves a memory node to the
// wafer's firmware with a small wavelet protocol: the groundwork of the KV-cache offload. The
// firmware sends a request as wavelets routed out through an edge port; they cross the
// SerDes' out Link as LinkItems (data = the 32-bit wavelet, tag = color | port << 8, see
// models/serdes/edge_serdes.h) and reach the agent, which turns the request into TLM-2.0
// b_transport calls on its initiator socket (bound to a MemNode or any TLM target) and sends
// the reply back into the wafer over the SerDes' in Link, through the same port, on the color
// the request asked for.
//
// Requests. Each (port, color) with the color in request_colors is one request stream, with
// its own reassembly state, so requesters on different ports, or on different colors of one
// port, may interleave their wavelets freely. A request is, in order on its stream:
//   header   [31:24] opcode: kRead, kWrite (one address word), kRead64, kWrite64 (two)
//            [23:21] 0 (a header with them set is an unknown opcode)
//            [20:16] reply color
//            [15:0]  word count, 1 to max_words
//   address  the byte address's low 32 bits; for kRead64 and kWrite64 a second word with
//            the high 32 bits (the node is larger than 4 GiB)
//   data     for a write, `count` words, stored little-endian (the cores' byte order) at
//            address, address + 4, ...
//
// Replies, on the reply color through the request's port, in the order the requests were
// completed (so in request order per stream and per port):
//   status   [31:24] status code (kOk or an error below)
//            [23:16] the request's opcode
//            [15:0]  words moved: a read's data words that follow, a write's words stored
//                    (0 after an error)
//   data     for a read that succeeded, `count` words.
// Every reply starts with the status word, a read's too, because an error must be told from
// data: a firmware reads the status, then its data words only when the code is kOk. A write's
// status is its acknowledgement, sent once the target has performed it, so a firmware can
// fence by waiting for it.
//
// Errors are answered, not thrown: the firmware is the one that can act on them, and a bad
// request from one stream must not stop the others. Each is answered with an error status and
// recorded (the error sink, or an SC_REPORT_WARNING without one) by a message naming the
// agent, the port and the address (or the header, where there is none yet):
//   kBadOpcode   an opcode other than the four, or reserved bits set. The agent cannot know
//                how long such a request is, so it takes the next wavelet as a new header.
//   kBadCount    a count of 0 or above max_words. The opcode gives the request's length, so
//                the agent takes its address and (discarding them) its data words first and
//                answers when the request is complete: the stream stays in step.
//   kBadAddress  the target answered TLM_ADDRESS_ERROR_RESPONSE (outside the node).
//   kTargetError any other response but TLM_OK_RESPONSE (the status is in the message).
// A wavelet on a color outside request_colors has no reply color to answer on: it is recorded
// and dropped.
//
// Time. The links have their own time (see models/link/link.h). A request is served at the
// time its last wavelet is delivered: b_transport is called with that time less
// sc_time_stamp() as its delay (0 if SystemC is already past it), and the reply leaves at
// sc_time_stamp() plus the delay the target annotated (the node's queueing, transfer and
// latency), or when the previous reply left, if later: one reply link takes items in time
// order. An error found without the target is answered when the wavelet that shows it arrives:
// the header for an unknown opcode, the request's last wavelet for a bad count.
//
// Backpressure. Replies are offered to the reply link; what it refuses waits here, in order,
// and goes when its space callback says it has room. While a reply waits, the agent refuses
// the request link's deliveries (the link holds them and stops its sender through the
// credits) and resumes it once every reply is taken, so the agent holds at most one request's
// reply and nothing is buffered without bound.
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

  // Receives each error message (see the header comment); without a sink it is an
  // SC_REPORT_WARNING.
  void set_error_sink(std::function<void(const std::string& what)> sink) { error_sink_ = std::move(sink); }

  const MemNodeAgentParams& params() const { return params_; }
  const MemNodeAgentStats& stats() const { return stats_; }

 private:
  // Reassembly state of one (port, color) request stream.
  struct Stream {
    enum class Phase : uint8_t { kHeader, kAddress, kData } phase = Phase::kHeader;
    uint32_t header = 0;
    uint32_t address_words = 0;  // still to come
    uint64_t address = 0;
    uint32_t data_words = 0;     // received so far
    std::vector<uint8_t> data;   // a write's data as it arrives (none when the count is bad), a read's from the target
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
