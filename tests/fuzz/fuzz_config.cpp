// The YAML config loader on arbitrary text: a config that passes validation, or a ConfigError
// with file:line (cross-field checks name keys instead); never another exception.
#include <cstdint>

#include "fuzz_support.h"
#include "platform/config/config.h"

// The models' archive brings SystemC in (the enum names share objects with the modules), and
// libsystemc.so needs an sc_main; libFuzzer's main() runs instead of SystemC's.
int sc_main(int, char**) { return 0; }

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  const std::string source = "fuzz.yaml";
  wvp::PlatformConfig config;
  bool loaded = false;
  try {
    wvp::load_config_text(config, std::string(reinterpret_cast<const char*>(data), size), source);
    loaded = true;
    wvp::validate_config(config);
    wvp::system_links(config);
    wvp::memnode_attachment(config);
    wvp::config_values(config);
  } catch (const wvp::ConfigError& e) {
    const std::string message = e.what();
    // The loader's errors carry file:line; validation's name the key, with no file.
    if (!loaded) wvp::fuzz::require_clear_error(message, source + ":");
    else wvp::fuzz::require_clear_error(message, "");
  }
  return 0;
}
