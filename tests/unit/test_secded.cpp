// The SECDED code of the SRAM words (models/sram/secded.h) on its own: every single flip of a
// codeword is corrected, every double flip is detected, on many random words.
#include <gtest/gtest.h>

#include <bit>
#include <random>
#include <stdexcept>
#include <string>

#include "models/sram/secded.h"

namespace wvp::test {
namespace {

constexpr int kWords = 20000;

SecdedWord encoded(uint32_t data) { return {data, secded_encode(data)}; }

TEST(Secded, CheckBitsFollowTheParityCheckMatrix) {
  // Data bit 0's column is the first weight-3 vector, 0001011: it feeds c0, c1 and c3.
  EXPECT_EQ(secded_encode(0x0000'0001), 0x0b);
  EXPECT_EQ(secded_encode(0), 0);
  // Every data bit feeds three check bits, and no two data bits feed the same three.
  for (unsigned i = 0; i < kSecdedDataBits; ++i) {
    const uint8_t column = secded_encode(1u << i);
    EXPECT_EQ(std::popcount(column), 3) << "data bit " << i;
    EXPECT_LT(column, 1u << kSecdedCheckBits);
    for (unsigned k = 0; k < i; ++k) EXPECT_NE(column, secded_encode(1u << k)) << "data bits " << k << " and " << i;
  }
  // The code is linear, so the check bits of any word are the XOR of its bits' columns.
  std::mt19937 rng(7);
  for (int n = 0; n < kWords; ++n) {
    const uint32_t a = rng(), b = rng();
    EXPECT_EQ(secded_encode(a ^ b), secded_encode(a) ^ secded_encode(b));
  }
}

TEST(Secded, CleanWordsDecodeUnchanged) {
  std::mt19937 rng(1);
  for (int n = 0; n < 100 * kWords; ++n) {
    const uint32_t data = rng();
    const SecdedDecoded d = secded_decode(data, secded_encode(data));
    ASSERT_EQ(d, (SecdedDecoded{data, false, false, 0})) << "word " << n;
  }
}

TEST(Secded, EverySingleFlipIsCorrected) {
  std::mt19937 rng(2);
  for (int n = 0; n < kWords; ++n) {
    const SecdedWord word = encoded(rng());
    for (unsigned bit = 0; bit < kSecdedCodeBits; ++bit) {
      SecdedWord flipped = word;
      secded_flip(flipped, bit);
      const SecdedDecoded d = secded_decode(flipped.data, flipped.check);
      // The syndrome names the bit: its column for a data bit, one-hot for a check bit.
      const uint8_t syndrome =
          bit < kSecdedDataBits ? secded_encode(1u << bit) : static_cast<uint8_t>(1u << (bit - kSecdedDataBits));
      ASSERT_EQ(d, (SecdedDecoded{word.data, true, false, syndrome})) << word << ", bit " << bit;
    }
  }
}

TEST(Secded, EveryDoubleFlipIsDetected) {
  std::mt19937 rng(3);
  for (int n = 0; n < kWords; ++n) {
    const SecdedWord word = encoded(rng());
    int pairs = 0;
    for (unsigned a = 0; a < kSecdedCodeBits; ++a) {
      for (unsigned b = a + 1; b < kSecdedCodeBits; ++b, ++pairs) {
        SecdedWord flipped = word;
        secded_flip(flipped, a);
        secded_flip(flipped, b);
        const SecdedDecoded d = secded_decode(flipped.data, flipped.check);
        // The received data comes back as it was: a decoder must not "correct" a third bit.
        ASSERT_TRUE(d.uncorrectable && !d.corrected && d.data == flipped.data && d.syndrome != 0)
            << word << ", bits " << a << " and " << b << ": " << d;
        ASSERT_EQ(std::popcount(d.syndrome) % 2, 0) << "a double error's syndrome has even weight";
      }
    }
    ASSERT_EQ(pairs, 741);
  }
}

TEST(Secded, TripleFlipsNeverLookClean) {
  // Distance 4: three flips cannot reach another codeword (they may be miscorrected, which
  // SECDED allows, but never pass as an error-free word).
  std::mt19937 rng(4);
  std::uniform_int_distribution<unsigned> bit_of(0, kSecdedCodeBits - 1);
  for (int n = 0; n < 100 * kWords; ++n) {
    const SecdedWord word = encoded(rng());
    const unsigned a = bit_of(rng), b = bit_of(rng), c = bit_of(rng);
    if (a == b || b == c || a == c) continue;
    SecdedWord flipped = word;
    for (unsigned bit : {a, b, c}) secded_flip(flipped, bit);
    ASSERT_NE(secded_decode(flipped.data, flipped.check).syndrome, 0) << word << ", bits " << a << ", " << b << ", " << c;
  }
}

TEST(Secded, BadInputNamesTheValue) {
  try {
    secded_decode(0, 0x80);
    FAIL() << "check bits of 8 bits were accepted";
  } catch (const std::invalid_argument& e) {
    EXPECT_NE(std::string(e.what()).find("check bits 0x80"), std::string::npos) << e.what();
  }
  SecdedWord word;
  try {
    secded_flip(word, kSecdedCodeBits);
    FAIL() << "bit 39 was flipped";
  } catch (const std::invalid_argument& e) {
    EXPECT_NE(std::string(e.what()).find("codeword bit 39"), std::string::npos) << e.what();
  }
  EXPECT_EQ(word, SecdedWord{});
}

}  // namespace
}  // namespace wvp::test
