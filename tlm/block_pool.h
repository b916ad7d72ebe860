// Equal blocks carved from large reservations of host memory (HostMemory), for what a wafer
// keeps per tile once the tile is used: its SRAM pages, its table of them, its core's table of
// DMI pages, its router's state. A malloc per tile would pay malloc's header on each of up to
// 893,064 blocks and, once a second host thread exists, malloc's locks, with what a worker
// thread allocated lying in an arena of its own.
//
// Blocks come zeroed: fresh ones are pages the kernel has not backed yet, so a block costs host
// memory only once it is written. Released blocks are handed out again. Thread-safe.
#pragma once
#include <cstddef>
#include <cstdint>
#include <memory>
#include <mutex>
#include <vector>

#include "tlm/host_memory.h"

namespace wvp {

class BlockPool {
 public:
  // Blocks of `block_bytes` (rounded up to `align`, a power of two that divides the host's
  // page) from reservations of `reservation_bytes`. Throws std::invalid_argument for a block
  // that is empty or larger than a reservation.
  explicit BlockPool(size_t block_bytes, size_t align = alignof(std::max_align_t), size_t reservation_bytes = size_t{64} << 20);
  ~BlockPool();
  BlockPool(const BlockPool&) = delete;
  BlockPool& operator=(const BlockPool&) = delete;

  void* allocate();             // throws std::bad_alloc when no reservation can be made
  void release(void* block);    // a block of this pool's, which is no longer used
  size_t block_bytes() const { return block_bytes_; }
  uint64_t blocks_in_use() const;

 private:
  size_t block_bytes_, reservation_bytes_;
  std::vector<std::unique_ptr<HostMemory>> reservations_;
  size_t used_ = 0;  // bytes handed out of reservations_.back()
  std::vector<void*> released_;
  uint64_t in_use_ = 0;
  mutable std::mutex mutex_;
};

}  // namespace wvp
