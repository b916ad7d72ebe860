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

size_t HostMemory::resident_bytes() const {
  if (!data_) return 0;
  const size_t page = static_cast<size_t>(sysconf(_SC_PAGESIZE));
  const size_t pages = (size_ + page - 1) / page;
  std::vector<unsigned char> vec(pages);
  if (mincore(data_, size_, vec.data()) != 0) return 0;
  size_t resident = 0;
  for (unsigned char v : vec) resident += (v & 1) ? page : 0;
  return resident;
}

}  // namespace wvp
