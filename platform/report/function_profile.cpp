#include "platform/report/function_profile.h"

#include <algorithm>
#include <cstdio>
#include <numeric>

namespace wvp {

namespace {
std::string grouped(uint64_t v) {  // 1234567 -> "1,234,567"
  const std::string digits = std::to_string(v);
  std::string out;
  for (size_t i = 0; i < digits.size(); ++i) {
    if (i && (digits.size() - i) % 3 == 0) out += ',';
    out += digits[i];
  }
  return out;
}
}  // namespace

FunctionProfile::FunctionProfile(const ElfImage& image, const FunctionProfileParams& params)
    : params_(params), functions_(image.functions) {
  for (const ElfFunction& f : functions_) names_.push_back(f.name);
  names_.push_back("?");
  if (params_.group_w && params_.group_h) {
    groups_x_ = (params_.grid_w + params_.group_w - 1) / params_.group_w;
    groups_y_ = (params_.grid_h + params_.group_h - 1) / params_.group_h;
  }
  self_.assign(size_t{groups_x_} * groups_y_, std::vector<Counts>(names_.size()));
  group_cores_.assign(self_.size(), 0);
  for (uint32_t tile = 0; tile < params_.grid_w * params_.grid_h; ++tile) ++group_cores_[group_of(tile)];
}

uint32_t FunctionProfile::function_of(uint32_t address) const {
  const auto after = std::upper_bound(functions_.begin(), functions_.end(), address,
                                      [](uint32_t a, const ElfFunction& f) { return a < f.start; });
  if (after != functions_.begin() && address - std::prev(after)->start < std::prev(after)->size)
    return static_cast<uint32_t>(std::prev(after) - functions_.begin());
  return static_cast<uint32_t>(functions_.size());
}

uint32_t FunctionProfile::group_of(uint32_t tile) const {
  if (groups_x_ * groups_y_ == 1) return 0;
  const uint32_t x = tile % params_.grid_w, y = tile / params_.grid_w;
  return y / params_.group_h * groups_x_ + x / params_.group_w;
}

void FunctionProfile::sample(uint32_t tile, uint32_t pc, const CallStack& calls, uint64_t cycles, uint64_t instructions) {
  std::vector<uint32_t> stack;
  stack.reserve(calls.kept() + 1);
  for (uint32_t i = 0; i < calls.kept(); ++i) stack.push_back(function_of(calls.entries[i]));
  const uint32_t leaf = function_of(pc);
  // A tail call leaves the caller's entry on the stack: the leaf is where the pc is.
  if (stack.empty() || stack.back() != leaf) stack.push_back(leaf);
  Counts& c = stacks_[stack];
  c.cycles += cycles, c.instructions += instructions;
  Counts& s = self_[group_of(tile)][leaf];
  s.cycles += cycles, s.instructions += instructions;
}

void FunctionProfile::write_rows(std::ostream& out, const std::vector<Counts>& self, const std::vector<Counts>* total,
                                 size_t top) const {
  const uint64_t all = std::accumulate(self.begin(), self.end(), uint64_t{0},
                                       [](uint64_t sum, const Counts& c) { return sum + c.cycles; });
  std::vector<uint32_t> order(self.size());
  std::iota(order.begin(), order.end(), 0u);
  // Ties by name, so that the table does not depend on the symbol table's order.
  std::sort(order.begin(), order.end(), [&](uint32_t a, uint32_t b) {
    return self[a].cycles != self[b].cycles ? self[a].cycles > self[b].cycles : names_[a] < names_[b];
  });
  char line[160];
  std::snprintf(line, sizeof line, "  %7s %16s %8s %16s  %s\n", "self %", "self cycles", "total %", "instructions", "function");
  out << line;
  for (size_t i = 0; i < order.size() && i < top && self[order[i]].cycles; ++i) {
    const uint32_t f = order[i];
    const double share = all ? 100.0 * static_cast<double>(self[f].cycles) / static_cast<double>(all) : 0;
    char total_share[16] = "-";  // a group's table gives its own cycles only
    if (total)
      std::snprintf(total_share, sizeof total_share, "%.2f%%", all ? 100.0 * static_cast<double>((*total)[f].cycles) / static_cast<double>(all) : 0);
    std::snprintf(line, sizeof line, "  %6.2f%% %16s %8s %16s  %s\n", share, grouped(self[f].cycles).c_str(), total_share,
                  grouped(self[f].instructions).c_str(), names_[f].c_str());
    out << line;
  }
}

void FunctionProfile::write_table(std::ostream& out, size_t top) const {
  std::vector<Counts> self(names_.size()), total(names_.size());
  for (const auto& group : self_)
    for (size_t f = 0; f < group.size(); ++f) self[f].cycles += group[f].cycles, self[f].instructions += group[f].instructions;
  // A function's total: every stack it is in, once however often it recurses there.
  for (const auto& [stack, counts] : stacks_) {
    std::vector<uint32_t> in(stack);
    std::sort(in.begin(), in.end());
    in.erase(std::unique(in.begin(), in.end()), in.end());
    for (uint32_t f : in) total[f].cycles += counts.cycles;
  }
  uint64_t cycles = 0, instructions = 0;
  for (const Counts& c : self) cycles += c.cycles, instructions += c.instructions;
  out << "per-function profile of " << params_.grid_w * params_.grid_h << " cores (" << params_.grid_w << "x"
      << params_.grid_h << "): " << grouped(cycles) << " core cycles, " << grouped(instructions)
      << " instructions, sampled every " << params_.period_cycles << " cycles; total % includes callees\n";
  write_rows(out, self, &total, top);
  if (self_.size() == 1) return;
  for (uint32_t g = 0; g < self_.size(); ++g) {
    const uint32_t x0 = g % groups_x_ * params_.group_w, y0 = g / groups_x_ * params_.group_h;
    const uint32_t x1 = std::min(x0 + params_.group_w, params_.grid_w) - 1, y1 = std::min(y0 + params_.group_h, params_.grid_h) - 1;
    out << "\ncores (" << x0 << "," << y0 << ") to (" << x1 << "," << y1 << "), " << group_cores_[g] << " cores:\n";
    write_rows(out, self_[g], nullptr, top);
  }
}

void FunctionProfile::write_folded(std::ostream& out) const {
  for (const auto& [stack, counts] : stacks_) {
    if (!counts.cycles) continue;
    for (size_t i = 0; i < stack.size(); ++i) out << (i ? ";" : "") << names_[stack[i]];
    out << " " << counts.cycles << "\n";
  }
}

}  // namespace wvp
