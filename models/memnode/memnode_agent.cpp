#include "models/memnode/memnode_agent.h"

#include <algorithm>
#include <sstream>
#include <stdexcept>

#include "models/link/link_stream.h"
#include "models/serdes/edge_serdes.h"
#include "tlm/ps_time.h"

namespace wvp {

namespace {

uint32_t opcode(uint32_t header) { return header >> 24; }
uint32_t reply_color(uint32_t header) { return header >> 16 & 31; }
// The reply to a request on stream `tag` goes back through its port on the header's reply color.
uint32_t reply_tag(uint32_t tag, uint32_t header) { return (tag & ~0xffu) | reply_color(header); }
uint32_t count(uint32_t header) { return header & MemNodeAgent::kMaxCount; }
bool is_write(uint32_t header) { return opcode(header) == MemNodeAgent::kWrite || opcode(header) == MemNodeAgent::kWrite64; }

// How many address words follow a header; 0 for an unknown opcode.
uint32_t address_words(uint32_t header) {
  if (header >> 21 & 7) return 0;
  switch (opcode(header)) {
    case MemNodeAgent::kRead:
    case MemNodeAgent::kWrite: return 1;
    case MemNodeAgent::kRead64:
    case MemNodeAgent::kWrite64: return 2;
    default: return 0;
  }
}

std::string where(uint32_t tag) {
  return "port " + std::to_string(tag >> 8) + " color " + std::to_string(tag & 0xff);
}

std::string hex(uint64_t value) {
  std::ostringstream os;
  os << "0x" << std::hex << value;
  return os.str();
}

std::string request(uint32_t header, uint64_t address) {
  const uint32_t words = count(header);
  return std::string(is_write(header) ? "write" : "read") + " of " + std::to_string(words) + (words == 1 ? " word" : " words") +
         " at " + hex(address);
}

}  // namespace

void check_memnode_agent_params(const std::string& agent, const MemNodeAgentParams& p) {
  const std::string who = "memory node agent '" + agent + "': ";
  if (p.request_colors == 0) throw std::invalid_argument(who + "request_colors names no color");
  if (p.max_words < 1 || p.max_words > MemNodeAgent::kMaxCount)
    throw std::invalid_argument(who + "max_words must be 1 to 65535 (got " + std::to_string(p.max_words) + ")");
}

MemNodeAgent::MemNodeAgent(sc_core::sc_module_name name, const MemNodeAgentParams& params)
    : sc_module(name), socket("socket"), params_((check_memnode_agent_params(this->name(), params), params)) {}

void MemNodeAgent::attach(Link& requests, Link& replies) {
  requests_ = &requests;
  replies_ = &replies;
  requests.set_deliver([this](const LinkItem& item, uint64_t t) { return receive(item, t); });
  replies.set_space([this](uint64_t t) { flush_replies(t); });
}

void MemNodeAgent::record(const std::string& what) {
  ++stats_.errors;
  const std::string message = "memory node agent '" + std::string(name()) + "': " + what;
  if (error_sink_)
    error_sink_(message);
  else
    SC_REPORT_WARNING("wvp/memnode_agent", message.c_str());
}

bool MemNodeAgent::receive(const LinkItem& item, uint64_t time_ps) {
  if (!waiting_.empty()) {
    requests_refused_ = true;
    return false;
  }
  const uint32_t color = item.tag & 0xff;
  if (color >= 32 || !(params_.request_colors >> color & 1)) {
    record(where(item.tag) + ": wavelet " + hex(item.data) + " on a color that carries no requests, dropped");
    return true;
  }
  take(streams_[item.tag], item.tag, static_cast<uint32_t>(item.data), time_ps);
  return true;
}

void MemNodeAgent::take(Stream& s, uint32_t tag, uint32_t word, uint64_t time_ps) {
  switch (s.phase) {
    case Stream::Phase::kHeader:
      s.header = word;
      s.address_words = address_words(word);
      if (s.address_words == 0) {
        refuse(tag, word, kBadOpcode, "header " + hex(word) + " has an unknown opcode", time_ps);
        return;
      }
      s.address = 0;
      s.phase = Stream::Phase::kAddress;
      return;
    case Stream::Phase::kAddress:
      // Low word first: a 32-bit request's address is its only word.
      s.address |= uint64_t{word} << (address_words(s.header) - s.address_words) * 32;
      if (--s.address_words > 0) return;
      if (!is_write(s.header) || count(s.header) == 0) break;
      s.data_words = 0;
      s.data.assign(count(s.header) <= params_.max_words ? count(s.header) * 4 : 0, 0);
      s.phase = Stream::Phase::kData;
      return;
    case Stream::Phase::kData:
      if (!s.data.empty()) store_le(s.data.data() + 4 * s.data_words, word, 4);
      if (++s.data_words < count(s.header)) return;
      break;
  }
  s.phase = Stream::Phase::kHeader;
  serve(s, tag, time_ps);
}

void MemNodeAgent::serve(Stream& s, uint32_t tag, uint64_t time_ps) {
  const uint32_t words = count(s.header);
  const bool write = is_write(s.header);
  if (words == 0 || words > params_.max_words) {
    refuse(tag, s.header, kBadCount,
           request(s.header, s.address) + ": the count must be 1 to " + std::to_string(params_.max_words),
           time_ps);
    return;
  }
  tlm::tlm_generic_payload gp;
  const uint64_t done_ps = access(s, time_ps, gp);
  if (!gp.is_response_ok()) {
    refuse(tag, s.header, gp.get_response_status() == tlm::TLM_ADDRESS_ERROR_RESPONSE ? kBadAddress : kTargetError,
           request(s.header, s.address) + ": the target answered " + gp.get_response_string(),
           done_ps);
    return;
  }
  (write ? stats_.writes : stats_.reads) += 1;
  (write ? stats_.write_words : stats_.read_words) += words;
  const uint32_t reply = reply_tag(tag, s.header);
  send_reply(reply, status(kOk, opcode(s.header), words), done_ps);
  if (write) return;
  for (uint32_t i = 0; i < words; ++i) send_reply(reply, static_cast<uint32_t>(load_le(s.data.data() + 4 * i, 4)), done_ps);
}

uint64_t MemNodeAgent::access(Stream& s, uint64_t time_ps, tlm::tlm_generic_payload& gp) {
  const uint32_t bytes = count(s.header) * 4;
  const bool write = is_write(s.header);
  if (!write) s.data.assign(bytes, 0);
  // The base protocol: every attribute set, the response status the target's to set.
  gp.set_command(write ? tlm::TLM_WRITE_COMMAND : tlm::TLM_READ_COMMAND);
  gp.set_address(s.address);
  gp.set_data_ptr(s.data.data());
  gp.set_data_length(bytes);
  gp.set_streaming_width(bytes);
  gp.set_byte_enable_ptr(nullptr);
  gp.set_byte_enable_length(0);
  gp.set_dmi_allowed(false);
  gp.set_response_status(tlm::TLM_INCOMPLETE_RESPONSE);
  const uint64_t now_ps = to_ps(sc_core::sc_time_stamp());
  const uint64_t start_ps = std::max(time_ps, now_ps);
  sc_core::sc_time delay = from_ps(start_ps - now_ps);
  socket->b_transport(gp, delay);
  const uint64_t done_ps = now_ps + to_ps(delay);
  stats_.busy_ps += done_ps - std::clamp(busy_until_ps_, start_ps, done_ps);
  busy_until_ps_ = std::max(busy_until_ps_, done_ps);
  return done_ps;
}

void MemNodeAgent::refuse(uint32_t tag, uint32_t header, Code code, const std::string& what, uint64_t time_ps) {
  record(where(tag) + ": " + what);
  send_reply(reply_tag(tag, header), status(code, opcode(header), 0), time_ps);
}

void MemNodeAgent::send_reply(uint32_t tag, uint32_t word, uint64_t time_ps) {
  const LinkItem item{word, tag, EdgeSerdes::kWaveletBytes};  // as the SerDes carries a wavelet
  if (waiting_.empty()) {
    const uint64_t at = std::max({time_ps, last_reply_ps_, replies_->now()});
    last_reply_ps_ = at;
    if (replies_->send(item, at)) return;
  }
  ++stats_.reply_refusals;
  waiting_.push_back({item, time_ps});
}

void MemNodeAgent::flush_replies(uint64_t time_ps) {
  while (!waiting_.empty()) {
    const uint64_t at = std::max({waiting_.front().time_ps, time_ps, last_reply_ps_, replies_->now()});
    last_reply_ps_ = at;
    if (!replies_->send(waiting_.front().item, at)) return;
    waiting_.pop_front();
  }
  if (requests_refused_) {
    requests_refused_ = false;
    requests_->rx_resume(std::max(last_reply_ps_, requests_->now()));
  }
}

}  // namespace wvp
