// The 64b/66b PCS model (models/link/pcs.h) against IEEE 802.3 clause 49: the scrambler against
// its serial definition, round trips, self-synchronisation, error multiplication, and the block
// lock state machine of Figure 49-14 (acquisition from any bit offset, loss and its window).
#include <gtest/gtest.h>

#include <array>
#include <bit>
#include <random>
#include <vector>

#include "models/link/pcs.h"

namespace wvp::test {
namespace {

std::vector<PcsBlock> random_blocks(size_t n, uint64_t seed) {
  std::mt19937_64 rng(seed);
  std::vector<PcsBlock> blocks(n);
  for (PcsBlock& b : blocks) {
    b.payload = rng();
    b.control = rng() % 4 == 0;
  }
  return blocks;
}

std::vector<CodedBlock> encode_all(const std::vector<PcsBlock>& blocks, const PcsParams& params = {}) {
  Pcs64b66bEncoder enc(params);
  std::vector<CodedBlock> line;
  for (const PcsBlock& b : blocks) line.push_back(enc.encode(b));
  return line;
}

// The line as single bits in transmission order.
std::vector<bool> serialise(const std::vector<CodedBlock>& line) {
  std::vector<bool> bits;
  for (const CodedBlock& c : line) {
    for (unsigned i = 0; i < 2; ++i) bits.push_back((c.sync >> i) & 1);
    for (unsigned i = 0; i < 64; ++i) bits.push_back((c.payload >> i) & 1);
  }
  return bits;
}

// Figure 49-8 as drawn: a 58-stage shift register, one bit at a time, payload bit 0 first.
struct SerialScrambler {
  std::array<bool, 58> s{};  // s[0] is the most recent scrambled bit
  explicit SerialScrambler(uint64_t state) {
    for (unsigned i = 0; i < 58; ++i) s[i] = (state >> (57 - i)) & 1;
  }
  uint64_t run(uint64_t in, bool descramble) {
    uint64_t out = 0;
    for (unsigned i = 0; i < 64; ++i) {
      const bool bit = (in >> i) & 1;
      const bool o = bit ^ s[38] ^ s[57];
      for (unsigned k = 57; k > 0; --k) s[k] = s[k - 1];
      s[0] = descramble ? bit : o;  // both shift in the line bit
      out |= uint64_t{o} << i;
    }
    return out;
  }
};

TEST(Pcs, ParallelScramblerAndDescramblerEqualTheSerialDefinition) {
  std::mt19937_64 rng(7);
  uint64_t state = rng() & kPcsScramblerMask;
  uint64_t dstate = rng() & kPcsScramblerMask;
  SerialScrambler serial(state), dserial(dstate);
  for (int i = 0; i < 1000; ++i) {
    const uint64_t d = i % 10 == 0 ? 0 : rng();
    const uint64_t line = pcs_scramble(d, state);
    ASSERT_EQ(line, serial.run(d, false)) << "block " << i;
    ASSERT_EQ(pcs_descramble(line, dstate), dserial.run(line, true)) << "block " << i;
  }
}

TEST(Pcs, SyncHeadersGoOnTheLineFirstAsZeroOneForDataAndOneZeroForControl) {
  const std::vector<bool> bits = serialise(encode_all({{0x1234, false}, {0x1e, true}}));
  EXPECT_FALSE(bits[0]);
  EXPECT_TRUE(bits[1]);
  EXPECT_TRUE(bits[66]);
  EXPECT_FALSE(bits[67]);
}

TEST(Pcs, AlignedLineRoundTripsFromTheFirstBlockAndLocksAfterSixtyFourHeaders) {
  const std::vector<PcsBlock> sent = random_blocks(300, 1);
  const std::vector<CodedBlock> line = encode_all(sent);
  Pcs64b66bDecoder dec;
  for (size_t i = 0; i < line.size(); ++i) {
    const std::optional<DecodedBlock> got = dec.push(line[i]);
    ASSERT_TRUE(got.has_value());
    EXPECT_EQ(*got, (DecodedBlock{sent[i].payload, sent[i].control, true})) << "block " << i;
    EXPECT_EQ(dec.block_lock(), i >= 63) << "block " << i;
  }
  EXPECT_EQ(dec.counters(), (PcsCounters{300, 0, 0}));
}

// 66-bit words of `bits` from `start` on, cut without regard to the block boundaries.
std::vector<CodedBlock> words_of(const std::vector<bool>& bits, size_t start) {
  std::vector<CodedBlock> words;
  for (size_t w = start; w + kPcsBlockBits <= bits.size(); w += kPcsBlockBits) {
    CodedBlock c;
    for (unsigned i = 0; i < 2; ++i) c.sync |= uint8_t(bits[w + i]) << i;
    for (unsigned i = 0; i < 64; ++i) c.payload |= uint64_t{bits[w + 2 + i]} << i;
    words.push_back(c);
  }
  return words;
}

TEST(Pcs, WordByWordDecodingEqualsBitByBitAtEveryOffset) {
  const std::vector<bool> bits = serialise(encode_all(random_blocks(400, 2)));
  for (size_t start : {size_t{0}, size_t{1}, size_t{37}, size_t{65}}) {
    Pcs64b66bDecoder by_word, by_bit;
    std::vector<DecodedBlock> a, b;
    const std::vector<CodedBlock> words = words_of(bits, start);
    for (const CodedBlock& w : words) {
      if (std::optional<DecodedBlock> d = by_word.push(w)) a.push_back(*d);
    }
    for (size_t i = start; i < start + words.size() * kPcsBlockBits; ++i) {
      if (std::optional<DecodedBlock> d = by_bit.push_bit(bits[i])) b.push_back(*d);
    }
    EXPECT_EQ(a, b) << "start " << start;
    EXPECT_EQ(by_word.counters(), by_bit.counters()) << "start " << start;
    EXPECT_TRUE(by_word.block_lock()) << "start " << start;
  }
}

TEST(Pcs, HeaderIsNotScrambledAndAnInvalidOneFlagsItsBlockOnly) {
  const std::vector<PcsBlock> sent = random_blocks(100, 3);
  std::vector<CodedBlock> line = encode_all(sent);
  line[80].sync = 0b11;
  Pcs64b66bDecoder dec;
  for (size_t i = 0; i < line.size(); ++i) {
    const DecodedBlock got = *dec.push(line[i]);
    EXPECT_EQ(got.payload, sent[i].payload) << "block " << i;
    EXPECT_EQ(got.header_valid, i != 80) << "block " << i;
  }
  EXPECT_TRUE(dec.block_lock());
  EXPECT_EQ(dec.counters(), (PcsCounters{100, 1, 0}));
}

TEST(Pcs, DescramblerWithAWrongStateRecoversAfterFiftyEightBits) {
  const std::vector<PcsBlock> sent = random_blocks(20, 4);
  PcsParams tx, rx;
  tx.scrambler_seed = 0x2aaaaaaaaaaaaaaull & kPcsScramblerMask;
  rx.scrambler_seed = 0x123456789abcdefull & kPcsScramblerMask;
  const std::vector<CodedBlock> line = encode_all(sent, tx);
  Pcs64b66bDecoder dec(rx);
  const uint64_t first_error = dec.push(line[0])->payload ^ sent[0].payload;
  EXPECT_NE(first_error, 0u) << "the wrong state must show in the first 58 bits";
  EXPECT_EQ(first_error >> 58, 0u) << "bits from 58 on depend on received bits only";
  for (size_t i = 1; i < line.size(); ++i) EXPECT_EQ(dec.push(line[i])->payload, sent[i].payload) << "block " << i;
}

TEST(Pcs, OneLineBitErrorInThePayloadBecomesExactlyThreeErrorsAtZeroThirtyNineAndFiftyEight) {
  const std::vector<PcsBlock> sent = random_blocks(6, 5);
  for (unsigned bit : {0u, 5u, 19u, 24u, 25u, 40u, 63u}) {
    std::vector<CodedBlock> line = encode_all(sent);
    line[2].payload ^= uint64_t{1} << bit;
    Pcs64b66bDecoder dec;
    std::vector<unsigned> error_positions;  // in payload bits from block 2's bit 0
    for (size_t i = 0; i < line.size(); ++i) {
      const uint64_t diff = dec.push(line[i])->payload ^ sent[i].payload;
      for (unsigned k = 0; k < 64; ++k) {
        if ((diff >> k) & 1) error_positions.push_back(unsigned(i - 2) * 64 + k);
      }
    }
    EXPECT_EQ(error_positions, (std::vector<unsigned>{bit, bit + 39, bit + 58})) << "bit " << bit;
  }
}

struct Hunt {
  uint64_t slips_at_lock = 0;
  uint64_t blocks_at_last_slip = 0;
  uint64_t blocks_at_lock = 0;
};

// Feeds `bits` from `start` on one at a time until lock.
Hunt hunt_for_lock(Pcs64b66bDecoder& dec, const std::vector<bool>& bits, size_t start) {
  Hunt h;
  uint64_t slips = dec.counters().slips;
  for (size_t i = start; i < bits.size() && !dec.block_lock(); ++i) {
    if (!dec.push_bit(bits[i])) continue;
    if (dec.counters().slips != slips) {
      slips = dec.counters().slips;
      h.blocks_at_last_slip = dec.counters().blocks;
    }
  }
  h.slips_at_lock = dec.counters().slips;
  h.blocks_at_lock = dec.counters().blocks;
  return h;
}

TEST(Pcs, LockFromEveryBitOffsetTakesOneSlipPerBitToTheNextBoundaryThenSixtyFourHeaders) {
  const std::vector<PcsBlock> sent = random_blocks(1200, 6);
  const std::vector<bool> bits = serialise(encode_all(sent));
  for (unsigned offset = 0; offset < kPcsBlockBits; ++offset) {
    Pcs64b66bDecoder dec;
    const Hunt h = hunt_for_lock(dec, bits, offset);
    ASSERT_TRUE(dec.block_lock()) << "offset " << offset;
    EXPECT_EQ(h.slips_at_lock, (kPcsBlockBits - offset) % kPcsBlockBits) << "offset " << offset;
    EXPECT_EQ(h.blocks_at_lock, (h.slips_at_lock ? h.blocks_at_last_slip : 0) + 64) << "offset " << offset;
  }
}

TEST(Pcs, AfterLockTheDecodedBlocksAreTheSentOnes) {
  const std::vector<PcsBlock> sent = random_blocks(400, 7);
  const std::vector<bool> bits = serialise(encode_all(sent));
  Pcs64b66bDecoder dec;
  const size_t offset = 23;
  size_t i = offset;
  for (; !dec.block_lock(); ++i) dec.push_bit(bits[i]);
  // Bits consumed = offset + 66 * blocks + slips, so the next block starts at a boundary.
  ASSERT_EQ(i % kPcsBlockBits, 0u);
  for (size_t b = i / kPcsBlockBits; i < bits.size(); ++i) {
    if (std::optional<DecodedBlock> d = dec.push_bit(bits[i])) {
      EXPECT_EQ(*d, (DecodedBlock{sent[b].payload, sent[b].control, true})) << "block " << b;
      ++b;
    }
  }
}

// Lock at block 63, so windows of 64 headers start at blocks 64, 128, 192, ...
struct LockedRun {
  std::vector<CodedBlock> line = encode_all(random_blocks(2000, 8));
  void invalidate(size_t first, size_t count) {
    for (size_t i = first; i < first + count; ++i) line[i].sync = i % 2 ? 0b00 : 0b11;
  }
  // Block index at which lock was first lost, or -1.
  long first_loss(Pcs64b66bDecoder& dec, size_t blocks) const {
    for (size_t i = 0; i < blocks; ++i) {
      const bool was_locked = dec.block_lock();
      dec.push(line[i]);
      if (was_locked && !dec.block_lock()) return long(i);
    }
    return -1;
  }
};

TEST(Pcs, FifteenInvalidHeadersInAWindowKeepLockAndTheSixteenthLosesIt) {
  LockedRun run;
  run.invalidate(64, 15);
  Pcs64b66bDecoder dec;
  EXPECT_EQ(run.first_loss(dec, 128), -1);
  EXPECT_TRUE(dec.block_lock());
  EXPECT_EQ(dec.counters().slips, 0u);

  LockedRun run16;
  run16.invalidate(128 + 10, 16);
  Pcs64b66bDecoder dec16;
  EXPECT_EQ(run16.first_loss(dec16, 400), 128 + 10 + 15);
  EXPECT_EQ(dec16.counters().slips, 1u);
}

TEST(Pcs, InvalidHeadersAreCountedPerWindowNotInASlidingOne) {
  LockedRun run;
  run.invalidate(128 - 10, 10);  // the end of one window ...
  run.invalidate(128, 10);       // ... and the start of the next: 20 in 64 headers, 10 per window
  for (size_t i = 192; i < 256; i += 5) run.invalidate(i, 1);  // 13 spread over a window
  Pcs64b66bDecoder dec;
  EXPECT_EQ(run.first_loss(dec, 300), -1);
  EXPECT_EQ(dec.counters().invalid_headers, 33u);
}

TEST(Pcs, AfterLosingLockItSlipsOnceAroundTheBlockAndLocksAgain) {
  LockedRun run;
  run.invalidate(200, 16);
  Pcs64b66bDecoder dec;
  for (size_t i = 0; i < run.line.size(); ++i) dec.push(run.line[i]);
  EXPECT_TRUE(dec.block_lock());
  EXPECT_EQ(dec.counters().slips, kPcsBlockBits);
}

TEST(Pcs, LockCountsThatCannotWorkAreRefused) {
  PcsParams p;
  p.unlock_invalid_headers = 65;
  EXPECT_THROW(Pcs64b66bDecoder{p}, std::invalid_argument);
  p = {};
  p.lock_valid_headers = 0;
  EXPECT_THROW(Pcs64b66bDecoder{p}, std::invalid_argument);
}

}  // namespace
}  // namespace wvp::test
