// The memory node's wavelet agent (models/memnode/memnode_agent.h) at the far end of two real
// Links, as the edge SerDes' out and in links reach it: writes read back (also under a
// bit-error rate that corrupts a fifth of the frames: every reply once and in order), the time
// of a write and a read worked out by hand from the link and node parameters, requesters on
// two ports and two colors interleaved word by word, a reply link that refuses and a consumer
// that stalls (backpressure up to the request link, nothing lost), each bad input answered
// with its code and a message, and one round trip from a tile through the fabric and a real
// EdgeSerdes. Every test elaborates (the agent's socket), so each runs in a child process.
#include <gtest/gtest.h>

#include <cstring>
#include <map>
#include <random>
#include <string>
#include <vector>

#include <tlm_utils/simple_target_socket.h>

#include "models/link/link.h"
#include "models/memnode/memnode.h"
#include "models/memnode/memnode_agent.h"
#include "models/serdes/edge_serdes.h"
#include "support/error_of.h"
#include "support/memnode_rig.h"
#include "support/sim_child.h"
#include "support/unique_name.h"
#include "tlm/ps_time.h"

namespace wvp::test {
namespace {

using Agent = MemNodeAgent;

constexpr uint32_t kRequestColor = 16;  // the agent's default

uint32_t tag(uint32_t port, uint32_t color) { return color | port << 8; }

LinkParams link_params(double bit_error_rate) {
  LinkParams p;
  p.bit_error_rate = bit_error_rate;
  p.tx_queue_bytes = 1 << 20;  // the tests offer whole batches of requests at once
  return p;
}

struct Delivery {
  LinkItem item;
  uint64_t time;
};

// The wafer side: the request link (a SerDes' out link) and the reply link (its in link) with
// the agent between them, bound to `target`; replies are recorded while `accepting`.
struct Bench {
  Bench(tlm::tlm_target_socket<>& target, const LinkParams& request_link, const LinkParams& reply_link,
        const MemNodeAgentParams& params = {})
      : requests(direction(request_link, "requests", 0)),
        replies(direction(reply_link, "replies", 1)),
        agent(unique_name("agent").c_str(), params) {
    agent.socket.bind(target);
    agent.attach(requests, replies);
    agent.set_error_sink([this](const std::string& what) { errors.push_back(what); });
    replies.set_deliver([this](const LinkItem& item, uint64_t t) {
      if (!accepting) return false;
      got.push_back({item, t});
      return true;
    });
    sc_core::sc_start(sc_core::SC_ZERO_TIME);  // elaborate
  }
  static LinkParams direction(LinkParams p, const char* name, uint64_t seed_offset) {
    p.name = name;
    p.seed += seed_offset;
    return p;
  }

  // Sends the request words on (port, color) at time_ps, as the edge port would.
  void send(uint32_t port, const std::vector<uint32_t>& words, uint64_t time_ps, uint32_t color = kRequestColor) {
    for (uint32_t w : words) ASSERT_TRUE(requests.send({w, tag(port, color), EdgeSerdes::kWaveletBytes}, time_ps));
  }
  // Settles both links, in time order, up to limit_ps.
  void settle(uint64_t limit_ps) {
    for (;;) {
      Link* first = nullptr;
      uint64_t when = UINT64_MAX;
      for (Link* link : {&requests, &replies})
        if (const auto next = link->next_event_ps(); next && *next < limit_ps && *next < when) first = link, when = *next;
      if (!first) return;
      first->advance(when + 1);
    }
  }
  // The reply words delivered on (port, color), in order.
  std::vector<uint32_t> words(uint32_t port, uint32_t color) const {
    std::vector<uint32_t> out;
    for (const Delivery& d : got)
      if (d.item.tag == tag(port, color)) out.push_back(static_cast<uint32_t>(d.item.data));
    return out;
  }

  Link requests, replies;
  Agent agent;
  bool accepting = true;
  std::vector<Delivery> got;
  std::vector<std::string> errors;
};

void append(std::vector<uint32_t>& to, const std::vector<uint32_t>& words) { to.insert(to.end(), words.begin(), words.end()); }

// A 64-bit address takes the 64-bit opcodes.
Agent::Opcode opcode(bool write, uint64_t address) {
  const bool wide = address >> 32;
  return write ? (wide ? Agent::kWrite64 : Agent::kWrite) : (wide ? Agent::kRead64 : Agent::kRead);
}
// The words of a read request, of a write request of `data`, of a read's reply and of a write's.
std::vector<uint32_t> read_request(uint64_t address, uint32_t words, uint32_t reply_color) {
  std::vector<uint32_t> w{Agent::header(opcode(false, address), reply_color, words), static_cast<uint32_t>(address)};
  if (address >> 32) w.push_back(static_cast<uint32_t>(address >> 32));
  return w;
}
std::vector<uint32_t> write_request(uint64_t address, const std::vector<uint32_t>& data, uint32_t reply_color) {
  std::vector<uint32_t> w = read_request(address, static_cast<uint32_t>(data.size()), reply_color);
  w[0] = Agent::header(opcode(true, address), reply_color, static_cast<uint32_t>(data.size()));
  append(w, data);
  return w;
}
std::vector<uint32_t> read_reply(uint64_t address, const std::vector<uint32_t>& data) {
  std::vector<uint32_t> w{Agent::status(Agent::kOk, opcode(false, address), static_cast<uint32_t>(data.size()))};
  append(w, data);
  return w;
}
uint32_t write_ack(uint64_t address, uint32_t words) { return Agent::status(Agent::kOk, opcode(true, address), words); }
// 60 writes of 1 to 64 random words, half of them above 4 GiB, then the 60 reads back, all
// offered at once on port 3; replies on color 5.
void write_then_read_back(double bit_error_rate) {
  RecordingNode n(two_channels(uint64_t{64} << 30));
  Bench b(n.node.socket, link_params(bit_error_rate), link_params(bit_error_rate));
  std::mt19937_64 rng(11);
  constexpr int kRequests = 60;
  std::vector<uint64_t> address(kRequests);
  std::vector<std::vector<uint32_t>> data(kRequests);
  std::vector<uint32_t> expected;
  uint64_t words = 0;
  for (int k = 0; k < kRequests; ++k) {
    address[k] = (k % 2 ? uint64_t{5} << 30 : 0) + 4096 * k + 4 * (rng() % 16);
    data[k].resize(1 + rng() % 64);
    for (uint32_t& w : data[k]) w = static_cast<uint32_t>(rng());
    words += data[k].size();
    b.send(3, write_request(address[k], data[k], 5), 0);
    expected.push_back(write_ack(address[k], static_cast<uint32_t>(data[k].size())));
  }
  for (int k = 0; k < kRequests; ++k) {
    b.send(3, read_request(address[k], static_cast<uint32_t>(data[k].size()), 5), 0);
    append(expected, read_reply(address[k], data[k]));
  }
  b.settle(UINT64_MAX);

  ASSERT_EQ(b.got.size(), expected.size());
  EXPECT_EQ(b.words(3, 5), expected);
  for (size_t i = 1; i < b.got.size(); ++i) ASSERT_GE(b.got[i].time, b.got[i - 1].time) << i;
  for (int k = 0; k < kRequests; ++k) {
    uint32_t stored = 0;
    std::memcpy(&stored, n.node.data() + address[k], 4);
    EXPECT_EQ(stored, data[k][0]) << "write " << k;
  }
  const MemNodeAgentStats s = b.agent.stats();
  EXPECT_EQ(s.writes, uint64_t{kRequests});
  EXPECT_EQ(s.reads, uint64_t{kRequests});
  EXPECT_EQ(s.write_words, words);
  EXPECT_EQ(s.read_words, words);
  EXPECT_EQ(s.errors, 0u);
  EXPECT_TRUE(b.errors.empty());
  EXPECT_EQ(n.node.stats().writes, uint64_t{kRequests});
  EXPECT_EQ(n.node.stats().write_bytes, 4 * words);
  // Each wavelet crossed once: the links delivered exactly the words offered.
  EXPECT_EQ(b.replies.stats().items, expected.size());
  if (bit_error_rate > 0) {
    EXPECT_GT(b.requests.stats().crc_errors, 0u);
    EXPECT_GT(b.replies.stats().crc_errors, 0u);
    EXPECT_GT(b.requests.stats().retries + b.replies.stats().retries, 0u);
  }
}

TEST(MemNodeAgent, WritesReadBackOverTwoLinks) {
  in_child_process([] { write_then_read_back(0); });
}

TEST(MemNodeAgent, EveryReplyComesOnceAndInOrderUnderBitErrors) {
  // A 34-block frame is 2244 line bits: at 1e-4 one in five is hit and replayed.
  in_child_process([] { write_then_read_back(1e-4); });
}

TEST(MemNodeAgent, ReplyTimeIsTheLinksPlusTheMemoryNode) {
  in_child_process([] {
    RecordingNode n(two_channels(1 << 20));
    Bench b(n.node.socket, link_params(0), link_params(0));
    // The default link: 4 lanes of 25.78125 Gb/s, one block time 2.56 ns, 105 ns of FEC and
    // propagation; a frame is its payload + 16 bytes rounded up to 8-byte blocks.
    //
    // Write of one word at 0x100, sent at 0: header, address and data are 15 bytes, one frame of
    // 4 blocks (one block time): delivered at 2,560 + 105,000 = 107,560 ps. 0x100 is block 1,
    // channel 1: 4 bytes at 25.6 GB/s are 156.25 ps (156), plus 80 ns: done at 187,716 ps. The
    // acknowledgement (5 bytes, 3 blocks) starts at the next block time, 74 x 2,560 = 189,440,
    // and arrives one block time and 105 ns later: 297,000 ps.
    b.send(0, write_request(0x100, {0xdeadbeef}, 9), 0);
    b.settle(400'000);
    ASSERT_EQ(b.got.size(), 1u);
    EXPECT_EQ(b.got[0].item, (LinkItem{write_ack(0x100, 1), tag(0, 9), 5}));
    EXPECT_EQ(b.got[0].time, 297'000u);
    EXPECT_EQ(b.got[0].time, 74 * 2560 + b.replies.frame_time_ps(5) + 105'000);

    // Read of two words at 0x100, sent at 400 ns: 10 bytes, one block time from 157 x 2,560 =
    // 401,920: delivered at 509,480. 8 bytes on channel 1 are 312.5 ps (313), plus 80 ns: done
    // at 589,793. Status and two words, 15 bytes, one block time from 231 x 2,560 = 591,360:
    // arrive at 698,920.
    b.send(0, read_request(0x100, 2, 9), 400'000);
    b.settle(UINT64_MAX);
    ASSERT_EQ(b.got.size(), 4u);
    EXPECT_EQ(b.words(0, 9), (std::vector<uint32_t>{write_ack(0x100, 1), Agent::status(Agent::kOk, Agent::kRead, 2), 0xdeadbeef, 0}));
    for (int i = 1; i < 4; ++i) EXPECT_EQ(b.got[i].time, 698'920u) << i;
    // The node was busy 80,156 ps for the write and 80,313 for the read.
    EXPECT_EQ(b.agent.stats().busy_ps, 80'156u + 80'313u);
    EXPECT_EQ(n.node.stats().end_ps, 509'480u + 313);
  });
}

TEST(MemNodeAgent, RequestsFromTwoPortsAndTwoColorsInterleaveWordByWord) {
  in_child_process([] {
    RecordingNode n(two_channels(1 << 20));
    MemNodeAgentParams params;
    params.request_colors = 1u << kRequestColor | 1u << 17;
    Bench b(n.node.socket, link_params(0), link_params(0), params);
    // Three requesters: port 0 color 16, port 1 color 16, port 1 color 17, each writes 8 words
    // to its own area and reads them back; their wavelets alternate one by one, each
    // requester's stream in its own order.
    struct Requester {
      uint32_t port, color, reply_color;
      uint64_t address;
    };
    const std::vector<Requester> who{{0, 16, 2, 0x1000}, {1, 16, 2, 0x2000}, {1, 17, 3, 0x3000}};
    std::vector<std::vector<uint32_t>> streams(who.size());
    std::map<std::pair<uint32_t, uint32_t>, std::vector<uint32_t>> expected;  // (port, reply color)
    for (size_t r = 0; r < who.size(); ++r) {
      std::vector<uint32_t> data(8);
      for (uint32_t i = 0; i < 8; ++i) data[i] = static_cast<uint32_t>(r << 16 | i);
      append(streams[r], write_request(who[r].address, data, who[r].reply_color));
      append(streams[r], read_request(who[r].address, 8, who[r].reply_color));
      std::vector<uint32_t>& e = expected[{who[r].port, who[r].reply_color}];
      e.push_back(write_ack(who[r].address, 8));
      append(e, read_reply(who[r].address, data));
    }
    for (size_t i = 0; i < streams[0].size(); ++i)
      for (size_t r = 0; r < who.size(); ++r) b.send(who[r].port, {streams[r][i]}, 1000 * i, who[r].color);
    b.settle(UINT64_MAX);

    EXPECT_EQ(b.got.size(), 3u * (1 + 1 + 8));
    for (const auto& [key, words] : expected) EXPECT_EQ(b.words(key.first, key.second), words) << "port " << key.first;
    EXPECT_EQ(b.agent.stats().writes, 3u);
    EXPECT_EQ(b.agent.stats().reads, 3u);
    EXPECT_TRUE(b.errors.empty());
  });
}

TEST(MemNodeAgent, RefusedRepliesWaitAndHoldTheRequestsBackWithNothingLost) {
  in_child_process([] {
    RecordingNode n(two_channels(1 << 20));
    // The reply link's send queue holds two wavelets and its receiver two frames; the consumer
    // takes nothing for the first 10 us.
    LinkParams tight = link_params(0);
    tight.tx_queue_bytes = 2 * EdgeSerdes::kWaveletBytes;
    tight.credits_frames = 2;
    Bench b(n.node.socket, link_params(0), tight);
    b.accepting = false;

    // 20 reads of 16 words, from ports 0 and 1 in turn.
    constexpr uint32_t kReads = 20;
    std::map<uint32_t, std::vector<uint32_t>> expected;
    for (uint32_t k = 0; k < kReads; ++k) {
      std::vector<uint32_t> data(16);
      for (uint32_t i = 0; i < 16; ++i) {
        data[i] = k << 8 | i;
        std::memcpy(n.node.data() + 0x400 * k + 4 * i, &data[i], 4);
      }
      b.send(k % 2, read_request(0x400 * k, 16, 4), 0);
      append(expected[k % 2], read_reply(0x400 * k, data));
    }
    b.settle(10'000'000);
    // Stalled: the reply link refused, the agent holds the rest of one reply and refuses the
    // request link, which keeps the other requests.
    EXPECT_TRUE(b.got.empty());
    EXPECT_GT(b.agent.stats().reply_refusals, 0u);
    EXPECT_EQ(b.agent.stats().reads, 1u);
    EXPECT_FALSE(b.requests.empty());

    b.accepting = true;
    b.replies.rx_resume(10'000'000);
    b.settle(UINT64_MAX);
    ASSERT_EQ(b.got.size(), kReads * 17);
    std::map<uint32_t, std::vector<uint32_t>> per_port;
    for (const Delivery& d : b.got) {
      EXPECT_EQ(d.item.tag & 0xff, 4u);
      per_port[d.item.tag >> 8].push_back(static_cast<uint32_t>(d.item.data));
    }
    EXPECT_EQ(per_port, expected);
    EXPECT_EQ(b.agent.stats().reads, kReads);
    EXPECT_GT(b.agent.stats().reply_refusals, kReads);
    EXPECT_TRUE(b.requests.empty());
  });
}

TEST(MemNodeAgent, BadRequestsAreAnsweredWithTheirCodeAndNamed) {
  in_child_process([] {
    RecordingNode n(two_channels(1 << 20));
    MemNodeAgentParams params;
    params.max_words = 16;
    Bench b(n.node.socket, link_params(0), link_params(0), params);
    const std::string agent = "memory node agent '" + std::string(b.agent.name()) + "': port 2 color 16: ";
    const std::vector<uint32_t> good = read_request(0x40, 1, 6);
    std::memcpy(n.node.data() + 0x40, "\x78\x56\x34\x12", 4);
    std::vector<uint32_t> expected;

    // An unknown opcode, then reserved bits set: the next word is taken as a new header.
    b.send(2, {0x07060001, 0x01260001}, 0);
    b.send(2, good, 0);
    append(expected, {Agent::status(Agent::kBadOpcode, 7, 0), Agent::status(Agent::kBadOpcode, 1, 0)});
    append(expected, read_reply(0x40, {0x12345678}));
    // A read of 0 words and a write of 17 (one above max_words) with its 17 data words: the
    // stream stays in step, the next request is served.
    b.send(2, read_request(0x80, 0, 6), 0);
    b.send(2, write_request(0xc0, std::vector<uint32_t>(17, 0xeeeeeeee), 6), 0);
    b.send(2, good, 0);
    append(expected, {Agent::status(Agent::kBadCount, Agent::kRead, 0), Agent::status(Agent::kBadCount, Agent::kWrite, 0)});
    append(expected, read_reply(0x40, {0x12345678}));
    // Outside the 1 MiB node, with a 32-bit and a 64-bit address.
    b.send(2, read_request(0xffffc, 2, 6), 0);
    b.send(2, write_request(uint64_t{1} << 32, {1}, 6), 0);
    append(expected, {Agent::status(Agent::kBadAddress, Agent::kRead, 0), Agent::status(Agent::kBadAddress, Agent::kWrite64, 0)});
    // A wavelet on a color that carries no requests is dropped: there is no color to answer on.
    b.send(2, {0xabcd}, 0, 5);
    b.settle(UINT64_MAX);

    EXPECT_EQ(b.words(2, 6), expected);
    EXPECT_EQ(b.got.size(), expected.size());
    const std::vector<std::string> messages{
        agent + "header 0x7060001 has an unknown opcode",
        agent + "header 0x1260001 has an unknown opcode",
        agent + "read of 0 words at 0x80: the count must be 1 to 16",
        agent + "write of 17 words at 0xc0: the count must be 1 to 16",
        agent + "read of 2 words at 0xffffc: the target answered TLM_ADDRESS_ERROR_RESPONSE",
        agent + "write of 1 word at 0x100000000: the target answered TLM_ADDRESS_ERROR_RESPONSE",
        "memory node agent '" + std::string(b.agent.name()) + "': port 2 color 5: wavelet 0xabcd on a color that carries no requests, dropped",
    };
    EXPECT_EQ(b.errors, messages);
    EXPECT_EQ(n.errors.size(), 2u);  // the node refused the two accesses outside it
    const MemNodeAgentStats s = b.agent.stats();
    EXPECT_EQ(s.errors, 7u);
    EXPECT_EQ(s.reads, 2u);
    EXPECT_EQ(s.writes, 0u);
    EXPECT_EQ(n.node.stats().writes, 0u);
    uint32_t untouched = 0;
    std::memcpy(&untouched, n.node.data() + 0xc0, 4);
    EXPECT_EQ(untouched, 0u);
  });
}

// A target that checks the base protocol's attributes of what it is sent, answers
// `response` and annotates 50 ns.
struct FailingTarget : sc_core::sc_module {
  tlm_utils::simple_target_socket<FailingTarget> socket;
  tlm::tlm_response_status response = tlm::TLM_GENERIC_ERROR_RESPONSE;
  std::vector<std::string> seen;
  explicit FailingTarget(sc_core::sc_module_name name) : sc_module(name), socket("socket") {
    socket.register_b_transport(this, &FailingTarget::b_transport);
  }
  void b_transport(tlm::tlm_generic_payload& gp, sc_core::sc_time& delay) {
    seen.push_back(std::string(gp.is_write() ? "write" : "read") + " " + std::to_string(gp.get_address()) + " " +
                   std::to_string(gp.get_data_length()) + " " + std::to_string(gp.get_streaming_width()) + " " +
                   (gp.get_byte_enable_ptr() ? "be" : "no-be") + " " + gp.get_response_string() + " at " +
                   std::to_string(to_ps(delay)));
    delay += sc_core::sc_time(50, sc_core::SC_NS);
    gp.set_response_status(response);
  }
};

TEST(MemNodeAgent, ATargetErrorIsAnsweredAfterTheTargetsDelay) {
  in_child_process([] {
    FailingTarget target(unique_name("failing").c_str());
    Bench b(target.socket, link_params(0), link_params(0));
    b.send(1, write_request(0x20, {1}, 8), 0);
    b.settle(UINT64_MAX);
    ASSERT_EQ(b.got.size(), 1u);
    EXPECT_EQ(b.got[0].item.data, Agent::status(Agent::kTargetError, Agent::kWrite, 0));
    // Delivered at 107,560 ps (one frame of 15 bytes, 4 blocks); done 50 ns later at 157,560;
    // the status leaves at the next block time, 62 x 2,560 = 158,720.
    EXPECT_EQ(target.seen, (std::vector<std::string>{"write 32 4 4 no-be TLM_INCOMPLETE_RESPONSE at 107560"}));
    EXPECT_EQ(b.got[0].time, 158'720 + 2'560 + 105'000u);
    ASSERT_EQ(b.errors.size(), 1u);
    EXPECT_EQ(b.errors[0], "memory node agent '" + std::string(b.agent.name()) +
                               "': port 1 color 16: write of 1 word at 0x20: the target answered TLM_GENERIC_ERROR_RESPONSE");
    EXPECT_EQ(b.agent.stats().busy_ps, 50'000u);
  });
}

TEST(MemNodeAgent, BadParametersNameTheAgentAndTheField) {
  in_child_process([] {
    MemNodeAgentParams p;
    p.request_colors = 0;
    EXPECT_EQ(error_of<std::invalid_argument>([&] { Agent a("agent_colors", p); }),
              "memory node agent 'agent_colors': request_colors names no color");
    p = {};
    p.max_words = 65536;
    EXPECT_EQ(error_of<std::invalid_argument>([&] { Agent a("agent_words", p); }),
              "memory node agent 'agent_words': max_words must be 1 to 65535 (got 65536)");
  });
}

TEST(MemNodeAgent, ATileWritesAndReadsBackThroughTheFabricAndAnEdgeSerdes) {
  in_child_process([] {
    // A 2 x 1 grid: tile (0,0) sends color 16 east, out through (1,0)'s east port into the
    // SerDes; replies come back on color 3 through that port and go west to (0,0).
    FabricParams fp;
    fp.width = 2;
    fp.height = 1;
    Fabric fabric(fp);
    EdgeRing ring(fabric);
    EdgeSerdesParams sp;
    sp.name = "kv_serdes";
    sp.edge = kEast;
    sp.link.bit_error_rate = 0;
    EdgeSerdes serdes(sp, Clock(1.1e9), 2, 1);
    ring.add(serdes);
    fabric.set_route(0, kRequestColor, kRamp, port_bit(kEast));
    fabric.set_route(1, kRequestColor, kWest, port_bit(kEast));
    fabric.set_route(1, 3, kEast, port_bit(kWest));
    fabric.set_route(0, 3, kEast, port_bit(kRamp));

    RecordingNode n(two_channels(1 << 20));
    Agent agent(unique_name("agent").c_str(), MemNodeAgentParams{});
    agent.socket.bind(n.node.socket);
    agent.attach(serdes.out(), serdes.in());
    sc_core::sc_start(sc_core::SC_ZERO_TIME);

    std::vector<uint32_t> request = write_request(0x200, {10, 20, 30, 40}, 3);
    append(request, read_request(0x200, 4, 3));
    std::vector<uint32_t> replies;
    size_t sent = 0;
    for (uint64_t cycle = 0; replies.size() < 6 && cycle < 10'000; ++cycle) {
      if (sent < request.size() && !fabric.tx_full(0, kRequestColor)) fabric.tx_push(0, kRequestColor, request[sent++], cycle);
      if (fabric.rx_available(0, 3, cycle)) replies.push_back(fabric.rx_pop(0, 3, cycle));
      ring.advance(cycle + 1);
    }
    const std::vector<uint32_t> expected{write_ack(0x200, 4), Agent::status(Agent::kOk, Agent::kRead, 4), 10, 20, 30, 40};
    EXPECT_EQ(replies, expected);
    EXPECT_EQ(agent.stats().writes, 1u);
    EXPECT_EQ(agent.stats().reads, 1u);
    EXPECT_EQ(serdes.stats().in.items, 6u);
  });
}

}  // namespace
}  // namespace wvp::test
