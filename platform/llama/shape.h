// A model given by its shape alone (`wafervp decode --shape`), for a timing-only run: the
// presets of the models wafervp is held against, or any shape written out.
#pragma once
#include <string>
#include <vector>

#include "platform/llama/checkpoint.h"

namespace wvp::llama {

struct ShapePreset {
  const char* name;
  ModelConfig config;
};

// Llama 3.1 8B and 70B (a context of 8192 positions: their 131072 would not leave a wafer's SRAM
// room for the KV caches).
const std::vector<ShapePreset>& shape_presets();

// "NAME" (a preset), "key=value,..." or "NAME,key=value,..." (the preset with those fields
// changed). Keys: dim, hidden, layers, heads, kv_heads (default: heads), vocab, seq_len; without
// a preset all but kv_heads are needed. Throws ModelError naming the part at fault.
ModelConfig parse_shape(const std::string& text);

}  // namespace wvp::llama
