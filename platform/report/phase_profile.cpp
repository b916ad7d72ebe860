#include "platform/report/phase_profile.h"

#include <algorithm>
#include <cstdio>
#include <fstream>
#include <stdexcept>

#include <nlohmann/json.hpp>

namespace wvp {

namespace {

#define WVP_NAME_ENTRY(id, name) name,
constexpr const char* kStepNames[] = {WVP_STEPS(WVP_NAME_ENTRY)};
constexpr const char* kActivityNames[] = {WVP_ACTIVITIES(WVP_NAME_ENTRY)};
#undef WVP_NAME_ENTRY

bool in_window(uint32_t step) { return step != WVP_STEP_SETUP && step != WVP_STEP_DONE; }

}  // namespace

std::string PhaseProfile::step_name(uint32_t step) {
  return step < WVP_STEP_COUNT ? kStepNames[step] : "step " + std::to_string(step);
}

std::string PhaseProfile::activity_name(uint32_t activity) {
  return activity < kActivities ? kActivityNames[activity] : "activity " + std::to_string(activity);
}

PhaseProfile::PhaseProfile(uint32_t tiles) : tiles_(tiles) {}

void PhaseProfile::keep_timeline(const std::vector<uint32_t>& tiles) {
  for (uint32_t t : tiles) tiles_.at(t).timeline = true;
}

void PhaseProfile::keep_tile_activity(const CycleWindow& window) {
  per_tile_.assign(tiles_.size(), ActivityCycles{});
  tile_window_ = window;
}

void PhaseProfile::account(uint32_t tile, uint64_t cycle) {
  TileState& t = tiles_[tile];
  if (cycle > t.since) totals_[{t.step, t.layer}][t.activity] += cycle - t.since;
  if (!per_tile_.empty() && t.step != WVP_STEP_DONE && t.activity < kActivities)
    per_tile_[tile][t.activity] += tile_window_.overlap(t.since, cycle);
  t.since = std::max(t.since, cycle);
}

void PhaseProfile::close_activity(TileState& t, uint64_t cycle) {
  if (t.timeline && t.activity != WVP_ACTIVITY_CORE && cycle > t.activity_since)
    t.spans.push_back({t.activity_since, cycle, t.step, t.layer, t.activity, false});
  t.activity_since = cycle;
}

void PhaseProfile::close_step(TileState& t, uint64_t cycle) {
  close_activity(t, cycle);
  if (t.timeline && t.step != WVP_STEP_DONE && cycle > t.step_since)
    t.spans.push_back({t.step_since, cycle, t.step, t.layer, WVP_ACTIVITY_CORE, true});
  t.step_since = cycle;
}

void PhaseProfile::set_step(uint32_t tile, uint32_t step, uint32_t layer, uint64_t cycle) {
  TileState& t = tiles_[tile];
  used_ = true;
  account(tile, cycle);
  close_step(t, cycle);
  t.step = static_cast<uint8_t>(step), t.layer = static_cast<uint8_t>(layer);
  t.activity = WVP_ACTIVITY_CORE;
  if (t.started == UINT64_MAX && step != WVP_STEP_SETUP) t.started = cycle;
  if (t.done == UINT64_MAX && step == WVP_STEP_DONE) t.done = cycle;
}

void PhaseProfile::set_activity(uint32_t tile, uint32_t activity, uint64_t cycle) {
  TileState& t = tiles_[tile];
  if (activity == t.activity) return;
  used_ = true;
  account(tile, cycle);
  close_activity(t, cycle);
  t.activity = static_cast<uint8_t>(std::min<uint32_t>(activity, 255));
}

void PhaseProfile::finish(uint32_t tile, uint64_t cycle) {
  TileState& t = tiles_[tile];
  if (t.finished) return;
  t.finished = true;
  account(tile, cycle);
  close_step(t, cycle);
  if (t.started != UINT64_MAX && t.done == UINT64_MAX) t.done = std::max(cycle, t.started);
}

PhaseProfile::Windows PhaseProfile::windows() const {
  Windows w = other_ranks_;
  for (const TileState& t : tiles_) {
    if (t.started == UINT64_MAX || t.done == UINT64_MAX) continue;
    ++w.cores;
    w.done_sum += t.done;
    w.last_done = std::max(w.last_done, t.done);
  }
  return w;
}

PhaseProfile::Breakdown PhaseProfile::breakdown() const {
  Breakdown b;
  for (const auto& [key, cycles] : totals_)
    if (in_window(key.first))
      for (uint32_t a = 0; a < kActivities; ++a) b.active[a] += cycles[a];
  const Windows w = windows();
  b.cores = w.cores;
  b.idle = uint64_t{w.cores} * w.last_done - w.done_sum;
  b.window = b.idle;
  for (uint64_t c : b.active) b.window += c;
  return b;
}

nlohmann::json PhaseProfile::part() const {
  nlohmann::json totals = nlohmann::json::array();
  for (const auto& [key, cycles] : totals_) totals.push_back({key.first, key.second, cycles});
  const Windows w = windows();
  return {{"used", used_}, {"totals", totals}, {"cores", w.cores}, {"done_sum", w.done_sum}, {"last_done", w.last_done}};
}

void PhaseProfile::add_part(const nlohmann::json& part) {
  used_ = used_ || part.at("used").get<bool>();
  for (const nlohmann::json& t : part.at("totals")) {
    ActivityCycles& sum = totals_[{t.at(0).get<uint32_t>(), t.at(1).get<uint32_t>()}];
    const ActivityCycles cycles = t.at(2).get<ActivityCycles>();
    for (uint32_t a = 0; a < kActivities; ++a) sum[a] += cycles[a];
  }
  other_ranks_.cores += part.at("cores").get<uint32_t>();
  other_ranks_.done_sum += part.at("done_sum").get<uint64_t>();
  other_ranks_.last_done = std::max(other_ranks_.last_done, part.at("last_done").get<uint64_t>());
}

nlohmann::json PhaseProfile::to_json() const {
  nlohmann::json steps = nlohmann::json::array();
  for (const auto& [key, cycles] : totals_) {
    nlohmann::json s = {{"step", step_name(key.first)}};
    s["layer"] = key.second == WVP_NO_LAYER ? nlohmann::json(nullptr) : nlohmann::json(key.second);
    uint64_t sum = 0;
    for (uint32_t a = 0; a < kActivities; ++a) {
      s[activity_name(a)] = cycles[a];
      sum += cycles[a];
    }
    s["cycles"] = sum;
    steps.push_back(s);
  }
  const Breakdown b = breakdown();
  nlohmann::json shares = {{"cores", b.cores}, {"window_cycles", b.window}, {"idle_cycles", b.idle},
                           {"idle_percent", b.share(b.idle)}};
  for (uint32_t a = 0; a < kActivities; ++a) {
    shares[activity_name(a) + "_cycles"] = b.active[a];
    shares[activity_name(a) + "_percent"] = b.share(b.active[a]);
  }
  return {{"note", "cycles summed over all cores; breakdown: from leaving setup to the last core's done"},
          {"steps", steps},
          {"breakdown", shares}};
}

void PhaseProfile::write_trace(const std::string& path, const Clock& clock,
                               const std::function<std::string(uint32_t tile)>& track_name) const {
  std::ofstream f(path);
  if (!f) throw std::runtime_error(path + ": cannot write trace file");
  const double us_per_cycle = 1e6 / static_cast<double>(clock.hz());
  char number[64];
  auto us = [&](uint64_t cycles) {
    std::snprintf(number, sizeof number, "%.4f", double(cycles) * us_per_cycle);
    return std::string(number);
  };
  f << "{\"displayTimeUnit\":\"ns\",\"traceEvents\":[\n";
  bool first = true;
  auto sep = [&]() -> std::ofstream& {
    if (!first) f << ",\n";
    first = false;
    return f;
  };
  for (uint32_t tile = 0; tile < tiles_.size(); ++tile) {
    const TileState& t = tiles_[tile];
    if (!t.timeline) continue;
    sep() << "{\"name\":\"thread_name\",\"ph\":\"M\",\"pid\":0,\"tid\":" << tile << ",\"args\":{\"name\":\""
          << track_name(tile) << "\"}}";
    sep() << "{\"name\":\"thread_sort_index\",\"ph\":\"M\",\"pid\":0,\"tid\":" << tile
          << ",\"args\":{\"sort_index\":" << tile << "}}";
    // Steps before the activities inside them, so that viewers nest them.
    std::vector<Span> spans = t.spans;
    std::stable_sort(spans.begin(), spans.end(), [](const Span& a, const Span& b) {
      return a.begin != b.begin ? a.begin < b.begin : a.is_step > b.is_step;
    });
    for (const Span& s : spans) {
      std::string name = s.is_step ? step_name(s.step) : activity_name(s.activity);
      if (s.is_step && s.layer != WVP_NO_LAYER) name += " L" + std::to_string(s.layer);
      sep() << "{\"name\":\"" << name << "\",\"cat\":\"" << (s.is_step ? "step" : "activity")
            << "\",\"ph\":\"X\",\"pid\":0,\"tid\":" << tile << ",\"ts\":" << us(s.begin)
            << ",\"dur\":" << us(s.end - s.begin) << "}";
    }
  }
  f << "\n]}\n";
  if (!f) throw std::runtime_error(path + ": write failed");
}

}  // namespace wvp
