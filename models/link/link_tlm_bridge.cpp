#include "models/link/link_tlm_bridge.h"

#include <array>
#include <cstring>
#include <stdexcept>
#include <string>

#include "tlm/plain_payload.h"
#include "tlm/ps_time.h"

namespace wvp {

namespace {

LinkParams direction(const LinkParams& link, const std::string& bridge, const char* which, uint64_t seed_offset) {
  LinkParams p = link;
  p.name = bridge + "." + which;
  p.seed = link.seed + seed_offset;
  return p;
}

// Request: address, length, command. Response: address, length of the data that follows,
// response status.
struct Header {
  uint64_t address;
  uint32_t length;
  int32_t code;
};

std::array<uint8_t, LinkTlmBridge::kHeaderBytes> encode(const Header& h) {
  std::array<uint8_t, LinkTlmBridge::kHeaderBytes> bytes{};
  store_le(bytes.data(), h.address, 8);
  store_le(bytes.data() + 8, h.length, 4);
  store_le(bytes.data() + 12, static_cast<uint32_t>(h.code), 4);
  return bytes;
}

// The header at the front of the bytes one end received, and the data after it, which must be
// `data_bytes` long.
Header decode(const std::vector<uint8_t>& rx, const char* end, uint32_t data_bytes(const Header&)) {
  if (rx.size() < LinkTlmBridge::kHeaderBytes) throw std::logic_error(std::string(end) + " received no whole header");
  const Header h{load_le(rx.data(), 8), static_cast<uint32_t>(load_le(rx.data() + 8, 4)),
                 static_cast<int32_t>(load_le(rx.data() + 12, 4))};
  if (rx.size() != LinkTlmBridge::kHeaderBytes + uint64_t{data_bytes(h)})
    throw std::logic_error(std::string(end) + " received " + std::to_string(rx.size()) + " bytes for a header of length " +
                           std::to_string(h.length));
  return h;
}

uint32_t write_data(const Header& request) { return request.code == tlm::TLM_WRITE_COMMAND ? request.length : 0; }
uint32_t read_data(const Header& response) { return response.length; }

}  // namespace

LinkTlmBridge::LinkTlmBridge(sc_core::sc_module_name name, const LinkTlmBridgeParams& params)
    : sc_module(name),
      near_side("near_side"),
      far_side("far_side"),
      request_link_(direction(params.link, this->name(), "request", 0)),
      response_link_(direction(params.link, this->name(), "response", 1)),
      request_(request_link_,
               [this](std::span<const uint8_t> b, uint64_t) { far_rx_.insert(far_rx_.end(), b.begin(), b.end()); }),
      response_(response_link_,
                [this](std::span<const uint8_t> b, uint64_t) { near_rx_.insert(near_rx_.end(), b.begin(), b.end()); }) {
  near_side.register_b_transport(this, &LinkTlmBridge::b_transport);
  near_side.register_transport_dbg(this, &LinkTlmBridge::transport_dbg);
}

void LinkTlmBridge::b_transport(tlm::tlm_generic_payload& gp, sc_core::sc_time& delay) {
  const uint32_t len = gp.get_data_length();
  if (const tlm::tlm_response_status refused = plain_payload_status(gp); refused != tlm::TLM_OK_RESPONSE) {
    gp.set_response_status(refused);
    return;
  }
  ++transactions_;
  const sc_core::sc_time now = sc_core::sc_time_stamp();

  far_rx_.clear();
  request_header_ = encode({gp.get_address(), len, static_cast<int32_t>(gp.get_command())});
  request_.send(request_header_, to_ps(now + delay));
  if (gp.is_write()) request_.send({gp.get_data_ptr(), len}, to_ps(now + delay));
  const uint64_t arrived = request_.drain();

  // The far end: a payload rebuilt from the bytes the link delivered.
  const Header request = decode(far_rx_, "far end", write_data);
  const auto command = static_cast<tlm::tlm_command>(request.code);
  if (command == tlm::TLM_WRITE_COMMAND)
    far_data_.assign(far_rx_.begin() + kHeaderBytes, far_rx_.end());
  else
    far_data_.assign(request.length, 0);
  tlm::tlm_generic_payload far;
  far.set_command(command);
  far.set_address(request.address);
  far.set_data_ptr(far_data_.data());
  far.set_data_length(request.length);
  far.set_streaming_width(request.length);
  far.set_response_status(tlm::TLM_INCOMPLETE_RESPONSE);
  sc_core::sc_time far_delay = from_ps(arrived) - now;
  far_side->b_transport(far, far_delay);

  const bool data_back = command == tlm::TLM_READ_COMMAND && far.is_response_ok();
  near_rx_.clear();
  const uint64_t served = to_ps(now + far_delay);
  response_header_ = encode({request.address, data_back ? request.length : 0, far.get_response_status()});
  response_.send(response_header_, served);
  if (data_back) response_.send(far_data_, served);
  const uint64_t back = response_.drain();

  // The near end: status and read data from the bytes the link delivered.
  const Header response = decode(near_rx_, "near end", read_data);
  if (response.length > len) throw std::logic_error("near end received more read data than it asked for");
  if (response.length) std::memcpy(gp.get_data_ptr(), near_rx_.data() + kHeaderBytes, response.length);
  gp.set_response_status(static_cast<tlm::tlm_response_status>(response.code));
  gp.set_dmi_allowed(false);
  delay = from_ps(back) - now;
}

unsigned int LinkTlmBridge::transport_dbg(tlm::tlm_generic_payload& gp) { return far_side->transport_dbg(gp); }

}  // namespace wvp
