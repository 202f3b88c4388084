// Our own FFT on split (re/im) arrays: decimation in frequency forward (Gentleman–Sande),
// decimation in time backward (Cooley–Tukey), so neither direction needs a bit-reversal pass
// (the Fourier-domain order is irrelevant to pointwise products; same idea as concrete-fft's
// "unordered" plans).
//
// AVX-512 path (M = N/2 ≥ 16), per direction one pass per pair of radix-2 stages (radix-4 passes
// halve the memory traffic):
//   forward:  [fold + twist + stage M/2] → radix-4 passes (+ one radix-2 if needed) down to span 8
//             → stages 4, 2, 1 inside one 8-lane register with lane permutations;
//   backward: [load input + stages 1, 2, 4 in register] → radix-4 passes → [stage M/2 + untwist +
//             unfold + round mod 2^64 + store/add].
// The scalar radix-2 code is the portable fallback and the twin the tests compare against (through
// the reference transform negacyclic_forward_ref and the exact products).
#include <algorithm>
#include <cmath>
#include <numbers>
#include <vector>

#include "core/check.h"
#include "tfhe/fft/fft_kernel.h"

#if defined(__AVX512F__) && defined(__AVX512DQ__)
#define FHEQ_FFT_AVX512 1
#include <immintrin.h>

#include "tfhe/commons/torus_convert_avx512.h"
// GCC 12 reports a false -Wmaybe-uninitialized inside AVX-512 intrinsic headers (their
// "undefined" pass-through operands, GCC bug 105593); it is not about our code.
#pragma GCC diagnostic ignored "-Wmaybe-uninitialized"
#endif

namespace fheq::tfhe::detail {

namespace {

#if FHEQ_FFT_AVX512
// Complex numbers as two 8-lane vectors.
struct Cv {
  __m512d re, im;
};
inline Cv load(const double* re, const double* im) { return {_mm512_loadu_pd(re), _mm512_loadu_pd(im)}; }
inline void store(double* re, double* im, Cv z) {
  _mm512_storeu_pd(re, z.re);
  _mm512_storeu_pd(im, z.im);
}
inline Cv add(Cv a, Cv b) { return {_mm512_add_pd(a.re, b.re), _mm512_add_pd(a.im, b.im)}; }
inline Cv sub(Cv a, Cv b) { return {_mm512_sub_pd(a.re, b.re), _mm512_sub_pd(a.im, b.im)}; }
inline Cv mul(Cv a, Cv w) {
  return {_mm512_fmsub_pd(a.re, w.re, _mm512_mul_pd(a.im, w.im)), _mm512_fmadd_pd(a.re, w.im, _mm512_mul_pd(a.im, w.re))};
}
inline Cv mul_conj(Cv a, Cv w) {  // a · conj(w)
  return {_mm512_fmadd_pd(a.re, w.re, _mm512_mul_pd(a.im, w.im)), _mm512_fmsub_pd(a.im, w.re, _mm512_mul_pd(a.re, w.im))};
}
#endif

class NativeFftKernel final : public ComplexFftKernel {
 public:
  explicit NativeFftKernel(size_t m) : ComplexFftKernel(m), tw_re_(m), tw_im_(m) {
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
#if FHEQ_FFT_AVX512
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
#if FHEQ_FFT_AVX512
    if (m_ >= 16) {
      forward_stages_avx512(re, im, m_ / 2);
      return;
    }
#endif
    forward_scalar(re, im);
  }

  void backward(double* re, double* im) const override {
#if FHEQ_FFT_AVX512
    if (m_ >= 16) {
      backward_small_stages_avx512(re, im, re, im);
      backward_large_stages_avx512(re, im, m_);
      return;
    }
#endif
    backward_scalar(re, im);
  }

#if FHEQ_FFT_AVX512
  void forward_negacyclic(const int64_t* a, const double* twist_re, const double* twist_im, double* re,
                          double* im) const override {
    if (m_ < 16) return ComplexFftKernel::forward_negacyclic(a, twist_re, twist_im, re, im);
    // Fold + twist + first DIF stage (h = M/2) in one pass: c_k = (a_k + i·a_{k+M})·ψ^k.
    const size_t m = m_, h = m_ / 2;
    const double* wr = tw_re_.data() + h;
    const double* wi = tw_im_.data() + h;
    for (size_t j = 0; j < h; j += 8) {
      const Cv u = twisted(a + j, a + j + m, twist_re + j, twist_im + j);
      const Cv v = twisted(a + j + h, a + j + h + m, twist_re + j + h, twist_im + j + h);
      store(re + j, im + j, add(u, v));
      store(re + j + h, im + j + h, mul(sub(u, v), load(wr + j, wi + j)));
    }
    forward_stages_avx512(re, im, h / 2);
  }

  void backward_negacyclic(const double* in_re, const double* in_im, const double* untwist_re,
                           const double* untwist_im, uint64_t* out, bool accumulate) const override {
    if (m_ < 16) return ComplexFftKernel::backward_negacyclic(in_re, in_im, untwist_re, untwist_im, out, accumulate);
    const size_t m = m_, h = m_ / 2;
    double* re = scratch();
    double* im = re + m;
    backward_small_stages_avx512(in_re, in_im, re, im);
    backward_large_stages_avx512(re, im, h);
    // Last DIT stage (h = M/2) + untwist (ψ^{-k}/M) + unfold + round mod 2^64.
    const double* wr = tw_re_.data() + h;
    const double* wi = tw_im_.data() + h;
    for (size_t j = 0; j < h; j += 8) {
      const Cv u = load(re + j, im + j);
      const Cv v = mul_conj(load(re + j + h, im + j + h), load(wr + j, wi + j));
      const Cv lo = mul(add(u, v), load(untwist_re + j, untwist_im + j));
      const Cv hi = mul(sub(u, v), load(untwist_re + j + h, untwist_im + j + h));
      store_torus(out + j, lo.re, accumulate);
      store_torus(out + j + m, lo.im, accumulate);
      store_torus(out + j + h, hi.re, accumulate);
      store_torus(out + j + h + m, hi.im, accumulate);
    }
  }
#endif

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

#if FHEQ_FFT_AVX512
  static double* scratch_for(size_t m) {
    thread_local std::vector<double> buffer;
    if (buffer.size() < 2 * m) buffer.resize(2 * m);
    return buffer.data();
  }
  double* scratch() const { return scratch_for(m_); }

  static Cv twisted(const int64_t* x, const int64_t* y, const double* tr, const double* ti) {
    const __m512d xr = _mm512_cvtepi64_pd(_mm512_loadu_si512(x));
    const __m512d yi = _mm512_cvtepi64_pd(_mm512_loadu_si512(y));
    return mul(Cv{xr, yi}, load(tr, ti));
  }

  static void store_torus(uint64_t* out, __m512d x, bool accumulate) {
    __m512i value = round_to_torus_wrapping_avx512(x);
    if (accumulate) value = _mm512_add_epi64(value, _mm512_loadu_si512(out));
    _mm512_storeu_si512(out, value);
  }

  // DIF stages with half-spans top, top/2, ..., 1 (top ≥ 4 or the in-register part only).
  void forward_stages_avx512(double* re, double* im, size_t top) const {
    size_t h = top;
    // An odd number of stages ≥ 8: one radix-2 pass first, then radix-4 pairs (h, h/2).
    size_t large = 0;
    for (size_t t = h; t >= 8; t /= 2) ++large;
    if (large % 2 == 1) {
      radix2_dif(re, im, h);
      h /= 2;
    }
    for (; h >= 16; h /= 4) radix4_dif(re, im, h);
    forward_small_stages(re, im);
  }

  void radix2_dif(double* re, double* im, size_t h) const {
    const double* wr = tw_re_.data() + h;
    const double* wi = tw_im_.data() + h;
    for (size_t b = 0; b < m_; b += 2 * h) {
      for (size_t j = 0; j < h; j += 8) {
        const Cv u = load(re + b + j, im + b + j), v = load(re + b + j + h, im + b + j + h);
        store(re + b + j, im + b + j, add(u, v));
        store(re + b + j + h, im + b + j + h, mul(sub(u, v), load(wr + j, wi + j)));
      }
    }
  }

  // Stages h and q = h/2 fused: x0..x3 at offsets 0, q, 2q, 3q of each block of 2h.
  void radix4_dif(double* re, double* im, size_t h) const {
    const size_t q = h / 2;
    const double *wr_h = tw_re_.data() + h, *wi_h = tw_im_.data() + h;
    const double *wr_q = tw_re_.data() + q, *wi_q = tw_im_.data() + q;
    for (size_t b = 0; b < m_; b += 2 * h) {
      double *r = re + b, *i = im + b;
      for (size_t j = 0; j < q; j += 8) {
        const Cv x0 = load(r + j, i + j), x1 = load(r + j + q, i + j + q);
        const Cv x2 = load(r + j + 2 * q, i + j + 2 * q), x3 = load(r + j + 3 * q, i + j + 3 * q);
        const Cv a0 = add(x0, x2), a2 = mul(sub(x0, x2), load(wr_h + j, wi_h + j));
        const Cv a1 = add(x1, x3), a3 = mul(sub(x1, x3), load(wr_h + j + q, wi_h + j + q));
        const Cv wq = load(wr_q + j, wi_q + j);
        store(r + j, i + j, add(a0, a1));
        store(r + j + q, i + j + q, mul(sub(a0, a1), wq));
        store(r + j + 2 * q, i + j + 2 * q, add(a2, a3));
        store(r + j + 3 * q, i + j + 3 * q, mul(sub(a2, a3), wq));
      }
    }
  }

  void forward_small_stages(double* re, double* im) const {
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

  // DIT stages 1, 2, 4 reading (in_re, in_im) and writing (re, im) (may alias).
  void backward_small_stages_avx512(const double* in_re, const double* in_im, double* re, double* im) const {
    __m512i perm[3];
    __m512d sign[3], wre[3], wim[3];
    load_small_stages(perm, sign, wre, wim);
    for (size_t b = 0; b < m_; b += 8) {
      __m512d zr = _mm512_loadu_pd(in_re + b), zi = _mm512_loadu_pd(in_im + b);
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
  }

  // DIT stages with half-spans 8, 16, ... < limit: radix-4 pairs (q, 2q), one radix-2 if odd.
  void backward_large_stages_avx512(double* re, double* im, size_t limit) const {
    size_t h = 8;
    for (; 4 * h <= limit; h *= 4) radix4_dit(re, im, h);
    if (h < limit) radix2_dit(re, im, h);
  }

  void radix2_dit(double* re, double* im, size_t h) const {
    const double* wr = tw_re_.data() + h;
    const double* wi = tw_im_.data() + h;
    for (size_t b = 0; b < m_; b += 2 * h) {
      for (size_t j = 0; j < h; j += 8) {
        const Cv u = load(re + b + j, im + b + j);
        const Cv v = mul_conj(load(re + b + j + h, im + b + j + h), load(wr + j, wi + j));
        store(re + b + j, im + b + j, add(u, v));
        store(re + b + j + h, im + b + j + h, sub(u, v));
      }
    }
  }

  // Stages q and h = 2q fused (the exact mirror of radix4_dif).
  void radix4_dit(double* re, double* im, size_t q) const {
    const size_t h = 2 * q;
    const double *wr_h = tw_re_.data() + h, *wi_h = tw_im_.data() + h;
    const double *wr_q = tw_re_.data() + q, *wi_q = tw_im_.data() + q;
    for (size_t b = 0; b < m_; b += 2 * h) {
      double *r = re + b, *i = im + b;
      for (size_t j = 0; j < q; j += 8) {
        const Cv wq = load(wr_q + j, wi_q + j);
        const Cv x0 = load(r + j, i + j), x1 = mul_conj(load(r + j + q, i + j + q), wq);
        const Cv x2 = load(r + j + 2 * q, i + j + 2 * q), x3 = mul_conj(load(r + j + 3 * q, i + j + 3 * q), wq);
        const Cv a0 = add(x0, x1), a1 = sub(x0, x1), a2 = add(x2, x3), a3 = sub(x2, x3);
        const Cv v2 = mul_conj(a2, load(wr_h + j, wi_h + j));
        const Cv v3 = mul_conj(a3, load(wr_h + j + q, wi_h + j + q));
        store(r + j, i + j, add(a0, v2));
        store(r + j + 2 * q, i + j + 2 * q, sub(a0, v2));
        store(r + j + q, i + j + q, add(a1, v3));
        store(r + j + 3 * q, i + j + 3 * q, sub(a1, v3));
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

  std::vector<double> tw_re_, tw_im_;
};

}  // namespace

std::unique_ptr<ComplexFftKernel> make_native_fft_kernel(size_t m) { return std::make_unique<NativeFftKernel>(m); }

}  // namespace fheq::tfhe::detail
