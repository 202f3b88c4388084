// A progress bar on stderr for long loops; silent when stderr is not a terminal
// unless forced, and silent for work that finishes within a second.
#pragma once

#include <atomic>
#include <chrono>
#include <cstddef>
#include <mutex>
#include <string>

namespace fheq::core {

class Progress {
 public:
  Progress(std::string label, size_t total);
  ~Progress();
  void advance(size_t n = 1);  // thread-safe
  void finish();

 private:
  void draw(size_t done);
  std::string label_;
  size_t total_;
  std::atomic<size_t> done_{0};
  std::chrono::steady_clock::time_point start_;
  std::chrono::steady_clock::time_point last_draw_;
  std::mutex mutex_;
  bool enabled_;
  bool drawn_ = false;
  bool finished_ = false;
};

}  // namespace fheq::core
