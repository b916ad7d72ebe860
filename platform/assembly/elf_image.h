// A program as the wafer runs it: loadable segments, entry point and symbols. The host reads one
// from an ELF file (platform/host/elf_loader.h); the wafer points its cores at it and the load
// writes its segments.
#pragma once
#include <cstdint>
#include <map>
#include <string>
#include <vector>

namespace wvp {

struct ElfSegment {
  uint32_t vaddr = 0;
  uint32_t mem_size = 0;
  std::vector<uint8_t> bytes;  // file contents; the rest up to mem_size is zero
  bool executable = false;
};

struct ElfFunction {
  std::string name;
  uint32_t start = 0, size = 0;
};

struct ElfImage {
  std::string path;
  uint32_t entry = 0;
  uint32_t flags = 0;  // the ELF header's e_flags (the float ABI); core files carry them on
  static constexpr uint32_t kFlagRvc = 0x1;  // EF_RISCV_RVC: built for the C extension
  bool compressed() const { return flags & kFlagRvc; }
  std::vector<ElfSegment> segments;
  std::map<std::string, uint32_t> symbols;  // global and local symbols with their values
  std::vector<ElfFunction> functions;       // the function symbols (STT_FUNC) with a size, by start

  // The region a decode firmware leaves its model, [__heap_start, __heap_end); false without them.
  bool model_region(uint32_t& start, uint32_t& bytes) const {
    const auto first = symbols.find("__heap_start"), end = symbols.find("__heap_end");
    if (first == symbols.end() || end == symbols.end() || end->second < first->second) return false;
    start = first->second, bytes = end->second - first->second;
    return true;
  }
};

}  // namespace wvp
