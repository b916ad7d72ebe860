// The address a transaction carries on a wafer's bus: one bus and one module of each kind serve
// every tile, so each access names its tile above the 32-bit address its core issued. Targets
// take the tile and their offset from it; DMI ranges and invalidations carry the tile the same way.
#pragma once
#include <cstdint>

namespace wvp {

constexpr unsigned kTileAddressShift = 32;
constexpr uint64_t kLocalAddressMask = (uint64_t{1} << kTileAddressShift) - 1;

constexpr uint64_t tile_address(uint32_t tile, uint64_t local) { return uint64_t{tile} << kTileAddressShift | local; }
constexpr uint32_t tile_of(uint64_t address) { return static_cast<uint32_t>(address >> kTileAddressShift); }
constexpr uint64_t local_of(uint64_t address) { return address & kLocalAddressMask; }

}  // namespace wvp
