#include "platform/config/noc_params.h"

namespace wvp {

const char* traffic_name(Traffic t) {
  switch (t) {
    case Traffic::Uniform: return "uniform";
    case Traffic::Transpose: return "transpose";
    case Traffic::BitComplement: return "bit-complement";
    case Traffic::Hotspot: return "hotspot";
    case Traffic::Tornado: return "tornado";
    case Traffic::Neighbor: return "neighbor";
  }
  return "?";
}

bool parse_traffic(const std::string& text, Traffic& t) {
  for (Traffic c : {Traffic::Uniform, Traffic::Transpose, Traffic::BitComplement, Traffic::Hotspot, Traffic::Tornado,
                    Traffic::Neighbor})
    if (text == traffic_name(c)) {
      t = c;
      return true;
    }
  return false;
}

}  // namespace wvp
