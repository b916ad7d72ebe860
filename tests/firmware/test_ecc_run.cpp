// End-to-end: the tile SRAM's ECC (sram.ecc) in `wafervp run`, with bits flipped by --flip
// under real firmware (sw/tests/sram/ecc_check.c): single flips are corrected and counted in
// the stats, a double flip is a load access fault reported with the PE, pc and address, the
// Verilated RTL gives the same run as the C++ model, and bad flips are refused.
#include <gtest/gtest.h>

#include <regex>
#include <string>

#include <nlohmann/json.hpp>

#include "firmware_env.h"

namespace wvp::test {
namespace {

class EccRun : public ::testing::TestWithParam<const char*> {};

TEST_P(EccRun, SingleFlipsAreCorrectedAndCounted) {
  const std::string stats = temp_path("ecc.json");
  const ProcessResult r = run_wafervp({"--grid", "2x1", "--set", std::string("sram.ecc=") + GetParam(), "--stats", stats,
                                       "--flip", "0,0:ecc_single:4",     // a data bit
                                       "--flip", "0,0:ecc_merge:20",     // read-modify-written by a byte store
                                       "--flip", "1,0:ecc_single:36",    // a check bit
                                       firmware("ecc_check")});
  ASSERT_EQ(r.exit_code, 0) << r.out << r.err;
  for (const char* pe : {"(0,0)", "(1,0)"}) {
    EXPECT_NE(r.out.find(std::string(pe) + " ecc_single = 0x12345678"), std::string::npos) << r.out;
    EXPECT_NE(r.out.find(std::string(pe) + " ecc_merge = 0x89abcd55"), std::string::npos) << r.out;
    EXPECT_NE(r.out.find(std::string(pe) + " ecc_double = 0xcafef00d"), std::string::npos) << r.out;
  }
  const nlohmann::json j = nlohmann::json::parse(read_file(stats));
  EXPECT_EQ(j["cores"][0]["sram_ecc_corrected"], 2);
  EXPECT_EQ(j["cores"][1]["sram_ecc_corrected"], 1);
  EXPECT_EQ(j["cores"][0]["sram_ecc_uncorrectable"], 0);
}

TEST_P(EccRun, ADoubleFlipIsALoadAccessFaultNamingThePcAndTheAddress) {
  const std::string stats = temp_path("ecc.json");
  const ProcessResult r = run_wafervp({"--grid", "2x1", "--set", std::string("sram.ecc=") + GetParam(), "--stats", stats,
                                       "--flip", "0,0:ecc_double:0:33", firmware("ecc_check")});
  EXPECT_EQ(r.exit_code, 3) << r.err;
  std::smatch m;
  ASSERT_TRUE(std::regex_search(r.out, m, std::regex(R"(\(0,0\) loading ecc_double at (0x[0-9a-f]{8}))"))) << r.out;
  const std::string address = m[1];
  EXPECT_EQ(r.out.find("(0,0) ecc_double ="), std::string::npos) << "the faulting load returned: " << r.out;
  EXPECT_NE(r.out.find("(1,0) ecc_double = 0xcafef00d"), std::string::npos) << r.out;  // its word is intact
  EXPECT_NE(r.err.find("error: PE (0,0): SRAM word " + address + ": uncorrectable ECC error (syndrome 0x"),
            std::string::npos)
      << r.err;
  EXPECT_TRUE(std::regex_search(r.err, std::regex(R"(error: PE \(0,0\): unhandled trap: load access fault \(mcause 5\) )"
                                                  R"(at pc 0x8[0-9a-f]{7}, instruction 0x[0-9a-f]{8}, mtval )" +
                                                  address)))
      << r.err;
  const nlohmann::json j = nlohmann::json::parse(read_file(stats));
  EXPECT_EQ(j["cores"][0]["sram_ecc_uncorrectable"], 1);
  EXPECT_EQ(j["cores"][1]["sram_ecc_uncorrectable"], 0);
}

INSTANTIATE_TEST_SUITE_P(Codecs, EccRun, ::testing::Values("model", "rtl"),
                         [](const auto& info) { return std::string(info.param); });

TEST(EccRunTwins, TheRtlCodecGivesTheSameRunAsTheModel) {
  // The tensor engine writes its results behind the SRAM's back and the core reads them through
  // the ECC decoder: the run must not depend on which twin decodes.
  nlohmann::json runs[2];
  std::string outputs[2];
  int i = 0;
  for (const char* codec : {"model", "rtl"}) {
    const std::string stats = temp_path(std::string(codec) + ".json");
    const ProcessResult r = run_wafervp({"--grid", "2x2", "--set", std::string("sram.ecc=") + codec, "--stats", stats,
                                         firmware("tensor_check")});
    ASSERT_EQ(r.exit_code, 0) << codec << ": " << r.out << r.err;
    outputs[i] = r.out;
    runs[i] = nlohmann::json::parse(read_file(stats));
    erase_host_figures(runs[i]);
    ++i;
  }
  EXPECT_EQ(outputs[0], outputs[1]);
  EXPECT_EQ(runs[0], runs[1]);
}

void expect_bad_flip(std::vector<std::string> args, const std::string& message) {
  args.push_back(firmware("ecc_check"));
  const ProcessResult r = run_wafervp(args);
  EXPECT_EQ(r.exit_code, 2) << r.err;
  EXPECT_NE(r.err.find(message), std::string::npos) << r.err;
  EXPECT_EQ(r.out, "");
}

TEST(EccRunBadInput, BadFlipsAreRefusedNamingTheProblem) {
  const std::vector<std::string> ecc = {"--grid", "2x1", "--set", "sram.ecc=model", "--flip"};
  const auto with = [&ecc](const std::string& flip) {
    std::vector<std::string> args = ecc;
    args.push_back(flip);
    return args;
  };
  expect_bad_flip({"--flip", "0,0:ecc_single:1"}, "--flip needs sram.ecc model or rtl (it is off)");
  expect_bad_flip(with("0,0:ecc_single"), "--flip: three or four fields needed in '0,0:ecc_single'");
  expect_bad_flip(with("0;0:ecc_single:1"), "--flip: bad tile '0;0'");
  expect_bad_flip(with("0,0:ecc_single:39"), "--flip: bad bit '39' (0-31 data, 32-38 check bits)");
  expect_bad_flip(with("0,0:ecc_single:7:7"), "--flip: bit 7 given twice");
  expect_bad_flip(with("0,0:no_such_word:1"), "--flip '0,0:no_such_word:1': no symbol 'no_such_word'");
  expect_bad_flip(with("2,0:ecc_single:1"), "--flip '2,0:ecc_single:1': PE (2,0) is outside the 2x1 grid");
  expect_bad_flip(with("0,0:0x10:1"), "--flip '0,0:0x10:1': address 0x00000010 is not in the tile's SRAM");
  expect_bad_flip(with("0,0:0x80000002:1"), "--flip '0,0:0x80000002:1': address 0x80000002 is not an aligned word");
}

}  // namespace
}  // namespace wvp::test
