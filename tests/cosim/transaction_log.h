// Co-simulation support: the model and the RTL each describe their transactions as named,
// formatted fields; the log compares them pair by pair and keeps the first field that differs
// as a readable report. Nothing here knows a particular block.
#pragma once
#include <algorithm>
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <filesystem>
#include <optional>
#include <sstream>
#include <string>
#include <utility>
#include <vector>

namespace wvp::cosim {

// One transaction: its stream (e.g. "encoder"), its number in that stream, the RTL clock it
// completed on, and its fields.
struct Transaction {
  std::string stream;
  uint64_t index = 0;
  uint64_t cycle = 0;
  std::vector<std::pair<std::string, std::string>> fields;

  Transaction& text(std::string name, std::string value) {
    fields.emplace_back(std::move(name), std::move(value));
    return *this;
  }
  Transaction& hex(std::string name, uint64_t value) {
    char buf[24];
    std::snprintf(buf, sizeof buf, "0x%016llx", static_cast<unsigned long long>(value));
    return text(std::move(name), buf);
  }
  Transaction& dec(std::string name, uint64_t value) { return text(std::move(name), std::to_string(value)); }
  Transaction& flag(std::string name, bool value) { return text(std::move(name), value ? "1" : "0"); }

  std::string str() const {
    std::string s;
    for (const auto& [name, value] : fields) s += (s.empty() ? "" : " ") + name + "=" + value;
    return s;
  }
};

struct Divergence {
  Transaction expected, got;  // the model's and the RTL's
  std::string field, expected_value, got_value;

  std::string describe() const {
    std::ostringstream os;
    os << "first divergence: " << expected.stream << " transaction " << expected.index << " (RTL cycle "
       << got.cycle << "), field " << field << ": expected " << expected_value << ", got " << got_value
       << "\n  model: " << expected.str() << "\n  RTL:   " << got.str() << "\n";
    return os.str();
  }
};

class DivergenceLog {
 public:
  // Compares the next pair of transactions; false once the sides have diverged, here or before.
  bool compare(const Transaction& expected, const Transaction& got) {
    if (first_) return false;
    const size_t n = std::max(expected.fields.size(), got.fields.size());
    for (size_t i = 0; i < n; ++i) {
      const std::pair<std::string, std::string> absent{"", "(absent)"};
      const auto& e = i < expected.fields.size() ? expected.fields[i] : absent;
      const auto& g = i < got.fields.size() ? got.fields[i] : absent;
      if (e != g) {
        first_ = Divergence{expected, got, e.first.empty() ? g.first : e.first, e.second, g.second};
        return false;
      }
    }
    return true;
  }

  const std::optional<Divergence>& first() const { return first_; }

 private:
  std::optional<Divergence> first_;
};

// Where regressions write waveforms and reports: $WVP_COSIM_OUT, else the working directory.
inline std::filesystem::path out_dir() {
  const char* dir = std::getenv("WVP_COSIM_OUT");
  return dir && *dir ? std::filesystem::path(dir) : std::filesystem::current_path();
}

}  // namespace wvp::cosim
