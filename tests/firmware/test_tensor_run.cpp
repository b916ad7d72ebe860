// The tensor engine driven by firmware: results equal to the core's own fma chain, timing by
// element type, and a failed operation reported to firmware and user.
#include <gtest/gtest.h>

#include <regex>

#include <nlohmann/json.hpp>

#include "firmware_env.h"

namespace wvp::test {
namespace {

TEST(TensorRun, MatrixVectorProductMatchesTheCoreBitForBitAndTimesByLanes) {
  const ProcessResult r = run_wafervp({"--grid", "2x1", firmware("tensor_check")});
  ASSERT_EQ(r.exit_code, 0) << r.out << r.err;
  std::smatch m;
  ASSERT_TRUE(std::regex_search(r.out, m, std::regex(R"(\(0,0\) tensor: 8x32 matvec fp32 ([0-9]+) cycles, fp16 ([0-9]+) cycles)")))
      << r.out;
  // 256 elements: 64 groups of 4 fp32 against 32 groups of 8 fp16; the rest is the same code.
  EXPECT_EQ(std::stoul(m[1]) - std::stoul(m[2]), 32u);
  EXPECT_NE(r.out.find("(1,0) tensor: bad operand status 0x2"), std::string::npos) << r.out;
  // wfi sleeps through the operation (64 groups + 4 startup, less the instructions between GO
  // and wfi) and wakes exactly at its end; the acknowledgement lowers MEIP.
  EXPECT_NE(r.out.find("(0,0) tensor: wfi slept 67 cycles, woke 0 cycles after the end, busy 0, MEIP after ack 0"),
            std::string::npos)
      << r.out;
  const ProcessResult q1 = run_wafervp({"--grid", "2x1", "--quantum", "1", firmware("tensor_check")});
  EXPECT_EQ(q1.out, r.out);
  EXPECT_NE(r.err.find("error: PE (1,0): tensor: COPY: src0 spans 0x00000010-0x0000004f, outside the SRAM "
                       "0x80000000-0x8000bfff"),
            std::string::npos)
      << r.err;
}

uint64_t sent_cycles(const std::string& out) {
  std::smatch m;
  return std::regex_search(out, m, std::regex(R"(\(0,0\) sent [0-9]+ wavelets in ([0-9]+) cycles, status 0)")) ? std::stoull(m[1]) : 0;
}

TEST(TensorRun, StreamsMoveOneWaveletPerCycleThroughTheFabricForAnyQuantum) {
  const ProcessResult a = run_wafervp({"--grid", "2x1", "--poke", "count=100", firmware("tensor_stream")});
  ASSERT_EQ(a.exit_code, 0) << a.out << a.err;
  EXPECT_NE(a.out.find("(1,0) received 100 wavelets in "), std::string::npos) << a.out;
  EXPECT_NE(a.out.find("all right, status 0"), std::string::npos) << a.out;
  const ProcessResult b = run_wafervp({"--grid", "2x1", "--poke", "count=200", firmware("tensor_stream")});
  ASSERT_EQ(b.exit_code, 0) << b.out << b.err;
  EXPECT_EQ(sent_cycles(b.out) - sent_cycles(a.out), 100u) << a.out << b.out;  // one wavelet per cycle
  const ProcessResult q1 = run_wafervp({"--grid", "2x1", "--quantum", "1", "--poke", "count=100", firmware("tensor_stream")});
  EXPECT_EQ(q1.out, a.out);
}

TEST(TensorRun, StreamStallsAndCyclesAreTheSameForAnyQuantum) {
  // A stream ahead of the fabric waits for each wavelet it lacks; one that arrives by the
  // stream's cycle is taken there, without counting a stall, however far behind the fabric was.
  nlohmann::json reference;
  for (const char* q : {"1", "7", "1000"}) {
    const std::string stats = temp_path("stream.json");
    const ProcessResult r = run_wafervp(
        {"--grid", "3x1", "--quantum", q, "--stats", stats, "--poke", "count=200", firmware("tensor_stream")});
    ASSERT_EQ(r.exit_code, 0) << r.out << r.err;
    nlohmann::json cores = nlohmann::json::parse(read_file(stats))["cores"];
    for (auto& c : cores) c.erase("decodes"), c.erase("decode_hit_rate");  // the shared decode cache's
    if (reference.is_null()) {
      reference = cores;
      EXPECT_GT(cores[2]["stalls"], 0) << cores.dump();
      continue;
    }
    EXPECT_EQ(cores, reference) << "quantum " << q;
  }
}

TEST(TensorRun, AForwardingStreamPassesWaveletsOnAsTheyComeAndKeepsACopy) {
  const auto received_cycles = [](const std::string& out, const char* tile) {
    std::smatch m;
    const std::regex line(std::string(R"(\()") + tile + R"(\) received 200 wavelets in ([0-9]+) cycles, all right, status 0)");
    return std::regex_search(out, m, line) ? std::stoull(m[1]) : 0;
  };
  const ProcessResult r = run_wafervp({"--grid", "3x1", "--poke", "count=200", firmware("tensor_stream")});
  ASSERT_EQ(r.exit_code, 0) << r.out << r.err;
  const uint64_t middle = received_cycles(r.out, "1,0"), last = received_cycles(r.out, "2,0");
  ASSERT_GT(middle, 0u) << r.out;
  ASSERT_GT(last, 0u) << r.out;
  // Cut-through: the last tile is done a few cycles after the middle one, not a stream later.
  EXPECT_LT(last, middle + 20) << r.out;
  const ProcessResult q1 = run_wafervp({"--grid", "3x1", "--quantum", "1", "--poke", "count=200", firmware("tensor_stream")});
  EXPECT_EQ(q1.out, r.out);
}

}  // namespace
}  // namespace wvp::test
