// Host threads (sim.threads, --threads): every output of a run is the same for any thread count.
#include <map>

#include <gtest/gtest.h>

#include "firmware_env.h"

namespace wvp::test {
namespace {

// What one run gives its user, less the host's figures.
struct Outputs {
  int exit_code = -1;
  std::string out, summary, trace;
  nlohmann::json stats, threads;
};

// `wafervp COMMAND ARGS... --threads N`, with its stats JSON and phase trace when `traced`.
Outputs run_threads(const std::vector<std::string>& args, unsigned threads, bool traced = true) {
  const std::string stats = temp_path("threads.json"), trace = temp_path("threads-trace.json");
  std::vector<std::string> a = {wafervp(), args.front(), "--threads", std::to_string(threads), "--stats", stats};
  if (traced) a.insert(a.end(), {"--trace", trace});
  a.insert(a.end(), args.begin() + 1, args.end());
  const ProcessResult r = run_process(a, 600);
  Outputs o;
  o.exit_code = r.exit_code, o.out = r.out, o.summary = simulated_summary(r.err);
  if (traced) o.trace = read_file(trace);
  o.stats = nlohmann::json::parse(read_file(stats));
  o.threads = o.stats["host_threads"];
  erase_host_figures(o.stats);
  return o;
}

// Runs `args` with 1, 2, 3 and 8 threads and holds every output to the first's; returns the
// runs' thread figures by count.
std::map<unsigned, nlohmann::json> expect_same_for_any_thread_count(const std::vector<std::string>& args,
                                                                     bool traced = true) {
  const Outputs one = run_threads(args, 1, traced);
  EXPECT_EQ(one.exit_code, 0) << one.out << one.summary;
  std::map<unsigned, nlohmann::json> figures{{1, one.threads}};
  for (const unsigned threads : {2u, 3u, 8u}) {
    const Outputs many = run_threads(args, threads, traced);
    EXPECT_EQ(many.exit_code, one.exit_code) << threads << " threads";
    EXPECT_EQ(many.out, one.out) << threads << " threads";
    EXPECT_EQ(many.summary, one.summary) << threads << " threads";
    EXPECT_EQ(many.stats, one.stats) << threads << " threads";
    EXPECT_EQ(many.trace, one.trace) << threads << " threads";
    figures[threads] = many.threads;
  }
  return figures;
}

TEST(Threads, HelloIsTheSameForAnyThreadCount) {
  expect_same_for_any_thread_count({"run", "--grid", "8x8", firmware("hello")});
}

// Compute between the cores' console lines: most of the run is isolated stretches, so the
// test also holds the threads to having run them.
TEST(Threads, ComputeRunsIsolatedOnEveryThreadAndGivesTheSameResults) {
  const auto figures =
      expect_same_for_any_thread_count({"run", "--grid", "8x8", "--poke", "mixed_iterations=2", firmware("mixed")});
  EXPECT_EQ(figures.at(1)["threads"], 1);
  EXPECT_EQ(figures.at(1)["isolated_runs"], 0);
  for (const unsigned threads : {2u, 3u, 8u}) {
    EXPECT_EQ(figures.at(threads)["threads"], threads);
    EXPECT_GT(figures.at(threads)["isolated_runs"].get<uint64_t>(), 64u) << threads << " threads";
  }
}

TEST(Threads, AllReduceIsTheSameForAnyThreadCount) {
  expect_same_for_any_thread_count({"run", "--grid", "16x16", "--quantum", "97", firmware("allreduce")});
}

TEST(Threads, NeighbourExchangeIsTheSameForAnyThreadCount) {
  expect_same_for_any_thread_count({"run", "--grid", "16x8", firmware("exchange")});
}

TEST(Threads, DecodeIsTheSameForAnyThreadCount) {
  expect_same_for_any_thread_count({"decode", "--grid", "8x8", "--tokenizer", checkpoint_file("tiny_tokenizer.bin"),
                                    "--model", checkpoint_file("tiny.bin"), "--prompt", "Once upon a time", "--steps",
                                    "12", "--temperature", "0.8"});
}

// The NoC study drives the fabric alone; its JSON (not the run's stats) is what it writes.
TEST(Threads, NocStudyIsTheSameForAnyThreadCount) {
  std::string reference;
  for (const unsigned threads : {1u, 2u, 3u, 8u}) {
    const std::string json = temp_path("noc-threads.json");
    const ProcessResult r = run_process({wafervp(), "noc", "--grid", "12x12", "--threads", std::to_string(threads), "--set",
                                         "noc.injection_rate=0.3", "--set", "noc.measure_cycles=1500", "--json", json});
    ASSERT_EQ(r.exit_code, 0) << r.err;
    nlohmann::json j = nlohmann::json::parse(read_file(json));
    erase_noc_host_figures(j);
    if (reference.empty()) reference = j.dump();
    EXPECT_EQ(j.dump(), reference) << threads << " threads";
  }
}

}  // namespace
}  // namespace wvp::test
