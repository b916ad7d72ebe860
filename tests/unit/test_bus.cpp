// The address decoder: routing with relative addresses, errors, DMI translation, debug transport
// and DMI invalidation. The bus's initiator ports are resolved at elaboration, so tests that
// transport through it elaborate (sc_start(SC_ZERO_TIME)) in a child process.
#include <gtest/gtest.h>

#include <array>
#include <cstring>
#include <memory>
#include <stdexcept>
#include <string>
#include <utility>
#include <vector>

#include <tlm_utils/simple_initiator_socket.h>

#include "models/sram/sram.h"
#include "support/payload.h"
#include "support/unique_name.h"
#include "support/sim_child.h"
#include "tlm/bus.h"
#include "tlm/host_memory.h"
#include "tlm/tile_address.h"

namespace wvp::test {
namespace {

// Records the DMI invalidations that reach it.
struct TestInitiator : sc_core::sc_module {
  tlm_utils::simple_initiator_socket<TestInitiator> socket;
  std::vector<std::pair<uint64_t, uint64_t>> invalidations;

  explicit TestInitiator(sc_core::sc_module_name name) : sc_module(name), socket("socket") {
    socket.register_invalidate_direct_mem_ptr(this, &TestInitiator::invalidate);
  }
  void invalidate(sc_dt::uint64 start, sc_dt::uint64 end) { invalidations.emplace_back(start, end); }

  tlm::tlm_response_status transport(tlm::tlm_command cmd, uint64_t addr, uint8_t* data, uint32_t len,
                                     uint64_t* address_after = nullptr) {
    tlm::tlm_generic_payload gp;
    test::set_access(gp, cmd, addr, data, len);
    sc_core::sc_time delay;
    socket->b_transport(gp, delay);
    if (address_after) *address_after = gp.get_address();
    return gp.get_response_status();
  }
  unsigned dbg(tlm::tlm_command cmd, uint64_t addr, uint8_t* data, uint32_t len, tlm::tlm_response_status* status,
               uint64_t* address_after = nullptr) {
    tlm::tlm_generic_payload gp;
    test::set_access(gp, cmd, addr, data, len);
    const unsigned n = socket->transport_dbg(gp);
    if (status) *status = gp.get_response_status();
    if (address_after) *address_after = gp.get_address();
    return n;
  }
  bool dmi(uint64_t addr, tlm::tlm_dmi& dmi, uint64_t* address_after = nullptr,
           tlm::tlm_command command = tlm::TLM_READ_COMMAND) {
    tlm::tlm_generic_payload gp;
    gp.set_command(command);
    gp.set_address(addr);
    const bool granted = socket->get_direct_mem_ptr(gp, dmi);
    if (address_after) *address_after = gp.get_address();
    return granted;
  }
};

// A target that refuses DMI (leaving the DMI range at its default, the whole address space, as
// the TLM-2.0 default means "refused everywhere") and can invalidate DMI on demand.
struct DmiDenyingTarget : sc_core::sc_module {
  tlm_utils::simple_target_socket<DmiDenyingTarget> socket;
  uint64_t last_address = ~uint64_t{0};

  explicit DmiDenyingTarget(sc_core::sc_module_name name) : sc_module(name), socket("socket") {
    socket.register_b_transport(this, &DmiDenyingTarget::b_transport);
    socket.register_get_direct_mem_ptr(this, &DmiDenyingTarget::get_direct_mem_ptr);
  }
  void b_transport(tlm::tlm_generic_payload& gp, sc_core::sc_time&) {
    last_address = gp.get_address();
    gp.set_response_status(tlm::TLM_OK_RESPONSE);
  }
  bool get_direct_mem_ptr(tlm::tlm_generic_payload& gp, tlm::tlm_dmi&) {
    last_address = gp.get_address();
    return false;
  }
};

constexpr uint64_t kBaseA = 0x1000'0000, kSizeA = 0x1000;  // SRAM a, 4 KiB, whole
constexpr uint64_t kBaseB = 0x2000'0000, kSizeB = 0x100;   // SRAM b, 256 B, whole
constexpr uint64_t kBaseC = 0x3000'0000, kSizeC = 0x600;   // SRAM c, 4 KiB, only its first 1.5 KiB mapped
constexpr uint64_t kBaseD = 0x4000'0000, kSizeD = 0x1000;  // DmiDenyingTarget

SramParams sram_params(uint32_t size) {
  SramParams p;
  p.size_bytes = size;
  p.access_latency_cycles = 2;
  return p;
}

// Four targets behind a bus, elaborated. Construct only in a child process.
struct Rig {
  SramPages pages_a{1, kSizeA}, pages_b{1, kSizeB}, pages_c{1, 0x1000};
  Sram a{unique_name("sram_a").c_str(), sram_params(kSizeA), Clock(1e9), pages_a};
  Sram b{unique_name("sram_b").c_str(), sram_params(kSizeB), Clock(1e9), pages_b};
  Sram c{unique_name("sram_c").c_str(), sram_params(0x1000), Clock(1e9), pages_c};
  DmiDenyingTarget d{unique_name("deny").c_str()};
  Bus bus{unique_name("bus").c_str()};
  TestInitiator init{unique_name("init").c_str()};

  Rig() {
    bus.map(kBaseA, kSizeA, "a");
    bus.initiator(a.socket);
    bus.map(kBaseB, kSizeB, "b");
    bus.initiator(b.socket);
    bus.map(kBaseC, kSizeC, "c");
    bus.initiator(c.socket);
    bus.map(kBaseD, kSizeD, "d");
    bus.initiator(d.socket);
    init.socket(bus.target);
    sc_core::sc_start(sc_core::SC_ZERO_TIME);  // elaborate
  }
};

TEST(Bus, MapRecordsRangesAndRefusesOverlaps) {
  Bus bus(unique_name("bus").c_str());
  bus.map(0x1000, 0x1000, "a");
  bus.map(0x2000, 0x10, "b");   // adjacent above
  bus.map(0x0, 0x1000, "c");    // adjacent below
  EXPECT_THROW(bus.map(0x1800, 0x1000, "x"), std::invalid_argument);  // starts inside a
  EXPECT_THROW(bus.map(0x0800, 0x0900, "x"), std::invalid_argument);  // ends inside a (and c)
  EXPECT_THROW(bus.map(0x1fff, 1, "x"), std::invalid_argument);       // last byte of a
  EXPECT_THROW(bus.map(0x1100, 0x10, "x"), std::invalid_argument);    // inside a
  EXPECT_THROW(bus.map(0x0, 0x10000, "x"), std::invalid_argument);    // covers everything
  EXPECT_THROW(bus.map(0x3000, 0, "x"), std::invalid_argument);       // empty
  try {
    bus.map(0x1ff0, 0x20, "late");
    FAIL() << "no exception";
  } catch (const std::invalid_argument& e) {
    const std::string what = e.what();
    EXPECT_NE(what.find("late"), std::string::npos) << what;
    EXPECT_NE(what.find("overlaps a"), std::string::npos) << what;
  }
  ASSERT_EQ(bus.ranges().size(), 3u);
  EXPECT_EQ(bus.ranges()[0].base, 0x1000u);
  EXPECT_EQ(bus.ranges()[0].size, 0x1000u);
  EXPECT_EQ(bus.ranges()[0].name, "a");
  EXPECT_EQ(bus.ranges()[1].base, 0x2000u);
  EXPECT_EQ(bus.ranges()[2].name, "c");
}

TEST(Bus, RoutesByAddressWithTheAddressMadeRelative) {
  in_child_process([] {
    Rig rig;
    uint32_t word = 0x11223344;
    uint64_t after = 0;
    ASSERT_EQ(rig.init.transport(tlm::TLM_WRITE_COMMAND, kBaseA + 0x10, reinterpret_cast<uint8_t*>(&word), 4, &after),
              tlm::TLM_OK_RESPONSE);
    EXPECT_EQ(after, kBaseA + 0x10);  // restored for the initiator
    EXPECT_EQ(0, std::memcmp(rig.a.readable(0, 0x10), &word, 4));

    word = 0x55667788;
    ASSERT_EQ(rig.init.transport(tlm::TLM_WRITE_COMMAND, kBaseB + 0xfc, reinterpret_cast<uint8_t*>(&word), 4),
              tlm::TLM_OK_RESPONSE);
    EXPECT_EQ(0, std::memcmp(rig.b.readable(0, 0xfc), &word, 4));
    EXPECT_EQ(*rig.a.readable(0, 0xfc), 0);  // nothing leaked into a at the same offset
    EXPECT_EQ(rig.a.stats(0).writes, 1u);
    EXPECT_EQ(rig.b.stats(0).writes, 1u);

    uint32_t back = 0;
    ASSERT_EQ(rig.init.transport(tlm::TLM_READ_COMMAND, kBaseA + 0x10, reinterpret_cast<uint8_t*>(&back), 4),
              tlm::TLM_OK_RESPONSE);
    EXPECT_EQ(back, 0x11223344u);
    ASSERT_EQ(rig.init.transport(tlm::TLM_READ_COMMAND, kBaseB + 0xfc, reinterpret_cast<uint8_t*>(&back), 4),
              tlm::TLM_OK_RESPONSE);
    EXPECT_EQ(back, 0x55667788u);

    uint8_t byte = 0;
    ASSERT_EQ(rig.init.transport(tlm::TLM_READ_COMMAND, kBaseD + 0xabc, &byte, 1), tlm::TLM_OK_RESPONSE);
    EXPECT_EQ(rig.d.last_address, 0xabcu);
  });
}

TEST(Bus, UnmappedAndStraddlingAccessesAreAddressErrors) {
  in_child_process([] {
    Rig rig;
    uint8_t buf[8] = {1, 2, 3, 4, 5, 6, 7, 8};
    for (uint64_t addr : {uint64_t{0}, kBaseA - 1, kBaseA + kSizeA, kBaseB + kSizeB, kBaseC + kSizeC,
                          uint64_t{0x5000'0000}, ~uint64_t{0}}) {
      uint64_t after = 0;
      EXPECT_EQ(rig.init.transport(tlm::TLM_READ_COMMAND, addr, buf, 1, &after), tlm::TLM_ADDRESS_ERROR_RESPONSE)
          << std::hex << addr;
      EXPECT_EQ(after, addr);
    }
    // Starts in a range, runs past its end.
    EXPECT_EQ(rig.init.transport(tlm::TLM_WRITE_COMMAND, kBaseA + kSizeA - 4, buf, 8), tlm::TLM_ADDRESS_ERROR_RESPONSE);
    EXPECT_EQ(rig.init.transport(tlm::TLM_WRITE_COMMAND, kBaseB + kSizeB - 1, buf, 2), tlm::TLM_ADDRESS_ERROR_RESPONSE);
    // c's window ends before the SRAM does: the bus refuses, not the SRAM.
    EXPECT_EQ(rig.init.transport(tlm::TLM_WRITE_COMMAND, kBaseC + kSizeC - 4, buf, 8), tlm::TLM_ADDRESS_ERROR_RESPONSE);
    EXPECT_EQ(rig.a.stats(0).writes + rig.b.stats(0).writes + rig.c.stats(0).writes, 0u);
    EXPECT_EQ(*rig.a.readable(0, kSizeA - 4), 0);
    EXPECT_EQ(*rig.c.readable(0, kSizeC), 0);
    // Exactly up to the end is fine.
    EXPECT_EQ(rig.init.transport(tlm::TLM_WRITE_COMMAND, kBaseA + kSizeA - 8, buf, 8), tlm::TLM_OK_RESPONSE);
    EXPECT_EQ(*rig.a.readable(0, kSizeA - 1), 8);
  });
}

TEST(Bus, DmiIsTranslatedToTheInitiatorsAddressSpace) {
  in_child_process([] {
    Rig rig;
    tlm::tlm_dmi dmi;
    uint64_t after = 0;
    ASSERT_TRUE(rig.init.dmi(kBaseA + 0x523, dmi, &after));
    EXPECT_EQ(after, kBaseA + 0x523);
    // The SRAM grants the page (1 KiB) of the address, read-only while no one has written it.
    EXPECT_EQ(dmi.get_dmi_ptr(), rig.a.readable(0, 0x400));
    EXPECT_EQ(dmi.get_start_address(), kBaseA + 0x400);
    EXPECT_EQ(dmi.get_end_address(), kBaseA + 0x7ff);
    EXPECT_TRUE(dmi.is_read_allowed());
    EXPECT_FALSE(dmi.is_write_allowed());
    EXPECT_EQ(dmi.get_read_latency(), sc_core::sc_time(2, sc_core::SC_NS));

    tlm::tlm_dmi dmi_b;
    ASSERT_TRUE(rig.init.dmi(kBaseB, dmi_b, nullptr, tlm::TLM_WRITE_COMMAND));
    EXPECT_TRUE(dmi_b.is_read_write_allowed());
    EXPECT_EQ(dmi_b.get_dmi_ptr(), rig.b.readable(0, 0));
    EXPECT_EQ(dmi_b.get_start_address(), kBaseB);
    EXPECT_EQ(dmi_b.get_end_address(), kBaseB + kSizeB - 1);

    // The pointer and the bus agree on what is at an address.
    dmi_b.get_dmi_ptr()[0x42 - (dmi_b.get_start_address() - kBaseB)] = 0x99;
    uint8_t byte = 0;
    ASSERT_EQ(rig.init.transport(tlm::TLM_READ_COMMAND, kBaseB + 0x42, &byte, 1), tlm::TLM_OK_RESPONSE);
    EXPECT_EQ(byte, 0x99);

    tlm::tlm_dmi none;
    EXPECT_FALSE(rig.init.dmi(0x5000'0000, none));
  });
}

// A page is shared with the SRAM's other tiles (read-only DMI) until it is written: the write
// copies it, and the pointer granted before must be given up, in the initiator's addresses.
TEST(Bus, AWriteToASharedPageInvalidatesItsReadOnlyDmi) {
  in_child_process([] {
    Rig rig;
    tlm::tlm_dmi dmi;
    ASSERT_TRUE(rig.init.dmi(kBaseA + 0x404, dmi));
    ASSERT_FALSE(dmi.is_write_allowed());
    uint32_t word = 0x600dcafe;
    ASSERT_EQ(rig.init.transport(tlm::TLM_WRITE_COMMAND, kBaseA + 0x404, reinterpret_cast<uint8_t*>(&word), 4),
              tlm::TLM_OK_RESPONSE);
    ASSERT_EQ(rig.init.invalidations.size(), 1u);
    EXPECT_EQ(rig.init.invalidations[0], std::make_pair(kBaseA + 0x400, kBaseA + 0x7ff));
    // Asked again, the page is the tile's own: writable, and holding what was written.
    tlm::tlm_dmi own;
    ASSERT_TRUE(rig.init.dmi(kBaseA + 0x404, own));
    EXPECT_TRUE(own.is_read_write_allowed());
    uint32_t back;
    std::memcpy(&back, own.get_dmi_ptr() + 4, 4);
    EXPECT_EQ(back, word);
    // Further writes copy nothing and invalidate nothing.
    ASSERT_EQ(rig.init.transport(tlm::TLM_WRITE_COMMAND, kBaseA + 0x408, reinterpret_cast<uint8_t*>(&word), 4),
              tlm::TLM_OK_RESPONSE);
    EXPECT_EQ(rig.init.invalidations.size(), 1u);
  });
}

// A wafer's bus: one SRAM module for three tiles, the tile above the 32-bit address.
TEST(Bus, AWafersBusPassesTheTileThroughToTheTargetAndBackInDmiAndInvalidations) {
  in_child_process([] {
    SramPages pages(3, kSizeA);
    Sram srams(unique_name("srams").c_str(), sram_params(kSizeA), Clock(1e9), pages);
    Bus bus(unique_name("bus").c_str(), kLocalAddressMask);
    TestInitiator init(unique_name("init").c_str());
    bus.map(kBaseA, kSizeA, "sram");
    bus.initiator(srams.socket);
    init.socket(bus.target);
    sc_core::sc_start(sc_core::SC_ZERO_TIME);

    uint32_t word = 0xfeed0002;
    uint64_t seen = 0;
    ASSERT_EQ(init.transport(tlm::TLM_WRITE_COMMAND, tile_address(2, kBaseA + 0x10), reinterpret_cast<uint8_t*>(&word), 4, &seen),
              tlm::TLM_OK_RESPONSE);
    EXPECT_EQ(seen, tile_address(2, kBaseA + 0x10));  // restored for the initiator
    uint32_t back = 0;
    srams.read(2, 0x10, &back, 4);
    EXPECT_EQ(back, word);
    srams.read(1, 0x10, &back, 4);
    EXPECT_EQ(back, 0u);  // the other tiles keep their own bytes
    EXPECT_EQ(srams.stats(2).writes, 1u);
    EXPECT_EQ(srams.stats(1).writes, 0u);
    // Past the window within the tile is unmapped, whatever the tile.
    EXPECT_EQ(init.transport(tlm::TLM_READ_COMMAND, tile_address(1, kBaseA + kSizeA), reinterpret_cast<uint8_t*>(&back), 4),
              tlm::TLM_ADDRESS_ERROR_RESPONSE);

    tlm::tlm_dmi dmi;
    ASSERT_TRUE(init.dmi(tile_address(1, kBaseA + 0x404), dmi));
    EXPECT_EQ(dmi.get_start_address(), tile_address(1, kBaseA + 0x400));
    EXPECT_EQ(dmi.get_end_address(), tile_address(1, kBaseA + 0x7ff));
    EXPECT_FALSE(dmi.is_write_allowed());  // shared until tile 1 writes it
    ASSERT_EQ(init.transport(tlm::TLM_WRITE_COMMAND, tile_address(1, kBaseA + 0x408), reinterpret_cast<uint8_t*>(&word), 4),
              tlm::TLM_OK_RESPONSE);
    ASSERT_EQ(init.invalidations.size(), 1u);
    EXPECT_EQ(init.invalidations[0], std::make_pair(tile_address(1, kBaseA + 0x400), tile_address(1, kBaseA + 0x7ff)));
    uint8_t dbg[4] = {};
    EXPECT_EQ(init.dbg(tlm::TLM_READ_COMMAND, tile_address(2, kBaseA + 0x10), dbg, 4, nullptr), 4u);
    EXPECT_EQ(std::memcmp(dbg, &word, 4), 0);
  });
}

TEST(Bus, DmiIsClippedToTheMappedWindow) {
  in_child_process([] {
    Rig rig;
    tlm::tlm_dmi dmi;
    ASSERT_TRUE(rig.init.dmi(kBaseC + 0x410, dmi));
    EXPECT_EQ(dmi.get_dmi_ptr(), rig.c.readable(0, 0x400));
    EXPECT_EQ(dmi.get_start_address(), kBaseC + 0x400);
    EXPECT_EQ(dmi.get_end_address(), kBaseC + kSizeC - 1);  // not the end of the SRAM's page
  });
}

TEST(Bus, DmiRefusalIsForwardedWithTheRelativeAddress) {
  in_child_process([] {
    Rig rig;
    tlm::tlm_dmi dmi;
    EXPECT_FALSE(rig.init.dmi(kBaseD + 0x80, dmi));
    EXPECT_EQ(rig.d.last_address, 0x80u);
  });
}

// A target that refuses DMI without narrowing the range leaves it at [0, 2^64-1] (refused
// everywhere); through the bus that becomes the window, not a range wrapped around by the base.
TEST(Bus, DmiRefusalRangeContainsTheRequestedAddress) {
  in_child_process([] {
    Rig rig;
    tlm::tlm_dmi dmi;
    EXPECT_FALSE(rig.init.dmi(kBaseD + 0x80, dmi));
    EXPECT_LE(dmi.get_start_address(), kBaseD + 0x80);
    EXPECT_GE(dmi.get_end_address(), kBaseD + 0x80);
    EXPECT_EQ(dmi.get_start_address(), kBaseD);
    EXPECT_EQ(dmi.get_end_address(), kBaseD + kSizeD - 1);
  });
}

TEST(Bus, TransportDbgIsRoutedAndClippedByTheTarget) {
  in_child_process([] {
    Rig rig;
    std::array<uint8_t, 16> out;
    for (size_t i = 0; i < out.size(); ++i) out[i] = static_cast<uint8_t>(i + 1);
    tlm::tlm_response_status status{};
    uint64_t after = 0;
    EXPECT_EQ(rig.init.dbg(tlm::TLM_WRITE_COMMAND, kBaseA + 0x200, out.data(), 16, &status, &after), 16u);
    EXPECT_EQ(status, tlm::TLM_OK_RESPONSE);
    EXPECT_EQ(after, kBaseA + 0x200);
    EXPECT_EQ(0, std::memcmp(rig.a.readable(0, 0x200), out.data(), 16));

    // b is 256 bytes: a debug write at its last 8 bytes stops at its end.
    EXPECT_EQ(rig.init.dbg(tlm::TLM_WRITE_COMMAND, kBaseB + 0xf8, out.data(), 16, &status), 8u);
    EXPECT_EQ(0, std::memcmp(rig.b.readable(0, 0xf8), out.data(), 8));

    std::array<uint8_t, 16> in{};
    EXPECT_EQ(rig.init.dbg(tlm::TLM_READ_COMMAND, kBaseA + 0x204, in.data(), 4, &status), 4u);
    EXPECT_EQ(0, std::memcmp(in.data(), out.data() + 4, 4));

    EXPECT_EQ(rig.init.dbg(tlm::TLM_READ_COMMAND, 0x5000'0000, in.data(), 4, &status), 0u);
    EXPECT_EQ(status, tlm::TLM_ADDRESS_ERROR_RESPONSE);
    EXPECT_EQ(rig.a.stats(0).reads + rig.a.stats(0).writes, 0u);  // debug accesses are not counted
  });
}

// A debug read that starts in c's 2 KiB window and runs past it stops at the end of the window,
// even though c itself is larger (b_transport refuses the same access outright).
TEST(Bus, TransportDbgStopsAtTheEndOfTheWindow) {
  in_child_process([] {
    Rig rig;
    *rig.c.writable(0, kSizeC) = 0xee;  // first byte of c that is not mapped
    std::array<uint8_t, 8> in{};
    tlm::tlm_response_status status{};
    *rig.c.writable(0, kSizeC - 1) = 0x11;
    uint64_t after = 0;
    EXPECT_EQ(rig.init.dbg(tlm::TLM_READ_COMMAND, kBaseC + kSizeC - 4, in.data(), 8, &status, &after), 4u);
    EXPECT_EQ(status, tlm::TLM_OK_RESPONSE);
    EXPECT_EQ(after, kBaseC + kSizeC - 4);
    EXPECT_EQ(in[3], 0x11);
    EXPECT_EQ(in[4], 0);
    // A debug write likewise leaves the unmapped part of c alone.
    std::array<uint8_t, 8> out;
    out.fill(0x5a);
    EXPECT_EQ(rig.init.dbg(tlm::TLM_WRITE_COMMAND, kBaseC + kSizeC - 2, out.data(), 8, &status), 2u);
    EXPECT_EQ(*rig.c.readable(0, kSizeC - 1), 0x5a);
    EXPECT_EQ(*rig.c.readable(0, kSizeC), 0xee);
  });
}

TEST(Bus, DmiInvalidationIsTranslatedAndClippedToTheWindow) {
  in_child_process([] {
    Rig rig;
    rig.d.socket->invalidate_direct_mem_ptr(0x10, 0x20);
    rig.d.socket->invalidate_direct_mem_ptr(0, ~uint64_t{0});  // everything
    rig.d.socket->invalidate_direct_mem_ptr(0x800, 0x5000);    // runs past the window
    ASSERT_EQ(rig.init.invalidations.size(), 3u);
    EXPECT_EQ(rig.init.invalidations[0], std::make_pair(kBaseD + 0x10, kBaseD + 0x20));
    EXPECT_EQ(rig.init.invalidations[1], std::make_pair(kBaseD, kBaseD + kSizeD - 1));
    EXPECT_EQ(rig.init.invalidations[2], std::make_pair(kBaseD + 0x800, kBaseD + kSizeD - 1));
  });
}

}  // namespace
}  // namespace wvp::test
