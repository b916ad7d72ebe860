// What every co-simulation regression does with a model and its RTL twin driven side by side:
// record each transaction's input, compare the two outputs, keep the first mismatch, and on a
// divergence leave behind an FST waveform of the RTL up to it and a readable report. Generic
// over a block's input and output types, which need == and an operator<< (found by ADL); an
// output type may also offer first_difference(expected, got) (found by ADL) naming where two
// outputs differ, which a report of wide outputs needs to be read at a glance. Transaction is
// such a type, for blocks whose outputs are simplest written as named fields.
#pragma once
#include <algorithm>
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <optional>
#include <ostream>
#include <sstream>
#include <stdexcept>
#include <string>
#include <system_error>
#include <utility>
#include <vector>

namespace wvp::cosim {

// Where regressions write their divergence files: $WVP_COSIM_OUT (created if missing), else the
// working directory.
inline std::filesystem::path output_dir() {
  const char* env = std::getenv("WVP_COSIM_OUT");
  if (!env || !*env) return std::filesystem::current_path();
  const std::filesystem::path dir(env);
  std::error_code error;
  std::filesystem::create_directories(dir, error);
  if (error || !std::filesystem::is_directory(dir))
    throw std::runtime_error("WVP_COSIM_OUT=" + dir.string() + " is not a directory I can create" +
                             (error ? ": " + error.message() : std::string()));
  return dir;
}

// An output as named, formatted fields, built in the order a report should show them.
struct Transaction {
  struct Field {
    std::string name, value;
    friend bool operator==(const Field&, const Field&) = default;
  };
  std::vector<Field> fields;

  Transaction& text(std::string name, std::string value) {
    fields.push_back({std::move(name), std::move(value)});
    return *this;
  }
  Transaction& hex(std::string name, uint64_t value) {
    char buf[24];
    std::snprintf(buf, sizeof buf, "0x%016llx", static_cast<unsigned long long>(value));
    return text(std::move(name), buf);
  }
  Transaction& dec(std::string name, uint64_t value) { return text(std::move(name), std::to_string(value)); }
  Transaction& flag(std::string name, bool value) { return text(std::move(name), value ? "1" : "0"); }

  friend bool operator==(const Transaction&, const Transaction&) = default;
  friend std::ostream& operator<<(std::ostream& os, const Transaction& t) {
    for (size_t i = 0; i < t.fields.size(); ++i) os << (i ? " " : "") << t.fields[i].name << "=" << t.fields[i].value;
    return os;
  }
};

// The first field in which two transactions differ, as "name (expected A, got B)".
inline std::string first_difference(const Transaction& expected, const Transaction& got) {
  const Transaction::Field absent{"", "(absent)"};
  for (size_t i = 0; i < std::max(expected.fields.size(), got.fields.size()); ++i) {
    const Transaction::Field& e = i < expected.fields.size() ? expected.fields[i] : absent;
    const Transaction::Field& g = i < got.fields.size() ? got.fields[i] : absent;
    if (e != g) return (e.name.empty() ? g.name : e.name) + " (expected " + e.value + ", got " + g.value + ")";
  }
  return "none";
}

template <class Input, class Output>
class DivergenceLog {
 public:
  struct Mismatch {
    size_t index;          // of the transaction, from 0
    uint64_t trace_time;   // where that transaction starts in the RTL's waveform
    Output expected, got;  // the model's output and the RTL's
  };

  // Records one transaction; false on a mismatch. Only the first mismatch is kept: a regression
  // stops there, since everything after it follows from it.
  bool compare(const Input& input, const Output& expected, const Output& got, uint64_t trace_time) {
    inputs_.push_back(input);
    if (expected == got) return true;
    if (!first_) first_ = Mismatch{inputs_.size() - 1, trace_time, expected, got};
    return false;
  }

  bool diverged() const { return first_.has_value(); }
  const std::optional<Mismatch>& first() const { return first_; }
  // Every input compared so far, from the first: replaying them into a fresh RTL instance from
  // reset reproduces the divergence, however much state the block keeps.
  const std::vector<Input>& inputs() const { return inputs_; }

  std::string report() const {
    if (!first_) return "no divergence in " + std::to_string(inputs_.size()) + " transactions";
    std::ostringstream out;
    out << "first divergence at transaction " << first_->index << " (waveform time " << first_->trace_time << ")\n"
        << "  input:    " << inputs_[first_->index] << "\n"
        << "  expected: " << first_->expected << "\n"
        << "  got:      " << first_->got << "\n";
    if constexpr (requires { first_difference(first_->expected, first_->got); })
      out << "  differs:  " << first_difference(first_->expected, first_->got) << "\n";
    return out.str();
  }

 private:
  std::vector<Input> inputs_;
  std::optional<Mismatch> first_;
};

struct DivergenceFiles {
  std::filesystem::path fst, report;
  std::string str() const { return "waveform " + fst.string() + ", report " + report.string(); }
};

// Writes <stem>.fst through `replay(fst_path, inputs)` (which drives a fresh, traced RTL instance
// with the recorded inputs) and <stem>.txt holding the report, both in output_dir().
template <class Input, class Output, class Replay>
DivergenceFiles write_divergence(const DivergenceLog<Input, Output>& log, const std::string& stem, Replay&& replay) {
  const std::filesystem::path dir = output_dir();
  DivergenceFiles files{dir / (stem + ".fst"), dir / (stem + ".txt")};
  replay(files.fst.string(), log.inputs());
  std::ofstream text(files.report);
  text << log.report();
  if (!text) throw std::runtime_error("cannot write the divergence report " + files.report.string());
  return files;
}

}  // namespace wvp::cosim
