// Distributed runs: the wafers of a system on MPI ranks (engine/rank_sync.h,
// platform/assembly/rank_links.h) give what one process gives: the same console, tokens, cycles
// and summary, with the links between ranks cut in halves that swap their crossings as messages.
// In a build without MPI, mpirun's ranks are refused instead.
#include <gtest/gtest.h>

#include <cstdlib>

#include "firmware_env.h"

namespace wvp::test {
namespace {

#ifdef WVP_MPIRUN

// `mpirun -np RANKS wafervp ARGS...`; CI runs as root, on fewer cores than ranks, maybe in a
// container without cross-memory attach (which Open MPI would warn of on stderr). Under ASan,
// what Open MPI leaks of its own is suppressed (support/lsan_open_mpi.supp): its components
// stay loaded and leaks are unwound in full, so that its frames are named.
ProcessResult run_ranks(int ranks, const std::vector<std::string>& args) {
  std::vector<std::string> argv = {WVP_MPIRUN, "--allow-run-as-root", "--oversubscribe",
                                   "--mca", "btl_vader_single_copy_mechanism", "none",
                                   "--mca", "mca_base_component_disable_dlclose", "1",
                                   "-x", "PMIX_MCA_mca_base_component_disable_dlclose=1",
                                   "-x", "ASAN_OPTIONS=fast_unwind_on_malloc=0",
                                   "-x", "LSAN_OPTIONS=suppressions=" WVP_LSAN_MPI ":print_suppressions=0",
                                   "-np", std::to_string(ranks), wafervp()};
  argv.insert(argv.end(), args.begin(), args.end());
  return run_process(argv, 300);
}

ProcessResult run_alone(const std::vector<std::string>& args) {
  std::vector<std::string> argv = {wafervp()};
  argv.insert(argv.end(), args.begin(), args.end());
  return run_process(argv, 300);
}

// The summary without what only the host or the ranks decide: host time, speed, the ranks' own
// line.
std::string comparable(const std::string& err) {
  std::string keep;
  for (const std::string& l : lines(simulated_summary(err)))
    if (l.find("MPI ranks") == std::string::npos) keep += l + "\n";
  return keep;
}

// A stats file without what only the host or the process decides: host figures, the mpi section,
// the host bytes of SRAM pages and router state, the scheduler's quantum rounds (the ranks' windows
// cut them too), each core's decode-cache counts (which core decoded shared code first: each
// process has its own cache) and its slow accesses (outside DMI, which follow the order of a
// process's events within a cycle: the pipeline decode's first core of rank 1 makes one fewer).
nlohmann::json comparable_stats(const std::string& path) {
  nlohmann::json j = nlohmann::json::parse(read_file(path));
  erase_host_figures(j);
  for (const char* key : {"mpi", "sram_host_bytes", "rounds"}) j.erase(key);
  j["fabric"].erase("bytes_per_touched_router");
  for (nlohmann::json& core : j["cores"])
    for (const char* key : {"decodes", "decode_hit_rate", "slow_accesses"}) core.erase(key);
  return j;
}

void expect_same_run(const ProcessResult& alone, const ProcessResult& ranked) {
  EXPECT_EQ(ranked.exit_code, alone.exit_code) << ranked.err;
  EXPECT_EQ(ranked.out, alone.out);
  EXPECT_EQ(comparable(ranked.err), comparable(alone.err));
  EXPECT_NE(ranked.err.find("2 MPI ranks, "), std::string::npos) << ranked.err;
}

const std::vector<std::string> kTwoWafers = {"--set", "system.wafers=2", "--set", "serdes.count=2", "--set",
                                             "system.links=w0.east-w1.west"};
const std::vector<std::string> kFourWafers = {"--set", "system.wafers=4", "--set", "serdes.count=2", "--set",
                                              "system.links=w0.east-w1.west,w1.east-w2.west,w2.east-w3.west"};

std::vector<std::string> joined(std::vector<std::string> a, const std::vector<std::string>& b) {
  a.insert(a.end(), b.begin(), b.end());
  return a;
}

TEST(Mpi, TwoRanksRunTheAllReduceAsOneProcessDoes) {
  const std::vector<std::string> args = joined({"run", "--grid", "4x4"}, joined(kTwoWafers, {firmware("allreduce")}));
  const ProcessResult alone = run_alone(args);
  ASSERT_EQ(alone.exit_code, 0) << alone.err;
  expect_same_run(alone, run_ranks(2, args));
}

// The 8-layer model in four stages, one per wafer, four sequences in flight: the activations and
// the tokens cross all three links, two of them within a rank and one between the ranks; with
// bit errors, frames are replayed across the ranks too (NAKs and replay timers).
TEST(Mpi, FourWaferPipelineDecodeOnTwoRanksGivesTheSingleProcessTokensCyclesAndLinks) {
  const std::string model = temp_path("m8.bin"), tokenizer = temp_path("t8.bin");
  ASSERT_EQ(run_alone({"make-model", "--layers", "8", "--dim", "64", "--out", model, "--tokenizer", tokenizer}).exit_code, 0);
  for (const std::string ber : {"1e-12", "2e-5"}) {
    const std::vector<std::string> args = joined(
        {"decode", "--grid", "8x8", "--model", model, "--tokenizer", tokenizer, "--prompt", "Once upon", "--steps", "12",
         "--set", "decode.stages=4", "--set", "decode.micro_batches=4", "--set", "serdes.bit_error_rate=" + ber},
        kFourWafers);
    const std::string one = temp_path("pipeline_one.json"), two = temp_path("pipeline_two.json");
    const ProcessResult alone = run_alone(joined(args, {"--stats", one}));
    ASSERT_EQ(alone.exit_code, 0) << alone.err;
    ASSERT_NE(alone.err.find("cycles per token"), std::string::npos) << alone.err;
    if (ber != "1e-12") {
      EXPECT_EQ(alone.err.find(", 0 retries; west"), std::string::npos) << "no replays: " << alone.err;
    }
    const ProcessResult ranked = run_ranks(2, joined(args, {"--stats", two}));
    expect_same_run(alone, ranked);
    const nlohmann::json stats_one = comparable_stats(one), stats_two = comparable_stats(two);
    EXPECT_TRUE(stats_two == stats_one) << nlohmann::json::diff(stats_one, stats_two).dump();
    // Blocks: w0 and w1 on rank 0, w2 and w3 on rank 1; only the middle link is cut.
    EXPECT_NE(ranked.err.find("link crossings in"), std::string::npos) << ranked.err;
  }
}

// Rank 0 writes the stats file alone, with the other ranks' cores, routers, fabric totals and
// phases gathered: the whole system's, as one process writes it, but for what each process's
// host decides, which the file's mpi section names.
TEST(Mpi, TheStatsFileIsTheWholeSystemsAsOneProcessWritesIt) {
  const std::string stats = temp_path("ranks.json"), alone_stats = temp_path("alone.json");
  const ProcessResult r =
      run_ranks(2, joined({"run", "--grid", "4x4", "--stats", stats}, joined(kFourWafers, {firmware("allreduce")})));
  ASSERT_EQ(r.exit_code, 0) << r.err;
  const nlohmann::json j = nlohmann::json::parse(read_file(stats));
  EXPECT_EQ(j["mpi"]["ranks"], 2);
  EXPECT_EQ(j["mpi"]["wafers_of_this_rank"], nlohmann::json::array({0, 1}));
  EXPECT_EQ(j["mpi"]["per_process"],
            nlohmann::json::array({"rounds", "cores.decodes", "cores.decode_hit_rate", "cores.slow_accesses"}));
  const ProcessResult alone =
      run_alone(joined({"run", "--grid", "4x4", "--stats", alone_stats}, joined(kFourWafers, {firmware("allreduce")})));
  ASSERT_EQ(alone.exit_code, 0) << alone.err;
  const nlohmann::json one = comparable_stats(alone_stats), two = comparable_stats(stats);
  EXPECT_EQ(two["cores"][63]["instructions"], one["cores"][63]["instructions"]) << "a core of rank 1";
  EXPECT_GT(one["cores"][63]["instructions"].get<uint64_t>(), 0u);
  EXPECT_TRUE(two == one) << nlohmann::json::diff(one, two).dump();
}

TEST(Mpi, SystemRanksPlacesTheWafers) {
  const std::vector<std::string> args =
      joined({"run", "--grid", "4x4", "--set", "system.ranks=1,0,1,0"}, joined(kFourWafers, {firmware("allreduce")}));
  const ProcessResult alone = run_alone(args);
  ASSERT_EQ(alone.exit_code, 0) << alone.err;
  expect_same_run(alone, run_ranks(2, args));
}

// Cores on both ranks wait for wavelets nobody sends: the ranks find together that nothing is
// left in flight and each reports its stuck cores, as one process would.
TEST(Mpi, ADeadlockAcrossRanksIsReportedWithEveryRanksStuckCores) {
  const std::vector<std::string> args =
      joined({"run", "--grid", "2x2", "--poke", "fault=1"}, joined(kTwoWafers, {firmware("fabric_faults")}));
  const ProcessResult alone = run_alone(args), ranked = run_ranks(2, args);
  ASSERT_EQ(alone.exit_code, 5) << alone.err;
  EXPECT_EQ(ranked.exit_code, 5) << ranked.err;
  EXPECT_NE(ranked.err.find("wafervp: error: deadlock: every remaining core waits"), std::string::npos) << ranked.err;
  EXPECT_NE(ranked.err.find("rank 1: wafervp: error: deadlock: every remaining core waits"), std::string::npos) << ranked.err;
  for (const char* pe : {"  PE (0,0) waits to receive on color 5", "rank 1:   PE (3,1) waits to receive on color 5"})
    EXPECT_NE(ranked.err.find(pe), std::string::npos) << pe << "\n" << ranked.err;
}

// A core of rank 1 traps: its report reaches rank 0, and the run's exit code is the trap's.
TEST(Mpi, ATrapOnAnotherRankEndsTheRunWithItsReport) {
  const std::vector<std::string> args = joined({"run", "--grid", "2x2"}, joined(kTwoWafers, {firmware("trap_unhandled")}));
  const ProcessResult alone = run_alone(args), ranked = run_ranks(2, args);
  ASSERT_EQ(alone.exit_code, 3) << alone.err;
  EXPECT_EQ(ranked.exit_code, 3) << ranked.err;
  EXPECT_NE(ranked.err.find("rank 1: wafervp: error: PE (2,0): unhandled trap: "), std::string::npos) << ranked.err;
}

void refused(int ranks, const std::vector<std::string>& args, const std::string& what) {
  const ProcessResult r = run_ranks(ranks, args);
  EXPECT_EQ(r.exit_code, 2) << r.err;
  EXPECT_EQ(r.out, "");
  EXPECT_NE(r.err.find(what), std::string::npos) << r.err;
  size_t said = 0;
  for (const std::string& l : lines(r.err)) said += l.rfind("wafervp: error: ", 0) == 0;
  EXPECT_EQ(said, 1u) << "one refusal, from rank 0: " << r.err;
}

TEST(Mpi, RefusesWhatRanksCannotSplit) {
  const std::string hello = firmware("hello");
  refused(3, joined({"run", "--grid", "2x2"}, joined(kTwoWafers, {hello})), "3 MPI ranks for 2 wafers (system.wafers)");
  refused(2, {"run", "--grid", "2x2", hello}, "2 MPI ranks for a system of one wafer (system.wafers 1), which has no inter-wafer links");
  refused(2, {"run", "--grid", "2x2", "--set", "system.wafers=2", "--set", "system.links=w0.z-w1.z", hello},
          "optical Z ports are not split between ranks yet");
  refused(2, joined({"run", "--grid", "2x2", "--set", "system.memnode=w1.east", "--set", "serdes.edges=east,west"},
                    joined(kTwoWafers, {hello})),
          "system.memnode 'w1.east' is on wafer w1, which runs on rank 1");
  refused(2, joined({"run", "--grid", "2x2", "--set", "system.ranks=0,2"}, joined(kTwoWafers, {hello})),
          "system.ranks: '2' (wafer w1) is not a rank of this run: 0 to 1");
  refused(2, joined({"run", "--grid", "2x2", "--set", "system.ranks=0,0"}, joined(kTwoWafers, {hello})),
          "system.ranks: rank 1 of 2 has no wafer");
  refused(2, joined({"run", "--grid", "2x2", "--set", "system.ranks=0"}, joined(kTwoWafers, {hello})),
          "system.ranks: 1 ranks given for 2 wafers");
  refused(2, joined({"run", "--grid", "2x2", "--checkpoint-at", "100", temp_path("c.ckpt")}, joined(kTwoWafers, {hello})),
          "--checkpoint-at and --restore take one process; this run has 2 MPI ranks");
  refused(2, {"noc", "--grid", "4x4"}, "only run and decode split a system over MPI ranks");
  refused(2, joined({"run", "--grid", "2x2", "--trace", temp_path("t.json")}, joined(kTwoWafers, {hello})),
          "--trace needs every tile's state, which the 2 MPI ranks do not gather yet");
}

#else

TEST(Mpi, RanksOfABuildWithoutMpiAreRefused) {
  for (const char* size : {"OMPI_COMM_WORLD_SIZE", "PMI_SIZE"}) {
    ASSERT_EQ(setenv(size, "2", 1), 0);  // the child inherits it; each test has its own process
    const ProcessResult r = run_wafervp({"--grid", "2x2", firmware("hello")});
    unsetenv(size);
    EXPECT_EQ(r.exit_code, 2) << r.err;
    EXPECT_EQ(r.out, "");
    EXPECT_EQ(lines(r.err).size(), 1u) << r.err;
    EXPECT_NE(r.err.find("started as one of 2 MPI ranks, but this wafervp was built without MPI"), std::string::npos) << r.err;
  }
  // One rank is a plain run.
  ASSERT_EQ(setenv("OMPI_COMM_WORLD_SIZE", "1", 1), 0);
  EXPECT_EQ(run_wafervp({"--grid", "2x2", firmware("hello")}).exit_code, 0);
  unsetenv("OMPI_COMM_WORLD_SIZE");
}

#endif

}  // namespace
}  // namespace wvp::test
