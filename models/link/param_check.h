// Parameter checks shared by the link-based models (links, edge SerDes, optical ports and
// planes), so that every out-of-range value is reported the same way: an std::invalid_argument
// naming the component ("link 'edge0'", "optical port 'z1_0'"), the field, the rule and the value.
#pragma once
#include <string>

namespace wvp {

[[noreturn]] void bad_param(const std::string& who, const std::string& field, const std::string& rule, double got);
// value in [min, max]; NaN is out.
void check_param_range(const std::string& who, const std::string& field, double value, double min, double max);
// value in (0, max]; NaN is out.
void check_param_positive(const std::string& who, const std::string& field, double value, double max);

}  // namespace wvp
