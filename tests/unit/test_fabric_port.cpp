// The fabric's TLM-2.0 face: register window, stalls signalled through StallExtension, and
// the cycle domain that wakes a waiting initiator at the exact arrival cycle.
#include <gtest/gtest.h>

#include <tlm_utils/simple_initiator_socket.h>

#include "models/router/fabric_port.h"
#include "support/payload.h"
#include "support/sim_child.h"
#include "tlm/tile_address.h"

namespace wvp::test {
namespace {

using namespace fabric_regs;
using Until = StallExtension::Until;

const Clock kClock(1e9);
const sc_core::sc_time kPeriod = kClock.period();

// Two tiles side by side, each with an initiator socket into the port (the address names the tile).
struct Bench : sc_core::sc_module {
  tlm_utils::simple_initiator_socket<Bench> tile0{"tile0"}, tile1{"tile1"};
  FabricPort port;
  std::vector<std::pair<uint32_t, uint64_t>> woken;

  explicit Bench(const FabricParams& p) : sc_module("bench"), port("port", p, kClock) {
    tile0.bind(port.socket);
    tile1.bind(port.socket);
    port.set_waker([this](uint32_t tile, uint64_t cycle) {
      woken.emplace_back(tile, cycle);
      return true;
    });
  }

  // One 32-bit access at `cycle` (SystemC time stays at 0: the cycle is the delay).
  tlm::tlm_response_status access(int tile, tlm::tlm_command cmd, uint64_t addr, uint32_t& value, uint64_t cycle,
                                  StallExtension* stall) {
    tlm::tlm_generic_payload gp;
    set_access(gp, cmd, tile_address(tile, addr), reinterpret_cast<uint8_t*>(&value), 4);
    if (stall) gp.set_extension(stall);
    sc_core::sc_time delay = kPeriod * static_cast<double>(cycle);
    (tile == 0 ? tile0 : tile1)->b_transport(gp, delay);
    if (stall) gp.clear_extension(stall);
    return gp.get_response_status();
  }

  // Color `color` from tile 0's core to tile 1's, routes written at cycle 0.
  void route_east(uint32_t color) {
    StallExtension stall;
    uint32_t v = port_bit(kEast);
    ASSERT_EQ(access(0, tlm::TLM_WRITE_COMMAND, kRoute + 4 * (kRouteStride * color + kRamp), v, 0, &stall), tlm::TLM_OK_RESPONSE);
    v = port_bit(kRamp);
    ASSERT_EQ(access(1, tlm::TLM_WRITE_COMMAND, kRoute + 4 * (kRouteStride * color + kWest), v, 0, &stall), tlm::TLM_OK_RESPONSE);
  }
};

FabricParams two_tiles() {
  FabricParams p;
  p.width = 2;
  p.height = 1;
  return p;
}

TEST(FabricPort, RouteWritesAheadOfTheFabricTakeEffectAtTheirCycle) {
  in_child_process([] {
    Bench b(two_tiles());
    sc_core::sc_start(sc_core::SC_ZERO_TIME);  // multi-sockets wire their callbacks at elaboration
    StallExtension stall;
    const uint64_t west3 = kRoute + 4 * (kRouteStride * 3 + kWest);
    // Tile 1 is at cycle 5 while the fabric has settled nothing: the write completes at once.
    uint32_t v = port_bit(kRamp);
    ASSERT_EQ(b.access(1, tlm::TLM_WRITE_COMMAND, west3, v, 5, &stall), tlm::TLM_OK_RESPONSE);
    EXPECT_EQ(stall.until, Until::None);
    EXPECT_FALSE(b.port.idle());  // it still has a route to set
    // Reading the route back waits until the write has taken effect.
    uint32_t got = 0;
    EXPECT_EQ(b.access(1, tlm::TLM_READ_COMMAND, west3, got, 5, &stall), tlm::TLM_GENERIC_ERROR_RESPONSE);
    EXPECT_EQ(stall.until, Until::Settled);
    b.port.advance(3);
    EXPECT_EQ(b.port.fabric().route(1, 3, kWest), 0);
    b.port.advance(5);
    EXPECT_EQ(b.port.fabric().route(1, 3, kWest), port_bit(kRamp));
    EXPECT_TRUE(b.port.idle());
    stall.until = Until::None;
    ASSERT_EQ(b.access(1, tlm::TLM_READ_COMMAND, west3, got, 5, &stall), tlm::TLM_OK_RESPONSE);
    EXPECT_EQ(got, port_bit(kRamp));
    // A route leaving the grid fails at the write, ahead of the fabric or not.
    v = port_bit(kEast);
    EXPECT_EQ(b.access(1, tlm::TLM_WRITE_COMMAND, west3, v, 9, &stall), tlm::TLM_GENERIC_ERROR_RESPONSE);
    EXPECT_EQ(stall.until, Until::None);
    EXPECT_TRUE(b.port.idle());
  });
}

TEST(FabricPort, ReceiveWaitsUntilTheArrivalWakesIt) {
  in_child_process([] {
    Bench b(two_tiles());
    sc_core::sc_start(sc_core::SC_ZERO_TIME);
    StallExtension stall;
    b.route_east(3);
    b.port.advance(5);

    // Receive at 5 from an empty queue, with the fabric settled to 5: wait for a wake-up.
    uint32_t got = 0;
    EXPECT_EQ(b.access(1, tlm::TLM_READ_COMMAND, kRx + 4 * 3, got, 5, &stall), tlm::TLM_GENERIC_ERROR_RESPONSE);
    EXPECT_EQ(stall.until, Until::Woken);
    EXPECT_EQ(b.port.describe_wait(1), "waits to receive on color 3");
    // Tile 0 sends 0xABCD at `cycle`, then the fabric runs until it wakes a core.
    const auto send_and_run = [&](uint64_t cycle) {
      uint32_t data = 0xABCD;
      stall.until = Until::None;
      ASSERT_EQ(b.access(0, tlm::TLM_WRITE_COMMAND, kTx + 4 * 3, data, cycle, &stall), tlm::TLM_OK_RESPONSE);
      b.port.advance(100);
    };
    // Sent at 7, the wavelet reaches tile 1's queue at 9, which wakes it there, and the fabric
    // stops at that cycle.
    send_and_run(7);
    EXPECT_EQ(b.port.settled(), 9u);
    ASSERT_EQ(b.woken.size(), 1u);
    EXPECT_EQ(b.woken[0], std::make_pair(1u, uint64_t{9}));
    EXPECT_EQ(b.port.describe_wait(1), "");
    stall.until = Until::None;
    ASSERT_EQ(b.access(1, tlm::TLM_READ_COMMAND, kRx + 4 * 3, got, 9, &stall), tlm::TLM_OK_RESPONSE);
    EXPECT_EQ(got, 0xABCDu);
    EXPECT_EQ(b.port.stats(1).receives, 1u);

    // A receive ahead of the fabric waits too, without the fabric settling up to it first: an
    // arrival by its cycle wakes it at the arrival (its scheduler retries it at its own cycle).
    stall.until = Until::None;
    EXPECT_EQ(b.access(1, tlm::TLM_READ_COMMAND, kRx + 4 * 3, got, 30, &stall), tlm::TLM_GENERIC_ERROR_RESPONSE);
    EXPECT_EQ(stall.until, Until::Woken);
    EXPECT_EQ(stall.cycle, 30u);
    send_and_run(12);
    EXPECT_EQ(b.port.settled(), 14u);
    ASSERT_EQ(b.woken.size(), 2u);
    EXPECT_EQ(b.woken[1], std::make_pair(1u, uint64_t{14}));
    stall.until = Until::None;
    ASSERT_EQ(b.access(1, tlm::TLM_READ_COMMAND, kRx + 4 * 3, got, 30, &stall), tlm::TLM_OK_RESPONSE);
    EXPECT_EQ(b.port.stats(1).receives, 2u);
  });
}

TEST(FabricPort, PeekWaitsAsAReceiveDoesAndLeavesTheWaveletQueued) {
  in_child_process([] {
    Bench b(two_tiles());
    sc_core::sc_start(sc_core::SC_ZERO_TIME);
    StallExtension stall;
    b.route_east(5);
    b.port.advance(5);
    uint32_t got = 0;
    EXPECT_EQ(b.access(1, tlm::TLM_READ_COMMAND, kRxPeek + 4 * 5, got, 5, &stall), tlm::TLM_GENERIC_ERROR_RESPONSE);
    EXPECT_EQ(stall.until, Until::Woken);
    EXPECT_EQ(b.port.describe_wait(1), "waits to receive on color 5");
    for (uint32_t data : {0x1234u, 0x5678u}) {
      stall.until = Until::None;
      ASSERT_EQ(b.access(0, tlm::TLM_WRITE_COMMAND, kTx + 4 * 5, data, 7, &stall), tlm::TLM_OK_RESPONSE);
    }
    b.port.advance(100);
    ASSERT_EQ(b.woken.size(), 1u);
    EXPECT_EQ(b.woken[0], std::make_pair(1u, uint64_t{9}));
    // Looked at twice, the first wavelet stays the queue's head: nothing was received.
    for (int i = 0; i < 2; ++i) {
      stall.until = Until::None;
      ASSERT_EQ(b.access(1, tlm::TLM_READ_COMMAND, kRxPeek + 4 * 5, got, 9, &stall), tlm::TLM_OK_RESPONSE);
      EXPECT_EQ(got, 0x1234u);
    }
    EXPECT_EQ(b.port.stats(1).receives, 0u);
    b.port.advance(21);
    ASSERT_EQ(b.access(1, tlm::TLM_READ_COMMAND, kRxCount + 4 * 5, got, 20, &stall), tlm::TLM_OK_RESPONSE);
    EXPECT_EQ(got, 2u);
    ASSERT_EQ(b.access(1, tlm::TLM_READ_COMMAND, kRx + 4 * 5, got, 20, &stall), tlm::TLM_OK_RESPONSE);
    EXPECT_EQ(got, 0x1234u);
    ASSERT_EQ(b.access(1, tlm::TLM_READ_COMMAND, kRxPeek + 4 * 5, got, 20, &stall), tlm::TLM_OK_RESPONSE);
    EXPECT_EQ(got, 0x5678u);
    EXPECT_EQ(b.access(1, tlm::TLM_WRITE_COMMAND, kRxPeek + 4 * 5, got, 20, &stall), tlm::TLM_COMMAND_ERROR_RESPONSE);
  });
}

TEST(FabricPort, InitiatorsThatCannotStallGetErrorsNotWaits) {
  in_child_process([] {
    Bench b(two_tiles());
    sc_core::sc_start(sc_core::SC_ZERO_TIME);  // multi-sockets wire their callbacks at elaboration
    uint32_t v = 0;
    EXPECT_EQ(b.access(0, tlm::TLM_READ_COMMAND, kRx, v, 0, nullptr), tlm::TLM_GENERIC_ERROR_RESPONSE);
    EXPECT_EQ(b.port.describe_wait(0), "");
    // Status registers of a settled cycle answer at once.
    EXPECT_EQ(b.access(0, tlm::TLM_READ_COMMAND, kTxSpace, v, 0, nullptr), tlm::TLM_OK_RESPONSE);
    EXPECT_EQ(v, 4u);
    EXPECT_EQ(b.access(0, tlm::TLM_READ_COMMAND, kColors, v, 0, nullptr), tlm::TLM_OK_RESPONSE);
    EXPECT_EQ(v, 24u);
  });
}

TEST(FabricPort, BadAccessesGetTheBaseProtocolsErrors) {
  in_child_process([] {
    Bench b(two_tiles());
    sc_core::sc_start(sc_core::SC_ZERO_TIME);  // multi-sockets wire their callbacks at elaboration
    StallExtension stall;
    uint32_t v = 1;
    std::string error;
    b.port.set_error_sink([&](uint32_t tile, const std::string& what) { error = std::to_string(tile) + ": " + what; });
    EXPECT_EQ(b.access(0, tlm::TLM_READ_COMMAND, kTx, v, 0, &stall), tlm::TLM_COMMAND_ERROR_RESPONSE);
    EXPECT_EQ(b.access(0, tlm::TLM_WRITE_COMMAND, kRxCount, v, 0, &stall), tlm::TLM_COMMAND_ERROR_RESPONSE);
    EXPECT_EQ(b.access(0, tlm::TLM_READ_COMMAND, kTx + 4 * 24, v, 0, &stall), tlm::TLM_ADDRESS_ERROR_RESPONSE);  // color 24
    EXPECT_EQ(b.access(0, tlm::TLM_READ_COMMAND, 0x700, v, 0, &stall), tlm::TLM_ADDRESS_ERROR_RESPONSE);
    EXPECT_EQ(b.access(0, tlm::TLM_READ_COMMAND, kRoute + 4 * 5, v, 0, &stall), tlm::TLM_ADDRESS_ERROR_RESPONSE);  // port 5
    // A route off the grid: an error response, and the reason goes to the error sink.
    v = port_bit(kWest);
    EXPECT_EQ(b.access(0, tlm::TLM_WRITE_COMMAND, kRoute + 4 * kRamp, v, 0, &stall), tlm::TLM_GENERIC_ERROR_RESPONSE);
    EXPECT_EQ(error, "0: fabric: router (0,0): color 0 from RAMP routed to port W, which leaves the grid");
    tlm::tlm_generic_payload gp;
    uint8_t byte = 0;
    set_access(gp, tlm::TLM_READ_COMMAND, kColors, &byte, 1);
    sc_core::sc_time delay = sc_core::SC_ZERO_TIME;
    b.tile0->b_transport(gp, delay);
    EXPECT_EQ(gp.get_response_status(), tlm::TLM_ADDRESS_ERROR_RESPONSE);
  });
}

TEST(FabricPort, ArrivalInterruptFollowsTheQueueAndHoldsTheCoreToSettledCycles) {
  in_child_process([] {
    Bench b(two_tiles());
    sc_core::sc_start(sc_core::SC_ZERO_TIME);  // multi-sockets wire their callbacks at elaboration
    std::vector<std::pair<uint32_t, bool>> irq;
    b.port.set_irq_line([&](uint32_t tile, bool level) { irq.emplace_back(tile, level); });
    StallExtension stall;
    EXPECT_EQ(b.port.run_limit(1, 0), UINT64_MAX);  // no interrupt enabled: runs freely
    uint32_t v = 1u << 2;
    ASSERT_EQ(b.access(1, tlm::TLM_WRITE_COMMAND, kIrqEnable, v, 0, &stall), tlm::TLM_OK_RESPONSE);
    EXPECT_TRUE(stall.yield);  // the core must ask run_limit again
    EXPECT_EQ(b.port.run_limit(1, 0), 1u);  // one settled cycle at a time
    EXPECT_EQ(b.port.run_limit(1, 3), 3u);  // ahead of the fabric: held until it catches up
    b.port.fabric().set_route(0, 2, kRamp, port_bit(kEast));
    b.port.fabric().set_route(1, 2, kWest, port_bit(kRamp));
    b.port.fabric().tx_push(0, 2, 5, 0);
    b.port.advance(10);  // arrives at 2; the waker was asked (the core may sleep)
    ASSERT_FALSE(b.woken.empty());
    EXPECT_EQ(b.woken[0], std::make_pair(1u, uint64_t{2}));
    EXPECT_EQ(b.port.run_limit(1, 2), b.port.settled() + 1);
    EXPECT_EQ(irq, (std::vector<std::pair<uint32_t, bool>>{{1, true}}));
    uint32_t pending = 0;
    stall.yield = false;
    ASSERT_EQ(b.access(1, tlm::TLM_READ_COMMAND, kIrqPending, pending, b.port.settled(), &stall), tlm::TLM_OK_RESPONSE);
    EXPECT_EQ(pending, 1u << 2);
    uint32_t got = 0;
    ASSERT_EQ(b.access(1, tlm::TLM_READ_COMMAND, kRx + 4 * 2, got, b.port.settled(), &stall), tlm::TLM_OK_RESPONSE);
    EXPECT_EQ(got, 5u);
    EXPECT_EQ(irq.back(), std::make_pair(1u, false));  // the receive emptied the queue
  });
}

}  // namespace
}  // namespace wvp::test
