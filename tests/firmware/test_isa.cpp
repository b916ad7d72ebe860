// The ISA self-test firmware (sw/tests/isa): each ELF checks one area against values taken from
// the ISA manual and IEEE 754, prints "PASS <name>" and exits 0, or exits with the failing
// test's number.
#include <gtest/gtest.h>

#include <dirent.h>

#include <algorithm>
#include <fstream>

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

// Whether the ELF was built for the C extension (e_flags EF_RISCV_RVC): its cores need it.
bool built_for_c(const std::string& elf) {
  std::ifstream in(elf, std::ios::binary);
  char header[40] = {};
  in.read(header, sizeof header);
  return in && (header[36] & 1);
}

ProcessResult run_isa_test(const std::string& name, bool compressed) {
  std::vector<std::string> args = {"--grid", "1x1", "--max-cycles", "50000000", firmware(name)};
  if (compressed) args.insert(args.begin(), {"--set", "core.isa=rv32imfc"});
  return run_wafervp(args);
}

class IsaTest : public ::testing::TestWithParam<std::string> {};

TEST_P(IsaTest, Passes) {
  const ProcessResult r = run_isa_test(GetParam(), built_for_c(firmware(GetParam())));
  EXPECT_EQ(r.exit_code, 0) << r.out << r.err;
  EXPECT_NE(r.out.find("PASS " + GetParam()), std::string::npos) << r.out;
}

// Cores with the C extension run 4-byte code as cores without it do (isa_traps aside: with C,
// jumps to 2-byte boundaries do not trap; and isa_zicsr reads misa, which then says C).
TEST(IsaSuite, FourByteAreasPassOnCoresWithTheCExtension) {
  for (const char* area : {"isa_rv32i", "isa_rv32m", "isa_rv32f", "isa_rv32f_rounding"}) {
    const ProcessResult r = run_isa_test(area, true);
    EXPECT_EQ(r.exit_code, 0) << area << r.out << r.err;
    EXPECT_NE(r.out.find(std::string("PASS ") + area), std::string::npos) << r.out;
  }
}

TEST(IsaSuite, CFirmwareIsRefusedByCoresWithoutIt) {
  const ProcessResult r = run_isa_test("isa_rv32c", false);
  EXPECT_EQ(r.exit_code, 2) << r.out << r.err;
  EXPECT_NE(r.err.find("isa_rv32c.elf: built for the C extension (compressed instructions, e_flags RVC), which core.isa "
                       "rv32imf does not have: set core.isa=rv32imfc"),
            std::string::npos)
      << r.err;
}

INSTANTIATE_TEST_SUITE_P(Firmware, IsaTest, ::testing::ValuesIn(isa_tests()),
                         [](const ::testing::TestParamInfo<std::string>& info) { return info.param; });

TEST(IsaSuite, CoversEveryArea) {
  const std::vector<std::string> names = isa_tests();
  for (const char* area : {"isa_rv32i", "isa_rv32m", "isa_rv32f", "isa_rv32c"})
    EXPECT_NE(std::find(names.begin(), names.end(), area), names.end()) << area;
}

}  // namespace
}  // namespace wvp::test
