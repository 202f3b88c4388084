// std::vector storage aligned to a 64-byte cache line. The AVX-512 kernels load and store whole
// 64-byte vectors: on plain malloc'ed (16-byte aligned) arrays every such access straddles two
// cache lines, which costs a second load/store slot each time (measured: most of the gap between
// our FFT and the arithmetic bound). Aligning every Fourier array also keeps re[] and im[] of one
// polynomial at distinct offsets modulo 4 KiB only by their size, never by malloc's accidents.
#pragma once

#include <cstddef>
#include <new>
#include <vector>

namespace fheq::tfhe {

inline constexpr size_t kCacheLineBytes = 64;

template <typename T>
struct CacheAlignedAllocator {
  using value_type = T;
  CacheAlignedAllocator() noexcept = default;
  template <typename U>
  CacheAlignedAllocator(const CacheAlignedAllocator<U>&) noexcept {}
  T* allocate(size_t count) {
    return static_cast<T*>(::operator new(count * sizeof(T), std::align_val_t{kCacheLineBytes}));
  }
  void deallocate(T* p, size_t count) noexcept {
    ::operator delete(p, count * sizeof(T), std::align_val_t{kCacheLineBytes});
  }
  template <typename U>
  bool operator==(const CacheAlignedAllocator<U>&) const noexcept {
    return true;
  }
};

template <typename T>
using AlignedVector = std::vector<T, CacheAlignedAllocator<T>>;

}  // namespace fheq::tfhe
