// GdbServer against a fake target, with the test playing GDB over a real TCP socket.
// on_stop() blocks while it serves packets, so it runs in a std::async task and the test body
// is the client. Every socket wait has a timeout, so a broken server fails instead of hanging.
#include "platform/debug/gdb_server.h"

#include <gtest/gtest.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <poll.h>
#include <sys/socket.h>
#include <unistd.h>

#include <algorithm>
#include <chrono>
#include <cstdio>
#include <future>
#include <map>
#include <set>
#include <stdexcept>
#include <thread>

namespace {

using namespace std::chrono_literals;
using wvp::DebugThread;
using wvp::GdbServer;
using wvp::ResumeAction;
using wvp::StopEvent;
using wvp::StopKind;
using wvp::WatchKind;

constexpr uint32_t kMemBase = 0x8000'0000;
constexpr uint32_t kMemSize = 256;
constexpr uint32_t kMstatus = 0x300;
constexpr uint32_t kFcsr = 0x003;

// Three cores; register values encode thread and index so mix-ups show.
class FakeTarget : public wvp::DebugTarget {
 public:
  struct Core {
    uint32_t gpr[32], fpr[32], pc;
    std::map<uint32_t, uint32_t> csr;  // only mstatus and fcsr exist
  };
  std::map<int, Core> cores;
  std::vector<DebugThread> list = {{1, 0, 0}, {2, 1, 0}, {3, 3, 1}};
  uint8_t mem[kMemSize];
  std::set<uint32_t> breakpoints;
  std::set<std::tuple<WatchKind, uint32_t, uint32_t>> watchpoints;

  FakeTarget() {
    for (const DebugThread& t : list) {
      Core& c = cores[t.id];
      for (uint32_t i = 0; i < 32; ++i) {
        c.gpr[i] = i == 0 ? 0 : t.id * 0x1000u + i;
        c.fpr[i] = 0x3f800000u + t.id * 0x100u + i;
      }
      c.pc = kMemBase + 4 * t.id;
      c.csr = {{kMstatus, 0x1800u + t.id}, {kFcsr, 0x20u + t.id}};
    }
    for (uint32_t i = 0; i < kMemSize; ++i) mem[i] = static_cast<uint8_t>(i);
  }

  std::vector<DebugThread> threads() const override { return list; }
  bool read_gpr(int t, int i, uint32_t& v) const override { return get(t, [&](const Core& c) { v = c.gpr[i]; }); }
  bool write_gpr(int t, int i, uint32_t v) override { return set(t, [&](Core& c) { c.gpr[i] = i ? v : 0; }); }
  bool read_pc(int t, uint32_t& v) const override { return get(t, [&](const Core& c) { v = c.pc; }); }
  bool write_pc(int t, uint32_t v) override { return set(t, [&](Core& c) { c.pc = v; }); }
  bool read_fpr(int t, int i, uint32_t& v) const override { return get(t, [&](const Core& c) { v = c.fpr[i]; }); }
  bool write_fpr(int t, int i, uint32_t v) override { return set(t, [&](Core& c) { c.fpr[i] = v; }); }
  bool read_csr(int t, uint32_t n, uint32_t& v) const override {
    auto it = cores.find(t);
    if (it == cores.end() || !it->second.csr.count(n)) return false;
    v = it->second.csr.at(n);
    return true;
  }
  bool write_csr(int t, uint32_t n, uint32_t v) override {
    auto it = cores.find(t);
    if (it == cores.end() || !it->second.csr.count(n)) return false;
    it->second.csr[n] = v;
    return true;
  }
  bool read_mem(int, uint32_t addr, uint32_t len, uint8_t* out) override {
    if (!in_mem(addr, len)) return false;
    std::copy_n(mem + (addr - kMemBase), len, out);
    return true;
  }
  bool write_mem(int, uint32_t addr, uint32_t len, const uint8_t* in) override {
    if (!in_mem(addr, len)) return false;
    std::copy_n(in, len, mem + (addr - kMemBase));
    return true;
  }
  bool add_breakpoint(uint32_t addr) override { return breakpoints.insert(addr).second; }
  bool remove_breakpoint(uint32_t addr) override { return breakpoints.erase(addr) == 1; }
  bool add_watchpoint(WatchKind k, uint32_t addr, uint32_t len) override {
    return watchpoints.insert({k, addr, len}).second;
  }
  bool remove_watchpoint(WatchKind k, uint32_t addr, uint32_t len) override {
    return watchpoints.erase({k, addr, len}) == 1;
  }

 private:
  static bool in_mem(uint32_t addr, uint32_t len) {
    return addr >= kMemBase && addr - kMemBase + uint64_t{len} <= kMemSize;
  }
  template <class F>
  bool get(int t, F f) const {
    auto it = cores.find(t);
    if (it == cores.end()) return false;
    f(it->second);
    return true;
  }
  template <class F>
  bool set(int t, F f) {
    auto it = cores.find(t);
    if (it == cores.end()) return false;
    f(it->second);
    return true;
  }
};

std::string checksum_hex(std::string_view payload) {
  unsigned sum = 0;
  for (char c : payload) sum += static_cast<uint8_t>(c);
  char buf[3];
  std::snprintf(buf, sizeof buf, "%02x", sum & 0xff);
  return buf;
}

std::string hex_of(std::string_view text) {
  std::string out;
  char buf[3];
  for (char c : text) {
    std::snprintf(buf, sizeof buf, "%02x", static_cast<uint8_t>(c));
    out += buf;
  }
  return out;
}

std::string reg_hex(uint32_t v) {
  char buf[9];
  std::snprintf(buf, sizeof buf, "%02x%02x%02x%02x", v & 0xff, (v >> 8) & 0xff, (v >> 16) & 0xff, v >> 24);
  return buf;
}

// The GDB side: raw RSP over a socket. Failures return "<timeout>"/"<closed>" so that the
// comparisons in the test report them.
class RspClient {
 public:
  bool no_ack = false;
  std::string skipped;  // what receive() passed over before the '$' of its packet

  ~RspClient() { close(); }

  void connect(uint16_t port) {
    fd_ = ::socket(AF_INET, SOCK_STREAM, 0);
    sockaddr_in addr{};
    addr.sin_family = AF_INET;
    addr.sin_port = htons(port);
    addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    if (::connect(fd_, reinterpret_cast<sockaddr*>(&addr), sizeof addr) != 0)
      throw std::runtime_error("connect failed");
    // Like GDB: without this, Nagle and delayed ACKs add 40 ms to every exchange.
    const int one = 1;
    ::setsockopt(fd_, IPPROTO_TCP, TCP_NODELAY, &one, sizeof one);
  }

  void close() {
    if (fd_ >= 0) ::close(fd_);
    fd_ = -1;
  }

  void send_raw(std::string_view bytes) {
    ASSERT_EQ(::send(fd_, bytes.data(), bytes.size(), MSG_NOSIGNAL), static_cast<ssize_t>(bytes.size()));
  }

  void send(std::string_view payload) {
    send_raw("$" + std::string(payload) + "#" + checksum_hex(payload));
    if (!no_ack) {
      EXPECT_EQ(next_char(), '+') << "ack for " << payload;
    }
  }

  std::string receive() {
    int c;
    skipped.clear();
    while ((c = next_char()) != '$') {
      if (c < 0) return c == kTimeout ? "<timeout>" : "<closed>";
      skipped += static_cast<char>(c);
    }
    std::string payload;
    while ((c = next_char()) != '#') {
      if (c < 0) return "<truncated>";
      payload += static_cast<char>(c);
    }
    std::string sum;
    sum += static_cast<char>(next_char());
    sum += static_cast<char>(next_char());
    EXPECT_EQ(sum, checksum_hex(payload)) << payload;
    if (!no_ack) send_raw("+");
    return payload;
  }

  std::string ask(std::string_view payload) {
    send(payload);
    return receive();
  }

  // Next raw byte, kTimeout or kClosed.
  int next_char() {
    if (pos_ == buf_.size()) {
      buf_.clear();
      pos_ = 0;
      pollfd pfd{fd_, POLLIN, 0};
      if (::poll(&pfd, 1, 2000) <= 0) return kTimeout;
      char tmp[4096];
      const ssize_t n = ::recv(fd_, tmp, sizeof tmp, 0);
      if (n <= 0) return kClosed;
      buf_.assign(tmp, static_cast<size_t>(n));
    }
    return static_cast<uint8_t>(buf_[pos_++]);
  }

  static constexpr int kTimeout = -1;
  static constexpr int kClosed = -2;

 private:
  int fd_ = -1;
  std::string buf_;
  size_t pos_ = 0;
};

class GdbServerTest : public ::testing::Test {
 protected:
  FakeTarget target;
  GdbServer server{target, {}};
  RspClient client;
  std::future<ResumeAction> stop;

  // The kernel completes the connection before accept(), so no thread is needed here.
  void SetUp() override {
    client.connect(server.port());
    server.wait_for_client();
  }

  // A server stuck in on_stop() returns Detach once the client hangs up.
  void TearDown() override {
    client.close();
    if (stop.valid()) stop.wait();
  }

  void begin_stop(StopEvent event = {}) {
    stop = std::async(std::launch::async, [this, event] { return server.on_stop(event); });
  }

  ResumeAction end_stop() {
    if (stop.wait_for(2s) != std::future_status::ready) {
      ADD_FAILURE() << "on_stop() did not return";
      client.close();
    }
    return stop.get();
  }

  // Resumes with c and checks on_stop() returned Continue.
  void continue_target() {
    client.send("c");
    EXPECT_EQ(end_stop().kind, ResumeAction::Continue);
  }

  std::string expected_g(int thread) {
    std::string out;
    for (uint32_t v : target.cores[thread].gpr) out += reg_hex(v);
    return out + reg_hex(target.cores[thread].pc);
  }
};

// name -> regnum of every <reg> element.
std::map<std::string, int> registers_of(const std::string& xml) {
  std::map<std::string, int> regs;
  const auto attribute = [](std::string_view element, std::string_view name) {
    const size_t start = element.find(std::string(" ") + std::string(name) + "=\"") + name.size() + 3;
    return std::string(element.substr(start, element.find('"', start) - start));
  };
  for (size_t pos = xml.find("<reg "); pos != std::string::npos; pos = xml.find("<reg ", pos + 1)) {
    const std::string_view element = std::string_view(xml).substr(pos, xml.find("/>", pos) - pos);
    EXPECT_EQ(attribute(element, "bitsize"), "32") << element;
    regs[attribute(element, "name")] = std::stoi(attribute(element, "regnum"));
  }
  return regs;
}

TEST(GdbServerXml, DescribesRv32WithGdbNumbering) {
  const std::string xml = GdbServer::target_xml();
  EXPECT_NE(xml.find("<architecture>riscv:rv32</architecture>"), std::string::npos);
  for (const char* feature : {"cpu", "fpu", "csr"})
    EXPECT_NE(xml.find(std::string("<feature name=\"org.gnu.gdb.riscv.") + feature + "\">"), std::string::npos);
  const auto regs = registers_of(xml);
  EXPECT_EQ(regs.size(), 33u + 35u + 17u);
  EXPECT_EQ(regs.at("zero"), 0);
  EXPECT_EQ(regs.at("s1"), 9);
  EXPECT_EQ(regs.at("t6"), 31);
  EXPECT_EQ(regs.at("pc"), 32);
  EXPECT_EQ(regs.at("ft0"), 33);
  EXPECT_EQ(regs.at("fs11"), 33 + 27);
  EXPECT_EQ(regs.at("ft11"), 64);
  EXPECT_EQ(regs.at("fflags"), 66);
  EXPECT_EQ(regs.at("frm"), 67);
  EXPECT_EQ(regs.at("fcsr"), 68);
  EXPECT_EQ(regs.at("mstatus"), 65 + 0x300);
  EXPECT_EQ(regs.at("mhartid"), 65 + 0xF14);
}

TEST(GdbServerSetup, ReportsWhyItCannotListen) {
  FakeTarget target;
  GdbServer first(target, {});
  EXPECT_NE(first.port(), 0);
  EXPECT_FALSE(first.connected());
  EXPECT_THROW(GdbServer(target, {first.port(), "127.0.0.1"}), std::runtime_error);
  EXPECT_THROW(GdbServer(target, {0, "not-an-address"}), std::runtime_error);
}

TEST_F(GdbServerTest, AdvertisesFeaturesAndInitialStop) {
  begin_stop();
  const std::string reply = client.ask("qSupported:multiprocess+;swbreak+;hwbreak+;xmlRegisters=i386");
  for (const char* feature : {"PacketSize=4000", "qXfer:features:read+", "swbreak+", "hwbreak+", "QStartNoAckMode+",
                              "vContSupported+"})
    EXPECT_NE(reply.find(feature), std::string::npos) << feature << " in " << reply;
  EXPECT_EQ(client.ask("vMustReplyEmpty"), "");
  EXPECT_EQ(client.ask("qTStatus"), "");
  EXPECT_EQ(client.ask("?"), "T05thread:1;");
  EXPECT_EQ(client.ask("qAttached"), "1");
  EXPECT_EQ(client.ask("qC"), "QC1");
  EXPECT_EQ(client.ask("vCont?"), "vCont;c;C;s;S");
}

TEST_F(GdbServerTest, ServesTargetXmlInChunks) {
  begin_stop();
  std::string xml;
  for (;;) {
    char offset[16];
    std::snprintf(offset, sizeof offset, "%zx", xml.size());
    const std::string reply = client.ask("qXfer:features:read:target.xml:" + std::string(offset) + ",100");
    ASSERT_FALSE(reply.empty());
    ASSERT_TRUE(reply[0] == 'm' || reply[0] == 'l') << reply;
    xml += reply.substr(1);
    if (reply[0] == 'l') break;
  }
  EXPECT_EQ(xml, GdbServer::target_xml());
  const auto regs = registers_of(xml);
  EXPECT_TRUE(regs.count("pc"));
  EXPECT_TRUE(regs.count("fcsr"));
  EXPECT_EQ(client.ask("qXfer:features:read:other.xml:0,100"), "E00");
}

TEST_F(GdbServerTest, ReadsAndWritesAllRegisters) {
  begin_stop();
  EXPECT_EQ(client.ask("g"), expected_g(1));
  std::string regs;
  for (uint32_t i = 0; i < 33; ++i) regs += reg_hex(0xa0000000u + i);
  EXPECT_EQ(client.ask("G" + regs), "OK");
  EXPECT_EQ(client.ask("p20"), reg_hex(0xa0000020u));  // pc
  EXPECT_EQ(client.ask("p5"), reg_hex(0xa0000005u));
  EXPECT_EQ(client.ask("p0"), reg_hex(0));  // x0 stays zero
  EXPECT_EQ(client.ask("G1234"), "E01");
}

TEST_F(GdbServerTest, ReadsAndWritesSingleRegisters) {
  begin_stop();
  EXPECT_EQ(client.ask("p21"), reg_hex(0x3f800100u));           // ft0 of thread 1
  EXPECT_EQ(client.ask("p44"), reg_hex(0x21u));                 // fcsr
  EXPECT_EQ(client.ask("p341"), reg_hex(0x1801u));  // mstatus = 65 + 0x300
  EXPECT_EQ(client.ask("p43"), "xxxxxxxx");                     // frm: this core has none
  EXPECT_EQ(client.ask("P40=78563412"), "OK");                  // ft31
  EXPECT_EQ(client.ask("p40"), "78563412");
  EXPECT_EQ(client.ask("P341=00010000"), "OK");
  EXPECT_EQ(client.ask("p341"), "00010000");
  EXPECT_EQ(client.ask("P43=00000000"), "E01");
  EXPECT_EQ(client.ask("p1041"), "E01");  // beyond the CSR space
  EXPECT_EQ(client.ask("P5"), "E01");
  EXPECT_EQ(client.ask("P5=123"), "E01");
}

TEST_F(GdbServerTest, MemoryRoundTripsThroughMAndX) {
  begin_stop();
  EXPECT_EQ(client.ask("m80000010,4"), "10111213");
  EXPECT_EQ(client.ask("M80000010,4:deadbeef"), "OK");
  EXPECT_EQ(client.ask("m80000010,4"), "deadbeef");
  // Every byte the framing reserves, escaped as '}' then byte ^ 0x20.
  const std::string binary = std::string("}") + char('}' ^ 0x20) + "}" + char('#' ^ 0x20) + "}" +
                             char('$' ^ 0x20) + "}" + char('*' ^ 0x20) + std::string(1, '\0') + "\x03";
  EXPECT_EQ(client.ask("X80000020,6:" + binary), "OK");
  EXPECT_EQ(client.ask("m80000020,6"), "7d23242a0003");
  EXPECT_EQ(client.ask("X80000020,0:"), "OK");
  EXPECT_EQ(client.ask("m7ffffffc,8"), "E01");
  EXPECT_EQ(client.ask("mzz,4"), "E01");
  EXPECT_EQ(client.ask("M80000010,4:dead"), "E01");
  EXPECT_EQ(client.ask("X80000020,2:}"), "E01");
  EXPECT_EQ(client.ask("mffffffff,2"), "E01");  // wraps around the address space
}

TEST_F(GdbServerTest, BreakpointThenContinueThenStopReply) {
  begin_stop();
  client.ask("qSupported:swbreak+;hwbreak+");
  EXPECT_EQ(client.ask("Z0,80000008,4"), "OK");
  continue_target();
  EXPECT_EQ(target.breakpoints, std::set<uint32_t>{0x80000008});

  StopEvent hit;
  hit.kind = StopKind::Breakpoint;
  hit.thread = 2;
  begin_stop(hit);
  EXPECT_EQ(client.receive(), "T05thread:2;swbreak:;");
  EXPECT_EQ(client.ask("qC"), "QC2");
  EXPECT_EQ(client.ask("g"), expected_g(2));  // the stopped core is now the g-thread
  EXPECT_EQ(client.ask("z0,80000008,4"), "OK");
  EXPECT_EQ(client.ask("z0,80000008,4"), "E01");
  EXPECT_EQ(client.ask("Z1,80000008,4"), "OK");
  continue_target();
  EXPECT_EQ(target.breakpoints, std::set<uint32_t>{0x80000008});

  target.cores[2].pc = 0x80000008;
  begin_stop(hit);
  EXPECT_EQ(client.receive(), "T05thread:2;hwbreak:;");
}

TEST_F(GdbServerTest, StepsOneThreadThroughVCont) {
  begin_stop();
  client.send("vCont;s:3;c");
  ResumeAction action = end_stop();
  EXPECT_EQ(action.kind, ResumeAction::Step);
  EXPECT_EQ(action.thread, 3);

  StopEvent stepped;
  stepped.kind = StopKind::Step;
  stepped.thread = 3;
  begin_stop(stepped);
  EXPECT_EQ(client.receive(), "T05thread:3;");
  EXPECT_EQ(client.ask("vCont;s:9"), "E01");
  EXPECT_EQ(client.ask("vCont;x"), "E01");
  EXPECT_EQ(client.ask("vCont;"), "E01");
  EXPECT_EQ(client.ask("Hc2"), "OK");
  client.send("s80000040");  // legacy step of the Hc thread, from a new pc
  action = end_stop();
  EXPECT_EQ(action.kind, ResumeAction::Step);
  EXPECT_EQ(action.thread, 2);
  EXPECT_EQ(target.cores[2].pc, 0x80000040u);

  begin_stop(stepped);
  EXPECT_EQ(client.receive(), "T05thread:3;");
  client.send("vCont;C02:1;c");
  EXPECT_EQ(end_stop().kind, ResumeAction::Continue);
}

TEST_F(GdbServerTest, ReportsWatchpointHits) {
  begin_stop();
  EXPECT_EQ(client.ask("Z2,80000010,4"), "OK");
  EXPECT_EQ(client.ask("Z3,80000020,2"), "OK");
  EXPECT_EQ(client.ask("Z4,80000030,1"), "OK");
  EXPECT_EQ(client.ask("z4,80000030,1"), "OK");
  EXPECT_EQ(client.ask("Z9,80000030,1"), "");
  EXPECT_EQ(client.ask("Z2,80000010"), "E01");
  continue_target();
  const std::set<std::tuple<WatchKind, uint32_t, uint32_t>> expected = {{WatchKind::Write, 0x80000010, 4},
                                                                         {WatchKind::Read, 0x80000020, 2}};
  EXPECT_EQ(target.watchpoints, expected);

  StopEvent hit;
  hit.kind = StopKind::Watchpoint;
  hit.thread = 3;
  hit.watch = WatchKind::Read;
  hit.data_addr = 0x80000020;
  begin_stop(hit);
  EXPECT_EQ(client.receive(), "T05thread:3;rwatch:80000020;");
  continue_target();
  hit.watch = WatchKind::Write;
  hit.data_addr = 0x80000010;
  begin_stop(hit);
  EXPECT_EQ(client.receive(), "T05thread:3;watch:80000010;");
}

TEST_F(GdbServerTest, ListsThreadsWithTheirTiles) {
  begin_stop();
  EXPECT_EQ(client.ask("qfThreadInfo"), "m1,2,3");
  EXPECT_EQ(client.ask("qsThreadInfo"), "l");
  EXPECT_EQ(client.ask("qThreadExtraInfo,3"), hex_of("PE (3,1)"));
  EXPECT_EQ(client.ask("qThreadExtraInfo,2"), hex_of("PE (1,0)"));
  EXPECT_EQ(client.ask("qThreadExtraInfo,9"), "E01");
  EXPECT_EQ(client.ask("T3"), "OK");
  EXPECT_EQ(client.ask("T9"), "E01");
  EXPECT_EQ(client.ask("Hg3"), "OK");
  EXPECT_EQ(client.ask("g"), expected_g(3));
  EXPECT_EQ(client.ask("Hg0"), "OK");  // "any thread" keeps the current one
  EXPECT_EQ(client.ask("qC"), "QC3");
  EXPECT_EQ(client.ask("Hg9"), "E01");
  EXPECT_EQ(client.ask("Hgzz"), "E01");
  EXPECT_EQ(client.ask("Hx1"), "E01");
}

TEST_F(GdbServerTest, PagesLongThreadLists) {
  target.list.clear();
  for (int id = 1; id <= 5000; ++id) target.list.push_back({id, id % 100, id / 100});
  begin_stop();
  std::string reply = client.ask("qfThreadInfo");
  int listed = 0, packets = 0;
  while (reply[0] == 'm') {
    EXPECT_LE(reply.size(), GdbServer::kMaxPacket);
    listed += 1 + static_cast<int>(std::count(reply.begin(), reply.end(), ','));
    ++packets;
    reply = client.ask("qsThreadInfo");
  }
  EXPECT_EQ(reply, "l");
  EXPECT_EQ(listed, 5000);
  EXPECT_GT(packets, 1);
}

TEST_F(GdbServerTest, ReportsFaultSignals) {
  begin_stop();
  continue_target();
  StopEvent fault;
  fault.kind = StopKind::Fault;
  fault.thread = 2;
  fault.signal = 11;  // SIGSEGV
  begin_stop(fault);
  EXPECT_EQ(client.receive(), "T0bthread:2;");
  EXPECT_EQ(client.ask("?"), "T0bthread:2;");
}

TEST_F(GdbServerTest, CtrlCInterruptsTheRunningTarget) {
  begin_stop();
  continue_target();
  EXPECT_FALSE(server.poll_interrupt());
  client.send_raw("\x03");
  const auto deadline = std::chrono::steady_clock::now() + 2s;
  bool interrupted = false;
  while (!interrupted && std::chrono::steady_clock::now() < deadline) interrupted = server.poll_interrupt();
  EXPECT_TRUE(interrupted);
  EXPECT_FALSE(server.poll_interrupt());

  StopEvent halt;
  halt.signal = 2;
  halt.thread = 2;
  begin_stop(halt);
  EXPECT_EQ(client.receive(), "T02thread:2;");
}

TEST_F(GdbServerTest, ReportsExitCodeAndCloses) {
  begin_stop();
  continue_target();
  auto exiting = std::async(std::launch::async, [this] { server.on_exit(0x2a); });
  EXPECT_EQ(client.receive(), "W2a");
  EXPECT_EQ(client.next_char(), RspClient::kClosed);
  client.close();
  EXPECT_EQ(exiting.wait_for(2s), std::future_status::ready);
  EXPECT_FALSE(server.connected());
}

TEST_F(GdbServerTest, ExitedStopEventReportsTheExitCode) {
  begin_stop();
  continue_target();
  StopEvent exited;
  exited.kind = StopKind::Exited;
  exited.exit_code = 1;
  begin_stop(exited);
  EXPECT_EQ(client.receive(), "W01");
  client.close();
  EXPECT_EQ(end_stop().kind, ResumeAction::Detach);
  EXPECT_FALSE(server.connected());
}

TEST_F(GdbServerTest, ExitAfterGdbLeftIsHarmless) {
  begin_stop();
  continue_target();
  client.close();
  server.on_exit(1);  // the write may fail or not: either way no crash and no SIGPIPE
  EXPECT_FALSE(server.connected());
  EXPECT_EQ(server.on_stop({}).kind, ResumeAction::Detach);
}

TEST_F(GdbServerTest, DetachClosesTheConnection) {
  begin_stop();
  EXPECT_EQ(client.ask("D"), "OK");
  EXPECT_EQ(client.next_char(), RspClient::kClosed);
  client.close();
  EXPECT_EQ(end_stop().kind, ResumeAction::Detach);
  EXPECT_FALSE(server.connected());
}

TEST_F(GdbServerTest, KillEndsTheSession) {
  begin_stop();
  EXPECT_EQ(client.ask("vKill;1"), "OK");
  client.close();
  EXPECT_EQ(end_stop().kind, ResumeAction::Kill);
}

TEST_F(GdbServerTest, VanishingGdbDetachesAndRemovesItsBreakpoints) {
  begin_stop();
  EXPECT_EQ(client.ask("Z0,80000008,4"), "OK");
  EXPECT_EQ(client.ask("Z2,80000010,4"), "OK");
  client.close();
  EXPECT_EQ(end_stop().kind, ResumeAction::Detach);
  EXPECT_TRUE(target.breakpoints.empty());
  EXPECT_TRUE(target.watchpoints.empty());
  EXPECT_FALSE(server.connected());
}

TEST_F(GdbServerTest, NoAckModeStopsAcknowledgements) {
  begin_stop();
  EXPECT_EQ(client.ask("QStartNoAckMode"), "OK");
  client.no_ack = true;
  EXPECT_EQ(client.ask("qC"), "QC1");
  EXPECT_EQ(client.skipped, "");  // the server sent no '+' before its reply
  client.send_raw("$qC#00");      // corrupt: dropped, with no '-' and no reply
  EXPECT_EQ(client.ask("qAttached"), "1");
  EXPECT_EQ(client.skipped, "");
}

TEST_F(GdbServerTest, RejectsCorruptAndOversizedPackets) {
  begin_stop();
  client.send_raw("$qC#00");
  EXPECT_EQ(client.next_char(), '-');
  client.send_raw(std::string("$") + std::string(GdbServer::kMaxPacket + 100, 'a') + "#00");
  EXPECT_EQ(client.next_char(), '+');
  EXPECT_EQ(client.receive(), "E01");
  EXPECT_EQ(client.ask("qC"), "QC1");  // the stream is still in sync
  EXPECT_EQ(client.ask(""), "");
  EXPECT_EQ(client.ask("qUnknownThing"), "");
  EXPECT_EQ(client.ask("Z0,,"), "E01");
  EXPECT_EQ(client.ask("C"), "E01");
  EXPECT_EQ(client.ask("czz"), "E01");
}

}  // namespace
