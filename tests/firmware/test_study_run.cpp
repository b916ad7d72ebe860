// `wafervp study edge-vs-optical` end to end: real decode runs of every case, their CSV, charts
// and the report of where the time goes.
#include <gtest/gtest.h>

#include <unistd.h>

#include <algorithm>
#include <filesystem>
#include <sstream>

#include "firmware_env.h"

namespace wvp::test {
namespace {

std::vector<std::vector<std::string>> csv_rows(const std::string& text) {
  std::vector<std::vector<std::string>> rows;
  for (const std::string& line : lines(text)) {
    std::vector<std::string> cells;
    std::istringstream in(line);
    for (std::string cell; std::getline(in, cell, ',');) cells.push_back(cell);
    rows.push_back(cells);
  }
  return rows;
}

// Runs in parallel are collected in order: the same CSV, the host's seconds aside, and the same
// progress lines for any --jobs.
TEST(StudyRun, TheStudyIsTheSameForAnyNumberOfJobs) {
  std::vector<std::vector<std::vector<std::string>>> tables;
  std::vector<std::string> outs;
  for (const char* jobs : {"1", "3"}) {
    const std::string dir = temp_path(std::string("study_jobs_") + jobs);
    std::filesystem::create_directories(dir);
    const ProcessResult r = run_process({wafervp(), "study", "edge-vs-optical", "--contexts", "4", "--wafers", "2", "--jobs", jobs,
                                         "--edge-serdes", "2", "--kv-window", "2", "--out", dir, "--grid", "8x8", "--model",
                                         std::string(WVP_CHECKPOINT_DIR) + "/tiny.bin", "--tokenizer",
                                         std::string(WVP_CHECKPOINT_DIR) + "/tiny_tokenizer.bin", "--prompt", "Once"},
                                        600);
    ASSERT_EQ(r.exit_code, 0) << r.out << r.err;
    auto rows = csv_rows(read_file(dir + "/edge_vs_optical.csv"));
    ASSERT_EQ(rows.size(), 6u);
    const auto host = std::find(rows[0].begin(), rows[0].end(), "host_seconds") - rows[0].begin();
    for (auto& row : rows) row.erase(row.begin() + host);
    tables.push_back(rows);
    std::string progress;  // without each point's host seconds and the output folder
    for (std::string line : lines(r.out)) {
      if (line.size() > 8 && line.compare(line.size() - 8, 8, " s host)") == 0) line.erase(line.rfind(" ("));
      for (size_t at = line.find(dir); at != std::string::npos; at = line.find(dir)) line.replace(at, dir.size(), "DIR");
      progress += line + "\n";
    }
    outs.push_back(progress);
  }
  EXPECT_EQ(tables[0], tables[1]);
  EXPECT_EQ(outs[0], outs[1]);
}

TEST(StudyRun, EdgeVsOpticalRunsEveryCaseAtEveryContextAndWritesItsCsvAndCharts) {
  const std::string dir = temp_path("study");
  std::filesystem::create_directories(dir);
  const std::string model = std::string(WVP_CHECKPOINT_DIR) + "/tiny.bin";
  const ProcessResult r = run_process({wafervp(), "study", "edge-vs-optical", "--contexts", "4,8", "--wafers", "2",
                                       "--edge-serdes", "2", "--kv-window", "2", "--out", dir, "--grid", "8x8", "--model", model, "--tokenizer",
                                       std::string(WVP_CHECKPOINT_DIR) + "/tiny_tokenizer.bin", "--prompt", "Once"},
                                      600);
  ASSERT_EQ(r.exit_code, 0) << r.out << r.err;
  const auto rows = csv_rows(read_file(dir + "/edge_vs_optical.csv"));
  ASSERT_EQ(rows.size(), 11u) << read_file(dir + "/edge_vs_optical.csv");
  EXPECT_EQ(rows[0][0], "case");
  EXPECT_EQ(rows[0][5], "tokens_per_s_per_user");
  const std::vector<std::pair<std::string, std::string>> expected = {
      {"one-wafer", "4"}, {"one-wafer", "8"}, {"edge", "4"},       {"edge", "8"},       {"optical", "4"},
      {"optical", "8"},   {"kv-edge", "4"},   {"kv-edge", "8"},    {"kv-optical", "4"}, {"kv-optical", "8"}};
  for (size_t i = 0; i < expected.size(); ++i) {
    const std::vector<std::string>& row = rows[i + 1];
    EXPECT_EQ(row[0], expected[i].first);
    EXPECT_EQ(row[2], expected[i].second);
    EXPECT_EQ(row[3], "1") << "the run failed: " << row.back();
    // tokens/s per user is the clock over the cycles per token.
    EXPECT_NEAR(std::stod(row[5]), 1.1e9 / std::stod(row[4]), 0.1) << row[0];
    if (row[0] == "one-wafer") {
      EXPECT_EQ(row[1], "1");
      EXPECT_EQ(std::stod(row[6]), 0.0);
    } else if (row[0].rfind("kv-", 0) == 0) {
      // A window of two positions: the older ones cross to the memory node and back.
      EXPECT_EQ(row[1], "1");
      EXPECT_GT(std::stod(row[6]), 0.0) << "the memory node's links carried K/V";
      EXPECT_GT(std::stod(row[12]), 0.0) << "the cores waited for the memory node";
    } else {
      EXPECT_EQ(row[1], "2");
      EXPECT_GT(std::stod(row[6]), 0.0) << "the links carried the hand-offs";
      EXPECT_GT(std::stod(row[7]), 0.0);
    }
  }
  for (const char* chart : {"/edge_vs_optical_tokens.svg", "/edge_vs_optical_links.svg"})
    EXPECT_NE(read_file(dir + chart).find("<svg "), std::string::npos) << chart;
  EXPECT_NE(r.out.find("where the time goes"), std::string::npos) << r.out;
  EXPECT_NE(r.out.find("optical     context    8: "), std::string::npos) << r.out;
  EXPECT_NE(r.out.find("kv-optical  context    8: "), std::string::npos) << r.out;
  std::filesystem::remove_all(dir);
}

// --positions 2: each point decodes its context's last two positions, from --start-position on,
// which a model given by its shape allows: long contexts cost two positions each.
TEST(StudyRun, PositionsDecodesEachContextsLastOnesFromAStartPosition) {
  const std::string dir = temp_path("study_positions");
  std::filesystem::create_directories(dir);
  const ProcessResult r = run_process({wafervp(), "study", "edge-vs-optical", "--contexts", "12,28", "--positions", "2", "--wafers",
                                       "2", "--edge-serdes", "2", "--kv-window", "8", "--out", dir, "--grid", "8x8", "--shape",
                                       kTinyShape},
                                      600);
  ASSERT_EQ(r.exit_code, 0) << r.out << r.err;
  const auto rows = csv_rows(read_file(dir + "/edge_vs_optical.csv"));
  ASSERT_EQ(rows.size(), 11u) << read_file(dir + "/edge_vs_optical.csv");
  for (size_t i = 1; i < rows.size(); ++i) EXPECT_EQ(rows[i][3], "1") << "the run failed: " << rows[i].back();
  // The memory node serves the positions older than the window at context 28, none at 12.
  const auto kv_edge = [&](const std::string& context) {
    return *std::find_if(rows.begin(), rows.end(), [&](const auto& row) { return row[0] == "kv-edge" && row[2] == context; });
  };
  EXPECT_GT(std::stod(kv_edge("28")[6]), std::stod(kv_edge("12")[6]));
  size_t started = 0;
  for (const auto& entry : std::filesystem::directory_iterator(dir))
    if (entry.path().extension() == ".err") {
      const std::string err = read_file(entry.path().string());
      started += err.find("2 positions (0 of the prompt, 2 generated) from position 10 on") != std::string::npos ||
                 err.find("2 positions (0 of the prompt, 2 generated) from position 26 on") != std::string::npos;
    }
  EXPECT_EQ(started, 10u);
  const ProcessResult without_shape = run_process({wafervp(), "study", "edge-vs-optical", "--positions", "1", "--model", "m.bin",
                                                   "--tokenizer", "t.bin", "--prompt", "hi"});
  EXPECT_EQ(without_shape.exit_code, 2);
  EXPECT_NE(without_shape.err.find("--start-position needs --shape"), std::string::npos) << without_shape.err;
  const ProcessResult too_many = run_process({wafervp(), "study", "edge-vs-optical", "--contexts", "8,16", "--positions", "9"});
  EXPECT_EQ(too_many.exit_code, 2);
  EXPECT_NE(too_many.err.find("--positions 9: more than the shortest context, 8"), std::string::npos) << too_many.err;
  std::filesystem::remove_all(dir);
}

TEST(StudyRun, AnUnknownStudyOrBadContextIsRefused) {
  const ProcessResult unknown = run_process({wafervp(), "study", "edge-vs-copper"});
  EXPECT_EQ(unknown.exit_code, 2);
  EXPECT_NE(unknown.err.find("the study to run is unknown: 'edge-vs-copper' (studies: edge-vs-optical)"), std::string::npos)
      << unknown.err;
  const ProcessResult context = run_process({wafervp(), "study", "edge-vs-optical", "--contexts", "4,x"});
  EXPECT_EQ(context.exit_code, 2);
  EXPECT_NE(context.err.find("--contexts: expected an integer from 1 to 1048576, got 'x'"), std::string::npos) << context.err;
}

}  // namespace
}  // namespace wvp::test
