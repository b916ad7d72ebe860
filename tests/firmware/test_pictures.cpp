// End-to-end: the pictures of a run. The heat map's colour scale ends at the run's largest link
// load (or at a fixed one), a cycle window shows a phase on its own, and the activity map shows
// where each core's time went.
#include <gtest/gtest.h>

#include <regex>

#include <nlohmann/json.hpp>

#include "firmware_env.h"

namespace wvp::test {
namespace {

// The value at the top of the heat map's colour scale: the last label before its caption.
double scale_top(const std::string& svg) {
  std::smatch m;
  if (!std::regex_search(svg, m, std::regex(R"(text-anchor="middle">([^<]*)</text>\n<text[^>]*>link utilisation)"))) {
    ADD_FAILURE() << "no scale labels in " << svg.substr(0, 300);
    return -1;
  }
  return std::stod(m[1]);
}

std::string links_of(const std::string& svg) {
  const size_t begin = svg.find("<g class=\"links\""), end = svg.find("</g>", begin);
  return begin == std::string::npos ? "" : svg.substr(begin, end - begin);
}

TEST(Pictures, HeatMapScaleEndsAtTheRunsLargestLinkLoad) {
  const std::string svg = temp_path("allreduce.svg"), fixed = temp_path("fixed.svg"), stats = temp_path("allreduce.json");
  const ProcessResult r = run_wafervp({"--grid", "32x32", "--heatmap", svg, "--stats", stats, firmware("allreduce")});
  ASSERT_EQ(r.exit_code, 0) << r.err;
  double largest = 0;
  const nlohmann::json j = nlohmann::json::parse(read_file(stats));
  for (const nlohmann::json& router : j["fabric"]["routers"])
    for (const char* dir : {"N", "E", "S", "W"}) largest = std::max(largest, router["link_utilisation"][dir].get<double>());
  ASSERT_GT(largest, 0);
  ASSERT_LT(largest, 0.01) << "an all-reduce loads its links lightly: the case a fixed scale shows as one colour";
  const std::string text = read_file(svg);
  EXPECT_NEAR(scale_top(text), largest, largest * 1e-5);
  EXPECT_NE(text.find("link utilisation (scale: the largest)"), std::string::npos);
  EXPECT_NE(links_of(text).find("#fde725"), std::string::npos) << "the busiest link takes the top colour";

  const ProcessResult f = run_wafervp({"--grid", "32x32", "--heatmap", fixed, "--heatmap-scale", "1", firmware("allreduce")});
  ASSERT_EQ(f.exit_code, 0) << f.err;
  EXPECT_EQ(scale_top(read_file(fixed)), 1.0);
  EXPECT_EQ(links_of(read_file(fixed)).find("#fde725"), std::string::npos);
}

TEST(Pictures, HeatMapWindowShowsAPhaseOnItsOwn) {
  const std::string whole = temp_path("whole.svg"), all = temp_path("all.svg"), late = temp_path("late.svg");
  const std::string stats = temp_path("whole.json");
  ASSERT_EQ(run_wafervp({"--grid", "4x4", "--heatmap", whole, "--stats", stats, firmware("allreduce")}).exit_code, 0);
  const uint64_t end = nlohmann::json::parse(read_file(stats))["simulated_cycles"];
  const std::string window = "0-" + std::to_string(end - 1);
  ASSERT_EQ(run_wafervp({"--grid", "4x4", "--heatmap", all, "--heatmap-window", window, firmware("allreduce")}).exit_code, 0);
  EXPECT_EQ(links_of(read_file(all)), links_of(read_file(whole))) << "a window of the whole run is the run";
  EXPECT_NE(read_file(all).find("over cycles " + std::string("0 to ") + std::to_string(end - 1)), std::string::npos);
  // After the run's end nothing moves: every link at zero.
  const std::string after = std::to_string(end + 10) + "-" + std::to_string(end + 20);
  ASSERT_EQ(run_wafervp({"--grid", "4x4", "--heatmap", late, "--heatmap-window", after, firmware("allreduce")}).exit_code, 0);
  const std::string lt = links_of(read_file(late));
  EXPECT_NE(lt.find("#440154"), std::string::npos);
  EXPECT_EQ(lt.find("#fde725"), std::string::npos);
}

TEST(Pictures, ActivityMapSharesAddUpAndTheRunsAreAlike) {
  const std::string map = temp_path("activity.svg"), again = temp_path("activity_again.svg");
  ASSERT_EQ(run_wafervp({"--grid", "8x8", "--activity-map", map, firmware("allreduce")}).exit_code, 0);
  ASSERT_EQ(run_wafervp({"--grid", "8x8", "--activity-map", again, firmware("allreduce")}).exit_code, 0);
  const std::string svg = read_file(map);
  EXPECT_EQ(svg, read_file(again));
  EXPECT_NE(svg.find(">the dominant activity</text>"), std::string::npos);
  double total = 0;
  for (const char* activity : {"core", "tensor", "fabric", "sync", "memory", "idle"}) {
    std::smatch m;
    ASSERT_TRUE(std::regex_search(svg, m, std::regex(std::string(">") + activity + R"(: ([0-9.]+)% in all, most)"))) << activity;
    total += std::stod(m[1]);
  }
  EXPECT_NEAR(total, 100.0, 0.35);
  // The all-reduce's collectives mark their waits: fabric and sync take a visible share.
  std::smatch m;
  ASSERT_TRUE(std::regex_search(svg, m, std::regex(R"(>sync: ([0-9.]+)% in all)")));
  EXPECT_GT(std::stod(m[1]), 1.0);
}

}  // namespace
}  // namespace wvp::test
