#include "platform/assembly/system_links.h"

#include <algorithm>
#include <cstdio>

#include "models/link/pcs.h"

namespace wvp {

namespace {

// "w1.west.0". Appended, not "w" + ...: GCC 12 warns falsely (-Wrestrict) on a literal plus a
// temporary string.
std::string serdes_name(uint32_t wafer, int edge, uint32_t k) {
  std::string name = "w";
  name += std::to_string(wafer);
  name += '.';
  name += direction_name(edge);
  name += '.';
  name += std::to_string(k);
  return name;
}

// The Z ports of `link` over its west wafer, from optical.* and the wafer's reticles.
OpticalBridgeParams optical_params(const PlatformConfig& c, const SystemLink& link) {
  OpticalBridgeParams p;
  p.name = link.text;
  p.west_x0 = link.west * c.grid_width;
  p.wafer_width = c.grid_width;
  OpticalZParams& z = p.plane;
  z.name = link.text;
  const uint32_t rw = c.fabric.reticle_width_tiles, rh = c.fabric.reticle_height_tiles;
  z.reticles_x = rw ? (c.grid_width + rw - 1) / rw : 1;
  z.reticles_y = rh ? (c.grid_height + rh - 1) / rh : 1;
  // A wafer smaller than the pitch has one port per row or column of cells.
  z.pitch_x_tiles = std::min(c.optical.pitch_tiles, c.grid_width);
  z.pitch_y_tiles = std::min(c.optical.pitch_tiles, c.grid_height);
  z.ambient_c = c.optical.ambient_c;
  z.temperature_map_c = temperature_map(c.optical.temperature_map_c);
  z.port.channels = c.optical.channels;
  z.port.channel_gbps = c.optical.channel_gbps;
  z.port.seed = 1 + 2 * uint64_t{link.west};
  return p;
}

}  // namespace

const char* link_kind_name(SystemLinkKind kind) { return kind == SystemLinkKind::Optical ? "optical" : "edge"; }

namespace {

uint32_t serdes_per_edge(const PlatformConfig& c) {
  return c.serdes.count / static_cast<uint32_t>(serdes_edges(c.serdes.edges).size());
}

// A bridge of rows (or columns) [first, first + tiles) of wafer `wafer`'s `edge` to `link`.
std::unique_ptr<EdgeSerdes> edge_bridge(const PlatformConfig& c, const Clock& clock, std::string name, uint32_t wafer, int edge, uint32_t first,
                                        uint32_t tiles, const LinkParams& link) {
  EdgeSerdesParams p;
  p.name = std::move(name);
  p.edge = edge;
  p.first_tile = first;
  p.tiles = tiles;
  p.wafer_x0 = wafer * c.grid_width;
  p.wafer_width = c.grid_width;
  p.link = link;
  return std::make_unique<EdgeSerdes>(p, clock, system_width(c), c.grid_height);
}

// SerDes k of wafer `wafer`'s `edge` (serdes.*), bridging its share of the edge's routers.
std::unique_ptr<EdgeSerdes> edge_serdes(const PlatformConfig& c, const Clock& clock, uint32_t wafer, int edge, uint32_t k) {
  const uint32_t per_edge = serdes_per_edge(c), h = c.grid_height;
  LinkParams link;
  link.lanes = c.serdes.lanes;
  link.lane_gbps = c.serdes.lane_gbps;
  link.bit_error_rate = c.serdes.bit_error_rate;
  link.seed = 1 + 2 * (uint64_t{wafer} * 4 + static_cast<uint32_t>(edge)) * per_edge + k;
  const uint32_t first = k * h / per_edge;
  return edge_bridge(c, clock, serdes_name(wafer, edge, k), wafer, edge, first, (k + 1) * h / per_edge - first, link);
}

// The memory node's Z ports over wafer `wafer`'s `edge`: one per cell of optical.pitch_tiles
// rows, each a link of the optical port's (optical.*); their heat is not modelled on this path.
std::vector<std::unique_ptr<EdgeSerdes>> memnode_z_ports(const PlatformConfig& c, const Clock& clock, uint32_t wafer,
                                                        int edge) {
  const uint32_t h = c.grid_height, pitch = std::min(c.optical.pitch_tiles, h);
  std::vector<std::unique_ptr<EdgeSerdes>> ports;
  for (uint32_t first = 0, k = 0; first < h; first += pitch, ++k) {
    OpticalPortParams port;
    char name[32];  // formatted: GCC 12 warns falsely (-Wrestrict) of the string appends here
    std::snprintf(name, sizeof name, "w%u.z%u", wafer, k);
    port.name = name;
    port.channels = c.optical.channels;
    port.channel_gbps = c.optical.channel_gbps;
    port.seed = 1 + 2 * uint64_t{k};
    ports.push_back(edge_bridge(c, clock, port.name, wafer, edge, first, std::min(pitch, h - first), optical_link_params(port, ZDir::Up)));
  }
  return ports;
}

}  // namespace

SystemLinks::SystemLinks(const PlatformConfig& config, FabricPort& port, std::function<void(const std::string&)> errors,
                         const std::vector<uint32_t>& wafer_rank, RankSync& sync) {
  const std::vector<SystemLink> links = system_links(config);
  const std::optional<MemNodeAttachment> memnode = memnode_attachment(config);
  if (links.empty() && !memnode) return;
  ring_ = std::make_unique<EdgeRing>(port.fabric(), &port.client());
  if (sync.ranks() > 1) {
    rank_links_ = std::make_unique<RankLinks>(sync, port.clock());
    ring_->add_first(*rank_links_);
  }
  const uint32_t h = config.grid_height;
  for (const SystemLink& link : links) {
    Border& b = borders_.emplace_back();
    b.link = link;
    if (link.kind == SystemLinkKind::Optical) {
      b.optical = std::make_unique<OpticalBridge>(optical_params(config, link), port.clock(), system_width(config), h);
      ring_->add(*b.optical);
    }
    // An edge link's SerDes pairs; beside Z ports, their edge fallback when the wafers have them.
    if (!serdes_on_edge(config, "east") || !serdes_on_edge(config, "west")) continue;
    for (uint32_t k = 0; k < serdes_per_edge(config); ++k) {
      b.east.push_back(edge_serdes(config, port.clock(), link.west, kEast, k));
      b.west.push_back(edge_serdes(config, port.clock(), link.west + 1, kWest, k));
      if (b.optical) {
        b.optical->add_edge_serdes(*b.east.back(), *b.west.back());
        continue;
      }
      b.east.back()->connect(*b.west.back());
      b.west.back()->connect(*b.east.back());
      ring_->add(*b.east.back());
      ring_->add(*b.west.back());
      if (rank_links_) {
        rank_links_->add(b.east.back()->out(), wafer_rank[link.west], wafer_rank[link.west + 1]);
        rank_links_->add(b.west.back()->out(), wafer_rank[link.west + 1], wafer_rank[link.west]);
      }
    }
  }
  if (memnode) {
    MemNodeSide& m = memnode_.emplace();
    m.edge = config.system.memnode;
    MemNodeParams np;
    np.size_bytes = config.memnode.size_bytes;
    np.channels = config.memnode.channels;
    np.channel_gb_per_s = config.memnode.channel_gb_per_s;
    np.access_latency_ns = config.memnode.access_latency_ns;
    m.node = std::make_unique<MemNode>("memnode", np);
    m.node->set_error_sink(errors);
    m.bus = std::make_unique<Bus>("memnode_bus");
    m.bus->map(0, np.size_bytes, "memnode");
    m.bus->initiator.bind(m.node->socket);
    // Every color may carry requests: no other traffic leaves the wafer through this edge.
    MemNodeAgentParams ap;
    ap.request_colors = config.fabric.colors == 32 ? UINT32_MAX : (1u << config.fabric.colors) - 1;
    if (memnode->optical)
      m.serdes = memnode_z_ports(config, port.clock(), memnode->wafer, memnode->edge);
    else
      for (uint32_t k = 0; k < serdes_per_edge(config); ++k) m.serdes.push_back(edge_serdes(config, port.clock(), memnode->wafer, memnode->edge, k));
    m.optical = memnode->optical;
    for (uint32_t k = 0; k < m.serdes.size(); ++k) {
      std::string agent = "memnode_agent";
      agent += std::to_string(k);
      m.agents.push_back(std::make_unique<MemNodeAgent>(agent.c_str(), ap));
      m.agents.back()->set_error_sink(errors);
      m.agents.back()->attach(m.serdes[k]->out(), m.serdes[k]->in());
      m.agents.back()->socket.bind(m.bus->target);
      ring_->add(*m.serdes[k]);
    }
  }
  port.set_driver(ring_.get());
}

void SystemLinks::checkpoint(Snapshot& s) {
  Snapshot::Section section(s, "system_links");
  s.expect(borders_.size(), "the links between wafers");
  for (Border& b : borders_) {
    s.expect(b.east.size(), "a border's SerDes pairs");
    for (size_t k = 0; k < b.east.size(); ++k) s.fields(*b.east[k], *b.west[k]);
    if (b.optical) b.optical->checkpoint(s);
  }
  bool memnode = memnode_.has_value();
  s.expect(memnode, "the memory node");
  if (!memnode_) return;
  s.expect(memnode_->serdes.size(), "the memory node's links");
  for (size_t k = 0; k < memnode_->serdes.size(); ++k) s.fields(*memnode_->serdes[k], *memnode_->agents[k]);
  memnode_->node->checkpoint(s);
}

namespace {

void add(SystemLinkTraffic& t, const LinkStats& s, size_t links) {
  t.items += s.items;
  t.payload_bytes += s.payload_bytes;
  t.frames += s.frames;
  t.retries += s.retries;
  t.crc_errors += s.crc_errors;
  t.energy_pj += s.energy_pj;
  t.utilisation += s.utilisation / static_cast<double>(links);
}

// SerDes pairs' data rate per direction; their traffic into `east` and `west`. The cable is the
// east SerDes' out link one way and the west SerDes' out link the other.
double add_pairs(const std::vector<std::unique_ptr<EdgeSerdes>>& east_serdes,
                 const std::vector<std::unique_ptr<EdgeSerdes>>& west_serdes, SystemLinkTraffic& east,
                 SystemLinkTraffic& west, uint64_t end_ps) {
  double gbytes_per_s = 0;
  for (size_t k = 0; k < east_serdes.size(); ++k) {
    const LinkParams& p = east_serdes[k]->params().link;
    gbytes_per_s += pcs_data_gbps(p.lanes * p.lane_gbps) / 8;
    add(east, east_serdes[k]->out().stats_at(end_ps), east_serdes.size());
    add(west, west_serdes[k]->out().stats_at(end_ps), east_serdes.size());
  }
  return gbytes_per_s;
}

nlohmann::json traffic_json(const SystemLinkTraffic& t) {
  return {{"items", t.items},       {"payload_bytes", t.payload_bytes}, {"frames", t.frames},
          {"retries", t.retries},   {"crc_errors", t.crc_errors},       {"energy_pj", t.energy_pj},
          {"utilisation", t.utilisation}};
}

}  // namespace

std::vector<SystemLinkStats> SystemLinks::stats(uint64_t end_ps) const {
  std::vector<SystemLinkStats> out;
  for (const Border& b : borders_) {
    SystemLinkStats& s = out.emplace_back();
    s.link = b.link.text;
    s.kind = b.link.kind;
    if (b.optical) {
      const OpticalBridgeStats o = b.optical->stats();
      const OpticalPortParams& p = b.optical->plane().params().port;
      s.paths = b.optical->plane().ports();
      s.data_gbytes_per_s = pcs_data_gbps(s.paths * p.channels * p.channel_gbps) / 8;
      for (const OpticalPortStats& port : o.plane.ports) {
        add(s.east, port.up, o.plane.ports.size());
        add(s.west, port.down, o.plane.ports.size());
      }
      s.events = b.optical->plane().events();
      s.held = o.held;
      s.edge_paths = static_cast<uint32_t>(b.east.size());
      s.edge_gbytes_per_s = add_pairs(b.east, b.west, s.edge_east, s.edge_west, end_ps);
      continue;
    }
    s.paths = static_cast<uint32_t>(b.east.size());
    s.data_gbytes_per_s = add_pairs(b.east, b.west, s.east, s.west, end_ps);
  }
  return out;
}

std::optional<MemNodeLinkStats> SystemLinks::memnode_stats() const {
  if (!memnode_) return std::nullopt;
  MemNodeLinkStats s;
  s.edge = memnode_->edge;
  s.optical = memnode_->optical;
  s.paths = static_cast<uint32_t>(memnode_->serdes.size());
  for (const auto& serdes : memnode_->serdes) {
    const LinkParams& p = serdes->params().link;
    s.data_gbytes_per_s += pcs_data_gbps(p.lanes * p.lane_gbps) / 8;
    add(s.out, serdes->stats().out, memnode_->serdes.size());
    add(s.in, serdes->stats().in, memnode_->serdes.size());
  }
  for (const auto& agent : memnode_->agents) {
    const MemNodeAgentStats& a = agent->stats();
    s.agents.reads += a.reads, s.agents.writes += a.writes;
    s.agents.read_words += a.read_words, s.agents.write_words += a.write_words;
    s.agents.errors += a.errors, s.agents.reply_refusals += a.reply_refusals, s.agents.busy_ps += a.busy_ps;
  }
  s.node = memnode_->node->stats();
  return s;
}

std::string describe(const MemNodeLinkStats& s) {
  char text[400];
  std::snprintf(text, sizeof text,
                "memory node at %s (%u %s%s, %.2f GB/s per direction): %llu reads (%llu B), %llu writes (%llu B), "
                "%llu errors; to the node %.2f%% busy, back %.2f%% busy, %llu retries; %.1f nJ",
                s.edge.c_str(), s.paths, s.optical ? "Z port" : "SerDes", s.paths == 1 || !s.optical ? "" : "s", s.data_gbytes_per_s, static_cast<unsigned long long>(s.agents.reads),
                static_cast<unsigned long long>(4 * s.agents.read_words), static_cast<unsigned long long>(s.agents.writes),
                static_cast<unsigned long long>(4 * s.agents.write_words), static_cast<unsigned long long>(s.agents.errors),
                100 * s.out.utilisation, 100 * s.in.utilisation,
                static_cast<unsigned long long>(s.out.retries + s.in.retries), (s.out.energy_pj + s.in.energy_pj) / 1e3);
  return text;
}

nlohmann::json to_json(const MemNodeLinkStats& s) {
  return {{"edge", s.edge},
          {"kind", s.optical ? "optical" : "edge"},
          {"paths", s.paths},
          {"data_gbytes_per_s", s.data_gbytes_per_s},
          {"to_node", traffic_json(s.out)},
          {"from_node", traffic_json(s.in)},
          {"reads", s.agents.reads},
          {"writes", s.agents.writes},
          {"read_bytes", 4 * s.agents.read_words},
          {"write_bytes", 4 * s.agents.write_words},
          {"errors", s.agents.errors},
          {"reply_refusals", s.agents.reply_refusals},
          {"node_utilisation", s.node.utilisation},
          {"node_queue_ps", s.node.queue_ps}};
}

std::string describe(const SystemLinkStats& s) {
  char text[400];
  std::snprintf(text, sizeof text,
                "link %s (%u %s%s, %.2f GB/s per direction): east %llu items, %.2f%% busy, %llu retries; "
                "west %llu items, %.2f%% busy, %llu retries; %.1f nJ",
                s.link.c_str(), s.paths, s.kind == SystemLinkKind::Optical ? "Z port" : "SerDes pair",
                s.paths == 1 ? "" : "s", s.data_gbytes_per_s,
                static_cast<unsigned long long>(s.east.items), 100 * s.east.utilisation,
                static_cast<unsigned long long>(s.east.retries), static_cast<unsigned long long>(s.west.items),
                100 * s.west.utilisation, static_cast<unsigned long long>(s.west.retries),
                (s.east.energy_pj + s.west.energy_pj) / 1e3);
  std::string line = text;
  if (s.kind == SystemLinkKind::Optical) {
    line += "; " + std::to_string(s.events.size()) + " port events";
    for (const OpticalZEvent& e : s.events)
      if (e.kind == ZEventKind::Failover)
        line += std::string(", a failover") + (e.to_port == kZEdge ? " to the edge" : "") + " at " + std::to_string(e.time_ps / 1000) + " ns";
    if (s.edge_paths) {
      std::snprintf(text, sizeof text, "; over the edge (%u SerDes pair%s): east %llu items, west %llu items", s.edge_paths,
                    s.edge_paths == 1 ? "" : "s", static_cast<unsigned long long>(s.edge_east.items),
                    static_cast<unsigned long long>(s.edge_west.items));
      line += text;
    }
  }
  return line;
}

nlohmann::json to_json(const SystemLinkStats& s) {
  nlohmann::json j = {{"link", s.link},
                      {"kind", link_kind_name(s.kind)},
                      {"paths", s.paths},
                      {"data_gbytes_per_s", s.data_gbytes_per_s},
                      {"east", traffic_json(s.east)},
                      {"west", traffic_json(s.west)}};
  if (s.kind == SystemLinkKind::Optical) {
    nlohmann::json events = nlohmann::json::array();
    for (const OpticalZEvent& e : s.events) {
      nlohmann::json& event = events.emplace_back(nlohmann::json{{"time_ps", e.time_ps}, {"port", e.port}, {"event", zevent_name(e.kind)},
                                                                 {"temperature_c", e.temperature_c}, {"items", e.items}});
      if (e.kind == ZEventKind::Failover) event["to"] = e.to_port == kZEdge ? nlohmann::json("edge") : nlohmann::json(e.to_port);
    }
    j["events"] = events;
    j["held"] = s.held;
    j["edge_fallback"] = {{"paths", s.edge_paths},
                          {"data_gbytes_per_s", s.edge_gbytes_per_s},
                          {"east", traffic_json(s.edge_east)},
                          {"west", traffic_json(s.edge_west)}};
  }
  return j;
}

}  // namespace wvp
