#include "core/thread_pool.h"

#include <algorithm>
#include <atomic>
#include <exception>

namespace fheq::core {

namespace {
thread_local bool inside_pool_body = false;
}

struct ThreadPool::Job {
  const std::function<void(size_t)>* body;
  std::atomic<size_t> next;
  size_t end;
  std::mutex error_mutex;
  std::exception_ptr error;

  void run() {
    inside_pool_body = true;
    for (size_t i = next++; i < end; i = next++) {
      try {
        (*body)(i);
      } catch (...) {
        std::lock_guard lock(error_mutex);
        if (!error) error = std::current_exception();
        next = end;  // stop handing out work
      }
    }
    inside_pool_body = false;
  }
};

ThreadPool::ThreadPool(size_t threads) {
  if (threads == 0) threads = std::max<size_t>(1, std::thread::hardware_concurrency());
  for (size_t i = 1; i < threads; ++i) workers_.emplace_back([this] { worker_loop(); });
}

ThreadPool::~ThreadPool() {
  {
    std::lock_guard lock(mutex_);
    stopping_ = true;
  }
  job_ready_.notify_all();
  for (auto& w : workers_) w.join();
}

void ThreadPool::worker_loop() {
  unsigned long seen = 0;
  for (;;) {
    std::shared_ptr<Job> job;
    {
      std::unique_lock lock(mutex_);
      job_ready_.wait(lock, [&] { return stopping_ || generation_ != seen; });
      if (stopping_) return;
      seen = generation_;
      job = job_;
    }
    job->run();
    {
      std::lock_guard lock(mutex_);
      --busy_workers_;
    }
    job_done_.notify_all();
  }
}

void ThreadPool::parallel_for(size_t begin, size_t end, const std::function<void(size_t)>& body) {
  if (begin >= end) return;
  if (workers_.empty() || end - begin == 1 || inside_pool_body) {
    for (size_t i = begin; i < end; ++i) body(i);
    return;
  }
  std::lock_guard submit(submit_mutex_);
  auto job = std::make_shared<Job>();
  job->body = &body;
  job->next = begin;
  job->end = end;
  {
    std::lock_guard lock(mutex_);
    job_ = job;
    busy_workers_ = workers_.size();
    ++generation_;
  }
  job_ready_.notify_all();
  job->run();
  {
    std::unique_lock lock(mutex_);
    job_done_.wait(lock, [&] { return busy_workers_ == 0; });
    job_.reset();
  }
  if (job->error) std::rethrow_exception(job->error);
}

ThreadPool& default_thread_pool() {
  static ThreadPool pool;
  return pool;
}

}  // namespace fheq::core
