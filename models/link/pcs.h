// 64b/66b PCS of IEEE 802.3 clause 49 (10GBASE-R), the line coding of the off-wafer links.
//
// Modelled: the 2-bit sync header ("01" data, "10" control, in transmission order), the
// self-synchronous scrambler x^58 + x^39 + 1 over the 64-bit payload only (49.2.6), the
// transmission order (sync header bit 0 first, then payload bit 0 to 63), and the block lock
// state machine of Figure 49-14 with its SLIP. Its counts are parameters, so the same machine
// also serves clause 82 (lock after 64, 65 invalid headers in a window of 1024 lose it).
//
// Not modelled: the 64b/66b control-character mapping of Figure 49-7 (a control block is a
// sync header plus 64 payload bits whose first byte, bits 0-7, is the block type field; the
// caller fills in the rest), the transmit/receive state machines that turn invalid blocks
// into /E/ or local fault, the BER monitor, the test-pattern generators, and the gearbox to
// a SerDes width: the line is a plain bit sequence.
#pragma once
#include <cstdint>
#include <optional>

namespace wvp {

constexpr unsigned kPcsBlockBits = 66;
// The data rate a 64b/66b line of `line_gbps` carries.
constexpr double pcs_data_gbps(double line_gbps) { return line_gbps * 64 / kPcsBlockBits; }
constexpr unsigned kPcsScramblerBits = 58;
// Sync headers with their first transmitted bit in bit 0: 802.3 writes them in line order,
// so its data header "01" is 0b10 here and its control header "10" is 0b01.
constexpr uint8_t kPcsSyncData = 0b10;
constexpr uint8_t kPcsSyncControl = 0b01;
constexpr uint64_t kPcsScramblerMask = (uint64_t{1} << kPcsScramblerBits) - 1;

struct PcsParams {
  // Initial scrambler (and descrambler) state; 802.3 leaves it open. All ones keeps an idle
  // link from sending zeros after reset.
  uint64_t scrambler_seed = kPcsScramblerMask;
  uint16_t lock_valid_headers = 64;     // consecutive valid sync headers that acquire lock
  uint16_t window_headers = 64;         // sync headers per window in lock
  uint16_t unlock_invalid_headers = 16; // invalid ones within one window that lose lock
};

// Throws std::invalid_argument for lock counts the state machine cannot use: each at least 1,
// unlock_invalid_headers at most window_headers.
void check_pcs_params(const PcsParams& params);

// What the MAC side hands the encoder. For a control block, payload bits 0-7 are the block
// type field (0x1e idle, 0x78 start, 0x87..0xff terminate, ...).
struct PcsBlock {
  uint64_t payload = 0;
  bool control = false;
};

// 66 consecutive line bits in transmission order: `sync` bit 0 first, then `sync` bit 1, then
// `payload` bit 0 to 63. The encoder's output is an aligned block; the decoder accepts any 66
// consecutive bits of the line, aligned or not.
struct CodedBlock {
  uint8_t sync = 0;
  uint64_t payload = 0;
  bool operator==(const CodedBlock&) const = default;
};

struct DecodedBlock {
  uint64_t payload = 0;        // descrambled
  bool control = false;        // sync header "10"
  bool header_valid = false;   // false for "00" and "11": the block is in error
  bool operator==(const DecodedBlock&) const = default;
};

struct PcsCounters {
  uint64_t blocks = 0;           // blocks taken from the line, in lock or not
  uint64_t invalid_headers = 0;  // of those, with sync header "00" or "11"
  uint64_t slips = 0;            // one-bit shifts of the block boundary while hunting for lock
  bool operator==(const PcsCounters&) const = default;
};

// The interfaces a link model uses; the C++ model below and the Verilated RTL
// (rtl/pcs/rtl_pcs.h) both implement them.
class PcsEncoder {
 public:
  virtual ~PcsEncoder() = default;
  virtual CodedBlock encode(const PcsBlock& block) = 0;
};

class PcsDecoder {
 public:
  virtual ~PcsDecoder() = default;
  // The next 66 line bits; returns the block they complete, if any (none when a slip has moved
  // the boundary past the end of them).
  virtual std::optional<DecodedBlock> push(const CodedBlock& line_bits) = 0;
  virtual bool block_lock() const = 0;
  virtual PcsCounters counters() const = 0;
};

// The scrambler state is the last 58 scrambled bits sent, the most recent in bit 57. Both
// functions do 64 steps of the serial definition at once and advance the state.
uint64_t pcs_scramble(uint64_t payload, uint64_t& state);
uint64_t pcs_descramble(uint64_t line_payload, uint64_t& state);

class Pcs64b66bEncoder final : public PcsEncoder {
 public:
  explicit Pcs64b66bEncoder(const PcsParams& params = {});
  CodedBlock encode(const PcsBlock& block) override;
  uint64_t scrambler_state() const { return scrambler_; }

 private:
  uint64_t scrambler_;
};

class Pcs64b66bDecoder final : public PcsDecoder {
 public:
  // Checks `params` with check_pcs_params().
  explicit Pcs64b66bDecoder(const PcsParams& params = {});
  std::optional<DecodedBlock> push(const CodedBlock& line_bits) override;
  std::optional<DecodedBlock> push_bit(bool bit);
  bool block_lock() const override { return block_lock_; }
  PcsCounters counters() const override { return counters_; }

 private:
  std::optional<DecodedBlock> push_bits(unsigned __int128 bits, unsigned count);
  DecodedBlock take_block(unsigned __int128 bits);
  // Figure 49-14 for one sync header; returns whether to SLIP.
  bool lock_step(bool header_valid);

  PcsParams params_;
  unsigned __int128 pending_ = 0;  // line bits of the block being assembled, first in bit 0
  unsigned pending_bits_ = 0;
  bool drop_next_bit_ = false;     // a SLIP that came when no line bit was left to drop
  uint64_t descrambler_;
  bool block_lock_ = false;
  uint32_t sh_cnt_ = 0;
  uint32_t sh_invld_cnt_ = 0;
  PcsCounters counters_;
};

}  // namespace wvp
