// The processes of a distributed run (MPI ranks, one group of wafers each) and the one way they
// synchronise: conservative windows. Every rank runs its part up to a window's end, then all
// ranks swap what crossed between them in that window; what one rank sends in a window reaches
// the other no earlier than the next, because every crossing takes at least the window's length
// (the lookahead: the shortest latency of the links between ranks). Windows rather than null
// messages: each window costs one collective, the ranks run in lock step anyway on this scale,
// and the termination test rides on the same collective.
//
// Without MPI (a build without it, or a process not started by mpirun) there is one rank and
// nothing is exchanged.
#pragma once
#include <cstdint>
#include <string>
#include <vector>

namespace wvp {

class RankSync {
 public:
  // The processes of this run: MPI_COMM_WORLD after init(), else one.
  static RankSync& world();
  // Starts MPI when the process was started by mpirun with several ranks (a build with MPI).
  // finalize() ends it; both are for main().
  static void init(int& argc, char**& argv);
  static void finalize();
  static bool built_with_mpi();
  // Ranks the launcher says this process has, read from its environment (Open MPI's, PMI's):
  // to refuse a multi-rank launch of a build without MPI. 1 when not launched so.
  static uint64_t launched_ranks();
  // The ranks mpirun started on this host (Open MPI's OMPI_COMM_WORLD_LOCAL_SIZE), which share
  // its cores; 1 when not launched so.
  static uint32_t local_ranks();

  int rank() const { return rank_; }
  int ranks() const { return ranks_; }

  // One window's swap: sends `out[r]` to every rank r (empty ones too), fills `in[r]` with what
  // rank r sent this one, and returns what all ranks said: whether they have `finished` (their
  // cores ended) and are `still` (would not act again unless another rank sent them something).
  struct Together {
    bool all_finished = false;
    bool all_still = false;  // and nothing was sent in this window
  };
  Together exchange(const std::vector<std::vector<uint8_t>>& out, std::vector<std::vector<uint8_t>>& in, bool finished,
                    bool still);
  // The largest of every rank's `value`, and their sum (every rank gets it).
  uint64_t max(uint64_t value);
  uint64_t sum(uint64_t value);
  // Ends every rank with `code` (MPI_Abort): for an error on one rank while the others wait in a
  // window, which they would do for ever.
  [[noreturn]] void abort(int code);
  // Every rank's `text`, in rank order, on rank 0 (empty elsewhere).
  std::vector<std::string> gather(const std::string& text);

  // Point-to-point messages and payload bytes this rank sent in exchanges.
  uint64_t messages() const { return messages_; }
  uint64_t bytes() const { return bytes_; }
  uint64_t windows() const { return windows_; }
  // Host seconds spent in exchange(): waiting for the slowest rank, and the messages themselves.
  double exchange_seconds() const { return exchange_seconds_; }

 private:
  int rank_ = 0, ranks_ = 1;
  uint64_t messages_ = 0, bytes_ = 0, windows_ = 0;
  double exchange_seconds_ = 0;
};

}  // namespace wvp
