#include "rtl/router/rtl_router.h"

#include <algorithm>
#include <array>
#include <deque>
#include <utility>
#include <vector>

#include <verilated.h>

#include "Vwvp_router.h"
#include "Vwvp_router_bug.h"
#include "rtl/fst_trace.h"

namespace wvp {
namespace {

constexpr uint64_t kTimePerCycle = 1000;

template <class Model>
class RtlRouter final : public RouterTwin {
 public:
  RtlRouter(const FabricParams& p, const std::string& name, const std::string& fst_path)
      : context_(std::make_unique<VerilatedContext>()), colors_(p.colors), credits_(kPorts * p.colors, 0) {
    context_->traceEverOn(!fst_path.empty());
    model_ = std::make_unique<Model>(context_.get(), name.c_str());
    model_->cfg_colors = static_cast<uint8_t>(p.colors);
    model_->cfg_link_depth = static_cast<uint8_t>(p.buffer_depth_flits);
    model_->cfg_ramp_depth = static_cast<uint8_t>(p.tx_queue_depth_flits);
    model_->cfg_link_credits = static_cast<uint8_t>(p.buffer_depth_flits);
    model_->cfg_ramp_credits = static_cast<uint8_t>(p.rx_queue_depth_flits);
    if (!fst_path.empty()) trace_.open(*model_, fst_path, "RTL router " + name);
    // Verilator sees an edge only against a value it has evaluated.
    model_->clk = 0;
    model_->eval();
    model_->rst_n = 0;
    tick(0);
    model_->rst_n = 1;
  }

  ~RtlRouter() override {
    finish();
    model_->final();
  }

  void finish() override {
    if (!trace_.is_open()) return;
    tick(time_ / kTimePerCycle);  // the waveform shows the last decisions committed
    trace_.close();
  }

  void write_flit(int port, uint32_t color, uint32_t wavelet) override { writes_[port].emplace_back(color, wavelet); }

  void return_credit(int port, uint32_t color) override {
    ++credits_[port * colors_ + color];
    ++pending_credits_;
  }

  void write_route(uint32_t color, int in_port, PortMask outputs) override {
    routes_.push_back({static_cast<uint8_t>(color), static_cast<uint8_t>(in_port), outputs});
  }

  void cycle(uint64_t cycle, RouterDecisions& out) override {
    // The first edge commits the last cycle's decisions (they depend on the state alone, not on
    // what is written) with the first of everything written since, one write per port and one
    // credit per port and color per edge; further edges hold the decisions.
    model_->hold = 0;
    for (bool first = true; first || pending_credits_ || !routes_.empty() ||
                            std::any_of(writes_.begin(), writes_.end(), [](auto& q) { return !q.empty(); });
         first = false) {
      present_writes();
      tick(cycle);
      model_->hold = 1;
    }
    clear_inputs();
    model_->hold = 0;
    model_->eval();

    out = RouterDecisions{};
    for (int o = 0; o < kPorts; ++o) {
      if (!(model_->out_valid >> o & 1)) continue;
      out.sends |= port_bit(o);
      out.send[o].in_port = static_cast<uint8_t>(model_->out_src >> (3 * o) & 7);
      out.send[o].color = static_cast<uint8_t>(model_->out_color >> (5 * o) & 31);
      out.send[o].data = model_->out_data[o];
    }
    for (int p = 0; p < kPorts; ++p) {
      if (!(model_->pop_valid >> p & 1)) continue;
      out.pops |= port_bit(p);
      out.pop_color[p] = static_cast<uint8_t>(model_->pop_color >> (5 * p) & 31);
    }
    out.blocked = model_->blocked;
    out.stalled = model_->stalled;
  }

 private:
  struct RouteWrite {
    uint8_t color, port, outputs;
  };

  void present_writes() {
    uint32_t valid = 0, colors = 0;
    for (int p = 0; p < kPorts; ++p) {
      uint32_t mask = 0;
      for (uint32_t c = 0; c < colors_; ++c) {
        uint8_t& n = credits_[p * colors_ + c];
        if (n) {
          mask |= 1u << c;
          --n;
          --pending_credits_;
        }
      }
      model_->credit_return[p] = mask;
      if (writes_[p].empty()) continue;
      valid |= 1u << p;
      colors |= writes_[p].front().first << (5 * p);
      model_->in_data[p] = writes_[p].front().second;
      writes_[p].pop_front();
    }
    model_->in_valid = valid;
    model_->in_color = colors;
    model_->route_we = !routes_.empty();
    if (!routes_.empty()) {
      model_->route_color = routes_.front().color;
      model_->route_port = routes_.front().port;
      model_->route_mask = routes_.front().outputs;
      routes_.pop_front();
    }
  }

  void clear_inputs() {
    model_->in_valid = 0;
    model_->route_we = 0;
    for (int p = 0; p < kPorts; ++p) model_->credit_return[p] = 0;
  }

  void tick(uint64_t cycle) {
    time_ = std::max(time_, cycle * kTimePerCycle);
    model_->clk = 1;
    model_->eval();
    dump();
    model_->clk = 0;
    model_->eval();
    dump();
  }

  void dump() {
    if (!trace_.is_open()) return;
    trace_.dump(time_);
    time_ += 1;
  }

  std::unique_ptr<VerilatedContext> context_;
  std::unique_ptr<Model> model_;
  FstTrace trace_;
  const uint32_t colors_;
  std::array<std::deque<std::pair<uint32_t, uint32_t>>, kPorts> writes_;  // (color, wavelet)
  std::vector<uint8_t> credits_;  // port * colors + color: credits not yet presented
  uint64_t pending_credits_ = 0;
  std::deque<RouteWrite> routes_;
  uint64_t time_ = 0;
};

void check_fits(const FabricParams& p, const std::string& name) {
  const auto refuse = [&](const std::string& what) {
    throw FabricError("RTL router " + name + ": " + what);
  };
  if (p.packets) refuse("the RTL routes colors; this fabric routes packets");
  if (p.pipeline != RouterPipeline::Wafer) refuse(std::string("the RTL has the wafer pipeline, not ") + pipeline_name(p.pipeline));
  if (p.colors > RtlRouterLimits::max_colors)
    refuse("fabric.colors " + std::to_string(p.colors) + " exceeds the " + std::to_string(RtlRouterLimits::max_colors) + " it was built for");
  for (auto [key, depth] : {std::pair{"fabric.buffer_depth_flits", p.buffer_depth_flits},
                            std::pair{"fabric.tx_queue_depth_flits", p.tx_queue_depth_flits}})
    if (depth > RtlRouterLimits::max_depth_flits)
      refuse(std::string(key) + " " + std::to_string(depth) + " exceeds the " +
             std::to_string(RtlRouterLimits::max_depth_flits) + " slots it was built for");
}

}  // namespace

std::unique_ptr<RouterTwin> make_rtl_router(const FabricParams& params, const std::string& name, RtlBuild build,
                                            const std::string& fst_path) {
  check_fits(params, name);
  if (build == RtlBuild::WithBug) return std::make_unique<RtlRouter<Vwvp_router_bug>>(params, name, fst_path);
  return std::make_unique<RtlRouter<Vwvp_router>>(params, name, fst_path);
}

}  // namespace wvp
