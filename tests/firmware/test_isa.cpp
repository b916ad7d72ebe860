// The ISA self-test firmware (sw/tests/isa): each ELF checks one area against values taken from
// the ISA manual and IEEE 754, prints "PASS <name>" and exits 0, or exits with the failing
// test's number.
#include <gtest/gtest.h>

#include <dirent.h>

#include <algorithm>

#include "firmware_env.h"

namespace wvp::test {
namespace {

std::vector<std::string> isa_tests() {
  std::vector<std::string> names;
  if (DIR* d = opendir(WVP_FIRMWARE_DIR)) {
    while (const dirent* e = readdir(d)) {
      const std::string f = e->d_name;
      if (f.rfind("isa_", 0) == 0 && f.size() > 4 && f.substr(f.size() - 4) == ".elf") names.push_back(f.substr(0, f.size() - 4));
    }
    closedir(d);
  }
  std::sort(names.begin(), names.end());
  return names;
}

class IsaTest : public ::testing::TestWithParam<std::string> {};

TEST_P(IsaTest, Passes) {
  const ProcessResult r = run_wafervp({"--grid", "1x1", "--max-cycles", "50000000", firmware(GetParam())});
  EXPECT_EQ(r.exit_code, 0) << r.out << r.err;
  EXPECT_NE(r.out.find("PASS " + GetParam()), std::string::npos) << r.out;
}

INSTANTIATE_TEST_SUITE_P(Firmware, IsaTest, ::testing::ValuesIn(isa_tests()),
                         [](const ::testing::TestParamInfo<std::string>& info) { return info.param; });

TEST(IsaSuite, CoversEveryArea) {
  const std::vector<std::string> names = isa_tests();
  for (const char* area : {"isa_rv32i", "isa_rv32m", "isa_rv32f"})
    EXPECT_NE(std::find(names.begin(), names.end(), area), names.end()) << area;
}

}  // namespace
}  // namespace wvp::test
