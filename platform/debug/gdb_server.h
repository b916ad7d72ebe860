// GDB Remote Serial Protocol stub over TCP. Every core of the wafer is one GDB thread; the
// simulation is all-stop. The simulation thread drives the stub (it never runs a thread of its
// own): on_stop() serves GDB while the whole simulation is halted, poll_interrupt() watches for
// Ctrl-C while it runs, on_exit() reports the end of the firmware.
#pragma once
#include <cstddef>
#include <cstdint>
#include <optional>
#include <set>
#include <string>
#include <string_view>
#include <tuple>
#include <vector>

#include "platform/debug/debug_target.h"

namespace wvp {

// Whether `text` is an IPv4 address in dotted decimal, the only form the server binds to.
bool is_ipv4_address(const std::string& text);
// Binds and listens on `bind_address`:`port` and closes again, so that an address not on this host
// or a port taken is refused before the wafer is built; throws std::runtime_error saying why.
void check_listen(const std::string& bind_address, uint16_t port);

class GdbServer {
 public:
  struct Options {
    uint16_t port = 0;  // 0: let the OS pick a free port (see port())
    std::string bind_address = "127.0.0.1";
  };

  // Largest packet payload accepted from GDB (advertised as PacketSize) and sent to it.
  static constexpr size_t kMaxPacket = 0x4000;

  // Binds and listens at once; throws std::runtime_error saying why when it cannot.
  GdbServer(DebugTarget& target, Options options);
  ~GdbServer();
  GdbServer(const GdbServer&) = delete;
  GdbServer& operator=(const GdbServer&) = delete;

  uint16_t port() const { return port_; }
  bool connected() const { return client_fd_ >= 0; }

  // Blocks until GDB connects (returns at once if it already is). Throws std::runtime_error if
  // accept() fails. One GDB at a time; after it leaves, calling this again accepts the next one.
  void wait_for_client();

  // The simulation has halted. If GDB was waiting for the target to stop, reports the event;
  // then serves packets until GDB resumes, detaches or kills. Returns Detach at once when no GDB
  // is connected and when GDB goes away. An Exited event is handled as on_exit(exit_code).
  ResumeAction on_stop(const StopEvent& event);

  // While the simulation runs: true when GDB sent Ctrl-C. Non-blocking, one poll() call.
  bool poll_interrupt();

  // The firmware has ended: tells GDB the exit code and closes the connection. Harmless when
  // GDB has already gone away.
  void on_exit(int code);

  // The rv32 target description served as qXfer:features:read:target.xml.
  static std::string target_xml();

 private:
  enum class Ack { Positive, Negative, Lost };

  // Connection and framing.
  void reset_session();
  bool receive_more();
  bool write_all(std::string_view bytes);
  bool acknowledge(bool ok);
  Ack wait_for_ack();
  bool send_packet(std::string_view payload);
  std::optional<std::string> read_packet();
  void close_gracefully();
  void disconnect();

  // Packets. Handlers returning std::string produce the reply; the others send their own.
  std::optional<ResumeAction> dispatch(std::string_view packet);
  std::optional<ResumeAction> resume_legacy(char command, std::string_view args);
  std::optional<ResumeAction> resume_vcont(std::string_view actions);
  std::optional<ResumeAction> handle_v(std::string_view packet);
  std::string handle_simple(char command, std::string_view args);
  std::string query(std::string_view args);
  std::string supported(std::string_view gdb_features);
  std::string read_features(std::string_view args) const;
  std::string thread_list_chunk();
  std::string thread_extra_info(std::string_view args) const;
  std::string thread_alive(std::string_view args) const;
  std::string set_thread(std::string_view args);
  std::string read_all_registers() const;
  std::string write_all_registers(std::string_view args);
  std::string read_one_register(std::string_view args) const;
  std::string write_one_register(std::string_view args);
  std::string read_memory(std::string_view args);
  std::string write_memory(std::string_view args, bool binary);
  std::string change_breakpoint(std::string_view args, bool insert);
  bool change_code_breakpoint(bool hardware, uint32_t addr, bool insert);
  bool change_watchpoint(WatchKind kind, uint32_t addr, uint32_t len, bool insert);
  std::string stop_reply(const StopEvent& event) const;
  std::string breakpoint_reason(int thread) const;

  // Target access by GDB register number, for the current g-thread.
  bool read_register(uint32_t regnum, uint32_t& value) const;
  bool write_register(uint32_t regnum, uint32_t value);
  const DebugThread* find_thread(int id) const;

  DebugTarget& target_;
  int listen_fd_ = -1;
  int client_fd_ = -1;
  uint16_t port_ = 0;

  // Per connection.
  std::string rx_;              // bytes received and not consumed yet
  bool no_ack_ = false;         // after QStartNoAckMode
  bool resume_pending_ = false; // GDB resumed the target and waits for a stop reply
  bool gdb_swbreak_ = false;    // GDB understands the swbreak/hwbreak stop reasons
  bool gdb_hwbreak_ = false;
  int g_thread_ = 1;            // thread for registers and memory (Hg; the stopped thread after a stop)
  int c_thread_ = -1;           // thread for the legacy s packet (Hc; -1 and 0: the g-thread)
  StopEvent last_stop_;
  std::vector<DebugThread> threads_;  // snapshot taken at each stop
  size_t thread_list_pos_ = 0;        // qfThreadInfo/qsThreadInfo progress

  // What GDB inserted, so it can be removed if GDB vanishes without removing it.
  std::set<uint32_t> sw_breakpoints_;
  std::set<uint32_t> hw_breakpoints_;
  std::set<std::tuple<WatchKind, uint32_t, uint32_t>> watchpoints_;
};

}  // namespace wvp
