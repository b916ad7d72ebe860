// What the host can give a run.
#pragma once
#include <cstdint>

namespace wvp {

// Bytes the host can give a new process without swapping: /proc/meminfo's MemAvailable, else the
// free physical pages.
uint64_t available_host_memory();

}  // namespace wvp
