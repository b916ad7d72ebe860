// User input in error messages (platform/support/quoted.h): one line, a readable length.
#include <gtest/gtest.h>

#include <string>

#include "platform/support/quoted.h"

namespace wvp::test {
namespace {

TEST(Quoted, ShortTextIsQuotedAsIs) {
  EXPECT_EQ(quoted("1.5GHz"), "'1.5GHz'");
  EXPECT_EQ(quoted(""), "''");
}

TEST(Quoted, ControlCharactersAreEscapedSoTheErrorStaysOneLine) {
  EXPECT_EQ(quoted("a\nb\tc\rd"), "'a\\nb\\tc\\rd'");
  EXPECT_EQ(wvp::quoted(std::string("x\0y", 3)), "'x\\x00y'");
  EXPECT_EQ(quoted("\x1b[31m"), "'\\x1b[31m'");
}

TEST(Quoted, LongTextIsCutWithItsLength) {
  const std::string big(10'000'000, 'v');
  const std::string q = wvp::quoted(big);  // qualified: ADL would pick std::quoted for a std::string
  EXPECT_EQ(q, "'" + std::string(64, 'v') + "'... (10000000 bytes)");
  EXPECT_EQ(quoted("abcdef", 3), "'abc'... (6 bytes)");
  EXPECT_EQ(quoted("abc", 3), "'abc'");
}

}  // namespace
}  // namespace wvp::test
