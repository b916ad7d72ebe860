#include "tlm/host_memory.h"

#include <sys/mman.h>
#include <unistd.h>

#include <new>
#include <vector>

namespace wvp {

HostMemory::HostMemory(size_t bytes) : size_(bytes) {
  if (bytes == 0) return;
  void* p = mmap(nullptr, bytes, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS | MAP_NORESERVE, -1, 0);
  if (p == MAP_FAILED) throw std::bad_alloc();
  data_ = static_cast<uint8_t*>(p);
}

HostMemory::~HostMemory() {
  if (data_) munmap(data_, size_);
}

size_t HostMemory::page_bytes() { return static_cast<size_t>(sysconf(_SC_PAGESIZE)); }

std::vector<size_t> HostMemory::resident_pages() const {
  std::vector<size_t> offsets;
  if (!data_) return offsets;
  const size_t page = page_bytes();
  std::vector<unsigned char> vec((size_ + page - 1) / page);
  if (mincore(data_, size_, vec.data()) != 0) return offsets;
  for (size_t i = 0; i < vec.size(); ++i)
    if (vec[i] & 1) offsets.push_back(i * page);
  return offsets;
}

size_t HostMemory::resident_bytes() const { return resident_pages().size() * page_bytes(); }

}  // namespace wvp
