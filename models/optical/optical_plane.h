// The optical Z-axis of a wafer: photonic ports (optical_port.h) on a grid over the wafer's
// area, their temperatures (a first-order lag towards a temperature map or an activity model),
// failover to the nearest port that is up (else the owner's edge) when heat pushes a port's
// rings out of their window, and each flow delivered in send order across failovers. The grid,
// temperature, failover, order and time: docs/architecture.md, 'Z plane'.
#pragma once
#include <cstdint>
#include <deque>
#include <functional>
#include <map>
#include <memory>
#include <optional>
#include <string>
#include <unordered_map>
#include <vector>

#include "models/optical/optical_port.h"

namespace wvp {

struct OpticalZParams {
  std::string name = "optical";         // in error messages
  uint32_t reticles_x = 12, reticles_y = 7;
  uint32_t pitch_x_tiles = 64, pitch_y_tiles = 64;
  double tile_mm2 = 0.052;              // WSE-3: 46,225 mm^2 over 762 x 1172 tiles
  double thermal_step_ns = 10'000;
  double thermal_time_constant_us = 1'000;  // 0: the port is at T_ss at each step
  double ambient_c = 35;                // the coolant
  double thermal_resistance_k_mm2_per_w = 20;  // to the coolant, per unit area
  double background_w_per_mm2 = 0.5;    // the wafer's compute: 23 kW over 46,225 mm^2
  // Per reticle, row-major (reticles_x x reticles_y), in C; empty: the activity model.
  std::vector<double> temperature_map_c;
  OpticalPortParams port;               // every port; its name is replaced by "z<c>_<r>"
};

constexpr uint32_t kZEdge = UINT32_MAX;  // a route or failover to the edge, not a port

enum class ZEventKind : uint8_t { Degraded, Down, Up, Failover };
const char* zevent_name(ZEventKind kind);  // "degraded", "down", "up", "failover"

struct OpticalZEvent {
  uint64_t time_ps = 0;
  uint32_t port = 0;
  ZEventKind kind = ZEventKind::Up;
  double temperature_c = 0;
  uint32_t to_port = kZEdge;  // Failover: the port that took the traffic, or the edge
  uint64_t items = 0;        // Failover: items moved, both directions
  bool operator==(const OpticalZEvent&) const = default;
};

struct OpticalZStats {
  std::vector<OpticalPortStats> ports;
  uint64_t sent = 0;       // items offered by send() and taken
  uint64_t delivered = 0;  // through the ports
  uint64_t to_edge = 0;    // handed to the edge fallback, at send or failover
  uint64_t from_edge = 0;  // back from the edge (edge_arrived) and delivered
  uint64_t moved = 0;      // items moved to another port by failovers
  uint64_t reordered = 0;  // items held until an earlier one of their flow arrived
  bool operator==(const OpticalZStats&) const = default;
};

class OpticalZPlane {
 public:
  // `port`: the port the item came through, kZEdge over the edge.
  using Deliver = std::function<void(ZDir dir, uint32_t tile, uint32_t port, const LinkItem& item, uint64_t time_ps)>;
  using EdgeFallback = std::function<void(ZDir dir, uint32_t tile, const LinkItem& item, uint64_t time_ps)>;
  // After send() refused for `port`: it may take items again (or went down: send again).
  using Space = std::function<void(ZDir dir, uint32_t port, uint64_t time_ps)>;

  // Ports over a width x height grid of tiles. Throws std::invalid_argument naming the plane and
  // the field for a bad grid or thermal parameter, and the port and the field for bad port
  // parameters or a temperature out of range (a map entry names the first port on its reticle).
  OpticalZPlane(const OpticalZParams& params, uint32_t width, uint32_t height);
  OpticalZPlane(const OpticalZPlane&) = delete;  // its links call back into it
  OpticalZPlane& operator=(const OpticalZPlane&) = delete;

  const OpticalZParams& params() const { return params_; }
  uint32_t ports() const { return static_cast<uint32_t>(ports_.size()); }
  OpticalPort& port(uint32_t index) { return *ports_[index].port; }
  uint32_t port_tile(uint32_t index) const;  // its centre
  uint32_t home_port(uint32_t tile) const;
  uint32_t route(uint32_t tile) const;       // the port carrying its traffic now; kZEdge if none

  void set_deliver(Deliver deliver) { deliver_ = std::move(deliver); }
  void set_edge_fallback(EdgeFallback fallback) { fallback_ = std::move(fallback); }
  void set_space(Space space) { space_ = std::move(space); }
  // From the next thermal step; checked as in the constructor.
  void set_temperature_map(std::vector<double> map_c);

  // Offers an item to or from `tile` at `time_ps` (not before now()). False when the port's
  // send queue is full: the Space callback says when to try again. Throws std::invalid_argument
  // for a tile off the grid, std::runtime_error naming the home port when no port is up and
  // there is no edge fallback.
  bool send(ZDir dir, uint32_t tile, const LinkItem& item, uint64_t time_ps);

  // The owner's edge path delivered the oldest item of the flow it carries: the plane delivers
  // it in its flow's order (a later item that came through a port waited for it). Throws
  // std::runtime_error naming the plane and the tile when the flow has nothing at the edge.
  void edge_arrived(ZDir dir, uint32_t tile, uint64_t time_ps);

  // Settles every link event and thermal step before `limit_ps`; returns now().
  uint64_t advance(uint64_t limit_ps);
  // The earliest link event, or the next thermal step while items are in flight (it may fail
  // them over); none when nothing is in flight.
  std::optional<uint64_t> next_event_ps() const;
  uint64_t now() const { return now_; }
  // Every item sent has been delivered, through a port or over the edge.
  bool empty() const;

  const std::vector<OpticalZEvent>& events() const { return events_; }
  OpticalZStats stats() const;
  // The ports, what each carries and holds, the flows' order and the thermal state.
  void checkpoint(Snapshot& s);

 private:
  // An item in a port: its flow and number, beside the Link that carries it.
  struct Carried {
    LinkItem item;
    uint32_t tile;
    uint64_t seq;
  };
  struct Lane {                   // one direction of a port
    std::deque<Carried> in_link;  // given to the link, not yet delivered, in order
    std::deque<Carried> backlog;  // moved here by a failover, waiting for room in the link
    bool space_wanted = false;    // a send() was refused
    void checkpoint(Snapshot& s) { s.fields(in_link, backlog, space_wanted); }
  };
  struct Port {
    std::unique_ptr<OpticalPort> port;
    uint32_t x, y;                // centre tile
    double area_mm2;
    uint32_t reticle;
    Lane lanes[2];
    double energy_pj = 0;         // of the links, at the last thermal step
  };
  struct Held {
    LinkItem item;
    uint32_t port;                // kZEdge: over the edge
  };
  struct Flow {
    uint64_t next_send = 0, next_deliver = 0;
    std::map<uint64_t, Held> held;  // arrived ahead of next_deliver
    std::deque<Carried> at_edge;    // handed to the edge and not back, in the order handed
    void checkpoint(Snapshot& s) { s.fields(next_send, next_deliver, held, at_edge); }
  };

  [[noreturn]] void fail(const std::string& what) const;
  std::string port_name(uint32_t index) const;
  void log_state(uint32_t index, OpticalPortState before, uint64_t time_ps);
  void check_map(const std::vector<double>& map_c) const;
  double steady_temperature(const Port& port, double link_watts) const;
  Flow& flow(ZDir dir, uint32_t tile);
  void reroute();
  void settle(uint64_t bound);
  void thermal_step(uint64_t time_ps);
  void fail_over(uint32_t index, OpticalPort::Change& change, uint64_t time_ps);
  void to_edge(ZDir dir, const Carried& c, uint64_t time_ps);
  void drain(uint32_t index, ZDir dir, uint64_t time_ps);
  void arrive(ZDir dir, uint32_t index, uint64_t time_ps);
  void take(ZDir dir, const Carried& c, uint32_t port, uint64_t time_ps);
  void release(ZDir dir, uint32_t tile, Flow& f, uint64_t time_ps);

  OpticalZParams params_;
  uint32_t width_, height_, columns_;
  std::vector<Port> ports_;
  std::vector<uint32_t> route_;  // per port: itself, the nearest up port, or kZEdge
  Deliver deliver_;
  EdgeFallback fallback_;
  Space space_;
  uint64_t step_ps_, next_step_ps_;
  double lag_;                   // 1 - e^(-step / tau)
  uint64_t now_ = 0;
  std::unordered_map<uint64_t, Flow> flows_;  // by tile x 2 + dir
  std::vector<OpticalZEvent> events_;
  OpticalZStats counts_;
};

}  // namespace wvp
