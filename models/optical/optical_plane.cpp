#include "models/optical/optical_plane.h"

#include <algorithm>
#include <cmath>
#include <sstream>
#include <stdexcept>

#include "models/link/param_check.h"

namespace wvp {
namespace {

size_t at(ZDir dir) { return static_cast<size_t>(dir); }

constexpr ZDir kDirs[] = {ZDir::Up, ZDir::Down};

}  // namespace

const char* zevent_name(ZEventKind kind) {
  switch (kind) {
    case ZEventKind::Degraded: return "degraded";
    case ZEventKind::Down: return "down";
    case ZEventKind::Up: return "up";
    case ZEventKind::Failover: return "failover";
  }
  return "?";
}

void OpticalZPlane::fail(const std::string& what) const {
  throw std::invalid_argument("optical plane '" + params_.name + "': " + what);
}

// Appended, not "z" + ...: GCC 12 warns falsely (-Wrestrict) on a literal plus a temporary string.
std::string OpticalZPlane::port_name(uint32_t index) const {
  std::string name = "z";
  name += std::to_string(index % columns_);
  name += '_';
  name += std::to_string(index / columns_);
  return name;
}

OpticalZPlane::OpticalZPlane(const OpticalZParams& params, uint32_t width, uint32_t height)
    : params_(params), width_(width), height_(height), columns_(0) {
  const std::string who = "optical plane '" + params.name + "'";
  check_param_range(who, "width", width, 1, 1u << 16);
  check_param_range(who, "height", height, 1, 1u << 16);
  check_param_range(who, "reticles_x", params.reticles_x, 1, width);
  check_param_range(who, "reticles_y", params.reticles_y, 1, height);
  check_param_range(who, "pitch_x_tiles", params.pitch_x_tiles, 1, width);
  check_param_range(who, "pitch_y_tiles", params.pitch_y_tiles, 1, height);
  check_param_range(who, "tile_mm2", params.tile_mm2, 1e-6, 100);
  check_param_range(who, "thermal_step_ns", params.thermal_step_ns, 0.001, 1e9);
  check_param_range(who, "thermal_time_constant_us", params.thermal_time_constant_us, 0, 1e9);
  check_param_range(who, "ambient_c", params.ambient_c, kMinWaferTempC, kMaxWaferTempC);
  check_param_range(who, "thermal_resistance_k_mm2_per_w", params.thermal_resistance_k_mm2_per_w, 0, 1e4);
  check_param_range(who, "background_w_per_mm2", params.background_w_per_mm2, 0, 100);

  step_ps_ = static_cast<uint64_t>(std::llround(params.thermal_step_ns * 1000));
  next_step_ps_ = step_ps_;
  const double tau_ns = params.thermal_time_constant_us * 1000;
  lag_ = tau_ns == 0 ? 1 : -std::expm1(-params.thermal_step_ns / tau_ns);

  columns_ = (width + params.pitch_x_tiles - 1) / params.pitch_x_tiles;
  const uint32_t rows = (height + params.pitch_y_tiles - 1) / params.pitch_y_tiles;
  ports_.resize(size_t{columns_} * rows);
  for (uint32_t i = 0; i < ports(); ++i) {
    Port& p = ports_[i];
    const uint32_t x0 = i % columns_ * params.pitch_x_tiles, y0 = i / columns_ * params.pitch_y_tiles;
    const uint32_t w = std::min(params.pitch_x_tiles, width - x0), h = std::min(params.pitch_y_tiles, height - y0);
    p.x = x0 + w / 2;
    p.y = y0 + h / 2;
    p.area_mm2 = static_cast<double>(w) * h * params.tile_mm2;
    p.reticle = static_cast<uint32_t>(uint64_t{p.y} * params.reticles_y / height * params.reticles_x +
                                      uint64_t{p.x} * params.reticles_x / width);
  }
  check_map(params.temperature_map_c);
  for (uint32_t i = 0; i < ports(); ++i) {
    Port& p = ports_[i];
    OpticalPortParams pp = params.port;
    pp.name = port_name(i);
    pp.seed = params.port.seed + 2 * uint64_t{i};  // two links per port
    p.port = std::make_unique<OpticalPort>(pp, steady_temperature(p, 0));
    for (const ZDir dir : kDirs) {
      Link& link = p.port->link(dir);
      link.set_deliver([this, i, dir](const LinkItem&, uint64_t t) {
        arrive(dir, i, t);
        return true;
      });
      link.set_space([this, i, dir](uint64_t t) { drain(i, dir, t); });
    }
  }
  reroute();
  for (uint32_t i = 0; i < ports(); ++i) {
    log_state(i, OpticalPortState::Up, 0);
    if (port(i).state() == OpticalPortState::Down) {
      events_.push_back({0, i, ZEventKind::Failover, port(i).temperature_c(), route_[i], 0});
    }
  }
}

void OpticalZPlane::check_map(const std::vector<double>& map_c) const {
  if (map_c.empty()) return;
  const size_t reticles = size_t{params_.reticles_x} * params_.reticles_y;
  if (map_c.size() != reticles) {
    fail("temperature_map_c has " + std::to_string(map_c.size()) + " entries, not one per reticle (" +
         std::to_string(params_.reticles_x) + " x " + std::to_string(params_.reticles_y) + ")");
  }
  for (uint32_t k = 0; k < reticles; ++k) {
    if (map_c[k] >= kMinWaferTempC && map_c[k] <= kMaxWaferTempC) continue;
    std::ostringstream os;
    os << "temperature_map_c[" << k << "] (reticle " << k % params_.reticles_x << "," << k / params_.reticles_x
       << ") must be " << kMinWaferTempC << " to " << kMaxWaferTempC << " C (got " << map_c[k] << ")";
    const auto on_it = std::find_if(ports_.begin(), ports_.end(), [k](const Port& p) { return p.reticle == k; });
    if (on_it == ports_.end()) fail(os.str());
    throw std::invalid_argument("optical port '" + port_name(static_cast<uint32_t>(on_it - ports_.begin())) + "': " + os.str());
  }
}

void OpticalZPlane::set_temperature_map(std::vector<double> map_c) {
  check_map(map_c);
  params_.temperature_map_c = std::move(map_c);
}

double OpticalZPlane::steady_temperature(const Port& port, double link_watts) const {
  if (!params_.temperature_map_c.empty()) return params_.temperature_map_c[port.reticle];
  return params_.ambient_c +
         params_.thermal_resistance_k_mm2_per_w * (params_.background_w_per_mm2 + link_watts / port.area_mm2);
}

uint32_t OpticalZPlane::port_tile(uint32_t index) const { return ports_[index].y * width_ + ports_[index].x; }

uint32_t OpticalZPlane::home_port(uint32_t tile) const {
  if (tile >= width_ * height_) {
    fail("tile " + std::to_string(tile) + " is off the " + std::to_string(width_) + " x " + std::to_string(height_) + " grid");
  }
  return tile / width_ / params_.pitch_y_tiles * columns_ + tile % width_ / params_.pitch_x_tiles;
}

uint32_t OpticalZPlane::route(uint32_t tile) const { return route_[home_port(tile)]; }

void OpticalZPlane::reroute() {
  route_.assign(ports(), kZEdge);
  for (uint32_t i = 0; i < ports(); ++i) {
    if (port(i).state() != OpticalPortState::Down) {
      route_[i] = i;
      continue;
    }
    uint64_t best = UINT64_MAX;
    for (uint32_t j = 0; j < ports(); ++j) {
      if (port(j).state() == OpticalPortState::Down) continue;
      const int64_t dx = int64_t{ports_[j].x} - ports_[i].x, dy = int64_t{ports_[j].y} - ports_[i].y;
      const uint64_t d = static_cast<uint64_t>(dx * dx + dy * dy);
      if (d < best) {
        best = d;
        route_[i] = j;
      }
    }
  }
}

void OpticalZPlane::log_state(uint32_t index, OpticalPortState before, uint64_t time_ps) {
  const OpticalPortState after = port(index).state();
  if (after == before) return;
  const ZEventKind kind = after == OpticalPortState::Up         ? ZEventKind::Up
                          : after == OpticalPortState::Degraded ? ZEventKind::Degraded
                                                                : ZEventKind::Down;
  events_.push_back({time_ps, index, kind, port(index).temperature_c()});
}

OpticalZPlane::Flow& OpticalZPlane::flow(ZDir dir, uint32_t tile) { return flows_[uint64_t{tile} * 2 + at(dir)]; }

bool OpticalZPlane::send(ZDir dir, uint32_t tile, const LinkItem& item, uint64_t time_ps) {
  const uint32_t home = home_port(tile);
  if (time_ps < now_) {
    fail("item sent at " + std::to_string(time_ps) + " ps, before the settled time " + std::to_string(now_) + " ps");
  }
  const uint32_t to = route_[home];
  if (to == kZEdge && !fallback_) {
    throw std::runtime_error("optical port '" + port_name(home) + "' is down, no port is up and there is no edge fallback: tile " +
                             std::to_string(tile) + "'s item at " + std::to_string(time_ps) + " ps has nowhere to go");
  }
  Flow& f = flow(dir, tile);
  if (to == kZEdge) {
    ++counts_.sent;
    to_edge(dir, Carried{item, tile, f.next_send++}, time_ps);
    return true;
  }
  Lane& lane = ports_[to].lanes[at(dir)];
  Link& link = port(to).link(dir);
  if (!lane.backlog.empty() || !link.send(item, std::max(time_ps, link.now()))) {
    lane.space_wanted = true;
    return false;
  }
  ++counts_.sent;
  lane.in_link.push_back({item, tile, f.next_send++});
  return true;
}

void OpticalZPlane::to_edge(ZDir dir, const Carried& c, uint64_t time_ps) {
  // Queued before the handoff: an edge path may deliver at once.
  flow(dir, c.tile).at_edge.push_back(c);
  ++counts_.to_edge;
  fallback_(dir, c.tile, c.item, time_ps);
}

void OpticalZPlane::edge_arrived(ZDir dir, uint32_t tile, uint64_t time_ps) {
  Flow& f = flow(dir, tile);
  if (f.at_edge.empty()) {
    throw std::runtime_error("optical plane '" + params_.name + "': an item of tile " + std::to_string(tile) + "'s " +
                             zdir_name(dir) + " flow came over the edge at " + std::to_string(time_ps) +
                             " ps, but none was handed to the edge");
  }
  const Carried c = f.at_edge.front();
  f.at_edge.pop_front();
  take(dir, c, kZEdge, time_ps);
}

void OpticalZPlane::arrive(ZDir dir, uint32_t index, uint64_t time_ps) {
  Lane& lane = ports_[index].lanes[at(dir)];
  const Carried c = lane.in_link.front();
  lane.in_link.pop_front();
  take(dir, c, index, time_ps);
}

void OpticalZPlane::take(ZDir dir, const Carried& c, uint32_t port, uint64_t time_ps) {
  Flow& f = flow(dir, c.tile);
  if (c.seq != f.next_deliver) ++counts_.reordered;
  f.held.emplace(c.seq, Held{c.item, port});
  release(dir, c.tile, f, time_ps);
}

void OpticalZPlane::release(ZDir dir, uint32_t tile, Flow& f, uint64_t time_ps) {
  while (!f.held.empty() && f.held.begin()->first == f.next_deliver) {
    const Held h = f.held.begin()->second;
    f.held.erase(f.held.begin());
    ++f.next_deliver;
    ++(h.port == kZEdge ? counts_.from_edge : counts_.delivered);
    if (deliver_) deliver_(dir, tile, h.port, h.item, time_ps);
  }
}

void OpticalZPlane::drain(uint32_t index, ZDir dir, uint64_t time_ps) {
  Lane& lane = ports_[index].lanes[at(dir)];
  Link& link = port(index).link(dir);
  if (link.is_down()) return;
  time_ps = std::max(time_ps, link.now());
  while (!lane.backlog.empty() && link.send(lane.backlog.front().item, time_ps)) {
    lane.in_link.push_back(lane.backlog.front());
    lane.backlog.pop_front();
  }
  if (lane.backlog.empty() && lane.space_wanted) {
    lane.space_wanted = false;
    if (space_) space_(dir, index, time_ps);
  }
}

void OpticalZPlane::fail_over(uint32_t index, OpticalPort::Change& change, uint64_t time_ps) {
  Port& p = ports_[index];
  const uint32_t to = route_[index];
  uint64_t items = 0;
  for (const ZDir dir : kDirs) items += change.withdrawn[at(dir)].size() + p.lanes[at(dir)].backlog.size();
  if (to == kZEdge && !fallback_ && items > 0) {
    throw std::runtime_error("optical port '" + port_name(index) + "' went down at " + std::to_string(time_ps) + " ps holding " +
                             std::to_string(items) + " items, no other port is up and there is no edge fallback");
  }
  for (const ZDir dir : kDirs) {
    Lane& lane = p.lanes[at(dir)];
    // The receiver accepted the head of in_link (it still delivers it); the tail comes back.
    const auto tail = lane.in_link.end() - static_cast<std::ptrdiff_t>(change.withdrawn[at(dir)].size());
    std::deque<Carried> moving(tail, lane.in_link.end());
    lane.in_link.erase(tail, lane.in_link.end());
    moving.insert(moving.end(), lane.backlog.begin(), lane.backlog.end());
    lane.backlog.clear();
    if (to == kZEdge) {
      for (const Carried& c : moving) to_edge(dir, c, time_ps);
    } else {
      Lane& target = ports_[to].lanes[at(dir)];
      target.backlog.insert(target.backlog.end(), moving.begin(), moving.end());
      counts_.moved += moving.size();
      drain(to, dir, time_ps);
    }
    if (lane.space_wanted) {
      lane.space_wanted = false;
      if (space_) space_(dir, index, time_ps);
    }
  }
  events_.push_back({time_ps, index, ZEventKind::Failover, p.port->temperature_c(), to, items});
}

void OpticalZPlane::thermal_step(uint64_t time_ps) {
  std::vector<std::pair<uint32_t, OpticalPort::Change>> downs;
  bool changed = false;
  for (uint32_t i = 0; i < ports(); ++i) {
    Port& p = ports_[i];
    const double energy = p.port->link(ZDir::Up).stats().energy_pj + p.port->link(ZDir::Down).stats().energy_pj;
    const double watts = (energy - p.energy_pj) / static_cast<double>(step_ps_);  // pJ per ps
    p.energy_pj = energy;
    const double t = p.port->temperature_c();
    OpticalPort::Change change = p.port->set_temperature(t + lag_ * (steady_temperature(p, watts) - t), time_ps);
    if (change.after == change.before) continue;
    changed = true;
    log_state(i, change.before, time_ps);
    if (change.after == OpticalPortState::Down) downs.emplace_back(i, std::move(change));
  }
  if (changed) reroute();
  for (auto& [index, change] : downs) fail_over(index, change, time_ps);
}

void OpticalZPlane::settle(uint64_t bound) {
  while (true) {
    uint64_t t = UINT64_MAX;
    for (Port& p : ports_) {
      for (const ZDir dir : kDirs) {
        if (const auto next = p.port->link(dir).next_event_ps()) t = std::min(t, *next);
      }
    }
    if (t >= bound) break;
    for (Port& p : ports_) {
      for (const ZDir dir : kDirs) {
        Link& link = p.port->link(dir);
        if (link.next_event_ps() == t) link.advance(t + 1);
      }
    }
  }
  for (Port& p : ports_) {
    for (const ZDir dir : kDirs) p.port->link(dir).advance(bound);
  }
}

uint64_t OpticalZPlane::advance(uint64_t limit_ps) {
  for (; next_step_ps_ < limit_ps; next_step_ps_ += step_ps_) {
    settle(next_step_ps_);
    thermal_step(next_step_ps_);
  }
  settle(limit_ps);
  now_ = std::max(now_, limit_ps);
  return now_;
}

std::optional<uint64_t> OpticalZPlane::next_event_ps() const {
  std::optional<uint64_t> first;
  for (const Port& p : ports_)
    for (const ZDir dir : kDirs)
      if (const auto next = p.port->link(dir).next_event_ps(); next && (!first || *next < *first)) first = next;
  if (!empty() && (!first || next_step_ps_ < *first)) first = next_step_ps_;
  return first;
}

bool OpticalZPlane::empty() const { return counts_.sent == counts_.delivered + counts_.from_edge; }

void OpticalZPlane::checkpoint(Snapshot& s) {
  Snapshot::Section section(s, "optical_plane");
  s.expect(ports_.size(), "the Z ports");
  for (Port& p : ports_) s.fields(*p.port, p.lanes[0], p.lanes[1], p.energy_pj);
  s.fields(route_, next_step_ps_, now_, flows_, events_, counts_.sent, counts_.delivered, counts_.to_edge, counts_.from_edge,
           counts_.moved, counts_.reordered);
}

OpticalZStats OpticalZPlane::stats() const {
  OpticalZStats s = counts_;
  for (const Port& p : ports_) s.ports.push_back(p.port->stats());
  return s;
}

}  // namespace wvp
