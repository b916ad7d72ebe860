// The profiler behind the firmware's phase markers, and the decode's first-principles bounds.
#include <gtest/gtest.h>

#include <fstream>
#include <sstream>

#include <nlohmann/json.hpp>

#include "abi/wvp/line_root.h"
#include "platform/studies/decode_estimate.h"
#include "platform/report/phase_profile.h"
#include "support/process.h"

namespace wvp::test {
namespace {

TEST(PhaseProfile, SumsCyclesPerStepLayerAndActivity) {
  PhaseProfile p(2);
  EXPECT_FALSE(p.used());
  // Tile 0: setup until 10, qkv of layer 1 with a tensor wait 15..25, then done at 40.
  p.set_step(0, WVP_STEP_QKV, 1, 10);
  p.set_activity(0, WVP_ACTIVITY_TENSOR, 15);
  p.set_activity(0, WVP_ACTIVITY_CORE, 25);
  p.set_step(0, WVP_STEP_DONE, WVP_NO_LAYER, 40);
  // Tile 1: qkv of layer 1 from 12, a fabric wait from 30 that the step change ends at 50.
  p.set_step(1, WVP_STEP_QKV, 1, 12);
  p.set_activity(1, WVP_ACTIVITY_FABRIC, 30);
  p.set_step(1, WVP_STEP_DONE, WVP_NO_LAYER, 50);
  p.finish(0, 45);
  p.finish(1, 52);
  EXPECT_TRUE(p.used());

  const auto& setup = p.totals().at({WVP_STEP_SETUP, WVP_NO_LAYER});
  EXPECT_EQ(setup[WVP_ACTIVITY_CORE], 10u + 12u);
  const auto& qkv = p.totals().at({WVP_STEP_QKV, 1});
  EXPECT_EQ(qkv[WVP_ACTIVITY_CORE], (5u + 15u) + 18u);
  EXPECT_EQ(qkv[WVP_ACTIVITY_TENSOR], 10u);
  EXPECT_EQ(qkv[WVP_ACTIVITY_FABRIC], 20u);
  EXPECT_EQ(qkv[WVP_ACTIVITY_SYNC], 0u);

  // The window runs from leaving setup to the last done (50): tile 0 is idle 40..50.
  const PhaseProfile::Breakdown b = p.breakdown();
  EXPECT_EQ(b.cores, 2u);
  EXPECT_EQ(b.idle, 10u);
  EXPECT_EQ(b.window, (50u - 10u) + (50u - 12u));
  EXPECT_EQ(b.active[WVP_ACTIVITY_TENSOR], 10u);
  EXPECT_DOUBLE_EQ(b.share(b.idle), 100.0 * 10 / 78);

  const nlohmann::json j = p.to_json();
  EXPECT_EQ(j["breakdown"]["idle_cycles"], 10u);
  bool found = false;
  for (const auto& s : j["steps"])
    if (s["step"] == "qkv") {
      found = true;
      EXPECT_EQ(s["layer"], 1);
      EXPECT_EQ(s["cycles"], 68u);
    }
  EXPECT_TRUE(found) << j.dump();
}

TEST(PhaseProfile, NamesStepsAndActivitiesAndUnknownStepsByNumber) {
  EXPECT_EQ(PhaseProfile::step_name(200), "step 200");
  EXPECT_EQ(PhaseProfile::step_name(WVP_STEP_FFN), "ffn");
  EXPECT_EQ(PhaseProfile::activity_name(WVP_ACTIVITY_FABRIC), "fabric");
  EXPECT_EQ(PhaseProfile::activity_name(200), "activity 200");
}

TEST(PhaseProfile, TraceHasOneTrackPerKeptTileWithActivitiesInsideSteps) {
  PhaseProfile p(3);
  p.keep_timeline({0, 2});
  for (uint32_t tile = 0; tile < 3; ++tile) {
    p.set_step(tile, WVP_STEP_EMBED, WVP_NO_LAYER, 100);
    p.set_activity(tile, WVP_ACTIVITY_FABRIC, 110);
    p.set_step(tile, WVP_STEP_FFN, 2, 1100);
    p.finish(tile, 2100);
  }
  const std::string path = temp_path("trace.json");
  p.write_trace(path, Clock(1e9), [](uint32_t tile) { return "PE (" + std::to_string(tile) + ",0)"; });
  std::ifstream f(path);
  const nlohmann::json j = nlohmann::json::parse(f);
  std::map<uint32_t, std::vector<nlohmann::json>> by_track;
  for (const auto& e : j["traceEvents"])
    if (e["ph"] == "X") by_track[e["tid"]].push_back(e);
  ASSERT_EQ(by_track.size(), 2u);  // tile 1 is summed only
  const auto& events = by_track[2];
  ASSERT_EQ(events.size(), 4u);  // setup, embed with its fabric wait inside, ffn L2
  EXPECT_EQ(events[0]["name"], "setup");
  EXPECT_EQ(events[1]["name"], "embed");
  EXPECT_DOUBLE_EQ(events[1]["ts"].get<double>(), 0.1);  // 100 cycles at 1 GHz, in us
  EXPECT_DOUBLE_EQ(events[1]["dur"].get<double>(), 1.0);
  EXPECT_EQ(events[2]["name"], "fabric");
  EXPECT_EQ(events[2]["cat"], "activity");
  EXPECT_DOUBLE_EQ(events[2]["dur"].get<double>(), 0.99);
  EXPECT_EQ(events[3]["name"], "ffn L2");
  EXPECT_DOUBLE_EQ(events[3]["dur"].get<double>(), 1.0);
}

// Two layers of width 16 (hidden 40, 4 heads, 2 KV heads), 400 tokens.
llama::ModelConfig bounds_model() {
  llama::ModelConfig m;
  m.dim = 16, m.hidden_dim = 40, m.n_layers = 2, m.n_heads = 4, m.n_kv_heads = 2, m.vocab_size = 400, m.seq_len = 8;
  return m;
}

TEST(DecodeBounds, FollowFromTheShardsAndTheFirmwaresCollectives) {
  const llama::ModelConfig m = bounds_model();
  PlatformConfig c;
  c.grid_width = 2, c.grid_height = 3;
  const DecodeBounds b = decode_bounds(m, c, llama::single_stage(2, 3));
  // A tile's parts on 2 columns x 3 rows: 8 of x's elements; a KV head with its two query heads
  // (16 rows of wq|wk|wv, 8 columns of wo; rows 0 and 1 split KV head 0, row 2 holds KV head 1
  // whole), 14 hidden units, 134 vocabulary rows.
  // Per layer 16 x 8 + 8 x 8 + 28 x 8 + 8 x 14 = 528 weights, twice, and 134 x 8 classifier
  // weights: 2128.
  EXPECT_DOUBLE_EQ(b.weight_bytes_per_core, 4 * 2128.0);
  EXPECT_DOUBLE_EQ(b.sram_cycles, 4 * 2128.0 / c.sram.read_bytes_per_cycle);
  EXPECT_DOUBLE_EQ(b.compute_cycles, 2128.0 / c.tensor.fp32_lanes);
  // Lines this short meet at their first tile: a row all-reduce of n floats takes 2 x (1 hop + n),
  // a column one 2 x (2 hops + n). The norms' sums of squares travel with the products that read
  // them, one float more. Per layer q|k|v 2 x (1 + 17), the scores down KV head 0's two rows
  // 2 x (1 + 2), the maxima 6, the values with the sums 2 x (1 + 8 + 2), wo 20, w1|w3 60, w2 20:
  // 170. The embedding, a column all-reduce, 2 x (2 + 8); the logits 2 x (1 + 135), the argmax
  // 2 x (4 + 6): a row's and a column's all-reduce of one float each time.
  EXPECT_DOUBLE_EQ(b.fabric_cycles, 2 * 170 + 20 + 272 + 20);
  EXPECT_EQ(b.collectives, 18u);
  EXPECT_EQ(b.dominant(), "fabric");
  EXPECT_DOUBLE_EQ(b.largest(), 652.0);
}

TEST(DecodeBounds, ALineOf64TilesOrMoreMeetsInItsMiddle) {
  const llama::ModelConfig m = bounds_model();
  PlatformConfig c;
  c.grid_width = 64, c.grid_height = 1;
  // One row: a tile holds at most one of x's elements, both KV heads whole (32 rows of
  // wq|wk|wv, 16 columns of wo, 4 query heads), 40 hidden units and all 400 vocabulary rows; a
  // column all-reduce of n floats takes 2n. 64 tiles meet at tile 31: a row all-reduce crosses
  // the 32 hops from tile 63 to it and back, 64 + 2n. Per layer q|k|v 64 + 2 x 33, the maxima
  // 72, the values with the sums 64 + 2 x 20, wo 2, w1|w3 64 + 2 x 81, w2 2: 536. The embedding 2;
  // the logits 64 + 2 x 401, the argmax 2 x (66 + 2).
  const DecodeBounds centred = decode_bounds(m, c, llama::single_stage(64, 1));
  EXPECT_EQ(wvp_line_root(64), 31u);
  EXPECT_DOUBLE_EQ(centred.fabric_cycles, 2 * 536 + 2 + 866 + 136);
  EXPECT_EQ(centred.collectives, 16u);
  // 63 tiles meet at the first: 62 hops there and back, 124 + 2n, although the line is shorter:
  // 60 more for each of a layer's 4 row all-reduces and for the last 3.
  c.grid_width = 63;
  const DecodeBounds first = decode_bounds(m, c, llama::single_stage(63, 1));
  EXPECT_EQ(wvp_line_root(63), 0u);
  EXPECT_DOUBLE_EQ(first.fabric_cycles, 2 * (536 + 4 * 60) + 2 + 926 + 2 * (126 + 2));
}

TEST(DecodeBounds, PipelineStagesAddUpAndPayForTheirHandOffs) {
  const llama::ModelConfig m = bounds_model();
  PlatformConfig c;
  c.grid_width = 2, c.grid_height = 3;
  const DecodeBounds b = decode_bounds(m, c, llama::StagePlan{2, 3, 1, 3, 2, 1, 1});
  // A layer per stage of 1 x 3 cores, whose tiles hold all 16 of x's elements: 16 x 16 + 16 x 8
  // + 28 x 16 + 16 x 14 = 1056 weights; the last stage adds 134 x 16 classifier weights.
  EXPECT_DOUBLE_EQ(b.weight_bytes_per_core, 4 * (1056.0 + 2144));
  EXPECT_DOUBLE_EQ(b.sram_cycles, 4 * (1056.0 + 1056 + 2144) / c.sram.read_bytes_per_cycle);
  // One column of 3: a row all-reduce moves its floats twice (2 x n), a column one 2 x (2 + n).
  // Per layer 34 (q|k|v and a sum of squares) + 6 (the split head's scores) + 4 (maxima) + 20
  // (values and sums) + 36 + 58 + 36 = 194. The embedding 2 x (2 + 16); the hand-off 1 hop, 1 + 16
  // wavelets and a broadcast of 2 + 1 + 16; the logits 270, the argmax 2 x (2 + 6); the token
  // back from stage 1 at (1,0): 1 hop and a broadcast of 2 + 1.
  EXPECT_DOUBLE_EQ(b.fabric_cycles, 2 * 194 + 36 + 37 + 270 + 16 + 4);
  EXPECT_EQ(b.collectives, 20u);
}

TEST(DecodeBounds, StagesWithoutLayersPayOnlyForTheirVocabularyAndHandOffs) {
  const llama::ModelConfig m = bounds_model();
  PlatformConfig c;
  c.grid_width = 3, c.grid_height = 3;
  // Stage 0 only embeds, stage 1 runs both layers, stage 2 only classifies (1x3 blocks).
  const DecodeBounds b = decode_bounds(m, c, llama::StagePlan{3, 3, 1, 3, 3, 0, 0});
  // Per core as with a layer per stage (1056 weights a layer, 2144 classifier weights), but the
  // busiest core is the classifier's alone.
  EXPECT_DOUBLE_EQ(b.weight_bytes_per_core, 4 * 2144.0);
  EXPECT_DOUBLE_EQ(b.sram_cycles, 4 * (2 * 1056.0 + 2144) / c.sram.read_bytes_per_cycle);
  // The embedding 36, two layers of 194, two hand-offs of 37, the classifier's 286, the token
  // back from stage 2 at (2,0): 2 hops and a broadcast of 2 + 1.
  EXPECT_DOUBLE_EQ(b.fabric_cycles, 36 + 2 * 194 + 2 * 37 + 286 + 5);
  EXPECT_EQ(b.collectives, 21u);
}

}  // namespace
}  // namespace wvp::test
