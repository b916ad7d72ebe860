// Co-simulation of the SRAM ECC block: the C++ twin (models/sram/secded.h) and the Verilated RTL
// (rtl/ecc/secded.sv through RtlSecded) take the same random words with 0, 1 and 2 flipped
// codeword bits, transaction by transaction. A divergence leaves ecc_divergence_seed<N>.fst and
// .txt in $WVP_COSIM_OUT (or the working directory) and fails the test with the report; the
// block built with its deliberate bug must diverge.
#include <gtest/gtest.h>

#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <ostream>
#include <random>
#include <stdexcept>
#include <string>
#include <vector>

#include "cosim/divergence.h"
#include "cosim/fst_probe.h"
#include "models/sram/secded.h"
#include "rtl/ecc/rtl_secded.h"

namespace wvp::test {
namespace {

constexpr int kSeeds = 50;
constexpr int kWordsPerSeed = 10'000;

// One co-simulation transaction: the data is written (encoded), up to two codeword bits flip
// while it is stored, and the received word is read back (decoded). Both decoders get the
// twin's codeword, so a bad encoder shows as a check-bit mismatch, not as a decoder mismatch.
struct EccInput {
  uint32_t data = 0;
  std::vector<unsigned> flipped_bits;  // codeword bits, 0-31 data, 32-38 check
  SecdedWord received;
};

struct EccOutput {
  uint8_t check = 0;  // the encoder's check bits for `data`
  SecdedDecoded decoded;
  friend bool operator==(const EccOutput&, const EccOutput&) = default;
};

std::ostream& operator<<(std::ostream& os, const EccInput& in) {
  os << "data " << std::hex << "0x" << in.data << std::dec << ", flipped bits {";
  for (size_t i = 0; i < in.flipped_bits.size(); ++i) os << (i ? ", " : "") << in.flipped_bits[i];
  return os << "}, received " << in.received;
}

std::ostream& operator<<(std::ostream& os, const EccOutput& out) {
  return os << "check " << std::hex << "0x" << int{out.check} << std::dec << "; decoded " << out.decoded;
}

using EccLog = cosim::DivergenceLog<EccInput, EccOutput>;

std::vector<EccInput> stimulus(uint64_t seed, int words) {
  std::mt19937_64 rng(seed);
  std::uniform_int_distribution<int> flips_of(0, 2);
  std::uniform_int_distribution<unsigned> bit_of(0, kSecdedCodeBits - 1);
  std::vector<EccInput> out(words);
  for (EccInput& in : out) {
    in.data = static_cast<uint32_t>(rng());
    in.received = {in.data, secded_encode(in.data)};
    const int flips = flips_of(rng);
    while (static_cast<int>(in.flipped_bits.size()) < flips) {
      const unsigned bit = bit_of(rng);
      if (!in.flipped_bits.empty() && in.flipped_bits[0] == bit) continue;
      in.flipped_bits.push_back(bit);
      secded_flip(in.received, bit);
    }
  }
  return out;
}

// Two RTL transactions (waveform times t and t + 1): encode, then decode.
EccOutput run_rtl(RtlSecded& rtl, const EccInput& in) {
  EccOutput out;
  out.check = rtl.encode(in.data);
  out.decoded = rtl.decode(in.received.data, in.received.check);
  return out;
}

struct EccRun {
  EccLog log;
  cosim::DivergenceFiles files;  // written on a divergence only
};

// Runs one seed; on the first divergence writes <stem>.fst and <stem>.txt.
EccRun run_ecc_cosim(uint64_t seed, int words, RtlSecded::Variant variant, const std::string& stem) {
  EccRun run;
  RtlSecded rtl(variant);
  for (const EccInput& in : stimulus(seed, words)) {
    const uint64_t trace_time = rtl.transactions();
    const EccOutput expected{secded_encode(in.data), secded_decode(in.received.data, in.received.check)};
    if (!run.log.compare(in, expected, run_rtl(rtl, in), trace_time)) break;
  }
  if (run.log.diverged()) {
    run.files = cosim::write_divergence(run.log, stem, [variant](const std::string& fst, const std::vector<EccInput>& inputs) {
      RtlSecded traced(variant);
      traced.open_trace(fst);
      for (const EccInput& in : inputs) run_rtl(traced, in);
    });
  }
  return run;
}

class EccCosim : public ::testing::TestWithParam<int> {};

TEST_P(EccCosim, TwinAndRtlAgreeOnEveryWord) {
  const int seed = GetParam();
  const EccRun run = run_ecc_cosim(seed, kWordsPerSeed, RtlSecded::Variant::normal,
                                   "ecc_divergence_seed" + std::to_string(seed));
  ASSERT_FALSE(run.log.diverged()) << "seed " << seed << ": " << run.log.report() << run.files.str();
  EXPECT_EQ(run.log.inputs().size(), static_cast<size_t>(kWordsPerSeed));
}

INSTANTIATE_TEST_SUITE_P(Seeds, EccCosim, ::testing::Range(1, kSeeds + 1));

TEST(EccCosimBug, TheRegressionCatchesTheOneLineBugAndLeavesItsWaveform) {
  const EccRun run = run_ecc_cosim(1, kWordsPerSeed, RtlSecded::Variant::bug, "ecc_bug_divergence_seed1");
  ASSERT_TRUE(run.log.diverged()) << "the regression missed the WVP_RTL_BUG variant of secded.sv";
  const auto& first = *run.log.first();
  const EccInput& in = run.log.inputs()[first.index];
  // The bug takes a flipped check bit 6 (codeword bit 38) for a double error: about one word in
  // 117 meets it, so the regression has passed many words before.
  EXPECT_GT(first.index, 0u);
  EXPECT_EQ(in.flipped_bits, std::vector<unsigned>{38}) << run.log.report();
  EXPECT_TRUE(first.expected.decoded.corrected && !first.expected.decoded.uncorrectable) << run.log.report();
  EXPECT_TRUE(first.got.decoded.uncorrectable && !first.got.decoded.corrected) << run.log.report();

  std::ifstream text(run.files.report);
  const std::string report((std::istreambuf_iterator<char>(text)), std::istreambuf_iterator<char>());
  EXPECT_EQ(report, run.log.report());
  EXPECT_NE(report.find("first divergence at transaction " + std::to_string(first.index)), std::string::npos) << report;

  // The waveform replays every transaction from the first through the divergent one: encode at
  // the transaction's time, decode one step later.
  const cosim::FstProbe fst(run.files.fst.string());
  EXPECT_EQ(fst.end_time(), first.trace_time + 1);
  EXPECT_EQ(fst.value("secded.enc_data_i", 0), run.log.inputs()[0].data);
  EXPECT_EQ(fst.value("secded.enc_data_i", first.trace_time), in.data);
  EXPECT_EQ(fst.value("secded.dec_data_i", first.trace_time + 1), in.received.data);
  EXPECT_EQ(fst.value("secded.dec_check_i", first.trace_time + 1), in.received.check);
  EXPECT_EQ(fst.value("secded.dec_syndrome_o", first.trace_time + 1), first.got.decoded.syndrome);
  EXPECT_EQ(fst.value("secded.dec_uncorrectable_o", first.trace_time + 1), 1u);
}

TEST(EccCosimBug, TheBugVariantAgreesOnWordsItDoesNotTouch) {
  // Only a flip of check bit 6 alone meets the bug, so a divergence here would mean the two
  // variants differ by more than the one line.
  RtlSecded normal, bug(RtlSecded::Variant::bug);
  int compared = 0;
  for (const EccInput& in : stimulus(2, kWordsPerSeed)) {
    if (in.flipped_bits == std::vector<unsigned>{38}) continue;
    ASSERT_EQ(run_rtl(bug, in), run_rtl(normal, in)) << in;
    ++compared;
  }
  EXPECT_GT(compared, kWordsPerSeed * 9 / 10);
}

TEST(EccCosimBadInput, ErrorsNameTheThing) {
  RtlSecded rtl;
  try {
    rtl.decode(0, 0x80);
    FAIL() << "8 check bits reached the RTL";
  } catch (const std::invalid_argument& e) {
    EXPECT_NE(std::string(e.what()).find("check bits 0x80"), std::string::npos) << e.what();
  }
  try {
    rtl.open_trace("/nonexistent-dir/ecc.fst");
    FAIL() << "a trace in a missing directory was accepted";
  } catch (const std::runtime_error& e) {
    EXPECT_NE(std::string(e.what()).find("/nonexistent-dir/ecc.fst"), std::string::npos) << e.what();
  }

  const std::filesystem::path file = std::filesystem::temp_directory_path() / "wvp_cosim_out_is_a_file";
  std::ofstream(file) << "not a directory";
  const char* saved = std::getenv("WVP_COSIM_OUT");
  const std::string saved_value = saved ? saved : "";
  setenv("WVP_COSIM_OUT", file.c_str(), 1);
  try {
    cosim::output_dir();
    ADD_FAILURE() << "a file was taken as the output directory";
  } catch (const std::runtime_error& e) {
    EXPECT_NE(std::string(e.what()).find("WVP_COSIM_OUT=" + file.string()), std::string::npos) << e.what();
  }
  if (saved)
    setenv("WVP_COSIM_OUT", saved_value.c_str(), 1);
  else
    unsetenv("WVP_COSIM_OUT");
  std::filesystem::remove(file);
}

}  // namespace
}  // namespace wvp::test
