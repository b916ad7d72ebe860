// A tile's fabric queues as another model of the same tile uses them (the tensor engine streams
// to and from them). The rules are those of the core's own accesses (engine/cycle_domain.h): a
// wavelet or a free slot known at cycle T is used at once; otherwise the tile's initiator waits
// until the domain wakes it, or, where the domain cannot answer that far ahead, until it has
// settled every cycle before T.
#pragma once
#include <cstdint>

namespace wvp {

// The tile's initiator whose waits are streams (the tensor engine): the queues may go on with a
// waiting stream themselves, at the cycle its wavelet or slot comes, instead of waking the core
// that waits for the stream's end.
class StreamResumer {
 public:
  virtual ~StreamResumer() = default;
  // Goes on with `tile`'s stream from `cycle`; returns UINT64_MAX if it waits again (wait_receive
  // or wait_send returned true), else the cycle to wake its core at, which then retries its
  // access and finds the stream ended (or waits on as its own access would).
  virtual uint64_t resume_stream(uint32_t tile, uint64_t cycle) = 0;
};

class WaveletQueues {
 public:
  virtual ~WaveletQueues() = default;

  virtual uint32_t colors() const = 0;
  // Takes the first wavelet of `color` if one is known to have arrived by `cycle`.
  virtual bool try_receive(uint32_t tile, uint32_t color, uint64_t cycle, uint32_t& wavelet) = 0;
  // Sends at `cycle` (not before settled()) if the send queue has room.
  virtual bool try_send(uint32_t tile, uint32_t color, uint32_t wavelet, uint64_t cycle) = 0;
  // After a failed try at `cycle`, the tile's initiator waits for a wavelet (room) on `color`:
  // true if the domain wakes it when one comes (StallExtension::Until::Woken), false if it
  // retries once the domain has settled every cycle before `cycle` (Until::Settled).
  virtual bool wait_receive(uint32_t tile, uint32_t color, uint64_t cycle) = 0;
  virtual bool wait_send(uint32_t tile, uint32_t color, uint64_t cycle) = 0;
  // Queues that can resume streams call `resumer` for a wait that came true, and wake the core
  // only once it returns a cycle; others ignore it.
  virtual void set_stream_resumer(StreamResumer* resumer) { (void)resumer; }
};

}  // namespace wvp
