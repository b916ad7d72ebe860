// The Verilated SECDED block (rtl/ecc/secded.sv) behind the interface of its C++ twin
// (models/sram/secded.h), so either can serve the SRAM and the co-simulation can drive both
// with the same words.
#pragma once
#include <cstdint>
#include <memory>
#include <string>

#include "models/sram/secded.h"

namespace wvp {

class RtlSecded final : public SecdedCodec {
 public:
  // `bug` is the block built with its deliberate one-line bug (WVP_RTL_BUG, Vsecded_bug): the
  // co-simulation runs against it to prove that it catches such a bug.
  enum class Variant { normal, bug };

  explicit RtlSecded(Variant variant = Variant::normal);
  ~RtlSecded() override;  // closes the trace
  RtlSecded(const RtlSecded&) = delete;
  RtlSecded& operator=(const RtlSecded&) = delete;

  // One transaction each: the block evaluates once and, with a trace open, dumps its signals at
  // time = the transaction's index (counted from 0 over this object's life, in ps).
  uint8_t encode(uint32_t data) override;
  // Throws std::invalid_argument if `check` has bits above the 7 check bits.
  SecdedDecoded decode(uint32_t data, uint8_t check) override;

  // Writes an FST waveform of every later transaction to `path`, closed by close_trace() or the
  // destructor. Throws std::runtime_error naming the path if it cannot be written, and
  // std::logic_error if this object already traced (Verilator binds a model to one trace).
  void open_trace(const std::string& path);
  void close_trace();

  uint64_t transactions() const { return transactions_; }

 private:
  class Block;
  template <class Top>
  class BlockOf;

  // Evaluates the block, dumps the trace and counts the transaction.
  void step();

  std::unique_ptr<Block> block_;
  uint64_t transactions_ = 0;
};

}  // namespace wvp
