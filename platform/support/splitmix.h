// splitmix64 (Steele, Lea and Flood): a well-mixed 64-bit value from any 64-bit input, so that a
// draw depends only on its seed and index, not on the order draws are made in.
#pragma once
#include <cstdint>

namespace wvp {

constexpr uint64_t kSplitmixGamma = 0x9E3779B97F4A7C15ull;

constexpr uint64_t splitmix64(uint64_t x) {
  x += kSplitmixGamma;
  x = (x ^ (x >> 30)) * 0xBF58476D1CE4E5B9ull;
  x = (x ^ (x >> 27)) * 0x94D049BB133111EBull;
  return x ^ (x >> 31);
}

// The top 53 bits as a double in [0, 1).
constexpr double unit_interval(uint64_t bits) { return static_cast<double>(bits >> 11) * 0x1.0p-53; }

}  // namespace wvp
