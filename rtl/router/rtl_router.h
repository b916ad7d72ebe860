// The Verilated wvp_router (rtl/router/wvp_router.sv) as the RouterTwin of one fabric tile.
#pragma once
#include <cstdint>
#include <memory>
#include <string>

#include "models/router/fabric.h"
#include "models/router/router_twin.h"

namespace wvp {

// Which build of the RTL: as written, or with its deliberate one-line bug (for proving that the
// co-simulation regressions catch one).
enum class RtlBuild : uint8_t { AsWritten, WithBug };

// The sizes the RTL was Verilated for; the fabric's parameters are set at reset within them.
struct RtlRouterLimits {
  static constexpr uint32_t max_colors = 32;
  static constexpr uint32_t max_depth_flits = 8;  // link input buffers and send queues
};

// Throws FabricError naming the parameter the RTL cannot carry. With `fst_path`, the router's
// signals go to an FST waveform there (time: 1000 units per fabric cycle).
std::unique_ptr<RouterTwin> make_rtl_router(const FabricParams& params, const std::string& name,
                                            RtlBuild build = RtlBuild::AsWritten, const std::string& fst_path = "");

}  // namespace wvp
