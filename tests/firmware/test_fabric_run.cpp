// End-to-end: firmware talking over the fabric (pingpong, all-reduce, interrupts, faults).
#include <gtest/gtest.h>

#include <fstream>
#include <regex>

#include <nlohmann/json.hpp>

#include "firmware_env.h"

namespace wvp::test {
namespace {

// Cycles per round trip that pingpong prints.
uint64_t round_trip_cycles(std::vector<std::string> extra_args) {
  std::vector<std::string> args = {"--grid", "8x2"};
  args.insert(args.end(), extra_args.begin(), extra_args.end());
  args.push_back(firmware("pingpong"));
  const ProcessResult r = run_wafervp(args);
  EXPECT_EQ(r.exit_code, 0) << r.out << r.err;
  std::smatch m;
  if (!std::regex_search(r.out, m, std::regex(R"(, ([0-9]+) cycles per round trip)"))) {
    ADD_FAILURE() << r.out;
    return 0;
  }
  return std::stoull(m[1]);
}

TEST(FabricRun, PingPongRoundTripGrowsByExactlyTheHopLatency) {
  // The cores' own instructions cost the same at every distance: the difference is the
  // fabric's, two hops per extra tile of distance (there and back).
  for (const char* hop : {"1", "3"}) {
    const std::string set_hop = std::string("fabric.hop_latency_cycles=") + hop;
    const uint64_t base = round_trip_cycles({"--set", set_hop, "--poke", "distance=1"});
    for (uint32_t d = 2; d <= 7; d += 5) {
      const uint64_t t = round_trip_cycles({"--set", set_hop, "--poke", "distance=" + std::to_string(d)});
      EXPECT_EQ(t - base, 2u * (d - 1) * std::stoul(hop)) << "distance " << d << ", hop " << hop;
    }
  }
  // Reticles two tiles wide: distance 3 crosses one reticle edge each way.
  const uint64_t flat = round_trip_cycles({"--poke", "distance=3"});
  const uint64_t reticles = round_trip_cycles(
      {"--set", "wafer.reticle_width_tiles=2", "--set", "fabric.reticle_crossing_cycles=5", "--poke", "distance=3"});
  EXPECT_EQ(reticles - flat, 2u * 5u);
}

TEST(FabricRun, PingPongStatsCountEveryWaveletOnItsLinks) {
  const std::string stats = temp_path("pingpong.json");
  const ProcessResult r = run_wafervp({"--grid", "4x1", "--stats", stats, "--poke", "distance=3", "--poke", "rounds=10",
                                       firmware("pingpong")});
  ASSERT_EQ(r.exit_code, 0) << r.err;
  const nlohmann::json j = nlohmann::json::parse(read_file(stats));
  const nlohmann::json& f = j["fabric"];
  // 10 pings over 3 links plus the ramp, and 10 pongs alike: 80 router traversals.
  EXPECT_EQ(f["flit_hops"], 80);
  EXPECT_EQ(f["flits_in_flight"], 0);
  std::map<int, nlohmann::json> by_x;
  for (const auto& router : f["routers"]) by_x[router["x"].get<int>()] = router;
  ASSERT_EQ(by_x.size(), 4u);
  EXPECT_EQ(by_x[0]["link_wavelets"]["E"], 10);
  EXPECT_EQ(by_x[0]["link_wavelets"]["RAMP"], 10);
  EXPECT_EQ(by_x[1]["link_wavelets"]["E"], 10);
  EXPECT_EQ(by_x[1]["link_wavelets"]["W"], 10);
  EXPECT_EQ(by_x[3]["link_wavelets"]["RAMP"], 10);
  EXPECT_EQ(by_x[3]["link_wavelets"]["W"], 10);
  EXPECT_GT(by_x[0]["link_utilisation"]["E"].get<double>(), 0.0);
  EXPECT_GE(by_x[1]["buffer_high_water"], 1);
  // The cores waited for their replies: (0,0) and (3,0) stalled once per round at least.
  EXPECT_GE(j["cores"][0]["stalls"], 10);
  EXPECT_GT(j["cores"][0]["stall_cycles"], 0);
  EXPECT_EQ(j["cores"][0]["fabric_sends"], 10);
  EXPECT_EQ(j["cores"][0]["fabric_receives"], 10);
  EXPECT_EQ(j["cores"][3]["fabric_receives"], 10);
}

TEST(FabricRun, AllReduceOn32x32IsRightAndQuantumIndependent) {
  std::string reference_out, reference_summary;
  nlohmann::json reference_stats;
  for (const char* q : {"1", "97", "10000"}) {
    const std::string stats = temp_path("allreduce.json");
    const ProcessResult r = run_wafervp({"--grid", "32x32", "--quantum", q, "--stats", stats, firmware("allreduce")});
    ASSERT_EQ(r.exit_code, 0) << r.out << r.err;
    EXPECT_TRUE(std::regex_search(r.out, std::regex(R"(\(0,0\) allreduce: 32x32 grid, 16 floats, sum ok \(element 0 = 523776\), )"
                                                    R"([0-9]+ cycles = [0-9.]+ us)")))
        << r.out;
    nlohmann::json j = nlohmann::json::parse(read_file(stats));
    // Host-side figures may differ; everything simulated must not.
    erase_host_figures(j);
    for (const char* k : {"rounds", "quantum_cycles"}) j.erase(k);
    for (auto& c : j["cores"]) c.erase("decodes"), c.erase("decode_hit_rate");
    if (reference_out.empty()) {
      reference_out = r.out, reference_summary = simulated_summary(r.err), reference_stats = j;
      continue;
    }
    EXPECT_EQ(r.out, reference_out) << "quantum " << q;
    EXPECT_EQ(simulated_summary(r.err), reference_summary) << "quantum " << q;
    EXPECT_EQ(j, reference_stats) << "quantum " << q;
  }
}

TEST(FabricRun, EveryCollectiveGivesTheRightValuesOnAnyGridShape) {
  // Broadcasts from edge and middle roots, row and column all-reduces (sum, max), all-reduce
  // max, argmax with ties, a barrier, all-gathers and column segments' all-reduces; the firmware
  // checks every element on every core.
  // 100x2: rows that meet in their middle; 260x3 and 3x260: halves of rows and columns (130 tiles)
  // long enough to reduce in groups, the last group shorter.
  for (const char* grid : {"1x1", "5x3", "3x6", "7x7", "19x17", "3x40", "100x2", "260x3", "3x260"}) {
    const ProcessResult r = run_wafervp({"--grid", grid, "--quantum", "37", firmware("collectives_check")});
    EXPECT_EQ(r.exit_code, 0) << grid << "\n" << r.out << r.err;
    EXPECT_NE(r.out.find(std::string("(0,0) collectives ok on ") + grid), std::string::npos) << r.out;
  }
}

TEST(FabricRun, ShardedMatrixVectorProductIsRightOnEveryCore) {
  // 37 rows over grids that do not divide them, the rows computed by each core's tensor
  // engine and all-gathered over the fabric; every core checks the whole result.
  for (const char* grid : {"1x1", "1x3", "3x5", "8x8"}) {
    const ProcessResult r = run_wafervp({"--grid", grid, firmware("matvec_check")});
    EXPECT_EQ(r.exit_code, 0) << grid << "\n" << r.out << r.err;
    EXPECT_NE(r.out.find(std::string("(0,0) matvec 37x24 sharded over ") + grid + " cores: right on every core"),
              std::string::npos)
        << r.out;
  }
}

TEST(FabricRun, ArrivalInterruptWakesWfiAndInterruptsARunningCoreAtTheSameCycleForAnyQuantum) {
  for (const char* mode : {"0", "1"}) {
    std::string reference;
    for (const char* q : {"1", "10", "1000"}) {
      const ProcessResult r =
          run_wafervp({"--grid", "2x1", "--quantum", q, "--poke", std::string("mode=") + mode, firmware("fabric_irq")});
      ASSERT_EQ(r.exit_code, 0) << r.out << r.err;
      EXPECT_NE(r.out.find(std::string("irq mode ") + mode + ": wavelet 0xc0ffee at cycle "), std::string::npos) << r.out;
      EXPECT_NE(r.out.find("pending now 0x0"), std::string::npos) << r.out;  // the receive cleared it
      if (reference.empty()) reference = r.out;
      EXPECT_EQ(r.out, reference) << "mode " << mode << ", quantum " << q;
    }
    // A running core spins until the interrupt comes; a sleeping one does not run at all.
    EXPECT_EQ(reference.find("after 0 spins") != std::string::npos, std::string(mode) == "0") << reference;
  }
}

ProcessResult run_fault(const char* fault) {
  return run_wafervp({"--grid", "2x2", "--poke", std::string("fault=") + fault, firmware("fabric_faults")});
}

TEST(FabricRun, CoresWaitingForWaveletsNobodySendsEndInADeadlockReport) {
  const ProcessResult r = run_fault("1");
  EXPECT_EQ(r.exit_code, 5);
  EXPECT_NE(r.err.find("error: deadlock:"), std::string::npos) << r.err;
  EXPECT_TRUE(std::regex_search(r.err, std::regex(R"(PE \(1,1\) waits to receive on color 5 at pc 0x8[0-9a-f]{7})")))
      << r.err;
}

TEST(FabricRun, RouteOffTheGridNamesTileColorAndPort) {
  const ProcessResult r = run_fault("2");
  EXPECT_EQ(r.exit_code, 3);
  EXPECT_NE(r.err.find("error: PE (0,0): fabric: router (0,0): color 6 from RAMP routed to port W, which leaves the grid"),
            std::string::npos)
      << r.err;
  EXPECT_NE(r.err.find("store access fault"), std::string::npos) << r.err;
}

TEST(FabricRun, CyclicColorRouteIsReportedAsAFabricDeadlock) {
  const ProcessResult r = run_fault("3");
  EXPECT_EQ(r.exit_code, 5);
  EXPECT_TRUE(std::regex_search(r.err, std::regex(R"(error: at cycle [0-9]+: fabric: deadlock: 4 full buffers wait )"
                                                  R"(on each other in a cycle: .*router \(1,1\) color 7)")))
      << r.err;
}

TEST(FabricRun, WaveletThatNeverGetsARouteIsReported) {
  const ProcessResult r = run_fault("4");
  EXPECT_EQ(r.exit_code, 5);
  EXPECT_NE(r.err.find("router (1,0): a wavelet on color 6 from port W has waited"), std::string::npos) << r.err;
  EXPECT_NE(r.err.find("sent by tile (0,0)"), std::string::npos) << r.err;
}

std::string write_config(const std::string& name, const std::string& yaml) {
  const std::string path = temp_path(name);
  std::ofstream(path) << yaml;
  return path;
}

// The all-reduce's line without its timing.
std::string allreduce_result(const std::string& out) {
  const size_t cut = out.find("), ");
  return cut == std::string::npos ? out : out.substr(0, cut);
}

TEST(FabricRun, DefectiveTilesChangeTheTimingButNotTheResults) {
  const std::string defects =
      write_config("defects.yaml", "wafer:\n  spare_columns: 1\n  defects: [\"2,0\", \"5,3\", \"0,7\", \"8,6\"]\n");
  const std::string random = write_config("random.yaml", "wafer:\n  spare_columns: 2\n  defect_rate: 0.05\n  defect_seed: 3\n");
  const ProcessResult perfect = run_wafervp({"--grid", "8x8", firmware("allreduce")});
  ASSERT_EQ(perfect.exit_code, 0) << perfect.err;
  for (const std::string& config : {defects, random}) {
    const std::string stats = temp_path("defects.json");
    const ProcessResult r = run_wafervp({"--grid", "8x8", "--config", config, "--stats", stats, firmware("allreduce")});
    ASSERT_EQ(r.exit_code, 0) << r.err;
    EXPECT_EQ(allreduce_result(r.out), allreduce_result(perfect.out));  // timing: see the pingpong below
    const nlohmann::json j = nlohmann::json::parse(read_file(stats));
    EXPECT_EQ(j["wafer"]["defective_tiles"].size() >= 4u, config == defects) << j["wafer"].dump();
    EXPECT_GE(j["wafer"]["defective_tiles"].size(), 1u);
    EXPECT_EQ(j["wafer"]["physical_width"], config == defects ? 9 : 10);
  }
  // One defective tile in row 0 between the two cores: one tile more of wire each way.
  const std::string one = write_config("one.yaml", "wafer:\n  spare_columns: 1\n  defects: [\"2,0\"]\n");
  for (const char* hop : {"1", "3"}) {
    const std::string set_hop = std::string("fabric.hop_latency_cycles=") + hop;
    const uint64_t straight = round_trip_cycles({"--set", set_hop, "--poke", "distance=5"});
    const uint64_t detour = round_trip_cycles({"--config", one, "--set", set_hop, "--poke", "distance=5"});
    EXPECT_EQ(detour - straight, 2u * std::stoul(hop)) << "hop " << hop;
  }
}

TEST(FabricRun, RoutingPlanFromTheConfigIsInPlaceBeforeTheCoresStart) {
  // fault=4 sends from (0,0) to (1,0), whose core never routes color 6: the plan does.
  const std::string plan = write_config("plan.yaml", "fabric:\n  routes:\n    - \"1,0 6 west>ramp\"\n");
  const std::string stats = temp_path("plan.json");
  const ProcessResult r = run_wafervp(
      {"--grid", "2x2", "--config", plan, "--stats", stats, "--poke", "fault=4", firmware("fabric_faults")});
  EXPECT_EQ(r.exit_code, 5);  // (0,0) then waits on color 8 for good
  EXPECT_EQ(r.err.find("never set"), std::string::npos) << r.err;
  EXPECT_NE(r.err.find("PE (0,0) waits to receive on color 8"), std::string::npos) << r.err;
  const nlohmann::json j = nlohmann::json::parse(read_file(stats));
  bool delivered = false;
  for (const auto& router : j["fabric"]["routers"])
    if (router["x"] == 1 && router["y"] == 0) delivered = router["link_wavelets"]["RAMP"] == 1;
  EXPECT_TRUE(delivered) << j["fabric"].dump();

  const std::string bad = write_config("bad_plan.yaml", "fabric:\n  routes:\n    - \"0-1,1 3 ramp>south\"\n");
  const ProcessResult e = run_wafervp({"--grid", "2x2", "--config", bad, firmware("hello")});
  EXPECT_EQ(e.exit_code, 2);
  EXPECT_NE(e.err.find("bad_plan.yaml:3: fabric.routes: fabric: router (0,1): color 3 from RAMP routed to port S, "
                       "which leaves the grid"),
            std::string::npos)
      << e.err;
}

TEST(FabricRun, WaveletsNobodyReceivesAreReportedAndAStuckFabricIsADeadlockNotAHang) {
  const ProcessResult ended = run_fault("5");
  EXPECT_EQ(ended.exit_code, 0) << ended.err;
  EXPECT_NE(ended.err.find("note: 10 wavelets were sent but never received"), std::string::npos) << ended.err;
  // The same, with (0,0) then waiting for a reply: the fabric holds flits but will never move
  // them, so the run ends as a deadlock at once.
  const ProcessResult stuck = run_fault("6");
  EXPECT_EQ(stuck.exit_code, 5) << stuck.err;
  EXPECT_NE(stuck.err.find("PE (0,0) waits to receive on color 8"), std::string::npos) << stuck.err;
}

TEST(FabricRun, HeatmapOfARunIsAnSvgOfTheWafer) {
  const std::string svg = temp_path("heat.svg");
  const ProcessResult r = run_wafervp({"--grid", "4x4", "--heatmap", svg, firmware("allreduce")});
  ASSERT_EQ(r.exit_code, 0) << r.err;
  const std::string text = read_file(svg);
  EXPECT_EQ(text.rfind("<?xml", 0), 0u) << text.substr(0, 100);
  EXPECT_NE(text.find("<svg"), std::string::npos);
  EXPECT_NE(text.find("fabric link utilisation over"), std::string::npos);
}

// Every core sends one wavelet east and receives one from the west, each row a ring: an east
// wavelet crosses 2 routers, the wrap-around one all W of the row. The cores write only their
// stack: one SRAM page each besides the image they share.
TEST(FabricRun, NeighbourExchangeRingsEveryRow) {
  const std::string stats = temp_path("exchange.json");
  const ProcessResult r = run_wafervp({"--grid", "8x4", "--stats", stats, firmware("exchange")});
  ASSERT_EQ(r.exit_code, 0) << r.err;
  const nlohmann::json j = nlohmann::json::parse(read_file(stats));
  for (const nlohmann::json& core : j["cores"]) EXPECT_EQ(core["exit_code"], 0) << core;
  EXPECT_EQ(j["fabric"]["flit_hops"], 4 * (7 * 2 + 8));
  const uint64_t per_tile = 1024 + 48 * sizeof(void*);  // a stack page, and the table of own pages
  const uint64_t sram = j["sram_host_bytes"];
  ASSERT_GE(sram, 32 * per_tile);
  EXPECT_LE(sram - 32 * per_tile, 4096u) << "more than the shared image besides a stack page per tile";
}

}  // namespace
TEST(FabricRun, TheCoresRegisterFastPathGivesWhatTheBusGives) {
  // The same firmware with the cores' registers reached by direct calls (the default) and by
  // b_transport through the bus: every simulated output must be the same. The firmware covers
  // the control block (console, exit, markers, timer), the fabric port (blocking sends and
  // receives, status reads, route writes ahead, arrival interrupts) and the tensor engine
  // (operations, streams from and to the fabric, its interrupt).
  struct Case {
    const char* elf;
    const char* grid;
  };
  for (const Case& c : {Case{"allreduce", "16x8"}, Case{"pingpong", "4x1"}, Case{"fabric_irq", "2x1"},
                        Case{"fabric_faults", "4x4"}, Case{"tensor_stream", "4x4"}, Case{"tensor_check", "2x2"},
                        Case{"sleepy", "4x4"}, Case{"trap", "3x2"}, Case{"matvec_check", "3x5"}}) {
    std::string out[2], summary[2];
    nlohmann::json stats[2];
    int exit_code[2];
    for (int fast = 0; fast < 2; ++fast) {
      const std::string path = temp_path(std::string(c.elf) + (fast ? "-fast.json" : "-tlm.json"));
      const ProcessResult r = run_wafervp({"--grid", c.grid, "--set", fast ? "core.register_path=fast" : "core.register_path=tlm",
                                           "--stats", path, firmware(c.elf)});
      exit_code[fast] = r.exit_code, out[fast] = r.out, summary[fast] = simulated_summary(r.err);
      stats[fast] = nlohmann::json::parse(read_file(path));
      erase_host_figures(stats[fast]);
      for (auto& core : stats[fast]["cores"]) core.erase("decodes"), core.erase("decode_hit_rate");
    }
    EXPECT_EQ(exit_code[1], exit_code[0]) << c.elf;
    EXPECT_EQ(out[1], out[0]) << c.elf;
    EXPECT_EQ(summary[1], summary[0]) << c.elf;
    EXPECT_EQ(stats[1], stats[0]) << c.elf;
    EXPECT_GT(stats[0]["cores"][0]["slow_accesses"].get<uint64_t>(), 0u) << c.elf;
  }
}

}  // namespace wvp::test
