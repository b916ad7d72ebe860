// Platform configuration: every key has a default, a unit in its name and a line of help.
// YAML files are checked strictly: an unknown key or a bad value is a ConfigError that names
// the file, line and key.
#pragma once
#include <cstdint>
#include <stdexcept>
#include <string>
#include <vector>

#include "models/core/core.h"
#include "models/router/fabric.h"
#include "models/sram/sram.h"
#include "platform/noc_study.h"

namespace wvp {

struct ConfigError : std::runtime_error {
  using std::runtime_error::runtime_error;
};

struct SimParams {
  uint64_t quantum_cycles = 1000;  // temporal-decoupling quantum
  uint64_t max_cycles = 0;         // stop with an error after this many cycles; 0 = no limit
};

struct PlatformConfig {
  uint32_t grid_width = 4, grid_height = 4;
  CoreParams core;
  SramParams sram;
  FabricParams fabric;  // its width and height follow the grid
  NocParams noc;        // `wafervp noc` only
  SimParams sim;
};

struct ConfigKey {
  std::string key, default_value, help;
};

// All keys with their defaults, in file order (also the README's table).
std::vector<ConfigKey> config_keys();
// The same keys with the values `config` holds (in `default_value`).
std::vector<ConfigKey> config_values(const PlatformConfig& config);

// Applies a YAML file on top of `config`.
void load_config_file(PlatformConfig& config, const std::string& path);
// Applies YAML text (tests); `source` names it in errors.
void load_config_text(PlatformConfig& config, const std::string& yaml, const std::string& source);
// Sets one key from a string, e.g. ("sim.quantum_cycles", "100") for command-line overrides.
void set_config_value(PlatformConfig& config, const std::string& key, const std::string& value,
                      const std::string& where);
// Cross-field checks after everything is applied.
void validate_config(const PlatformConfig& config);

// "WxH" -> width, height; throws ConfigError.
void parse_grid(const std::string& text, uint32_t& width, uint32_t& height);

}  // namespace wvp
