#include "models/core/core_array.h"

#include <algorithm>

#include "tlm/tile_address.h"

namespace wvp {

CoreArray::CoreArray(sc_core::sc_module_name name) : sc_module(name), socket("socket") {
  socket.register_invalidate_direct_mem_ptr(this, &CoreArray::invalidate_direct_mem_ptr);
}

Core& CoreArray::add(const CoreParams& params, const Clock& clock) {
  if (!dmi_tables_) dmi_tables_ = std::make_unique<BlockPool>(Core::dmi_table_bytes(params), alignof(uintptr_t));
  cores_.push_back(std::make_unique<Core>(params, clock, socket, size(), *dmi_tables_));
  cores_.back()->set_register_windows(&registers_);
  return *cores_.back();
}

uint64_t CoreArray::host_bytes() const {
  uint64_t bytes = cores_.capacity() * sizeof(cores_[0]) + registers_.capacity() * sizeof(RegisterWindow);
  for (const auto& core : cores_) bytes += core->host_bytes();
  return bytes;
}

void CoreArray::invalidate_direct_mem_ptr(sc_dt::uint64 start, sc_dt::uint64 end) {
  if (cores_.empty() || start > end) return;
  const uint32_t first = tile_of(start), last = std::min(tile_of(end), size() - 1);
  for (uint32_t tile = first; tile <= last; ++tile) {
    cores_[tile]->invalidate_dmi(tile == first ? local_of(start) : 0, tile == tile_of(end) ? local_of(end) : kLocalAddressMask);
  }
}

}  // namespace wvp
