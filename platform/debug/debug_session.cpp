#include "platform/debug/debug_session.h"

#include <algorithm>
#include <csignal>
#include <cstdio>

#include "platform/support/quoted.h"

namespace wvp {

void parse_core_window(const std::string& text, GdbOptions& gdb) {
  unsigned x0, y0, w, h;
  char tail;
  if (std::sscanf(text.c_str(), "%u,%u:%ux%u%c", &x0, &y0, &w, &h, &tail) != 4 || w == 0 || h == 0)
    throw ConfigError("--gdb-cores: expected X0,Y0:WxH (e.g. 0,0:4x4), got " + wvp::quoted(text));
  gdb.x0 = x0, gdb.y0 = y0, gdb.width = w, gdb.height = h;
}

void check_core_window(const GdbOptions& gdb, uint32_t width, uint32_t height) {
  const uint32_t w = gdb.width ? gdb.width : width;
  const uint32_t h = gdb.height ? gdb.height : height;
  if (uint64_t{gdb.x0} + w > width || uint64_t{gdb.y0} + h > height)
    throw ConfigError("--gdb-cores: window " + std::to_string(gdb.x0) + "," + std::to_string(gdb.y0) + ":" + std::to_string(w) +
                      "x" + std::to_string(h) + " does not fit the " + std::to_string(width) + "x" + std::to_string(height) + " grid");
}

namespace {
// Signals GDB shows for an unhandled trap, by mcause.
int signal_for_fault(uint32_t cause) {
  switch (cause) {
    case 2: return SIGILL;
    case 3: return SIGTRAP;
    case 0: case 4: case 6: return SIGBUS;
    default: return SIGSEGV;
  }
}
// Ctrl-C is looked for at this host-time interval, not every quantum: a poll() per quantum
// would dominate a small grid's run time.
constexpr auto kPollInterval = std::chrono::milliseconds(50);
}  // namespace

DebugSession::DebugSession(Wafer& wafer, const GdbOptions& options)
    : wafer_(wafer), server_(*this, GdbServer::Options{options.port, options.bind_address}) {
  check_core_window(options, wafer.width(), wafer.height());
  const uint32_t w = options.width ? options.width : wafer.width();
  const uint32_t h = options.height ? options.height : wafer.height();
  for (uint32_t y = options.y0; y < options.y0 + h; ++y)
    for (uint32_t x = options.x0; x < options.x0 + w; ++x) exposed_.push_back(wafer.tile_index(x, y));
  for (uint32_t tile : exposed_) wafer.cores()[tile].set_debug_points(&points_);
  wafer.cluster().set_debug_hook([this](Hart& h, StopReason why) { return on_stop(core_of(h), why); },
                                 [this] { return poll_interrupt(); });
}

std::vector<DebugThread> DebugSession::threads() const {
  std::vector<DebugThread> list;
  list.reserve(exposed_.size());
  for (size_t i = 0; i < exposed_.size(); ++i)
    list.push_back({static_cast<int>(i + 1), static_cast<int>(exposed_[i] % wafer_.width()),
                    static_cast<int>(exposed_[i] / wafer_.width())});
  return list;
}

Core* DebugSession::core_of(int thread) const {
  return thread >= 1 && static_cast<size_t>(thread) <= exposed_.size() ? &wafer_.cores()[exposed_[thread - 1]] : nullptr;
}

Core& DebugSession::core_of(const Hart& hart) const {
  const uint32_t tile = hart.hart_id();  // the wafer numbers its cores' harts by tile
  return wafer_.cores()[tile];
}

int DebugSession::thread_of(const Core& core) const {
  for (size_t i = 0; i < exposed_.size(); ++i)
    if (&wafer_.cores()[exposed_[i]] == &core) return static_cast<int>(i + 1);
  return 1;  // a core outside the window: report against the first exposed one
}

bool DebugSession::read_gpr(int thread, int index, uint32_t& value) const {
  const Core* c = core_of(thread);
  if (!c || index < 0 || index > 31) return false;
  value = c->gpr(index);
  return true;
}

bool DebugSession::write_gpr(int thread, int index, uint32_t value) {
  Core* c = core_of(thread);
  if (!c || index < 0 || index > 31) return false;
  c->set_gpr(index, value);
  return true;
}

bool DebugSession::read_pc(int thread, uint32_t& value) const {
  const Core* c = core_of(thread);
  if (!c) return false;
  value = c->pc();
  return true;
}

bool DebugSession::write_pc(int thread, uint32_t value) {
  Core* c = core_of(thread);
  if (!c) return false;
  c->set_pc(value);
  return true;
}

bool DebugSession::read_fpr(int thread, int index, uint32_t& value) const {
  const Core* c = core_of(thread);
  if (!c || index < 0 || index > 31) return false;
  value = c->fpr(index);
  return true;
}

bool DebugSession::write_fpr(int thread, int index, uint32_t value) {
  Core* c = core_of(thread);
  if (!c || index < 0 || index > 31) return false;
  c->set_fpr(index, value);
  return true;
}

bool DebugSession::read_csr(int thread, uint32_t csr, uint32_t& value) const {
  const Core* c = core_of(thread);
  return c && c->read_csr(csr, value);
}

bool DebugSession::write_csr(int thread, uint32_t csr, uint32_t value) {
  Core* c = core_of(thread);
  return c && c->write_csr(csr, value);
}

bool DebugSession::read_mem(int thread, uint32_t addr, uint32_t len, uint8_t* out) {
  Core* c = core_of(thread);
  return c && c->debug_read(addr, len, out);
}

bool DebugSession::write_mem(int thread, uint32_t addr, uint32_t len, const uint8_t* in) {
  Core* c = core_of(thread);
  return c && c->debug_write(addr, len, in);
}

void DebugSession::points_changed() {
  for (uint32_t tile : exposed_) wafer_.cores()[tile].debug_points_changed();
}

bool DebugSession::add_breakpoint(uint32_t addr) {
  points_.breakpoints.insert(addr);
  points_changed();
  return true;
}

bool DebugSession::remove_breakpoint(uint32_t addr) {
  const bool found = points_.breakpoints.erase(addr) > 0;
  points_changed();
  return found;
}

bool DebugSession::add_watchpoint(WatchKind kind, uint32_t addr, uint32_t len) {
  if (len == 0) return false;
  points_.watchpoints.push_back({addr, len, kind != WatchKind::Write, kind != WatchKind::Read});
  points_changed();
  return true;
}

bool DebugSession::remove_watchpoint(WatchKind kind, uint32_t addr, uint32_t len) {
  auto& w = points_.watchpoints;
  const auto it = std::find_if(w.begin(), w.end(), [&](const WatchRange& r) {
    return r.addr == addr && r.len == len && r.on_read == (kind != WatchKind::Write) && r.on_write == (kind != WatchKind::Read);
  });
  if (it == w.end()) return false;
  w.erase(it);
  points_changed();
  return true;
}

bool DebugSession::poll_interrupt() {
  if (detached_) return false;
  const auto now = std::chrono::steady_clock::now();
  if (now < next_poll_) return false;
  next_poll_ = now + kPollInterval;
  return server_.poll_interrupt();
}

CoreCluster::DebugDecision DebugSession::on_stop(Core& core, StopReason why) {
  if (detached_) return {};
  StopEvent ev;
  ev.thread = thread_of(core);
  switch (why) {
    case StopReason::Breakpoint: ev.kind = StopKind::Breakpoint; break;
    case StopReason::Watchpoint:
      ev.kind = StopKind::Watchpoint;
      ev.data_addr = core.watch_hit_addr();
      ev.watch = core.watch_hit_write() ? WatchKind::Write : WatchKind::Read;
      break;
    case StopReason::Halted:
      if (core.fault().valid) {
        ev.kind = StopKind::Fault;
        ev.signal = signal_for_fault(core.fault().cause);
      } else {
        ev.kind = StopKind::Step;  // a step of a core that has exited: nothing moves
      }
      break;
    case StopReason::Step:
    case StopReason::Sleep: ev.kind = StopKind::Step; break;
    default:  // the initial halt, or Ctrl-C between quanta
      ev.kind = StopKind::Interrupt;
      ev.signal = first_stop_ ? SIGTRAP : SIGINT;
      break;
  }
  first_stop_ = false;
  const ResumeAction action = server_.on_stop(ev);
  switch (action.kind) {
    case ResumeAction::Kill: return {CoreCluster::DebugDecision::Kill, nullptr};
    case ResumeAction::Step: {
      Core* target = action.thread ? core_of(action.thread) : &core;
      return {CoreCluster::DebugDecision::Step, target ? target : &core};
    }
    case ResumeAction::Detach:
      detached_ = true;
      points_.breakpoints.clear();
      points_.watchpoints.clear();
      points_changed();
      return {};
    default: return {};
  }
}

}  // namespace wvp
