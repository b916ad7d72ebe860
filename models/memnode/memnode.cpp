#include "models/memnode/memnode.h"

#include <algorithm>
#include <cmath>
#include <cstdio>
#include <cstring>
#include <sstream>
#include <stdexcept>

#include "tlm/ps_time.h"

namespace wvp {

namespace {

std::string hex(uint64_t value) {
  char buf[24];
  std::snprintf(buf, sizeof buf, "0x%llx", static_cast<unsigned long long>(value));
  return buf;
}

[[noreturn]] void bad_param(const std::string& node, const std::string& field, const std::string& rule, double got) {
  std::ostringstream os;
  os << "memory node '" << node << "': " << field << " " << rule << " (got " << got << ")";
  throw std::invalid_argument(os.str());
}

}  // namespace

void check_memnode_params(const std::string& node, const MemNodeParams& p) {
  if (p.size_bytes == 0) bad_param(node, "size_bytes", "must not be 0", 0);
  if (p.channels < 1 || p.channels > 4096) bad_param(node, "channels", "must be 1 to 4096", p.channels);
  if (!(std::isfinite(p.channel_gb_per_s) && p.channel_gb_per_s > 0))
    bad_param(node, "channel_gb_per_s", "must be finite and above 0", p.channel_gb_per_s);
  if (p.interleave_bytes == 0) bad_param(node, "interleave_bytes", "must not be 0", 0);
  if (!(std::isfinite(p.access_latency_ns) && p.access_latency_ns >= 0 && p.access_latency_ns <= 1e9))
    bad_param(node, "access_latency_ns", "must be 0 to 1e9 ns", p.access_latency_ns);
}

MemNode::MemNode(sc_core::sc_module_name name, const MemNodeParams& params)
    : sc_module(name),
      socket("socket"),
      params_((check_memnode_params(this->name(), params), params)),
      mem_(params.size_bytes),
      latency_ps_(static_cast<uint64_t>(std::llround(params.access_latency_ns * 1000))),
      channel_free_ps_(params.channels, 0),
      channel_bytes_(params.channels, 0) {
  socket.register_b_transport(this, &MemNode::b_transport);
  socket.register_transport_dbg(this, &MemNode::transport_dbg);
  // get_direct_mem_ptr is left to the socket's default, which refuses: see the header.
}

void MemNode::refuse(const std::string& what) {
  const std::string message = "memory node '" + std::string(name()) + "': " + what;
  if (error_sink_)
    error_sink_(message);
  else
    SC_REPORT_WARNING("wvp/memnode", message.c_str());
}

tlm::tlm_response_status MemNode::check_access(const tlm::tlm_generic_payload& gp) {
  const uint64_t addr = gp.get_address();
  const uint64_t len = gp.get_data_length();
  const tlm::tlm_command cmd = gp.get_command();
  if (cmd != tlm::TLM_READ_COMMAND && cmd != tlm::TLM_WRITE_COMMAND && cmd != tlm::TLM_IGNORE_COMMAND) {
    refuse("command " + std::to_string(static_cast<int>(cmd)) + " at " + hex(addr) + " is not a read, write or ignore");
    return tlm::TLM_COMMAND_ERROR_RESPONSE;
  }
  if (addr >= params_.size_bytes || len > params_.size_bytes - addr) {
    refuse("access of " + std::to_string(len) + " bytes at " + hex(addr) + " is outside its " +
           std::to_string(params_.size_bytes) + " bytes");
    return tlm::TLM_ADDRESS_ERROR_RESPONSE;
  }
  // A memory has nothing to stream from or to: one address per byte.
  if (gp.get_streaming_width() < len) {
    refuse("streaming access (width " + std::to_string(gp.get_streaming_width()) + " of " + std::to_string(len) +
           " bytes) at " + hex(addr) + " is not supported");
    return tlm::TLM_BURST_ERROR_RESPONSE;
  }
  if (gp.get_byte_enable_ptr() && gp.get_byte_enable_length() == 0) {
    refuse("access at " + hex(addr) + " has byte enables of length 0");
    return tlm::TLM_BYTE_ENABLE_ERROR_RESPONSE;
  }
  return tlm::TLM_OK_RESPONSE;
}

// Byte enables (0xff on, 0x00 off, the pattern repeated over the data) are honoured: a write
// stores only the enabled bytes, a read leaves the disabled bytes of the data array as they are.
void MemNode::copy(tlm::tlm_generic_payload& gp) {
  uint8_t* const mem = mem_.data() + gp.get_address();
  uint8_t* const data = gp.get_data_ptr();
  const uint64_t len = gp.get_data_length();
  const bool write = gp.is_write();
  const unsigned char* const be = gp.get_byte_enable_ptr();
  if (!be) {
    if (write)
      std::memcpy(mem, data, len);
    else
      std::memcpy(data, mem, len);
    return;
  }
  const uint64_t be_len = gp.get_byte_enable_length();
  for (uint64_t i = 0; i < len; ++i) {
    if (be[i % be_len] != TLM_BYTE_ENABLED) continue;
    if (write)
      mem[i] = data[i];
    else
      data[i] = mem[i];
  }
}

uint64_t MemNode::occupy_channels(uint64_t addr, uint64_t len, uint64_t arrival_ps) {
  // Every block of the access is whole except perhaps the first and the last; count whole
  // blocks per channel, then take off what the ends leave out.
  const uint64_t block = params_.interleave_bytes, channels = params_.channels;
  const uint64_t first = addr / block, last = (addr + len - 1) / block, blocks = last - first + 1;
  for (uint64_t c = 0; c < channels; ++c) {
    const uint64_t offset = (c + channels - first % channels) % channels;  // c's first block after `first`
    channel_bytes_[c] = (blocks / channels + (offset < blocks % channels ? 1 : 0)) * block;
  }
  channel_bytes_[first % channels] -= addr - first * block;
  channel_bytes_[last % channels] -= (last + 1) * block - (addr + len);

  uint64_t done = arrival_ps;
  for (uint64_t c = 0; c < channels; ++c) {
    if (channel_bytes_[c] == 0) continue;
    const uint64_t start = std::max(arrival_ps, channel_free_ps_[c]);
    const uint64_t busy =
        static_cast<uint64_t>(std::llround(static_cast<double>(channel_bytes_[c]) * 1000 / params_.channel_gb_per_s));
    channel_free_ps_[c] = start + busy;
    stats_.queue_ps += start - arrival_ps;
    stats_.busy_ps += busy;
    stats_.end_ps = std::max(stats_.end_ps, channel_free_ps_[c]);
    done = std::max(done, channel_free_ps_[c]);
  }
  return done + latency_ps_;
}

void MemNode::b_transport(tlm::tlm_generic_payload& gp, sc_core::sc_time& delay) {
  const tlm::tlm_response_status status = check_access(gp);
  gp.set_dmi_allowed(false);
  if (status != tlm::TLM_OK_RESPONSE) {
    gp.set_response_status(status);
    return;
  }
  const uint64_t len = gp.get_data_length();
  if (gp.is_read() || gp.is_write()) {
    copy(gp);
    if (gp.is_write()) {
      ++stats_.writes;
      stats_.write_bytes += len;
    } else {
      ++stats_.reads;
      stats_.read_bytes += len;
    }
    if (len > 0) {
      const uint64_t arrival = to_ps(sc_core::sc_time_stamp() + delay);
      delay += from_ps(occupy_channels(gp.get_address(), len, arrival) - arrival);
    }
  }
  gp.set_response_status(tlm::TLM_OK_RESPONSE);
}

unsigned int MemNode::transport_dbg(tlm::tlm_generic_payload& gp) {
  const uint64_t addr = gp.get_address();
  if (addr >= params_.size_bytes) {
    refuse("debug access at " + hex(addr) + " is outside its " + std::to_string(params_.size_bytes) + " bytes");
    gp.set_response_status(tlm::TLM_ADDRESS_ERROR_RESPONSE);
    return 0;
  }
  const uint64_t n = std::min<uint64_t>(gp.get_data_length(), params_.size_bytes - addr);
  if (gp.is_write())
    std::memcpy(mem_.data() + addr, gp.get_data_ptr(), n);
  else if (gp.is_read())
    std::memcpy(gp.get_data_ptr(), mem_.data() + addr, n);
  gp.set_response_status(tlm::TLM_OK_RESPONSE);
  return static_cast<unsigned int>(n);
}

MemNodeStats MemNode::stats() const {
  MemNodeStats s = stats_;
  s.utilisation = s.end_ps ? static_cast<double>(s.busy_ps) / (static_cast<double>(params_.channels) * s.end_ps) : 0;
  return s;
}

void MemNode::checkpoint(Snapshot& s) {
  Snapshot::Section section(s, "memnode");
  s.fields(channel_free_ps_, stats_);
  // The pages the run wrote (a node of 64 GiB holds only those), each as its offset and bytes.
  std::vector<size_t> pages = mem_.resident_pages();
  s.io(pages);
  const size_t page = HostMemory::page_bytes();
  for (const size_t offset : pages) {
    if (offset + page > mem_.size()) s.fail("a page at " + std::to_string(offset) + " beyond the node's memory");
    s.raw(mem_.data() + offset, page);
  }
}

}  // namespace wvp
