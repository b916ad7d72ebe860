// `wafervp noc`: synthetic-traffic studies of the fabric without cores.
//
// Every node of the traffic region generates packets by a Bernoulli process (a packet of P flits
// with probability rate / P per cycle), addressed by a traffic pattern. A run has three phases:
// warm-up (packets not measured), measurement (packets created in this window are measured;
// accepted throughput and link utilisation are counted over it), and drain (the network keeps
// running under the same load until every measured packet has arrived). Latency is counted from
// the packet's creation, source queueing included, to the arrival of its tail.
#pragma once
#include <cstdint>
#include <iosfwd>
#include <string>
#include <vector>

#include "engine/snapshot.h"
#include "models/router/fabric.h"
#include "platform/config/noc_params.h"

namespace wvp {

struct NocResult {
  double offered = 0;            // flits/node/cycle, the nominal injection rate
  double generated = 0;          // flits/node/cycle created during measurement (the realised offer)
  double accepted = 0;           // flits/node/cycle delivered during measurement
  double latency_avg = 0, latency_p50 = 0, latency_p99 = 0;  // cycles, measured packets
  uint64_t packets_measured = 0, packets_delivered = 0;
  bool drained = false;          // every measured packet arrived within drain_max_cycles
  uint64_t cycles = 0;           // simulated in all
  uint64_t flit_hops = 0;        // router traversals, for speed figures
  uint64_t bytes_per_touched_router = 0;  // host bytes of the fabric's state (Fabric::bytes_per_touched_router)
  double host_seconds = 0;
  std::vector<double> link_utilisation;  // tile * 4 + direction, over the measurement window
  std::string router_stats_json;  // per-router links, high-water marks, stalls (measurement window)
  uint32_t width = 0, height = 0;
};

// Fabric settings for a study: the platform's pipeline, timing and reticles, with the study's
// VCs, buffers and routing.
FabricParams noc_fabric_params(const FabricParams& platform, const NocParams& noc, uint32_t width, uint32_t height);

// With `checkpoint`, the study's state (the fabric, the generators, what is measured so far) is
// written at the first chunk of cycles from its cycle on, or the study continues from a
// checkpoint of the same config (`identity`). Throws CheckpointError for a file that does not fit.
NocResult run_noc(const FabricParams& fabric, const NocParams& noc, const CheckpointOptions& checkpoint = {},
                  const Snapshot::Identity& identity = {});
// Host bytes a study takes per tile of the grid, to refuse one the host cannot hold before it
// runs: a router, and per node of the traffic region its generator and, for each packet it makes
// before the drain, the creation cycle and latency the study keeps.
uint64_t noc_host_bytes_per_tile(const FabricParams& fabric, const NocParams& noc);

// Destination of a packet from `src` under a deterministic pattern (all but uniform/hotspot),
// on a w x h region; exposed for tests.
uint32_t pattern_destination(Traffic t, uint32_t src, uint32_t w, uint32_t h);

// A sweep over offered load: the zero-load latency at kZeroLoadRate (or step / 10 if lower) over
// at least kZeroLoadPackets packets, a linear pass from `step` to `max_rate`, then bisection
// between the last stable and the first saturated rate. Progress lines are flushed as they come.
// With `jobs` > 1 the points run in that many processes: the linear pass `jobs` rates at a time,
// the rates past the first saturated one dropped, so every count of jobs gives the same points.
constexpr double kZeroLoadRate = 0.001;  // flits/node/cycle
constexpr double kZeroLoadPackets = 2000;
struct SweepResult {
  std::vector<NocResult> points;  // in order of offered load
  double zero_load_latency = 0;   // at a near-zero load (the first point)
  double saturation_rate = 0;     // highest stable offered load found
  double channel_load_bound = 0;  // see channel_load_bound()
  size_t heat_point = 0;          // the point drawn in the heat map: the busiest stable one
};
SweepResult sweep_noc(const FabricParams& fabric, NocParams noc, double step, double max_rate, int refine_steps,
                      std::ostream* progress, unsigned jobs = 1);
// A point is stable when it drained, accepted within 1% of what was generated (in a stable
// network the two differ only by the packets in flight at the window's edges), and its latency
// stayed under three times the zero-load latency.
constexpr double kStableAcceptedShare = 0.99;
bool noc_stable(const NocResult& r, double zero_load_latency);

// The offered load (flits/node/cycle) at which the busiest channel of the region, injection and
// ejection channels included, is fully loaded under XY routing: the throughput no router can
// beat with minimal dimension-order routing (0.5 for uniform traffic on 8 x 8).
double channel_load_bound(Traffic pattern, uint32_t w, uint32_t h, double hotspot_fraction);

// Every field, doubles exactly (a point computed in another process comes back as it was).
std::string noc_result_record(const NocResult& r);
NocResult noc_result_from_record(const std::string& record);

// One JSON object; with `routers`, also the per-router statistics.
std::string noc_result_json(const NocResult& r, bool routers = false);
std::string sweep_json(const SweepResult& s);     // the summary and every point
void write_sweep_csv(const std::string& path, const SweepResult& s);

}  // namespace wvp
