// (39,32) SECDED code of the SRAM words: the C++ twin of rtl/ecc/secded.sv (a Hsiao code; the
// check-bit equations and the decoding rules are written out there). A codeword is 32 data bits
// and 7 check bits; its bits are numbered 0-31 for the data and 32-38 for the check bits.
#pragma once
#include <cstdint>
#include <iosfwd>

namespace wvp {

constexpr unsigned kSecdedDataBits = 32;
constexpr unsigned kSecdedCheckBits = 7;
constexpr unsigned kSecdedCodeBits = kSecdedDataBits + kSecdedCheckBits;

struct SecdedWord {
  uint32_t data = 0;
  uint8_t check = 0;  // 7 bits
  friend bool operator==(const SecdedWord&, const SecdedWord&) = default;
};

struct SecdedDecoded {
  uint32_t data = 0;           // corrected; as received when uncorrectable
  bool corrected = false;      // one bit (data or check) was flipped and is fixed
  bool uncorrectable = false;  // two flipped bits (or an odd number >= 3 no column explains)
  uint8_t syndrome = 0;
  friend bool operator==(const SecdedDecoded&, const SecdedDecoded&) = default;
};

uint8_t secded_encode(uint32_t data);
// Throws std::invalid_argument if `check` has bits above the 7 check bits.
SecdedDecoded secded_decode(uint32_t data, uint8_t check);
// Flips codeword bit `bit` (0-31 data, 32-38 check); throws std::invalid_argument beyond 38.
void secded_flip(SecdedWord& word, unsigned bit);

// The code behind an ECC-protected SRAM: ModelSecded (below) or the Verilated RTL
// (rtl/ecc/rtl_secded.h), interchangeable.
class SecdedCodec {
 public:
  virtual ~SecdedCodec() = default;
  virtual uint8_t encode(uint32_t data) = 0;
  virtual SecdedDecoded decode(uint32_t data, uint8_t check) = 0;
};

class ModelSecded final : public SecdedCodec {
 public:
  uint8_t encode(uint32_t data) override { return secded_encode(data); }
  SecdedDecoded decode(uint32_t data, uint8_t check) override { return secded_decode(data, check); }
};

std::ostream& operator<<(std::ostream& os, const SecdedWord& word);
std::ostream& operator<<(std::ostream& os, const SecdedDecoded& decoded);

}  // namespace wvp
