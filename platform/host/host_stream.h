// The host's traffic with a running wafer, after the load (platform/host/host_load.h): a block it
// sends into every tile once the cores run (the decode's prompts), and the words the cores send
// it (the decode's generated tokens), over the host's links when host.load=links.
//
// In. The block crosses the host.links links from the run's start, as a load does (striped,
// framed, replayed after bit errors: models/host/host_loader.h); the fabric's multicast puts it
// into every tile (not timed, as for the load), and the host rings every core's doorbell, its
// software interrupt (CLINT msip), at the cycle its last byte arrived: a core waiting in wfi
// resumes at that cycle, whatever the quantum. The firmware reads the block only after the
// doorbell, as it would after any DMA that signals its end, so its bytes are written into the
// SRAM before the run and the doorbell's cycle is computed then: nothing on the wafer can hold
// the block up. With the backdoor the doorbell rings at cycle 0.
//
// Out. A word a core writes to its host-out register (wvp_host_out) is a 4-byte item on the
// return direction of the first host link, sent at the write's simulated time; the host takes it
// when the link delivers it. The return link runs in SystemC time beside the cores, so the host
// sees the words as they come. Words from several cores leave in the order they were written;
// one written at an earlier time than the word before it (another core, behind it within a
// quantum) leaves with it. With the backdoor the host takes each word at its write.
#pragma once
#include <cstdint>
#include <deque>
#include <functional>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include <nlohmann/json_fwd.hpp>
#include <systemc>

#include "models/host/host_loader.h"

namespace wvp {

class Wafer;

struct HostWord {
  uint32_t x = 0, y = 0;  // the tile that wrote it
  uint32_t word = 0;
  uint64_t sent_ps = 0, arrived_ps = 0;  // from the run's start (the cores' cycle 0)
};

struct HostStreamSummary {
  bool links = false;          // else the backdoor: no time, no link
  uint64_t in_bytes = 0;       // the block sent in
  uint64_t in_arrived_ps = 0;  // its last byte delivered
  uint64_t doorbell_cycle = 0;  // the first core cycle at or after in_arrived_ps
  double in_first_principles_ps = 0;
  uint64_t in_retries = 0;          // frames of the block replayed
  std::vector<HostWord> out;        // in the order the host took them
  LinkStats out_link;
};

nlohmann::json to_json(const HostStreamSummary& summary);
std::string describe(const HostStreamSummary& summary);  // one line for reports

class HostStream {
 public:
  struct Block {
    uint32_t addr = 0;  // in every tile's SRAM
    std::vector<uint8_t> bytes;
  };
  // Receives each word the host takes, as it takes it.
  using WordSink = std::function<void(const HostWord&)>;

  // Takes the cores' host-out writes from now on and sends `in`, if any and not empty, from the
  // run's start. Before sc_start. Throws LoadError for a block outside the SRAM,
  // ConfigError naming the host.* keys for links the link model refuses.
  HostStream(Wafer& wafer, std::optional<Block> in, WordSink sink);
  ~HostStream();

  // After the run: lets the return link deliver what is still on it.
  HostStreamSummary finish();
  // The words taken and those still on the return link, with the link. Restoring does not hand
  // the words taken to the sink again: the caller replays what its run printed.
  void checkpoint(Snapshot& s);

 private:
  void take(const HostWord& word);
  void send_out(uint32_t x, uint32_t y, uint32_t word, uint64_t time_ps);
  void drive_out();  // the return link's process
  uint64_t now_ps() const;

  Wafer& wafer_;
  WordSink sink_;
  HostStreamSummary summary_;
  std::unique_ptr<Link> out_;  // null: the backdoor
  std::deque<HostWord> on_link_;  // sent and not yet delivered, in order
  uint64_t last_sent_ps_ = 0;
  sc_core::sc_event sent_;
};

}  // namespace wvp
