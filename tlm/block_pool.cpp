#include "tlm/block_pool.h"

#include <cstring>
#include <stdexcept>
#include <string>

namespace wvp {

BlockPool::BlockPool(size_t block_bytes, size_t align, size_t reservation_bytes)
    : block_bytes_((block_bytes + align - 1) & ~(align - 1)), reservation_bytes_(reservation_bytes) {
  if (!block_bytes || !align || (align & (align - 1)) || HostMemory::page_bytes() % align || block_bytes_ > reservation_bytes)
    throw std::invalid_argument("block pool: blocks of " + std::to_string(block_bytes) + " bytes aligned to " +
                                std::to_string(align) + " from reservations of " + std::to_string(reservation_bytes));
}

void* BlockPool::allocate() {
  const std::lock_guard<std::mutex> lock(mutex_);
  ++in_use_;
  if (!released_.empty()) {
    void* block = released_.back();
    released_.pop_back();
    std::memset(block, 0, block_bytes_);
    return block;
  }
  if (reservations_.empty() || used_ + block_bytes_ > reservation_bytes_) {
    reservations_.push_back(std::make_unique<HostMemory>(reservation_bytes_));
    used_ = 0;
  }
  void* block = reservations_.back()->data() + used_;
  used_ += block_bytes_;
  return block;
}

void BlockPool::release(void* block) {
  const std::lock_guard<std::mutex> lock(mutex_);
  --in_use_;
  released_.push_back(block);
}

uint64_t BlockPool::blocks_in_use() const {
  const std::lock_guard<std::mutex> lock(mutex_);
  return in_use_;
}

}  // namespace wvp
