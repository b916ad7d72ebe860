#include "models/optical/optical_port.h"

#include <algorithm>
#include <cmath>
#include <stdexcept>

#include "models/link/param_check.h"

namespace wvp {
namespace {

// mW x ps = 1e-3 pJ.
constexpr double kPjPerMwPs = 1e-3;

std::string quoted(const std::string& name) { return "optical port '" + name + "'"; }

}  // namespace

LinkParams optical_link_params(const OpticalPortParams& p, ZDir dir) {
  LinkParams l = p.link;
  l.name = p.name + "." + zdir_name(dir);
  l.lanes = p.channels;
  l.lane_gbps = p.channel_gbps;
  l.fec_latency_ns = p.eo_latency_ns + p.fec_latency_ns;
  l.propagation_ns = p.propagation_ns;
  l.energy_pj_per_bit = p.eo_energy_pj_per_bit;
  l.bit_error_rate = p.nominal_ber;
  l.seed = p.seed + static_cast<uint64_t>(dir);
  return l;
}

const char* zdir_name(ZDir dir) { return dir == ZDir::Up ? "up" : "down"; }

const char* port_state_name(OpticalPortState state) {
  switch (state) {
    case OpticalPortState::Up: return "up";
    case OpticalPortState::Degraded: return "degraded";
    case OpticalPortState::Down: return "down";
  }
  return "?";
}

void check_optical_port_params(const OpticalPortParams& p) {
  if (p.name.empty()) throw std::invalid_argument("optical port with no name: name must not be empty");
  const std::string who = quoted(p.name);
  check_param_range(who, "channels", p.channels, 1, 1024);
  check_param_positive(who, "channel_gbps", p.channel_gbps, 224);
  check_param_range(who, "eo_latency_ns", p.eo_latency_ns, 0, 1e9);
  check_param_range(who, "fec_latency_ns", p.fec_latency_ns, 0, 1e9);
  check_param_range(who, "propagation_ns", p.propagation_ns, 0, 1e9);
  check_param_range(who, "eo_energy_pj_per_bit", p.eo_energy_pj_per_bit, 0, 1e6);
  check_param_range(who, "laser_mw_per_channel", p.laser_mw_per_channel, 0, 1e4);
  check_param_positive(who, "nominal_ber", p.nominal_ber, p.down_ber);
  check_param_positive(who, "down_ber", p.down_ber, 1e-3);
  check_param_positive(who, "pm_per_decade", p.pm_per_decade, 1e6);
  check_param_positive(who, "ring_drift_pm_per_k", p.ring_drift_pm_per_k, 1000);
  check_param_range(who, "tuning_target_c", p.tuning_target_c, kMinWaferTempC, kMaxWaferTempC);
  check_param_positive(who, "heater_range_k", p.heater_range_k, 200);
  check_param_range(who, "heater_mw_per_k", p.heater_mw_per_k, 0, 1e3);
  check_link_params(optical_link_params(p, ZDir::Up));
}

OpticalPort::OpticalPort(const OpticalPortParams& params, double temperature_c)
    : params_((check_optical_port_params(params), params)),
      links_{std::make_unique<Link>(optical_link_params(params, ZDir::Up)), std::make_unique<Link>(optical_link_params(params, ZDir::Down))},
      state_(OpticalPortState::Up),
      temperature_c_(temperature_c),
      heater_mw_(0) {
  set_temperature(temperature_c, 0);
}

double OpticalPort::heater_mw(double t) const {
  const double lift = std::clamp(params_.tuning_target_c - t, 0.0, params_.heater_range_k);
  return 2.0 * params_.channels * params_.heater_mw_per_k * lift;
}

double OpticalPort::detuning_pm(double t) const {
  const double above = t - params_.tuning_target_c;
  const double below = params_.tuning_target_c - params_.heater_range_k - t;
  return params_.ring_drift_pm_per_k * std::max({above, below, 0.0});
}

double OpticalPort::bit_error_rate(double t) const {
  return std::min(1.0, params_.nominal_ber * std::pow(10.0, detuning_pm(t) / params_.pm_per_decade));
}

OpticalPortState OpticalPort::state_at(double t) const {
  if (detuning_pm(t) == 0) return OpticalPortState::Up;
  return bit_error_rate(t) > params_.down_ber ? OpticalPortState::Down : OpticalPortState::Degraded;
}

OpticalPort::Change OpticalPort::set_temperature(double t, uint64_t time_ps) {
  check_param_range(quoted(params_.name), "temperature_c", t, kMinWaferTempC, kMaxWaferTempC);
  if (time_ps < heater_since_ps_) {
    throw std::invalid_argument(quoted(params_.name) + ": temperature set at " + std::to_string(time_ps) +
                                " ps, before the previous setting's " + std::to_string(heater_since_ps_) + " ps");
  }
  heater_pj_ += heater_mw_ * static_cast<double>(time_ps - heater_since_ps_) * kPjPerMwPs;
  heater_since_ps_ = time_ps;
  heater_mw_ = heater_mw(t);
  temperature_c_ = t;

  Change change{state_, state_at(t), {}};
  if (state_ == OpticalPortState::Down && change.after != OpticalPortState::Up) change.after = OpticalPortState::Down;
  state_ = change.after;
  if (change.after == OpticalPortState::Down) {
    if (change.before != OpticalPortState::Down) {
      ++downs_;
      for (const ZDir dir : {ZDir::Up, ZDir::Down}) change.withdrawn[static_cast<size_t>(dir)] = link(dir).shut_down(time_ps);
    }
    return change;
  }
  if (change.before == OpticalPortState::Down) {
    for (const ZDir dir : {ZDir::Up, ZDir::Down}) link(dir).bring_up();
  }
  const double ber = bit_error_rate(t);
  for (const ZDir dir : {ZDir::Up, ZDir::Down}) {
    if (link(dir).params().bit_error_rate != ber) link(dir).set_bit_error_rate(ber);
  }
  return change;
}

OpticalPortStats OpticalPort::stats() const {
  OpticalPortStats s;
  s.up = link(ZDir::Up).stats();
  s.down = link(ZDir::Down).stats();
  s.state = state_;
  s.temperature_c = temperature_c_;
  s.heater_mw = heater_mw_;
  s.detuning_pm = detuning_pm(temperature_c_);
  s.bit_error_rate = bit_error_rate(temperature_c_);
  s.downs = downs_;
  const uint64_t now = std::max(s.up.elapsed_ps, s.down.elapsed_ps);
  s.laser_pj = 2.0 * params_.channels * params_.laser_mw_per_channel * static_cast<double>(now) * kPjPerMwPs;
  s.heater_pj = heater_pj_ + heater_mw_ * static_cast<double>(now - std::min(now, heater_since_ps_)) * kPjPerMwPs;
  s.energy_pj = s.up.energy_pj + s.down.energy_pj + s.laser_pj + s.heater_pj;
  return s;
}

}  // namespace wvp
