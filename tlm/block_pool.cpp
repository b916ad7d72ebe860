#include "tlm/block_pool.h"

#include <cstring>
#include <stdexcept>
#include <string>

#if defined(__SANITIZE_ADDRESS__)
#include <sanitizer/lsan_interface.h>
// A block may hold the only pointer to a heap object (a router's RTL twin): LeakSanitizer must
// look in the reservations as it looks in the heap, or it reports those objects as leaked.
#define WVP_LSAN_ROOTS 1
#endif

namespace wvp {

BlockPool::BlockPool(size_t block_bytes, size_t align, size_t reservation_bytes)
    : block_bytes_((block_bytes + align - 1) & ~(align - 1)), reservation_bytes_(reservation_bytes) {
  if (!block_bytes || !align || (align & (align - 1)) || HostMemory::page_bytes() % align || block_bytes_ > reservation_bytes)
    throw std::invalid_argument("block pool: blocks of " + std::to_string(block_bytes) + " bytes aligned to " +
                                std::to_string(align) + " from reservations of " + std::to_string(reservation_bytes));
}

BlockPool::~BlockPool() {
#ifdef WVP_LSAN_ROOTS
  for (const auto& r : reservations_) __lsan_unregister_root_region(r->data(), r->size());
#endif
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
#ifdef WVP_LSAN_ROOTS
    __lsan_register_root_region(reservations_.back()->data(), reservation_bytes_);
#endif
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
