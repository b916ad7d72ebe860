// Co-simulation of the 64b/66b PCS: the C++ model (models/link/pcs.h) and the Verilated RTL
// (rtl/pcs/rtl_pcs.h) side by side on random stimulus, one seed per test. Both encoders get the
// same blocks (data, control, runs of idles); the model's line goes through a channel that
// drops and inserts bits and flips payload and header bits, including bursts of invalid headers
// long enough to lose lock; its 66-bit words, not aligned to blocks, feed both decoders. Every
// encoded block and every decoder clock is compared field by field. On a divergence the inputs
// up to it are replayed into a traced RTL, and the waveform and the report land in
// $WVP_COSIM_OUT (or the working directory) as pcs_divergence_seed<N>.{fst,txt}.
#include <gtest/gtest.h>

#include <algorithm>
#include <filesystem>
#include <fstream>
#include <iostream>
#include <iterator>
#include <optional>
#include <ostream>
#include <random>
#include <string>
#include <utility>
#include <variant>
#include <vector>

#include "cosim/divergence.h"
#include "cosim/fst_probe.h"
#include "models/link/pcs.h"
#include "rtl/pcs/rtl_pcs.h"

namespace wvp::test {
namespace {

using Variant = RtlPcs64b66b::Variant;

constexpr uint64_t kSeeds = 40;

struct StimulusParams {
  uint64_t blocks = 4000;
  double control_probability = 0.2;           // per block outside idle runs
  double idle_run_probability = 0.01;         // per block: a run of idle control blocks starts
  uint32_t max_idle_run_blocks = 100;
  double slip_probability = 0.002;            // per block: bits dropped or inserted on the line
  uint32_t max_slip_bits = 3;
  double payload_error_probability = 0.01;    // per block: one payload bit flipped
  double header_error_probability = 0.005;    // per block: the sync header made invalid
  double header_burst_probability = 0.002;    // per block: a burst of invalid headers starts
  uint32_t max_header_burst_blocks = 40;
};

using u128 = unsigned __int128;

class Rng {
 public:
  explicit Rng(uint64_t seed) : gen_(seed) {}
  uint64_t bits() { return gen_(); }
  uint64_t below(uint64_t n) { return gen_() % n; }
  bool chance(double p) { return static_cast<double>(gen_() >> 11) * 0x1.0p-53 < p; }

 private:
  std::mt19937_64 gen_;  // its output sequence is fixed by the standard, so seeds replay anywhere
};

// Block type fields of Figure 49-7, for control blocks that look like the real ones.
constexpr uint8_t kBlockTypes[] = {0x1e, 0x2d, 0x33, 0x66, 0x55, 0x78, 0x4b, 0x87,
                                   0x99, 0xaa, 0xb4, 0xcc, 0xd2, 0xe1, 0xff};
constexpr uint64_t kIdleBlock = 0x1e;  // type 0x1e, eight idle control characters (0x00)

// The line between the encoders and the decoders, cut into 66-bit words at no particular
// alignment to the blocks.
class Line {
 public:
  void append(u128 bits, unsigned count) {
    // At most 62 bits at a time keeps pending (under 66) plus them within 128 bits.
    for (unsigned done = 0; done < count;) {
      const unsigned n = std::min(count - done, 62u);
      pending_ |= ((bits >> done) & ((u128{1} << n) - 1)) << pending_bits_;
      pending_bits_ += n;
      done += n;
      if (pending_bits_ >= kPcsBlockBits) {
        words_.push_back({static_cast<uint8_t>(pending_ & 3u), static_cast<uint64_t>(pending_ >> 2)});
        pending_ >>= kPcsBlockBits;
        pending_bits_ -= kPcsBlockBits;
      }
    }
  }
  // The words completed since the last call.
  std::vector<CodedBlock> take_words() { return std::exchange(words_, {}); }

 private:
  u128 pending_ = 0;
  unsigned pending_bits_ = 0;
  std::vector<CodedBlock> words_;
};

class Stimulus {
 public:
  // The decoders start at a random bit of the first block, so they hunt for lock at once.
  Stimulus(uint64_t seed, const StimulusParams& params)
      : p_(params), rng_(seed), start_offset_bits_(unsigned(rng_.below(kPcsBlockBits))) {}

  PcsBlock next_block() {
    if (idle_left_ == 0 && rng_.chance(p_.idle_run_probability)) idle_left_ = 1 + rng_.below(p_.max_idle_run_blocks);
    if (idle_left_ > 0) {
      --idle_left_;
      return {kIdleBlock, true};
    }
    if (rng_.chance(p_.control_probability)) {
      return {(rng_.bits() & ~uint64_t{0xff}) | kBlockTypes[rng_.below(std::size(kBlockTypes))], true};
    }
    return {rng_.bits(), false};
  }

  // The coded block as it leaves the channel: `count` line bits.
  u128 channel(const CodedBlock& c, unsigned& count) {
    u128 bits = static_cast<u128>(c.sync & 3u) | static_cast<u128>(c.payload) << 2;
    count = kPcsBlockBits;
    if (burst_left_ == 0 && rng_.chance(p_.header_burst_probability)) burst_left_ = 1 + rng_.below(p_.max_header_burst_blocks);
    const bool burst = burst_left_ > 0;
    if (burst) --burst_left_;
    if (burst || rng_.chance(p_.header_error_probability)) bits ^= u128{1} << rng_.below(2);  // "00" or "11"
    if (rng_.chance(p_.payload_error_probability)) bits ^= u128{1} << (2 + rng_.below(64));
    if (start_offset_bits_ > 0) {
      bits >>= start_offset_bits_;
      count -= std::exchange(start_offset_bits_, 0);
    }
    if (rng_.chance(p_.slip_probability)) {
      const unsigned k = 1 + unsigned(rng_.below(p_.max_slip_bits));
      const unsigned at = unsigned(rng_.below(count - k + 1));
      const u128 low = bits & ((u128{1} << at) - 1);
      if (rng_.below(2)) {
        bits = low | (bits >> (at + k)) << at;
        count -= k;
      } else {
        bits = low | static_cast<u128>(rng_.below(uint64_t{1} << k)) << at | (bits >> at) << (at + k);
        count += k;
      }
    }
    return bits;
  }

  Rng& rng() { return rng_; }

 private:
  StimulusParams p_;
  Rng rng_;
  unsigned start_offset_bits_;
  uint64_t idle_left_ = 0;
  uint64_t burst_left_ = 0;
};

// The configuration varies with the seed so that every configuration input is exercised: a
// random scrambler seed, and every fourth seed other lock counts than clause 49's.
PcsParams params_for(Rng& rng, uint64_t seed) {
  PcsParams p;
  p.scrambler_seed = rng.bits() & kPcsScramblerMask;
  if (seed % 4 == 0) {
    p.lock_valid_headers = 32;
    p.window_headers = 128;
    p.unlock_invalid_headers = 24;
  }
  return p;
}

// Sync headers as 802.3 writes them, in line order ("01" data, "10" control).
std::string sync_in_line_order(uint8_t sync) { return {char('0' + (sync & 1)), char('0' + ((sync >> 1) & 1))}; }

cosim::Transaction encoded(const CodedBlock& c) {
  return cosim::Transaction().text("sync", sync_in_line_order(c.sync)).hex("payload", c.payload);
}

cosim::Transaction decoded(const std::optional<DecodedBlock>& d, const PcsDecoder& dec) {
  cosim::Transaction t;
  t.flag("valid", d.has_value());
  if (d) {
    t.hex("payload", d->payload).flag("control", d->control).flag("header_valid", d->header_valid);
  } else {
    t.text("payload", "-").text("control", "-").text("header_valid", "-");
  }
  const PcsCounters c = dec.counters();
  return t.flag("block_lock", dec.block_lock()).dec("blocks", c.blocks).dec("invalid_headers", c.invalid_headers)
      .dec("slips", c.slips);
}

// One transaction's input: a block for the encoders or a line word for the decoders, with its
// number in that stream.
struct PcsInput {
  uint64_t index = 0;
  std::variant<PcsBlock, CodedBlock> value;
};

std::ostream& operator<<(std::ostream& os, const PcsInput& in) {
  if (const PcsBlock* block = std::get_if<PcsBlock>(&in.value)) {
    return os << "encoder block " << in.index << ": "
              << cosim::Transaction().flag("control", block->control).hex("payload", block->payload);
  }
  return os << "decoder word " << in.index << ": " << encoded(std::get<CodedBlock>(in.value));
}

using PcsLog = cosim::DivergenceLog<PcsInput, cosim::Transaction>;

// The RTL dumps two waveform time units a clock.
uint64_t trace_time(const RtlPcs64b66b& rtl) { return 2 * rtl.cycles(); }

struct SeedResult {
  PcsParams params;
  PcsLog log;
  uint64_t blocks_encoded = 0;
  uint64_t lock_gains = 0, lock_losses = 0;  // the model's, over the run
  PcsCounters model;
};

// Runs one seed to its end or its first divergence.
SeedResult run_seed(uint64_t seed, Variant variant) {
  const StimulusParams sp;
  Stimulus stim(seed, sp);
  SeedResult r;
  r.params = params_for(stim.rng(), seed);
  Pcs64b66bEncoder model_enc(r.params);
  Pcs64b66bDecoder model_dec(r.params);
  RtlPcs64b66b rtl(r.params, variant);

  Line line;
  uint64_t words = 0;
  for (uint64_t b = 0; b < sp.blocks && !r.log.diverged(); ++b) {
    const PcsBlock block = stim.next_block();
    const uint64_t encode_at = trace_time(rtl);
    const CodedBlock coded = model_enc.encode(block);
    if (!r.log.compare({b, block}, encoded(coded), encoded(rtl.encode(block)), encode_at)) break;
    ++r.blocks_encoded;

    unsigned count = 0;
    const u128 bits = stim.channel(coded, count);
    line.append(bits, count);
    for (const CodedBlock& word : line.take_words()) {
      const bool was_locked = model_dec.block_lock();
      const uint64_t push_at = trace_time(rtl);
      const std::optional<DecodedBlock> m = model_dec.push(word);
      const std::optional<DecodedBlock> g = rtl.push(word);
      r.lock_gains += !was_locked && model_dec.block_lock();
      r.lock_losses += was_locked && !model_dec.block_lock();
      if (!r.log.compare({words, word}, decoded(m, model_dec), decoded(g, rtl), push_at)) break;
      ++words;
    }
  }
  r.model = model_dec.counters();
  return r;
}

// The run itself is not traced, for speed: the RTL's every clock follows from its inputs, so
// replaying them retraces the run up to the divergence.
cosim::DivergenceFiles write_divergence(const SeedResult& r, Variant variant, const std::string& stem) {
  return cosim::write_divergence(r.log, stem, [&](const std::string& fst, const std::vector<PcsInput>& inputs) {
    RtlPcs64b66b traced(r.params, variant);
    traced.open_trace(fst);
    for (const PcsInput& in : inputs) {
      if (const PcsBlock* block = std::get_if<PcsBlock>(&in.value)) {
        traced.encode(*block);
      } else {
        traced.push(std::get<CodedBlock>(in.value));
      }
    }
  });
}

class PcsCosim : public testing::TestWithParam<uint64_t> {};

TEST_P(PcsCosim, RtlMatchesTheModelBlockByBlockUnderSlipsAndErrors) {
  const uint64_t seed = GetParam();
  const SeedResult r = run_seed(seed, Variant::as_written);
  if (r.log.diverged()) {
    FAIL() << "seed " << seed << ": " << r.log.report()
           << write_divergence(r, Variant::as_written, "pcs_divergence_seed" + std::to_string(seed)).str();
  }
  // The stimulus must reach what it is for: lock from a random offset, lock lost and regained.
  EXPECT_GE(r.lock_gains, 2u);
  EXPECT_GE(r.lock_losses, 1u);
  EXPECT_GT(r.model.slips, 0u);
  EXPECT_EQ(r.blocks_encoded, StimulusParams{}.blocks);
}

INSTANTIATE_TEST_SUITE_P(Seeds, PcsCosim, testing::Range<uint64_t>(1, kSeeds + 1));

TEST(PcsCosimBug, TheRegressionReportsADivergenceAgainstTheOneLineBug) {
  uint64_t caught = 0;
  for (uint64_t seed = 1; seed <= kSeeds; ++seed) {
    const SeedResult r = run_seed(seed, Variant::with_bug);
    if (!r.log.diverged()) continue;
    if (++caught > 1) continue;
    // The bug loses lock one invalid header early: the report must point at the lock.
    const std::string report = r.log.report();
    EXPECT_NE(report.find("\n  differs:  block_lock (expected 1, got 0)\n"), std::string::npos) << report;
    const cosim::DivergenceFiles files =
        write_divergence(r, Variant::with_bug, "pcs_bug_divergence_seed" + std::to_string(seed));
    std::ifstream text(files.report);
    EXPECT_EQ(std::string(std::istreambuf_iterator<char>(text), std::istreambuf_iterator<char>()), report);
    // The replayed waveform ends on the divergent clock, the RTL out of lock.
    const cosim::FstProbe fst(files.fst.string());
    const uint64_t time = r.log.first()->trace_time;
    EXPECT_EQ(fst.end_time(), time + 1);
    EXPECT_EQ(fst.value("pcs.block_lock", time + 1), 0u);
    EXPECT_EQ(fst.value("pcs.block_lock", time - 1), 1u);
    std::cout << "seed " << seed << ": " << report << files.str() << "\n";
  }
  std::cout << "the deliberate bug diverges on " << caught << " of " << kSeeds << " seeds\n";
  EXPECT_GT(caught, 0u);
}

}  // namespace
}  // namespace wvp::test
