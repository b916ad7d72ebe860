#include "models/link/param_check.h"

#include <sstream>
#include <stdexcept>

namespace wvp {

void bad_param(const std::string& who, const std::string& field, const std::string& rule, double got) {
  std::ostringstream os;
  os << who << ": " << field << " " << rule << " (got " << got << ")";
  throw std::invalid_argument(os.str());
}

void check_param_range(const std::string& who, const std::string& field, double value, double min, double max) {
  if (!(value >= min && value <= max)) {
    std::ostringstream rule;
    rule << "must be " << min << " to " << max;
    bad_param(who, field, rule.str(), value);
  }
}

void check_param_positive(const std::string& who, const std::string& field, double value, double max) {
  if (!(value > 0 && value <= max)) {
    std::ostringstream rule;
    rule << "must be above 0 and at most " << max;
    bad_param(who, field, rule.str(), value);
  }
}

}  // namespace wvp
