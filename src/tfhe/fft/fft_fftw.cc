// FFTW3 backend: the complex FFT of size m by FFTW's planner (FFTW_MEASURE), in our Fourier layout
// (bit-reversed order, split arrays), so both backends are interchangeable.
#include <fftw3.h>

#include <mutex>
#include <vector>

#include "core/check.h"
#include "tfhe/fft/fft.h"
#include "tfhe/fft/fft_kernel.h"

namespace fheq::tfhe::detail {

namespace {

// FFTW's planner is not thread-safe (only fftw_execute* is): every plan creation/destruction
// in the process goes through this lock.
std::mutex& fftw_planner_mutex() {
  static std::mutex mutex;
  return mutex;
}

struct FftwFree {
  void operator()(fftw_complex* p) const { fftw_free(p); }
};
using FftwBuffer = std::unique_ptr<fftw_complex[], FftwFree>;

FftwBuffer allocate(size_t m) {
  auto* p = static_cast<fftw_complex*>(fftw_malloc(sizeof(fftw_complex) * m));
  FHEQ_CHECK(p != nullptr, "fftw_malloc(", m, ") failed");
  return FftwBuffer(p);
}

class FftwFftKernel final : public ComplexFftKernel {
 public:
  explicit FftwFftKernel(size_t m) : ComplexFftKernel(m), bit_reversed_(m) {
    unsigned bits = 0;
    while ((size_t{1} << bits) < m) ++bits;
    // Our layout (fft.h): position i holds F at the bit-reversed index of fourier_position(i) (an involution).
    for (size_t i = 0; i < m; ++i)
      bit_reversed_[i] = static_cast<uint32_t>(bit_reverse(fourier_position(i, 2 * m), bits));
    // In-place plans on fftw_malloc'ed (SIMD-aligned) memory; execution uses per-thread buffers
    // from fftw_malloc too, which satisfies fftw_execute_dft's same-alignment requirement.
    FftwBuffer scratch = allocate(m);
    std::lock_guard<std::mutex> lock(fftw_planner_mutex());
    const int n = static_cast<int>(m);
    forward_ = fftw_plan_dft_1d(n, scratch.get(), scratch.get(), FFTW_FORWARD, FFTW_MEASURE);
    backward_ = fftw_plan_dft_1d(n, scratch.get(), scratch.get(), FFTW_BACKWARD, FFTW_MEASURE);
    FHEQ_CHECK(forward_ != nullptr && backward_ != nullptr, "FFTW could not plan size ", m);
  }
  ~FftwFftKernel() override {
    std::lock_guard<std::mutex> lock(fftw_planner_mutex());
    fftw_destroy_plan(forward_);
    fftw_destroy_plan(backward_);
  }
  FftwFftKernel(const FftwFftKernel&) = delete;
  FftwFftKernel& operator=(const FftwFftKernel&) = delete;

  void forward(double* re, double* im) const override {
    fftw_complex* z = buffer();
    for (size_t k = 0; k < m_; ++k) {
      z[k][0] = re[k];
      z[k][1] = im[k];
    }
    fftw_execute_dft(forward_, z, z);
    for (size_t i = 0; i < m_; ++i) {
      const uint32_t j = bit_reversed_[i];
      re[i] = z[j][0];
      im[i] = z[j][1];
    }
  }

  void backward(double* re, double* im) const override {
    fftw_complex* z = buffer();
    for (size_t i = 0; i < m_; ++i) {
      const uint32_t j = bit_reversed_[i];
      z[j][0] = re[i];
      z[j][1] = im[i];
    }
    fftw_execute_dft(backward_, z, z);
    for (size_t k = 0; k < m_; ++k) {
      re[k] = z[k][0];
      im[k] = z[k][1];
    }
  }

 private:
  // One scratch buffer per thread, grown to the largest size used on that thread.
  fftw_complex* buffer() const {
    thread_local FftwBuffer scratch;
    thread_local size_t capacity = 0;
    if (capacity < m_) {
      scratch = allocate(m_);
      capacity = m_;
    }
    return scratch.get();
  }

  std::vector<uint32_t> bit_reversed_;  // FFTW output index of each position of our layout
  fftw_plan forward_ = nullptr;
  fftw_plan backward_ = nullptr;
};

}  // namespace

std::unique_ptr<ComplexFftKernel> make_fftw_fft_kernel(size_t m) { return std::make_unique<FftwFftKernel>(m); }

}  // namespace fheq::tfhe::detail
