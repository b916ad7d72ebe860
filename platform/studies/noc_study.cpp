#include "platform/studies/noc_study.h"

#include <nlohmann/json.hpp>

#include "platform/report/fabric_report.h"
#include "platform/support/splitmix.h"
#include "platform/support/subprocess.h"

#include <algorithm>
#include <chrono>
#include <cmath>
#include <fstream>
#include <ostream>
#include <sstream>

namespace wvp {

uint32_t pattern_destination(Traffic t, uint32_t src, uint32_t w, uint32_t h) {
  const uint32_t x = src % w, y = src / w;
  switch (t) {
    case Traffic::Transpose: return x * w + y;  // square regions only (checked by run_noc)
    case Traffic::BitComplement: return (h - 1 - y) * w + (w - 1 - x);
    case Traffic::Tornado: return ((y + (h + 1) / 2 - 1) % h) * w + (x + (w + 1) / 2 - 1) % w;
    case Traffic::Neighbor: return ((y + 1) % h) * w + (x + 1) % w;
    default: return src;
  }
}

FabricParams noc_fabric_params(const FabricParams& platform, const NocParams& noc, uint32_t width, uint32_t height) {
  FabricParams p = platform;
  p.width = width;
  p.height = height;
  p.packets = true;
  p.routing = noc.routing;
  p.colors = noc.vcs;
  p.buffer_depth_flits = noc.buffer_depth_flits;
  return p;
}

namespace {

// Per-node generator state: splitmix64, so every node's stream is independent of the others'
// and of the order they are visited in.
struct Generator {
  uint64_t state;
  uint64_t next_cycle;
  uint64_t next() {
    const uint64_t z = splitmix64(state);
    state += kSplitmixGamma;
    return z;
  }
  double uniform01() { return unit_interval(next()); }
  // Cycles until the next success of a Bernoulli(p) trial per cycle (0 = this cycle).
  uint64_t geometric(double p) {
    if (p >= 1.0) return 0;
    return static_cast<uint64_t>(std::floor(std::log1p(-uniform01()) / std::log1p(-p)));
  }
};

struct Collector : Fabric::Client {
  std::vector<uint64_t> created;  // by packet id
  uint64_t window_begin = 0, window_end = 0;
  uint64_t accepted_flits = 0, generated_flits = 0;
  uint64_t measured_outstanding = 0, packets_delivered = 0;
  std::vector<uint64_t> latencies;
  void checkpoint(Snapshot& s) {
    s.fields(created, accepted_flits, generated_flits, measured_outstanding, packets_delivered, latencies);
  }
  void delivered_flit(uint64_t cycle) {
    if (cycle >= window_begin && cycle < window_end) ++accepted_flits;
  }
  void delivered(uint32_t, const Flit& f, uint64_t cycle) override {
    delivered_flit(cycle);
    if (!(f.flags & Flit::kTail)) return;
    ++packets_delivered;
    const uint64_t born = created[f.tag];
    if (born >= window_begin && born < window_end) {
      latencies.push_back(cycle - born);
      --measured_outstanding;
    }
  }
};

double packet_probability(const NocParams& noc) { return std::min(1.0, noc.injection_rate / noc.packet_flits); }

double percentile(std::vector<uint64_t>& v, double q) {
  if (v.empty()) return 0;
  const size_t k = std::min(v.size() - 1, static_cast<size_t>(std::ceil(q * v.size())) - (q > 0 ? 1 : 0));
  std::nth_element(v.begin(), v.begin() + k, v.end());
  return static_cast<double>(v[k]);
}

}  // namespace

NocResult run_noc(const FabricParams& fabric_params, const NocParams& noc, const CheckpointOptions& checkpoint,
                  const Snapshot::Identity& identity) {
  const uint32_t w = fabric_params.width, h = fabric_params.height;
  const uint32_t rw = noc.region_width ? noc.region_width : w, rh = noc.region_height ? noc.region_height : h;
  if (rw > w || rh > h) throw FabricError("noc: traffic region " + std::to_string(rw) + "x" + std::to_string(rh) + " exceeds the grid");
  if (noc.pattern == Traffic::Transpose && rw != rh) throw FabricError("noc: transpose traffic needs a square region");
  if (noc.packet_flits == 0) throw FabricError("noc: packet_flits must be at least 1");
  if (!(noc.injection_rate > 0)) throw FabricError("noc: injection_rate must be positive");
  Fabric fabric(fabric_params);
  Collector col;
  fabric.set_client(&col);
  const uint64_t warm_end = noc.warmup_cycles, measure_end = warm_end + noc.measure_cycles;
  col.window_begin = warm_end;
  col.window_end = measure_end;

  const uint32_t nodes = rw * rh;
  const double p = packet_probability(noc);
  std::vector<Generator> gens(nodes);
  for (uint32_t i = 0; i < nodes; ++i) {
    gens[i].state = noc.seed * 0x100000001b3ull + i;
    gens[i].next_cycle = gens[i].geometric(p);
  }
  const uint32_t hotspot = (rh / 2) * rw + rw / 2;
  const auto to_tile = [&](uint32_t local) { return (local / rw) * w + local % rw; };

  const auto generate_until = [&](uint64_t end) {
    for (uint32_t i = 0; i < nodes; ++i) {
      Generator& g = gens[i];
      while (g.next_cycle < end) {
        uint32_t dest;
        if (noc.pattern == Traffic::Uniform) dest = static_cast<uint32_t>(g.next() % nodes);
        else if (noc.pattern == Traffic::Hotspot)
          dest = g.uniform01() < noc.hotspot_fraction ? hotspot : static_cast<uint32_t>(g.next() % nodes);
        else dest = pattern_destination(noc.pattern, i, rw, rh);
        const uint32_t id = static_cast<uint32_t>(col.created.size());
        col.created.push_back(g.next_cycle);
        if (g.next_cycle >= warm_end && g.next_cycle < measure_end) {
          ++col.measured_outstanding;
          col.generated_flits += noc.packet_flits;
        }
        fabric.inject_packet(to_tile(i), to_tile(dest), noc.packet_flits, id, g.next_cycle);
        g.next_cycle += 1 + g.geometric(p);
      }
    }
  };

  NocResult r;
  r.width = w;
  r.height = h;
  r.offered = noc.injection_rate;
  enum Phase : uint8_t { kWarmUp, kMeasure, kDrain } phase = kWarmUp;
  // Everything that changes as the study runs, in one order for saving and restoring.
  const auto study_state = [&](Snapshot& s) {
    Snapshot::Section section(s, "noc_study");
    s.expect(nodes, "the traffic's nodes");
    s.fields(phase, gens, col, r.link_utilisation, r.router_stats_json, fabric);
  };
  if (!checkpoint.restore_path.empty()) {
    Snapshot s = Snapshot::restore(checkpoint.restore_path, identity);
    study_state(s);
    s.close();
  }
  uint64_t checkpoint_at = checkpoint.at_cycle;

  const auto start = std::chrono::steady_clock::now();
  constexpr uint64_t kChunk = 256;
  const auto run_to = [&](uint64_t end) {
    while (fabric.now() < end) {
      if (fabric.now() >= checkpoint_at) {
        Snapshot::Identity at = identity;
        at.cycle = fabric.now();
        Snapshot s = Snapshot::save(checkpoint.path, at);
        study_state(s);
        s.close();
        checkpoint_at = UINT64_MAX;
      }
      const uint64_t step_end = std::min(end, fabric.now() + kChunk);
      generate_until(step_end);
      fabric.advance(step_end);
    }
  };
  if (phase == kWarmUp) {
    run_to(warm_end);
    fabric.reset_stats();
    phase = kMeasure;
  }
  if (phase == kMeasure) {
    run_to(measure_end);
    r.link_utilisation = link_utilisation(fabric, noc.measure_cycles);
    // Text router by router: a document of every router of a big grid would take gigabytes.
    r.router_stats_json = "[";
    for (const uint32_t t : routers_with_stats(fabric)) {
      if (r.router_stats_json.size() > 1) r.router_stats_json += ',';
      r.router_stats_json += fabric_router_json(fabric, t, noc.measure_cycles).dump();
    }
    r.router_stats_json += "]";
    phase = kDrain;
  }

  const uint64_t drain_end = measure_end + noc.drain_max_cycles;
  while (col.measured_outstanding && fabric.now() < drain_end) run_to(std::min(drain_end, fabric.now() + kChunk));
  r.host_seconds = std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
  r.drained = col.measured_outstanding == 0;
  r.cycles = fabric.now();
  r.flit_hops = fabric.flit_hops();
  r.bytes_per_touched_router = fabric.bytes_per_touched_router();
  r.accepted = double(col.accepted_flits) / (double(nodes) * noc.measure_cycles);
  r.generated = double(col.generated_flits) / (double(nodes) * noc.measure_cycles);
  r.packets_delivered = col.packets_delivered;
  r.packets_measured = col.latencies.size() + col.measured_outstanding;
  if (!col.latencies.empty()) {
    double sum = 0;
    for (uint64_t l : col.latencies) sum += double(l);
    r.latency_avg = sum / double(col.latencies.size());
    r.latency_p50 = percentile(col.latencies, 0.5);
    r.latency_p99 = percentile(col.latencies, 0.99);
  }
  return r;
}

uint64_t noc_host_bytes_per_tile(const FabricParams& fabric, const NocParams& noc) {
  const uint64_t tiles = uint64_t{fabric.width} * fabric.height;
  const uint64_t nodes = uint64_t{noc.region_width ? noc.region_width : fabric.width} *
                         (noc.region_height ? noc.region_height : fabric.height);
  const double packets = noc.packet_flits ? packet_probability(noc) * double(noc.warmup_cycles + noc.measure_cycles) : 0;
  const uint64_t per_node = sizeof(Generator) + static_cast<uint64_t>(packets * 2 * sizeof(uint64_t));
  return Fabric::router_bytes(fabric) + per_node * nodes / tiles;
}

bool noc_stable(const NocResult& r, double zero_load_latency) {
  return r.drained && r.accepted >= kStableAcceptedShare * r.generated && r.latency_avg <= 3 * zero_load_latency;
}

std::string noc_result_record(const NocResult& r) {
  return nlohmann::json{{"offered", r.offered}, {"generated", r.generated}, {"accepted", r.accepted},
                        {"latency_avg", r.latency_avg}, {"latency_p50", r.latency_p50}, {"latency_p99", r.latency_p99},
                        {"packets_measured", r.packets_measured}, {"packets_delivered", r.packets_delivered},
                        {"drained", r.drained}, {"cycles", r.cycles}, {"flit_hops", r.flit_hops},
                        {"bytes_per_touched_router", r.bytes_per_touched_router}, {"host_seconds", r.host_seconds},
                        {"link_utilisation", r.link_utilisation}, {"router_stats_json", r.router_stats_json},
                        {"width", r.width}, {"height", r.height}}
      .dump();
}

NocResult noc_result_from_record(const std::string& record) {
  const nlohmann::json j = nlohmann::json::parse(record);
  NocResult r;
  j.at("offered").get_to(r.offered), j.at("generated").get_to(r.generated), j.at("accepted").get_to(r.accepted);
  j.at("latency_avg").get_to(r.latency_avg), j.at("latency_p50").get_to(r.latency_p50), j.at("latency_p99").get_to(r.latency_p99);
  j.at("packets_measured").get_to(r.packets_measured), j.at("packets_delivered").get_to(r.packets_delivered);
  j.at("drained").get_to(r.drained), j.at("cycles").get_to(r.cycles), j.at("flit_hops").get_to(r.flit_hops);
  j.at("bytes_per_touched_router").get_to(r.bytes_per_touched_router), j.at("host_seconds").get_to(r.host_seconds);
  j.at("link_utilisation").get_to(r.link_utilisation), j.at("router_stats_json").get_to(r.router_stats_json);
  j.at("width").get_to(r.width), j.at("height").get_to(r.height);
  return r;
}

namespace {

// The study at each of `runs`, up to `jobs` at a time in child processes; results in order.
std::vector<NocResult> run_noc_points(const FabricParams& fabric, const std::vector<NocParams>& runs, unsigned jobs) {
  std::vector<NocResult> results;
  try {
    for (const std::string& record :
         parallel_map(runs.size(), jobs, [&](size_t i) { return noc_result_record(run_noc(fabric, runs[i])); }))
      results.push_back(noc_result_from_record(record));
  } catch (const std::runtime_error& e) {
    throw FabricError(e.what());  // what run_noc refused, as it says it
  }
  return results;
}

}  // namespace

SweepResult sweep_noc(const FabricParams& fabric, NocParams noc, double step, double max_rate, int refine_steps,
                      std::ostream* progress, unsigned jobs) {
  if (!(step > 0) || !(max_rate >= step)) throw FabricError("noc sweep: needs 0 < step <= max rate");
  SweepResult s;
  const auto keep = [&](const NocResult& r) {
    s.points.push_back(r);
    if (progress)
      *progress << "rate " << r.offered << ": generated " << r.generated << ", accepted " << r.accepted << ", latency avg " << r.latency_avg
                << " p99 " << r.latency_p99 << (r.drained ? "" : " (did not drain)") << std::endl;  // a line as it comes, also into a file
  };
  const auto at = [&](double rate) {
    NocParams p = noc;
    p.injection_rate = rate;
    return p;
  };
  // Zero-load latency at a load where packets practically never meet, measured long enough to
  // average over the pattern's distances; it runs beside the linear pass's first rates.
  std::vector<NocParams> runs;
  {
    const double rate = std::min(kZeroLoadRate, step / 10);
    const uint32_t nodes = (noc.region_width ? noc.region_width : fabric.width) * (noc.region_height ? noc.region_height : fabric.height);
    runs.push_back(at(rate));
    runs.back().measure_cycles =
        std::max<uint64_t>(noc.measure_cycles, static_cast<uint64_t>(std::ceil(kZeroLoadPackets * noc.packet_flits / (rate * nodes))));
  }
  double stable = 0, unstable = 0;
  const int steps = static_cast<int>(std::floor(max_rate / step + 1e-9));
  bool zero_load_known = false;
  for (int i = 1; unstable == 0 && (i <= steps || !zero_load_known);) {
    for (; i <= steps && runs.size() < std::max(jobs, 1u); ++i) runs.push_back(at(i * step));
    for (const NocResult& r : run_noc_points(fabric, runs, jobs)) {
      if (!zero_load_known) {
        zero_load_known = true;
        s.zero_load_latency = r.latency_avg;
      } else if (!noc_stable(r, s.zero_load_latency)) {
        keep(r);
        unstable = r.offered;
        break;  // the rates beyond it were run ahead for nothing
      } else {
        stable = r.offered;
      }
      keep(r);
    }
    runs.clear();
  }
  for (int i = 0; unstable > 0 && i < refine_steps; ++i) {
    const NocResult r = run_noc_points(fabric, {at((stable + unstable) / 2)}, jobs).front();
    keep(r);
    (noc_stable(r, s.zero_load_latency) ? stable : unstable) = r.offered;
  }
  s.saturation_rate = stable;
  std::sort(s.points.begin(), s.points.end(), [](const NocResult& a, const NocResult& b) { return a.offered < b.offered; });
  for (size_t i = 0; i < s.points.size(); ++i)
    if (s.points[i].offered <= stable) s.heat_point = i;
  s.channel_load_bound = channel_load_bound(noc.pattern, noc.region_width ? noc.region_width : fabric.width,
                                            noc.region_height ? noc.region_height : fabric.height, noc.hotspot_fraction);
  return s;
}

double channel_load_bound(Traffic pattern, uint32_t w, uint32_t h, double hotspot_fraction) {
  // Load per unit injection rate: east/west links by (column cut, row), north/south links by
  // (row cut, column), both directions kept apart, plus every node's ejection channel.
  const uint32_t n = w * h;
  std::vector<double> east(n), west(n), south(n), north(n), eject(n);
  const auto add_path = [&](uint32_t src, uint32_t dst, double weight) {
    uint32_t x = src % w, y = src / w;
    const uint32_t dx = dst % w, dy = dst / w;
    for (; x < dx; ++x) east[y * w + x] += weight;
    for (; x > dx; --x) west[y * w + x] += weight;
    for (; y < dy; ++y) south[y * w + x] += weight;
    for (; y > dy; --y) north[y * w + x] += weight;
    eject[dst] += weight;
  };
  double uniform_share = 0;
  if (pattern == Traffic::Uniform) uniform_share = 1;
  else if (pattern == Traffic::Hotspot) uniform_share = 1 - hotspot_fraction;
  if (uniform_share > 0) {
    // Uniform XY traffic in closed form: a cut between columns c and c+1 carries, in each
    // direction, (c+1)(w-c-1)/w per node of the row; rows likewise per column.
    for (uint32_t y = 0; y < h; ++y)
      for (uint32_t x = 0; x < w; ++x) {
        const uint32_t t = y * w + x;
        east[t] += uniform_share * (x + 1) * double(w - x - 1) / w;
        west[t] += uniform_share * x * double(w - x) / w;
        south[t] += uniform_share * (y + 1) * double(h - y - 1) / h;
        north[t] += uniform_share * y * double(h - y) / h;
        eject[t] += uniform_share;
      }
  }
  for (uint32_t src = 0; src < n; ++src) {
    if (pattern == Traffic::Hotspot) add_path(src, (h / 2) * w + w / 2, hotspot_fraction);
    else if (pattern != Traffic::Uniform) add_path(src, pattern_destination(pattern, src, w, h), 1.0);
  }
  double busiest = 1.0;  // every node's injection channel carries its own load
  for (const auto* v : {&east, &west, &south, &north, &eject}) busiest = std::max(busiest, *std::max_element(v->begin(), v->end()));
  return 1.0 / busiest;
}

std::string noc_result_json(const NocResult& r, bool routers) {
  std::ostringstream os;
  os.precision(6);
  os << "{\"offered\": " << r.offered << ", \"generated\": " << r.generated << ", \"accepted\": " << r.accepted << ", \"latency_avg\": " << r.latency_avg
     << ", \"latency_p50\": " << r.latency_p50 << ", \"latency_p99\": " << r.latency_p99
     << ", \"packets_measured\": " << r.packets_measured << ", \"packets_delivered\": " << r.packets_delivered
     << ", \"drained\": " << (r.drained ? "true" : "false") << ", \"cycles\": " << r.cycles
     << ", \"flit_hops\": " << r.flit_hops << ", \"host_seconds\": " << r.host_seconds
     << ", \"flit_hops_per_second\": " << (r.host_seconds > 0 ? double(r.flit_hops) / r.host_seconds : 0)
     << ", \"bytes_per_touched_router\": " << r.bytes_per_touched_router;
  if (routers) os << ", \"routers\": " << r.router_stats_json;
  os << "}";
  return os.str();
}

std::string sweep_json(const SweepResult& s) {
  std::ostringstream os;
  os.precision(6);
  os << "{\"zero_load_latency\": " << s.zero_load_latency << ", \"saturation_rate\": " << s.saturation_rate
     << ", \"channel_load_bound\": " << s.channel_load_bound << ", \"points\": [";
  for (size_t i = 0; i < s.points.size(); ++i) os << (i ? ", " : "") << noc_result_json(s.points[i]);
  os << "]}";
  return os.str();
}

void write_sweep_csv(const std::string& path, const SweepResult& s) {
  std::ofstream out(path);
  if (!out) throw std::runtime_error(path + ": cannot write");
  out << "offered_flits_per_node_cycle,generated_flits_per_node_cycle,accepted_flits_per_node_cycle,latency_avg_cycles,latency_p50_cycles,"
         "latency_p99_cycles,drained,stable\n";
  for (const NocResult& r : s.points)
    out << r.offered << ',' << r.generated << ',' << r.accepted << ',' << r.latency_avg << ',' << r.latency_p50 << ',' << r.latency_p99 << ','
        << (r.drained ? 1 : 0) << ',' << (noc_stable(r, s.zero_load_latency) ? 1 : 0) << '\n';
  if (!out) throw std::runtime_error(path + ": write failed");
}

}  // namespace wvp
