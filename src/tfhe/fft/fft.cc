// Negacyclic product in Z[X]/(X^N + 1) through an N/2-point complex FFT.
//
// Over C, X^N + 1 = (X^(N/2) − i)(X^(N/2) + i), and the second factor is the conjugate of the first,
// so a real polynomial is determined by its residue mod X^(N/2) − i:
//   a(X) mod (X^(N/2) − i) = Σ_{k<N/2} (a_k + i·a_{k+N/2}) X^k          ("folding").
// Substituting X = ψ·Y with ψ = e^{iπ/N} (ψ^(N/2) = i) turns X^(N/2) − i into i·(Y^(N/2) − 1), a
// cyclic convolution of length M = N/2: c_k = (a_k + i·a_{k+M})·ψ^k ("twist"), then an M-point FFT.
// The inverse untwists by ψ^{-k}/M and unfolds: real part → coefficient k, imaginary → k + M.
#include "tfhe/fft/fft.h"

#include <cmath>
#include <cstdlib>
#include <map>
#include <mutex>
#include <numbers>
#include <string>
#include <vector>

#include "core/check.h"
#include "tfhe/commons/decomposition.h"
#include "tfhe/commons/torus_convert.h"
#include "tfhe/fft/fft_kernel.h"


namespace fheq::tfhe {

namespace {

// Scratch for backward transforms (the input FourierPolynomial is const): one per thread.
double* scratch(size_t m) {
  thread_local AlignedVector<double> buffer;
  if (buffer.size() < 2 * m) buffer.resize(2 * m);
  return buffer.data();
}

}  // namespace

namespace detail {

void ComplexFftKernel::forward_negacyclic(const int64_t* a, const double* twist_re, const double* twist_im,
                                          double* re, double* im) const {
  // Fold + twist: (a_k + i·a_{k+M})·ψ^k, then the forward FFT in place.
  const size_t m = m_;
  for (size_t k = 0; k < m; ++k) {
    const double x = static_cast<double>(a[k]), y = static_cast<double>(a[k + m]);
    re[k] = x * twist_re[k] - y * twist_im[k];
    im[k] = x * twist_im[k] + y * twist_re[k];
  }
  forward(re, im);
}

void ComplexFftKernel::forward_negacyclic_rotated_digit(const RotatedDigitInput& input, const double* twist_re,
                                                        const double* twist_im, double* re, double* im) const {
  // X^power·p − p coefficient by coefficient (X^N = −1), then all digits, then one transform.
  const size_t n = 2 * m_, level = input.level;
  thread_local AlignedVector<uint64_t> rotated;
  thread_local AlignedVector<int64_t> digits;
  if (rotated.size() < n) rotated.resize(n);
  if (digits.size() < level * n) digits.resize(level * n);
  const uint64_t* p = input.polynomial;
  for (size_t c = 0; c < n; ++c) {
    const size_t source = (c + 2 * n - input.power) % (2 * n);  // X^power moves coefficient source to c
    const uint64_t moved = source < n ? p[source] : uint64_t{0} - p[source - n];
    rotated[c] = moved - p[c];
  }
  const Decomposer decomposer{DecompositionBaseLog{input.base_log}, DecompositionLevelCount{level}};
  decomposer.decompose_polynomial(rotated.data(), n, digits.data());
  forward_negacyclic(digits.data() + input.digit_index * n, twist_re, twist_im, re, im);
}

void ComplexFftKernel::forward_negacyclic_rotated_digits(const RotatedDigitInput& input, const double* twist_re,
                                                         const double* twist_im, double* const* re,
                                                         double* const* im) const {
  for (unsigned j = 0; j < input.level; ++j) {
    RotatedDigitInput digit = input;
    digit.digit_index = j;
    forward_negacyclic_rotated_digit(digit, twist_re, twist_im, re[j], im[j]);
  }
}

void ComplexFftKernel::backward_negacyclic(const double* in_re, const double* in_im, const double* untwist_re,
                                           const double* untwist_im, uint64_t* out, bool accumulate) const {
  // Inverse FFT, untwist (with the 1/M normalisation), unfold, round mod 2^64.
  const size_t m = m_;
  double* re = scratch(m);
  double* im = re + m;
  std::copy(in_re, in_re + m, re);
  std::copy(in_im, in_im + m, im);
  backward(re, im);
  for (size_t k = 0; k < m; ++k) {
    const double x = re[k], y = im[k];
    re[k] = x * untwist_re[k] - y * untwist_im[k];
    im[k] = x * untwist_im[k] + y * untwist_re[k];
  }
  if (accumulate) {
    round_add_to_torus(re, out, m);
    round_add_to_torus(im, out + m, m);
  } else {
    round_to_torus(re, out, m);
    round_to_torus(im, out + m, m);
  }
}

void ComplexFftKernel::backward_negacyclic_sum(const FourierTerm* terms, size_t count, const double* untwist_re,
                                               const double* untwist_im, uint64_t* out, bool accumulate) const {
  const size_t m = m_;
  thread_local AlignedVector<double> sum;
  if (sum.size() < 2 * m) sum.resize(2 * m);
  double* __restrict re = sum.data();
  double* __restrict im = re + m;
  std::fill(re, re + 2 * m, 0.0);
  for (size_t t = 0; t < count; ++t) {
    const FourierTerm& term = terms[t];
    for (size_t k = 0; k < m; ++k) {
      re[k] += term.a_re[k] * term.b_re[k] - term.a_im[k] * term.b_im[k];
      im[k] += term.a_re[k] * term.b_im[k] + term.a_im[k] * term.b_re[k];
    }
  }
  backward_negacyclic(re, im, untwist_re, untwist_im, out, accumulate);
}

}  // namespace detail

const char* fft_backend_name(FftBackend backend) { return backend == FftBackend::kFftw ? "fftw" : "native"; }

FftBackend default_fft_backend() {
  const char* env = std::getenv("FHEQ_FFT");
  if (env == nullptr || *env == '\0') return FftBackend::kNative;
  const std::string name(env);
  if (name == "native") return FftBackend::kNative;
  if (name == "fftw") return FftBackend::kFftw;
  FHEQ_THROW("environment variable FHEQ_FFT = '", name, "': expected 'native' or 'fftw'");
}

struct NegacyclicFft::Impl {
  FftBackend backend;
  size_t m;
  AlignedVector<double> twist_re, twist_im;      // ψ^k
  AlignedVector<double> untwist_re, untwist_im;  // ψ^{-k} / M
  std::unique_ptr<detail::ComplexFftKernel> kernel;

  Impl(size_t n, FftBackend b) : backend(b), m(n / 2), twist_re(m), twist_im(m), untwist_re(m), untwist_im(m) {
    for (size_t k = 0; k < m; ++k) {
      const long double angle = std::numbers::pi_v<long double> * static_cast<long double>(k) / static_cast<long double>(n);
      const long double c = std::cos(angle), s = std::sin(angle);
      twist_re[k] = static_cast<double>(c);
      twist_im[k] = static_cast<double>(s);
      untwist_re[k] = static_cast<double>(c / static_cast<long double>(m));
      untwist_im[k] = static_cast<double>(-s / static_cast<long double>(m));
    }
    kernel = b == FftBackend::kFftw ? detail::make_fftw_fft_kernel(m) : detail::make_native_fft_kernel(m);
  }

  void forward(const int64_t* a, FourierPolynomial& out) const {
    FHEQ_CHECK(out.polynomial_size() == 2 * m, "FourierPolynomial of size ", out.polynomial_size(), ", plan is ", 2 * m);
    kernel->forward_negacyclic(a, twist_re.data(), twist_im.data(), out.re.data(), out.im.data());
  }

  template <bool accumulate>
  void backward(const FourierPolynomial& in, uint64_t* out) const {
    FHEQ_CHECK(in.polynomial_size() == 2 * m, "FourierPolynomial of size ", in.polynomial_size(), ", plan is ", 2 * m);
    kernel->backward_negacyclic(in.re.data(), in.im.data(), untwist_re.data(), untwist_im.data(), out, accumulate);
  }
};

NegacyclicFft::NegacyclicFft(size_t polynomial_size) : NegacyclicFft(polynomial_size, default_fft_backend()) {}

NegacyclicFft::NegacyclicFft(size_t polynomial_size, FftBackend backend) : n_(polynomial_size) {
  FHEQ_REQUIRE(polynomial_size >= 16 && polynomial_size <= (size_t{1} << 20) &&
                   (polynomial_size & (polynomial_size - 1)) == 0,
               "FFT: polynomial size N = ", polynomial_size, " must be a power of two in [16, 2^20]");
  impl_ = std::make_unique<Impl>(polynomial_size, backend);
}

NegacyclicFft::~NegacyclicFft() = default;
NegacyclicFft::NegacyclicFft(NegacyclicFft&&) noexcept = default;

FftBackend NegacyclicFft::backend() const { return impl_->backend; }

void NegacyclicFft::forward_i64(const int64_t* coefficients, FourierPolynomial& out) const {
  impl_->forward(coefficients, out);
}

void NegacyclicFft::forward_torus(const uint64_t* coefficients, FourierPolynomial& out) const {
  // Same bits read as signed: the centred representative in [-2^63, 2^63) keeps magnitudes (and so
  // the absolute rounding error) smallest.
  impl_->forward(reinterpret_cast<const int64_t*>(coefficients), out);
}

void NegacyclicFft::forward_rotated_digit(const uint64_t* polynomial, size_t power, unsigned base_log, unsigned level,
                                          unsigned digit_index, FourierPolynomial& out) const {
  const size_t m = impl_->m;
  FHEQ_CHECK(out.polynomial_size() == 2 * m, "FourierPolynomial of size ", out.polynomial_size(), ", plan is ", 2 * m);
  FHEQ_CHECK(power < 4 * m && base_log >= 1 && base_log <= 63 && level >= 1 && base_log * level <= 64 &&
                 digit_index < level,
             "forward_rotated_digit: power ", power, ", base_log ", base_log, ", level ", level, ", digit ", digit_index);
  impl_->kernel->forward_negacyclic_rotated_digit({polynomial, power, base_log, level, digit_index},
                                                  impl_->twist_re.data(), impl_->twist_im.data(), out.re.data(),
                                                  out.im.data());
}

void NegacyclicFft::forward_rotated_digits(const uint64_t* polynomial, size_t power, unsigned base_log,
                                           unsigned level, FourierPolynomial* const* outs) const {
  const size_t m = impl_->m;
  constexpr unsigned kMaxLevels = 64;
  FHEQ_CHECK(power < 4 * m && base_log >= 1 && base_log <= 63 && level >= 1 && level <= kMaxLevels &&
                 base_log * level <= 64,
             "forward_rotated_digits: power ", power, ", base_log ", base_log, ", level ", level);
  double* re[kMaxLevels];
  double* im[kMaxLevels];
  for (unsigned j = 0; j < level; ++j) {
    FHEQ_CHECK(outs[j]->polynomial_size() == 2 * m, "FourierPolynomial of size ", outs[j]->polynomial_size(),
               ", plan is ", 2 * m);
    re[j] = outs[j]->re.data();
    im[j] = outs[j]->im.data();
  }
  impl_->kernel->forward_negacyclic_rotated_digits({polynomial, power, base_log, level, 0}, impl_->twist_re.data(),
                                                   impl_->twist_im.data(), re, im);
}

void NegacyclicFft::backward_add_torus(const FourierPolynomial& in, uint64_t* acc) const {
  impl_->backward<true>(in, acc);
}

void NegacyclicFft::backward_torus(const FourierPolynomial& in, uint64_t* out) const {
  impl_->backward<false>(in, out);
}

void NegacyclicFft::backward_add_torus_of_products(const FourierPolynomial* const* a, const FourierPolynomial* const* b,
                                                   size_t count, uint64_t* acc) const {
  constexpr size_t kMaxTerms = 64;
  FHEQ_CHECK(count <= kMaxTerms, "backward_add_torus_of_products: ", count, " terms, at most ", kMaxTerms);
  detail::FourierTerm terms[kMaxTerms];
  const size_t m = impl_->m;
  for (size_t t = 0; t < count; ++t) {
    FHEQ_CHECK(a[t]->re.size() == m && b[t]->re.size() == m, "Fourier sizes ", a[t]->re.size(), ", ", b[t]->re.size(),
               ", plan is ", m);
    terms[t] = {a[t]->re.data(), a[t]->im.data(), b[t]->re.data(), b[t]->im.data()};
  }
  impl_->kernel->backward_negacyclic_sum(terms, count, impl_->untwist_re.data(), impl_->untwist_im.data(), acc, true);
}

void NegacyclicFft::multiply_accumulate(FourierPolynomial& acc, const FourierPolynomial& a, const FourierPolynomial& b) {
  FHEQ_CHECK(acc.re.size() == a.re.size() && a.re.size() == b.re.size(), "Fourier sizes ", acc.re.size(), ", ",
             a.re.size(), ", ", b.re.size());
  const size_t m = acc.re.size();
  double* __restrict cr = acc.re.data();
  double* __restrict ci = acc.im.data();
  const double* __restrict ar = a.re.data();
  const double* __restrict ai = a.im.data();
  const double* __restrict br = b.re.data();
  const double* __restrict bi = b.im.data();
  for (size_t k = 0; k < m; ++k) {
    cr[k] += ar[k] * br[k] - ai[k] * bi[k];
    ci[k] += ar[k] * bi[k] + ai[k] * br[k];
  }
}

const NegacyclicFft& fft_for(size_t polynomial_size) { return fft_for(polynomial_size, default_fft_backend()); }

const NegacyclicFft& fft_for(size_t polynomial_size, FftBackend backend) {
  // Plans live until process exit; references stay valid (std::map nodes never move).
  static std::mutex mutex;
  static std::map<std::pair<size_t, FftBackend>, std::unique_ptr<NegacyclicFft>> plans;
  std::lock_guard<std::mutex> lock(mutex);
  auto& plan = plans[{polynomial_size, backend}];
  if (!plan) plan = std::make_unique<NegacyclicFft>(polynomial_size, backend);
  return *plan;
}

}  // namespace fheq::tfhe
