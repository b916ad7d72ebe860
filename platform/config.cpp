#include "platform/config.h"

#include <charconv>
#include <cmath>
#include <functional>
#include <limits>
#include <sstream>

#include <yaml-cpp/yaml.h>

namespace wvp {

namespace {

template <typename T>
bool parse_number(const std::string& text, T& out) {
  if constexpr (std::is_floating_point_v<T>) {
    char* end = nullptr;
    errno = 0;
    const double v = std::strtod(text.c_str(), &end);
    if (text.empty() || *end != '\0' || errno != 0 || !std::isfinite(v)) return false;
    out = static_cast<T>(v);
    return true;
  } else {
    const bool hex = text.size() > 2 && text[0] == '0' && (text[1] == 'x' || text[1] == 'X');
    const char* first = text.data() + (hex ? 2 : 0);
    const char* last = text.data() + text.size();
    const auto [ptr, ec] = std::from_chars(first, last, out, hex ? 16 : 10);
    return ec == std::errc() && ptr == last && first != last;
  }
}

struct Field {
  std::string key, help;
  std::function<std::string(const PlatformConfig&)> get;
  std::function<bool(PlatformConfig&, const std::string&)> set;  // false: bad value
  std::string expected;                                          // for error messages
};

template <typename T>
Field number(std::string key, std::string help, T& (*ref)(PlatformConfig&), T min, T max) {
  Field f;
  f.key = std::move(key);
  f.help = std::move(help);
  f.get = [ref](const PlatformConfig& c) {
    std::ostringstream os;
    os << ref(const_cast<PlatformConfig&>(c));
    return os.str();
  };
  f.set = [ref, min, max](PlatformConfig& c, const std::string& text) {
    T v{};
    if (!parse_number(text, v) || v < min || v > max) return false;
    ref(c) = v;
    return true;
  };
  std::ostringstream os;
  os << (std::is_floating_point_v<T> ? "a number" : "an integer") << " in [" << min << ", " << max << "]";
  f.expected = os.str();
  return f;
}

#define WVP_REF(type, expr) +[](PlatformConfig& c) -> type& { return expr; }

const std::vector<Field>& fields() {
  constexpr uint32_t kU32 = std::numeric_limits<uint32_t>::max();
  constexpr uint64_t kU64 = std::numeric_limits<uint64_t>::max();
  static const std::vector<Field> all = {
      number<uint32_t>("grid.width", "tiles per row", WVP_REF(uint32_t, c.grid_width), 1, 1u << 16),
      number<uint32_t>("grid.height", "tiles per column", WVP_REF(uint32_t, c.grid_height), 1, 1u << 16),
      number<double>("core.clock_hz", "core clock (Hz); mtime ticks at this rate", WVP_REF(double, c.core.clock_hz), 1e3, 1e11),
      number<uint32_t>("core.timing.alu_cycles", "integer ALU, lui, auipc", WVP_REF(uint32_t, c.core.timing.alu_cycles), 0, 1000),
      number<uint32_t>("core.timing.mul_cycles", "mul, mulh*", WVP_REF(uint32_t, c.core.timing.mul_cycles), 0, 1000),
      number<uint32_t>("core.timing.div_cycles", "div, divu, rem, remu", WVP_REF(uint32_t, c.core.timing.div_cycles), 0, 1000),
      number<uint32_t>("core.timing.load_cycles", "loads, plus the target's latency", WVP_REF(uint32_t, c.core.timing.load_cycles), 0, 1000),
      number<uint32_t>("core.timing.store_cycles", "stores, plus the target's latency", WVP_REF(uint32_t, c.core.timing.store_cycles), 0, 1000),
      number<uint32_t>("core.timing.branch_cycles", "branch not taken", WVP_REF(uint32_t, c.core.timing.branch_cycles), 0, 1000),
      number<uint32_t>("core.timing.branch_taken_cycles", "taken branch, jal, jalr", WVP_REF(uint32_t, c.core.timing.branch_taken_cycles), 0, 1000),
      number<uint32_t>("core.timing.fp_cycles", "FP add/mul/fma/compare/convert/move", WVP_REF(uint32_t, c.core.timing.fp_cycles), 0, 1000),
      number<uint32_t>("core.timing.fdiv_cycles", "fdiv.s", WVP_REF(uint32_t, c.core.timing.fdiv_cycles), 0, 1000),
      number<uint32_t>("core.timing.fsqrt_cycles", "fsqrt.s", WVP_REF(uint32_t, c.core.timing.fsqrt_cycles), 0, 1000),
      number<uint32_t>("core.timing.system_cycles", "csr, fence, ecall, ebreak, mret, wfi", WVP_REF(uint32_t, c.core.timing.system_cycles), 0, 1000),
      number<uint32_t>("sram.size_bytes", "local SRAM per tile (multiple of 4)", WVP_REF(uint32_t, c.sram.size_bytes), 4, 1u << 30),
      number<uint32_t>("sram.banks", "banks, word-interleaved", WVP_REF(uint32_t, c.sram.banks), 1, 1024),
      number<uint32_t>("sram.bank_width_bytes", "bytes per bank word", WVP_REF(uint32_t, c.sram.bank_width_bytes), 1, 64),
      number<uint32_t>("sram.access_latency_cycles", "extra cycles per access (also the DMI latency)", WVP_REF(uint32_t, c.sram.access_latency_cycles), 0, 1000),
      number<uint32_t>("sram.read_bytes_per_cycle", "read port bandwidth", WVP_REF(uint32_t, c.sram.read_bytes_per_cycle), 1, kU32),
      number<uint32_t>("sram.write_bytes_per_cycle", "write port bandwidth", WVP_REF(uint32_t, c.sram.write_bytes_per_cycle), 1, kU32),
      number<uint64_t>("sim.quantum_cycles", "temporal-decoupling quantum (cycles)", WVP_REF(uint64_t, c.sim.quantum_cycles), 1, kU64),
      number<uint64_t>("sim.max_cycles", "stop with exit code 4 after this many cycles (0: no limit)", WVP_REF(uint64_t, c.sim.max_cycles), 0, kU64),
  };
  return all;
}

#undef WVP_REF

const Field* find_field(const std::string& key) {
  for (const Field& f : fields())
    if (f.key == key) return &f;
  return nullptr;
}

std::string where(const std::string& source, const YAML::Node& node) {
  return source + ":" + std::to_string(node.Mark().line + 1);
}

void apply_node(PlatformConfig& config, const YAML::Node& node, const std::string& prefix, const std::string& source) {
  if (!node.IsMap()) throw ConfigError(where(source, node) + ": " + (prefix.empty() ? "the config" : prefix) + " must be a map of keys");
  for (const auto& kv : node) {
    const std::string key = (prefix.empty() ? "" : prefix + ".") + kv.first.as<std::string>();
    if (kv.second.IsMap()) {
      apply_node(config, kv.second, key, source);
      continue;
    }
    if (!find_field(key)) {
      throw ConfigError(where(source, kv.first) + ": unknown key '" + key + "'");
    }
    if (!kv.second.IsScalar()) throw ConfigError(where(source, kv.second) + ": " + key + ": expected a single value");
    set_config_value(config, key, kv.second.Scalar(), where(source, kv.second));
  }
}

}  // namespace

std::vector<ConfigKey> config_keys() {
  const PlatformConfig defaults;
  std::vector<ConfigKey> keys;
  for (const Field& f : fields()) keys.push_back({f.key, f.get(defaults), f.help});
  return keys;
}

void set_config_value(PlatformConfig& config, const std::string& key, const std::string& value, const std::string& at) {
  const Field* f = find_field(key);
  if (!f) throw ConfigError(at + ": unknown key '" + key + "'");
  if (!f->set(config, value)) throw ConfigError(at + ": " + key + ": expected " + f->expected + ", got '" + value + "'");
}

void load_config_text(PlatformConfig& config, const std::string& yaml, const std::string& source) {
  YAML::Node root;
  try {
    root = YAML::Load(yaml);
  } catch (const YAML::Exception& e) {
    throw ConfigError(source + ":" + std::to_string(e.mark.line + 1) + ": YAML syntax error: " + e.msg);
  }
  if (root.IsNull()) return;  // an empty file keeps the defaults
  apply_node(config, root, "", source);
}

void load_config_file(PlatformConfig& config, const std::string& path) {
  YAML::Node root;
  try {
    root = YAML::LoadFile(path);
  } catch (const YAML::BadFile&) {
    throw ConfigError(path + ": cannot open config file");
  } catch (const YAML::Exception& e) {
    throw ConfigError(path + ":" + std::to_string(e.mark.line + 1) + ": YAML syntax error: " + e.msg);
  }
  if (root.IsNull()) return;
  apply_node(config, root, "", path);
}

void validate_config(const PlatformConfig& c) {
  if (c.sram.size_bytes % 4 != 0) throw ConfigError("sram.size_bytes must be a multiple of 4, got " + std::to_string(c.sram.size_bytes));
  if (uint64_t{c.grid_width} * c.grid_height > (1u << 24))
    throw ConfigError("grid " + std::to_string(c.grid_width) + "x" + std::to_string(c.grid_height) + " has more than 2^24 tiles");
}

void parse_grid(const std::string& text, uint32_t& width, uint32_t& height) {
  const size_t x = text.find_first_of("xX");
  uint32_t w = 0, h = 0;
  const bool decimal = text.find_first_not_of("0123456789xX") == std::string::npos &&
                       text.find_first_of("xX", x == std::string::npos ? 0 : x + 1) == std::string::npos;
  if (x == std::string::npos || !decimal || !parse_number(text.substr(0, x), w) || !parse_number(text.substr(x + 1), h) || w == 0 ||
      h == 0 || w > (1u << 16) || h > (1u << 16))
    throw ConfigError("--grid: expected WIDTHxHEIGHT with positive integers, got '" + text + "'");
  width = w;
  height = h;
}

}  // namespace wvp
