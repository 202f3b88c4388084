// A fixed pool of worker threads with a blocking parallel_for.
#pragma once

#include <cstddef>
#include <functional>
#include <memory>
#include <mutex>
#include <condition_variable>
#include <thread>
#include <vector>

namespace fheq::core {

class ThreadPool {
 public:
  // threads == 0 means std::thread::hardware_concurrency(). The calling thread counts as one.
  explicit ThreadPool(size_t threads = 0);
  ~ThreadPool();
  ThreadPool(const ThreadPool&) = delete;
  ThreadPool& operator=(const ThreadPool&) = delete;

  size_t size() const { return workers_.size() + 1; }

  // Calls body(i) for every i in [begin, end) spread over the pool; returns when all are done.
  // Indices are handed out one at a time, so uneven work balances itself. The first exception
  // thrown by body is rethrown here. A parallel_for called from inside a body runs serially.
  void parallel_for(size_t begin, size_t end, const std::function<void(size_t)>& body);

 private:
  struct Job;
  void worker_loop();

  std::vector<std::thread> workers_;
  std::mutex submit_mutex_;  // one job at a time
  std::mutex mutex_;
  std::condition_variable job_ready_;
  std::condition_variable job_done_;
  std::shared_ptr<Job> job_;
  unsigned long generation_ = 0;
  size_t busy_workers_ = 0;
  bool stopping_ = false;
};

// A process-wide pool sized to the machine, created on first use.
ThreadPool& default_thread_pool();

}  // namespace fheq::core
