// Platform configuration: defaults, YAML loading with strict keys and file:line errors, value
// parsing, the --grid parser, cross-field validation and configs/default.yaml.
#include <gtest/gtest.h>

#include <filesystem>
#include <fstream>
#include <map>
#include <set>
#include <sstream>
#include <string>
#include <vector>

#include "platform/config/config.h"
#include "support/process.h"

namespace wvp::test {
namespace {

// The message of the ConfigError `fn` throws, or "" when it does not throw.
template <typename Fn>
std::string config_error(Fn&& fn) {
  try {
    fn();
  } catch (const ConfigError& e) {
    return e.what();
  }
  return "";
}

std::string load_error(const std::string& yaml, const std::string& source = "test.yaml") {
  PlatformConfig c;
  return config_error([&] { load_config_text(c, yaml, source); });
}

bool starts_with(const std::string& s, const std::string& prefix) { return s.rfind(prefix, 0) == 0; }

// Field-by-field equality over everything config keys can set.
void expect_same(const PlatformConfig& a, const PlatformConfig& b) {
  const std::vector<ConfigKey> va = config_values(a), vb = config_values(b);
  ASSERT_EQ(va.size(), vb.size());
  for (size_t i = 0; i < va.size(); ++i) EXPECT_EQ(va[i].default_value, vb[i].default_value) << va[i].key;
}

std::string default_yaml_path() {
  return std::filesystem::path(WVP_SOURCE_DIR) / "configs" / "default.yaml";
}

TEST(Config, KeysListEveryFieldOnceWithItsDefault) {
  const std::vector<ConfigKey> keys = config_keys();
  EXPECT_EQ(keys.size(), 98u);
  std::map<std::string, std::string> defaults;
  for (const ConfigKey& k : keys) {
    EXPECT_TRUE(defaults.emplace(k.key, k.default_value).second) << "duplicate key " << k.key;
    EXPECT_FALSE(k.help.empty()) << k.key;
  }
  EXPECT_EQ(defaults["grid.width"], "8");
  EXPECT_EQ(defaults["grid.height"], "8");
  EXPECT_EQ(defaults["core.clock_hz"], "1.1e+09");
  EXPECT_EQ(defaults["core.timing.div_cycles"], "16");
  EXPECT_EQ(defaults["core.timing.branch_taken_cycles"], "2");
  EXPECT_EQ(defaults["core.timing.fdiv_cycles"], "12");
  EXPECT_EQ(defaults["sram.size_bytes"], "49152");
  EXPECT_EQ(defaults["sram.banks"], "8");
  EXPECT_EQ(defaults["sram.read_bytes_per_cycle"], "16");
  EXPECT_EQ(defaults["sram.write_bytes_per_cycle"], "8");
  EXPECT_EQ(defaults["sram.ecc"], "off");
  EXPECT_EQ(defaults["sim.quantum_cycles"], "1000");
  EXPECT_EQ(defaults["sim.max_cycles"], "0");
  EXPECT_EQ(defaults["sim.threads"], "auto");
  EXPECT_EQ(defaults["fabric.colors"], "24");
  EXPECT_EQ(defaults["fabric.pipeline"], "wafer");
  EXPECT_EQ(defaults["noc.routing"], "xy");
  EXPECT_EQ(defaults["decode.weight_type"], "fp32");
  EXPECT_EQ(keys.front().key, "grid.width");
  EXPECT_EQ(defaults["log.fabric"], "warn");
  EXPECT_EQ(keys.back().key, "log.platform");

  // Each default, set explicitly, round-trips to the default config.
  PlatformConfig c;
  for (const ConfigKey& k : keys) set_config_value(c, k.key, k.default_value, "defaults");
  expect_same(c, PlatformConfig{});
}

TEST(Config, LoadTextSetsNestedKeysAndKeepsTheRest) {
  PlatformConfig c;
  load_config_text(c,
                   "grid:\n"
                   "  width: 6\n"
                   "  height: 2\n"
                   "core:\n"
                   "  clock_hz: 2.5e9\n"
                   "  timing:\n"
                   "    div_cycles: 20\n"
                   "sram: {banks: 16, size_bytes: 65536}\n"
                   "sim:\n"
                   "  quantum_cycles: 0x100  # hex\n",
                   "test.yaml");
  EXPECT_EQ(c.grid_width, 6u);
  EXPECT_EQ(c.grid_height, 2u);
  EXPECT_EQ(c.core_clock_hz, 2.5e9);
  EXPECT_EQ(c.core.timing.div_cycles, 20u);
  EXPECT_EQ(c.sram.banks, 16u);
  EXPECT_EQ(c.sram.size_bytes, 65536u);
  EXPECT_EQ(c.sim.quantum_cycles, 256u);
  // Untouched keys keep their values.
  const PlatformConfig d;
  EXPECT_EQ(c.core.timing.mul_cycles, d.core.timing.mul_cycles);
  EXPECT_EQ(c.sram.bank_width_bytes, d.sram.bank_width_bytes);
  EXPECT_EQ(c.sim.max_cycles, d.sim.max_cycles);

  // Applied on top: a second text changes only what it names.
  load_config_text(c, "grid:\n  width: 3\n", "second.yaml");
  EXPECT_EQ(c.grid_width, 3u);
  EXPECT_EQ(c.grid_height, 2u);
}

TEST(Config, EmptyOrCommentOnlyTextKeepsTheDefaults) {
  for (const char* text : {"", "# nothing here\n", "\n\n"}) {
    PlatformConfig c;
    EXPECT_NO_THROW(load_config_text(c, text, "empty.yaml")) << text;
    expect_same(c, PlatformConfig{});
  }
}

TEST(Config, UnknownKeyNamesSourceLineAndDottedKey) {
  EXPECT_TRUE(starts_with(load_error("grid:\n  width: 8\n  depth: 3\n"), "test.yaml:3: unknown key 'grid.depth'"))
      << load_error("grid:\n  width: 8\n  depth: 3\n");
  EXPECT_EQ(load_error("frequency: 5\n", "a.yaml"), "a.yaml:1: unknown key 'frequency'");
  EXPECT_EQ(load_error("# comment\ncore:\n  timing:\n    alu_cycles: 1\n    ALU_cycles: 2\n"),
            "test.yaml:5: unknown key 'core.timing.ALU_cycles'");
  EXPECT_EQ(load_error("sram:\n  banks: 8\n\n  extra:\n    deep: 1\n"), "test.yaml:5: unknown key 'sram.extra.deep'");
  // A scalar where a section is expected is not a key either.
  EXPECT_EQ(load_error("sim: 5\n"), "test.yaml:1: unknown key 'sim'");
}

TEST(Config, BadValueNamesSourceLineKeyExpectationAndValue) {
  EXPECT_EQ(load_error("sram:\n  banks: x\n", "cfg.yaml"), "cfg.yaml:2: sram.banks: expected an integer in [1, 1024], got 'x'");
  EXPECT_EQ(load_error("grid:\n  width: 4\n  height: -1\n"),
            "test.yaml:3: grid.height: expected an integer in [1, 65536], got '-1'");
  EXPECT_EQ(load_error("core:\n  clock_hz: 1.5GHz\n"), "test.yaml:2: core.clock_hz: expected a number in [1000, 1e+11], got '1.5GHz'");
  EXPECT_EQ(load_error("sim:\n  quantum_cycles: 0\n"),
            "test.yaml:2: sim.quantum_cycles: expected an integer in [1, 18446744073709551615], got '0'");
  // The value's own line, even when the key's section started earlier.
  EXPECT_EQ(load_error("sram:\n  banks: 8\n  bank_width_bytes: 4\n  read_bytes_per_cycle: 0\n"),
            "test.yaml:4: sram.read_bytes_per_cycle: expected an integer in [1, 4294967295], got '0'");
  EXPECT_EQ(load_error("sram:\n  ecc: on\n"), "test.yaml:2: sram.ecc: expected one of off model rtl, got 'on'");
}

TEST(Config, WeightTypeIsFp32Fp16OrBf16) {
  PlatformConfig c;
  EXPECT_EQ(c.decode.weight_type, TensorType::Fp32);
  load_config_text(c, "decode:\n  weight_type: bf16\n", "w.yaml");
  EXPECT_EQ(c.decode.weight_type, TensorType::Bf16);
  set_config_value(c, "decode.weight_type", "fp16", "--set");
  EXPECT_EQ(c.decode.weight_type, TensorType::Fp16);
  EXPECT_EQ(load_error("decode:\n  stages: 0\n  weight_type: int8\n", "w.yaml"),
            "w.yaml:3: decode.weight_type: expected one of fp32 fp16 bf16, got 'int8'");
  EXPECT_EQ(config_error([&] { set_config_value(c, "decode.weight_type", "FP16", "--set"); }),
            "--set: decode.weight_type: expected one of fp32 fp16 bf16, got 'FP16'");
  EXPECT_EQ(c.decode.weight_type, TensorType::Fp16);  // a refused value is not stored
}

TEST(Config, IntegersAcceptDecimalAndHexWithinRange) {
  PlatformConfig c;
  set_config_value(c, "sram.banks", "1", "t");
  EXPECT_EQ(c.sram.banks, 1u);
  set_config_value(c, "sram.banks", "1024", "t");
  EXPECT_EQ(c.sram.banks, 1024u);
  set_config_value(c, "sram.banks", "0x10", "t");
  EXPECT_EQ(c.sram.banks, 16u);
  set_config_value(c, "sram.banks", "0X2f", "t");
  EXPECT_EQ(c.sram.banks, 47u);
  set_config_value(c, "sram.size_bytes", "0x40000000", "t");
  EXPECT_EQ(c.sram.size_bytes, 1u << 30);
  set_config_value(c, "sim.max_cycles", "18446744073709551615", "t");
  EXPECT_EQ(c.sim.max_cycles, ~uint64_t{0});
  set_config_value(c, "sim.max_cycles", "0xffffffffffffffff", "t");
  EXPECT_EQ(c.sim.max_cycles, ~uint64_t{0});

  for (const char* bad : {"0", "1025", "0x401", "-1", "+8", " 8", "8 ", "8.0", "1e3", "0x", "0x1g", "", "eight",
                          "99999999999999999999"}) {
    PlatformConfig d;
    EXPECT_THROW(set_config_value(d, "sram.banks", bad, "t"), ConfigError) << "'" << bad << "'";
    EXPECT_EQ(d.sram.banks, 8u) << "a refused value must not be stored: '" << bad << "'";
  }
  PlatformConfig e;
  EXPECT_THROW(set_config_value(e, "sram.size_bytes", "1073741825", "t"), ConfigError);
  EXPECT_THROW(set_config_value(e, "sim.max_cycles", "18446744073709551616", "t"), ConfigError);
  EXPECT_THROW(set_config_value(e, "grid.width", "65537", "t"), ConfigError);
  EXPECT_THROW(set_config_value(e, "core.timing.div_cycles", "1001", "t"), ConfigError);
}

TEST(Config, NumbersAcceptFloatsWithinRange) {
  PlatformConfig c;
  set_config_value(c, "core.clock_hz", "2e9", "t");
  EXPECT_EQ(c.core_clock_hz, 2e9);
  set_config_value(c, "core.clock_hz", "1000", "t");
  EXPECT_EQ(c.core_clock_hz, 1000.0);
  set_config_value(c, "core.clock_hz", "1e11", "t");
  EXPECT_EQ(c.core_clock_hz, 1e11);
  for (const char* bad : {"999", "1.1e11", "nan", "inf", "-1e9", "", "1e9x", "1e999"}) {
    PlatformConfig d;
    EXPECT_THROW(set_config_value(d, "core.clock_hz", bad, "t"), ConfigError) << "'" << bad << "'";
    EXPECT_EQ(d.core_clock_hz, 1.1e9);
  }
}

TEST(Config, SetConfigValueReportsUnknownKeysAndBadValues) {
  PlatformConfig c;
  set_config_value(c, "sim.quantum_cycles", "100", "--set");
  EXPECT_EQ(c.sim.quantum_cycles, 100u);
  EXPECT_EQ(config_error([&] { set_config_value(c, "sim.quantum", "1", "--set"); }), "--set: unknown key 'sim.quantum'");
  EXPECT_EQ(config_error([&] { set_config_value(c, "sim", "1", "--set"); }), "--set: unknown key 'sim'");
  EXPECT_EQ(config_error([&] { set_config_value(c, "", "1", "--set"); }), "--set: unknown key ''");
  EXPECT_EQ(config_error([&] { set_config_value(c, "sram.banks", "many", "--set"); }),
            "--set: sram.banks: expected an integer in [1, 1024], got 'many'");
  EXPECT_EQ(c.sim.quantum_cycles, 100u);
}

TEST(Config, YamlSyntaxErrorNamesTheLine) {
  const std::string flow = load_error("grid:\n  width: 4\n  height: [1, 2\n", "bad.yaml");
  EXPECT_TRUE(starts_with(flow, "bad.yaml:")) << flow;
  EXPECT_NE(flow.find("YAML syntax error"), std::string::npos) << flow;

  const std::string indent = load_error("grid:\n  width: 4\n    height: 5\n", "bad.yaml");
  EXPECT_TRUE(starts_with(indent, "bad.yaml:3: YAML syntax error")) << indent;

  const std::string seq = load_error("sim:\n  quantum_cycles: 1\n- max_cycles: 3\n", "bad.yaml");
  EXPECT_TRUE(starts_with(seq, "bad.yaml:3: YAML syntax error")) << seq;

  // yaml-cpp puts the offending escape character into its message, a control character too
  // (found by fuzz_config).
  EXPECT_EQ(load_error("grid: \"\\\x02\"\n", "bad.yaml"), "bad.yaml:1: YAML syntax error: unknown escape character: '\\x02'");
  EXPECT_EQ(load_error("%YAML 9" + std::string(200, '9') + "\n---\ngrid: {}\n", "bad.yaml"),
            "bad.yaml:1: YAML syntax error: bad YAML version: '9" + std::string(63, '9') + "'... (201 bytes)");
}

TEST(Config, NonMapWhereAMapIsExpectedIsAnError) {
  EXPECT_EQ(load_error("- grid\n- sram\n"), "test.yaml:1: the config must be a map of keys");
  EXPECT_EQ(load_error("just text\n"), "test.yaml:1: the config must be a map of keys");
  EXPECT_EQ(load_error("grid:\n  width: [1, 2]\n"), "test.yaml:2: grid.width: expected a single value");
  EXPECT_EQ(load_error("grid:\n  width:\n    - 1\n"), "test.yaml:3: grid.width: expected a single value");
  const std::string seq = load_error("grid:\n  - 4\n  - 4\n");
  EXPECT_TRUE(starts_with(seq, "test.yaml:1: unknown key 'grid'")) << seq;
  const std::string null_value = load_error("grid:\n  width:\n");
  EXPECT_FALSE(null_value.empty());
}

TEST(Config, KeysThatAreNotNamesAreRefusedWithTheirLine) {
  // yaml-cpp takes maps, lists and nothing as keys; reading them as text threw its own exception.
  EXPECT_EQ(load_error("{}: 1\n"), "test.yaml:1: a key must be a name, got a map");
  EXPECT_EQ(load_error("[1, 2]: 64\n"), "test.yaml:1: a key must be a name, got a list");
  EXPECT_EQ(load_error("? [a, b]\n"), "test.yaml:1: a key must be a name, got a list");
  EXPECT_EQ(load_error("~: 1\n"), "test.yaml:1: a key must be a name, got nothing");
  EXPECT_EQ(load_error("grid:\n  width: 2\n  ? {a: 1}\n  : 3\n"), "test.yaml:3: grid: a key must be a name, got a map");
}

TEST(Config, RepeatedKeysAreRefusedNamingBothLines) {
  // yaml-cpp keeps both entries of a repeated key, and the last one used to win in silence.
  EXPECT_EQ(load_error("grid:\n  width: 2\n  width: 3\n"), "test.yaml:3: key 'grid.width' given twice (first at line 2)");
  EXPECT_EQ(load_error("grid.width: 2\ngrid:\n  width: 3\n"), "test.yaml:3: key 'grid.width' given twice (first at line 1)");
  EXPECT_EQ(load_error("sim:\n  max_cycles: 1\nsim:\n  quantum_cycles: 2\n"), "test.yaml:3: key 'sim' given twice (first at line 1)");
  EXPECT_EQ(load_error("fabric:\n  routes: ['0,0 1 ramp>east']\n  routes: ['0,0 2 ramp>east']\n"),
            "test.yaml:3: key 'fabric.routes' given twice (first at line 2)");
  // A section and a dotted key under it are not a repeat.
  PlatformConfig c;
  load_config_text(c, "grid:\n  width: 2\ngrid.height: 3\n", "test.yaml");
  EXPECT_EQ(c.grid_width, 2u);
  EXPECT_EQ(c.grid_height, 3u);
}

TEST(Config, LongAndMultiLineInputIsQuotedOnOneShortLine) {
  const std::string big(1'000'000, '7');
  const std::string value = load_error("grid:\n  width: " + big + "\n");
  EXPECT_EQ(value, "test.yaml:2: grid.width: expected an integer in [1, 65536], got '" + std::string(64, '7') + "'... (1000000 bytes)");
  const std::string key = load_error("\"grid\\nwidth\": 4\n");
  EXPECT_EQ(key, "test.yaml:1: unknown key 'grid\\nwidth'");
  const std::string nested = load_error("\"a\\nb\":\n  \"c\\td\": 1\n");
  EXPECT_EQ(nested, "test.yaml:2: unknown key 'a\\nb.c\\td'");
  const std::string route = load_error("fabric:\n  routes:\n    - \"0,0 1 ramp>east\\n" + std::string(5000, 'x') + "\"\n");
  EXPECT_EQ(route.find('\n'), std::string::npos) << route;
  EXPECT_LT(route.size(), 300u) << route;
}

TEST(Config, AliasesThatLoopOrMultiplyEndWithAnError) {
  // A cycle through an alias, and empty maps doubled at each level (2^40 paths): only known
  // sections are entered, each once.
  const std::string cycle = load_error("core: &c\n  timing: *c\n");
  EXPECT_TRUE(starts_with(cycle, "test.yaml:")) << cycle;
  std::string doubling = "a0: &a0 {}\n";
  for (int i = 1; i <= 40; ++i)
    doubling += "a" + std::to_string(i) + ": &a" + std::to_string(i) + " {x: *a" + std::to_string(i - 1) + ", y: *a" +
                std::to_string(i - 1) + "}\n";
  EXPECT_EQ(load_error(doubling), "test.yaml:1: unknown key 'a0'");
  EXPECT_EQ(load_error("core: &c\n  timing: {alu_cycles: 1}\nsram: *c\n"), "test.yaml:2: unknown key 'sram.timing.alu_cycles'");
}

TEST(Config, DirectoriesAndDevicesAreRefusedAsConfigFiles) {
  const std::string dir = temp_path("cfg_dir");
  std::filesystem::create_directory(dir);
  PlatformConfig c;
  EXPECT_EQ(config_error([&] { load_config_file(c, dir); }), dir + ": is a directory");
  EXPECT_EQ(config_error([&] { load_config_file(c, "/dev/zero"); }), "/dev/zero: is not a regular file (a device, FIFO or socket)");
  std::filesystem::remove(dir);
}

TEST(Config, LoadConfigFileReadsAFileAndNamesItInErrors) {
  const std::string path = temp_path("cfg.yaml");
  {
    std::ofstream f(path);
    f << "grid:\n  width: 2\n  height: 3\nsram:\n  banks: 4\n";
  }
  PlatformConfig c;
  load_config_file(c, path);
  EXPECT_EQ(c.grid_width, 2u);
  EXPECT_EQ(c.grid_height, 3u);
  EXPECT_EQ(c.sram.banks, 4u);
  {
    std::ofstream f(path);
    f << "grid:\n  width: 2\n  hieght: 3\n";
  }
  EXPECT_EQ(config_error([&] { load_config_file(c, path); }), path + ":3: unknown key 'grid.hieght'");
  {
    std::ofstream f(path);
    f << "grid:\n  width: 2\n   height: 3\n";
  }
  EXPECT_TRUE(starts_with(config_error([&] { load_config_file(c, path); }), path + ":3: YAML syntax error"));
  std::filesystem::remove(path);
  EXPECT_EQ(config_error([&] { load_config_file(c, path); }), path + ": cannot open config file");
}

TEST(Config, ParseGrid) {
  uint32_t w = 0, h = 0;
  parse_grid("4x8", w, h);
  EXPECT_EQ(w, 4u);
  EXPECT_EQ(h, 8u);
  parse_grid("16X2", w, h);
  EXPECT_EQ(w, 16u);
  EXPECT_EQ(h, 2u);
  parse_grid("65536x1", w, h);
  EXPECT_EQ(w, 65536u);
  EXPECT_EQ(h, 1u);
  for (const char* bad : {"4", "0x4", "4x0", "axb", "x4", "4x", "", "x", "4x8x", "4x0x8", "-4x8", "4 x 8", "65537x1", "1x65537",
                          "4*8"}) {
    uint32_t bw = 7, bh = 9;
    const std::string err = config_error([&] { parse_grid(bad, bw, bh); });
    EXPECT_EQ(err, std::string("--grid: expected WIDTHxHEIGHT with positive integers, got '") + bad + "'") << bad;
    EXPECT_EQ(bw, 7u) << bad;
    EXPECT_EQ(bh, 9u) << bad;
  }
}

TEST(Config, ValidateConfigChecksCrossFieldRules) {
  PlatformConfig c;
  EXPECT_NO_THROW(validate_config(c));
  c.sram.size_bytes = 4098;
  EXPECT_EQ(config_error([&] { validate_config(c); }), "sram.size_bytes must be a multiple of 4, got 4098");
  c.sram.size_bytes = 4096;
  c.grid_width = 4096, c.grid_height = 4096;  // exactly 2^24 tiles
  EXPECT_NO_THROW(validate_config(c));
  c.grid_width = 65536, c.grid_height = 257;
  EXPECT_EQ(config_error([&] { validate_config(c); }), "grid 65536x257 has more than 2^24 tiles");
}

TEST(Config, SystemLinksJoinNeighbouringWafersThroughPortsThatExist) {
  PlatformConfig c;
  c.system.wafers = 3;
  c.serdes.count = 2;
  c.system.links = "w1.z-w2.z, w1.west-w0.east";
  const std::vector<SystemLink> links = system_links(c);
  ASSERT_EQ(links.size(), 2u);
  EXPECT_EQ(links[0].west, 0u);  // by border, either end written first
  EXPECT_EQ(links[0].kind, SystemLinkKind::Edge);
  EXPECT_EQ(links[0].text, "w1.west-w0.east");
  EXPECT_EQ(links[1].west, 1u);
  EXPECT_EQ(links[1].kind, SystemLinkKind::Optical);
  EXPECT_EQ(system_width(c), 3 * c.grid_width);
  const auto error = [&](const std::string& text) {
    c.system.links = text;
    return config_error([&] { validate_config(c); });
  };
  EXPECT_EQ(error("w0.east-w1.west,w1.z-w2.z,w0.z-w1.z"),
            "system.links: link 'w0.z-w1.z': w0 and w1 are joined already by 'w0.east-w1.west'");
  EXPECT_EQ(error("w0.east-w1.west,w1.east-w2.z"),
            "system.links: link 'w1.east-w2.z': joins a Z port to an edge; a link is edge to edge or Z port to Z port");
  EXPECT_EQ(error("w0.z-w2.z,w0.east-w1.west"),
            "system.links: link 'w0.z-w2.z': w0 and w2 are not neighbours; the wafers stand in a row and links join wI and wI+1");
  EXPECT_EQ(error("w0.east"), "system.links: link 'w0.east': not two ports joined by '-' (e.g. w0.east-w1.west)");
  EXPECT_EQ(error("x0.east-w1.west"),
            "system.links: link 'x0.east-w1.west': 'x0.east' is not a wafer's port (wI.east, wI.west, wI.north, wI.south or wI.z)");
  EXPECT_EQ(error(""), "system.links: wafer w1 is not connected: no link joins w0 and w1 (e.g. w0.east-w1.west)");
  c.system.links = "w0.east-w1.west,w1.east-w2.west";
  c.defects.spare_rows = 1;
  EXPECT_EQ(config_error([&] { validate_config(c); }),
            "system.wafers 3: defect maps and spares (wafer.*) describe one wafer; give them with system.wafers 1");
}

TEST(Config, OpticalTemperatureMapIsAListOfTemperaturesNamedEntryByEntry) {
  EXPECT_EQ(temperature_map(""), std::vector<double>{});
  EXPECT_EQ(temperature_map("60, 95.5,-10"), (std::vector<double>{60, 95.5, -10}));
  EXPECT_EQ(config_error([] { temperature_map("60,hot"); }),
            "optical.temperature_map_c: entry 2 'hot' is not a temperature in C from -40 to 200");
  EXPECT_EQ(config_error([] { temperature_map("60,,70"); }),
            "optical.temperature_map_c: entry 2 '' is not a temperature in C from -40 to 200");
  EXPECT_EQ(config_error([] { temperature_map("900"); }),
            "optical.temperature_map_c: entry 1 '900' is not a temperature in C from -40 to 200");
  PlatformConfig c;
  EXPECT_NE(config_error([&] { set_config_value(c, "optical.temperature_map_c", "1e6", "--set"); }).find("a comma-separated list of temperatures"),
            std::string::npos);
}

// A config with every key at some valid non-default value.
PlatformConfig everything_changed() {
  PlatformConfig c;
  for (const ConfigKey& k : config_keys()) {
    bool changed = false;
    for (const char* v : {"2e9", "4096", "3", "2", "5", "0.5", "1e-4", "iq-vc-4stage", "transpose", "odd-even", "model", "north", "links", "debug", "tlm", "fp16", "rv32imfc"}) {
      if (v == k.default_value) continue;
      try {
        set_config_value(c, k.key, v, "test");
        changed = true;
        break;
      } catch (const ConfigError&) {
      }
    }
    EXPECT_TRUE(changed) << k.key;
  }
  return c;
}

TEST(Config, RoutingPlanAndDefectListsParseEachItemWithItsLine) {
  PlatformConfig c;
  load_config_text(c,
                   "fabric:\n"
                   "  routes:\n"
                   "    - \"0-3,0 5 ramp>east\"\n"
                   "    - \"*,2 7 W>E+ramp\"\n"
                   "wafer:\n"
                   "  spare_columns: 1\n"
                   "  defects: [\"3,1\", \"0,2\"]\n",
                   "plan.yaml");
  ASSERT_EQ(c.routes.size(), 2u);
  EXPECT_EQ(c.routes[0].x0, 0u);
  EXPECT_EQ(c.routes[0].x1, 3u);
  EXPECT_EQ(c.routes[0].y0, 0u);
  EXPECT_EQ(c.routes[0].y1, 0u);
  EXPECT_EQ(c.routes[0].color, 5u);
  EXPECT_EQ(c.routes[0].in_port, kRamp);
  EXPECT_EQ(c.routes[0].outputs, port_bit(kEast));
  EXPECT_EQ(c.routes[0].where, "plan.yaml:3");
  EXPECT_EQ(c.routes[1].x1, UINT32_MAX);
  EXPECT_EQ(c.routes[1].in_port, kWest);
  EXPECT_EQ(c.routes[1].outputs, port_bit(kEast) | port_bit(kRamp));
  EXPECT_EQ(c.defects.spare_columns, 1u);
  ASSERT_EQ(c.defects.tiles.size(), 2u);
  EXPECT_EQ(c.defects.tiles[1], std::make_pair(0u, 2u));
  EXPECT_EQ(c.defects.tiles_where[1], "plan.yaml:7");

  EXPECT_EQ(load_error("fabric:\n  routes:\n    - \"0,0 5 ramp>up\"\n"),
            "test.yaml:3: fabric.routes: bad output port 'up' in '0,0 5 ramp>up' (expected \"X,Y COLOR IN>OUT[+OUT]\")");
  EXPECT_TRUE(starts_with(load_error("fabric:\n  routes:\n    - \"3-1,0 5 ramp>east\"\n"),
                          "test.yaml:3: fabric.routes: bad tile range '3-1,0'"));
  EXPECT_TRUE(starts_with(load_error("fabric:\n  routes: \"0,0 1 ramp>east\"\n"), "test.yaml:2: fabric.routes: expected a list"));
  EXPECT_EQ(load_error("wafer:\n  defects: [\"1;2\"]\n"), "test.yaml:2: wafer.defects: expected a physical tile X,Y, got '1;2'");
}

TEST(Config, DefaultYamlHasEveryKeyOnceInOrderWithItsDefault) {
  const std::string path = default_yaml_path();
  std::ifstream in(path);
  ASSERT_TRUE(in) << path;

  // Dotted keys of the file's leaf lines, from the two-space indentation.
  std::vector<std::string> leaves;
  std::map<std::string, std::string> values;
  std::vector<std::string> stack;
  std::string line;
  while (std::getline(in, line)) {
    const size_t hash = line.find('#');
    if (hash != std::string::npos) line.erase(hash);
    if (line.find_first_not_of(' ') == std::string::npos) continue;
    const size_t indent = line.find_first_not_of(' ');
    ASSERT_EQ(indent % 2, 0u) << line;
    const size_t colon = line.find(':');
    ASSERT_NE(colon, std::string::npos) << line;
    stack.resize(indent / 2);
    const std::string name = line.substr(indent, colon - indent);
    std::string value = line.substr(colon + 1);
    value.erase(0, value.find_first_not_of(' '));
    value.erase(value.find_last_not_of(' ') + 1);
    std::string dotted;
    for (const std::string& s : stack) dotted += s + ".";
    dotted += name;
    if (value.empty()) {
      stack.push_back(name);
    } else {
      leaves.push_back(dotted);
      const bool quoted = value.size() >= 2 && value.front() == '"' && value.back() == '"';
      values[dotted] = quoted ? value.substr(1, value.size() - 2) : value;
    }
  }

  const std::vector<ConfigKey> keys = config_keys();
  std::vector<std::string> expected;
  for (const ConfigKey& k : keys) expected.push_back(k.key);
  EXPECT_EQ(leaves, expected);  // every key exactly once, nothing else, in config_keys() order

  // Each value in the file is the default (compare as parsed values, e.g. 1.1e9 vs 1.1e+09).
  for (const ConfigKey& k : keys) {
    if (!values.count(k.key)) continue;
    PlatformConfig from_file = everything_changed(), from_default = everything_changed();
    set_config_value(from_file, k.key, values[k.key], path);
    set_config_value(from_default, k.key, k.default_value, "default");
    SCOPED_TRACE(k.key);
    expect_same(from_file, from_default);
  }

  // Loaded on top of a config with every value changed, it restores every default.
  PlatformConfig c = everything_changed();
  load_config_file(c, path);
  expect_same(c, PlatformConfig{});
  EXPECT_NO_THROW(validate_config(c));
}

}  // namespace
}  // namespace wvp::test
