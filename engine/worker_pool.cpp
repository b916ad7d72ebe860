#include "engine/worker_pool.h"

#include <stdexcept>

namespace wvp {

WorkerPool::WorkerPool(unsigned threads)
    : threads_(threads ? threads : throw std::invalid_argument("worker pool: at least one thread")),
      start_(threads),
      done_(threads) {
  workers_.reserve(threads - 1);
  for (unsigned i = 1; i < threads; ++i) workers_.emplace_back([this] { worker(); });
}

WorkerPool::~WorkerPool() {
  stop_ = true;
  start_.arrive_and_wait();
  for (std::thread& t : workers_) t.join();
}

void WorkerPool::for_each(size_t count, const std::function<void(size_t)>& task) {
  if (threads_ == 1) {
    for (size_t i = 0; i < count; ++i) task(i);
    return;
  }
  task_ = &task;
  count_ = count;
  next_.store(0, std::memory_order_relaxed);
  error_ = nullptr;
  // The barriers order the writes above before the workers' reads, and theirs before ours.
  start_.arrive_and_wait();
  work();
  done_.arrive_and_wait();
  task_ = nullptr;
  if (error_) std::rethrow_exception(std::exchange(error_, nullptr));
}

void WorkerPool::work() {
  for (size_t i; (i = next_.fetch_add(1, std::memory_order_relaxed)) < count_;) {
    try {
      (*task_)(i);
    } catch (...) {
      const std::lock_guard<std::mutex> lock(error_mutex_);
      if (!error_ || i < error_index_) error_ = std::current_exception(), error_index_ = i;
    }
  }
}

void WorkerPool::worker() {
  for (;;) {
    start_.arrive_and_wait();
    if (stop_) return;
    work();
    done_.arrive_and_wait();
  }
}

}  // namespace wvp
