#include "models/link/pcs.h"

#include <stdexcept>

namespace wvp {

// Serially, S_n = D_n ^ S_{n-39} ^ S_{n-58}. Within a block, bit i's taps lie in the state for
// i < 39 (resp. 58) and in this block's own output beyond; those earlier outputs depend on the
// state only, so the recursion unrolls into two shifts of the state-only part t.
uint64_t pcs_scramble(uint64_t payload, uint64_t& state) {
  const uint64_t t = payload ^ state ^ (state >> 19);
  const uint64_t out = t ^ (t << 39) ^ (t << 58);
  state = out >> 6;
  return out;
}

uint64_t pcs_descramble(uint64_t line_payload, uint64_t& state) {
  const uint64_t out = line_payload ^ state ^ (state >> 19) ^ (line_payload << 39) ^ (line_payload << 58);
  state = line_payload >> 6;
  return out;
}

void check_pcs_params(const PcsParams& params) {
  if (params.lock_valid_headers == 0 || params.window_headers == 0 || params.unlock_invalid_headers == 0 ||
      params.unlock_invalid_headers > params.window_headers) {
    throw std::invalid_argument(
        "PCS block lock: lock_valid_headers, window_headers and unlock_invalid_headers must be at least 1, "
        "and unlock_invalid_headers at most window_headers");
  }
}

Pcs64b66bEncoder::Pcs64b66bEncoder(const PcsParams& params) : scrambler_(params.scrambler_seed & kPcsScramblerMask) {}

CodedBlock Pcs64b66bEncoder::encode(const PcsBlock& block) {
  return {block.control ? kPcsSyncControl : kPcsSyncData, pcs_scramble(block.payload, scrambler_)};
}

Pcs64b66bDecoder::Pcs64b66bDecoder(const PcsParams& params)
    : params_(params), descrambler_(params.scrambler_seed & kPcsScramblerMask) {
  check_pcs_params(params);
}

std::optional<DecodedBlock> Pcs64b66bDecoder::push(const CodedBlock& line_bits) {
  return push_bits(static_cast<unsigned __int128>(line_bits.sync & 3u) |
                       static_cast<unsigned __int128>(line_bits.payload) << 2,
                   kPcsBlockBits);
}

std::optional<DecodedBlock> Pcs64b66bDecoder::push_bit(bool bit) { return push_bits(bit ? 1 : 0, 1); }

// At most 66 bits at a time: with fewer than 66 pending, they complete at most one block. They
// go in as 62 bits and the rest, so that pending bits never pass 127.
std::optional<DecodedBlock> Pcs64b66bDecoder::push_bits(unsigned __int128 bits, unsigned count) {
  std::optional<DecodedBlock> block;
  const unsigned first_piece = count < 62 ? count : 62;
  for (unsigned piece : {first_piece, count - first_piece}) {
    unsigned __int128 part = bits & ((static_cast<unsigned __int128>(1) << piece) - 1);
    bits >>= piece;
    if (drop_next_bit_ && piece > 0) {
      drop_next_bit_ = false;
      part >>= 1;
      --piece;
    }
    pending_ |= part << pending_bits_;
    pending_bits_ += piece;
    if (pending_bits_ >= kPcsBlockBits) {
      const unsigned __int128 coded = pending_ & ((static_cast<unsigned __int128>(1) << kPcsBlockBits) - 1);
      pending_ >>= kPcsBlockBits;
      pending_bits_ -= kPcsBlockBits;
      block = take_block(coded);
    }
  }
  return block;
}

DecodedBlock Pcs64b66bDecoder::take_block(unsigned __int128 bits) {
  const unsigned sync = static_cast<unsigned>(bits & 3u);
  const bool header_valid = sync == kPcsSyncData || sync == kPcsSyncControl;
  ++counters_.blocks;
  if (!header_valid) ++counters_.invalid_headers;
  if (lock_step(header_valid)) {
    // SLIP moves the boundary one bit later: the bit after this block is not a block's first.
    ++counters_.slips;
    if (pending_bits_ > 0) {
      pending_ >>= 1;
      --pending_bits_;
    } else {
      drop_next_bit_ = true;
    }
  }
  // The descrambler runs whether or not the block is aligned, as in 802.3: it resynchronises
  // on its own 58 bits after lock.
  return {pcs_descramble(static_cast<uint64_t>(bits >> 2), descrambler_), sync == kPcsSyncControl, header_valid};
}

// One pass through Figure 49-14 from TEST_SH back to the next TEST_SH. Unlocked, the counts
// only ever see valid headers (the first invalid one slips), so 64_GOOD means 64 in a row; the
// window a locked receiver counts in is window_headers long (64 in clause 49, 1024 in 82).
bool Pcs64b66bDecoder::lock_step(bool header_valid) {
  ++sh_cnt_;
  if (!header_valid) ++sh_invld_cnt_;
  bool slip = false;
  if (!header_valid && (!block_lock_ || sh_invld_cnt_ == params_.unlock_invalid_headers)) {
    block_lock_ = false;
    slip = true;
  } else if (sh_cnt_ == (block_lock_ ? params_.window_headers : params_.lock_valid_headers)) {
    if (sh_invld_cnt_ == 0) block_lock_ = true;
  } else {
    return false;
  }
  sh_cnt_ = 0;
  sh_invld_cnt_ = 0;
  return slip;
}

}  // namespace wvp
