// The SRAM with ECC (sram.ecc): on its own with either codec, the C++ model or the Verilated
// RTL (injected flips, corrected reads, refused accesses, read-modify-write, writers that
// bypass b_transport, debug transport, bad input), then on a tile, where a core reads a word
// with one flipped bit corrected and takes a load access fault on a word with two.
#include <gtest/gtest.h>

#include <array>
#include <cstring>
#include <memory>
#include <stdexcept>
#include <string>
#include <vector>

#include "models/sram/sram.h"
#include "platform/assembly/wafer.h"
#include "rtl/ecc/rtl_secded.h"
#include "support/payload.h"
#include "support/unique_name.h"
#include "support/program_image.h"
#include "support/rv32_asm.h"
#include "support/sim_child.h"
#include "tlm/host_memory.h"

namespace wvp::test {
namespace {

using sc_core::SC_ZERO_TIME;
using sc_core::sc_time;

std::unique_ptr<SecdedCodec> codec(SramEcc ecc) {
  if (ecc == SramEcc::Rtl) return std::make_unique<RtlSecded>();
  return std::make_unique<ModelSecded>();
}

struct Rig {
  explicit Rig(SramEcc ecc)
      : pages(1, 4096), ecc_codec(codec(ecc)), sram(unique_name("sram").c_str(), params(ecc), Clock(1e9), pages, ecc_codec.get()) {
    sram.set_error_sink([this](uint32_t, uint32_t offset, const std::string& what) { errors.push_back({offset, what}); });
  }
  static SramParams params(SramEcc ecc) {
    SramParams p;
    p.size_bytes = 4096;
    p.ecc = ecc;
    return p;
  }

  tlm::tlm_response_status access(tlm::tlm_command cmd, uint64_t addr, void* data, uint32_t len) {
    tlm::tlm_generic_payload gp;
    set_access(gp, cmd, addr, static_cast<uint8_t*>(data), len);
    sc_time delay = SC_ZERO_TIME;
    sram.socket.get_base_interface().b_transport(gp, delay);
    return gp.get_response_status();
  }
  uint32_t read32(uint64_t addr) {
    uint32_t v = 0;
    EXPECT_EQ(access(tlm::TLM_READ_COMMAND, addr, &v, 4), tlm::TLM_OK_RESPONSE) << "read at " << addr;
    return v;
  }
  void write32(uint64_t addr, uint32_t v) {
    EXPECT_EQ(access(tlm::TLM_WRITE_COMMAND, addr, &v, 4), tlm::TLM_OK_RESPONSE) << "write at " << addr;
  }
  uint32_t raw(uint32_t addr) {
    uint32_t v;
    sram.read(0, addr, &v, 4);
    return v;
  }
  uint32_t debug32(tlm::tlm_command cmd, uint64_t addr, uint32_t value = 0) {
    tlm::tlm_generic_payload gp;
    set_access(gp, cmd, addr, reinterpret_cast<uint8_t*>(&value), 4);
    EXPECT_EQ(sram.socket.get_base_interface().transport_dbg(gp), 4u);
    return value;
  }

  struct Error {
    uint32_t offset;
    std::string what;
  };
  SramPages pages;
  std::unique_ptr<SecdedCodec> ecc_codec;
  Sram sram;
  std::vector<Error> errors;
};

class SramEccCodec : public ::testing::TestWithParam<SramEcc> {};

TEST_P(SramEccCodec, CleanWordsReadAndWriteAsWithoutEcc) {
  Rig rig(GetParam());
  std::array<uint8_t, 12> in{1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12}, out{};
  EXPECT_EQ(rig.access(tlm::TLM_WRITE_COMMAND, 0x101, in.data(), 11), tlm::TLM_OK_RESPONSE);
  EXPECT_EQ(rig.access(tlm::TLM_READ_COMMAND, 0x101, out.data(), 11), tlm::TLM_OK_RESPONSE);
  EXPECT_EQ(std::memcmp(in.data(), out.data(), 11), 0);
  uint16_t half = 0;
  EXPECT_EQ(rig.access(tlm::TLM_READ_COMMAND, 0x102, &half, 2), tlm::TLM_OK_RESPONSE);
  EXPECT_EQ(half, 0x0302);
  EXPECT_EQ(rig.sram.stats(0).ecc_corrected, 0u);
  EXPECT_EQ(rig.sram.stats(0).ecc_uncorrectable, 0u);
  EXPECT_EQ(rig.sram.stats(0).reads, 2u);
}

TEST_P(SramEccCodec, ASingleFlippedBitIsCorrectedOnEveryReadAndCounted) {
  Rig rig(GetParam());
  rig.write32(0x40, 0x12345678);
  rig.write32(0x44, 0x9abcdef0);
  rig.sram.flip_bits(0, 0x40, {4});   // a data bit: the stored data really changes
  rig.sram.flip_bits(0, 0x44, {36});  // a check bit: the data stays
  EXPECT_EQ(rig.raw(0x40), 0x12345668u);
  EXPECT_EQ(rig.read32(0x40), 0x12345678u);
  EXPECT_EQ(rig.read32(0x40), 0x12345678u);  // not written back: read again, corrected again
  EXPECT_EQ(rig.read32(0x44), 0x9abcdef0u);
  uint8_t byte = 0;
  EXPECT_EQ(rig.access(tlm::TLM_READ_COMMAND, 0x40, &byte, 1), tlm::TLM_OK_RESPONSE);
  EXPECT_EQ(byte, 0x78);
  std::array<uint32_t, 2> both{};
  EXPECT_EQ(rig.access(tlm::TLM_READ_COMMAND, 0x40, both.data(), 8), tlm::TLM_OK_RESPONSE);
  EXPECT_EQ(both, (std::array<uint32_t, 2>{0x12345678, 0x9abcdef0}));
  EXPECT_EQ(rig.sram.stats(0).ecc_corrected, 6u);
  EXPECT_EQ(rig.sram.stats(0).ecc_uncorrectable, 0u);
  EXPECT_TRUE(rig.errors.empty());
}

TEST_P(SramEccCodec, TwoFlippedBitsRefuseTheAccessAndAreReported) {
  Rig rig(GetParam());
  rig.write32(0x80, 0xcafef00d);
  rig.sram.flip_bits(0, 0x80, {3, 36});
  uint32_t v = 0xffffffff;
  EXPECT_EQ(rig.access(tlm::TLM_READ_COMMAND, 0x80, &v, 4), tlm::TLM_GENERIC_ERROR_RESPONSE);
  std::array<uint32_t, 2> pair{};
  EXPECT_EQ(rig.access(tlm::TLM_READ_COMMAND, 0x7c, pair.data(), 8), tlm::TLM_GENERIC_ERROR_RESPONSE);
  EXPECT_EQ(rig.read32(0x84), 0u);  // its neighbour is fine
  EXPECT_EQ(rig.sram.stats(0).ecc_uncorrectable, 2u);
  ASSERT_EQ(rig.errors.size(), 2u);
  EXPECT_EQ(rig.errors[0].offset, 0x80u);
  EXPECT_EQ(rig.errors[0].what.rfind("uncorrectable ECC error (syndrome 0x", 0), 0u) << rig.errors[0].what;
  // A byte store is a read-modify-write of the word, so it is refused too and changes nothing.
  uint8_t byte = 0x55;
  EXPECT_EQ(rig.access(tlm::TLM_WRITE_COMMAND, 0x81, &byte, 1), tlm::TLM_GENERIC_ERROR_RESPONSE);
  EXPECT_EQ(rig.raw(0x80), 0xcafef00du ^ (1u << 3));
  // A whole-word store writes a fresh codeword.
  rig.write32(0x80, 0x11223344);
  EXPECT_EQ(rig.read32(0x80), 0x11223344u);
}

TEST_P(SramEccCodec, ANarrowStoreIntoAFlippedWordKeepsTheRestCorrected) {
  Rig rig(GetParam());
  rig.write32(0x10, 0x89abcdef);
  rig.sram.flip_bits(0, 0x10, {20});
  uint8_t byte = 0x55;
  EXPECT_EQ(rig.access(tlm::TLM_WRITE_COMMAND, 0x10, &byte, 1), tlm::TLM_OK_RESPONSE);
  EXPECT_EQ(rig.sram.stats(0).ecc_corrected, 1u);  // the read of the read-modify-write
  EXPECT_EQ(rig.raw(0x10), 0x89abcd55u);
  EXPECT_EQ(rig.read32(0x10), 0x89abcd55u);
  EXPECT_EQ(rig.sram.stats(0).ecc_corrected, 1u);  // the word is clean again
}

TEST_P(SramEccCodec, AWriterBypassingTheBusReplacesTheFlippedWord) {
  // DMI and the tensor engine write the memory directly; what they write is a fresh codeword.
  Rig rig(GetParam());
  rig.write32(0x20, 0xcafef00d);
  rig.sram.flip_bits(0, 0x20, {1, 2});
  const uint32_t fresh = 0x0badf00d;
  std::memcpy(rig.sram.writable(0, 0x20), &fresh, 4);
  EXPECT_EQ(rig.read32(0x20), fresh);
  EXPECT_EQ(rig.sram.stats(0).ecc_uncorrectable, 0u);
}

TEST_P(SramEccCodec, DebugAccessSeesCorrectedWordsCountsNothingAndWritesFreshCodewords) {
  Rig rig(GetParam());
  rig.write32(0x30, 0x12345678);
  rig.write32(0x34, 0xcafef00d);
  rig.sram.flip_bits(0, 0x30, {0});
  rig.sram.flip_bits(0, 0x34, {0, 1});
  EXPECT_EQ(rig.debug32(tlm::TLM_READ_COMMAND, 0x30), 0x12345678u);
  EXPECT_EQ(rig.debug32(tlm::TLM_READ_COMMAND, 0x34), 0xcafef00du ^ 3u);  // as stored: nothing to correct with
  EXPECT_EQ(rig.sram.stats(0).ecc_corrected, 0u);
  EXPECT_EQ(rig.sram.stats(0).ecc_uncorrectable, 0u);
  rig.debug32(tlm::TLM_WRITE_COMMAND, 0x34, 0x600df00d);
  EXPECT_EQ(rig.read32(0x34), 0x600df00du);
}

TEST_P(SramEccCodec, FlipsAccumulateAndFourMakeAnotherValidCodeword) {
  Rig rig(GetParam());
  rig.write32(0x50, 0);
  rig.sram.flip_bits(0, 0x50, {0});
  EXPECT_EQ(rig.read32(0x50), 0u);
  rig.sram.flip_bits(0, 0x50, {0});  // flipped back: clean
  EXPECT_EQ(rig.read32(0x50), 0u);
  EXPECT_EQ(rig.sram.stats(0).ecc_corrected, 1u);
  // Data bit 0 feeds check bits 0, 1 and 3 (codeword bits 32, 33, 35): flipping all four is
  // another valid codeword, which no code can tell from a real 1.
  rig.sram.flip_bits(0, 0x50, {0, 32});
  rig.sram.flip_bits(0, 0x50, {33, 35});
  EXPECT_EQ(rig.read32(0x50), 1u);
  EXPECT_EQ(rig.sram.stats(0).ecc_corrected, 1u);
  EXPECT_EQ(rig.sram.stats(0).ecc_uncorrectable, 0u);
}

TEST_P(SramEccCodec, BadFlipsNameWhatIsWrong) {
  Rig rig(GetParam());
  const auto error = [&](uint32_t offset, std::vector<unsigned> bits) {
    try {
      rig.sram.flip_bits(0, offset, bits);
    } catch (const std::invalid_argument& e) {
      return std::string(e.what());
    }
    return std::string("no error");
  };
  EXPECT_NE(error(0x42, {1}).find("offset 0x00000042 is not an aligned word of the 4096-byte SRAM"), std::string::npos);
  EXPECT_NE(error(4096, {1}).find("offset 0x00001000 is not an aligned word"), std::string::npos);
  EXPECT_NE(error(0, {39}).find("codeword bit 39 outside 0-38"), std::string::npos);
  EXPECT_NE(error(0, {5, 5}).find("codeword bit 5 given twice"), std::string::npos);
  EXPECT_NE(error(0, {}).find("no bit to flip"), std::string::npos);
  EXPECT_EQ(rig.read32(0), 0u);  // nothing flipped by the refused calls
}

INSTANTIATE_TEST_SUITE_P(Codecs, SramEccCodec, ::testing::Values(SramEcc::Model, SramEcc::Rtl),
                         [](const auto& info) { return std::string(sram_ecc_name(info.param)); });

TEST(SramEcc, NeedsItsCodecAndFlipsNeedEcc) {
  SramPages pages(1, 4096);
  SramParams p = Rig::params(SramEcc::Model);
  try {
    Sram sram(unique_name("sram").c_str(), p, Clock(1e9), pages);
    FAIL() << "ECC without a codec was accepted";
  } catch (const std::invalid_argument& e) {
    EXPECT_NE(std::string(e.what()).find("ECC model without a codec"), std::string::npos) << e.what();
  }
  p.ecc = SramEcc::Off;
  Sram plain(unique_name("sram").c_str(), p, Clock(1e9), pages);
  try {
    plain.flip_bits(0, 0, {1});
    FAIL() << "a flip without ECC was accepted";
  } catch (const std::invalid_argument& e) {
    EXPECT_NE(std::string(e.what()).find("bit flips need ECC (sram.ecc model or rtl)"), std::string::npos) << e.what();
  }
}

// ---- on a tile ----------------------------------------------------------------------------

using namespace rv;
constexpr uint32_t kBase = kProgramBase;
constexpr uint32_t kMtvec = 0x305, kMcause = 0x342, kMepc = 0x341, kMtval = 0x343;

PlatformConfig one_tile(SramEcc ecc) {
  PlatformConfig c;
  c.grid_width = c.grid_height = 1;
  c.sim.max_cycles = 100'000;
  c.sram.ecc = ecc;
  return c;
}

class TileEcc : public ::testing::TestWithParam<SramEcc> {};

TEST_P(TileEcc, TheCoreReadsASingleFlipCorrectedAndFaultsOnADoubleFlip) {
  in_child_process([] {
    const std::vector<std::pair<uint32_t, uint32_t>> words = {
        {0x00, lui(8, 0x80000)}, {0x04, addi(8, 8, 0x40)}, {0x08, csrrw(0, kMtvec, 8)},
        {0x0c, lui(6, 0x80000)},
        {0x10, lw(5, 6, 0x100)},                 // one flipped bit: corrected
        {0x14, lw(7, 6, 0x104)},                 // two: load access fault
        {0x18, lui(9, 0x02010)}, {0x1c, sw(0, 9, 0x14)},  // exit 0
        // handler: x20..x22 = mcause, mepc, mtval; skip the instruction
        {0x40, csrrs(20, kMcause, 0)}, {0x44, csrrs(21, kMepc, 0)}, {0x48, csrrs(22, kMtval, 0)},
        {0x4c, addi(23, 21, 4)}, {0x50, csrrw(0, kMepc, 23)}, {0x54, kMret},
        {0x100, 0x12345678}, {0x104, 0xcafef00d}};
    Wafer wafer("wafer", one_tile(GetParam()), nullptr);
    wafer.load(program(words));
    wafer.flip_bits(0, 0, kBase + 0x100, {9});
    wafer.flip_bits(0, 0, kBase + 0x104, {9, 38});
    sc_core::sc_start();
    const Core& core = wafer.core(0, 0);
    EXPECT_EQ(core.gpr(5), 0x12345678u);
    EXPECT_EQ(core.gpr(20), 5u);  // load access fault
    EXPECT_EQ(core.gpr(21), kBase + 0x14);
    EXPECT_EQ(core.gpr(22), kBase + 0x104);
    EXPECT_EQ(wafer.sram().stats(0).ecc_corrected, 1u);
    EXPECT_EQ(wafer.sram().stats(0).ecc_uncorrectable, 1u);
    ASSERT_EQ(wafer.device_errors().size(), 1u);
    EXPECT_EQ(wafer.device_errors()[0].rfind("PE (0,0): SRAM word 0x80000104: uncorrectable ECC error (syndrome 0x", 0), 0u)
        << wafer.device_errors()[0];
    EXPECT_EQ(wafer.result().exit_code, 0);
  });
}

TEST_P(TileEcc, StoresThroughTheBusStillInvalidateDecodedCode) {
  // With ECC the core's stores to its SRAM take the bus, not DMI; a store over an instruction
  // it has already run must still be seen.
  in_child_process([] {
    const std::vector<std::pair<uint32_t, uint32_t>> words = {
        {0x00, lui(6, 0x80000)}, {0x04, addi(8, 0, 2)},
        {0x08, addi(5, 5, 1)},                         // patched to addi x5, x5, 100 below
        {0x0c, lw(7, 6, 0x60)}, {0x10, sw(7, 6, 0x08)},
        {0x14, addi(8, 8, -1)}, {0x18, bne(8, 0, -0x10)},  // back to 0x08 once
        {0x1c, lui(9, 0x02010)}, {0x20, sw(0, 9, 0x14)},
        {0x60, addi(5, 5, 100)}};
    Wafer wafer("wafer", one_tile(GetParam()), nullptr);
    wafer.load(program(words));
    sc_core::sc_start();
    EXPECT_EQ(wafer.core(0, 0).gpr(5), 101u);
    EXPECT_EQ(wafer.result().exit_code, 0);
  });
}

INSTANTIATE_TEST_SUITE_P(Codecs, TileEcc, ::testing::Values(SramEcc::Model, SramEcc::Rtl),
                         [](const auto& info) { return std::string(sram_ecc_name(info.param)); });

}  // namespace
}  // namespace wvp::test
