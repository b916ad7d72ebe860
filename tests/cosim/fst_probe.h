// Reads signal values back from an FST waveform written by a Verilated block, so a regression
// can check that the waveform it leaves behind shows what its report says. Uses the FST reader
// that Verilator's runtime (verilated_fst_c.cpp) already compiles into the RTL library.
#pragma once
#include <cstdint>
#include <map>
#include <stdexcept>
#include <string>

#include "gtkwave/fstapi.h"

namespace wvp::cosim {

class FstProbe {
 public:
  explicit FstProbe(const std::string& path) : path_(path), reader_(fstReaderOpen(path.c_str())) {
    if (!reader_) throw std::runtime_error("cannot read FST waveform " + path);
    std::string scope;
    while (const fstHier* h = fstReaderIterateHier(reader_)) {
      if (h->htyp == FST_HT_SCOPE) {
        scope = fstReaderPushScope(reader_, h->u.scope.name, nullptr);
      } else if (h->htyp == FST_HT_UPSCOPE) {
        const char* up = fstReaderPopScope(reader_);
        scope = up ? up : "";
      } else if (h->htyp == FST_HT_VAR) {
        // Verilator appends the bit range to a vector's name ("enc_data_i [31:0]").
        const std::string name(h->u.var.name, h->u.var.name_length);
        signals_.emplace(scope + "." + name.substr(0, name.find(' ')), h->u.var.handle);
      }
    }
    fstReaderSetFacProcessMaskAll(reader_);
  }
  ~FstProbe() { fstReaderClose(reader_); }
  FstProbe(const FstProbe&) = delete;
  FstProbe& operator=(const FstProbe&) = delete;

  uint64_t end_time() const { return fstReaderGetEndTime(reader_); }

  // The value of `signal` (its hierarchical name, e.g. "secded.enc_data_i") at `time`,
  // for signals up to 64 bits.
  uint64_t value(const std::string& signal, uint64_t time) const {
    const auto it = signals_.find(signal);
    if (it == signals_.end()) throw std::runtime_error("no signal " + signal + " in FST waveform " + path_);
    char bits[65];
    const char* text = fstReaderGetValueFromHandleAtTime(reader_, time, it->second, bits);
    if (!text) throw std::runtime_error("no value of " + signal + " at time " + std::to_string(time) + " in " + path_);
    return std::stoull(text, nullptr, 2);
  }

 private:
  std::string path_;
  void* reader_;
  std::map<std::string, fstHandle> signals_;
};

}  // namespace wvp::cosim
