// The parameters of `wafervp noc`'s synthetic-traffic studies (platform/studies/noc_study.h):
// the config's noc.* keys.
#pragma once
#include <cstdint>
#include <string>

#include "models/router/routing.h"

namespace wvp {

enum class Traffic : uint8_t { Uniform, Transpose, BitComplement, Hotspot, Tornado, Neighbor };
const char* traffic_name(Traffic t);
bool parse_traffic(const std::string& text, Traffic& t);

struct NocParams {
  Traffic pattern = Traffic::Uniform;
  Routing routing = Routing::XY;
  double injection_rate = 0.1;      // offered load, flits per node per cycle
  uint32_t packet_flits = 4;
  uint32_t vcs = 2;                 // virtual channels per port
  uint32_t buffer_depth_flits = 8;  // per VC
  uint64_t warmup_cycles = 2000;
  uint64_t measure_cycles = 10000;
  uint64_t drain_max_cycles = 100000;
  double hotspot_fraction = 0.2;    // hotspot: share of packets sent to the centre node
  uint32_t region_width = 0;        // traffic only inside [0, w) x [0, h); 0: the whole grid
  uint32_t region_height = 0;
  uint64_t seed = 1;
};

}  // namespace wvp
