// Internal interface of the N/2-point complex FFT kernels behind NegacyclicFft (not public API).
#pragma once

#include <cstddef>
#include <cstdint>
#include <memory>

namespace fheq::tfhe::detail {

// One product a ⊙ b of a sum in the Fourier domain (split re/im arrays of m values each).
struct FourierTerm {
  const double *a_re, *a_im, *b_re, *b_im;
};

// The input of one forward transform of the blind rotation's external product: digit
// `digit_index` (0 = most significant) of the signed gadget decomposition (Decomposer, base 2^base_log,
// `level` digits) of X^power·p − p in Z_{2^64}[X]/(X^N + 1), power ∈ [0, 2N).
struct RotatedDigitInput {
  const uint64_t* polynomial;  // p, N coefficients
  size_t power;
  unsigned base_log, level, digit_index;
};

// Memory the blind rotation will need soon (the next GGSW of the bootstrap key), fetched
// prefetch_lines cache lines at a time by the main loops of this thread's transforms (PrefetchCursor),
// so that the key arrives in L2 while the current CMUX computes instead of being waited for when its
// inverse transforms read it (measured on TFHERS_M2C2, same code otherwise: PBS 11.6 → 10.3 ms CPU).
// One burst of software prefetches per CMUX stalls the core (round 1 measured it slower than none),
// so they are spread over the loop iterations. `ticks` counts loop iterations, for the caller to
// spread one GGSW over one CMUX.
struct PrefetchQueue {
  static constexpr size_t kMaxRanges = 128;
  const char* begin[kMaxRanges];
  const char* end[kMaxRanges];
  size_t count = 0, range = 0, ticks = 0;
  const char* cursor = nullptr;
  void clear() { count = range = ticks = 0, cursor = nullptr; }
  void add(const void* data, size_t bytes) {
    if (count == kMaxRanges) return;
    begin[count] = static_cast<const char*>(data);
    end[count] = begin[count] + bytes;
    if (count++ == 0) cursor = begin[0];
  }
};
inline thread_local PrefetchQueue prefetch_queue;
inline thread_local size_t prefetch_lines = 4;  // per tick; blind_rotate_assign sets it from `ticks`

// A transform loop's view of this thread's PrefetchQueue: the position is held in registers while the
// loop runs (one thread-local access per loop, not per iteration) and written back at the end.
class PrefetchCursor {
 public:
  PrefetchCursor()
      : queue_(&prefetch_queue),
        cursor_(queue_->cursor),
        end_(queue_->range < queue_->count ? queue_->end[queue_->range] : queue_->cursor),
        lines_(queue_->range < queue_->count ? prefetch_lines : 0) {}
  ~PrefetchCursor() {
    queue_->cursor = cursor_;
    queue_->ticks += ticks_;
  }
  PrefetchCursor(const PrefetchCursor&) = delete;
  PrefetchCursor& operator=(const PrefetchCursor&) = delete;

  // Whether there is anything left to prefetch.
  bool active() const { return lines_ > 0; }
  // Prefetches the next prefetch_lines cache lines of the queue into L2 (nothing once it is exhausted).
  void tick() {
    ++ticks_;
    for (size_t l = 0; l < lines_; ++l) {
      if (cursor_ >= end_ && !next_range()) return;
      __builtin_prefetch(cursor_, 0, 2);
      cursor_ += 64;
    }
  }

 private:
  // Out of line and cold: called once per key polynomial, it would otherwise bloat every
  // transform loop (and GCC's inlining decisions for the kernel with it).
  __attribute__((noinline, cold)) bool next_range() {
    if (++queue_->range >= queue_->count) {
      lines_ = 0;  // exhausted: later ticks cost one comparison
      return false;
    }
    cursor_ = queue_->begin[queue_->range];
    end_ = queue_->end[queue_->range];
    return true;
  }
  PrefetchQueue* queue_;
  const char* cursor_;
  const char* end_;
  size_t lines_;
  size_t ticks_ = 0;
};

// An in-place complex FFT of size m on split arrays (re[], im[]).
//   forward:  natural-order input → F_j at position fourier_position(bitreverse(j), 2m) (fft.h),
//             F_j = Σ_k x_k e^{-2πi jk/m}
//   backward: input in that layout → natural-order output, x_k = Σ_j F_j e^{+2πi jk/m} (NOT divided by m)
// Implementations must be safe to call from many threads at once.
class ComplexFftKernel {
 public:
  virtual ~ComplexFftKernel() = default;
  virtual void forward(double* re, double* im) const = 0;
  virtual void backward(double* re, double* im) const = 0;

  // The whole negacyclic forward transform of fft.cc: fold + twist (twist_* = ψ^k), then forward().
  // Kernels may override it to fuse the twist into their first pass; results must stay within the
  // same error bound.
  virtual void forward_negacyclic(const int64_t* a, const double* twist_re, const double* twist_im, double* re,
                                  double* im) const;
  // forward_negacyclic of the digit polynomial described by `input`. The default materialises the
  // rotation and the decomposition in scratch; kernels may compute them as their first pass loads
  // its input. Results must be bit-identical to the default (same digits, same transform).
  virtual void forward_negacyclic_rotated_digit(const RotatedDigitInput& input, const double* twist_re,
                                                const double* twist_im, double* re, double* im) const;
  // forward_negacyclic_rotated_digit for every digit j < input.level (input.digit_index is ignored),
  // digit j into (re[j], im[j]). The default calls it once per digit; kernels may compute the rotation
  // and the decomposition once for all digits. Results must be bit-identical to the per-digit calls.
  virtual void forward_negacyclic_rotated_digits(const RotatedDigitInput& input, const double* twist_re,
                                                 const double* twist_im, double* const* re, double* const* im) const;
  // The whole inverse: copy `in` to scratch, backward(), untwist (untwist_* = ψ^{-k}/M), unfold and
  // round mod 2^64 into out (written, or added when `accumulate`).
  virtual void backward_negacyclic(const double* in_re, const double* in_im, const double* untwist_re,
                                   const double* untwist_im, uint64_t* out, bool accumulate) const;
  // The same inverse applied to Σ_t a_t ⊙ b_t (pointwise complex products of `count` pairs of
  // Fourier arrays). The default computes the sum into scratch; kernels may fuse it into their first pass.
  virtual void backward_negacyclic_sum(const FourierTerm* terms, size_t count, const double* untwist_re,
                                       const double* untwist_im, uint64_t* out, bool accumulate) const;

 protected:
  explicit ComplexFftKernel(size_t m) : m_(m) {}
  size_t m_;
};

std::unique_ptr<ComplexFftKernel> make_native_fft_kernel(size_t m);
std::unique_ptr<ComplexFftKernel> make_fftw_fft_kernel(size_t m);

// Bit reversal of i over `bits` bits.
inline size_t bit_reverse(size_t i, unsigned bits) {
  size_t r = 0;
  for (unsigned b = 0; b < bits; ++b) r |= ((i >> b) & 1u) << (bits - 1 - b);
  return r;
}

}  // namespace fheq::tfhe::detail
