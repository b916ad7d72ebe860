// The checkpoint file's fields and sections (engine/snapshot.h): what is saved comes back, and a
// file that does not match what reads it is refused naming the section.
#include <fstream>
#include <iterator>

#include <gtest/gtest.h>

#include "engine/snapshot.h"
#include "support/error_of.h"
#include "support/process.h"

namespace wvp {
namespace {

struct Part {
  uint32_t a = 0;
  std::vector<std::string> names;
  std::deque<uint64_t> queue;
  std::map<std::vector<uint32_t>, double> stacks;
  std::unordered_map<uint64_t, uint32_t> lent;
  std::priority_queue<std::pair<uint64_t, uint32_t>, std::vector<std::pair<uint64_t, uint32_t>>, std::greater<>> due;
  std::optional<std::string> maybe;
  std::unique_ptr<Part> child;
  std::vector<bool> bits;
  void checkpoint(Snapshot& s) {
    Snapshot::Section section(s, "part");
    s.fields(a, names, queue, stacks, lent, due, maybe, child, bits);
  }
};

Snapshot::Identity identity() {
  Snapshot::Identity id;
  id.cycle = 1234;
  id.config = "grid.width=4\ngrid.height=2\n";
  id.program = "fw.elf";
  id.program_hash = 99;
  return id;
}

TEST(Snapshot, EveryKindOfFieldComesBack) {
  Part saved;
  saved.a = 7;
  saved.names = {"x", "", "yz"};
  saved.queue = {1, 2, 3};
  saved.stacks = {{{1, 2}, 0.5}, {{}, 1.5}};
  for (uint64_t k = 0; k < 100; ++k) saved.lent[k * 7919] = static_cast<uint32_t>(k);
  for (uint64_t k : {5, 1, 9, 1, 3}) saved.due.emplace(k, static_cast<uint32_t>(k * 2));
  saved.maybe = "here";
  saved.child = std::make_unique<Part>();
  saved.child->a = 11;
  saved.bits = {true, false, true};
  const std::string path = test::temp_path("part.ckpt");
  {
    Snapshot s = Snapshot::save(path, identity());
    saved.checkpoint(s);
    s.close();
  }
  EXPECT_EQ(Snapshot::read_identity(path).cycle, 1234u);
  Part restored;
  Snapshot s = Snapshot::restore(path, identity());
  restored.checkpoint(s);
  s.close();
  EXPECT_EQ(restored.a, 7u);
  EXPECT_EQ(restored.names, saved.names);
  EXPECT_EQ(restored.queue, saved.queue);
  EXPECT_EQ(restored.stacks, saved.stacks);
  EXPECT_EQ(restored.lent, saved.lent);
  EXPECT_EQ(restored.maybe, saved.maybe);
  ASSERT_TRUE(restored.child);
  EXPECT_EQ(restored.child->a, 11u);
  EXPECT_FALSE(restored.child->child);
  EXPECT_EQ(restored.bits, saved.bits);
  // The heap comes back in its layout, so equal elements leave in the same order.
  while (!saved.due.empty()) {
    ASSERT_FALSE(restored.due.empty());
    EXPECT_EQ(restored.due.top(), saved.due.top());
    saved.due.pop(), restored.due.pop();
  }
  EXPECT_TRUE(restored.due.empty());
}

struct Other {
  uint32_t a = 0, b = 0;
  void checkpoint(Snapshot& s) {
    Snapshot::Section section(s, "part");
    s.fields(a, b);
  }
};

TEST(Snapshot, AFileThatDoesNotMatchIsRefusedNamingTheSection) {
  const std::string path = test::temp_path("other.ckpt");
  {
    Snapshot s = Snapshot::save(path, identity());
    Other o{1, 2};
    o.checkpoint(s);
    s.close();
  }
  {
    Snapshot s = Snapshot::restore(path, identity());
    Part p;  // reads a string count where Other has b
    EXPECT_NE(test::error_of<CheckpointError>([&] { p.checkpoint(s); }).find(path + ": section part: "), std::string::npos);
  }
  {
    Snapshot s = Snapshot::restore(path, identity());
    struct Fewer {
      uint32_t a = 0;
      void checkpoint(Snapshot& s) {
        Snapshot::Section section(s, "part");
        s.io(a);
      }
    } f;
    EXPECT_NE(test::error_of<CheckpointError>([&] { f.checkpoint(s); }).find("section part: fewer fields than the section holds"), std::string::npos);
  }
  {
    Snapshot s = Snapshot::restore(path, identity());
    struct Named {
      void checkpoint(Snapshot& s) { Snapshot::Section section(s, "fabric"); }
    } n;
    EXPECT_NE(test::error_of<CheckpointError>([&] { n.checkpoint(s); }).find("found section part"), std::string::npos);
  }
  {
    // A count that the section cannot hold is refused before anything is allocated for it.
    Snapshot s = Snapshot::restore(path, identity());
    struct Huge {
      std::vector<uint64_t> v;
      void checkpoint(Snapshot& s) {
        Snapshot::Section section(s, "part");
        s.io(v);
      }
    } h;
    EXPECT_NE(test::error_of<CheckpointError>([&] { h.checkpoint(s); }).find("more than the section holds"), std::string::npos);
  }
  Snapshot::Identity other = identity();
  other.config = "grid.width=4\ngrid.height=3\n";
  EXPECT_NE(test::error_of<CheckpointError>([&] { Snapshot::restore(path, other); }).find("grid.height=2 in the checkpoint, grid.height=3 here"),
            std::string::npos);
  other = identity();
  other.program_hash = 1;
  EXPECT_NE(test::error_of<CheckpointError>([&] { Snapshot::restore(path, other); }).find("a checkpoint of another program (fw.elf)"), std::string::npos);
  // A byte flipped inside a field: the file still parses, its digest tells.
  {
    std::string bytes;
    {
      std::ifstream in(path, std::ios::binary);
      bytes.assign(std::istreambuf_iterator<char>(in), {});
    }
    bytes[bytes.size() - 12] ^= 0x40;  // in b, before the 8-byte digest
    const std::string damaged = test::temp_path("damaged.ckpt");
    std::ofstream(damaged, std::ios::binary) << bytes;
    Snapshot s = Snapshot::restore(damaged, identity());
    Other o;
    o.checkpoint(s);
    EXPECT_NE(test::error_of<CheckpointError>([&] { s.close(); }).find("damaged: its digest does not match"), std::string::npos);
  }
  const std::string text = test::temp_path("text.ckpt");
  std::ofstream(text) << "grid: 4x4\n";
  EXPECT_NE(test::error_of<CheckpointError>([&] { Snapshot::restore(text, identity()); }).find("not a wafervp checkpoint"), std::string::npos);
}

}  // namespace
}  // namespace wvp
