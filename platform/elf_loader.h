// Reads a 32-bit little-endian RISC-V executable: loadable segments, entry point and symbols.
// Anything else is refused with an ElfError that names the file and the problem.
#pragma once
#include <cstdint>
#include <map>
#include <stdexcept>
#include <string>
#include <vector>

namespace wvp {

struct ElfError : std::runtime_error {
  using std::runtime_error::runtime_error;
};

struct ElfSegment {
  uint32_t vaddr = 0;
  uint32_t mem_size = 0;
  std::vector<uint8_t> bytes;  // file contents; the rest up to mem_size is zero
  bool executable = false;
};

struct ElfImage {
  std::string path;
  uint32_t entry = 0;
  std::vector<ElfSegment> segments;
  std::map<std::string, uint32_t> symbols;  // global and local symbols with their values
};

ElfImage load_elf(const std::string& path);

}  // namespace wvp
