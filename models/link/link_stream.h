// A byte stream over one Link, for the endpoints that move memory contents (the TLM bridge to a
// memory node, the host's loader). Each send() is cut into items of at most
// frame_payload_bytes, so framing, serialisation, credits and replays are all the Link's, and
// the receiver is handed the bytes of each item when the Link delivers it.
//
// The Link carries an item's size, 64-bit data and tag, not the bytes of its frame. So the
// stream keeps a reference to each item's bytes from send() until the item is delivered (they
// are the wire's content, which the Link does not model; the sender leaves them unchanged until
// then), and the item's data is the number of the reference. The receiver takes only the bytes
// the delivered item names and requires it to be the next number: a lost, repeated or reordered
// item would stop the run with an error instead of silently corrupting memory.
#pragma once
#include <cstdint>
#include <deque>
#include <functional>
#include <span>

#include "models/link/link.h"

namespace wvp {

// The headers of the protocols over a stream are little-endian fields.
inline void store_le(uint8_t* at, uint64_t value, unsigned bytes) {
  for (unsigned i = 0; i < bytes; ++i) at[i] = static_cast<uint8_t>(value >> (8 * i));
}
inline uint64_t load_le(const uint8_t* at, unsigned bytes) {
  uint64_t value = 0;
  for (unsigned i = 0; i < bytes; ++i) value |= uint64_t{at[i]} << (8 * i);
  return value;
}

class LinkStream {
 public:
  using Receive = std::function<void(std::span<const uint8_t> bytes, uint64_t time_ps)>;

  // Takes over the link's deliver and space callbacks; `link` must outlive the stream.
  LinkStream(Link& link, Receive receive);
  LinkStream(const LinkStream&) = delete;
  LinkStream& operator=(const LinkStream&) = delete;

  // Offers `bytes` at time_ps, or at the link's settled time or the previous send's if later (a
  // link has its own time, and what comes late queues behind its traffic). The caller keeps the
  // bytes unchanged until they are delivered. Items the link's send queue refuses wait here and
  // go when it has room. Advances the link up to the sending time, so not for a Receive to call.
  void send(std::span<const uint8_t> bytes, uint64_t time_ps);
  // Advances the link until every byte sent so far has been delivered; returns the time of the
  // last delivery. Later events (the last ACKs and credits) stay pending for the next advance.
  uint64_t drain();

 private:
  bool deliver(const LinkItem& item, uint64_t time_ps);
  void flush(uint64_t time_ps);

  Link& link_;
  Receive receive_;
  std::deque<std::span<const uint8_t>> chunks_;  // sent, not yet delivered; the front is number first_chunk_
  uint64_t first_chunk_ = 0;
  std::deque<LinkItem> refused_;  // not yet taken by the link's send queue
  uint64_t last_send_ps_ = 0;
  uint64_t last_delivery_ps_ = 0;
};

}  // namespace wvp
