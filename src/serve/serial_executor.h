// Runs jobs one at a time on one long-lived thread; run() blocks the caller until its job is done. The server
// evaluates every inference here rather than on the connection's thread: measured on the demo model, an
// evaluation called from a fresh thread runs ~10 % slower than from a warm one (cold allocator arena and
// thread-local scratch), and httplib hands requests to whichever of its threads is free.
#pragma once

#include <condition_variable>
#include <deque>
#include <exception>
#include <functional>
#include <mutex>
#include <thread>

namespace fheq::serve {

class SerialExecutor {
 public:
  SerialExecutor() : thread_([this] { loop(); }) {}
  ~SerialExecutor() {
    {
      std::lock_guard lock(mutex_);
      stopping_ = true;
    }
    wake_.notify_all();
    thread_.join();
  }
  SerialExecutor(const SerialExecutor&) = delete;
  SerialExecutor& operator=(const SerialExecutor&) = delete;

  // Runs `job` on the executor's thread; rethrows what it threw.
  void run(const std::function<void()>& job) {
    Task task{&job, false, nullptr};
    {
      std::lock_guard lock(mutex_);
      queue_.push_back(&task);
    }
    wake_.notify_all();
    std::unique_lock lock(mutex_);
    done_.wait(lock, [&] { return task.finished; });
    if (task.error) std::rethrow_exception(task.error);
  }

 private:
  struct Task {
    const std::function<void()>* job;
    bool finished = false;
    std::exception_ptr error;
  };

  void loop() {
    std::unique_lock lock(mutex_);
    for (;;) {
      wake_.wait(lock, [&] { return stopping_ || !queue_.empty(); });
      if (queue_.empty()) return;  // stopping, nothing left
      Task* task = queue_.front();
      queue_.pop_front();
      lock.unlock();
      try {
        (*task->job)();
      } catch (...) {
        task->error = std::current_exception();
      }
      lock.lock();
      task->finished = true;
      done_.notify_all();
    }
  }

  std::mutex mutex_;
  std::condition_variable wake_, done_;
  std::deque<Task*> queue_;
  bool stopping_ = false;
  std::thread thread_;  // last: started after the members it uses
};

}  // namespace fheq::serve
