// One processing element: core, local bus, SRAM and control block, wired together.
#pragma once
#include <memory>

#include "models/core/core.h"
#include "models/router/fabric_port.h"
#include "models/sram/sram.h"
#include "models/tensor/tensor_engine.h"
#include "models/tile/tile_ctl.h"
#include "tlm/bus.h"

namespace wvp {

struct Tile {
  // The SRAM is tile `tile_index` of `sram_pages`; `ecc` is its codec when sram_params.ecc is
  // not Off (shared by all tiles).
  Tile(const std::string& name, const TileIdentity& id, const CoreParams& core_params, const SramParams& sram_params,
       const Clock& clock, SramPages& sram_pages, SecdedCodec* ecc, TileCtl::LineSink console, FabricPort& fabric,
       TensorEngine& tensor, PhaseSink& phases, uint32_t tile_index);

  TileIdentity id;
  Core core;
  Bus bus;
  Sram sram;
  TileCtl ctl;
};

}  // namespace wvp
