// A tile's fabric queues as another model of the same tile uses them (the tensor engine streams
// to and from them). The rules are those of the core's own accesses (engine/cycle_domain.h): an
// answer about cycle T is final only once the domain has settled every cycle before T; until
// then, and while a queue stays empty or full, the tile's initiator waits.
#pragma once
#include <cstdint>

namespace wvp {

class WaveletQueues {
 public:
  virtual ~WaveletQueues() = default;

  virtual uint64_t settled() const = 0;  // as CycleDomain::settled()
  virtual uint32_t colors() const = 0;
  // Takes the first wavelet of `color` if one is known to have arrived by `cycle`.
  virtual bool try_receive(uint32_t tile, uint32_t color, uint64_t cycle, uint32_t& wavelet) = 0;
  // Sends at `cycle` (not before settled()) if the send queue has room.
  virtual bool try_send(uint32_t tile, uint32_t color, uint32_t wavelet, uint64_t cycle) = 0;
  // The tile's initiator waits for a wavelet (room) on `color`: the domain wakes it then.
  virtual void wait_receive(uint32_t tile, uint32_t color) = 0;
  virtual void wait_send(uint32_t tile, uint32_t color) = 0;
};

}  // namespace wvp
