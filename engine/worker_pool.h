// Host threads for the work of one quantum round: the caller and threads() - 1 workers take
// the indices of a task in turn until none is left. The workers block between calls, so a
// pool costs nothing while the simulation runs serially.
#pragma once
#include <atomic>
#include <barrier>
#include <cstddef>
#include <exception>
#include <functional>
#include <mutex>
#include <thread>
#include <utility>
#include <vector>

namespace wvp {

class WorkerPool {
 public:
  // Throws std::invalid_argument for zero threads.
  explicit WorkerPool(unsigned threads);
  ~WorkerPool();
  WorkerPool(const WorkerPool&) = delete;
  WorkerPool& operator=(const WorkerPool&) = delete;

  unsigned threads() const { return threads_; }

  // Calls task(i) once for every i in [0, count), on any of the threads, and returns when all
  // calls have. If calls throw, the exception of the lowest index is rethrown, so that which
  // error a run reports does not depend on the threads' timing.
  void for_each(size_t count, const std::function<void(size_t)>& task);

 private:
  void work();  // takes indices until none is left
  void worker();

  const unsigned threads_;
  std::barrier<> start_, done_;
  std::vector<std::thread> workers_;
  const std::function<void(size_t)>* task_ = nullptr;
  size_t count_ = 0;
  std::atomic<size_t> next_{0};
  bool stop_ = false;
  std::mutex error_mutex_;
  size_t error_index_ = 0;
  std::exception_ptr error_;
};

}  // namespace wvp
