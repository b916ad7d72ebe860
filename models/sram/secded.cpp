#include "models/sram/secded.h"

#include <array>
#include <bit>
#include <cstdio>
#include <string>
#include <ostream>
#include <stdexcept>

namespace wvp {

namespace {

// Row j: the data bits check bit j covers (the same constants as secded.sv's CheckMask).
constexpr std::array<uint32_t, kSecdedCheckBits> kCheckMask = {
    0x012C'965B, 0x1255'2AAD, 0x249A'4D36, 0x48E0'71C7, 0x8F03'81F8, 0xF003'FE00, 0xFFFC'0000,
};

constexpr uint8_t column(unsigned data_bit) {
  uint8_t c = 0;
  for (unsigned j = 0; j < kSecdedCheckBits; ++j) c |= ((kCheckMask[j] >> data_bit) & 1u) << j;
  return c;
}

constexpr int kNoDataBit = -1;

std::string hex(uint32_t value, int digits) {
  char buf[16];
  std::snprintf(buf, sizeof buf, "0x%0*x", digits, value);
  return buf;
}

// Syndrome -> the data bit it points at, so decoding is one table look-up, not 32 compares.
constexpr std::array<int8_t, 1u << kSecdedCheckBits> kDataBitOfSyndrome = [] {
  std::array<int8_t, 1u << kSecdedCheckBits> table{};
  table.fill(kNoDataBit);
  for (unsigned i = 0; i < kSecdedDataBits; ++i) table[column(i)] = static_cast<int8_t>(i);
  return table;
}();

// The Hsiao properties the decoder relies on: distinct columns of weight 3, so none is zero,
// one-hot (a check bit's column) or the sum of two others (always even weight).
constexpr bool columns_are_hsiao() {
  for (unsigned i = 0; i < kSecdedDataBits; ++i) {
    if (std::popcount(column(i)) != 3) return false;
    for (unsigned k = 0; k < i; ++k)
      if (column(i) == column(k)) return false;
  }
  return true;
}
static_assert(columns_are_hsiao());

}  // namespace

uint8_t secded_encode(uint32_t data) {
  uint8_t check = 0;
  for (unsigned j = 0; j < kSecdedCheckBits; ++j) check |= (std::popcount(data & kCheckMask[j]) & 1u) << j;
  return check;
}

SecdedDecoded secded_decode(uint32_t data, uint8_t check) {
  if (check >> kSecdedCheckBits)
    throw std::invalid_argument("secded_decode: check bits " + hex(check, 2) + " wider than " +
                                std::to_string(kSecdedCheckBits) + " bits");
  SecdedDecoded out;
  out.data = data;
  out.syndrome = static_cast<uint8_t>(check ^ secded_encode(data));
  if (out.syndrome == 0) return out;
  const int data_bit = kDataBitOfSyndrome[out.syndrome];
  if (data_bit != kNoDataBit) {
    out.data ^= 1u << data_bit;
    out.corrected = true;
  } else {
    out.corrected = std::has_single_bit(out.syndrome);  // a flipped check bit; the data is right
  }
  out.uncorrectable = !out.corrected;
  return out;
}

void secded_flip(SecdedWord& word, unsigned bit) {
  if (bit >= kSecdedCodeBits)
    throw std::invalid_argument("secded_flip: codeword bit " + std::to_string(bit) + " outside 0-" +
                                std::to_string(kSecdedCodeBits - 1));
  if (bit < kSecdedDataBits)
    word.data ^= 1u << bit;
  else
    word.check ^= static_cast<uint8_t>(1u << (bit - kSecdedDataBits));
}

std::ostream& operator<<(std::ostream& os, const SecdedWord& word) {
  return os << "data " << hex(word.data, 8) << " check " << hex(word.check, 2);
}

std::ostream& operator<<(std::ostream& os, const SecdedDecoded& d) {
  return os << "data " << hex(d.data, 8) << " corrected " << d.corrected << " uncorrectable " << d.uncorrectable
            << " syndrome " << hex(d.syndrome, 2);
}

}  // namespace wvp
