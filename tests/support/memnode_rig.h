// The memory node as the unit tests set it up: parameters worked out by hand, refusals recorded.
#pragma once
#include <cstdint>
#include <string>
#include <vector>

#include "models/memnode/memnode.h"
#include "support/unique_name.h"

namespace wvp::test {

// Two channels of DDR4-3200: 25.6 GB/s each, 256-byte blocks, so a block takes 10 ns on its
// channel; 80 ns of latency.
inline MemNodeParams two_channels(uint64_t size_bytes = uint64_t{1} << 30) {
  return {.size_bytes = size_bytes, .channels = 2, .channel_gb_per_s = 25.6, .interleave_bytes = 256, .access_latency_ns = 80};
}

// A memory node that records its refusals (instead of SystemC warnings), for the tests to check.
struct RecordingNode {
  explicit RecordingNode(const MemNodeParams& p) : node(unique_name("kv").c_str(), p) {
    node.set_error_sink([this](const std::string& what) { errors.push_back(what); });
  }
  MemNode node;
  std::vector<std::string> errors;
};

}  // namespace wvp::test
