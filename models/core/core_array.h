// The cores of a wafer as one SystemC module. Cores are plain objects, not modules: a wafer of
// 893,064 cores cannot afford a module and a socket apiece. Every core's accesses leave through
// the array's one initiator socket, with the core's tile above its 32-bit address
// (tlm/tile_address.h), and each DMI invalidation that comes back goes to the cores of the tiles
// it covers.
#pragma once
#include <cstdint>
#include <memory>
#include <vector>

#include <systemc>
#include <tlm>
#include <tlm_utils/simple_initiator_socket.h>

#include "models/core/core.h"

namespace wvp {

class CoreArray : public sc_core::sc_module {
 public:
  tlm_utils::simple_initiator_socket<CoreArray> socket;

  explicit CoreArray(sc_core::sc_module_name name);

  // The core of the next tile (tiles are numbered in the order cores are added). Every core
  // has the first one's executable memory size.
  Core& add(const CoreParams& params, const Clock& clock);
  // A device's register window in every tile, which the cores reach by the fast path
  // (engine/register_target.h) when their CoreParams::register_fast_path is on; `target` must
  // also be mapped there on the bus behind the socket, where every other initiator reaches it.
  void map_registers(uint32_t base, uint32_t size, RegisterTarget& target) { registers_.push_back({base, size, &target}); }
  Core& operator[](uint32_t tile) { return *cores_[tile]; }
  const Core& operator[](uint32_t tile) const { return *cores_[tile]; }
  uint32_t size() const { return static_cast<uint32_t>(cores_.size()); }
  uint64_t host_bytes() const;  // the cores' (Core::host_bytes) and the array's

 private:
  void invalidate_direct_mem_ptr(sc_dt::uint64 start, sc_dt::uint64 end);

  std::unique_ptr<BlockPool> dmi_tables_;  // the cores' tables, from the first add(); outlives them
  std::vector<std::unique_ptr<Core>> cores_;
  std::vector<RegisterWindow> registers_;  // shared by the cores
};

}  // namespace wvp
