// Hand-written test programs as ELF images: one executable segment at the SRAM's base.
#pragma once
#include <cstdint>
#include <utility>
#include <vector>

#include "platform/host/elf_loader.h"

namespace wvp::test {

constexpr uint32_t kProgramBase = 0x8000'0000;

// Word i at kProgramBase + offset (gaps are zero words), little-endian.
inline ElfImage program(const std::vector<std::pair<uint32_t, uint32_t>>& words_at) {
  ElfImage image;
  image.path = "test-program";
  image.entry = kProgramBase;
  ElfSegment seg;
  seg.vaddr = kProgramBase;
  for (const auto& [offset, word] : words_at) {
    if (seg.bytes.size() < offset + 4) seg.bytes.resize(offset + 4);
    for (int b = 0; b < 4; ++b) seg.bytes[offset + b] = static_cast<uint8_t>(word >> (8 * b));
  }
  seg.mem_size = static_cast<uint32_t>(seg.bytes.size());
  seg.executable = true;
  image.segments.push_back(seg);
  return image;
}

}  // namespace wvp::test
