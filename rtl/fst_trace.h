// The FST waveform of one Verilated block, opened at run time: tracing is compiled into every
// block (TRACE_FST), and its context must allow it (traceEverOn) before the model exists.
#pragma once
#include <cerrno>
#include <cstdint>
#include <cstring>
#include <fstream>
#include <memory>
#include <stdexcept>
#include <string>

#include <verilated_fst_c.h>

namespace wvp {

class FstTrace {
 public:
  FstTrace() = default;
  FstTrace(const FstTrace&) = delete;
  FstTrace& operator=(const FstTrace&) = delete;
  ~FstTrace() { close(); }

  // `block` names the block in errors. Replaces a waveform already open.
  template <class Model>
  void open(Model& model, const std::string& path, const std::string& block) {
    close();
    // VerilatedFstC::open reports no error: find an unwritable path first.
    if (!std::ofstream(path, std::ios::binary))
      throw std::runtime_error(block + ": cannot write the FST waveform " + path + ": " + std::strerror(errno));
    trace_ = std::make_unique<VerilatedFstC>();
    model.trace(trace_.get(), 99);
    trace_->open(path.c_str());
    if (!trace_->isOpen()) {
      trace_.reset();
      throw std::runtime_error(block + ": cannot open the FST waveform " + path);
    }
  }

  bool is_open() const { return trace_ != nullptr; }
  void dump(uint64_t time) {
    if (trace_) trace_->dump(time);
  }
  void close() {
    if (!trace_) return;
    trace_->close();
    trace_.reset();
  }

 private:
  std::unique_ptr<VerilatedFstC> trace_;
};

}  // namespace wvp
