// One processing element: core, local bus, SRAM and control block, wired together.
#pragma once
#include <memory>

#include "models/core/core.h"
#include "models/router/fabric_port.h"
#include "models/tensor/tensor_engine.h"
#include "models/sram/sram.h"
#include "platform/tile_ctl.h"
#include "tlm/bus.h"

namespace wvp {

struct Tile {
  Tile(const std::string& name, const TileIdentity& id, const CoreParams& core_params, const SramParams& sram_params,
       uint8_t* sram_backing, TileCtl::LineSink console, FabricPort& fabric, TensorEngine& tensor,
       PhaseProfile& profile, uint32_t tile_index);

  TileIdentity id;
  Core core;
  Bus bus;
  Sram sram;
  TileCtl ctl;
};

}  // namespace wvp
