#include "platform/assembly/tile.h"

#include "abi/wvp/tile_map.h"

namespace wvp {

Tile::Tile(const std::string& name, const TileIdentity& tile_id, const CoreParams& core_params,
           const SramParams& sram_params, const Clock& clock, SramPages& sram_pages, SecdedCodec* ecc,
           TileCtl::LineSink console, FabricPort& fabric, TensorEngine& tensor, PhaseSink& phases, uint32_t tile_index)
    : id(tile_id),
      core((name + "_core").c_str(), core_params, clock),
      bus((name + "_bus").c_str()),
      sram((name + "_sram").c_str(), sram_params, clock, sram_pages, tile_index, ecc),
      ctl((name + "_ctl").c_str(), tile_id, core, std::move(console), phases, tile_index) {
  core.socket.bind(bus.target);
  // One window covers the CLINT and sysctl blocks (the control block decodes both).
  bus.map(WVP_CLINT_BASE, WVP_SYSCTL_BASE + WVP_SYSCTL_SIZE - WVP_CLINT_BASE, "ctl");
  bus.initiator.bind(ctl.socket);
  bus.map(WVP_SRAM_BASE, sram_params.size_bytes, "sram");
  bus.initiator.bind(sram.socket);
  bus.map(WVP_FABRIC_BASE, WVP_FABRIC_SIZE, "fabric");
  bus.initiator.bind(fabric.socket);  // the port's binding index is this tile's index
  bus.map(WVP_TENSOR_BASE, WVP_TENSOR_SIZE, "tensor");
  bus.initiator.bind(tensor.socket);  // likewise
}

}  // namespace wvp
