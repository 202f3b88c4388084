// Bounded admission of inference requests: at most `limit` are admitted at once (one evaluates, the others wait
// for it); one more is refused at the door (HTTP 503 + Retry-After) instead of queueing without bound.
#pragma once

#include <cstdint>
#include <mutex>

namespace fheq::serve {

class Admission {
 public:
  explicit Admission(int64_t limit) : limit_(limit) {}
  // true: admitted (call leave() when done).
  bool try_enter() {
    std::lock_guard lock(mutex_);
    if (admitted_ >= limit_) return false;
    ++admitted_;
    return true;
  }
  void leave() {
    std::lock_guard lock(mutex_);
    --admitted_;
  }
  int64_t admitted() const {
    std::lock_guard lock(mutex_);
    return admitted_;
  }

 private:
  mutable std::mutex mutex_;
  int64_t limit_;
  int64_t admitted_ = 0;
};

// leave() on scope exit.
class Admitted {
 public:
  explicit Admitted(Admission& a) : a_(a) {}
  ~Admitted() { a_.leave(); }
  Admitted(const Admitted&) = delete;
  Admitted& operator=(const Admitted&) = delete;

 private:
  Admission& a_;
};

}  // namespace fheq::serve
