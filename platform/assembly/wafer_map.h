// Where the logical tiles sit on the physical wafer. Defective tiles are skipped by shifting
// the rest of their row (spare columns) or column (spare rows) towards the spares, so firmware
// sees a perfect grid; a link between logical neighbours that are no longer physically
// adjacent is longer, and pays a hop of wire per tile it passes plus any reticle edges it
// crosses on the way.
#pragma once
#include <cstdint>
#include <vector>

#include "platform/config/config.h"

namespace wvp {

struct WaferMap {
  uint32_t physical_width = 0, physical_height = 0;
  std::vector<uint32_t> physical_x, physical_y;             // by logical tile
  std::vector<std::pair<uint32_t, uint32_t>> defective;     // physical (x, y), row-major order
  // Extra cycles per logical link (tile * 4 + direction) over a link between adjacent tiles of
  // one reticle; empty when the wafer has no spares (the fabric's own geometry applies).
  std::vector<uint8_t> link_extra_cycles;
};

// Throws ConfigError naming the entry (file:line) or the row/column that cannot be repaired.
WaferMap map_wafer(const PlatformConfig& config);

}  // namespace wvp
