// Host memory reserved up front and paid for only when touched: the kernel maps a page on its
// first write, so a wafer's worth of SRAM costs only what firmware actually uses.
#pragma once
#include <cstddef>
#include <cstdint>
#include <vector>

namespace wvp {

class HostMemory {
 public:
  explicit HostMemory(size_t bytes);  // throws std::bad_alloc when the reservation fails
  ~HostMemory();
  HostMemory(const HostMemory&) = delete;
  HostMemory& operator=(const HostMemory&) = delete;

  uint8_t* data() const { return data_; }
  size_t size() const { return size_; }
  // Bytes the kernel has actually backed (resident pages), for memory reports.
  size_t resident_bytes() const;
  // The offsets of the pages the kernel has backed, in order (host pages of `page_bytes()`).
  std::vector<size_t> resident_pages() const;
  static size_t page_bytes();

 private:
  uint8_t* data_ = nullptr;
  size_t size_ = 0;
};

}  // namespace wvp
