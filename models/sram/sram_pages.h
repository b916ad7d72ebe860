// The SRAM of every tile of a wafer, in 1 KiB pages copied on write. Every tile starts from one
// image (the firmware, written once for all tiles by write_every_tile()); a page becomes a tile's
// own at the tile's first write to it. A wafer of SPMD tiles then costs one image plus the pages
// each tile wrote (its stack, its data), not its SRAM size times the tiles, and a tile that writes
// nothing costs one pointer. Pages no one has written read as zeros and cost no host memory.
//
// 1 KiB, not the host's 4 KiB: a core's stack and its data are a page each, and a 4 KiB page
// would make them cost four times as much on a wafer of 893,064 tiles.
#pragma once
#include <cstdint>
#include <memory>
#include <mutex>
#include <vector>

#include "engine/snapshot.h"
#include "tlm/block_pool.h"

namespace wvp {

class SramPages {
 public:
  static constexpr uint32_t kPageShift = 10;
  static constexpr uint32_t kPageBytes = 1u << kPageShift;

  // Throws std::invalid_argument for no tiles or an SRAM that is not a whole number of words.
  SramPages(uint32_t tiles, uint32_t bytes_per_tile);
  SramPages(const SramPages&) = delete;
  SramPages& operator=(const SramPages&) = delete;

  uint32_t tiles() const { return static_cast<uint32_t>(own_.size()); }
  uint32_t bytes_per_tile() const { return bytes_per_tile_; }
  uint32_t pages_per_tile() const { return static_cast<uint32_t>(image_.size()); }
  // The bytes of `page` that lie in the SRAM (the last page may be cut short).
  uint32_t page_bytes(uint32_t page) const;

  // Page `page` of tile `tile` as it reads now: the tile's own copy, else the image.
  const uint8_t* read_page(uint32_t tile, uint32_t page) const {
    uint8_t* const* own = own_[tile];
    return own && own[page] ? own[page] : image_[page];
  }
  bool owns(uint32_t tile, uint32_t page) const { return own_[tile] && own_[tile][page]; }
  // The tile's own copy of `page`, made from the image now if it had none (`copied`): a pointer
  // to the page read_page() gave before is stale from then on.
  uint8_t* own_page(uint32_t tile, uint32_t page, bool& copied);

  // Bytes [offset, offset + len) of a tile, which must lie in the SRAM.
  void read(uint32_t tile, uint32_t offset, void* out, uint32_t len) const;
  // Into the tile's own pages; returns whether a page became its own (see own_page()).
  bool write(uint32_t tile, uint32_t offset, const void* in, uint32_t len);
  // The same bytes at `offset` in every tile: the image takes them, and so does each copy a tile
  // owns of those pages. No page changes place, so pointers handed out stay valid.
  void write_every_tile(uint32_t offset, const void* in, uint32_t len);

  // What the pages take of the host: the image pages written, the tiles' own pages and their
  // tables of own pages (not the pointer every tile has).
  uint64_t host_bytes() const;

  // The image and every page a tile owns, with their bytes. Restoring reuses the pages a tile
  // already owns (a load writes most of them again) and gives up those the checkpoint's tile did
  // not own, to be handed out again.
  void checkpoint(Snapshot& s);
  uint64_t own_pages() const { return pages_.blocks_in_use() - image_.size(); }

 private:
  uint8_t* new_page() { return static_cast<uint8_t*>(pages_.allocate()); }  // zeroed
  uint8_t** new_table() { return static_cast<uint8_t**>(tables_.allocate()); }  // every page the image's
  void release_table(uint32_t tile);  // and the tile's pages

  uint32_t bytes_per_tile_;
  BlockPool pages_, tables_;
  std::vector<uint8_t*> image_;      // every tile's page until it owns one
  std::vector<bool> image_written_;  // image pages that hold more than zeros
  std::vector<uint8_t**> own_;       // per tile: its table of own pages, none until its first write
  std::mutex alloc_mutex_;  // the tiles' tables of own pages
};

}  // namespace wvp
