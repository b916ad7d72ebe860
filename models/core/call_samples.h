// Sampling a core for a per-function profile (--profile): every `period` cycles of its own
// time the core reports where it is (pc, and the calls it is in) and what it did since the last
// report, so that a profile attributes the whole run's cycles and instructions, waits included,
// to functions. Off by default: an unprofiled core carries one null pointer for it.
//
// The calls come from the instructions: with sampling on, the decode cache holds jal/jalr that
// write ra as calls and `jalr x0, 0(ra)` as returns (OpKind kCall, kCallReg, kRet), which keep
// the core's call stack. Decoding is shared by the cores of an image, so either every core of a
// run is sampled or none.
#pragma once
#include <cstdint>

namespace wvp {

// The functions (their entry addresses) a core has called and not yet returned from.
struct CallStack {
  static constexpr uint32_t kMaxDepth = 32;
  uint32_t depth = 0;  // may exceed kMaxDepth: deeper calls are counted, not kept
  uint32_t entries[kMaxDepth] = {};  // outermost first

  void push(uint32_t entry) {
    if (depth < kMaxDepth) entries[depth] = entry;
    ++depth;
  }
  void pop() {
    if (depth) --depth;
  }
  uint32_t kept() const { return depth < kMaxDepth ? depth : kMaxDepth; }
};

// Takes a sampled core's reports.
class CallSampleSink {
 public:
  virtual void sample(uint32_t tile, uint32_t pc, const CallStack& calls, uint64_t cycles, uint64_t instructions) = 0;

 protected:
  ~CallSampleSink() = default;
};

}  // namespace wvp
