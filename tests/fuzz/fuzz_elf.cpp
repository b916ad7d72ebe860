// The ELF loader on arbitrary bytes: an image, or an ElfError naming the file; an image it
// accepts has disjoint segments within the 32-bit space and an aligned entry point.
#include <algorithm>
#include <cstdint>

#include "fuzz_support.h"
#include "platform/host/elf_loader.h"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  using wvp::fuzz::require;
  const std::string path = "fuzz.elf";
  try {
    const wvp::ElfImage image = wvp::parse_elf(std::string_view(reinterpret_cast<const char*>(data), size), path);
    require(image.entry % 4 == 0, "accepted an unaligned entry point");
    std::vector<std::pair<uint64_t, uint64_t>> spans;
    for (const wvp::ElfSegment& s : image.segments) {
      require(s.bytes.size() <= s.mem_size && s.mem_size > 0, "accepted a segment with more bytes than memory");
      require(uint64_t{s.vaddr} + s.mem_size <= 0x1'0000'0000ull, "accepted a segment past 4 GiB");
      spans.emplace_back(s.vaddr, uint64_t{s.vaddr} + s.mem_size);
    }
    std::sort(spans.begin(), spans.end());
    for (size_t i = 1; i < spans.size(); ++i) require(spans[i].first >= spans[i - 1].second, "accepted overlapping segments");
  } catch (const wvp::ElfError& e) {
    wvp::fuzz::require_clear_error(e.what(), path + ": ");
  }
  return 0;
}
