#include "platform/host/elf_loader.h"

#include <algorithm>
#include <cstdio>
#include <cstring>

#include "models/core/decode.h"
#include "platform/support/input_file.h"

namespace wvp {

namespace {

constexpr uint16_t kEmRiscv = 243;
constexpr uint16_t kEtExec = 2;
constexpr uint32_t kPtLoad = 1;
constexpr uint32_t kPfX = 1;
constexpr uint32_t kShtSymtab = 2;
constexpr uint8_t kSttFunc = 2;
constexpr uint32_t kEfFloatAbiMask = 0x6, kEfFloatAbiDouble = 0x4, kEfFloatAbiQuad = 0x6;
// ELF32 offsets and sizes are 32-bit: a larger file holds nothing a header can point to.
constexpr uint64_t kMaxFileBytes = 0xffff'ffff;
// Names may share bytes of the string table (each symbol points anywhere into it), so their total
// is not bounded by the file: a crafted table of long overlapping names would fill memory.
constexpr uint64_t kMaxSymbolNameBytes = uint64_t{64} << 20;

std::string hex(uint64_t v) {
  char buf[24];
  std::snprintf(buf, sizeof buf, "0x%llx", static_cast<unsigned long long>(v));
  return buf;
}

struct Reader {
  const std::string& path;
  std::string_view data;

  template <typename T>
  T get(uint64_t off) const {
    if (off + sizeof(T) > data.size()) fail("truncated (needs byte " + std::to_string(off + sizeof(T)) + ")");
    T v;
    std::memcpy(&v, data.data() + off, sizeof(T));
    return v;
  }
  // A table of `count` entries of `entsize` bytes at `offset` must lie within the file.
  void check_table(const std::string& name, uint64_t offset, uint64_t count, uint64_t entsize) const {
    if (offset + count * entsize > data.size())
      fail(name + " (" + std::to_string(count) + " entries of " + std::to_string(entsize) + " bytes at offset " + hex(offset) +
           ") runs past the end of the file (" + std::to_string(data.size()) + " bytes)");
  }
  [[noreturn]] void fail(const std::string& what) const { throw ElfError(path + ": " + what); }
};

void read_symbols(const Reader& r, ElfImage& image) {
  const uint32_t shoff = r.get<uint32_t>(32);
  const uint16_t shentsize = r.get<uint16_t>(46), shnum = r.get<uint16_t>(48);
  if (shoff == 0 || shnum == 0) return;
  if (shentsize < 40) r.fail("section header size " + std::to_string(shentsize) + " is too small");
  r.check_table("section header table", shoff, shnum, shentsize);
  // ELF allows one symbol table; several pointing at the same bytes would read them again each.
  uint32_t symtab = shnum;
  for (uint32_t i = 0; i < shnum; ++i) {
    if (r.get<uint32_t>(shoff + uint64_t{i} * shentsize + 4) != kShtSymtab) continue;
    if (symtab != shnum) r.fail("sections " + std::to_string(symtab) + " and " + std::to_string(i) + " are both symbol tables");
    symtab = i;
  }
  if (symtab == shnum) return;
  const uint64_t sh = shoff + uint64_t{symtab} * shentsize;
  const uint32_t off = r.get<uint32_t>(sh + 16), size = r.get<uint32_t>(sh + 20);
  const uint32_t link = r.get<uint32_t>(sh + 24), entsize = r.get<uint32_t>(sh + 36);
  if (link >= shnum || entsize < 16) r.fail("malformed symbol table in section " + std::to_string(symtab));
  if (uint64_t{off} + size > r.data.size()) r.fail("symbol table in section " + std::to_string(symtab) + " runs past the end of the file");
  const uint64_t strsh = shoff + uint64_t{link} * shentsize;
  const uint32_t stroff = r.get<uint32_t>(strsh + 16), strsize = r.get<uint32_t>(strsh + 20);
  if (uint64_t{stroff} + strsize > r.data.size()) r.fail("string table runs past the end of the file");
  const std::string_view strtab = r.data.substr(stroff, strsize);
  uint64_t name_bytes = 0;
  for (uint64_t s = off; s + entsize <= uint64_t{off} + size; s += entsize) {
    const uint32_t name = r.get<uint32_t>(s);
    if (name == 0 || name >= strsize) continue;
    const std::string_view rest = strtab.substr(name);
    const std::string_view str = rest.substr(0, rest.find('\0'));
    name_bytes += str.size();
    if (name_bytes > kMaxSymbolNameBytes)
      r.fail("symbol names total more than " + std::to_string(kMaxSymbolNameBytes) + " bytes (names overlapping in the string table)");
    image.symbols.emplace(std::string(str), r.get<uint32_t>(s + 4));
    const uint32_t size = r.get<uint32_t>(s + 8);
    if ((r.get<uint8_t>(s + 12) & 0xf) == kSttFunc && size) image.functions.push_back({std::string(str), r.get<uint32_t>(s + 4), size});
  }
  std::sort(image.functions.begin(), image.functions.end(),
            [](const ElfFunction& a, const ElfFunction& b) { return a.start < b.start; });
}

struct LoadHeader {
  uint32_t index, offset, vaddr, filesz, memsz, flags;
};

}  // namespace

ElfImage load_elf(const std::string& path) {
  std::string bytes;
  if (const std::string problem = read_input_file(path, "file", kMaxFileBytes, bytes); !problem.empty())
    throw ElfError(path + ": " + problem);
  return parse_elf(bytes, path);
}

ElfImage parse_elf(std::string_view data, const std::string& path) {
  const Reader r{path, data};
  if (data.size() < 52 || data.substr(0, 4) != "\x7f" "ELF") r.fail("not an ELF file");
  if (data[4] != 1) r.fail(data[4] == 2 ? "64-bit ELF; wafervp cores are RV32" : "unknown ELF class");
  if (data[5] != 1) r.fail("big-endian ELF; RISC-V is little-endian");
  const uint16_t machine = r.get<uint16_t>(18);
  if (machine != kEmRiscv) r.fail("ELF machine " + std::to_string(machine) + " is not RISC-V (243)");
  if (r.get<uint16_t>(16) != kEtExec) r.fail("not an executable (ET_EXEC) ELF");
  const uint32_t flags = r.get<uint32_t>(36);
  const uint32_t abi = flags & kEfFloatAbiMask;
  if (abi == kEfFloatAbiDouble || abi == kEfFloatAbiQuad)
    r.fail("built for a double/quad float ABI; the cores implement F only (use -mabi=ilp32f)");

  ElfImage image;
  image.path = path;
  image.entry = r.get<uint32_t>(24);
  image.flags = flags;
  // Instructions are 4-byte aligned, or 2 with the C extension; a misaligned pc traps at once.
  if (const uint32_t mask = ialign_mask(image.compressed()); image.entry & mask)
    r.fail("entry point " + hex(image.entry) + " is not " + std::to_string(mask + 1) + "-byte aligned");
  const uint32_t phoff = r.get<uint32_t>(28);
  const uint16_t phentsize = r.get<uint16_t>(42), phnum = r.get<uint16_t>(44);
  if (phnum == 0) r.fail("no program headers");
  if (phentsize < 32) r.fail("program header size " + std::to_string(phentsize) + " is too small");
  r.check_table("program header table", phoff, phnum, phentsize);
  std::vector<LoadHeader> loads;
  for (uint32_t i = 0; i < phnum; ++i) {
    const uint64_t ph = phoff + uint64_t{i} * phentsize;
    if (r.get<uint32_t>(ph) != kPtLoad) continue;
    const LoadHeader h{i, r.get<uint32_t>(ph + 4), r.get<uint32_t>(ph + 8), r.get<uint32_t>(ph + 16), r.get<uint32_t>(ph + 20),
                       r.get<uint32_t>(ph + 24)};
    if (h.filesz > h.memsz) r.fail("segment " + std::to_string(i) + " has file size above its memory size");
    if (uint64_t{h.offset} + h.filesz > data.size()) r.fail("segment " + std::to_string(i) + " runs past the end of the file");
    if (uint64_t{h.vaddr} + h.memsz > 0x1'0000'0000ull) r.fail("segment " + std::to_string(i) + " at " + hex(h.vaddr) + " wraps the 32-bit address space");
    if (h.memsz) loads.push_back(h);
  }
  if (loads.empty()) r.fail("no loadable segments");
  // Overlapping segments would make the image depend on the order they are written in. Checked
  // before any bytes are copied: disjoint segments hold at most 4 GiB together.
  std::vector<LoadHeader> by_address = loads;
  std::sort(by_address.begin(), by_address.end(), [](const LoadHeader& a, const LoadHeader& b) { return a.vaddr < b.vaddr; });
  const LoadHeader* reach = &by_address[0];  // of those before, the one that ends last
  for (size_t k = 1; k < by_address.size(); ++k) {
    const LoadHeader& h = by_address[k];
    if (h.vaddr < uint64_t{reach->vaddr} + reach->memsz) {
      const auto [first, second] = std::minmax(reach->index, h.index);
      r.fail("segments " + std::to_string(first) + " and " + std::to_string(second) + " overlap at " + hex(h.vaddr));
    }
    if (uint64_t{h.vaddr} + h.memsz > uint64_t{reach->vaddr} + reach->memsz) reach = &h;
  }
  for (const LoadHeader& h : loads) {
    ElfSegment seg;
    seg.vaddr = h.vaddr;
    seg.mem_size = h.memsz;
    seg.bytes.assign(data.begin() + h.offset, data.begin() + h.offset + h.filesz);
    seg.executable = (h.flags & kPfX) != 0;
    image.segments.push_back(std::move(seg));
  }
  read_symbols(r, image);
  return image;
}

}  // namespace wvp
