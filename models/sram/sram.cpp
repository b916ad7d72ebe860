#include "models/sram/sram.h"

#include <algorithm>
#include <atomic>
#include <cstdio>
#include <cstring>
#include <stdexcept>

#include "tlm/log.h"
#include "tlm/tile_address.h"

namespace wvp {

namespace {
bool valid(const SramParams& p) {
  return p.size_bytes > 0 && p.banks > 0 && p.bank_width_bytes > 0 && p.read_bytes_per_cycle > 0 &&
         p.write_bytes_per_cycle > 0;
}

std::string hex(uint32_t value, int digits) {
  char buf[16];
  std::snprintf(buf, sizeof buf, "0x%0*x", digits, value);
  return buf;
}

constexpr const char* kEccNames[] = {"off", "model", "rtl"};
}  // namespace

const char* sram_ecc_name(SramEcc ecc) { return kEccNames[static_cast<int>(ecc)]; }

bool parse_sram_ecc(const std::string& text, SramEcc& ecc) {
  for (int i = 0; i < 3; ++i)
    if (text == kEccNames[i]) {
      ecc = static_cast<SramEcc>(i);
      return true;
    }
  return false;
}

Sram::Sram(sc_core::sc_module_name name, const SramParams& params, const Clock& clock, SramPages& pages, SecdedCodec* ecc)
    : sc_module(name),
      socket("socket"),
      params_(params),
      clock_(clock),
      pages_(pages),
      ecc_(params.ecc == SramEcc::Off ? nullptr : ecc),
      bank_free_cycle_(size_t{pages.tiles()} * params.banks, 0),
      stats_(pages.tiles()) {
  if (!valid(params)) throw std::invalid_argument(std::string(this->name()) + ": SRAM parameters must be positive");
  if (pages.bytes_per_tile() != params.size_bytes)
    throw std::invalid_argument(std::string(this->name()) + ": pages of " + std::to_string(pages.bytes_per_tile()) +
                                " bytes a tile for an SRAM of " + std::to_string(params.size_bytes));
  if (params.ecc != SramEcc::Off && !ecc)
    throw std::invalid_argument(std::string(this->name()) + ": ECC " + sram_ecc_name(params.ecc) + " without a codec");
  if (ecc_ && params.size_bytes % 4 != 0)
    throw std::invalid_argument(std::string(this->name()) + ": ECC needs whole 32-bit words, not " +
                                std::to_string(params.size_bytes) + " bytes");
  socket.register_b_transport(this, &Sram::b_transport);
  socket.register_get_direct_mem_ptr(this, &Sram::get_direct_mem_ptr);
  socket.register_transport_dbg(this, &Sram::transport_dbg);
}

void Sram::copied(uint32_t tile, uint32_t offset, uint32_t len) {
  if (!std::atomic_ref<bool>(dmi_granted_).load(std::memory_order_relaxed)) return;
  const uint32_t last_page = (offset + len - 1) >> SramPages::kPageShift;
  const uint64_t start = uint64_t{offset >> SramPages::kPageShift} << SramPages::kPageShift;
  socket->invalidate_direct_mem_ptr(tile_address(tile, start),
                                    tile_address(tile, (uint64_t{last_page} << SramPages::kPageShift) + pages_.page_bytes(last_page) - 1));
}

uint8_t* Sram::writable(uint32_t tile, uint32_t offset) {
  bool page_copied;
  uint8_t* const own = pages_.own_page(tile, offset >> SramPages::kPageShift, page_copied);
  if (page_copied) copied(tile, offset, 1);
  return own + (offset & (SramPages::kPageBytes - 1));
}

void Sram::write(uint32_t tile, uint32_t offset, const void* in, uint32_t len) {
  if (pages_.write(tile, offset, in, len)) copied(tile, offset, len);
}

void Sram::store(uint64_t at, const void* in, uint32_t len) {
  write(tile_of(at), static_cast<uint32_t>(local_of(at)), in, len);
}

uint64_t Sram::occupy_banks(uint32_t tile, uint64_t addr, uint32_t len, bool write, uint64_t start_cycle) {
  const uint32_t port_bytes = write ? params_.write_bytes_per_cycle : params_.read_bytes_per_cycle;
  // The port alone needs ceil(len / port_bytes) cycles, even for a single narrow word.
  uint64_t done = start_cycle + (uint64_t{len} + port_bytes - 1) / port_bytes;
  const uint64_t first = addr / params_.bank_width_bytes;
  const uint64_t last = (addr + len - 1) / params_.bank_width_bytes;
  for (uint64_t word = first; word <= last; ++word) {
    // The port streams port_bytes per cycle; a word also waits for its bank.
    const uint64_t port_cycle = start_cycle + (word - first) * params_.bank_width_bytes / port_bytes;
    uint64_t& bank_free = bank_free_cycle_[size_t{tile} * params_.banks + word % params_.banks];
    const uint64_t issue = std::max(port_cycle, bank_free);
    stats_[tile].bank_conflict_cycles += issue - port_cycle;
    bank_free = issue + 1;
    done = std::max(done, issue + 1);
  }
  return done - start_cycle;
}

void Sram::b_transport(tlm::tlm_generic_payload& gp, sc_core::sc_time& delay) {
  const uint64_t at = gp.get_address();
  const uint32_t tile = tile_of(at);
  const uint64_t addr = local_of(at);
  const uint32_t len = gp.get_data_length();
  if (tile >= pages_.tiles() || addr >= params_.size_bytes || len > params_.size_bytes - addr) {
    gp.set_response_status(tlm::TLM_ADDRESS_ERROR_RESPONSE);
    return;
  }
  if (gp.get_byte_enable_ptr() || gp.get_streaming_width() < len) {
    gp.set_response_status(tlm::TLM_BYTE_ENABLE_ERROR_RESPONSE);
    return;
  }
  const bool write = gp.is_write();
  if (ecc_ && len > 0 && (write || gp.is_read())) {
    const uint64_t corrected = stats_[tile].ecc_corrected;
    const bool ok = write ? ecc_write(at, len, gp.get_data_ptr()) : ecc_read(at, len, gp.get_data_ptr());
    if (stats_[tile].ecc_corrected != corrected || !ok)
      WVP_LOG(Sram, Debug, tile, clock_.cycle_at(sc_core::sc_time_stamp() + delay), "{} of {} bytes at offset {:#x}: {}",
              write ? "write" : "read", len, addr, ok ? "corrected a flipped bit" : "uncorrectable word, refused");
    if (!ok) {
      gp.set_response_status(tlm::TLM_GENERIC_ERROR_RESPONSE);
      return;
    }
  }
  SramStats& stats = stats_[tile];
  if (write) {
    if (!ecc_) store(at, gp.get_data_ptr(), len);
    ++stats.writes;
    stats.write_bytes += len;
  } else if (gp.is_read()) {
    if (!ecc_) read(tile, static_cast<uint32_t>(addr), gp.get_data_ptr(), len);
    ++stats.reads;
    stats.read_bytes += len;
  }
  if (len > 0 && (write || gp.is_read())) {
    const uint64_t now = clock_.cycle_at(sc_core::sc_time_stamp() + delay);
    delay += clock_.time_of(occupy_banks(tile, addr, len, write, now) - 1 + params_.access_latency_cycles);
  }
  gp.set_dmi_allowed(true);
  gp.set_response_status(tlm::TLM_OK_RESPONSE);
}

bool Sram::get_direct_mem_ptr(tlm::tlm_generic_payload& gp, tlm::tlm_dmi& dmi) {
  const uint32_t tile = tile_of(gp.get_address());
  if (tile >= pages_.tiles() || local_of(gp.get_address()) >= params_.size_bytes) return false;
  const uint32_t page = static_cast<uint32_t>(local_of(gp.get_address()) >> SramPages::kPageShift);
  const uint32_t start = page << SramPages::kPageShift;
  // Asked for write access, the tile gets its own copy of the page.
  const bool own = gp.is_write() || pages_.owns(tile, page);
  dmi.set_dmi_ptr(own ? writable(tile, start) : const_cast<uint8_t*>(readable(tile, start)));
  dmi.set_start_address(tile_address(tile, start));
  dmi.set_end_address(tile_address(tile, start + pages_.page_bytes(page) - 1));
  if (own)
    dmi.allow_read_write();
  else
    dmi.allow_read();
  std::atomic_ref<bool>(dmi_granted_).store(true, std::memory_order_relaxed);  // cores ask from several threads
  dmi.set_read_latency(clock_.time_of(params_.access_latency_cycles));
  dmi.set_write_latency(clock_.time_of(params_.access_latency_cycles));
  return true;
}

unsigned int Sram::transport_dbg(tlm::tlm_generic_payload& gp) {
  const uint64_t at = gp.get_address();
  const uint32_t tile = tile_of(at);
  const uint64_t addr = local_of(at);
  if (tile >= pages_.tiles() || addr >= params_.size_bytes) {
    gp.set_response_status(tlm::TLM_ADDRESS_ERROR_RESPONSE);
    return 0;
  }
  const uint32_t n = std::min<uint64_t>(gp.get_data_length(), params_.size_bytes - addr);
  if (gp.is_write()) {
    // A debugger's write stores fresh codewords; the rest of a partial word is kept corrected.
    if (ecc_ && n > 0) {
      for (uint64_t word = at & ~uint64_t{3}; word < at + n; word += 4) {
        if (!flipped(word)) continue;
        const SecdedDecoded d = decode_word(word, false);
        if (!d.uncorrectable) store(word, &d.data, 4);
        flipped_.erase(word);
      }
    }
    store(at, gp.get_data_ptr(), n);
  } else {
    read(tile, static_cast<uint32_t>(addr), gp.get_data_ptr(), n);
    // A debugger sees what a load would, where that is correctable; nothing is counted.
    if (ecc_) {
      for (uint64_t word = at & ~uint64_t{3}; word < at + n; word += 4) {
        if (!flipped(word)) continue;
        const SecdedDecoded d = decode_word(word, false);
        if (!d.uncorrectable) copy_word_bytes(d.data, word, at, n, gp.get_data_ptr());
      }
    }
  }
  gp.set_response_status(tlm::TLM_OK_RESPONSE);
  return n;
}

void Sram::flip_bits(uint32_t tile, uint32_t offset, const std::vector<unsigned>& bits) {
  const std::string who = name();
  if (!ecc_) throw std::invalid_argument(who + ": bit flips need ECC (sram.ecc model or rtl)");
  if (offset % 4 != 0 || offset >= params_.size_bytes)
    throw std::invalid_argument(who + ": offset " + hex(offset, 8) + " is not an aligned word of the " +
                                std::to_string(params_.size_bytes) + "-byte SRAM");
  if (tile >= pages_.tiles()) throw std::invalid_argument(who + ": no tile " + std::to_string(tile));
  if (bits.empty()) throw std::invalid_argument(who + ": no bit to flip");
  const uint64_t at = tile_address(tile, offset);
  SecdedWord word = stored_word(at);
  for (size_t i = 0; i < bits.size(); ++i) {
    for (size_t k = 0; k < i; ++k)
      if (bits[k] == bits[i]) throw std::invalid_argument(who + ": codeword bit " + std::to_string(bits[i]) + " given twice");
    try {
      secded_flip(word, bits[i]);
    } catch (const std::invalid_argument& e) {
      throw std::invalid_argument(who + ": " + e.what());
    }
  }
  store(at, &word.data, 4);
  // Four flips can make another valid codeword: the data has silently changed, as it would.
  if (word.check == ecc_->encode(word.data))
    flipped_.erase(at);
  else
    flipped_[at] = word;
}

uint32_t Sram::load_word(uint64_t word) const {
  uint32_t data;
  read(tile_of(word), static_cast<uint32_t>(local_of(word)), &data, 4);
  return data;
}

bool Sram::flipped(uint64_t word) {
  const auto it = flipped_.find(word);
  if (it == flipped_.end()) return false;
  if (it->second.data == load_word(word)) return true;
  flipped_.erase(it);  // rewritten by a writer that bypasses b_transport: a fresh codeword
  return false;
}

SecdedWord Sram::stored_word(uint64_t word) {
  if (flipped(word)) return flipped_.at(word);
  const uint32_t data = load_word(word);
  return {data, ecc_->encode(data)};
}

SecdedDecoded Sram::decode_word(uint64_t word, bool count) {
  const SecdedWord stored = stored_word(word);
  const SecdedDecoded d = ecc_->decode(stored.data, stored.check);
  if (!count) return d;
  SramStats& stats = stats_[tile_of(word)];
  if (d.corrected) ++stats.ecc_corrected;
  if (d.uncorrectable) {
    ++stats.ecc_uncorrectable;
    if (error_sink_)
      error_sink_(tile_of(word), static_cast<uint32_t>(local_of(word)), "uncorrectable ECC error (syndrome " + hex(d.syndrome, 2) + ")");
  }
  return d;
}

void Sram::copy_word_bytes(uint32_t data, uint64_t word, uint64_t at, uint32_t len, uint8_t* out) {
  const uint64_t lo = std::max(word, at), hi = std::min(word + 4, at + len);
  std::memcpy(out + (lo - at), reinterpret_cast<const uint8_t*>(&data) + (lo - word), hi - lo);
}

bool Sram::ecc_read(uint64_t at, uint32_t len, uint8_t* out) {
  for (uint64_t word = at & ~uint64_t{3}; word < at + len; word += 4) {
    const SecdedDecoded d = decode_word(word, true);
    if (d.uncorrectable) return false;
    copy_word_bytes(d.data, word, at, len, out);
  }
  return true;
}

bool Sram::ecc_write(uint64_t at, uint32_t len, const uint8_t* in) {
  // A store narrower than its word is a read-modify-write of it: a flipped word is decoded
  // first, and an uncorrectable one refuses the store. Whole words are simply replaced.
  const uint64_t first = at & ~uint64_t{3}, last = (at + len - 1) & ~uint64_t{3};
  const bool first_partial = at != first || len < 4, last_partial = (at + len) % 4 != 0;
  for (const auto& [word, partial] : {std::pair{first, first_partial}, std::pair{last, last_partial}}) {
    if (!partial || !flipped(word)) continue;
    const SecdedDecoded d = decode_word(word, true);
    if (d.uncorrectable) return false;
    store(word, &d.data, 4);
    flipped_.erase(word);
  }
  for (uint64_t word = first; word <= last; word += 4) flipped_.erase(word);
  store(at, in, len);
  return true;
}

}  // namespace wvp
