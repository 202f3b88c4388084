// Secret material (secret keys, CSPRNG seeds, the bytes of a secret-key file) is overwritten before its memory
// goes back to the allocator, so a later allocation, a core dump or a swapped page does not carry it on.
// explicit_bzero (glibc ≥ 2.25) is not removed by the optimiser the way a memset before free may be.
#pragma once

#include <string.h>

#include <cstddef>
#include <memory>
#include <string>
#include <vector>

namespace fheq::core {

inline void wipe(void* data, size_t size) {
  if (size > 0) ::explicit_bzero(data, size);
}

// The whole capacity, not only the current size: what a shrink left behind is secret too.
inline void wipe(std::string& bytes) {
  bytes.resize(bytes.capacity());
  wipe(bytes.data(), bytes.size());
  bytes.clear();
}

template <typename T>
void wipe(std::vector<T>& values) {
  wipe(values.data(), values.size() * sizeof(T));
}

// Wipes `bytes` (a std::string or std::vector) when the scope ends, on every path out of it, exceptions included.
template <typename Container>
class WipeOnExit {
 public:
  explicit WipeOnExit(Container& bytes) : bytes_(bytes) {}
  ~WipeOnExit() { wipe(bytes_); }
  WipeOnExit(const WipeOnExit&) = delete;
  WipeOnExit& operator=(const WipeOnExit&) = delete;

 private:
  Container& bytes_;
};

// std::allocator that wipes every block it frees (including the old block of a vector that grows).
template <typename T>
struct WipingAllocator {
  using value_type = T;
  WipingAllocator() = default;
  template <typename U>
  WipingAllocator(const WipingAllocator<U>&) noexcept {}  // NOLINT: converting, as allocators are
  T* allocate(size_t n) { return std::allocator<T>{}.allocate(n); }
  void deallocate(T* p, size_t n) noexcept {
    wipe(p, n * sizeof(T));
    std::allocator<T>{}.deallocate(p, n);
  }
  template <typename U>
  bool operator==(const WipingAllocator<U>&) const noexcept { return true; }
};

template <typename T>
using SecretVector = std::vector<T, WipingAllocator<T>>;

}  // namespace fheq::core
