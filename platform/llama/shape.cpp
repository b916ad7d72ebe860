#include "platform/llama/shape.h"

#include <algorithm>
#include <charconv>

#include "platform/support/quoted.h"

namespace wvp::llama {

namespace {

ModelConfig shape(int32_t dim, int32_t hidden, int32_t layers, int32_t heads, int32_t kv_heads, int32_t vocab, int32_t seq_len) {
  ModelConfig c;
  c.dim = dim, c.hidden_dim = hidden, c.n_layers = layers, c.n_heads = heads, c.n_kv_heads = kv_heads;
  c.vocab_size = vocab, c.seq_len = seq_len;
  // Llama 3 keeps a classifier of its own.
  c.shared_classifier = false;
  return c;
}

struct Key {
  const char* name;
  int32_t ModelConfig::*field;
};
constexpr Key kKeys[] = {{"dim", &ModelConfig::dim},           {"hidden", &ModelConfig::hidden_dim},
                         {"layers", &ModelConfig::n_layers},   {"heads", &ModelConfig::n_heads},
                         {"kv_heads", &ModelConfig::n_kv_heads}, {"vocab", &ModelConfig::vocab_size},
                         {"seq_len", &ModelConfig::seq_len}};

}  // namespace

const std::vector<ShapePreset>& shape_presets() {
  static const std::vector<ShapePreset> presets = {{"llama3.1-8b", shape(4096, 14336, 32, 32, 8, 128256, 8192)},
                                                   {"llama3.1-70b", shape(8192, 28672, 80, 64, 8, 128256, 8192)}};
  return presets;
}

ModelConfig parse_shape(const std::string& text) {
  ModelConfig c;
  bool preset = false, kv_heads = false;
  size_t at = 0;
  for (size_t index = 0; at <= text.size(); ++index) {
    const size_t comma = std::min(text.find(',', at), text.size());
    const std::string item = text.substr(at, comma - at);
    at = comma + 1;
    const size_t eq = item.find('=');
    if (eq == std::string::npos && index == 0) {
      const auto& presets = shape_presets();
      const auto found = std::find_if(presets.begin(), presets.end(), [&](const ShapePreset& p) { return item == p.name; });
      if (found == presets.end()) {
        std::string names;
        for (const ShapePreset& p : presets) names += names.empty() ? "" : ", ", names += p.name;
        std::string message = "unknown shape ";
        message += wvp::quoted(item);
        message += " (presets: ";
        message += names;
        message += "; or dim=,hidden=,layers=,heads=,vocab=,seq_len=)";
        throw ModelError(message);
      }
      c = found->config, preset = true;
      continue;
    }
    const std::string name = item.substr(0, eq == std::string::npos ? item.size() : eq);
    const auto key = std::find_if(std::begin(kKeys), std::end(kKeys), [&](const Key& k) { return name == k.name; });
    if (eq == std::string::npos || key == std::end(kKeys)) {
      std::string message = "expected key=value (keys: dim, hidden, layers, heads, kv_heads, vocab, seq_len), got ";
      message += wvp::quoted(item);
      throw ModelError(message);
    }
    const std::string value = item.substr(eq + 1);
    int32_t v = 0;
    const auto [end, error] = std::from_chars(value.data(), value.data() + value.size(), v);
    if (error != std::errc() || end != value.data() + value.size() || v <= 0)
      throw ModelError(name + ": expected a positive integer, got " + wvp::quoted(value));
    c.*key->field = v;
    kv_heads = kv_heads || key->field == &ModelConfig::n_kv_heads;
  }
  if (!preset) {
    if (!kv_heads) c.n_kv_heads = c.n_heads;
    for (const Key& k : kKeys)
      if (c.*k.field == 0) {
        std::string message = "the shape has no ";
        message += k.name;
        message += " (";
        message += wvp::quoted(text);
        message += ")";
        throw ModelError(message);
      }
  }
  c.validate();
  return c;
}

}  // namespace wvp::llama
