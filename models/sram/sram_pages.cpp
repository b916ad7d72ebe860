#include "models/sram/sram_pages.h"

#include <algorithm>
#include <cstring>
#include <stdexcept>

namespace wvp {

namespace {
uint32_t pages_of(uint32_t tiles, uint32_t bytes_per_tile) {
  if (tiles == 0 || bytes_per_tile == 0 || bytes_per_tile % 4 != 0)
    throw std::invalid_argument("SRAM pages: " + std::to_string(tiles) + " tiles of " + std::to_string(bytes_per_tile) +
                                " bytes (a non-zero multiple of 4 each)");
  return static_cast<uint32_t>((uint64_t{bytes_per_tile} + SramPages::kPageBytes - 1) >> SramPages::kPageShift);
}
}  // namespace

SramPages::SramPages(uint32_t tiles, uint32_t bytes_per_tile)
    : bytes_per_tile_(bytes_per_tile),
      pages_(kPageBytes, kPageBytes),
      tables_(pages_of(tiles, bytes_per_tile) * sizeof(uint8_t*)),
      own_(tiles) {
  image_.resize(pages_of(tiles, bytes_per_tile));
  for (uint8_t*& page : image_) page = new_page();
  image_written_.resize(image_.size());
}

uint32_t SramPages::page_bytes(uint32_t page) const {
  return std::min<uint32_t>(kPageBytes, bytes_per_tile_ - (page << kPageShift));
}

void SramPages::release_table(uint32_t tile) {
  uint8_t**& own = own_[tile];
  for (uint32_t page = 0; page < image_.size(); ++page)
    if (own[page]) pages_.release(own[page]);
  tables_.release(own);
  own = nullptr;
}

uint8_t* SramPages::own_page(uint32_t tile, uint32_t page, bool& copied) {
  uint8_t**& own = own_[tile];
  copied = !own || !own[page];
  if (!copied) return own[page];
  // Cores of different tiles copy pages at once on several threads; a tile's own slots are its.
  const std::lock_guard<std::mutex> lock(alloc_mutex_);
  if (!own) own = new_table();
  own[page] = new_page();
  if (image_written_[page]) std::memcpy(own[page], image_[page], page_bytes(page));
  return own[page];
}

void SramPages::read(uint32_t tile, uint32_t offset, void* out, uint32_t len) const {
  auto* to = static_cast<uint8_t*>(out);
  while (len) {
    const uint32_t page = offset >> kPageShift, at = offset & (kPageBytes - 1);
    const uint32_t n = std::min(len, kPageBytes - at);
    std::memcpy(to, read_page(tile, page) + at, n);
    to += n, offset += n, len -= n;
  }
}

bool SramPages::write(uint32_t tile, uint32_t offset, const void* in, uint32_t len) {
  const auto* from = static_cast<const uint8_t*>(in);
  bool any_copied = false;
  while (len) {
    const uint32_t page = offset >> kPageShift, at = offset & (kPageBytes - 1);
    const uint32_t n = std::min(len, kPageBytes - at);
    bool copied;
    std::memcpy(own_page(tile, page, copied) + at, from, n);
    any_copied |= copied;
    from += n, offset += n, len -= n;
  }
  return any_copied;
}

void SramPages::write_every_tile(uint32_t offset, const void* in, uint32_t len) {
  const auto* from = static_cast<const uint8_t*>(in);
  const bool any_own = own_pages() != 0;
  while (len) {
    const uint32_t page = offset >> kPageShift, at = offset & (kPageBytes - 1);
    const uint32_t n = std::min(len, kPageBytes - at);
    std::memcpy(image_[page] + at, from, n);
    image_written_[page] = true;
    if (any_own)
      for (uint8_t* const* own : own_)
        if (own && own[page]) std::memcpy(own[page] + at, from, n);
    from += n, offset += n, len -= n;
  }
}

void SramPages::checkpoint(Snapshot& s) {
  Snapshot::Section section(s, "sram_pages");
  s.expect(tiles(), "the tiles");
  s.expect(pages_per_tile(), "the SRAM pages of a tile");
  for (uint32_t page = 0; page < image_.size(); ++page) {
    bool written = image_written_[page];
    s.io(written);
    image_written_[page] = written;
    if (written) s.raw(image_[page], page_bytes(page));
    else if (s.restoring()) std::memset(image_[page], 0, page_bytes(page));
  }
  for (uint32_t tile = 0; tile < tiles(); ++tile) {
    uint8_t**& own = own_[tile];
    bool table = own != nullptr;
    s.io(table);
    if (!table) {
      if (own) release_table(tile);
      continue;
    }
    if (!own) own = new_table();
    for (uint32_t page = 0; page < image_.size(); ++page) {
      bool owned = own[page] != nullptr;
      s.io(owned);
      if (owned && !own[page]) {
        own[page] = new_page();
      } else if (!owned && own[page]) {
        pages_.release(own[page]);
        own[page] = nullptr;
      }
      if (owned) s.raw(own[page], page_bytes(page));
    }
  }
}

uint64_t SramPages::host_bytes() const {
  const uint64_t image = static_cast<uint64_t>(std::count(image_written_.begin(), image_written_.end(), true));
  return (image + own_pages()) * kPageBytes + tables_.blocks_in_use() * image_.size() * sizeof(uint8_t*);
}

}  // namespace wvp
