// The last `capacity` request latencies and their quantiles (nearest rank), for GET /metrics.
#pragma once

#include <algorithm>
#include <cmath>
#include <mutex>
#include <vector>

namespace fheq::serve {

class LatencyWindow {
 public:
  explicit LatencyWindow(size_t capacity) : capacity_(capacity) {}
  void add(double ms) {
    std::lock_guard lock(mutex_);
    if (values_.size() < capacity_) {
      values_.push_back(ms);
    } else {
      values_[next_] = ms;
    }
    next_ = (next_ + 1) % capacity_;
  }
  // q ∈ [0, 1]: the smallest latency with at least q of the window at or below it (0 when empty).
  double quantile(double q) const {
    std::vector<double> sorted;
    {
      std::lock_guard lock(mutex_);
      sorted = values_;
    }
    if (sorted.empty()) return 0;
    std::sort(sorted.begin(), sorted.end());
    const auto rank = static_cast<size_t>(std::ceil(q * static_cast<double>(sorted.size())));
    return sorted[std::clamp<size_t>(rank, 1, sorted.size()) - 1];
  }

 private:
  mutable std::mutex mutex_;
  size_t capacity_;
  size_t next_ = 0;
  std::vector<double> values_;
};

}  // namespace fheq::serve
