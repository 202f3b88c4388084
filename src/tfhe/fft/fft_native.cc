// Our own radix-2 FFT on split (re/im) arrays: decimation in frequency forward (Gentleman–Sande),
// decimation in time backward (Cooley–Tukey), so neither direction needs a bit-reversal pass
// (the Fourier-domain order is irrelevant to pointwise products; same idea as concrete-fft's
// "unordered" plans). With AVX-512 every butterfly works on 8 doubles; the last three forward
// stages (and first three backward ones), whose butterflies span fewer than 8 elements, run inside
// one 8-lane register with lane permutations.
#include <cmath>
#include <numbers>
#include <vector>

#include "core/check.h"
#include "tfhe/fft/fft_kernel.h"

#if defined(__AVX512F__)
#include <immintrin.h>
// GCC 12 reports a false -Wmaybe-uninitialized inside AVX-512 intrinsic headers (their
// "undefined" pass-through operands, GCC bug 105593); it is not about our code.
#pragma GCC diagnostic ignored "-Wmaybe-uninitialized"
#endif

namespace fheq::tfhe::detail {

namespace {

class NativeFftKernel final : public ComplexFftKernel {
 public:
  explicit NativeFftKernel(size_t m) : m_(m), tw_re_(m), tw_im_(m) {
    FHEQ_CHECK(m >= 2 && (m & (m - 1)) == 0, "FFT size ", m, " is not a power of two");
    // Stage with half-span h uses w_h^j = e^{-iπj/h}, j < h, stored at index h + j (Σ h = m − 1).
    // Computed in long double so every twiddle is correctly rounded to double.
    for (size_t h = 1; h < m; h *= 2) {
      for (size_t j = 0; j < h; ++j) {
        const long double angle = -std::numbers::pi_v<long double> * static_cast<long double>(j) / static_cast<long double>(h);
        tw_re_[h + j] = static_cast<double>(std::cos(angle));
        tw_im_[h + j] = static_cast<double>(std::sin(angle));
      }
    }
#if defined(__AVX512F__)
    // In-register stages h = 4, 2, 1 on a block of 8 lanes: lane l pairs with l ^ h; the low lane of
    // a pair (l & h == 0) keeps the sum, the high one gets the difference times w_h^(l & (h-1)).
    for (int s = 0; s < 3; ++s) {
      const size_t h = size_t{4} >> s;
      for (size_t l = 0; l < 8; ++l) {
        const bool low = (l & h) == 0;
        small_perm_[s][l] = static_cast<long long>(l ^ h);
        small_sign_[s][l] = low ? 1.0 : -1.0;
        small_w_re_[s][l] = low ? 1.0 : tw_re_[h + (l & (h - 1))];
        small_w_im_[s][l] = low ? 0.0 : tw_im_[h + (l & (h - 1))];
      }
    }
#endif
  }

  void forward(double* re, double* im) const override {
#if defined(__AVX512F__)
    if (m_ >= 16) return forward_avx512(re, im);
#endif
    forward_scalar(re, im);
  }
  void backward(double* re, double* im) const override {
#if defined(__AVX512F__)
    if (m_ >= 16) return backward_avx512(re, im);
#endif
    backward_scalar(re, im);
  }

 private:
  void forward_scalar(double* re, double* im) const {
    for (size_t h = m_ / 2; h >= 1; h /= 2) {
      for (size_t b = 0; b < m_; b += 2 * h) {
        for (size_t j = 0; j < h; ++j) {
          const double ur = re[b + j], ui = im[b + j], vr = re[b + j + h], vi = im[b + j + h];
          const double dr = ur - vr, di = ui - vi, cr = tw_re_[h + j], ci = tw_im_[h + j];
          re[b + j] = ur + vr;
          im[b + j] = ui + vi;
          re[b + j + h] = dr * cr - di * ci;
          im[b + j + h] = dr * ci + di * cr;
        }
      }
    }
  }

  void backward_scalar(double* re, double* im) const {
    for (size_t h = 1; h < m_; h *= 2) {
      for (size_t b = 0; b < m_; b += 2 * h) {
        for (size_t j = 0; j < h; ++j) {
          const double cr = tw_re_[h + j], ci = tw_im_[h + j];
          const double xr = re[b + j + h], xi = im[b + j + h];
          const double vr = xr * cr + xi * ci, vi = xi * cr - xr * ci;  // v · conj(w)
          const double ur = re[b + j], ui = im[b + j];
          re[b + j] = ur + vr;
          im[b + j] = ui + vi;
          re[b + j + h] = ur - vr;
          im[b + j + h] = ui - vi;
        }
      }
    }
  }

#if defined(__AVX512F__)
  void forward_avx512(double* re, double* im) const {
    for (size_t h = m_ / 2; h >= 8; h /= 2) {
      const double* wr = tw_re_.data() + h;
      const double* wi = tw_im_.data() + h;
      for (size_t b = 0; b < m_; b += 2 * h) {
        double* r0 = re + b;
        double* i0 = im + b;
        double* r1 = r0 + h;
        double* i1 = i0 + h;
        for (size_t j = 0; j < h; j += 8) {
          const __m512d ur = _mm512_loadu_pd(r0 + j), ui = _mm512_loadu_pd(i0 + j);
          const __m512d vr = _mm512_loadu_pd(r1 + j), vi = _mm512_loadu_pd(i1 + j);
          const __m512d cr = _mm512_loadu_pd(wr + j), ci = _mm512_loadu_pd(wi + j);
          const __m512d dr = _mm512_sub_pd(ur, vr), di = _mm512_sub_pd(ui, vi);
          _mm512_storeu_pd(r0 + j, _mm512_add_pd(ur, vr));
          _mm512_storeu_pd(i0 + j, _mm512_add_pd(ui, vi));
          _mm512_storeu_pd(r1 + j, _mm512_fmsub_pd(dr, cr, _mm512_mul_pd(di, ci)));
          _mm512_storeu_pd(i1 + j, _mm512_fmadd_pd(dr, ci, _mm512_mul_pd(di, cr)));
        }
      }
    }
    __m512i perm[3];
    __m512d sign[3], wre[3], wim[3];
    load_small_stages(perm, sign, wre, wim);
    for (size_t b = 0; b < m_; b += 8) {
      __m512d zr = _mm512_loadu_pd(re + b), zi = _mm512_loadu_pd(im + b);
      for (int s = 0; s < 3; ++s) {
        // t = partner + sign·self: low lanes u + v, high lanes u − v; then t · W (W = 1 on low lanes).
        const __m512d tr = _mm512_fmadd_pd(sign[s], zr, _mm512_permutexvar_pd(perm[s], zr));
        const __m512d ti = _mm512_fmadd_pd(sign[s], zi, _mm512_permutexvar_pd(perm[s], zi));
        zr = _mm512_fmsub_pd(tr, wre[s], _mm512_mul_pd(ti, wim[s]));
        zi = _mm512_fmadd_pd(tr, wim[s], _mm512_mul_pd(ti, wre[s]));
      }
      _mm512_storeu_pd(re + b, zr);
      _mm512_storeu_pd(im + b, zi);
    }
  }

  void backward_avx512(double* re, double* im) const {
    __m512i perm[3];
    __m512d sign[3], wre[3], wim[3];
    load_small_stages(perm, sign, wre, wim);
    for (size_t b = 0; b < m_; b += 8) {
      __m512d zr = _mm512_loadu_pd(re + b), zi = _mm512_loadu_pd(im + b);
      for (int s = 2; s >= 0; --s) {
        // t = z · conj(W); then partner + sign·self: low lanes u + v·w̄, high lanes u − v·w̄.
        const __m512d tr = _mm512_fmadd_pd(zr, wre[s], _mm512_mul_pd(zi, wim[s]));
        const __m512d ti = _mm512_fmsub_pd(zi, wre[s], _mm512_mul_pd(zr, wim[s]));
        zr = _mm512_fmadd_pd(sign[s], tr, _mm512_permutexvar_pd(perm[s], tr));
        zi = _mm512_fmadd_pd(sign[s], ti, _mm512_permutexvar_pd(perm[s], ti));
      }
      _mm512_storeu_pd(re + b, zr);
      _mm512_storeu_pd(im + b, zi);
    }
    for (size_t h = 8; h < m_; h *= 2) {
      const double* wr = tw_re_.data() + h;
      const double* wi = tw_im_.data() + h;
      for (size_t b = 0; b < m_; b += 2 * h) {
        double* r0 = re + b;
        double* i0 = im + b;
        double* r1 = r0 + h;
        double* i1 = i0 + h;
        for (size_t j = 0; j < h; j += 8) {
          const __m512d cr = _mm512_loadu_pd(wr + j), ci = _mm512_loadu_pd(wi + j);
          const __m512d xr = _mm512_loadu_pd(r1 + j), xi = _mm512_loadu_pd(i1 + j);
          const __m512d vr = _mm512_fmadd_pd(xr, cr, _mm512_mul_pd(xi, ci));
          const __m512d vi = _mm512_fmsub_pd(xi, cr, _mm512_mul_pd(xr, ci));
          const __m512d ur = _mm512_loadu_pd(r0 + j), ui = _mm512_loadu_pd(i0 + j);
          _mm512_storeu_pd(r0 + j, _mm512_add_pd(ur, vr));
          _mm512_storeu_pd(i0 + j, _mm512_add_pd(ui, vi));
          _mm512_storeu_pd(r1 + j, _mm512_sub_pd(ur, vr));
          _mm512_storeu_pd(i1 + j, _mm512_sub_pd(ui, vi));
        }
      }
    }
  }

  void load_small_stages(__m512i* perm, __m512d* sign, __m512d* wre, __m512d* wim) const {
    for (int s = 0; s < 3; ++s) {
      perm[s] = _mm512_loadu_si512(small_perm_[s]);
      sign[s] = _mm512_loadu_pd(small_sign_[s]);
      wre[s] = _mm512_loadu_pd(small_w_re_[s]);
      wim[s] = _mm512_loadu_pd(small_w_im_[s]);
    }
  }

  long long small_perm_[3][8];
  double small_sign_[3][8], small_w_re_[3][8], small_w_im_[3][8];
#endif

  size_t m_;
  std::vector<double> tw_re_, tw_im_;
};

}  // namespace

std::unique_ptr<ComplexFftKernel> make_native_fft_kernel(size_t m) { return std::make_unique<NativeFftKernel>(m); }

}  // namespace fheq::tfhe::detail
