#include "rtl/pcs/rtl_pcs.h"

#include <stdexcept>

#include <verilated.h>

#include "Vpcs64b66b.h"
#include "Vpcs64b66b_bug.h"
#include "rtl/fst_trace.h"

namespace wvp::rtl_detail {

// The top's ports as plain values, so that the protocol is written once for both builds.
struct PcsPins {
  bool rst = true;
  PcsParams cfg;
  bool tx_valid = false;
  PcsBlock tx;
  bool rx_valid = false;
  CodedBlock rx_word;

  bool tx_out_valid = false;
  CodedBlock tx_out;
  bool rx_out_valid = false;
  DecodedBlock rx_out;
  bool block_lock = false;
  PcsCounters rx_counters;
};

class PcsSim {
 public:
  virtual ~PcsSim() = default;
  // Drives the inputs, clocks one rising edge, samples the outputs.
  virtual void clock() = 0;
  virtual void open_trace(const std::string& path) = 0;
  virtual void close_trace() = 0;

  PcsPins pins;
  uint64_t cycles = 0;
};

namespace {

// 66 line bits, first in bit 0, as Verilator's 3 x 32-bit words.
void to_words(const CodedBlock& c, VlWide<3>& w) {
  const unsigned __int128 bits = static_cast<unsigned __int128>(c.sync & 3u) | static_cast<unsigned __int128>(c.payload) << 2;
  for (int i = 0; i < 3; ++i) w[i] = static_cast<uint32_t>(bits >> (32 * i));
}

CodedBlock from_words(const VlWide<3>& w) {
  const unsigned __int128 bits = static_cast<unsigned __int128>(w[0]) | static_cast<unsigned __int128>(w[1]) << 32 |
                                 static_cast<unsigned __int128>(w[2]) << 64;
  return {static_cast<uint8_t>(bits & 3u), static_cast<uint64_t>(bits >> 2)};
}

template <class Top>
class PcsSimOf final : public PcsSim {
 public:
  PcsSimOf() {
    // Tracing must be allowed before the model exists; the context is per instance so that
    // several models (and traces) live side by side.
    context_.traceEverOn(true);
    top_ = std::make_unique<Top>(&context_, "pcs");
  }
  ~PcsSimOf() override {
    trace_.close();
    top_->final();
  }

  void clock() override {
    Top& t = *top_;
    t.rst = pins.rst;
    t.cfg_scrambler_seed = pins.cfg.scrambler_seed & kPcsScramblerMask;
    t.cfg_lock_valid_headers = pins.cfg.lock_valid_headers;
    t.cfg_window_headers = pins.cfg.window_headers;
    t.cfg_unlock_invalid_headers = pins.cfg.unlock_invalid_headers;
    t.tx_valid = pins.tx_valid;
    t.tx_control = pins.tx.control;
    t.tx_payload = pins.tx.payload;
    t.rx_valid = pins.rx_valid;
    to_words(pins.rx_word, t.rx_word);
    t.clk = 0;
    step();
    t.clk = 1;
    step();
    ++cycles;
    pins.tx_out_valid = t.tx_out_valid;
    pins.tx_out = from_words(t.tx_out_block);
    pins.rx_out_valid = t.rx_out_valid;
    pins.rx_out = {t.rx_out_payload, bool(t.rx_out_control), bool(t.rx_out_header_valid)};
    pins.block_lock = t.block_lock;
    pins.rx_counters = {t.rx_blocks, t.rx_invalid_headers, t.rx_slips};
  }

  void open_trace(const std::string& path) override { trace_.open(*top_, path, "pcs64b66b"); }
  void close_trace() override { trace_.close(); }

 private:
  void step() {
    top_->eval();
    trace_.dump(context_.time());
    context_.timeInc(1);
  }

  VerilatedContext context_;
  std::unique_ptr<Top> top_;
  FstTrace trace_;
};

}  // namespace
}  // namespace wvp::rtl_detail

namespace wvp {

RtlPcs64b66b::RtlPcs64b66b(const PcsParams& params, Variant variant) {
  check_pcs_params(params);
  if (variant == Variant::with_bug) {
    sim_ = std::make_unique<rtl_detail::PcsSimOf<Vpcs64b66b_bug>>();
  } else {
    sim_ = std::make_unique<rtl_detail::PcsSimOf<Vpcs64b66b>>();
  }
  sim_->pins.cfg = params;
  sim_->clock();  // synchronous reset
  sim_->pins.rst = false;
}

RtlPcs64b66b::~RtlPcs64b66b() = default;

CodedBlock RtlPcs64b66b::encode(const PcsBlock& block) {
  rtl_detail::PcsPins& p = sim_->pins;
  p.tx_valid = true;
  p.tx = block;
  sim_->clock();
  p.tx_valid = false;
  if (!p.tx_out_valid) throw std::runtime_error("pcs64b66b: tx_out_valid low the clock after tx_valid");
  return p.tx_out;
}

std::optional<DecodedBlock> RtlPcs64b66b::push(const CodedBlock& line_bits) {
  rtl_detail::PcsPins& p = sim_->pins;
  p.rx_valid = true;
  p.rx_word = line_bits;
  sim_->clock();
  p.rx_valid = false;
  if (!p.rx_out_valid) return std::nullopt;
  return p.rx_out;
}

bool RtlPcs64b66b::block_lock() const { return sim_->pins.block_lock; }
PcsCounters RtlPcs64b66b::counters() const { return sim_->pins.rx_counters; }
void RtlPcs64b66b::open_trace(const std::string& path) { sim_->open_trace(path); }
void RtlPcs64b66b::close_trace() { sim_->close_trace(); }
uint64_t RtlPcs64b66b::cycles() const { return sim_->cycles; }

}  // namespace wvp
