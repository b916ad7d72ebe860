// One photonic port of the optical Z-axis: a duplex pair of Links (one lane per WDM wavelength)
// with off-chip lasers, and micro-rings that heaters hold on the lasers' wavelengths against the
// wafer's temperature. Beyond the heaters' reach the rings detune and the BER rises: the port is
// degraded, then down (its links shut, unaccepted items handed back), and up again only once
// relocked. The link, the rings and the states: docs/architecture.md, 'Optical port'.
#pragma once
#include <array>
#include <cstdint>
#include <memory>
#include <string>
#include <vector>

#include "models/link/link.h"

namespace wvp {

enum class ZDir : uint8_t { Up, Down };  // Up: wafer -> far side; Down: far side -> wafer
const char* zdir_name(ZDir dir);          // "up", "down"

enum class OpticalPortState : uint8_t { Up, Degraded, Down };
const char* port_state_name(OpticalPortState state);  // "up", "degraded", "down"

// A wafer's temperatures must lie in this range (silicon's military operating range).
constexpr double kMinWaferTempC = -55;
constexpr double kMaxWaferTempC = 150;

struct OpticalPortParams {
  std::string name = "z0";           // in every error message and the links' names
  uint32_t channels = 16;            // WDM wavelengths per direction
  double channel_gbps = 32;          // line rate per wavelength (64b/66b on top, as Link)
  double eo_latency_ns = 5;          // serialiser, driver, modulator, photodiode, TIA, CDR
  double fec_latency_ns = 20;        // a light FEC, encode + decode
  double propagation_ns = 1;         // about 20 cm of fibre to the far side
  double eo_energy_pj_per_bit = 1;   // both ends' electronics, per line bit
  double laser_mw_per_channel = 10;  // electrical, per wavelength and direction, always on
  double nominal_ber = 1e-12;        // locked, after FEC
  double down_ber = 1e-6;            // above it the port goes down
  double pm_per_decade = 10;         // detuning that multiplies the BER by ten
  double ring_drift_pm_per_k = 80;   // resonance shift with temperature
  double tuning_target_c = 70;       // the heaters hold the rings here
  double heater_range_k = 40;        // the most a heater can lift a ring
  double heater_mw_per_k = 0.4;      // per ring
  // Framing, credits, retry buffer, send queue, control and replay timing of both directions.
  // The port sets the rest: name, lanes, lane_gbps, latencies, energy, BER and seed.
  LinkParams link;
  uint64_t seed = 1;                 // of the bit errors (Down uses seed + 1)
};

// Throws std::invalid_argument naming the port and the field for parameters out of physical
// range: 1 to 1024 channels of (0, 224] Gb/s, latencies, energies and powers finite and >= 0,
// 0 < nominal_ber <= down_ber <= 1e-3 (the most a link takes), drift and pm per decade above 0,
// tuning target a wafer temperature, heater range in (0, 200] K; then the link's own checks.
void check_optical_port_params(const OpticalPortParams& params);

// The Link of one direction of a port: its channels as lanes, E/O and FEC latency, propagation,
// energy per bit and locked BER over `params.link`'s framing and flow control.
LinkParams optical_link_params(const OpticalPortParams& params, ZDir dir);

struct OpticalPortStats {
  LinkStats up, down;                                 // as Link::stats() at now
  OpticalPortState state = OpticalPortState::Up;
  double temperature_c = 0;
  double heater_mw = 0;                               // all rings
  double detuning_pm = 0;
  double bit_error_rate = 0;                          // from the detuning; the links stop at down_ber
  uint64_t downs = 0;                                 // times the port went down
  double laser_pj = 0, heater_pj = 0;                 // over the elapsed time
  double energy_pj = 0;                               // links + lasers + heaters
  bool operator==(const OpticalPortStats&) const = default;
};

class OpticalPort {
 public:
  // What set_temperature() did: the state before and after and, when the port went down, the
  // items each direction's receiver had not accepted, in sending order.
  struct Change {
    OpticalPortState before, after;
    std::array<std::vector<LinkItem>, 2> withdrawn;  // by ZDir
  };

  // Throws std::invalid_argument naming the port for bad parameters or a temperature outside
  // the wafer's range.
  OpticalPort(const OpticalPortParams& params, double temperature_c);

  const OpticalPortParams& params() const { return params_; }
  Link& link(ZDir dir) { return *links_[static_cast<size_t>(dir)]; }
  const Link& link(ZDir dir) const { return *links_[static_cast<size_t>(dir)]; }
  OpticalPortState state() const { return state_; }
  double temperature_c() const { return temperature_c_; }

  // The ring model at a temperature (docs/architecture.md, 'Optical port').
  double heater_mw(double temperature_c) const;    // all 2 x channels rings
  double detuning_pm(double temperature_c) const;  // residual, after the heaters
  double bit_error_rate(double temperature_c) const;
  OpticalPortState state_at(double temperature_c) const;  // from Up; a Down port needs 0 pm

  // The port at `temperature_c` from `time_ps` (not before the last call; the links must have
  // been advanced to it): heater power, the links' BER, the state; a port going down shuts its
  // links, one coming up brings them up.
  Change set_temperature(double temperature_c, uint64_t time_ps);

  OpticalPortStats stats() const;
  // Both links, the state and the heaters' energy so far.
  void checkpoint(Snapshot& s) {
    s.fields(*links_[0], *links_[1], state_, temperature_c_, heater_mw_, heater_since_ps_, heater_pj_, downs_);
  }

 private:
  OpticalPortParams params_;
  std::array<std::unique_ptr<Link>, 2> links_;
  OpticalPortState state_;
  double temperature_c_;
  double heater_mw_;
  uint64_t heater_since_ps_ = 0;  // heater_mw_ has held since
  double heater_pj_ = 0;          // before heater_since_ps_
  uint64_t downs_ = 0;
};

}  // namespace wvp
