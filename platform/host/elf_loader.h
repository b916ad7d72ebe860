// Reads a 32-bit little-endian RISC-V executable: loadable segments, entry point and symbols.
// Anything else is refused with an ElfError that names the file and the problem: a directory or
// device, tables or segments outside the file, overlapping segments, an entry point the cores
// cannot fetch from.
#pragma once
#include <stdexcept>
#include <string>
#include <string_view>

#include "platform/assembly/elf_image.h"

namespace wvp {

struct ElfError : std::runtime_error {
  using std::runtime_error::runtime_error;
};

ElfImage load_elf(const std::string& path);
// The same from the file's bytes, read already; `path` names them in errors.
ElfImage parse_elf(std::string_view bytes, const std::string& path);

}  // namespace wvp
