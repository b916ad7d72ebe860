// The banked SRAM target on its own: data path, errors, DMI, debug transport, the timing model of
// occupy_banks() (port bandwidth and bank conflicts) and the lazily backed host memory.
// Nothing here calls sc_start: b_transport and friends are called directly at time 0.
#include <gtest/gtest.h>

#include <unistd.h>

#include <array>
#include <cstring>
#include <memory>
#include <stdexcept>
#include <string>
#include <vector>

#include "models/sram/sram.h"
#include "support/payload.h"
#include "support/unique_name.h"
#include "tlm/host_memory.h"

namespace wvp::test {
namespace {

using sc_core::SC_NS;
using sc_core::sc_time;

// 1 GHz so that one cycle is exactly 1 ns (SystemC's default resolution is 1 ps).
SramParams params_1ghz(uint32_t size = 4096) {
  SramParams p;
  p.size_bytes = size;
  p.banks = 8;
  p.bank_width_bytes = 4;
  p.read_bytes_per_cycle = 16;
  p.write_bytes_per_cycle = 8;
  p.access_latency_cycles = 0;
  return p;
}

// An SRAM that is the only tile of its pages.
struct Rig {
  explicit Rig(const SramParams& p, const Clock& clock = Clock(1e9))
      : pages(1, p.size_bytes), sram(unique_name("sram").c_str(), p, clock, pages) {}
  SramPages pages;
  Sram sram;

  uint8_t byte(uint32_t offset) const {
    uint8_t b;
    sram.read(0, offset, &b, 1);
    return b;
  }

  tlm::tlm_fw_transport_if<>& fw() { return sram.socket.get_base_interface(); }

  tlm::tlm_response_status access(tlm::tlm_command cmd, uint64_t addr, uint8_t* data, uint32_t len, sc_time& delay,
                                  unsigned char* byte_enable = nullptr, uint32_t streaming_width = 0) {
    tlm::tlm_generic_payload gp;
    test::set_access(gp, cmd, addr, data, len);
    if (streaming_width) gp.set_streaming_width(streaming_width);
    if (byte_enable) {
      gp.set_byte_enable_ptr(byte_enable);
      gp.set_byte_enable_length(len);
    }
    fw().b_transport(gp, delay);
    return gp.get_response_status();
  }
  // The delay this access adds when it arrives `at` after time 0.
  sc_time read(uint64_t addr, uint32_t len, sc_time at = sc_core::SC_ZERO_TIME) {
    std::vector<uint8_t> buf(len);
    sc_time delay = at;
    EXPECT_EQ(access(tlm::TLM_READ_COMMAND, addr, buf.data(), len, delay), tlm::TLM_OK_RESPONSE);
    return delay - at;
  }
  sc_time write(uint64_t addr, uint32_t len, sc_time at = sc_core::SC_ZERO_TIME) {
    std::vector<uint8_t> buf(len, 0x5a);
    sc_time delay = at;
    EXPECT_EQ(access(tlm::TLM_WRITE_COMMAND, addr, buf.data(), len, delay), tlm::TLM_OK_RESPONSE);
    return delay - at;
  }
  unsigned dbg(tlm::tlm_command cmd, uint64_t addr, uint8_t* data, uint32_t len, tlm::tlm_response_status* status) {
    tlm::tlm_generic_payload gp;
    test::set_access(gp, cmd, addr, data, len);
    const unsigned n = fw().transport_dbg(gp);
    if (status) *status = gp.get_response_status();
    return n;
  }
};

sc_time cycles(double n) { return sc_time(n, SC_NS); }

TEST(Sram, WriteThenReadBackThroughBTransport) {
  Rig rig(params_1ghz());
  std::array<uint8_t, 8> out = {1, 2, 3, 4, 5, 6, 7, 8};
  sc_time delay;
  ASSERT_EQ(rig.access(tlm::TLM_WRITE_COMMAND, 0x100, out.data(), 8, delay), tlm::TLM_OK_RESPONSE);
  std::array<uint8_t, 8> stored{};
  rig.sram.read(0, 0x100, stored.data(), 8);
  EXPECT_EQ(stored, out);  // lands in the memory
  EXPECT_EQ(rig.byte(0xff), 0);
  EXPECT_EQ(rig.byte(0x108), 0);

  std::array<uint8_t, 8> in{};
  ASSERT_EQ(rig.access(tlm::TLM_READ_COMMAND, 0x100, in.data(), 8, delay), tlm::TLM_OK_RESPONSE);
  EXPECT_EQ(in, out);
  // Unaligned, single byte.
  uint8_t b = 0;
  ASSERT_EQ(rig.access(tlm::TLM_READ_COMMAND, 0x103, &b, 1, delay), tlm::TLM_OK_RESPONSE);
  EXPECT_EQ(b, 4);

  EXPECT_EQ(rig.sram.stats(0).writes, 1u);
  EXPECT_EQ(rig.sram.stats(0).write_bytes, 8u);
  EXPECT_EQ(rig.sram.stats(0).reads, 2u);
  EXPECT_EQ(rig.sram.stats(0).read_bytes, 9u);
}

TEST(Sram, LastWordIsAccessibleAndAccessesPastTheEndAreAddressErrors) {
  Rig rig(params_1ghz(4096));
  uint32_t word = 0xdeadbeef;
  sc_time delay;
  EXPECT_EQ(rig.access(tlm::TLM_WRITE_COMMAND, 4092, reinterpret_cast<uint8_t*>(&word), 4, delay), tlm::TLM_OK_RESPONSE);
  EXPECT_EQ(rig.byte(4095), 0xde);

  uint8_t buf[8] = {};
  for (uint64_t addr : {uint64_t{4096}, uint64_t{4097}, uint64_t{1} << 32, ~uint64_t{0}}) {
    EXPECT_EQ(rig.access(tlm::TLM_READ_COMMAND, addr, buf, 4, delay), tlm::TLM_ADDRESS_ERROR_RESPONSE) << addr;
  }
  // Starts inside, runs past the end: refused and nothing is written.
  std::memset(buf, 0x77, sizeof buf);
  EXPECT_EQ(rig.access(tlm::TLM_WRITE_COMMAND, 4092, buf, 8, delay), tlm::TLM_ADDRESS_ERROR_RESPONSE);
  EXPECT_EQ(rig.byte(4092), 0xef);
  EXPECT_EQ(rig.access(tlm::TLM_READ_COMMAND, 4095, buf, 2, delay), tlm::TLM_ADDRESS_ERROR_RESPONSE);
  // Errors neither count as accesses nor take time.
  EXPECT_EQ(rig.sram.stats(0).reads, 0u);
  EXPECT_EQ(rig.sram.stats(0).writes, 1u);
  EXPECT_EQ(delay, sc_core::SC_ZERO_TIME);
}

TEST(Sram, ByteEnablesAndStreamingAreRefused) {
  Rig rig(params_1ghz());
  uint8_t data[4] = {1, 2, 3, 4};
  unsigned char be[4] = {0xff, 0, 0xff, 0};
  sc_time delay;
  EXPECT_EQ(rig.access(tlm::TLM_WRITE_COMMAND, 0x40, data, 4, delay, be), tlm::TLM_BYTE_ENABLE_ERROR_RESPONSE);
  EXPECT_EQ(rig.access(tlm::TLM_WRITE_COMMAND, 0x40, data, 4, delay, nullptr, 2), tlm::TLM_BYTE_ENABLE_ERROR_RESPONSE);
  EXPECT_EQ(rig.byte(0x40), 0);  // nothing written
  EXPECT_EQ(rig.sram.stats(0).writes, 0u);
  // A streaming width at least the length is an ordinary access.
  EXPECT_EQ(rig.access(tlm::TLM_WRITE_COMMAND, 0x40, data, 4, delay, nullptr, 8), tlm::TLM_OK_RESPONSE);
  EXPECT_EQ(rig.byte(0x43), 4);
}

TEST(Sram, SuccessfulAccessesHintDmi) {
  Rig rig(params_1ghz());
  uint8_t data[4] = {};
  tlm::tlm_generic_payload gp;
  test::set_access(gp, tlm::TLM_READ_COMMAND, 0, data, 4);
  sc_time delay;
  rig.fw().b_transport(gp, delay);
  EXPECT_EQ(gp.get_response_status(), tlm::TLM_OK_RESPONSE);
  EXPECT_TRUE(gp.is_dmi_allowed());
}

TEST(Sram, IgnoreCommandSucceedsWithoutCountingOrTime) {
  Rig rig(params_1ghz());
  uint8_t data[4] = {};
  sc_time delay;
  EXPECT_EQ(rig.access(tlm::TLM_IGNORE_COMMAND, 0, data, 4, delay), tlm::TLM_OK_RESPONSE);
  EXPECT_EQ(delay, sc_core::SC_ZERO_TIME);
  EXPECT_EQ(rig.sram.stats(0).reads + rig.sram.stats(0).writes, 0u);
}

TEST(Sram, DmiGrantCoversOnePageWithTheAccessLatency) {
  SramParams p = params_1ghz(0x3000);
  p.access_latency_cycles = 3;
  Rig rig(p);
  tlm::tlm_generic_payload gp;
  gp.set_command(tlm::TLM_WRITE_COMMAND);
  gp.set_address(0x2ff4);
  tlm::tlm_dmi dmi;
  ASSERT_TRUE(rig.fw().get_direct_mem_ptr(gp, dmi));
  EXPECT_EQ(dmi.get_start_address(), 0x2c00u);
  EXPECT_EQ(dmi.get_end_address(), 0x2fffu);
  EXPECT_TRUE(dmi.is_read_write_allowed());
  EXPECT_EQ(dmi.get_read_latency(), cycles(3));
  EXPECT_EQ(dmi.get_write_latency(), cycles(3));

  // Writes through the DMI pointer are what b_transport reads.
  dmi.get_dmi_ptr()[0x3fc] = 0xab;
  uint8_t b = 0;
  sc_time delay;
  ASSERT_EQ(rig.access(tlm::TLM_READ_COMMAND, 0x2ffc, &b, 1, delay), tlm::TLM_OK_RESPONSE);
  EXPECT_EQ(b, 0xab);

  tlm::tlm_dmi none;
  gp.set_address(0x3000);
  EXPECT_FALSE(rig.fw().get_direct_mem_ptr(gp, none));
}

TEST(Sram, DmiLatencyIsZeroWithoutAccessLatency) {
  Rig rig(params_1ghz());
  tlm::tlm_generic_payload gp;
  gp.set_address(0);
  tlm::tlm_dmi dmi;
  ASSERT_TRUE(rig.fw().get_direct_mem_ptr(gp, dmi));
  EXPECT_EQ(dmi.get_read_latency(), sc_core::SC_ZERO_TIME);
  EXPECT_EQ(dmi.get_write_latency(), sc_core::SC_ZERO_TIME);
}

// Timing model. occupy_banks() returns the cycles from the start until the last word is issued
// (+1); b_transport adds (that - 1 + access_latency_cycles) periods: a single-cycle access
// costs nothing on top of the initiator's own cycle.

TEST(Sram, SingleWordReadAddsNoDelay) {
  Rig rig(params_1ghz());
  EXPECT_EQ(rig.read(0x10, 4), sc_core::SC_ZERO_TIME);
  EXPECT_EQ(rig.write(0x20, 4), sc_core::SC_ZERO_TIME);
  EXPECT_EQ(rig.sram.stats(0).bank_conflict_cycles, 0u);
}

TEST(Sram, ReadPortStreams16BytesPerCycle) {
  Rig rig(params_1ghz());
  // 32 bytes = 8 words over 8 distinct banks, issued at cycles 0,0,0,0,1,1,1,1: 2 cycles.
  EXPECT_EQ(rig.read(0, 32), cycles(1));
  EXPECT_EQ(rig.sram.stats(0).bank_conflict_cycles, 0u);
}

TEST(Sram, ReadOf16BytesTakesOneCycle) {
  Rig rig(params_1ghz());
  EXPECT_EQ(rig.read(0x40, 16), sc_core::SC_ZERO_TIME);
}

TEST(Sram, WritePortStreams8BytesPerCycle) {
  Rig rig(params_1ghz());
  // 32 bytes at 8 bytes per cycle: words issued at 0,0,1,1,2,2,3,3 -> 4 cycles.
  EXPECT_EQ(rig.write(0, 32), cycles(3));
  EXPECT_EQ(rig.sram.stats(0).bank_conflict_cycles, 0u);
}

TEST(Sram, LongReadWrapsAroundTheBanksWithoutConflict) {
  Rig rig(params_1ghz());
  // 64 bytes = 16 words, 4 per cycle: cycles 0..3. Word 8 reuses bank 0 at cycle 2, long free.
  EXPECT_EQ(rig.read(0, 64), cycles(3));
  EXPECT_EQ(rig.sram.stats(0).bank_conflict_cycles, 0u);
}

TEST(Sram, AccessLatencyIsAddedToEveryAccess) {
  SramParams p = params_1ghz();
  p.access_latency_cycles = 2;
  Rig rig(p);
  EXPECT_EQ(rig.read(0x0, 4), cycles(2));
  EXPECT_EQ(rig.read(0x100, 32, cycles(10)), cycles(1 + 2));
  EXPECT_EQ(rig.write(0x200, 16, cycles(20)), cycles(1 + 2));
}

TEST(Sram, SameBankAtTheSameTimeWaitsAndCountsAConflict) {
  Rig rig(params_1ghz());
  // 0x00 and 0x20 are words 0 and 8: both bank 0.
  EXPECT_EQ(rig.read(0x00, 4), sc_core::SC_ZERO_TIME);
  EXPECT_EQ(rig.read(0x20, 4), cycles(1));  // issued at cycle 1, done at 2
  EXPECT_EQ(rig.sram.stats(0).bank_conflict_cycles, 1u);
  // A third one on the same bank queues behind both.
  EXPECT_EQ(rig.write(0x40, 4), cycles(2));
  EXPECT_EQ(rig.sram.stats(0).bank_conflict_cycles, 3u);
  // Another bank is free at cycle 0.
  EXPECT_EQ(rig.read(0x04, 4), sc_core::SC_ZERO_TIME);
  EXPECT_EQ(rig.sram.stats(0).bank_conflict_cycles, 3u);
}

TEST(Sram, SameBankOneCycleLaterDoesNotConflict) {
  Rig rig(params_1ghz());
  EXPECT_EQ(rig.read(0x00, 4), sc_core::SC_ZERO_TIME);
  EXPECT_EQ(rig.read(0x20, 4, cycles(1)), sc_core::SC_ZERO_TIME);
  EXPECT_EQ(rig.read(0x40, 4, cycles(5)), sc_core::SC_ZERO_TIME);
  EXPECT_EQ(rig.sram.stats(0).bank_conflict_cycles, 0u);
}

TEST(Sram, ArrivalTimeWithinACycleIsRoundedDown) {
  Rig rig(params_1ghz());
  EXPECT_EQ(rig.read(0x00, 4, sc_time(1500, sc_core::SC_PS)), sc_core::SC_ZERO_TIME);  // cycle 1, bank 0 busy until 2
  EXPECT_EQ(rig.read(0x20, 4, sc_time(1900, sc_core::SC_PS)), cycles(1));              // also cycle 1: waits
  EXPECT_EQ(rig.sram.stats(0).bank_conflict_cycles, 1u);
}

TEST(Sram, OneBankSerialisesTheWordsOfAnAccess) {
  SramParams p = params_1ghz();
  p.banks = 1;
  Rig rig(p);
  // 16 bytes in one port cycle, but the 4 words queue on the single bank: issue 0,1,2,3.
  EXPECT_EQ(rig.read(0, 16), cycles(3));
  EXPECT_EQ(rig.sram.stats(0).bank_conflict_cycles, 0u + 1u + 2u + 3u);
}

TEST(Sram, UnalignedAccessTouchesEveryWordItSpans) {
  SramParams p = params_1ghz();
  p.banks = 1;
  Rig rig(p);
  // Bytes 2..9 span words 0, 1, 2.
  EXPECT_EQ(rig.read(2, 8), cycles(2));
  EXPECT_EQ(rig.sram.stats(0).bank_conflict_cycles, 0u + 1u + 2u);
}

TEST(Sram, UnalignedReadSpanningAnExtraWordNeedsAnExtraPortCycle) {
  Rig rig(params_1ghz());
  // 16 bytes at 0x42 span 5 words (0x40..0x53): four in cycle 0, the fifth in cycle 1.
  EXPECT_EQ(rig.read(0x42, 16), cycles(1));
}

// A port narrower than a bank word still bounds bandwidth: the port streams port_bytes per
// cycle, so 4 bytes at 2 bytes/cycle need 2 cycles and 8 bytes need 4.
TEST(Sram, PortNarrowerThanABankWordStillBoundsBandwidth) {
  SramParams p = params_1ghz();
  p.read_bytes_per_cycle = 2;
  Rig rig(p);
  EXPECT_EQ(rig.read(0x0, 4), cycles(1));                // 2 cycles
  EXPECT_EQ(rig.read(0x100, 8, cycles(10)), cycles(3));  // 4 cycles
  EXPECT_EQ(rig.read(0x200, 1, cycles(20)), sc_core::SC_ZERO_TIME);  // 1 byte fits one port cycle
  EXPECT_EQ(rig.sram.stats(0).bank_conflict_cycles, 0u);
}

TEST(Sram, TimingUsesTheClockPeriod) {
  Rig rig(params_1ghz(), Clock(500e6));  // 2 ns
  EXPECT_EQ(rig.read(0, 32), sc_time(2, SC_NS));
  // 3 ns into the simulation is cycle 1: bank 0 (free from cycle 1 on) does not conflict.
  EXPECT_EQ(rig.read(0x20, 4, sc_time(3, SC_NS)), sc_core::SC_ZERO_TIME);
  EXPECT_EQ(rig.sram.stats(0).bank_conflict_cycles, 0u);
}

TEST(Sram, DefaultParametersMatchTheWseLikeTile) {
  const SramParams p;
  EXPECT_EQ(p.size_bytes, 48u * 1024u);
  EXPECT_EQ(p.banks, 8u);
  EXPECT_EQ(p.bank_width_bytes, 4u);
  EXPECT_EQ(p.read_bytes_per_cycle, 16u);
  EXPECT_EQ(p.write_bytes_per_cycle, 8u);
  EXPECT_EQ(p.access_latency_cycles, 0u);
  // At 1.1 GHz, a 2-cycle read adds one (rounded) period.
  Rig rig(p, Clock(1.1e9));
  EXPECT_EQ(rig.read(0, 32), sc_time(1.0 / 1.1e9, sc_core::SC_SEC));
}

TEST(Sram, TransportDbgReadsWritesAndClipsAtTheEnd) {
  Rig rig(params_1ghz(4096));
  std::array<uint8_t, 16> out;
  for (size_t i = 0; i < out.size(); ++i) out[i] = static_cast<uint8_t>(0xa0 + i);
  tlm::tlm_response_status status{};
  EXPECT_EQ(rig.dbg(tlm::TLM_WRITE_COMMAND, 0x10, out.data(), 16, &status), 16u);
  EXPECT_EQ(status, tlm::TLM_OK_RESPONSE);
  EXPECT_EQ(0, std::memcmp(rig.sram.readable(0, 0x10), out.data(), 16));

  // Clipped: only the 8 bytes up to the end are written.
  EXPECT_EQ(rig.dbg(tlm::TLM_WRITE_COMMAND, 4088, out.data(), 16, &status), 8u);
  EXPECT_EQ(status, tlm::TLM_OK_RESPONSE);
  EXPECT_EQ(0, std::memcmp(rig.sram.readable(0, 4088), out.data(), 8));

  std::array<uint8_t, 16> in{};
  EXPECT_EQ(rig.dbg(tlm::TLM_READ_COMMAND, 4092, in.data(), 16, &status), 4u);
  EXPECT_EQ(0, std::memcmp(in.data(), out.data() + 4, 4));
  EXPECT_EQ(in[4], 0);  // untouched past what was returned

  EXPECT_EQ(rig.dbg(tlm::TLM_READ_COMMAND, 4096, in.data(), 4, &status), 0u);
  EXPECT_EQ(status, tlm::TLM_ADDRESS_ERROR_RESPONSE);

  // Debug accesses are not accesses: no statistics, no bank occupancy.
  EXPECT_EQ(rig.sram.stats(0).reads + rig.sram.stats(0).writes, 0u);
  EXPECT_EQ(rig.read(0x10, 32), cycles(1));
  EXPECT_EQ(rig.sram.stats(0).bank_conflict_cycles, 0u);
}

TEST(Sram, InvalidParametersAreRefused) {
  for (int which = 0; which < 5; ++which) {
    SramParams p = params_1ghz(64);
    switch (which) {
      case 0: p.size_bytes = 0; break;
      case 1: p.banks = 0; break;
      case 2: p.bank_width_bytes = 0; break;
      case 3: p.read_bytes_per_cycle = 0; break;
      default: p.write_bytes_per_cycle = 0; break;
    }
    SramPages pages(1, 64);
    EXPECT_THROW(Sram(unique_name("bad_sram").c_str(), p, Clock(1e9), pages, 0), std::invalid_argument) << which;
  }
}

TEST(Sram, HostMemoryCostsNothingUntilTouched) {
  const size_t page = static_cast<size_t>(sysconf(_SC_PAGESIZE));
  HostMemory mem(size_t{1} << 30);
  ASSERT_NE(mem.data(), nullptr);
  EXPECT_EQ(mem.size(), size_t{1} << 30);
  EXPECT_EQ(mem.resident_bytes(), 0u);
  mem.data()[12345] = 1;
  const size_t resident = mem.resident_bytes();
  EXPECT_GE(resident, page);
  EXPECT_LE(resident, size_t{2} << 20);  // one page (one huge page at most with THP)
  EXPECT_EQ(mem.data()[0], 0);           // fresh memory reads as zero
}

TEST(Sram, HostMemoryOfZeroBytesHasNoData) {
  HostMemory mem(0);
  EXPECT_EQ(mem.data(), nullptr);
  EXPECT_EQ(mem.size(), 0u);
  EXPECT_EQ(mem.resident_bytes(), 0u);
}

TEST(Sram, UntouchedGigabyteSramCostsNoHostMemory) {
  SramParams p = params_1ghz(1u << 30);
  Rig rig(p);
  EXPECT_EQ(rig.pages.host_bytes(), 0u);
  uint32_t word = 0x12345678;
  sc_time delay;
  ASSERT_EQ(rig.access(tlm::TLM_WRITE_COMMAND, 512u << 20, reinterpret_cast<uint8_t*>(&word), 4, delay), tlm::TLM_OK_RESPONSE);
  // The page written and the tile's table of its own pages (one pointer per page).
  EXPECT_EQ(rig.pages.own_pages(), 1u);
  EXPECT_EQ(rig.pages.host_bytes(), SramPages::kPageBytes + (1u << 20) * sizeof(void*));
  uint32_t back = 0;
  ASSERT_EQ(rig.access(tlm::TLM_READ_COMMAND, 512u << 20, reinterpret_cast<uint8_t*>(&back), 4, delay), tlm::TLM_OK_RESPONSE);
  EXPECT_EQ(back, word);
}

}  // namespace
}  // namespace wvp::test
