#include "rtl/ecc/rtl_secded.h"

#include <cstdio>
#include <stdexcept>

#include "Vsecded.h"
#include "Vsecded_bug.h"
#include "rtl/fst_trace.h"
#include "verilated.h"

namespace wvp {

// Vsecded and Vsecded_bug are unrelated classes with the same ports.
class RtlSecded::Block {
 public:
  virtual ~Block() = default;
  virtual void set_encoder(uint32_t data) = 0;
  virtual void set_decoder(uint32_t data, uint8_t check) = 0;
  virtual uint8_t check() const = 0;
  virtual SecdedDecoded decoded() const = 0;
  virtual void eval_and_dump(uint64_t time) = 0;
  virtual void open_trace(const std::string& path) = 0;
  virtual void close_trace() = 0;
};

template <class Top>
class RtlSecded::BlockOf final : public RtlSecded::Block {
 public:
  BlockOf() : context_(std::make_unique<VerilatedContext>()) {
    // Tracing is compiled in but costs nothing until a trace is opened; it must be allowed
    // before the model exists.
    context_->traceEverOn(true);
    top_ = std::make_unique<Top>(context_.get(), "secded");
  }
  ~BlockOf() override {
    trace_.close();
    top_->final();
  }

  void set_encoder(uint32_t data) override { top_->enc_data_i = data; }
  void set_decoder(uint32_t data, uint8_t check) override {
    top_->dec_data_i = data;
    top_->dec_check_i = check;
  }
  uint8_t check() const override { return top_->enc_check_o; }
  SecdedDecoded decoded() const override {
    return {top_->dec_data_o, top_->dec_corrected_o != 0, top_->dec_uncorrectable_o != 0, top_->dec_syndrome_o};
  }

  void eval_and_dump(uint64_t time) override {
    context_->time(time);
    top_->eval();
    trace_.dump(time);
  }

  void open_trace(const std::string& path) override {
    // The waveform starts at the block's first transaction: a second one would start midway.
    if (traced_) throw std::logic_error("RtlSecded: a trace was already opened for this block (" + path + ")");
    trace_.open(*top_, path, "RtlSecded");
    traced_ = true;
  }
  void close_trace() override { trace_.close(); }

 private:
  std::unique_ptr<VerilatedContext> context_;
  std::unique_ptr<Top> top_;
  FstTrace trace_;
  bool traced_ = false;
};

RtlSecded::RtlSecded(Variant variant) {
  if (variant == Variant::bug)
    block_ = std::make_unique<BlockOf<Vsecded_bug>>();
  else
    block_ = std::make_unique<BlockOf<Vsecded>>();
}

RtlSecded::~RtlSecded() = default;

void RtlSecded::step() { block_->eval_and_dump(transactions_++); }

uint8_t RtlSecded::encode(uint32_t data) {
  block_->set_encoder(data);
  step();
  return block_->check();
}

SecdedDecoded RtlSecded::decode(uint32_t data, uint8_t check) {
  if (check >> kSecdedCheckBits)
  {
    char hex[8];
    std::snprintf(hex, sizeof hex, "0x%02x", check);
    throw std::invalid_argument(std::string("RtlSecded::decode: check bits ") + hex + " wider than " +
                                std::to_string(kSecdedCheckBits) + " bits");
  }
  block_->set_decoder(data, check);
  step();
  return block_->decoded();
}

void RtlSecded::open_trace(const std::string& path) { block_->open_trace(path); }

void RtlSecded::close_trace() { block_->close_trace(); }

}  // namespace wvp
