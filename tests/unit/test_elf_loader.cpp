// The ELF loader on small hand-built files: what it loads from a good RV32 executable and the
// specific error it gives for each kind of file it refuses.
#include <gtest/gtest.h>

#include <sys/stat.h>

#include <cstdio>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <string>
#include <utility>
#include <vector>

#include "platform/host/elf_loader.h"
#include "support/error_of.h"
#include "support/process.h"

namespace wvp::test {
namespace {

constexpr uint32_t kPtLoad = 1, kPtNote = 4;
constexpr uint32_t kPfX = 1, kPfW = 2, kPfR = 4;

void put16(std::vector<uint8_t>& b, size_t off, uint16_t v) {
  if (b.size() < off + 2) b.resize(off + 2);
  b[off] = v & 0xff, b[off + 1] = v >> 8;
}
void put32(std::vector<uint8_t>& b, size_t off, uint32_t v) {
  if (b.size() < off + 4) b.resize(off + 4);
  for (int i = 0; i < 4; ++i) b[off + i] = static_cast<uint8_t>(v >> (8 * i));
}

struct Segment {
  uint32_t type = kPtLoad;
  uint32_t vaddr = 0;
  uint32_t flags = kPfR;
  std::vector<uint8_t> bytes;
  uint32_t mem_size = 0;  // 0: bytes.size()
  // Overrides of the computed header fields.
  bool set_offset = false, set_filesz = false;
  uint32_t offset = 0, filesz = 0;
};

// Builds an ELF32 little-endian RISC-V executable; every header field can be changed after build().
struct ElfBuilder {
  uint8_t elf_class = 1, data_encoding = 1;
  uint16_t type = 2, machine = 243;
  uint32_t flags = 0x2;  // EF_RISCV_FLOAT_ABI_SINGLE, as -mabi=ilp32f produces
  uint32_t entry = 0x8000'0000;
  uint16_t phentsize = 32;
  std::vector<Segment> segments;
  std::vector<std::pair<std::string, uint32_t>> symbols;  // written to .symtab/.strtab when not empty

  // Offsets in the built file, for tests that corrupt it.
  size_t phoff = 52, shoff = 0;

  std::vector<uint8_t> build() {
    std::vector<uint8_t> b(52, 0);
    b[0] = 0x7f, b[1] = 'E', b[2] = 'L', b[3] = 'F';
    b[4] = elf_class, b[5] = data_encoding, b[6] = 1;  // EV_CURRENT
    put16(b, 16, type);
    put16(b, 18, machine);
    put32(b, 20, 1);
    put32(b, 24, entry);
    put32(b, 28, segments.empty() ? 0 : static_cast<uint32_t>(phoff));
    put32(b, 36, flags);
    put16(b, 40, 52);
    put16(b, 42, phentsize);
    put16(b, 44, static_cast<uint16_t>(segments.size()));
    const size_t ph_end = phoff + segments.size() * phentsize;
    b.resize(ph_end, 0);
    size_t pos = ph_end;
    for (size_t i = 0; i < segments.size(); ++i) {
      const Segment& s = segments[i];
      const size_t ph = phoff + i * phentsize;
      put32(b, ph + 0, s.type);
      put32(b, ph + 4, s.set_offset ? s.offset : static_cast<uint32_t>(pos));
      put32(b, ph + 8, s.vaddr);
      put32(b, ph + 12, s.vaddr);
      put32(b, ph + 16, s.set_filesz ? s.filesz : static_cast<uint32_t>(s.bytes.size()));
      put32(b, ph + 20, s.mem_size ? s.mem_size : static_cast<uint32_t>(s.bytes.size()));
      put32(b, ph + 24, s.flags);
      put32(b, ph + 28, 4);
      b.insert(b.end(), s.bytes.begin(), s.bytes.end());
      pos += s.bytes.size();
    }
    if (!symbols.empty()) {
      // .strtab
      const size_t strtab_off = b.size();
      std::vector<uint32_t> names;
      b.push_back(0);
      for (const auto& [name, value] : symbols) {
        names.push_back(static_cast<uint32_t>(b.size() - strtab_off));
        b.insert(b.end(), name.begin(), name.end());
        b.push_back(0);
      }
      const size_t strtab_size = b.size() - strtab_off;
      while (b.size() % 4) b.push_back(0);
      // .symtab: the null symbol, then ours
      const size_t symtab_off = b.size();
      b.resize(b.size() + 16, 0);
      for (size_t i = 0; i < symbols.size(); ++i) {
        const size_t s = b.size();
        b.resize(s + 16, 0);
        put32(b, s, names[i]);
        put32(b, s + 4, symbols[i].second);
        b[s + 12] = 0x10;  // STB_GLOBAL, STT_NOTYPE
        put16(b, s + 14, 1);
      }
      const size_t symtab_size = b.size() - symtab_off;
      // Section headers: null, .symtab (link 2), .strtab
      shoff = b.size();
      b.resize(shoff + 3 * 40, 0);
      const size_t sym = shoff + 40, str = shoff + 80;
      put32(b, sym + 4, 2);  // SHT_SYMTAB
      put32(b, sym + 16, static_cast<uint32_t>(symtab_off));
      put32(b, sym + 20, static_cast<uint32_t>(symtab_size));
      put32(b, sym + 24, 2);
      put32(b, sym + 28, 1);
      put32(b, sym + 32, 4);
      put32(b, sym + 36, 16);
      put32(b, str + 4, 3);  // SHT_STRTAB
      put32(b, str + 16, static_cast<uint32_t>(strtab_off));
      put32(b, str + 20, static_cast<uint32_t>(strtab_size));
      put32(b, str + 32, 1);
      put32(b, 32, static_cast<uint32_t>(shoff));
      put16(b, 46, 40);
      put16(b, 48, 3);
    }
    return b;
  }
};

// A typical image: code at 0x80000000, data plus bss at 0x80001000.
ElfBuilder typical() {
  ElfBuilder e;
  e.entry = 0x8000'0004;
  Segment text;
  text.vaddr = 0x8000'0000;
  text.flags = kPfR | kPfX;
  text.bytes = {0x13, 0x00, 0x00, 0x00, 0x73, 0x00, 0x10, 0x00};  // nop; ebreak
  Segment data;
  data.vaddr = 0x8000'1000;
  data.flags = kPfR | kPfW;
  data.bytes = {0xde, 0xad, 0xbe, 0xef};
  data.mem_size = 0x40;
  e.segments = {text, data};
  return e;
}

class TempFile {
 public:
  explicit TempFile(const std::vector<uint8_t>& bytes) : path_(temp_path("image.elf")) {
    std::ofstream f(path_, std::ios::binary);
    f.write(reinterpret_cast<const char*>(bytes.data()), static_cast<std::streamsize>(bytes.size()));
  }
  ~TempFile() { std::remove(path_.c_str()); }
  const std::string& path() const { return path_; }

 private:
  std::string path_;
};

// The ElfError message for these bytes, with the path prefix removed; "" when it loads.
std::string error_for(const std::vector<uint8_t>& bytes) {
  TempFile file(bytes);
  try {
    load_elf(file.path());
  } catch (const ElfError& e) {
    const std::string what = e.what();
    const std::string prefix = file.path() + ": ";
    EXPECT_EQ(what.rfind(prefix, 0), 0u) << "the error must start with the path: " << what;
    return what.substr(prefix.size());
  }
  return "";
}

TEST(ElfLoader, LoadsSegmentsEntryAndFlags) {
  ElfBuilder e = typical();
  TempFile file(e.build());
  const ElfImage image = load_elf(file.path());
  EXPECT_EQ(image.path, file.path());
  EXPECT_EQ(image.entry, 0x8000'0004u);
  ASSERT_EQ(image.segments.size(), 2u);
  EXPECT_EQ(image.segments[0].vaddr, 0x8000'0000u);
  EXPECT_EQ(image.segments[0].mem_size, 8u);
  EXPECT_EQ(image.segments[0].bytes, (std::vector<uint8_t>{0x13, 0, 0, 0, 0x73, 0, 0x10, 0}));
  EXPECT_TRUE(image.segments[0].executable);
  EXPECT_EQ(image.segments[1].vaddr, 0x8000'1000u);
  EXPECT_EQ(image.segments[1].mem_size, 0x40u);  // bss beyond the file bytes
  EXPECT_EQ(image.segments[1].bytes, (std::vector<uint8_t>{0xde, 0xad, 0xbe, 0xef}));
  EXPECT_FALSE(image.segments[1].executable);
  EXPECT_TRUE(image.symbols.empty());
}

TEST(ElfLoader, SkipsNonLoadAndEmptySegmentsAndAcceptsSoftFloat) {
  ElfBuilder e = typical();
  e.flags = 0;  // soft-float ABI: fine, it just does not use the FPU registers for arguments
  Segment note;
  note.type = kPtNote;
  note.bytes = {1, 2, 3, 4};
  Segment empty;
  empty.vaddr = 0x9000'0000;
  e.segments.insert(e.segments.begin(), note);
  e.segments.push_back(empty);
  TempFile file(e.build());
  const ElfImage image = load_elf(file.path());
  ASSERT_EQ(image.segments.size(), 2u);
  EXPECT_EQ(image.segments[0].vaddr, 0x8000'0000u);
  EXPECT_EQ(image.segments[1].vaddr, 0x8000'1000u);
}

TEST(ElfLoader, PureBssSegmentHasNoBytes) {
  ElfBuilder e;
  Segment bss;
  bss.vaddr = 0x8000'2000;
  bss.flags = kPfR | kPfW;
  bss.mem_size = 0x100;
  e.segments = {bss};
  TempFile file(e.build());
  const ElfImage image = load_elf(file.path());
  ASSERT_EQ(image.segments.size(), 1u);
  EXPECT_TRUE(image.segments[0].bytes.empty());
  EXPECT_EQ(image.segments[0].mem_size, 0x100u);
}

TEST(ElfLoader, SegmentEndingExactlyAtTheTopOfTheAddressSpaceLoads) {
  ElfBuilder e;
  Segment top;
  top.vaddr = 0xffff'f000;
  top.bytes = {1};
  top.mem_size = 0x1000;
  e.segments = {top};
  TempFile file(e.build());
  EXPECT_EQ(load_elf(file.path()).segments.at(0).mem_size, 0x1000u);
}

TEST(ElfLoader, ReadsSymbols) {
  ElfBuilder e = typical();
  e.symbols = {{"_start", 0x8000'0000}, {"tohost", 0x8000'1000}, {"main", 0x8000'0004}};
  TempFile file(e.build());
  const ElfImage image = load_elf(file.path());
  EXPECT_EQ(image.symbols.size(), 3u);
  EXPECT_EQ(image.symbols.at("_start"), 0x8000'0000u);
  EXPECT_EQ(image.symbols.at("tohost"), 0x8000'1000u);
  EXPECT_EQ(image.symbols.at("main"), 0x8000'0004u);
  EXPECT_EQ(image.segments.size(), 2u);
}

TEST(ElfLoader, MalformedSymbolTablesAreRefused) {
  {
    ElfBuilder e = typical();
    e.symbols = {{"x", 1}};
    std::vector<uint8_t> b = e.build();
    put32(b, e.shoff + 40 + 24, 7);  // .symtab links to a section that does not exist
    EXPECT_EQ(error_for(b), "malformed symbol table in section 1");
  }
  {
    ElfBuilder e = typical();
    e.symbols = {{"x", 1}};
    std::vector<uint8_t> b = e.build();
    put32(b, e.shoff + 40 + 36, 8);  // entsize too small
    EXPECT_EQ(error_for(b), "malformed symbol table in section 1");
  }
  {
    ElfBuilder e = typical();
    e.symbols = {{"x", 1}};
    std::vector<uint8_t> b = e.build();
    put32(b, e.shoff + 80 + 20, 0x10000);  // .strtab runs past the end of the file
    EXPECT_EQ(error_for(b), "string table runs past the end of the file");
  }
  {
    ElfBuilder e = typical();
    e.symbols = {{"x", 1}};
    std::vector<uint8_t> b = e.build();
    put16(b, 46, 20);
    EXPECT_EQ(error_for(b), "section header size 20 is too small");
  }
}

TEST(ElfLoader, MissingFile) {
  const std::string path = temp_path("does_not_exist.elf");
  try {
    load_elf(path);
    FAIL() << "no exception";
  } catch (const ElfError& e) {
    EXPECT_EQ(std::string(e.what()), path + ": cannot open file");
  }
}

TEST(ElfLoader, NotAnElfFile) {
  EXPECT_EQ(error_for({}), "not an ELF file");
  std::vector<uint8_t> good = typical().build();
  EXPECT_EQ(error_for(std::vector<uint8_t>(good.begin(), good.begin() + 51)), "not an ELF file");  // short header
  std::vector<uint8_t> magic = good;
  magic[1] = 'X';
  EXPECT_EQ(error_for(magic), "not an ELF file");
  std::vector<uint8_t> text(100, 'a');
  EXPECT_EQ(error_for(text), "not an ELF file");
}

TEST(ElfLoader, WrongClassEndiannessMachineOrType) {
  ElfBuilder e = typical();
  e.elf_class = 2;
  EXPECT_EQ(error_for(e.build()), "64-bit ELF; wafervp cores are RV32");
  e = typical();
  e.elf_class = 0;
  EXPECT_EQ(error_for(e.build()), "unknown ELF class");
  e = typical();
  e.data_encoding = 2;
  EXPECT_EQ(error_for(e.build()), "big-endian ELF; RISC-V is little-endian");
  e = typical();
  e.machine = 62;  // x86-64
  EXPECT_EQ(error_for(e.build()), "ELF machine 62 is not RISC-V (243)");
  e = typical();
  e.type = 3;  // ET_DYN
  EXPECT_EQ(error_for(e.build()), "not an executable (ET_EXEC) ELF");
  e = typical();
  e.type = 1;  // ET_REL
  EXPECT_EQ(error_for(e.build()), "not an executable (ET_EXEC) ELF");
}

TEST(ElfLoader, WrongAbiFlags) {
  ElfBuilder e = typical();
  e.flags = 0x1 | 0x2;  // RVC: the platform decides whether its cores have C (Wafer::check_image)
  EXPECT_EQ(error_for(e.build()), "");
  e.flags = 0x4;  // double-float ABI
  EXPECT_EQ(error_for(e.build()), "built for a double/quad float ABI; the cores implement F only (use -mabi=ilp32f)");
  e.flags = 0x6;  // quad-float ABI
  EXPECT_EQ(error_for(e.build()), "built for a double/quad float ABI; the cores implement F only (use -mabi=ilp32f)");
  e.flags = 0x8 | 0x2;  // RVE plus single float: not this loader's concern
  EXPECT_EQ(error_for(e.build()), "");
}

TEST(ElfLoader, BadProgramHeaders) {
  ElfBuilder e;
  EXPECT_EQ(error_for(e.build()), "no program headers");

  e = typical();
  e.phentsize = 16;
  EXPECT_EQ(error_for(e.build()), "program header size 16 is too small");

  e = typical();
  std::vector<uint8_t> b = e.build();
  put32(b, 28, 0x10000);  // e_phoff past the end
  EXPECT_EQ(error_for(b), "program header table (2 entries of 32 bytes at offset 0x10000) runs past the end of the file (" +
                              std::to_string(b.size()) + " bytes)");
  put32(b, 28, 52);
  put16(b, 44, 0xffff);  // e_phnum: far more headers than the file holds
  EXPECT_EQ(error_for(b), "program header table (65535 entries of 32 bytes at offset 0x34) runs past the end of the file (" +
                              std::to_string(b.size()) + " bytes)");
}

TEST(ElfLoader, BadSegments) {
  ElfBuilder e = typical();
  e.segments[0].set_offset = true;
  e.segments[0].offset = 0x100000;  // past EOF
  EXPECT_EQ(error_for(e.build()), "segment 0 runs past the end of the file");

  e = typical();
  e.segments[1].set_filesz = true;
  e.segments[1].filesz = 0x1000;  // more than the file holds from there on
  e.segments[1].mem_size = 0x2000;
  EXPECT_EQ(error_for(e.build()), "segment 1 runs past the end of the file");

  e = typical();
  e.segments[1].mem_size = 2;  // below its 4 file bytes
  EXPECT_EQ(error_for(e.build()), "segment 1 has file size above its memory size");

  e = typical();
  e.segments[1].vaddr = 0xffff'f000;
  e.segments[1].mem_size = 0x2000;
  EXPECT_EQ(error_for(e.build()), "segment 1 at 0xfffff000 wraps the 32-bit address space");

  e = typical();
  for (Segment& s : e.segments) s.type = kPtNote;
  EXPECT_EQ(error_for(e.build()), "no loadable segments");

  e = ElfBuilder{};
  Segment empty;  // PT_LOAD with nothing in memory
  e.segments = {empty};
  EXPECT_EQ(error_for(e.build()), "no loadable segments");
}

TEST(ElfLoader, DirectoriesDevicesAndFifosAreRefusedWithoutReading) {
  const std::string dir = temp_path("elf_dir");
  std::filesystem::create_directory(dir);
  EXPECT_EQ(error_of<ElfError>([&] { load_elf(dir); }), dir + ": is a directory");
  // /dev/zero never ends: read to its end, it hangs.
  EXPECT_EQ(error_of<ElfError>([&] { load_elf("/dev/zero"); }), "/dev/zero: is not a regular file (a device, FIFO or socket)");
  // Opening a FIFO for reading blocks until a writer comes.
  const std::string fifo = temp_path("elf_fifo");
  ASSERT_EQ(mkfifo(fifo.c_str(), 0600), 0);
  EXPECT_EQ(error_of<ElfError>([&] { load_elf(fifo); }), fifo + ": is not a regular file (a device, FIFO or socket)");
  std::filesystem::remove(fifo);
  std::filesystem::remove(dir);
}

TEST(ElfLoader, OverlappingSegmentsAreRefused) {
  ElfBuilder e = typical();
  e.segments[1].vaddr = 0x8000'0004;  // inside the code
  EXPECT_EQ(error_for(e.build()), "segments 0 and 1 overlap at 0x80000004");

  // A large segment that contains a later one, with another in between in address order.
  e = typical();
  e.segments[0].mem_size = 0x2000;  // code plus bss up to 0x80002000 covers the data at 0x80001000
  Segment far;
  far.vaddr = 0x8000'0800;
  far.mem_size = 0x10;
  e.segments.push_back(far);
  EXPECT_EQ(error_for(e.build()), "segments 0 and 2 overlap at 0x80000800");

  e = typical();
  e.segments[1].vaddr = 0x8000'0000;  // the same address
  EXPECT_EQ(error_for(e.build()), "segments 0 and 1 overlap at 0x80000000");

  e = typical();
  e.segments[1].vaddr = 0x8000'0008;  // right after the code: adjacent, not overlapping
  EXPECT_EQ(error_for(e.build()), "");
}

TEST(ElfLoader, UnalignedEntryPointIsRefused) {
  ElfBuilder e = typical();
  for (const uint32_t entry : {0x8000'0002u, 0x8000'0001u, 0x8000'0007u}) {
    e.entry = entry;
    char hex[16];
    std::snprintf(hex, sizeof hex, "0x%x", entry);
    EXPECT_EQ(error_for(e.build()), "entry point " + std::string(hex) + " is not 4-byte aligned");
  }
  // With the C extension instructions are 2-byte aligned.
  e.flags |= 0x1;
  e.entry = 0x8000'0002;
  EXPECT_EQ(error_for(e.build()), "");
  e.entry = 0x8000'0003;
  EXPECT_EQ(error_for(e.build()), "entry point 0x80000003 is not 2-byte aligned");
}

TEST(ElfLoader, SectionAndSymbolTablesOutsideTheFileAreRefused) {
  ElfBuilder e = typical();
  e.symbols = {{"x", 1}};
  std::vector<uint8_t> b = e.build();
  std::vector<uint8_t> c = b;
  put32(c, 32, 0x7fff'0000);  // e_shoff far past the end
  EXPECT_EQ(error_for(c), "section header table (3 entries of 40 bytes at offset 0x7fff0000) runs past the end of the file (" +
                              std::to_string(c.size()) + " bytes)");
  c = b;
  put16(c, 48, 0xffff);  // e_shnum
  char shoff[16];
  std::snprintf(shoff, sizeof shoff, "0x%zx", e.shoff);
  EXPECT_EQ(error_for(c), "section header table (65535 entries of 40 bytes at offset " + std::string(shoff) +
                              ") runs past the end of the file (" + std::to_string(c.size()) + " bytes)");
  c = b;
  put32(c, e.shoff + 40 + 16, 0xffff'fff0);  // .symtab's offset
  EXPECT_EQ(error_for(c), "symbol table in section 1 runs past the end of the file");
  c = b;
  put32(c, e.shoff + 40 + 20, 0xffff'fff0);  // .symtab's size
  EXPECT_EQ(error_for(c), "symbol table in section 1 runs past the end of the file");
  c = b;
  put32(c, e.shoff + 80 + 4, 2);  // .strtab claims to be a second symbol table
  EXPECT_EQ(error_for(c), "sections 1 and 2 are both symbol tables");
}

}  // namespace
}  // namespace wvp::test
