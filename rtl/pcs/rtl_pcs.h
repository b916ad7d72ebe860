// The Verilated pcs64b66b (rtl/pcs/pcs64b66b.sv) as a drop-in twin of the 64b/66b PCS model:
// one object is both an encoder and a decoder behind models/link/pcs.h's interfaces, each call
// one clock of the RTL. Its two halves share only the clock, so a link may use one object per
// side. Tracing is compiled in and off until open_trace().
#pragma once
#include <cstdint>
#include <memory>
#include <optional>
#include <string>

#include "models/link/pcs.h"

namespace wvp {

namespace rtl_detail {
class PcsSim;
}

class RtlPcs64b66b final : public PcsEncoder, public PcsDecoder {
 public:
  // with_bug is Vpcs64b66b_bug, built with WVP_RTL_BUG: it exists to prove that the
  // co-simulation regressions catch a one-line bug.
  enum class Variant { as_written, with_bug };

  // Resets the RTL with `params` on its configuration inputs; throws std::invalid_argument
  // where check_pcs_params() does.
  explicit RtlPcs64b66b(const PcsParams& params = {}, Variant variant = Variant::as_written);
  ~RtlPcs64b66b() override;  // closes the trace

  CodedBlock encode(const PcsBlock& block) override;
  std::optional<DecodedBlock> push(const CodedBlock& line_bits) override;
  bool block_lock() const override;
  PcsCounters counters() const override;

  // Dumps every signal from the next clock on to an FST file (one time unit per half clock),
  // replacing a trace already open.
  void open_trace(const std::string& path);
  void close_trace();
  uint64_t cycles() const;  // rising clock edges since construction, reset included

 private:
  std::unique_ptr<rtl_detail::PcsSim> sim_;
};

}  // namespace wvp
