// The KV-cache memory node (models/memnode/memnode.h): channel interleaving, bandwidth and
// latency worked out by hand, queueing on a channel, errors and their messages, byte enables,
// debug transport, lazily backed capacity. And the TLM bridge over a duplex link
// (models/link/link_tlm_bridge.h) in front of it: data written and read back through links
// with bit errors, the delay of one read to the picosecond, far-side errors in the status.
// The memory-node tests call b_transport directly at time 0; the bridge tests elaborate (its
// far socket is resolved then) in a child process.
#include <gtest/gtest.h>

#include <cmath>
#include <cstdio>
#include <cstring>
#include <random>
#include <stdexcept>
#include <string>
#include <vector>

#include <tlm_utils/simple_initiator_socket.h>

#include "models/link/link_tlm_bridge.h"
#include "models/memnode/memnode.h"
#include "support/memnode_rig.h"
#include "support/payload.h"
#include "support/sim_child.h"
#include "support/unique_name.h"
#include "tlm/ps_time.h"

namespace wvp::test {
namespace {

using tlm::tlm_command;
using tlm::tlm_response_status;

// Issues accesses with a delay (the initiator's local time offset) and returns the status.
tlm_response_status access(tlm::tlm_fw_transport_if<>& target, tlm_command cmd, uint64_t addr, uint8_t* data, uint32_t len,
                           uint64_t& time_ps, unsigned char* byte_enable = nullptr, uint32_t be_len = 0) {
  tlm::tlm_generic_payload gp;
  set_access(gp, cmd, addr, data, len);
  if (byte_enable) {
    gp.set_byte_enable_ptr(byte_enable);
    gp.set_byte_enable_length(be_len);
  }
  sc_core::sc_time delay = from_ps(time_ps);
  target.b_transport(gp, delay);
  time_ps = to_ps(delay);
  return gp.get_response_status();
}

// two_channels() (support/memnode_rig.h): a block takes 10 ns on its channel, then 80 ns of latency.
constexpr uint64_t kBlockPs = 10'000;
constexpr uint64_t kLatencyPs = 80'000;

struct Node : RecordingNode {
  using RecordingNode::RecordingNode;
  tlm::tlm_fw_transport_if<>& fw() { return node.socket.get_base_interface(); }
  // The time an access arriving at `at` completes.
  uint64_t read(uint64_t addr, uint32_t len, uint64_t at = 0) {
    std::vector<uint8_t> buf(len);
    EXPECT_EQ(access(fw(), tlm::TLM_READ_COMMAND, addr, buf.data(), len, at), tlm::TLM_OK_RESPONSE);
    return at;
  }
};

TEST(MemNode, OneMiBStreamsOverBothChannelsAtTheirSummedBandwidth) {
  Node n(two_channels());
  // One 1 MiB read: 2048 blocks on each channel, 20.48 us at 25.6 GB/s, then the latency.
  const uint64_t mib = 1 << 20;
  EXPECT_EQ(n.read(0, mib), 20'480'000 + kLatencyPs);
  const MemNodeStats s = n.node.stats();
  EXPECT_EQ(s.reads, 1u);
  EXPECT_EQ(s.read_bytes, mib);
  EXPECT_EQ(s.busy_ps, 2 * 20'480'000u);
  EXPECT_EQ(s.queue_ps, 0u);
  EXPECT_EQ(s.end_ps, 20'480'000u);
  EXPECT_DOUBLE_EQ(s.utilisation, 1.0);
}

TEST(MemNode, PipelinedAccessesQueueAndDependentOnesPayTheLatencyEachTime) {
  // 4096 reads of 256 bytes issued together: they alternate channels, so the k-th waits for
  // k / 2 blocks on its own: the last completes at 2048 blocks + latency, as one 1 MiB read.
  Node pipelined(two_channels());
  uint64_t last = 0;
  for (uint64_t k = 0; k < 4096; ++k) {
    last = pipelined.read(k * 256, 256);
    ASSERT_EQ(last, (k / 2 + 1) * kBlockPs + kLatencyPs) << k;
  }
  EXPECT_EQ(last, 20'480'000 + kLatencyPs);
  EXPECT_EQ(pipelined.node.stats().queue_ps, 2 * kBlockPs * (2047 * 2048 / 2));

  // The same reads one after the other, each issued when the previous one completes: the
  // latency is paid 4096 times and the channels idle most of the time.
  Node dependent(two_channels());
  uint64_t t = 0;
  for (uint64_t k = 0; k < 4096; ++k) t = dependent.read(k * 256, 256, t);
  EXPECT_EQ(t, 4096 * (kBlockPs + kLatencyPs));
  const MemNodeStats s = dependent.node.stats();
  EXPECT_EQ(s.queue_ps, 0u);
  EXPECT_NEAR(s.utilisation, 10.0 / 90 / 2, 1e-3);  // one channel moving data 10 ns in every 90
}

TEST(MemNode, AccessesOnOneChannelQueueAndOthersDoNot) {
  MemNodeParams p = two_channels();
  p.channels = 4;
  Node n(p);
  EXPECT_EQ(n.read(0, 256), kBlockPs + kLatencyPs);          // channel 0
  EXPECT_EQ(n.read(1024, 256), 2 * kBlockPs + kLatencyPs);   // channel 0 again: behind the first
  EXPECT_EQ(n.read(256, 256), kBlockPs + kLatencyPs);        // channel 1, idle
  EXPECT_EQ(n.read(2048, 64, 15'000), 15'000 + kBlockPs / 4 + 5'000 + kLatencyPs);  // channel 0 frees at 20 ns
  EXPECT_EQ(n.read(4096, 256, 50'000), 50'000 + kBlockPs + kLatencyPs);  // channel 0 idle again
  EXPECT_EQ(n.node.stats().queue_ps, kBlockPs + 5'000);
  // Unaligned, across a block boundary: 56 bytes on channel 1, 44 on channel 2, side by side.
  EXPECT_EQ(n.read(256 + 200, 100, 100'000), 100'000 + std::llround(56 * 1000 / 25.6) + kLatencyPs);
}

TEST(MemNode, WritesLandAndReadBack) {
  Node n(two_channels());
  std::vector<uint8_t> out(1000);
  for (size_t i = 0; i < out.size(); ++i) out[i] = static_cast<uint8_t>(i * 7 + 3);
  uint64_t t = 0;
  ASSERT_EQ(access(n.fw(), tlm::TLM_WRITE_COMMAND, 0x12345, out.data(), 1000, t), tlm::TLM_OK_RESPONSE);
  EXPECT_EQ(0, std::memcmp(n.node.data() + 0x12345, out.data(), 1000));
  std::vector<uint8_t> in(1000);
  ASSERT_EQ(access(n.fw(), tlm::TLM_READ_COMMAND, 0x12345, in.data(), 1000, t), tlm::TLM_OK_RESPONSE);
  EXPECT_EQ(in, out);
  // The ignore command is answered and does nothing.
  const uint64_t before = t;
  EXPECT_EQ(access(n.fw(), tlm::TLM_IGNORE_COMMAND, 0x12345, in.data(), 1000, t), tlm::TLM_OK_RESPONSE);
  EXPECT_EQ(t, before);
  const MemNodeStats s = n.node.stats();
  EXPECT_EQ(s.writes, 1u);
  EXPECT_EQ(s.write_bytes, 1000u);
  EXPECT_EQ(s.reads, 1u);
}

TEST(MemNode, RefusedAccessesNameTheNodeAndTheAddress) {
  MemNodeParams p = two_channels();
  p.size_bytes = 1 << 20;
  Node n(p);
  uint8_t buf[16] = {};
  uint64_t t = 0;
  EXPECT_EQ(access(n.fw(), tlm::TLM_READ_COMMAND, 0x100000, buf, 4, t), tlm::TLM_ADDRESS_ERROR_RESPONSE);
  EXPECT_EQ(access(n.fw(), tlm::TLM_WRITE_COMMAND, 0xffffc, buf, 8, t), tlm::TLM_ADDRESS_ERROR_RESPONSE);  // runs past the end
  // 3 is no command, yet within the enum's range (read, write, ignore take two bits): a larger
  // number would be undefined behaviour before the node ever saw it.
  EXPECT_EQ(access(n.fw(), static_cast<tlm_command>(3), 0x40, buf, 4, t), tlm::TLM_COMMAND_ERROR_RESPONSE);
  EXPECT_EQ(t, 0u);  // refused accesses take no time
  ASSERT_EQ(n.errors.size(), 3u);
  const std::string name = n.node.name();
  for (const std::string& e : n.errors) EXPECT_NE(e.find("'" + name + "'"), std::string::npos) << e;
  EXPECT_NE(n.errors[0].find("0x100000"), std::string::npos) << n.errors[0];
  EXPECT_NE(n.errors[1].find("8 bytes at 0xffffc"), std::string::npos) << n.errors[1];
  EXPECT_NE(n.errors[2].find("command 3 at 0x40"), std::string::npos) << n.errors[2];

  tlm::tlm_generic_payload gp;
  set_access(gp, tlm::TLM_READ_COMMAND, 0, buf, 16);
  gp.set_streaming_width(4);
  sc_core::sc_time delay;
  n.fw().b_transport(gp, delay);
  EXPECT_EQ(gp.get_response_status(), tlm::TLM_BURST_ERROR_RESPONSE);
  EXPECT_EQ(n.node.stats().reads + n.node.stats().writes, 0u);
}

TEST(MemNode, ByteEnablesAreHonoured) {
  Node n(two_channels());
  uint8_t data[8] = {1, 2, 3, 4, 5, 6, 7, 8};
  unsigned char every_other[2] = {TLM_BYTE_ENABLED, TLM_BYTE_DISABLED};  // repeated over the data
  uint64_t t = 0;
  ASSERT_EQ(access(n.fw(), tlm::TLM_WRITE_COMMAND, 0x80, data, 8, t, every_other, 2), tlm::TLM_OK_RESPONSE);
  const uint8_t stored[8] = {1, 0, 3, 0, 5, 0, 7, 0};
  EXPECT_EQ(0, std::memcmp(n.node.data() + 0x80, stored, 8));

  uint8_t in[8];
  std::memset(in, 0xee, sizeof in);
  ASSERT_EQ(access(n.fw(), tlm::TLM_READ_COMMAND, 0x80, in, 8, t, every_other, 2), tlm::TLM_OK_RESPONSE);
  const uint8_t read[8] = {1, 0xee, 3, 0xee, 5, 0xee, 7, 0xee};  // disabled bytes left alone
  EXPECT_EQ(0, std::memcmp(in, read, 8));
}

TEST(MemNode, DebugTransportTakesNoTimeAndDmiIsRefused) {
  Node n(two_channels());
  uint32_t word = 0xcafef00d;
  tlm::tlm_generic_payload gp;
  set_access(gp, tlm::TLM_WRITE_COMMAND, 0x3ffffffc, reinterpret_cast<uint8_t*>(&word), 4);
  EXPECT_EQ(n.fw().transport_dbg(gp), 4u);
  uint32_t back = 0;
  set_access(gp, tlm::TLM_READ_COMMAND, 0x3ffffffc, reinterpret_cast<uint8_t*>(&back), 8);  // clipped at the end
  EXPECT_EQ(n.fw().transport_dbg(gp), 4u);
  EXPECT_EQ(back, word);
  set_access(gp, tlm::TLM_READ_COMMAND, 0x40000000, reinterpret_cast<uint8_t*>(&back), 4);
  EXPECT_EQ(n.fw().transport_dbg(gp), 0u);
  EXPECT_EQ(gp.get_response_status(), tlm::TLM_ADDRESS_ERROR_RESPONSE);
  const MemNodeStats s = n.node.stats();
  EXPECT_EQ(s.reads + s.writes + s.busy_ps, 0u);

  tlm::tlm_dmi dmi;
  set_access(gp, tlm::TLM_READ_COMMAND, 0, reinterpret_cast<uint8_t*>(&back), 4);
  EXPECT_FALSE(n.fw().get_direct_mem_ptr(gp, dmi));
  uint64_t t = 0;
  ASSERT_EQ(access(n.fw(), tlm::TLM_READ_COMMAND, 0, reinterpret_cast<uint8_t*>(&back), 4, t), tlm::TLM_OK_RESPONSE);
}

TEST(MemNode, SixtyFourGiBCostOnlyThePagesWritten) {
  Node n{MemNodeParams{}};
  EXPECT_EQ(n.node.params().size_bytes, uint64_t{64} << 30);
  EXPECT_EQ(n.node.resident_bytes(), 0u);
  std::vector<uint8_t> out(4096, 0xa5), in(4096);
  const uint64_t top = (uint64_t{64} << 30) - 4096;
  uint64_t t = 0;
  ASSERT_EQ(access(n.fw(), tlm::TLM_WRITE_COMMAND, top, out.data(), 4096, t), tlm::TLM_OK_RESPONSE);
  ASSERT_EQ(access(n.fw(), tlm::TLM_READ_COMMAND, top, in.data(), 4096, t), tlm::TLM_OK_RESPONSE);
  EXPECT_EQ(in, out);
  EXPECT_LE(n.node.resident_bytes(), size_t{2} << 20);  // one page (one huge page at most with THP)
}

TEST(MemNode, BadParametersNameTheNodeAndTheField) {
  const auto fails_on = [](const char* field, auto change) {
    MemNodeParams p;
    change(p);
    try {
      MemNode node(unique_name("kv").c_str(), p);
      ADD_FAILURE() << "no exception for " << field;
    } catch (const std::invalid_argument& e) {
      const std::string what = e.what();
      EXPECT_NE(what.find("memory node 'kv_"), std::string::npos) << what;
      EXPECT_NE(what.find(field), std::string::npos) << what;
    }
  };
  fails_on("size_bytes", [](MemNodeParams& p) { p.size_bytes = 0; });
  fails_on("channels", [](MemNodeParams& p) { p.channels = 0; });
  fails_on("channel_gb_per_s", [](MemNodeParams& p) { p.channel_gb_per_s = 0; });
  fails_on("channel_gb_per_s", [](MemNodeParams& p) { p.channel_gb_per_s = NAN; });
  fails_on("interleave_bytes", [](MemNodeParams& p) { p.interleave_bytes = 0; });
  fails_on("access_latency_ns", [](MemNodeParams& p) { p.access_latency_ns = -1; });
}

// An initiator bound to the bridge's near side, so that the whole chain elaborates.
struct Initiator : sc_core::sc_module {
  tlm_utils::simple_initiator_socket<Initiator> socket;
  explicit Initiator(sc_core::sc_module_name name) : sc_module(name), socket("socket") {}
};

// initiator -> bridge (request and response links) -> memory node. Construct only in a child
// process: it elaborates.
struct Remote {
  Remote(const LinkTlmBridgeParams& bridge_params, const MemNodeParams& node_params)
      : init(unique_name("init").c_str()), bridge(unique_name("bridge").c_str(), bridge_params), node(node_params) {
    init.socket.bind(bridge.near_side);
    bridge.far_side.bind(node.node.socket);
    sc_core::sc_start(sc_core::SC_ZERO_TIME);  // elaborate
  }
  Initiator init;
  LinkTlmBridge bridge;
  Node node;
  tlm::tlm_fw_transport_if<>& fw() { return *init.socket[0]; }
};

LinkTlmBridgeParams default_link(double bit_error_rate) {
  LinkTlmBridgeParams p;
  p.link.bit_error_rate = bit_error_rate;
  return p;
}

TEST(LinkBridge, OneReadCrossesBothLinksAndTheMemoryToThePicosecond) {
  in_child_process([] {
    Remote r(default_link(0), two_channels());
    std::vector<uint8_t> stored(64);
    for (size_t i = 0; i < stored.size(); ++i) stored[i] = static_cast<uint8_t>(0x40 + i);
    std::memcpy(r.node.node.data(), stored.data(), stored.size());

    std::vector<uint8_t> in(64);
    uint64_t t = 0;
    ASSERT_EQ(access(r.fw(), tlm::TLM_READ_COMMAND, 0, in.data(), 64, t), tlm::TLM_OK_RESPONSE);
    EXPECT_EQ(in, stored);
    // The request's header (16 bytes, a frame of 4 blocks) leaves at 0 and takes one block time
    // of 2.56 ns, then FEC and propagation, 105 ns: at the node at 107.56 ns. 64 bytes on
    // channel 0 take 2.5 ns, the latency 80: served at 190.06 ns. The response, header and data
    // (80 bytes: one frame of 12 blocks, 3 block times), starts at the next block time,
    // 192 ns, ends at 199.68 and arrives 105 ns later.
    EXPECT_EQ(t, 304'680u);
    EXPECT_EQ(r.bridge.transactions(), 1u);
    EXPECT_EQ(r.bridge.request_link().stats().payload_bytes, 16u);
    EXPECT_EQ(r.bridge.response_link().stats().payload_bytes, 80u);
  });
}

TEST(LinkBridge, WritesAndReadsBackThroughLinksWithBitErrorsUnchanged) {
  in_child_process([] {
    Remote r(default_link(1e-5), MemNodeParams{});
    std::mt19937_64 rng(7);
    constexpr uint32_t kBytes = 4096;
    constexpr int kTransfers = 64;
    const uint64_t base = uint64_t{48} << 30;
    std::vector<std::vector<uint8_t>> written(kTransfers, std::vector<uint8_t>(kBytes));
    const Link& req = r.bridge.request_link();
    // The least a transaction can take: both directions' FEC and propagation, a header frame
    // each way and the node's latency; a write also serialises its data out, a read back.
    const uint64_t one_way = 105'000, header = req.frame_time_ps(16);
    const uint64_t data = static_cast<uint64_t>(kBytes * 8 / req.data_gbps() * 1000);
    const uint64_t least = 2 * one_way + 2 * header + data + 80'000;

    uint64_t t = 0;
    for (int k = 0; k < kTransfers; ++k) {
      for (auto& b : written[k]) b = static_cast<uint8_t>(rng());
      const uint64_t before = t;
      ASSERT_EQ(access(r.fw(), tlm::TLM_WRITE_COMMAND, base + k * 8192, written[k].data(), kBytes, t), tlm::TLM_OK_RESPONSE);
      EXPECT_GE(t - before, least) << "write " << k;
    }
    for (int k = 0; k < kTransfers; ++k) {
      EXPECT_EQ(0, std::memcmp(r.node.node.data() + base + k * 8192, written[k].data(), kBytes)) << "write " << k;
      std::vector<uint8_t> in(kBytes);
      const uint64_t before = t;
      ASSERT_EQ(access(r.fw(), tlm::TLM_READ_COMMAND, base + k * 8192, in.data(), kBytes, t), tlm::TLM_OK_RESPONSE);
      EXPECT_GE(t - before, least) << "read " << k;
      EXPECT_EQ(in, written[k]) << "read " << k;
    }
    // The errors happened and were repaired: both directions replayed frames.
    const LinkStats out = req.stats(), back = r.bridge.response_link().stats();
    EXPECT_GT(out.crc_errors, 0u);
    EXPECT_GT(back.crc_errors, 0u);
    EXPECT_GT(out.retries, 0u);
    EXPECT_GT(back.retries, 0u);
    std::printf("bridge at BER 1e-5: %d writes and reads of %u bytes in %.3f us; CRC errors %llu out, %llu back\n",
                kTransfers, kBytes, t / 1e6, static_cast<unsigned long long>(out.crc_errors),
                static_cast<unsigned long long>(back.crc_errors));
    EXPECT_EQ(out.payload_bytes, 2u * kTransfers * 16 + uint64_t{kTransfers} * kBytes);
    EXPECT_EQ(back.payload_bytes, 2u * kTransfers * 16 + uint64_t{kTransfers} * kBytes);
    const MemNodeStats s = r.node.node.stats();
    EXPECT_EQ(s.writes, uint64_t{kTransfers});
    EXPECT_EQ(s.reads, uint64_t{kTransfers});
  });
}

TEST(LinkBridge, FarTargetErrorsComeBackInTheStatus) {
  in_child_process([] {
    MemNodeParams p = two_channels();
    p.size_bytes = 1 << 20;
    Remote r(default_link(0), p);
    uint8_t buf[64] = {};
    uint64_t t = 0;
    EXPECT_EQ(access(r.fw(), tlm::TLM_READ_COMMAND, 0x100000, buf, 64, t), tlm::TLM_ADDRESS_ERROR_RESPONSE);
    // The error took the round trip: the status crossed the response link.
    EXPECT_GE(t, 2 * 105'000u);
    ASSERT_EQ(r.node.errors.size(), 1u);
    EXPECT_NE(r.node.errors[0].find("64 bytes at 0x100000"), std::string::npos) << r.node.errors[0];
    EXPECT_EQ(r.bridge.response_link().stats().payload_bytes, 16u);  // a header, no data

    unsigned char be[1] = {TLM_BYTE_ENABLED};
    EXPECT_EQ(access(r.fw(), tlm::TLM_WRITE_COMMAND, 0, buf, 64, t, be, 1), tlm::TLM_BYTE_ENABLE_ERROR_RESPONSE);
    EXPECT_EQ(r.bridge.transactions(), 1u);  // refused at the near side

    // Debug transport reaches the node without the links; DMI is refused.
    uint32_t word = 0x600dcafe, back = 0;
    tlm::tlm_generic_payload gp;
    set_access(gp, tlm::TLM_WRITE_COMMAND, 0x10, reinterpret_cast<uint8_t*>(&word), 4);
    EXPECT_EQ(r.fw().transport_dbg(gp), 4u);
    set_access(gp, tlm::TLM_READ_COMMAND, 0x10, reinterpret_cast<uint8_t*>(&back), 4);
    EXPECT_EQ(r.fw().transport_dbg(gp), 4u);
    EXPECT_EQ(back, word);
    tlm::tlm_dmi dmi;
    EXPECT_FALSE(r.fw().get_direct_mem_ptr(gp, dmi));
    EXPECT_EQ(r.bridge.request_link().stats().payload_bytes, 16u);
  });
}

}  // namespace
}  // namespace wvp::test
