// Reads a 32-bit little-endian RISC-V executable: loadable segments, entry point and symbols.
// Anything else is refused with an ElfError that names the file and the problem.
#pragma once
#include <stdexcept>
#include <string>

#include "platform/assembly/elf_image.h"

namespace wvp {

struct ElfError : std::runtime_error {
  using std::runtime_error::runtime_error;
};

ElfImage load_elf(const std::string& path);

}  // namespace wvp
