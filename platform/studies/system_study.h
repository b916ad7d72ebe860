// `wafervp study edge-vs-optical`: the same model decoded (a) on one wafer, (b) on several
// wafers pipelined over edge SerDes and (c) over optical Z ports, (d) on one wafer with a KV
// memory node behind its west edge's SerDes (kv-edge) or its Z ports (kv-optical), the context
// the SRAM cannot hold offloaded (platform/llama/loader.h), at each context length given,
// every point a real `wafervp decode` run in a child process (SystemC runs one simulation per
// process). Writes a CSV and two SVG charts (tokens/s per user, and the links' utilisation, against
// the context length) and prints where each case's time goes.
#pragma once
#include <cstdint>
#include <iosfwd>
#include <string>
#include <vector>

namespace wvp {

struct StudyOptions {
  std::string wafervp;                 // this binary, run for every point
  std::vector<std::string> decode_args;  // passed to every run: --model, --tokenizer, --prompt, --config, --set...
  std::vector<uint32_t> contexts = {8, 16, 32};  // positions decoded, prompt included
  uint32_t wafers = 4;                 // of the pipelined cases
  std::string edge_serdes = "12";      // serdes.count of the edge cases
  std::string kv_window = "0";         // decode.kv_window of the KV-offload cases
  // Decoded at each context: its last ones, from context - positions on (--start-position: a
  // model given by --shape, the caches taken to hold the positions before). 0: every position.
  uint32_t positions = 0;
  std::string out_dir = ".";           // edge_vs_optical.csv, edge_vs_optical_tokens.svg, _links.svg
  int timeout_seconds = 3600;          // per run
  unsigned jobs = 1;                   // runs at a time
};

// One decode run of the study.
struct StudyPoint {
  std::string case_name;  // "one-wafer", "edge", "optical", "kv-edge", "kv-optical"
  uint32_t wafers = 1, context = 0;
  bool ok = false;
  std::string error;      // the run's error line when it failed (a model that does not fit...)
  uint64_t cycles_per_token = 0;
  double tokens_per_s_per_user = 0;
  double link_utilisation = 0;        // the busiest link direction's (between wafers, or to the memory node)
  double link_bytes_per_token = 0;    // over all links
  double link_energy_nj_per_token = 0;
  double tensor_pct = 0, fabric_pct = 0, sync_pct = 0, memory_pct = 0, core_pct = 0, idle_pct = 0;
  double handoff_pct = 0;             // of the cores' time, in the hand-off step (links included)
  double host_seconds = 0;
};

// Runs every case at every context; returns the points in case, then context order. Throws
// std::runtime_error naming the file when the outputs cannot be written.
std::vector<StudyPoint> run_edge_vs_optical(const StudyOptions& options, std::ostream& out);

// The CSV of the points (a header line, then one line per point).
std::string study_csv(const std::vector<StudyPoint>& points);

}  // namespace wvp
