// The tiles' banked local SRAMs: one TLM-2.0 target with DMI for all of them, the tile above the
// 32-bit offset of each transaction (tlm/tile_address.h). Words are interleaved over banks; a
// bank serves one access per cycle, so accesses that arrive together on one bank queue up. The
// ports bound bandwidth per cycle (WSE: two 64-bit reads and one 64-bit write).
//
// A tile's bytes are its pages of the wafer's SramPages, copied on write: DMI is granted a
// page at a time, read-only for a page the tile still shares with the others and read-write for
// its own. A DMI request to write makes the page the tile's own; so does any write that reaches
// the SRAM (b_transport, debug, the tensor engine through writable()), and the read-only pointer
// handed out before is invalidated.
//
// With ECC, every 32-bit word is a (39,32) SECDED codeword (models/sram/secded.h) and every
// read through b_transport decodes each word it touches: one flipped bit is corrected (and
// counted), two make the access fail with TLM_GENERIC_ERROR_RESPONSE, which a core takes as
// an access fault. Bits flip only when injected (flip_bits), as a soft error would. A word's
// check bits are those of its data, computed by the codec when it is read, except for the
// words hit by a flip, whose stored codeword (flipped data and check bits) is kept until they
// are written again: that is what storing check bits with every write would hold, without a
// byte per word of host memory, and it stays right when a writer that bypasses b_transport
// (DMI, the tensor engine) rewrites a word. Those bypassing readers see the stored bits
// uncorrected: a core with ECC must send its loads and stores through the bus
// (CoreParams::local_data_via_bus; it still fetches instructions through DMI).
#pragma once
#include <cstdint>
#include <functional>
#include <string>
#include <unordered_map>
#include <vector>

#include <systemc>
#include <tlm>
#include <tlm_utils/simple_target_socket.h>

#include "engine/clock.h"
#include "models/sram/secded.h"
#include "models/sram/sram_pages.h"

namespace wvp {

// Which codec protects the words: none, the C++ model or the Verilated RTL (the platform
// supplies it; to the SRAM both are a SecdedCodec).
enum class SramEcc : uint8_t { Off, Model, Rtl };
const char* sram_ecc_name(SramEcc ecc);                    // "off", "model", "rtl"
bool parse_sram_ecc(const std::string& text, SramEcc& ecc);  // the same names

struct SramParams {
  uint32_t size_bytes = 48 * 1024;
  uint32_t banks = 8;
  uint32_t bank_width_bytes = 4;
  uint32_t access_latency_cycles = 0;  // added to every access; DMI reports it as its latency
  uint32_t read_bytes_per_cycle = 16;
  uint32_t write_bytes_per_cycle = 8;
  SramEcc ecc = SramEcc::Off;
};

struct SramStats {
  uint64_t reads = 0, writes = 0;
  uint64_t read_bytes = 0, write_bytes = 0;
  uint64_t bank_conflict_cycles = 0;  // cycles accesses waited for a busy bank
  // Reads of a word with one flipped bit, each counted: the corrected word is not written back.
  uint64_t ecc_corrected = 0;
  uint64_t ecc_uncorrectable = 0;  // accesses refused for a word with two flipped bits
};

class Sram : public sc_core::sc_module {
 public:
  tlm_utils::simple_target_socket<Sram> socket;

  // The SRAMs are the tiles of `pages` (not owned), which must have params.size_bytes a tile.
  // `ecc` (not owned) is required when params.ecc is not Off.
  Sram(sc_core::sc_module_name name, const SramParams& params, const Clock& clock, SramPages& pages,
       SecdedCodec* ecc = nullptr);

  const SramParams& params() const { return params_; }
  const SramStats& stats(uint32_t tile) const { return stats_[tile]; }
  // Host bytes of the tiles' bank timing and statistics (the pages are SramPages::host_bytes()).
  uint64_t host_bytes() const {
    return bank_free_cycle_.capacity() * sizeof(uint64_t) + stats_.capacity() * sizeof(SramStats) +
           flipped_.size() * (sizeof(SecdedWord) + 2 * sizeof(uint64_t));
  }

  // Direct access for models beside the bus (the tensor engine) and the loader, at byte offsets
  // that lie in tile `tile`'s SRAM, bypassing timing and ECC. readable() and writable() point into
  // the offset's page, valid for the rest of that page until the next write by someone else.
  const uint8_t* readable(uint32_t tile, uint32_t offset) const {
    return pages_.read_page(tile, offset >> SramPages::kPageShift) + (offset & (SramPages::kPageBytes - 1));
  }
  uint8_t* writable(uint32_t tile, uint32_t offset);
  void read(uint32_t tile, uint32_t offset, void* out, uint32_t len) const { pages_.read(tile, offset, out, len); }
  void write(uint32_t tile, uint32_t offset, const void* in, uint32_t len);

  // Flips the stored codeword bits `bits` (0-31 data, 32-38 check bits) of the word at byte
  // `offset` of tile `tile`. Throws std::invalid_argument without ECC, for an offset that is not an
  // aligned word of the SRAM, a bit above 38 or a bit given twice.
  void flip_bits(uint32_t tile, uint32_t offset, const std::vector<unsigned>& bits);
  // Receives each uncorrectable word an access met (its tile and byte offset) and why.
  using ErrorSink = std::function<void(uint32_t tile, uint32_t offset, const std::string& what)>;
  void set_error_sink(ErrorSink sink) { error_sink_ = std::move(sink); }

  // The banks' busy times, the counts and the flipped words (the bytes are SramPages').
  void checkpoint(Snapshot& s) {
    Snapshot::Section section(s, "sram");
    s.fields(bank_free_cycle_, stats_, flipped_, dmi_granted_);
  }

 private:
  void b_transport(tlm::tlm_generic_payload& gp, sc_core::sc_time& delay);
  bool get_direct_mem_ptr(tlm::tlm_generic_payload& gp, tlm::tlm_dmi& dmi);
  unsigned int transport_dbg(tlm::tlm_generic_payload& gp);
  // A write copied a page of [offset, offset + len) of `tile`: the pointers handed out for the
  // pages there are given up (a page the write did not copy is asked for again, which is harmless).
  void copied(uint32_t tile, uint32_t offset, uint32_t len);
  // Cycles from `start_cycle` until an access of `len` bytes at `addr` of `tile` completes.
  uint64_t occupy_banks(uint32_t tile, uint64_t addr, uint32_t len, bool write, uint64_t start_cycle);

  // The ECC paths work on words named by their tile address (tile_address(tile, offset)).
  // ECC paths of b_transport; false: an uncorrectable word (reported and counted).
  bool ecc_read(uint64_t at, uint32_t len, uint8_t* out);
  bool ecc_write(uint64_t at, uint32_t len, const uint8_t* in);
  // Whether the word at `word` holds a kept flipped codeword (dropping a stale one).
  bool flipped(uint64_t word);
  // The codeword stored at `word`: kept if flipped, else the data's own.
  SecdedWord stored_word(uint64_t word);
  // Decodes the word at `word`; counts it (when `count`) and reports it if uncorrectable.
  SecdedDecoded decode_word(uint64_t word, bool count);
  uint32_t load_word(uint64_t word) const;
  void store(uint64_t at, const void* in, uint32_t len);
  // Copies the bytes of `data` (the word at `word`) that fall in [at, at + len) to out.
  static void copy_word_bytes(uint32_t data, uint64_t word, uint64_t at, uint32_t len, uint8_t* out);

  const SramParams params_;
  const Clock clock_;
  SramPages& pages_;
  SecdedCodec* const ecc_;
  bool dmi_granted_ = false;  // someone may hold a page's pointer: a copy on write must tell them
  std::vector<uint64_t> bank_free_cycle_;  // [tile * banks + bank]: first cycle the bank is free again
  std::vector<SramStats> stats_;           // by tile
  // Words hit by flips: tile address -> the codeword stored there. An entry whose data no longer
  // matches the memory was rewritten by a writer that bypasses b_transport, and is dropped.
  std::unordered_map<uint64_t, SecdedWord> flipped_;
  ErrorSink error_sink_;
};

}  // namespace wvp
