// The per-function profile's attribution: leaves, callers, tail calls, recursion, groups.
#include <gtest/gtest.h>

#include <sstream>

#include "platform/report/function_profile.h"

namespace wvp {
namespace {

ElfImage image_with_functions() {
  ElfImage image;
  image.functions = {{"main", 0x100, 0x40}, {"walk", 0x140, 0x20}, {"visit", 0x160, 0x10}};
  return image;
}

CallStack stack_of(std::initializer_list<uint32_t> entries) {
  CallStack s;
  for (uint32_t e : entries) s.push(e);
  return s;
}

std::string table(const FunctionProfile& p) {
  std::ostringstream out;
  p.write_table(out, 10);
  return out.str();
}

std::string folded(const FunctionProfile& p) {
  std::ostringstream out;
  p.write_folded(out);
  return out.str();
}

TEST(FunctionProfile, SamplesGoToTheirLeafAndTheirCallers) {
  FunctionProfile p(image_with_functions(), {2, 1, 0, 0, 100});
  p.sample(0, 0x164, stack_of({0x100, 0x140, 0x160}), 60, 30);  // in visit, called from walk, from main
  p.sample(1, 0x104, stack_of({0x100}), 40, 20);                 // in main
  p.sample(1, 0x500, stack_of({0x100}), 5, 1);                   // outside every function
  EXPECT_EQ(folded(p), "main 40\nmain;walk;visit 60\nmain;? 5\n");
  const std::string t = table(p);
  EXPECT_NE(t.find("2 cores (2x1): 105 core cycles, 51 instructions, sampled every 100 cycles"), std::string::npos) << t;
  // visit: 60 of 105 cycles its own; main: 40 its own and every cycle counted under it.
  EXPECT_NE(t.find(" 57.14%               60   57.14%               30  visit"), std::string::npos) << t;
  EXPECT_NE(t.find(" 38.10%               40  100.00%               20  main"), std::string::npos) << t;
  EXPECT_NE(t.find("  4.76%                5    4.76%                1  ?"), std::string::npos) << t;
  EXPECT_EQ(t.find("  walk"), std::string::npos) << t;  // no cycles of its own: not listed
}

TEST(FunctionProfile, ATailCallsLeafIsWhereThePcIsAndRecursionCountsOnceInTotals) {
  FunctionProfile p(image_with_functions(), {1, 1, 0, 0, 100});
  p.sample(0, 0x168, stack_of({0x100, 0x140}), 10, 5);          // walk tail-called visit
  p.sample(0, 0x144, stack_of({0x100, 0x140, 0x140}), 20, 10);  // walk calling itself
  EXPECT_EQ(folded(p), "main;walk;walk 20\nmain;walk;visit 10\n");  // in the order of the symbols
  const std::string t = table(p);
  EXPECT_NE(t.find(" 66.67%               20  100.00%               10  walk"), std::string::npos) << t;
}

TEST(FunctionProfile, GroupsAreBlocksOfTheGrid) {
  FunctionProfile p(image_with_functions(), {3, 2, 2, 2, 100});
  p.sample(0, 0x104, stack_of({}), 7, 1);  // (0,0)
  p.sample(2, 0x164, stack_of({}), 9, 1);  // (2,0)
  p.sample(5, 0x164, stack_of({}), 4, 1);  // (2,1)
  const std::string t = table(p);
  EXPECT_NE(t.find("cores (0,0) to (1,1), 4 cores:"), std::string::npos) << t;
  EXPECT_NE(t.find("cores (2,0) to (2,1), 2 cores:"), std::string::npos) << t;
  const size_t second = t.find("cores (2,0)");
  // 9 + 4 cycles in the second group
  EXPECT_NE(t.find("100.00%               13        -                2  visit", second), std::string::npos) << t;
  EXPECT_EQ(t.find("main", second), std::string::npos) << t;
}

}  // namespace
}  // namespace wvp
