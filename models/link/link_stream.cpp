#include "models/link/link_stream.h"

#include <algorithm>
#include <stdexcept>
#include <string>

namespace wvp {

LinkStream::LinkStream(Link& link, Receive receive) : link_(link), receive_(std::move(receive)) {
  link_.set_deliver([this](const LinkItem& item, uint64_t t) { return deliver(item, t); });
  link_.set_space([this](uint64_t t) { flush(t); });
}

void LinkStream::send(std::span<const uint8_t> bytes, uint64_t time_ps) {
  const uint64_t t = std::max({time_ps, link_.now(), last_send_ps_});
  last_send_ps_ = t;
  const uint32_t most = std::min(link_.params().frame_payload_bytes, link_.params().tx_queue_bytes);
  for (size_t at = 0; at < bytes.size(); at += most) {
    const auto chunk = bytes.subspan(at, std::min<size_t>(most, bytes.size() - at));
    const LinkItem item{first_chunk_ + chunks_.size(), 0, static_cast<uint32_t>(chunk.size())};
    chunks_.push_back(chunk);
    if (!refused_.empty() || !link_.send(item, t)) refused_.push_back(item);
  }
}

// Called by the link when its send queue has room again, at a time it has not settled yet.
void LinkStream::flush(uint64_t time_ps) {
  const uint64_t t = std::max(time_ps, last_send_ps_);
  while (!refused_.empty() && link_.send(refused_.front(), t)) refused_.pop_front();
  last_send_ps_ = t;
}

bool LinkStream::deliver(const LinkItem& item, uint64_t time_ps) {
  if (chunks_.empty() || item.data != first_chunk_) {
    throw std::logic_error("link '" + link_.params().name + "' delivered item " + std::to_string(item.data) +
                           " where item " + std::to_string(first_chunk_) + " was due");
  }
  last_delivery_ps_ = time_ps;
  receive_(chunks_.front(), time_ps);
  chunks_.pop_front();
  ++first_chunk_;
  return true;
}

uint64_t LinkStream::drain() {
  while (!chunks_.empty()) {
    const auto next = link_.next_event_ps();
    if (!next) throw std::logic_error("link '" + link_.params().name + "' has bytes in flight and nothing scheduled");
    link_.advance(*next + 1);
  }
  return last_delivery_ps_;
}

}  // namespace wvp
