#include "platform/debug/gdb_server.h"

#include <arpa/inet.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <poll.h>
#include <sys/socket.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <charconv>
#include <chrono>
#include <cstring>
#include <stdexcept>

#include "platform/support/quoted.h"
#include "tlm/log.h"

namespace wvp {
namespace {

// GDB's RISC-V register numbering (gdb/features/riscv/32bit-{cpu,fpu,csr}.xml): p/P use it.
constexpr uint32_t kPcRegnum = 32;
constexpr uint32_t kFirstFprRegnum = 33;
constexpr uint32_t kFirstCsrRegnum = 65;  // CSR n is register 65 + n
constexpr uint32_t kRegnumLimit = kFirstCsrRegnum + 4096;
constexpr uint32_t kGPacketRegs = 33;     // 'g'/'G' carry x0..x31 and pc; GDB uses p/P for the rest
constexpr int kMaxRetransmits = 8;

struct RegName {
  const char* name;
  const char* type;
};

constexpr RegName kGprs[32] = {
    {"zero", "int"}, {"ra", "code_ptr"}, {"sp", "data_ptr"}, {"gp", "data_ptr"}, {"tp", "data_ptr"},
    {"t0", "int"},   {"t1", "int"},      {"t2", "int"},      {"fp", "data_ptr"}, {"s1", "int"},
    {"a0", "int"},   {"a1", "int"},      {"a2", "int"},      {"a3", "int"},      {"a4", "int"},
    {"a5", "int"},   {"a6", "int"},      {"a7", "int"},      {"s2", "int"},      {"s3", "int"},
    {"s4", "int"},   {"s5", "int"},      {"s6", "int"},      {"s7", "int"},      {"s8", "int"},
    {"s9", "int"},   {"s10", "int"},     {"s11", "int"},     {"t3", "int"},      {"t4", "int"},
    {"t5", "int"},   {"t6", "int"},
};

constexpr const char* kFprs[32] = {
    "ft0", "ft1", "ft2",  "ft3",  "ft4", "ft5", "ft6", "ft7", "fs0", "fs1", "fa0",
    "fa1", "fa2", "fa3",  "fa4",  "fa5", "fa6", "fa7", "fs2", "fs3", "fs4", "fs5",
    "fs6", "fs7", "fs8",  "fs9",  "fs10", "fs11", "ft8", "ft9", "ft10", "ft11",
};

struct Csr {
  const char* name;
  uint32_t number;
};

// The floating-point CSRs; GDB expects them in the fpu feature.
constexpr Csr kFpCsrs[] = {{"fflags", 0x001}, {"frm", 0x002}, {"fcsr", 0x003}};

// Machine-mode CSRs worth seeing while debugging bare-metal firmware. A core that lacks one
// reads it as unavailable.
constexpr Csr kMachineCsrs[] = {
    {"mvendorid", 0xF11}, {"marchid", 0xF12}, {"mimpid", 0xF13},  {"mhartid", 0xF14},
    {"mstatus", 0x300},   {"misa", 0x301},    {"mie", 0x304},     {"mtvec", 0x305},
    {"mscratch", 0x340},  {"mepc", 0x341},    {"mcause", 0x342},  {"mtval", 0x343},
    {"mip", 0x344},       {"mcycle", 0xB00},  {"minstret", 0xB02}, {"mcycleh", 0xB80},
    {"minstreth", 0xB82},
};

constexpr char kHexDigits[] = "0123456789abcdef";

bool starts_with(std::string_view s, std::string_view prefix) { return s.substr(0, prefix.size()) == prefix; }

std::string to_hex(uint32_t value) {
  char buf[8];
  auto [end, ec] = std::to_chars(buf, buf + sizeof buf, value, 16);
  return std::string(buf, end);
}

std::string hex2(uint32_t byte) { return {kHexDigits[(byte >> 4) & 15], kHexDigits[byte & 15]}; }

std::string hex_encode(const uint8_t* data, size_t len) {
  std::string out;
  out.reserve(2 * len);
  for (size_t i = 0; i < len; ++i) out += hex2(data[i]);
  return out;
}

// Register values travel as their bytes in target (little-endian) order.
std::string reg_hex(uint32_t value) {
  std::string out;
  for (int i = 0; i < 4; ++i) out += hex2(value >> (8 * i));
  return out;
}

int hex_value(char c) {
  if (c >= '0' && c <= '9') return c - '0';
  if (c >= 'a' && c <= 'f') return c - 'a' + 10;
  if (c >= 'A' && c <= 'F') return c - 'A' + 10;
  return -1;
}

bool hex_decode(std::string_view hex, std::vector<uint8_t>& out) {
  if (hex.size() % 2) return false;
  out.clear();
  for (size_t i = 0; i < hex.size(); i += 2) {
    const int hi = hex_value(hex[i]), lo = hex_value(hex[i + 1]);
    if (hi < 0 || lo < 0) return false;
    out.push_back(static_cast<uint8_t>(hi << 4 | lo));
  }
  return true;
}

// A whole string of hex digits that fits 32 bits.
std::optional<uint32_t> parse_hex(std::string_view s) {
  uint32_t value = 0;
  auto [end, ec] = std::from_chars(s.data(), s.data() + s.size(), value, 16);
  if (s.empty() || ec != std::errc() || end != s.data() + s.size()) return std::nullopt;
  return value;
}

std::optional<uint32_t> parse_reg_hex(std::string_view s) {
  std::vector<uint8_t> bytes;
  if (s.size() != 8 || !hex_decode(s, bytes)) return std::nullopt;
  return uint32_t{bytes[0]} | uint32_t{bytes[1]} << 8 | uint32_t{bytes[2]} << 16 | uint32_t{bytes[3]} << 24;
}

// Thread ids: hex, or -1 for "all threads" (0, "any thread", parses as 0).
std::optional<int> parse_thread_id(std::string_view s) {
  if (s == "-1") return -1;
  auto id = parse_hex(s);
  if (!id || *id > 0x7fffffff) return std::nullopt;
  return static_cast<int>(*id);
}

struct MemRange {
  uint32_t addr, len;
};

// "addr,len" within the 32-bit address space.
std::optional<MemRange> parse_mem_range(std::string_view s) {
  const size_t comma = s.find(',');
  if (comma == std::string_view::npos) return std::nullopt;
  auto addr = parse_hex(s.substr(0, comma));
  auto len = parse_hex(s.substr(comma + 1));
  if (!addr || !len || uint64_t{*addr} + *len > 0x1'0000'0000) return std::nullopt;
  return MemRange{*addr, *len};
}

uint8_t checksum(std::string_view payload) {
  uint8_t sum = 0;
  for (char c : payload) sum = static_cast<uint8_t>(sum + static_cast<uint8_t>(c));
  return sum;
}

bool needs_escape(char c) { return c == '}' || c == '#' || c == '$' || c == '*'; }

// Binary data in packets: '}' then the byte XOR 0x20 for bytes that would break the framing.
std::string escape_binary(std::string_view data) {
  std::string out;
  for (char c : data) {
    if (needs_escape(c)) {
      out += '}';
      c = static_cast<char>(c ^ 0x20);
    }
    out += c;
  }
  return out;
}

bool unescape_binary(std::string_view data, std::vector<uint8_t>& out) {
  out.clear();
  for (size_t i = 0; i < data.size(); ++i) {
    uint8_t byte = static_cast<uint8_t>(data[i]);
    if (byte == '}') {
      if (++i == data.size()) return false;
      byte = static_cast<uint8_t>(data[i] ^ 0x20);
    }
    out.push_back(byte);
  }
  return true;
}

std::string system_error(const std::string& what) { return "gdb server: " + what + ": " + std::strerror(errno); }

}  // namespace

// ---------------------------------------------------------------------------------------------
// Connection

namespace {

// A socket listening on `bind_address`:`port`, its port in `bound` (the OS's pick for port 0).
int open_listener(const std::string& bind_address, uint16_t port, uint16_t& bound) {
  sockaddr_in addr{};
  addr.sin_family = AF_INET;
  addr.sin_port = htons(port);
  if (inet_pton(AF_INET, bind_address.c_str(), &addr.sin_addr) != 1)
    throw std::runtime_error("gdb server: bind address " + wvp::quoted(bind_address) + " is not an IPv4 address");
  const int fd = ::socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
  if (fd < 0) throw std::runtime_error(system_error("socket"));
  // Restarting the simulator right after a session must not fail on the old connection's TIME_WAIT.
  const int one = 1;
  ::setsockopt(fd, SOL_SOCKET, SO_REUSEADDR, &one, sizeof one);
  const std::string where = bind_address + ":" + std::to_string(port);
  socklen_t len = sizeof addr;
  if (::bind(fd, reinterpret_cast<sockaddr*>(&addr), sizeof addr) != 0 || ::listen(fd, 1) != 0 ||
      ::getsockname(fd, reinterpret_cast<sockaddr*>(&addr), &len) != 0) {
    const std::string message = system_error("cannot listen on " + where);
    ::close(fd);
    throw std::runtime_error(message);
  }
  bound = ntohs(addr.sin_port);
  return fd;
}

}  // namespace

bool is_ipv4_address(const std::string& text) {
  in_addr addr;
  return inet_pton(AF_INET, text.c_str(), &addr) == 1;
}

void check_listen(const std::string& bind_address, uint16_t port) {
  uint16_t bound;
  ::close(open_listener(bind_address, port, bound));
}

GdbServer::GdbServer(DebugTarget& target, Options options) : target_(target) {
  listen_fd_ = open_listener(options.bind_address, options.port, port_);
}

// Only closes the sockets: the target may already be gone, so nothing is removed from it.
GdbServer::~GdbServer() {
  if (client_fd_ >= 0) ::close(client_fd_);
  ::close(listen_fd_);
}

void GdbServer::wait_for_client() {
  if (connected()) return;
  int fd;
  do fd = ::accept4(listen_fd_, nullptr, nullptr, SOCK_CLOEXEC);
  while (fd < 0 && errno == EINTR);
  if (fd < 0) throw std::runtime_error(system_error("accept"));
  // Packets are small and strictly request/reply: Nagle's algorithm would only add latency.
  const int one = 1;
  ::setsockopt(fd, IPPROTO_TCP, TCP_NODELAY, &one, sizeof one);
  client_fd_ = fd;
  reset_session();
  WVP_LOG_UNSTAMPED(Gdb, Info, "a debugger connected");
}

void GdbServer::reset_session() {
  rx_.clear();
  no_ack_ = false;
  resume_pending_ = false;
  gdb_swbreak_ = gdb_hwbreak_ = false;
  c_thread_ = -1;
}

bool GdbServer::receive_more() {
  char buf[4096];
  for (;;) {
    const ssize_t n = ::recv(client_fd_, buf, sizeof buf, 0);
    if (n > 0) {
      rx_.append(buf, static_cast<size_t>(n));
      return true;
    }
    if (n < 0 && errno == EINTR) continue;
    disconnect();
    return false;
  }
}

bool GdbServer::write_all(std::string_view bytes) {
  while (!bytes.empty()) {
    // MSG_NOSIGNAL: a GDB that went away must not kill the simulator with SIGPIPE.
    const ssize_t n = ::send(client_fd_, bytes.data(), bytes.size(), MSG_NOSIGNAL);
    if (n < 0 && errno == EINTR) continue;
    if (n <= 0) {
      disconnect();
      return false;
    }
    bytes.remove_prefix(static_cast<size_t>(n));
  }
  return true;
}

bool GdbServer::acknowledge(bool ok) { return no_ack_ || write_all(ok ? "+" : "-"); }

GdbServer::Ack GdbServer::wait_for_ack() {
  for (;;) {
    if (rx_.empty() && !receive_more()) return Ack::Lost;
    const char c = rx_[0];
    if (c == '$') return Ack::Positive;  // GDB moved on to its next packet: it got ours
    rx_.erase(0, 1);
    if (c == '+') return Ack::Positive;
    if (c == '-') return Ack::Negative;
  }
}

bool GdbServer::send_packet(std::string_view payload) {
  std::string frame = "$";
  frame += payload;
  frame += '#';
  frame += hex2(checksum(payload));
  for (int attempt = 0; attempt < kMaxRetransmits; ++attempt) {
    if (!write_all(frame)) return false;
    if (no_ack_) return true;
    switch (wait_for_ack()) {
      case Ack::Positive: return true;
      case Ack::Lost: return false;
      case Ack::Negative: break;
    }
  }
  disconnect();  // GDB keeps rejecting what we send: the link is unusable
  return false;
}

// Returns the next packet's payload, or nullopt when GDB has gone away.
std::optional<std::string> GdbServer::read_packet() {
  bool oversized = false;  // discarding the rest of a packet longer than kMaxPacket
  while (connected()) {
    // Bytes outside packets are acks nobody waits for, or a Ctrl-C that raced a stop.
    if (!oversized) rx_.erase(0, std::min(rx_.find('$'), rx_.size()));
    const size_t hash = rx_.find('#');
    if (hash != std::string::npos && hash + 3 <= rx_.size()) {
      const std::string frame = rx_.substr(0, hash + 3);
      rx_.erase(0, hash + 3);
      if (oversized || hash > kMaxPacket + 1) {
        oversized = false;
        if (!acknowledge(true) || !send_packet("E01")) return std::nullopt;
        continue;
      }
      const std::string_view payload = std::string_view(frame).substr(1, hash - 1);
      const auto sum = parse_hex(std::string_view(frame).substr(hash + 1));
      if (sum && *sum == checksum(payload)) {
        if (!acknowledge(true)) return std::nullopt;
        return std::string(payload);
      }
      // A corrupt packet: ask for it again. Without acks there is nobody to ask, so drop it.
      if (!acknowledge(false)) return std::nullopt;
      continue;
    }
    if (hash == std::string::npos && rx_.size() > kMaxPacket + 1) {
      oversized = true;
      rx_.clear();
    }
    if (!receive_more()) return std::nullopt;
  }
  return std::nullopt;
}

// Closing with unread input makes the kernel reset the connection, which can destroy our last
// packet before GDB reads it. So half-close and let GDB hang up first; bounded, GDB may be stuck.
void GdbServer::close_gracefully() {
  ::shutdown(client_fd_, SHUT_WR);
  const auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(1);
  for (;;) {
    const auto left =
        std::chrono::duration_cast<std::chrono::milliseconds>(deadline - std::chrono::steady_clock::now()).count();
    pollfd pfd{client_fd_, POLLIN, 0};
    char buf[256];
    if (left <= 0 || ::poll(&pfd, 1, static_cast<int>(left)) <= 0 || ::recv(client_fd_, buf, sizeof buf, 0) <= 0) break;
  }
  disconnect();
}

// Breakpoints GDB left behind would stop a simulation nobody debugs any more: remove them.
void GdbServer::disconnect() {
  if (client_fd_ < 0) return;
  ::close(client_fd_);
  client_fd_ = -1;
  for (uint32_t addr : sw_breakpoints_) target_.remove_breakpoint(addr);
  for (uint32_t addr : hw_breakpoints_)
    if (!sw_breakpoints_.count(addr)) target_.remove_breakpoint(addr);
  for (const auto& [kind, addr, len] : watchpoints_) target_.remove_watchpoint(kind, addr, len);
  sw_breakpoints_.clear();
  hw_breakpoints_.clear();
  watchpoints_.clear();
  reset_session();
}

// ---------------------------------------------------------------------------------------------
// Driving from the simulation

ResumeAction GdbServer::on_stop(const StopEvent& event) {
  if (event.kind == StopKind::Exited) {
    on_exit(event.exit_code);
    return {ResumeAction::Detach};
  }
  if (!connected()) return {ResumeAction::Detach};
  threads_ = target_.threads();
  last_stop_ = event;
  g_thread_ = event.thread;
  if (resume_pending_) {
    resume_pending_ = false;
    if (!send_packet(stop_reply(event))) return {ResumeAction::Detach};
  }
  for (;;) {
    const auto packet = read_packet();
    if (!packet) return {ResumeAction::Detach};
    if (const auto action = dispatch(*packet)) {
      resume_pending_ = action->kind == ResumeAction::Continue || action->kind == ResumeAction::Step;
      return *action;
    }
  }
}

bool GdbServer::poll_interrupt() {
  if (!connected()) return false;
  pollfd pfd{client_fd_, POLLIN, 0};
  if (::poll(&pfd, 1, 0) <= 0 || !receive_more()) return false;
  // While the target runs, GDB sends nothing but Ctrl-C (0x03), so the rest can go.
  const bool interrupted = rx_.find('\x03') != std::string::npos;
  rx_.clear();
  return interrupted;
}

void GdbServer::on_exit(int code) {
  if (!connected()) return;
  StopEvent exited;
  exited.kind = StopKind::Exited;
  exited.exit_code = code;
  if (send_packet(stop_reply(exited))) close_gracefully();
}

// ---------------------------------------------------------------------------------------------
// Packets

std::optional<ResumeAction> GdbServer::dispatch(std::string_view packet) {
  if (packet.empty()) {
    send_packet("");
    return std::nullopt;
  }
  const char command = packet[0];
  const std::string_view args = packet.substr(1);
  switch (command) {
    case 'c':
    case 'C':
    case 's':
    case 'S':
      return resume_legacy(command, args);
    case 'v':
      return handle_v(packet);
    case 'D':
      if (send_packet("OK")) close_gracefully();
      return ResumeAction{ResumeAction::Detach};
    case 'k':  // no reply: GDB hangs up right after
      close_gracefully();
      return ResumeAction{ResumeAction::Kill};
    default:
      if (packet == "QStartNoAckMode") {
        // This very reply is still acknowledged; only what follows is not.
        if (send_packet("OK")) no_ack_ = true;
        return std::nullopt;
      }
      send_packet(handle_simple(command, args));
      return std::nullopt;
  }
}

// c [addr], C sig[;addr], s [addr], S sig[;addr]. Firmware has no signals, so sig is dropped.
std::optional<ResumeAction> GdbServer::resume_legacy(char command, std::string_view args) {
  if (command == 'C' || command == 'S') {
    const size_t semi = args.find(';');
    if (!parse_hex(args.substr(0, semi))) {
      send_packet("E01");
      return std::nullopt;
    }
    args = semi == std::string_view::npos ? std::string_view() : args.substr(semi + 1);
  }
  const bool step = command == 's' || command == 'S';
  const int thread = step && c_thread_ > 0 ? c_thread_ : g_thread_;
  if (!args.empty()) {
    const auto addr = parse_hex(args);
    if (!addr || !target_.write_pc(thread, *addr)) {
      send_packet("E01");
      return std::nullopt;
    }
  }
  if (step) return ResumeAction{ResumeAction::Step, thread};
  return ResumeAction{ResumeAction::Continue, 0};
}

// ";action[:thread]..." with actions c, Cxx, s, Sxx. GDB steps one core with "vCont;s:2;c";
// the platform keeps the other cores halted during a step, and any continue resumes them all.
std::optional<ResumeAction> GdbServer::resume_vcont(std::string_view actions) {
  std::optional<ResumeAction> result;
  bool malformed = actions.empty();
  while (!actions.empty() && !malformed) {
    if (actions[0] != ';') break;
    actions.remove_prefix(1);
    const size_t end = actions.find(';');
    const std::string_view item = actions.substr(0, end);
    actions = end == std::string_view::npos ? std::string_view() : actions.substr(end);

    const size_t colon = item.find(':');
    const std::string_view verb = item.substr(0, colon);
    int thread = g_thread_;
    if (colon != std::string_view::npos) {
      const auto id = parse_thread_id(item.substr(colon + 1));
      malformed = !id || (*id > 0 && !find_thread(*id));
      if (!malformed && *id > 0) thread = *id;
    }
    const bool with_signal = verb.size() == 3 && parse_hex(verb.substr(1)).has_value();
    if (verb.empty()) {
      malformed = true;
    } else if (verb == "s" || (verb[0] == 'S' && with_signal)) {
      if (!result || result->kind != ResumeAction::Step) result = ResumeAction{ResumeAction::Step, thread};
    } else if (verb == "c" || (verb[0] == 'C' && with_signal)) {
      if (!result) result = ResumeAction{ResumeAction::Continue, 0};
    } else {
      malformed = true;
    }
  }
  if (malformed || !actions.empty() || !result) {
    send_packet("E01");
    return std::nullopt;
  }
  return result;
}

std::optional<ResumeAction> GdbServer::handle_v(std::string_view packet) {
  if (packet == "vCont?") {
    send_packet("vCont;c;C;s;S");
  } else if (starts_with(packet, "vCont;")) {
    return resume_vcont(packet.substr(5));
  } else if (starts_with(packet, "vKill")) {
    if (send_packet("OK")) close_gracefully();
    return ResumeAction{ResumeAction::Kill};
  } else {
    send_packet("");  // unsupported; vMustReplyEmpty exists to check exactly this
  }
  return std::nullopt;
}

std::string GdbServer::handle_simple(char command, std::string_view args) {
  switch (command) {
    case '?': return stop_reply(last_stop_);
    case 'g': return read_all_registers();
    case 'G': return write_all_registers(args);
    case 'p': return read_one_register(args);
    case 'P': return write_one_register(args);
    case 'm': return read_memory(args);
    case 'M': return write_memory(args, false);
    case 'X': return write_memory(args, true);
    case 'Z': return change_breakpoint(args, true);
    case 'z': return change_breakpoint(args, false);
    case 'H': return set_thread(args);
    case 'T': return thread_alive(args);
    case 'q': return query(args);
    default: return "";  // unknown packets get the empty reply
  }
}

std::string GdbServer::query(std::string_view args) {
  if (starts_with(args, "Supported")) return supported(args);
  if (starts_with(args, "Xfer:features:read:")) return read_features(args.substr(19));
  if (args == "fThreadInfo") {
    thread_list_pos_ = 0;
    return thread_list_chunk();
  }
  if (args == "sThreadInfo") return thread_list_chunk();
  if (args == "C") return "QC" + to_hex(static_cast<uint32_t>(g_thread_));
  if (args == "Attached" || starts_with(args, "Attached:")) return "1";  // stopping GDB must not kill the wafer
  if (starts_with(args, "ThreadExtraInfo,")) return thread_extra_info(args.substr(16));
  return "";
}

std::string GdbServer::supported(std::string_view gdb_features) {
  // GDB lists its own features after "Supported:"; the stop reasons may only be sent if it knows them.
  gdb_swbreak_ = gdb_features.find("swbreak+") != std::string_view::npos;
  gdb_hwbreak_ = gdb_features.find("hwbreak+") != std::string_view::npos;
  return "PacketSize=" + to_hex(static_cast<uint32_t>(kMaxPacket)) +
         ";qXfer:features:read+;swbreak+;hwbreak+;QStartNoAckMode+;vContSupported+";
}

// "target.xml:offset,length"
std::string GdbServer::read_features(std::string_view args) const {
  const size_t colon = args.find(':');
  if (colon == std::string_view::npos || args.substr(0, colon) != "target.xml") return "E00";
  const auto range = parse_mem_range(args.substr(colon + 1));
  if (!range) return "E00";
  const std::string xml = target_xml();
  if (range->addr >= xml.size()) return "l";
  // Escaping can double every byte; half a packet always fits.
  const size_t len = std::min<size_t>(range->len, kMaxPacket / 2 - 1);
  const std::string_view chunk = std::string_view(xml).substr(range->addr, len);
  std::string reply(1, range->addr + chunk.size() >= xml.size() ? 'l' : 'm');  // see stop_reply on GCC's -Wrestrict
  return reply += escape_binary(chunk);
}

// A wafer has thousands of cores: more than one packet holds, so GDB pages with qsThreadInfo.
std::string GdbServer::thread_list_chunk() {
  if (thread_list_pos_ >= threads_.size()) return "l";
  std::string out = "m";
  while (thread_list_pos_ < threads_.size() && out.size() + 9 < kMaxPacket) {
    if (out.size() > 1) out += ',';
    out += to_hex(static_cast<uint32_t>(threads_[thread_list_pos_++].id));
  }
  return out;
}

// Shown by "info threads" next to each thread: which tile the core is on.
std::string GdbServer::thread_extra_info(std::string_view args) const {
  const auto id = parse_thread_id(args);
  const DebugThread* thread = id ? find_thread(*id) : nullptr;
  if (!thread) return "E01";
  const std::string text = "PE (" + std::to_string(thread->x) + "," + std::to_string(thread->y) + ")";
  return hex_encode(reinterpret_cast<const uint8_t*>(text.data()), text.size());
}

std::string GdbServer::thread_alive(std::string_view args) const {
  const auto id = parse_thread_id(args);
  return id && find_thread(*id) ? "OK" : "E01";
}

// Hg<id> selects the thread for registers and memory, Hc<id> the one the legacy s packet steps.
// Id 0 ("any") and -1 ("all") keep the current g-thread.
std::string GdbServer::set_thread(std::string_view args) {
  const auto id = args.empty() ? std::nullopt : parse_thread_id(args.substr(1));
  if (!id || (*id > 0 && !find_thread(*id))) return "E01";
  if (args[0] == 'g') {
    if (*id > 0) g_thread_ = *id;
  } else if (args[0] == 'c') {
    c_thread_ = *id;
  } else {
    return "E01";
  }
  return "OK";
}

std::string GdbServer::read_all_registers() const {
  std::string out;
  for (uint32_t regnum = 0; regnum < kGPacketRegs; ++regnum) {
    uint32_t value;
    out += read_register(regnum, value) ? reg_hex(value) : "xxxxxxxx";
  }
  return out;
}

std::string GdbServer::write_all_registers(std::string_view args) {
  if (args.size() != kGPacketRegs * 8) return "E01";
  for (uint32_t regnum = 0; regnum < kGPacketRegs; ++regnum) {
    const auto value = parse_reg_hex(args.substr(regnum * 8, 8));
    if (!value || !write_register(regnum, *value)) return "E01";
  }
  return "OK";
}

std::string GdbServer::read_one_register(std::string_view args) const {
  const auto regnum = parse_hex(args);
  if (!regnum || *regnum >= kRegnumLimit) return "E01";
  uint32_t value;
  // "xxxxxxxx": the register exists but has no value (a CSR this core lacks). An error here
  // would make GDB abort "info all-registers".
  return read_register(*regnum, value) ? reg_hex(value) : "xxxxxxxx";
}

// "n=value"
std::string GdbServer::write_one_register(std::string_view args) {
  const size_t eq = args.find('=');
  const auto regnum = parse_hex(args.substr(0, eq));
  if (eq == std::string_view::npos || !regnum || *regnum >= kRegnumLimit) return "E01";
  const auto value = parse_reg_hex(args.substr(eq + 1));
  return value && write_register(*regnum, *value) ? "OK" : "E01";
}

std::string GdbServer::read_memory(std::string_view args) {
  const auto range = parse_mem_range(args);
  if (!range) return "E01";
  // GDB sizes its requests from PacketSize; should one be larger, a short read is allowed.
  std::vector<uint8_t> bytes(std::min<size_t>(range->len, kMaxPacket / 2));
  if (!target_.read_mem(g_thread_, range->addr, static_cast<uint32_t>(bytes.size()), bytes.data())) return "E01";
  return hex_encode(bytes.data(), bytes.size());
}

// M addr,len:hex and X addr,len:binary
std::string GdbServer::write_memory(std::string_view args, bool binary) {
  const size_t colon = args.find(':');
  if (colon == std::string_view::npos) return "E01";
  const auto range = parse_mem_range(args.substr(0, colon));
  std::vector<uint8_t> data;
  const std::string_view encoded = args.substr(colon + 1);
  const bool decoded = binary ? unescape_binary(encoded, data) : hex_decode(encoded, data);
  if (!range || !decoded || data.size() != range->len) return "E01";
  // GDB probes for X support with an empty write, which must succeed without touching the target.
  if (data.empty()) return "OK";
  return target_.write_mem(g_thread_, range->addr, range->len, data.data()) ? "OK" : "E01";
}

// "type,addr,kind": type 0 software and 1 hardware breakpoint (kind: instruction size),
// 2 write, 3 read and 4 access watchpoint (kind: length in bytes).
std::string GdbServer::change_breakpoint(std::string_view args, bool insert) {
  const auto range = args.size() > 2 && args[1] == ',' ? parse_mem_range(args.substr(2)) : std::nullopt;
  if (!range) return "E01";
  bool ok;
  switch (args[0]) {
    case '0': ok = change_code_breakpoint(false, range->addr, insert); break;
    case '1': ok = change_code_breakpoint(true, range->addr, insert); break;
    case '2': ok = change_watchpoint(WatchKind::Write, range->addr, range->len, insert); break;
    case '3': ok = change_watchpoint(WatchKind::Read, range->addr, range->len, insert); break;
    case '4': ok = change_watchpoint(WatchKind::Access, range->addr, range->len, insert); break;
    default: return "";  // a type we do not know: unsupported, not an error
  }
  return ok ? "OK" : "E01";
}

// The target has one kind of breakpoint, so a Z0 and a Z1 at one address share it; both are
// tracked to report hwbreak vs swbreak and to clean up after GDB.
bool GdbServer::change_code_breakpoint(bool hardware, uint32_t addr, bool insert) {
  std::set<uint32_t>& mine = hardware ? hw_breakpoints_ : sw_breakpoints_;
  const std::set<uint32_t>& other = hardware ? sw_breakpoints_ : hw_breakpoints_;
  const bool in_target = mine.count(addr) || other.count(addr);
  if (insert) {
    if (!in_target && !target_.add_breakpoint(addr)) return false;
    mine.insert(addr);
  } else {
    if (!other.count(addr) && !target_.remove_breakpoint(addr)) return false;
    mine.erase(addr);
  }
  return true;
}

bool GdbServer::change_watchpoint(WatchKind kind, uint32_t addr, uint32_t len, bool insert) {
  if (insert) {
    if (!target_.add_watchpoint(kind, addr, len)) return false;
    watchpoints_.insert({kind, addr, len});
  } else {
    if (!target_.remove_watchpoint(kind, addr, len)) return false;
    watchpoints_.erase({kind, addr, len});
  }
  return true;
}

std::string GdbServer::stop_reply(const StopEvent& event) const {
  // Appended piece by piece: GCC 12 warns (-Wrestrict, wrongly) on "literal" + std::string here.
  std::string reply(1, event.kind == StopKind::Exited ? 'W' : 'T');
  if (event.kind == StopKind::Exited) return reply += hex2(static_cast<uint32_t>(event.exit_code));
  reply += hex2(static_cast<uint32_t>(event.signal));
  reply += "thread:";
  reply += to_hex(static_cast<uint32_t>(event.thread));
  reply += ';';
  if (event.kind == StopKind::Breakpoint) reply += breakpoint_reason(event.thread);
  if (event.kind == StopKind::Watchpoint) {
    const char* name = event.watch == WatchKind::Write ? "watch" : event.watch == WatchKind::Read ? "rwatch" : "awatch";
    reply += std::string(name) + ":" + to_hex(event.data_addr) + ";";
  }
  return reply;
}

std::string GdbServer::breakpoint_reason(int thread) const {
  uint32_t pc;
  const bool hardware = target_.read_pc(thread, pc) && hw_breakpoints_.count(pc) && !sw_breakpoints_.count(pc);
  if (hardware) return gdb_hwbreak_ ? "hwbreak:;" : "";
  return gdb_swbreak_ ? "swbreak:;" : "";
}

// ---------------------------------------------------------------------------------------------
// Registers and threads

bool GdbServer::read_register(uint32_t regnum, uint32_t& value) const {
  if (regnum < kPcRegnum) return target_.read_gpr(g_thread_, static_cast<int>(regnum), value);
  if (regnum == kPcRegnum) return target_.read_pc(g_thread_, value);
  if (regnum < kFirstCsrRegnum) return target_.read_fpr(g_thread_, static_cast<int>(regnum - kFirstFprRegnum), value);
  return target_.read_csr(g_thread_, regnum - kFirstCsrRegnum, value);
}

bool GdbServer::write_register(uint32_t regnum, uint32_t value) {
  if (regnum < kPcRegnum) return target_.write_gpr(g_thread_, static_cast<int>(regnum), value);
  if (regnum == kPcRegnum) return target_.write_pc(g_thread_, value);
  if (regnum < kFirstCsrRegnum) return target_.write_fpr(g_thread_, static_cast<int>(regnum - kFirstFprRegnum), value);
  return target_.write_csr(g_thread_, regnum - kFirstCsrRegnum, value);
}

const DebugThread* GdbServer::find_thread(int id) const {
  const auto it = std::find_if(threads_.begin(), threads_.end(), [id](const DebugThread& t) { return t.id == id; });
  return it == threads_.end() ? nullptr : &*it;
}

// Register numbers are explicit on every register: the CSRs are sparse (65 + CSR number) and
// p/P use these numbers.
std::string GdbServer::target_xml() {
  std::string xml =
      "<?xml version=\"1.0\"?>\n"
      "<!DOCTYPE target SYSTEM \"gdb-target.dtd\">\n"
      "<target version=\"1.0\">\n"
      "  <architecture>riscv:rv32</architecture>\n"
      // Bare metal. Without this, a GDB built for Linux assumes GNU/Linux for an ELF with no OS
      // ABI and then single-steps in software: a temporary breakpoint and a continue, which here
      // resumes every core instead of stepping one.
      "  <osabi>none</osabi>\n";
  const auto reg = [&xml](std::string_view name, uint32_t regnum, std::string_view type) {
    xml += "    <reg name=\"";
    xml += name;
    xml += "\" bitsize=\"32\" type=\"";
    xml += type;
    xml += "\" regnum=\"" + std::to_string(regnum) + "\"/>\n";
  };
  xml += "  <feature name=\"org.gnu.gdb.riscv.cpu\">\n";
  for (uint32_t i = 0; i < 32; ++i) reg(kGprs[i].name, i, kGprs[i].type);
  reg("pc", kPcRegnum, "code_ptr");
  xml += "  </feature>\n  <feature name=\"org.gnu.gdb.riscv.fpu\">\n";
  for (uint32_t i = 0; i < 32; ++i) reg(kFprs[i], kFirstFprRegnum + i, "ieee_single");
  for (const Csr& csr : kFpCsrs) reg(csr.name, kFirstCsrRegnum + csr.number, "int");
  xml += "  </feature>\n  <feature name=\"org.gnu.gdb.riscv.csr\">\n";
  for (const Csr& csr : kMachineCsrs) reg(csr.name, kFirstCsrRegnum + csr.number, "int");
  xml += "  </feature>\n</target>\n";
  return xml;
}

}  // namespace wvp
