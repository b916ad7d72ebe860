#include "platform/studies/system_study.h"

#include <unistd.h>

#include <algorithm>
#include <cstdio>
#include <deque>
#include <fstream>
#include <iomanip>
#include <ostream>
#include <sstream>
#include <stdexcept>

#include <nlohmann/json.hpp>

#include "platform/support/subprocess.h"
#include "platform/report/svg_plot.h"

namespace wvp {

namespace {

struct StudyCase {
  std::string name;
  uint32_t wafers;
  std::string links;    // system.links; empty for one wafer
  std::string memnode;  // system.memnode: the KV-offload cases' memory node
  bool serdes = false;  // its links or memory node go through edge SerDes (serdes.count of the study)
};

// Appended piece by piece: GCC 12 warns falsely (-Wrestrict) on a literal plus a temporary string.
std::string chain(uint32_t wafers, const char* east, const char* west) {
  std::string links;
  for (uint32_t w = 0; w + 1 < wafers; ++w) {
    if (w) links += ',';
    links += 'w';
    links += std::to_string(w);
    links += east;
    links += "-w";
    links += std::to_string(w + 1);
    links += west;
  }
  return links;
}

std::vector<StudyCase> study_cases(uint32_t wafers) {
  return {{"one-wafer", 1, "", "", false},
          {"edge", wafers, chain(wafers, ".east", ".west"), "", true},
          {"optical", wafers, chain(wafers, ".z", ".z"), "", false},
          {"kv-edge", 1, "", "w0.west", true},
          {"kv-optical", 1, "", "w0.z", false}};
}

// The last "wafervp: error: ..." line of a failed run, or its exit code.
std::string error_of(const std::string& err, int code) {
  const size_t at = err.rfind("wafervp: error: ");
  if (at == std::string::npos) return "exit code " + std::to_string(code);
  return err.substr(at + 16, err.find('\n', at) - at - 16);
}

// A decode run of the study, started.
struct Started {
  const StudyCase* c;
  uint32_t context;
  std::string stem;  // of its output files
  int pid;
};

Started start(const StudyOptions& o, const StudyCase& c, uint32_t context, const std::string& stem) {
  std::vector<std::string> argv = {o.wafervp, "decode"};
  argv.insert(argv.end(), o.decode_args.begin(), o.decode_args.end());
  argv.insert(argv.end(), {"--set", "system.wafers=" + std::to_string(c.wafers), "--set", "system.links=" + c.links,
                           "--set", "system.memnode=" + c.memnode, "--steps", std::to_string(context), "--stats", stem + ".json"});
  if (o.positions) argv.insert(argv.end(), {"--start-position", std::to_string(context - o.positions)});
  if (c.serdes) argv.insert(argv.end(), {"--set", "serdes.count=" + o.edge_serdes});
  if (!c.memnode.empty()) argv.insert(argv.end(), {"--set", "decode.kv_window=" + o.kv_window});
  // Runs side by side share the host's cores already.
  if (o.jobs > 1) argv.insert(argv.end(), {"--threads", "1"});
  return {&c, context, stem, spawn_process(argv, stem + ".out", stem + ".err")};
}

// Waits for the run and reads what it measured, with a line of progress.
StudyPoint finish(const StudyOptions& o, const Started& run, std::ostream& out) {
  const StudyCase& c = *run.c;
  const std::string& stem = run.stem;
  StudyPoint p;
  p.case_name = c.name;
  p.wafers = c.wafers;
  p.context = run.context;
  out << "study: " << c.name << ", " << c.wafers << (c.wafers == 1 ? " wafer" : " wafers") << ", context " << run.context
      << " ..." << std::flush;
  const int code = wait_process(run.pid, o.timeout_seconds);
  if (code != 0) {
    p.error = error_of(read_file(stem + ".err"), code);
    out << " failed: " << p.error << "\n";
    return p;
  }
  const nlohmann::json j = nlohmann::json::parse(read_file(stem + ".json"));
  const nlohmann::json& d = j.at("decode");
  const double tokens = d.at("positions").get<double>();
  p.ok = true;
  p.cycles_per_token = d.at("cycles_per_token").get<uint64_t>();
  p.tokens_per_s_per_user = d.at("tokens_per_second").get<double>();
  p.host_seconds = j.at("host_seconds").get<double>();
  const nlohmann::json& b = j.at("phases").at("breakdown");
  p.tensor_pct = b.at("tensor_percent"), p.fabric_pct = b.at("fabric_percent"), p.sync_pct = b.at("sync_percent");
  p.core_pct = b.at("core_percent"), p.idle_pct = b.at("idle_percent"), p.memory_pct = b.at("memory_percent");
  double handoff = 0;
  for (const auto& s : j.at("phases").at("steps"))
    if (s.at("step") == "handoff") handoff += s.at("cycles").get<double>();
  p.handoff_pct = 100 * handoff / b.at("window_cycles").get<double>();
  const auto add_traffic = [&](const nlohmann::json& t) {
    p.link_utilisation = std::max(p.link_utilisation, t.at("utilisation").get<double>());
    p.link_bytes_per_token += t.at("payload_bytes").get<double>() / tokens;
    p.link_energy_nj_per_token += t.at("energy_pj").get<double>() / 1e3 / tokens;
  };
  if (j.contains("system"))
    for (const auto& l : j.at("system").at("links"))
      for (const char* dir : {"east", "west"}) add_traffic(l.at(dir));
  if (j.contains("memnode"))
    for (const char* dir : {"to_node", "from_node"}) add_traffic(j.at("memnode").at(dir));
  out << std::fixed << std::setprecision(1) << " " << p.cycles_per_token << " cycles/token, " << p.tokens_per_s_per_user
      << " tokens/s per user (" << p.host_seconds << " s host)\n";
  return p;
}

std::string fixed(double v, int digits) {
  std::ostringstream s;
  s << std::fixed << std::setprecision(digits) << v;
  return s.str();
}

void write_text(const std::string& path, const std::string& text) {
  std::ofstream f(path);
  f << text;
  if (!f) throw std::runtime_error(path + ": cannot write");
}

}  // namespace

std::string study_csv(const std::vector<StudyPoint>& points) {
  std::string csv =
      "case,wafers,context,ok,cycles_per_token,tokens_per_s_per_user,link_utilisation,link_bytes_per_token,"
      "link_energy_nj_per_token,tensor_pct,fabric_pct,sync_pct,memory_pct,core_pct,idle_pct,handoff_pct,host_seconds,error\n";
  for (const StudyPoint& p : points) {
    std::string error = p.error;
    for (char& ch : error)
      if (ch == ',' || ch == '"') ch = ';';
    csv += p.case_name + "," + std::to_string(p.wafers) + "," + std::to_string(p.context) + "," + (p.ok ? "1" : "0") + "," +
           std::to_string(p.cycles_per_token) + "," + fixed(p.tokens_per_s_per_user, 1) + "," +
           fixed(p.link_utilisation, 6) + "," + fixed(p.link_bytes_per_token, 1) + "," +
           fixed(p.link_energy_nj_per_token, 2) + "," + fixed(p.tensor_pct, 2) + "," + fixed(p.fabric_pct, 2) + "," +
           fixed(p.sync_pct, 2) + "," + fixed(p.memory_pct, 2) + "," + fixed(p.core_pct, 2) + "," + fixed(p.idle_pct, 2) + "," +
           fixed(p.handoff_pct, 2) + "," + fixed(p.host_seconds, 2) + "," + error + "\n";
  }
  return csv;
}

std::vector<StudyPoint> run_edge_vs_optical(const StudyOptions& o, std::ostream& out) {
  std::vector<StudyPoint> points;
  const std::string dir = o.out_dir + "/";
  // Up to o.jobs runs at a time, collected in order: the same lines and points for any count.
  const std::vector<StudyCase> cases = study_cases(o.wafers);
  std::vector<std::pair<const StudyCase*, uint32_t>> todo;
  for (const StudyCase& c : cases)
    for (uint32_t context : o.contexts) todo.emplace_back(&c, context);
  std::deque<Started> running;
  for (size_t next = 0; next < todo.size() || !running.empty();) {
    for (; next < todo.size() && running.size() < std::max(o.jobs, 1u); ++next) {
      const auto [c, context] = todo[next];
      running.push_back(start(o, *c, context, dir + "edge_vs_optical_" + c->name + "_" + std::to_string(context)));
    }
    points.push_back(finish(o, running.front(), out));
    running.pop_front();
  }
  write_text(dir + "edge_vs_optical.csv", study_csv(points));

  svg::LineChart tokens{"decode tokens/s per user (batch 1) against context", "context (positions)",
                        "tokens/s per user", {}, 0, {}};
  svg::LineChart links{"busiest link direction's utilisation against context", "context (positions)",
                       "link utilisation (%)", {}, 0, {}};
  for (const StudyCase& c : cases) {
    svg::Series t{c.name, {}}, l{c.name, {}};
    for (const StudyPoint& p : points)
      if (p.case_name == c.name && p.ok) {
        t.points.emplace_back(p.context, p.tokens_per_s_per_user);
        l.points.emplace_back(p.context, 100 * p.link_utilisation);
      }
    tokens.series.push_back(t);
    if (c.wafers > 1 || !c.memnode.empty()) links.series.push_back(l);
  }
  svg::write_file(dir + "edge_vs_optical_tokens.svg", svg::line_chart(tokens));
  svg::write_file(dir + "edge_vs_optical_links.svg", svg::line_chart(links));

  out << "\nwhere the time goes (cores' time; hand-off: waiting for and passing on x between stages, links included;\n"
         "memory: waiting for the KV memory node; links: between wafers, or to the memory node):\n";
  for (const StudyPoint& p : points) {
    out << "  " << std::left << std::setw(11) << p.case_name << std::right << " context " << std::setw(4) << p.context << ": ";
    if (!p.ok) {
      out << "did not run: " << p.error << "\n";
      continue;
    }
    out << std::fixed << std::setprecision(1) << p.cycles_per_token << " cycles/token, " << p.tokens_per_s_per_user
        << " tokens/s per user; tensor " << p.tensor_pct << "%, fabric " << p.fabric_pct << "%, sync " << p.sync_pct
        << "%, memory " << p.memory_pct << "%, core " << p.core_pct << "%, idle " << p.idle_pct << "%, of which hand-off "
        << p.handoff_pct << "%";
    if (p.link_bytes_per_token > 0)
      out << "; links " << std::setprecision(3) << 100 * p.link_utilisation << "% busy at most, " << std::setprecision(0)
          << p.link_bytes_per_token << " B and " << std::setprecision(1) << p.link_energy_nj_per_token << " nJ per token";
    out << "\n";
  }
  out << "wrote " << dir << "edge_vs_optical.csv, " << dir << "edge_vs_optical_tokens.svg, " << dir
      << "edge_vs_optical_links.svg\n";
  return points;
}

}  // namespace wvp
