// A router of the fabric replaced by a twin (the Verilated RTL router): the twin decides which
// wavelet each output port sends and which buffer each input port pops; the fabric keeps moving
// the wavelets over the links and holds a copy of the twin's buffers for its reports, deadlock
// search and a check of every decision.
//
// The fabric calls cycle() only in cycles where something may move (as for its own routers);
// everything written since the last call takes effect before that cycle, in the order written.
#pragma once
#include <cstdint>

#include "models/router/routing.h"

namespace wvp {

struct RouterDecisions {
  struct Send {
    uint8_t in_port = 0, color = 0;
    uint32_t data = 0;
  };
  PortMask sends = 0;          // output ports that send this cycle
  Send send[kPorts];
  PortMask pops = 0;           // input ports whose buffer `pop_color[p]` pops this cycle
  uint8_t pop_color[kPorts] = {};
  bool blocked = false;        // a head waits for a route or a credit
  bool stalled = false;        // a head that could leave did not (blocked, lost or partly served)
};

class RouterTwin {
 public:
  virtual ~RouterTwin() = default;
  // A wavelet enters input port `port`'s buffer of `color` (a link or the tile's send queue).
  virtual void write_flit(int port, uint32_t color, uint32_t wavelet) = 0;
  // A slot of the buffer downstream of output `port` for `color` freed.
  virtual void return_credit(int port, uint32_t color) = 0;
  virtual void write_route(uint32_t color, int in_port, PortMask outputs) = 0;
  // Decides cycle `cycle`; the decisions are final (the fabric moves the wavelets).
  virtual void cycle(uint64_t cycle, RouterDecisions& out) = 0;
  // The run has ended: completes what the twin writes (its waveform).
  virtual void finish() = 0;
};

}  // namespace wvp
