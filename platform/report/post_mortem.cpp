#include "platform/report/post_mortem.h"

#include <cstdio>
#include <csignal>

#include "models/core/disassemble.h"
#include "platform/report/fabric_report.h"

namespace wvp {

namespace {

std::string hex(uint32_t v) {
  char buf[16];
  std::snprintf(buf, sizeof buf, "0x%08x", v);
  return buf;
}

// The machine CSRs a debugger shows, and the floating-point ones.
constexpr uint32_t kCsrs[] = {0x300, 0x301, 0x304, 0x305, 0x340, 0x341, 0x342, 0x343, 0x344,
                              0xb00, 0xb80, 0xb02, 0xb82, 0x001, 0x002, 0x003, 0xf14};

nlohmann::json core_json(Wafer& wafer, uint32_t tile) {
  Core& c = wafer.cores()[tile];
  nlohmann::json j = {{"x", tile % wafer.width()}, {"y", tile / wafer.width()}};
  const FabricPort& port = wafer.fabric();
  if (c.faulted()) {
    j["state"] = "trapped";
    j["fault"] = c.fault().describe();
  } else if (c.halted()) {
    j["state"] = "exited";
    j["exit_code"] = c.exit_code();
  } else if (c.sleeping()) {
    j["state"] = "wfi";
  } else if (port.wait_of(tile) != FabricPort::Wait::None) {
    j["state"] = "waiting";
    j["waits_for"] = {{"queue", port.wait_of(tile) == FabricPort::Wait::Receive ? "receive" : "send"},
                      {"color", port.wait_color(tile)}};
  } else {
    j["state"] = "running";
  }
  j["cycle"] = c.cycle();
  j["instructions"] = c.instructions();
  // A trapped core's pc is its handler's (or the faulting one's when it had none): the fault names
  // the instruction; here is the one the core would run next.
  j["pc"] = hex(c.pc());
  uint32_t insn = 0;
  if (c.debug_read(c.pc(), 4, reinterpret_cast<uint8_t*>(&insn))) {
    j["insn"] = hex(insn);
    j["disassembly"] = disassemble(insn, c.pc());
  }
  nlohmann::json gpr = nlohmann::json::object(), fpr = nlohmann::json::object(), csr = nlohmann::json::object();
  for (uint32_t i = 1; i < 32; ++i) gpr[x_register_name(i)] = hex(c.gpr(static_cast<int>(i)));
  for (uint32_t i = 0; i < 32; ++i) fpr[f_register_name(i)] = hex(c.fpr(static_cast<int>(i)));
  for (const uint32_t number : kCsrs) {
    uint32_t value = 0;
    if (c.read_csr(number, value)) csr[csr_name(number)] = hex(value);
  }
  j["gpr"] = std::move(gpr);
  j["fpr"] = std::move(fpr);
  j["csr"] = std::move(csr);
  return j;
}

// The non-empty queues of a router that carried traffic: its input buffers (N, E, S, W), the
// tile's send queue and its receive queue, per color.
nlohmann::json router_json(const Fabric& fabric, uint32_t tile) {
  const uint32_t w = fabric.params().width;
  nlohmann::json queues = nlohmann::json::array();
  uint64_t total = 0;
  for (int port = 0; port <= kPorts; ++port)
    for (uint32_t color = 0; color < fabric.params().colors; ++color)
      if (const uint32_t n = fabric.buffered(tile, port, color)) {
        queues.push_back({{"queue", port == kPorts ? "receive" : port == kRamp ? "send" : port_name(port)}, {"color", color}, {"flits", n}});
        total += n;
      }
  return {{"x", tile % w}, {"y", tile / w}, {"flits", total}, {"queues", std::move(queues)}};
}

}  // namespace

std::string end_reason(const Wafer& wafer, const Wafer::Result& r) {
  switch (r.outcome) {
    case CoreCluster::Outcome::MaxCycles: return "max_cycles";
    case CoreCluster::Outcome::Deadlock: return "deadlock";
    case CoreCluster::Outcome::DomainError: return "fabric_error";
    case CoreCluster::Outcome::CheckpointFailed: return "checkpoint_failed";
    case CoreCluster::Outcome::Interrupted: {
      const int signal = wafer.cluster().stop_request();
      return signal == SIGINT ? "SIGINT" : signal == SIGTERM ? "SIGTERM" : "signal " + std::to_string(signal);
    }
    default:
      for (const Wafer::CoreEnd& end : r.failures)
        if (end.fault.valid) return "trap";
      return "end";
  }
}

bool ended_badly(const std::string& reason) { return reason != "end"; }

StreamedJson post_mortem_json(Wafer& wafer, const Wafer::Result& r, const std::string& reason) {
  StreamedJson pm;
  pm.doc = {{"reason", reason}, {"exit_code", r.exit_code}, {"cycle", r.end_cycle},
            {"fabric_cycle", wafer.fabric().settled()}, {"error", r.error}};
  pm.stream_array("/cores", wafer.tile_count(), [&wafer](size_t i) { return core_json(wafer, static_cast<uint32_t>(i)); });
  const Fabric& fabric = wafer.fabric().fabric();
  std::vector<uint32_t> routers = routers_with_stats(fabric);
  const size_t count = routers.size();
  pm.stream_array("/routers", count, [&fabric, routers = std::move(routers)](size_t i) { return router_json(fabric, routers[i]); });
  return pm;
}

}  // namespace wvp
