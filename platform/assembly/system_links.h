// The links between the wafers of a system (system.*, platform/config/config.h) on the fabric that
// runs them side by side. Per border of two wafers, either edge SerDes pairs on the facing edges
// (serdes.count spread over serdes.edges gives each edge's SerDes, each bridging an equal share
// of the edge routers; SerDes k of w_i's east edge is cabled to SerDes k of w_i+1's west edge),
// or the optical Z ports over w_i's area (models/optical/optical_bridge.h, optical.*), with the
// same SerDes pairs, when serdes.* puts them on those edges, as the Z ports' edge fallback: a
// row whose Z ports are all down crosses over its pair. A wavelet
// that leaves a wafer's east or west edge crosses to the tile facing it on the neighbour, so the
// firmware sees one grid; the links set the time it takes. A memory node (system.memnode) is
// cabled to the SerDes of an outer edge: each SerDes' far end is a MemNodeAgent
// (models/memnode/memnode_agent.h) and the agents share the node through a bus.
#pragma once
#include <memory>
#include <string>
#include <vector>

#include <nlohmann/json.hpp>

#include "models/memnode/memnode.h"
#include "models/memnode/memnode_agent.h"
#include "models/router/fabric_port.h"
#include "models/optical/optical_bridge.h"
#include "models/serdes/edge_serdes.h"
#include "platform/assembly/rank_links.h"
#include "platform/config/config.h"
#include "tlm/bus.h"

namespace wvp {

// A direction of one system link, summed over its SerDes.
struct SystemLinkTraffic {
  uint64_t items = 0, payload_bytes = 0, frames = 0, retries = 0, crc_errors = 0;
  double energy_pj = 0;
  double utilisation = 0;  // busy time over elapsed time, averaged over the SerDes
};

struct SystemLinkStats {
  std::string link;
  SystemLinkKind kind = SystemLinkKind::Edge;
  uint32_t paths = 0;            // SerDes pairs, or Z ports
  double data_gbytes_per_s = 0;  // per direction, all paths, after 64b/66b
  SystemLinkTraffic east, west;  // w_i -> w_i+1, w_i+1 -> w_i
  // Optical: the ports' events (degraded, down, up, failover) and the deliveries that waited for
  // an input buffer slot.
  std::vector<OpticalZEvent> events;
  uint64_t held = 0;
  // Optical, with SerDes on the facing edges: the pairs that carry a row's traffic while none
  // of the Z ports is up, and what crossed them.
  uint32_t edge_paths = 0;
  double edge_gbytes_per_s = 0;
  SystemLinkTraffic edge_east, edge_west;
};

// The memory node's links and the node, for reports.
struct MemNodeLinkStats {
  std::string edge;              // system.memnode
  bool optical = false;          // Z ports, else SerDes
  uint32_t paths = 0;            // SerDes or Z ports
  double data_gbytes_per_s = 0;  // per direction, all SerDes, after 64b/66b
  SystemLinkTraffic out, in;     // wafer -> node (requests, write data), node -> wafer (replies)
  MemNodeAgentStats agents;      // summed over the agents
  MemNodeStats node;
};

class SystemLinks {
 public:
  // Attaches every link of system.links and the memory node of system.memnode to `port`'s
  // fabric and drives them from now on. Throws ConfigError naming the link (see system_links())
  // or the memory node's attachment (memnode_attachment()). A request the node or an agent
  // refuses is reported to `errors` (the firmware gets an error status and acts on it).
  // With several ranks (`sync`), `wafer_rank` gives each wafer's (wafer_ranks()) and the links
  // between wafers of different ranks are cut (rank_links.h).
  SystemLinks(const PlatformConfig& config, FabricPort& port, std::function<void(const std::string&)> errors,
              const std::vector<uint32_t>& wafer_rank, RankSync& sync = RankSync::world());

  bool empty() const { return !ring_; }  // no link between wafers, no memory node
  // The links to other ranks; none in a single-process run.
  RankLinks* rank_links() { return rank_links_.get(); }
  const RankLinks* rank_links() const { return rank_links_.get(); }
  // Every SerDes and Z port with its links, the memory node and its agents.
  void checkpoint(Snapshot& s);
  // Over the run up to `end_ps` (Link::stats_at): the same figures however far the links
  // settled past the run's last cycle.
  std::vector<SystemLinkStats> stats(uint64_t end_ps) const;
  std::optional<MemNodeLinkStats> memnode_stats() const;

 private:
  struct Border {
    SystemLink link;
    std::vector<std::unique_ptr<EdgeSerdes>> east, west;  // on w_i's east and w_i+1's west edge
    // The Z ports; `east` and `west`, if any, are then its edge fallback.
    std::unique_ptr<OpticalBridge> optical;
  };
  struct MemNodeSide {
    std::string edge;
    bool optical = false;
    std::vector<std::unique_ptr<EdgeSerdes>> serdes;  // or the Z ports' links, bridged alike
    std::vector<std::unique_ptr<MemNodeAgent>> agents;  // one per SerDes
    std::unique_ptr<Bus> bus;
    std::unique_ptr<MemNode> node;
  };
  std::vector<Border> borders_;
  std::optional<MemNodeSide> memnode_;
  std::unique_ptr<EdgeRing> ring_;
  std::unique_ptr<RankLinks> rank_links_;
};

nlohmann::json to_json(const SystemLinkStats& stats);
std::string describe(const SystemLinkStats& stats);  // one line for reports
nlohmann::json to_json(const MemNodeLinkStats& stats);
std::string describe(const MemNodeLinkStats& stats);
const char* link_kind_name(SystemLinkKind kind);     // "edge", "optical"

}  // namespace wvp
