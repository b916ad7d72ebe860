#include "models/core/code_cache.h"

#include <bit>
#include <stdexcept>

namespace wvp {

CodeCache::CodeCache(uint64_t base, uint32_t size_bytes, uint32_t shared_lo, uint32_t shared_hi)
    : base_(base), size_(size_bytes), shared_lo_(shared_lo), shared_hi_(shared_hi) {
  if (size_bytes == 0 || size_bytes % 4 != 0) throw std::invalid_argument("code cache size must be a non-zero multiple of 4");
  page_shift_ = 2;
  while (((uint64_t{size_bytes} - 1) >> page_shift_) >= 64) ++page_shift_;  // last byte's page < 64
  if (shared_hi_ > shared_lo_) {
    for (uint32_t page = shared_lo_ >> page_shift_; page <= (shared_hi_ - 1) >> page_shift_; ++page)
      shared_pages_ |= 1ull << page;
  }
  ops_.resize(1 + size_bytes / kParcelBytes + 1);
  ops_.back().kind = kEnd;
}

void CodeCache::format(HandlerTable handlers) {
  if (handlers_) return;
  handlers_ = handlers;
  invalidate_all();
  ops_.back().handler = handlers_[kEnd];
}

void CodeCache::invalidate_all() {
  ops_.front() = Op{handlers_[kNeedDecode], kNeedDecode, 0, 0, 0, 0};
  for (size_t i = 0; i + 2 < ops_.size(); ++i) invalidate_parcel(static_cast<uint32_t>(i * kParcelBytes));
  decoded_pages_ = 0;
}

}  // namespace wvp
