// The wafer's activity map: where each core's time went (its own instructions, its tensor engine,
// the fabric, waiting for the others, off-wafer memory, idle after its end), one map per activity
// and one of the activity that dominates each tile. On a large grid it is the first picture that
// shows which cores hold the others back.
#pragma once
#include <cstdint>
#include <string>

#include "platform/report/cycle_window.h"
#include "platform/report/phase_profile.h"

namespace wvp {

// `profile` must have kept the tiles' activity (keep_tile_activity(window)); `end_cycle` is the
// run's last cycle, after which no tile has time left to account.
std::string activity_map_svg(const PhaseProfile& profile, uint32_t width, uint32_t height, const CycleWindow& window,
                             uint64_t end_cycle);

}  // namespace wvp
