#include <gtest/gtest.h>

#include <iostream>

#include <nlohmann/json.hpp>

#include "platform/studies/noc_study.h"

namespace wvp {
namespace {

FabricParams mesh(uint32_t k, const NocParams& noc) { return noc_fabric_params(FabricParams{}, noc, k, k); }

TEST(NocStudy, PatternsMapNodesAsDefined) {
  // 8 x 8, node (x, y) = y * 8 + x.
  EXPECT_EQ(pattern_destination(Traffic::Transpose, 1 * 8 + 3, 8, 8), 3u * 8 + 1);
  EXPECT_EQ(pattern_destination(Traffic::BitComplement, 1 * 8 + 3, 8, 8), 6u * 8 + 4);
  EXPECT_EQ(pattern_destination(Traffic::Tornado, 1 * 8 + 3, 8, 8), 4u * 8 + 6);  // + ceil(k/2) - 1 = 3 per dimension
  EXPECT_EQ(pattern_destination(Traffic::Neighbor, 7 * 8 + 7, 8, 8), 0u);
}

TEST(NocStudy, ChannelLoadBoundsOfAnEightByEightMesh) {
  EXPECT_DOUBLE_EQ(channel_load_bound(Traffic::Uniform, 8, 8, 0), 0.5);  // 4 / k
  EXPECT_DOUBLE_EQ(channel_load_bound(Traffic::Uniform, 16, 16, 0), 0.25);
  // Bit complement under XY: the cut between columns 3 and 4 carries all 4 sources of each row east.
  EXPECT_DOUBLE_EQ(channel_load_bound(Traffic::BitComplement, 8, 8, 0), 0.25);
  // Neighbor traffic loads each channel at most once: the injection channel is the limit.
  EXPECT_DOUBLE_EQ(channel_load_bound(Traffic::Neighbor, 8, 8, 0), 1.0);
  // Hotspot: the hot node ejects 0.2 * 64 + 0.8 flits per unit of offered load.
  EXPECT_NEAR(channel_load_bound(Traffic::Hotspot, 8, 8, 0.2), 1.0 / (0.2 * 64 + 0.8), 1e-12);
}

TEST(NocStudy, UniformXyAcceptsTheOfferedLoadBelowSaturation) {
  NocParams noc;
  for (double rate : {0.05, 0.15, 0.25}) {
    noc.injection_rate = rate;
    const NocResult r = run_noc(mesh(8, noc), noc);
    EXPECT_TRUE(r.drained) << rate;
    EXPECT_NEAR(r.accepted, r.generated, 0.02 * r.generated) << rate;
    EXPECT_NEAR(r.generated, rate, 0.05 * rate) << rate;  // Bernoulli sampling noise
    EXPECT_GT(r.packets_measured, 1000u);
    EXPECT_LE(r.latency_p50, r.latency_p99);
  }
}

TEST(NocStudy, SweepFindsSaturationWithinTheChannelLoadBound) {
  for (RouterPipeline pipeline : {RouterPipeline::Wafer, RouterPipeline::IqVc4Stage}) {
    NocParams noc;
    noc.measure_cycles = 5000;
    FabricParams platform;
    platform.pipeline = pipeline;
    const SweepResult s = sweep_noc(noc_fabric_params(platform, noc, 8, 8), noc, 0.05, 1.0, 3, nullptr);
    EXPECT_DOUBLE_EQ(s.channel_load_bound, 0.5);
    std::cout << pipeline_name(pipeline) << ": zero-load latency " << s.zero_load_latency << ", saturation "
              << s.saturation_rate << " flits/node/cycle = " << 100 * s.saturation_rate / s.channel_load_bound
              << "% of the channel-load bound\n";
    EXPECT_GE(s.saturation_rate, 0.5 * s.channel_load_bound) << pipeline_name(pipeline);
    EXPECT_LE(s.saturation_rate, s.channel_load_bound) << pipeline_name(pipeline);
    // The curve: latency grows with load, and the points past saturation are marked unstable.
    for (size_t i = 1; i < s.points.size(); ++i) {
      if (s.points[i].offered <= s.saturation_rate) {
        EXPECT_GE(s.points[i].latency_avg, s.points[i - 1].latency_avg * 0.98);
      }
    }
    EXPECT_FALSE(noc_stable(s.points.back(), s.zero_load_latency));
  }
}

// Points run ahead in other processes come back exactly, and those past saturation are dropped:
// every count of jobs gives the same sweep, point for point.
TEST(NocStudy, ASweepIsTheSameForAnyNumberOfJobs) {
  NocParams noc;
  noc.measure_cycles = 1000;
  const FabricParams fabric = noc_fabric_params(FabricParams{}, noc, 6, 6);
  const SweepResult one = sweep_noc(fabric, noc, 0.1, 1.0, 2, nullptr, 1);
  ASSERT_GT(one.points.size(), 3u);
  for (unsigned jobs : {2u, 3u, 8u}) {
    const SweepResult s = sweep_noc(fabric, noc, 0.1, 1.0, 2, nullptr, jobs);
    EXPECT_EQ(s.zero_load_latency, one.zero_load_latency) << jobs;
    EXPECT_EQ(s.saturation_rate, one.saturation_rate) << jobs;
    ASSERT_EQ(s.points.size(), one.points.size()) << jobs;
    for (size_t i = 0; i < s.points.size(); ++i) {
      NocResult a = s.points[i], b = one.points[i];
      a.host_seconds = b.host_seconds = 0;
      EXPECT_EQ(noc_result_record(a), noc_result_record(b)) << jobs << " jobs, point " << i;
    }
  }
}

TEST(NocStudy, AResultRecordRoundTripsExactly) {
  NocParams noc;
  noc.measure_cycles = 300;
  noc.injection_rate = 0.1;
  const NocResult r = run_noc(noc_fabric_params(FabricParams{}, noc, 4, 4), noc);
  const std::string record = noc_result_record(r);
  EXPECT_EQ(noc_result_record(noc_result_from_record(record)), record);
  EXPECT_EQ(noc_result_from_record(record).latency_avg, r.latency_avg);
  EXPECT_EQ(noc_result_from_record(record).link_utilisation, r.link_utilisation);
}

TEST(NocStudy, ZeroLoadLatencyOfTheFourStageRouterMatchesItsPipeline) {
  // At very low load on 8 x 8 uniform, mean latency ~ (mean hops + 1) * 5 + 2 + (P - 1): the
  // routers, the injection and ejection channels, the serialisation;
  // mean XY distance on a k-ary line is (k^2 - 1) / (3k), twice for two dimensions.
  NocParams noc;
  noc.injection_rate = 0.002;
  noc.measure_cycles = 40000;
  FabricParams platform;
  platform.pipeline = RouterPipeline::IqVc4Stage;
  const NocResult r = run_noc(noc_fabric_params(platform, noc, 8, 8), noc);
  const double mean_hops = 2 * (64.0 - 1) / 24;
  EXPECT_NEAR(r.latency_avg, (mean_hops + 1) * 5 + 2 + 3, 1.0);
}

TEST(NocStudy, SameSeedSameResultOtherSeedOtherTraffic) {
  NocParams noc;
  noc.injection_rate = 0.2;
  noc.measure_cycles = 3000;
  noc.pattern = Traffic::Hotspot;
  noc.routing = Routing::OddEven;
  NocResult a = run_noc(mesh(6, noc), noc), b = run_noc(mesh(6, noc), noc);
  a.host_seconds = b.host_seconds = 0;
  EXPECT_EQ(noc_result_json(a, true), noc_result_json(b, true));
  EXPECT_EQ(a.link_utilisation, b.link_utilisation);
  noc.seed = 2;
  NocResult c = run_noc(mesh(6, noc), noc);
  c.host_seconds = 0;
  EXPECT_NE(noc_result_json(a), noc_result_json(c));
}

// The cycle-level behaviour of fixed seeds, as the engine gave it before its speed work: a change
// that makes the fabric faster must leave every flit where it was (bench/fabric_reference.sh
// holds many more cases, firmware runs among them). Both pipelines, adaptive and deterministic
// routing, 1- to 5-flit packets, 1 to 4 VCs, drained and saturated points.
TEST(NocStudy, FixedSeedsGiveTheSameCyclesFlitHopsLatenciesAndStalls) {
  struct Case {
    RouterPipeline pipeline;
    Routing routing;
    Traffic pattern;
    double rate;
    uint32_t packet_flits, vcs, buffer_depth;
    uint64_t seed;
    // Expected: cycles run, flit-hops, packets delivered, p99 latency, and over the routers the
    // stall cycles and the buffers' high-water marks.
    uint64_t cycles, flit_hops, delivered;
    double latency_p99;
    uint64_t stalls, high_water;
    bool drained;
  };
  const Case cases[] = {
      {RouterPipeline::Wafer, Routing::OddEven, Traffic::Uniform, 0.45, 5, 3, 4, 1, 2756, 214785, 8781, 161, 54341, 144, true},
      {RouterPipeline::Wafer, Routing::XY, Traffic::Transpose, 0.35, 1, 1, 8, 1, 5500, 226013, 56088, 3658, 29955, 169, false},
      {RouterPipeline::IqVc4Stage, Routing::WestFirst, Traffic::Uniform, 0.3, 4, 2, 8, 1, 2756, 144252, 7371, 67, 29722, 232, true},
      {RouterPipeline::IqVc4Stage, Routing::YX, Traffic::Hotspot, 0.25, 2, 4, 8, 7, 5500, 113580, 12880, 4078, 62179, 200, false},
  };
  for (const Case& c : cases) {
    SCOPED_TRACE(std::string(pipeline_name(c.pipeline)) + " " + routing_name(c.routing) + " " + traffic_name(c.pattern));
    NocParams noc;
    noc.routing = c.routing;
    noc.pattern = c.pattern;
    noc.injection_rate = c.rate;
    noc.packet_flits = c.packet_flits;
    noc.vcs = c.vcs;
    noc.buffer_depth_flits = c.buffer_depth;
    noc.seed = c.seed;
    noc.warmup_cycles = 500;
    noc.measure_cycles = 2000;
    noc.drain_max_cycles = 3000;
    FabricParams platform;
    platform.pipeline = c.pipeline;
    const NocResult r = run_noc(noc_fabric_params(platform, noc, 6, 6), noc);
    EXPECT_EQ(r.cycles, c.cycles);
    EXPECT_EQ(r.flit_hops, c.flit_hops);
    EXPECT_EQ(r.packets_delivered, c.delivered);
    EXPECT_EQ(r.latency_p99, c.latency_p99);
    EXPECT_EQ(r.drained, c.drained);
    uint64_t stalls = 0, high_water = 0;
    for (const auto& router : nlohmann::json::parse(r.router_stats_json)) {
      stalls += router["stall_cycles"].get<uint64_t>();
      high_water += router["buffer_high_water"].get<uint64_t>();
    }
    EXPECT_EQ(stalls, c.stalls);
    EXPECT_EQ(high_water, c.high_water);
  }
}

TEST(NocStudy, JsonCarriesPerRouterLinksHighWaterAndStalls) {
  NocParams noc;
  noc.injection_rate = 0.3;
  noc.measure_cycles = 2000;
  const NocResult r = run_noc(mesh(4, noc), noc);
  const nlohmann::json j = nlohmann::json::parse(noc_result_json(r, true));
  ASSERT_EQ(j["routers"].size(), 16u);
  uint64_t stalls = 0;
  for (const auto& router : j["routers"]) {
    const uint32_t t = router["y"].get<uint32_t>() * 4 + router["x"].get<uint32_t>();
    EXPECT_DOUBLE_EQ(router["link_utilisation"]["E"].get<double>(), r.link_utilisation[t * 4 + kEast]);
    EXPECT_EQ(router["link_wavelets"]["N"].get<double>() / noc.measure_cycles, r.link_utilisation[t * 4 + kNorth]);
    EXPECT_GE(router["buffer_high_water"], 1);
    stalls += router["stall_cycles"].get<uint64_t>();
  }
  EXPECT_GT(stalls, 0u);  // 0.3 flits/node/cycle contends on a 4x4 mesh
  EXPECT_EQ(nlohmann::json::parse(noc_result_json(r)).count("routers"), 0u);
}

TEST(NocStudy, TrafficStaysInsideItsRegion) {
  NocParams noc;
  noc.injection_rate = 0.1;
  noc.region_width = noc.region_height = 4;
  noc.measure_cycles = 2000;
  const NocResult r = run_noc(mesh(32, noc), noc);
  EXPECT_NEAR(r.accepted, 0.1, 0.01);
  for (uint32_t t = 0; t < 32 * 32; ++t) {
    const bool inside = t % 32 < 4 && t / 32 < 4;
    for (int d = 0; d < 4; ++d)
      if (!inside) {
        EXPECT_EQ(r.link_utilisation[t * 4 + d], 0.0) << t;
      }
  }
}

TEST(NocStudy, BadStudySettingsAreRejected) {
  NocParams noc;
  noc.pattern = Traffic::Transpose;
  noc.region_width = 4;
  noc.region_height = 2;
  EXPECT_THROW(run_noc(mesh(8, noc), noc), FabricError);
  noc.region_width = 16;
  EXPECT_THROW(run_noc(mesh(8, noc), noc), FabricError);
}

}  // namespace
}  // namespace wvp
