#include "platform/host/elf_loader.h"

#include <cstring>
#include <fstream>
#include <iterator>

namespace wvp {

namespace {

constexpr uint16_t kEmRiscv = 243;
constexpr uint16_t kEtExec = 2;
constexpr uint32_t kPtLoad = 1;
constexpr uint32_t kPfX = 1;
constexpr uint32_t kShtSymtab = 2;
constexpr uint32_t kEfRvc = 0x1, kEfFloatAbiMask = 0x6, kEfFloatAbiDouble = 0x4, kEfFloatAbiQuad = 0x6;

struct Reader {
  const std::string& path;
  const std::vector<uint8_t>& data;

  template <typename T>
  T get(uint64_t off) const {
    if (off + sizeof(T) > data.size()) fail("truncated (needs byte " + std::to_string(off + sizeof(T)) + ")");
    T v;
    std::memcpy(&v, data.data() + off, sizeof(T));
    return v;
  }
  [[noreturn]] void fail(const std::string& what) const { throw ElfError(path + ": " + what); }
};

std::string hex(uint64_t v) {
  char buf[24];
  std::snprintf(buf, sizeof buf, "0x%llx", static_cast<unsigned long long>(v));
  return buf;
}

void read_symbols(const Reader& r, ElfImage& image) {
  const uint32_t shoff = r.get<uint32_t>(32);
  const uint16_t shentsize = r.get<uint16_t>(46), shnum = r.get<uint16_t>(48);
  if (shoff == 0 || shnum == 0) return;
  if (shentsize < 40) r.fail("section header size " + std::to_string(shentsize) + " is too small");
  for (uint32_t i = 0; i < shnum; ++i) {
    const uint64_t sh = shoff + uint64_t{i} * shentsize;
    if (r.get<uint32_t>(sh + 4) != kShtSymtab) continue;
    const uint32_t off = r.get<uint32_t>(sh + 16), size = r.get<uint32_t>(sh + 20);
    const uint32_t link = r.get<uint32_t>(sh + 24), entsize = r.get<uint32_t>(sh + 36);
    if (link >= shnum || entsize < 16) r.fail("malformed symbol table in section " + std::to_string(i));
    const uint64_t strsh = shoff + uint64_t{link} * shentsize;
    const uint32_t stroff = r.get<uint32_t>(strsh + 16), strsize = r.get<uint32_t>(strsh + 20);
    if (uint64_t{stroff} + strsize > r.data.size()) r.fail("string table runs past the end of the file");
    for (uint64_t s = off; s + entsize <= uint64_t{off} + size; s += entsize) {
      const uint32_t name = r.get<uint32_t>(s);
      if (name == 0 || name >= strsize) continue;
      const char* str = reinterpret_cast<const char*>(r.data.data() + stroff + name);
      const size_t len = strnlen(str, strsize - name);
      image.symbols.emplace(std::string(str, len), r.get<uint32_t>(s + 4));
    }
  }
}

}  // namespace

ElfImage load_elf(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  if (!in) throw ElfError(path + ": cannot open file");
  const std::vector<uint8_t> data((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
  const Reader r{path, data};
  if (data.size() < 52 || std::memcmp(data.data(), "\x7f" "ELF", 4) != 0) r.fail("not an ELF file");
  if (data[4] != 1) r.fail(data[4] == 2 ? "64-bit ELF; wafervp cores are RV32" : "unknown ELF class");
  if (data[5] != 1) r.fail("big-endian ELF; RISC-V is little-endian");
  const uint16_t machine = r.get<uint16_t>(18);
  if (machine != kEmRiscv) r.fail("ELF machine " + std::to_string(machine) + " is not RISC-V (243)");
  if (r.get<uint16_t>(16) != kEtExec) r.fail("not an executable (ET_EXEC) ELF");
  const uint32_t flags = r.get<uint32_t>(36);
  if (flags & kEfRvc) r.fail("built for the C extension (compressed instructions), which the cores do not have");
  const uint32_t abi = flags & kEfFloatAbiMask;
  if (abi == kEfFloatAbiDouble || abi == kEfFloatAbiQuad)
    r.fail("built for a double/quad float ABI; the cores implement F only (use -mabi=ilp32f)");

  ElfImage image;
  image.path = path;
  image.entry = r.get<uint32_t>(24);
  const uint32_t phoff = r.get<uint32_t>(28);
  const uint16_t phentsize = r.get<uint16_t>(42), phnum = r.get<uint16_t>(44);
  if (phnum == 0) r.fail("no program headers");
  if (phentsize < 32) r.fail("program header size " + std::to_string(phentsize) + " is too small");
  for (uint32_t i = 0; i < phnum; ++i) {
    const uint64_t ph = phoff + uint64_t{i} * phentsize;
    if (r.get<uint32_t>(ph) != kPtLoad) continue;
    const uint32_t offset = r.get<uint32_t>(ph + 4), vaddr = r.get<uint32_t>(ph + 8);
    const uint32_t filesz = r.get<uint32_t>(ph + 16), memsz = r.get<uint32_t>(ph + 20);
    const uint32_t pflags = r.get<uint32_t>(ph + 24);
    if (filesz > memsz) r.fail("segment " + std::to_string(i) + " has file size above its memory size");
    if (uint64_t{offset} + filesz > data.size()) r.fail("segment " + std::to_string(i) + " runs past the end of the file");
    if (uint64_t{vaddr} + memsz > 0x1'0000'0000ull) r.fail("segment " + std::to_string(i) + " at " + hex(vaddr) + " wraps the 32-bit address space");
    if (memsz == 0) continue;
    ElfSegment seg;
    seg.vaddr = vaddr;
    seg.mem_size = memsz;
    seg.bytes.assign(data.begin() + offset, data.begin() + offset + filesz);
    seg.executable = (pflags & kPfX) != 0;
    image.segments.push_back(std::move(seg));
  }
  if (image.segments.empty()) r.fail("no loadable segments");
  read_symbols(r, image);
  return image;
}

}  // namespace wvp
