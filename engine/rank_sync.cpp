#include "engine/rank_sync.h"

#include <cctype>
#include <chrono>
#include <cstdlib>
#include <stdexcept>

#ifdef WVP_MPI
// The C API only: Open MPI's deprecated C++ bindings need a library the build does not link.
#define OMPI_SKIP_MPICXX 1
#include <mpi.h>
#endif

namespace wvp {

namespace {

bool mpi_started = false;

#ifdef WVP_MPI
void check(int code, const char* what) {
  if (code != MPI_SUCCESS) throw std::runtime_error(std::string("MPI: ") + what + " failed (code " + std::to_string(code) + ")");
}
#endif

}  // namespace

RankSync& RankSync::world() {
  static RankSync sync;
  return sync;
}

bool RankSync::built_with_mpi() {
#ifdef WVP_MPI
  return true;
#else
  return false;
#endif
}

namespace {

// A count from the launcher's environment variable `name`; 0 if unset or not a count.
uint64_t count_from_env(const char* name) {
  const char* value = std::getenv(name);
  if (!value || !*value) return 0;
  uint64_t n = 0;
  for (const char* c = value; *c; ++c) {
    if (!std::isdigit(static_cast<unsigned char>(*c)) || n > 1'000'000) return 0;
    n = n * 10 + static_cast<uint64_t>(*c - '0');
  }
  return n;
}

}  // namespace

uint64_t RankSync::launched_ranks() {
  for (const char* name : {"OMPI_COMM_WORLD_SIZE", "PMI_SIZE", "PMIX_SIZE"})
    if (const uint64_t n = count_from_env(name)) return n;
  return 1;
}

uint32_t RankSync::local_ranks() {
  const uint64_t n = count_from_env("OMPI_COMM_WORLD_LOCAL_SIZE");
  return n ? static_cast<uint32_t>(n) : 1;
}

void RankSync::init(int& argc, char**& argv) {
#ifdef WVP_MPI
  if (launched_ranks() > 1) {
    check(MPI_Init(&argc, &argv), "MPI_Init");
    mpi_started = true;
    RankSync& w = world();
    MPI_Comm_rank(MPI_COMM_WORLD, &w.rank_);
    MPI_Comm_size(MPI_COMM_WORLD, &w.ranks_);
  }
#else
  (void)argc, (void)argv;
#endif
}

void RankSync::finalize() {
#ifdef WVP_MPI
  if (mpi_started) MPI_Finalize();
#endif
  mpi_started = false;
}

RankSync::Together RankSync::exchange(const std::vector<std::vector<uint8_t>>& out, std::vector<std::vector<uint8_t>>& in,
                                      bool finished, bool still) {
  ++windows_;
  in.assign(static_cast<size_t>(ranks_), {});
  bool sent = false;
  for (const auto& bytes : out) sent = sent || !bytes.empty();
  Together together{finished, still && !sent};
  if (ranks_ == 1) return together;
#ifdef WVP_MPI
  const auto began = std::chrono::steady_clock::now();
  // Sizes first, with the sender's two flags in the top bits, then the payloads.
  constexpr uint64_t kFinished = uint64_t{1} << 63, kStill = uint64_t{1} << 62, kSizeMask = kStill - 1;
  std::vector<uint64_t> sizes_out(static_cast<size_t>(ranks_)), sizes_in(static_cast<size_t>(ranks_));
  for (int r = 0; r < ranks_; ++r) sizes_out[r] = out[r].size() | (finished ? kFinished : 0) | (still ? kStill : 0);
  check(MPI_Alltoall(sizes_out.data(), 1, MPI_UINT64_T, sizes_in.data(), 1, MPI_UINT64_T, MPI_COMM_WORLD), "MPI_Alltoall");
  std::vector<MPI_Request> requests;
  requests.reserve(2 * static_cast<size_t>(ranks_));
  for (int r = 0; r < ranks_; ++r) {
    if (r == rank_) continue;
    together.all_finished = together.all_finished && (sizes_in[r] & kFinished);
    together.all_still = together.all_still && (sizes_in[r] & kStill);
    const uint64_t size = sizes_in[r] & kSizeMask;
    if (size) {
      together.all_still = false;
      in[r].resize(size);
      requests.emplace_back();
      check(MPI_Irecv(in[r].data(), static_cast<int>(size), MPI_BYTE, r, 0, MPI_COMM_WORLD, &requests.back()), "MPI_Irecv");
    }
    if (!out[r].empty()) {
      requests.emplace_back();
      check(MPI_Isend(out[r].data(), static_cast<int>(out[r].size()), MPI_BYTE, r, 0, MPI_COMM_WORLD, &requests.back()),
            "MPI_Isend");
      ++messages_;
      bytes_ += out[r].size();
    }
  }
  check(MPI_Waitall(static_cast<int>(requests.size()), requests.data(), MPI_STATUSES_IGNORE), "MPI_Waitall");
  exchange_seconds_ += std::chrono::duration<double>(std::chrono::steady_clock::now() - began).count();
  return together;
#else
  return together;
#endif
}

#ifdef WVP_MPI
namespace {

uint64_t all_reduce(uint64_t value, MPI_Op op) {
  uint64_t result = 0;
  check(MPI_Allreduce(&value, &result, 1, MPI_UINT64_T, op, MPI_COMM_WORLD), "MPI_Allreduce");
  return result;
}

}  // namespace
#endif

uint64_t RankSync::max(uint64_t value) {
#ifdef WVP_MPI
  if (ranks_ > 1) return all_reduce(value, MPI_MAX);
#endif
  return value;
}

uint64_t RankSync::sum(uint64_t value) {
#ifdef WVP_MPI
  if (ranks_ > 1) return all_reduce(value, MPI_SUM);
#endif
  return value;
}

void RankSync::abort(int code) {
#ifdef WVP_MPI
  if (mpi_started) MPI_Abort(MPI_COMM_WORLD, code);
#endif
  std::_Exit(code);
}

std::vector<std::string> RankSync::gather(const std::string& text) {
  if (ranks_ == 1) return {text};
#ifdef WVP_MPI
  int size = static_cast<int>(text.size());
  std::vector<int> sizes(static_cast<size_t>(ranks_)), offsets(static_cast<size_t>(ranks_));
  check(MPI_Gather(&size, 1, MPI_INT, sizes.data(), 1, MPI_INT, 0, MPI_COMM_WORLD), "MPI_Gather");
  std::string all;
  if (rank_ == 0) {
    int at = 0;
    for (int r = 0; r < ranks_; ++r) offsets[r] = at, at += sizes[r];
    all.resize(static_cast<size_t>(at));
  }
  check(MPI_Gatherv(text.data(), size, MPI_CHAR, all.data(), sizes.data(), offsets.data(), MPI_CHAR, 0, MPI_COMM_WORLD),
        "MPI_Gatherv");
  if (rank_ != 0) return {};
  std::vector<std::string> texts;
  for (int r = 0; r < ranks_; ++r) texts.push_back(all.substr(static_cast<size_t>(offsets[r]), static_cast<size_t>(sizes[r])));
  return texts;
#else
  return {text};
#endif
}

}  // namespace wvp
