#include "platform/tile.h"

#include "platform/memory_map.h"

namespace wvp {

Tile::Tile(const std::string& name, const TileIdentity& tile_id, const CoreParams& core_params,
           const SramParams& sram_params, uint8_t* sram_backing, SecdedCodec* ecc, TileCtl::LineSink console, FabricPort& fabric,
           TensorEngine& tensor, PhaseProfile& profile, uint32_t tile_index)
    : id(tile_id),
      core((name + "_core").c_str(), core_params),
      bus((name + "_bus").c_str()),
      sram((name + "_sram").c_str(), sram_params, sram_backing, ecc),
      ctl((name + "_ctl").c_str(), tile_id, core, std::move(console), profile, tile_index) {
  core.socket.bind(bus.target);
  // One window covers the CLINT and sysctl blocks (the control block decodes both).
  bus.map(memmap::kClintBase, memmap::kSysctlBase + memmap::kSysctlSize - memmap::kClintBase, "ctl");
  bus.initiator.bind(ctl.socket);
  bus.map(memmap::kSramBase, sram_params.size_bytes, "sram");
  bus.initiator.bind(sram.socket);
  bus.map(memmap::kFabricBase, memmap::kFabricSize, "fabric");
  bus.initiator.bind(fabric.socket);  // the port's binding index is this tile's index
  bus.map(memmap::kTensorBase, memmap::kTensorSize, "tensor");
  bus.initiator.bind(tensor.socket);  // likewise
}

}  // namespace wvp
