// Our own FFT on split (re/im) arrays: decimation in frequency forward (Gentleman–Sande),
// decimation in time backward (Cooley–Tukey), so neither direction needs a bit-reversal pass
// (the Fourier-domain order is irrelevant to pointwise products; same idea as concrete-fft's
// "unordered" plans). The result is, value for value, the radix-2 transform of forward_scalar /
// backward_scalar (the Fourier layout of fft.h); only the rounding of intermediate values differs.
//
// AVX-512 path (M = N/2 ≥ 32). Every pass reads and writes the whole array once, so the kernel is
// organised to make as few passes as possible and as few operations per pass:
//   forward:  [fold + twist + first radix-4 (or radix-2 if the stage count is odd)]
//             → radix-4 passes down to half-span 16
//             → [stage 8 across register pairs, 8×8 transpose, stages 4, 2, 1 across registers,
//               stored transposed: the layout of fft.h (M ≥ 64; M = 32 keeps lane permutations)];
//   backward: [load input, or Σ a_t ⊙ b_t for the external product + stages 1, 2, 4 across
//             registers + transpose + stage 8] → radix-4 passes → [last radix-4 (or radix-2) +
//             untwist + unfold + round mod 2^64 + store/add].
// For M > 1024 the passes after the first run depth-first on blocks of 1024 values (kL1Block).
// Radix-4 butterflies use the split form with 3 twiddle products instead of 4 (w^{j+M/4} = −i·w^j,
// Van Loan, "Computational Frameworks for the FFT", §1.9); M = 1024 takes 4 passes instead of 6.
// The scalar radix-2 code is the portable fallback (M < 32 or no AVX-512).
#include <algorithm>
#include <bit>
#include <cmath>
#include <numbers>
#include <vector>

#include "core/check.h"
#include "tfhe/fft/aligned_vector.h"
#include "tfhe/fft/fft_avx512.h"
#include "tfhe/fft/fft_kernel.h"

namespace fheq::tfhe::detail {

namespace {

#if FHEQ_FFT_AVX512
using namespace avx512;  // NOLINT: the kernel below is written in these vector helpers
#endif

class NativeFftKernel final : public ComplexFftKernel {
 public:
  explicit NativeFftKernel(size_t m) : ComplexFftKernel(m), tw_re_(m), tw_im_(m) {
    FHEQ_CHECK(m >= 2 && (m & (m - 1)) == 0, "FFT size ", m, " is not a power of two");
    // Stage with half-span h uses w_h^j = e^{-iπj/h}, j < h, stored at index h + j (Σ h = m − 1).
    // Computed in long double so every twiddle is correctly rounded to double.
    for (size_t h = 1; h < m; h *= 2) {
      for (size_t j = 0; j < h; ++j) {
        tw_re_[h + j] = twiddle_re(j, h);
        tw_im_[h + j] = twiddle_im(j, h);
      }
    }
#if FHEQ_FFT_AVX512
    // Radix-4 passes at half-span h (stages h and h/2) use w^j, w^2j, w^3j (w = w_h, j < h/2), stored
    // per block of 8 j's as [w¹re, w¹im, w²re, w²im, w³re, w³im] × 8 lanes, so one pass reads one
    // contiguous table.
    radix4_twiddles_.resize(64);
    for (size_t h = 32, log_h = 5; h < m; h *= 2, ++log_h) {
      AlignedVector<double>& table = radix4_twiddles_[log_h];
      const size_t q = h / 2;
      table.resize(6 * q);
      for (size_t j0 = 0; j0 < q; j0 += 8) {
        double* block = table.data() + 6 * j0;
        for (size_t lane = 0; lane < 8; ++lane) {
          const size_t j = j0 + lane;
          for (size_t power = 1; power <= 3; ++power) {
            block[(2 * power - 2) * 8 + lane] = twiddle_re(power * j, h);
            block[(2 * power - 1) * 8 + lane] = twiddle_im(power * j, h);
          }
        }
      }
    }
    // Stage 8 between the two registers of a block of 16: w_8^l on lane l.
    for (size_t l = 0; l < 8; ++l) {
      stage8_re_[l] = twiddle_re(l, 8);
      stage8_im_[l] = twiddle_im(l, 8);
    }
    // In-register stages h = 4, 2, 1 on a block of 8 lanes: lane l pairs with l ^ h; the low lane of
    // a pair (l & h == 0) keeps the sum, the high one gets the difference times w_h^(l & (h-1)).
    for (int s = 0; s < 3; ++s) {
      const size_t h = size_t{4} >> s;
      for (size_t l = 0; l < 8; ++l) {
        const bool low = (l & h) == 0;
        small_perm_[s][l] = static_cast<long long>(l ^ h);
        small_sign_[s][l] = low ? 1.0 : -1.0;
        small_w_re_[s][l] = low ? 1.0 : twiddle_re(l & (h - 1), h);
        small_w_im_[s][l] = low ? 0.0 : twiddle_im(l & (h - 1), h);
      }
    }
#endif
  }

  void forward(double* re, double* im) const override {
#if FHEQ_FFT_AVX512
    if (m_ >= 32 && aligned64(re) && aligned64(im)) {
      dif_rest(re, im, m_ / 2, m_);
      return;
    }
#endif
    forward_scalar(re, im);
  }

  void backward(double* re, double* im) const override {
#if FHEQ_FFT_AVX512
    if (m_ >= 32 && aligned64(re) && aligned64(im)) {
      dit_head(re, im, [&](size_t b) FHEQ_INLINE { return load(re + b, im + b); }, m_);
      return;
    }
#endif
    backward_scalar(re, im);
  }

#if FHEQ_FFT_AVX512
  void forward_negacyclic(const int64_t* a, const double* twist_re, const double* twist_im, double* re,
                          double* im) const override {
    if (m_ < 32 || !aligned64(re) || !aligned64(im))
      return ComplexFftKernel::forward_negacyclic(a, twist_re, twist_im, re, im);
    const size_t m = m_;
    forward_negacyclic_from(
        [&](size_t k) {
          return Cv{_mm512_cvtepi64_pd(_mm512_loadu_si512(a + k)), _mm512_cvtepi64_pd(_mm512_loadu_si512(a + k + m))};
        },
        twist_re, twist_im, re, im);
  }

  // The blind rotation's CMUX input X^power·p − p and its gadget digit are computed 8 coefficients at
  // a time as the first pass loads them (RotatedDigitLoader): no rotated polynomial or digit array is
  // written and re-read. The digits are those of Decomposer, so the transform is bit-identical to the
  // default path.
  void forward_negacyclic_rotated_digit(const RotatedDigitInput& input, const double* twist_re,
                                        const double* twist_im, double* re, double* im) const override {
    if (m_ < 32 || !aligned64(re) || !aligned64(im) || !RotatedDigitLoader::supports(input))
      return ComplexFftKernel::forward_negacyclic_rotated_digit(input, twist_re, twist_im, re, im);
    const RotatedDigitLoader loader(input, m_);
    const size_t m = m_;
    const unsigned digit_index = input.digit_index;
    forward_negacyclic_from(
        [&](size_t k) FHEQ_INLINE {
          return Cv{loader.digit(loader.rotated(k), digit_index), loader.digit(loader.rotated(k + m), digit_index)};
        },
        twist_re, twist_im, re, im);
  }

  // Two levels (the N = 4096/8192 sets' 2×15 PBS): both digits from one rotation and one pass of
  // pops, and both transforms' first passes in one loop; the later passes run per transform.
  void forward_negacyclic_rotated_digits(const RotatedDigitInput& input, const double* twist_re,
                                         const double* twist_im, double* const* re, double* const* im) const override {
    bool fast = m_ >= 32 && input.level == 2 && RotatedDigitLoader::supports({input.polynomial, input.power,
                                                                              input.base_log, input.level, 0});
    for (unsigned j = 0; j < input.level && fast; ++j) fast = aligned64(re[j]) && aligned64(im[j]);
    if (!fast) return ComplexFftKernel::forward_negacyclic_rotated_digits(input, twist_re, twist_im, re, im);
    const RotatedDigitLoader loader(input, m_);
    const size_t m = m_;
    forward_negacyclic_pair_from(
        [&](size_t k, Cv& top, Cv& low) FHEQ_INLINE {
          __m512d top_lo, low_lo, top_hi, low_hi;
          loader.two_digits(loader.rotated(k), top_lo, low_lo);
          loader.two_digits(loader.rotated(k + m), top_hi, low_hi);
          top = {top_lo, top_hi};
          low = {low_lo, low_hi};
        },
        twist_re, twist_im, re, im);
  }

  void backward_negacyclic(const double* in_re, const double* in_im, const double* untwist_re,
                           const double* untwist_im, uint64_t* out, bool accumulate) const override {
    if (m_ < 32 || !aligned64(in_re) || !aligned64(in_im))
      return ComplexFftKernel::backward_negacyclic(in_re, in_im, untwist_re, untwist_im, out, accumulate);
    backward_negacyclic_from([&](size_t b) { return load(in_re + b, in_im + b); }, untwist_re, untwist_im, out,
                             accumulate);
  }

  void backward_negacyclic_sum(const FourierTerm* terms, size_t count, const double* untwist_re,
                               const double* untwist_im, uint64_t* out, bool accumulate) const override {
    bool fast = m_ >= 32 && count >= 1;
    for (size_t t = 0; t < count && fast; ++t)
      fast = aligned64(terms[t].a_re) && aligned64(terms[t].a_im) && aligned64(terms[t].b_re) && aligned64(terms[t].b_im);
    if (!fast) return ComplexFftKernel::backward_negacyclic_sum(terms, count, untwist_re, untwist_im, out, accumulate);
    // Σ_t a_t ⊙ b_t computed 8 values at a time as the first pass loads its input.
    backward_negacyclic_from(
        [&](size_t b) FHEQ_INLINE {
          const FourierTerm& first = terms[0];
          Cv sum = mul(load(first.a_re + b, first.a_im + b), load(first.b_re + b, first.b_im + b));
          for (size_t t = 1; t < count; ++t) {
            const Cv x = load(terms[t].a_re + b, terms[t].a_im + b), y = load(terms[t].b_re + b, terms[t].b_im + b);
            sum.re = _mm512_fnmadd_pd(x.im, y.im, _mm512_fmadd_pd(x.re, y.re, sum.re));
            sum.im = _mm512_fmadd_pd(x.im, y.re, _mm512_fmadd_pd(x.re, y.im, sum.im));
          }
          return sum;
        },
        untwist_re, untwist_im, out, accumulate);
  }
#endif

 private:
  static double twiddle_re(size_t j, size_t h) {
    return static_cast<double>(std::cos(-std::numbers::pi_v<long double> * static_cast<long double>(j) /
                                        static_cast<long double>(h)));
  }
  static double twiddle_im(size_t j, size_t h) {
    return static_cast<double>(std::sin(-std::numbers::pi_v<long double> * static_cast<long double>(j) /
                                        static_cast<long double>(h)));
  }

  // The layout of fft.h (bit-reversed order, transposed inside blocks of 64 when M ≥ 64) from and to
  // the plain bit-reversed order of the radix-2 loops below.
  void transpose_blocks_scalar(double* re, double* im) const {
    if (m_ < 64) return;
    for (size_t b = 0; b < m_; b += 64)
      for (size_t r = 0; r < 8; ++r)
        for (size_t c = r + 1; c < 8; ++c) {
          std::swap(re[b + 8 * r + c], re[b + 8 * c + r]);
          std::swap(im[b + 8 * r + c], im[b + 8 * c + r]);
        }
  }

  void forward_scalar(double* re, double* im) const {
    forward_scalar_bit_reversed(re, im);
    transpose_blocks_scalar(re, im);
  }

  void backward_scalar(double* re, double* im) const {
    transpose_blocks_scalar(re, im);
    backward_scalar_from_bit_reversed(re, im);
  }

  void forward_scalar_bit_reversed(double* re, double* im) const {
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

  void backward_scalar_from_bit_reversed(double* re, double* im) const {
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
  // Stages with half-spans m/2 … 16 (those before the last DIF pass, which does 8, 4, 2, 1).
  size_t stages_above_last_pass() const {
    size_t count = 0;
    for (size_t h = m_ / 2; h >= 16; h /= 2) ++count;
    return count;
  }

  static double* scratch_for(size_t m) {
    thread_local AlignedVector<double> buffer;
    if (buffer.size() < 2 * m) buffer.resize(2 * m);
    return buffer.data();
  }

  Cv radix4_twiddle(size_t h, size_t j, int power) const {
    const double* block = radix4_twiddles_[std::countr_zero(h)].data() + 6 * j + 16 * (power - 1);
    return load(block, block + 8);
  }

  // Depth-first blocking: once the blocks of a transform are at most kL1Block complex values (16 KB
  // of re/im), every remaining pass of one block runs before the next block, so for M > kL1Block
  // (N ≥ 4096: 32–64 KB arrays plus twiddles, more than the 48 KB L1) the later passes stay in L1
  // instead of streaming the whole array from L2 once per pass. Butterflies are the same in any
  // order, so results are bit-identical to the pass-by-pass order.
  static constexpr size_t kL1Block = 1024;

  // DIF stages with half-spans top, top/2, …, 1 on the `length` values at re/im (length a multiple
  // of 2·top): one radix-2 pass first if the number of stages ≥ 16 is odd, radix-4 passes, and the
  // last pass (8, 4, 2, 1).
  void dif_rest(double* re, double* im, size_t top, size_t length) const {
    size_t h = top;
    size_t count = 0;
    for (size_t t = h; t >= 16; t /= 2) ++count;
    if (count % 2 == 1) {
      radix2_dif(re, im, h, length);
      h /= 2;
    }
    dif_radix4_rest(re, im, h, length);
  }

  // Radix-4 passes at h, h/4, …, 32, then the last pass; depth-first once 2h ≤ kL1Block.
  void dif_radix4_rest(double* re, double* im, size_t h, size_t length) const {
    for (; h >= 32; h /= 4) {
      if (length > kL1Block && 2 * h <= kL1Block) {
        for (size_t b = 0; b < length; b += 2 * h) dif_radix4_rest(re + b, im + b, h, 2 * h);
        return;
      }
      for (size_t b = 0; b < length; b += 2 * h)
        radix4_dif_block(re + b, im + b, h, b, [&](size_t k) FHEQ_INLINE { return load(re + k, im + k); });
    }
    if (m_ >= 64)
      last_pass_dif_transposed(re, im, length);
    else
      last_pass_dif(re, im, length);
  }

  void radix2_dif(double* re, double* im, size_t h, size_t length) const {
    const double* wr = tw_re_.data() + h;
    const double* wi = tw_im_.data() + h;
    for (size_t b = 0; b < length; b += 2 * h) {
      for (size_t j = 0; j < h; j += 8) {
        const Cv u = load(re + b + j, im + b + j), v = load(re + b + j + h, im + b + j + h);
        store(re + b + j, im + b + j, add(u, v));
        store(re + b + j + h, im + b + j + h, mul(sub(u, v), load(wr + j, wi + j)));
      }
    }
  }

  // Stages h and q = h/2 on one block of 2h values (written at r, i); input value k (block-relative
  // offset j + t·q, absolute index base + j + t·q) comes from input(base + j + t·q).
  //   a0 = x0 + x2, a1 = x1 + x3, d0 = x0 − x2, d1 = x1 − x3;
  //   y0 = a0 + a1, y1 = (a0 − a1)·w^2j, y2 = (d0 − i·d1)·w^j, y3 = (d0 + i·d1)·w^3j.
  // `prefetch`, if given, advances once per iteration (PrefetchCursor).
  template <typename Input>
  void radix4_dif_block(double* r, double* i, size_t h, size_t base, const Input& input,
                        PrefetchCursor* prefetch = nullptr) const {
    const size_t q = h / 2;
    for (size_t j = 0; j < q; j += 8) {
      if (prefetch != nullptr) prefetch->tick();
      const Cv x0 = input(base + j), x1 = input(base + j + q), x2 = input(base + j + 2 * q), x3 = input(base + j + 3 * q);
      const Cv a0 = add(x0, x2), a1 = add(x1, x3), d0 = sub(x0, x2), d1 = sub(x1, x3);
      store(r + j, i + j, add(a0, a1));
      store(r + j + q, i + j + q, mul(sub(a0, a1), radix4_twiddle(h, j, 2)));
      store(r + j + 2 * q, i + j + 2 * q, mul(sub_times_i(d0, d1), radix4_twiddle(h, j, 1)));
      store(r + j + 3 * q, i + j + 3 * q, mul(add_times_i(d0, d1), radix4_twiddle(h, j, 3)));
    }
  }

  // Stages 8, 4, 2, 1 on each block of 16: stage 8 between the two registers, then three in-register
  // stages (lane permutations) on each.
  void last_pass_dif(double* re, double* im, size_t length) const {
    SmallStages small;
    load_small_stages(small);
    const Cv w8 = load(stage8_re_, stage8_im_);
    for (size_t b = 0; b < length; b += 16) {
      const Cv u = load(re + b, im + b), v = load(re + b + 8, im + b + 8);
      store(re + b, im + b, small_stages_dif(add(u, v), small));
      store(re + b + 8, im + b + 8, small_stages_dif(mul(sub(u, v), w8), small));
    }
  }

  // The last pass for M ≥ 64, on blocks of 64 values (8 registers): stage 8 between register pairs as
  // in last_pass_dif, then an 8×8 transpose so that the in-register stages 4, 2, 1 become butterflies
  // across registers (radix8_dif_across); the block is stored transposed — the layout of fft.h:
  // position 8c + r of a block holds what lane c of register r (position 8r + c) would hold.
  // 17 vector operations per register instead of 24.
  void last_pass_dif_transposed(double* re, double* im, size_t length) const {
    const Cv w8 = load(stage8_re_, stage8_im_);
    PrefetchCursor prefetch;
    for (size_t b = 0; b < length; b += 64) {
      prefetch.tick();
      Cv z[8];
      for (int r = 0; r < 8; r += 2) {
        const Cv u = load(re + b + 8 * r, im + b + 8 * r), v = load(re + b + 8 * r + 8, im + b + 8 * r + 8);
        z[r] = add(u, v);
        z[r + 1] = mul(sub(u, v), w8);
      }
      transpose8x8(z);
      radix8_dif_across(z);
      for (int c = 0; c < 8; ++c) store(re + b + 8 * c, im + b + 8 * c, z[c]);
    }
  }

  // The mirror for the inverse: input(b + 8c) is register c of a transposed block; stages 1, 2, 4
  // across registers, transpose back, stage 8 between register pairs.
  template <typename Input>
  void first_pass_dit_transposed(double* re, double* im, const Input& input, size_t length) const {
    const Cv w8 = load(stage8_re_, stage8_im_);
    PrefetchCursor prefetch;
    for (size_t b = 0; b < length; b += 64) {
      prefetch.tick();
      Cv z[8];
      for (int c = 0; c < 8; ++c) z[c] = input(b + 8 * c);
      radix8_dit_across(z);
      transpose8x8(z);
      for (int r = 0; r < 8; r += 2) {
        const Cv u = z[r], v = mul_conj(z[r + 1], w8);
        store(re + b + 8 * r, im + b + 8 * r, add(u, v));
        store(re + b + 8 * r + 8, im + b + 8 * r + 8, sub(u, v));
      }
    }
  }

  struct SmallStages {
    __m512i perm[3];
    __m512d sign[3];
    Cv w[3];
  };

  void load_small_stages(SmallStages& small) const {
    for (int s = 0; s < 3; ++s) {
      small.perm[s] = _mm512_loadu_si512(small_perm_[s]);
      small.sign[s] = _mm512_loadu_pd(small_sign_[s]);
      small.w[s] = {_mm512_loadu_pd(small_w_re_[s]), _mm512_loadu_pd(small_w_im_[s])};
    }
  }

  static Cv small_stages_dif(Cv z, const SmallStages& small) {
    for (int s = 0; s < 3; ++s) {
      // t = partner + sign·self: low lanes u + v, high lanes u − v; then t · W (W = 1 on low lanes
      // and everywhere at h = 1, where the product is skipped).
      const Cv t{_mm512_fmadd_pd(small.sign[s], z.re, _mm512_permutexvar_pd(small.perm[s], z.re)),
                 _mm512_fmadd_pd(small.sign[s], z.im, _mm512_permutexvar_pd(small.perm[s], z.im))};
      z = s == 2 ? t : mul(t, small.w[s]);
    }
    return z;
  }

  static Cv small_stages_dit(Cv z, const SmallStages& small) {
    for (int s = 2; s >= 0; --s) {
      // t = z · conj(W); then partner + sign·self: low lanes u + v·w̄, high lanes u − v·w̄.
      const Cv t = s == 2 ? z : mul_conj(z, small.w[s]);
      z = {_mm512_fmadd_pd(small.sign[s], t.re, _mm512_permutexvar_pd(small.perm[s], t.re)),
           _mm512_fmadd_pd(small.sign[s], t.im, _mm512_permutexvar_pd(small.perm[s], t.im))};
    }
    return z;
  }

  // DIT stages 1, 2, 4 in register and 8 between registers; block b's input from input(b), input(b+8).
  template <typename Input>
  void first_pass_dit(double* re, double* im, const Input& input, size_t length) const {
    SmallStages small;
    load_small_stages(small);
    const Cv w8 = load(stage8_re_, stage8_im_);
    for (size_t b = 0; b < length; b += 16) {
      const Cv u = small_stages_dit(input(b), small);
      const Cv v = mul_conj(small_stages_dit(input(b + 8), small), w8);
      store(re + b, im + b, add(u, v));
      store(re + b + 8, im + b + 8, sub(u, v));
    }
  }

  // The first DIT pass (input(k) = the 8 values at k) and the DIT stages with half-spans 16 … < end
  // over the whole array, depth-first: the first pass and the radix-4 passes whose blocks fit
  // kL1Block run block by block (see kL1Block), the larger passes after.
  template <typename Input>
  void dit_head(double* re, double* im, const Input& input, size_t end) const {
    auto first_pass = [&](double* r, double* i, const auto& in, size_t length) FHEQ_INLINE {
      if (m_ >= 64)
        first_pass_dit_transposed(r, i, in, length);
      else
        first_pass_dit(r, i, in, length);
    };
    if (m_ <= kL1Block) {  // already in L1: pass by pass (smaller blocks only add loop overhead)
      first_pass(re, im, input, m_);
      dit_stages(re, im, 16, end, m_);
      return;
    }
    size_t q = 16, block = 16;
    while (4 * q <= end && 4 * q <= kL1Block) {
      block = 4 * q;
      q *= 4;
    }
    for (size_t b = 0; b < m_; b += block) {
      first_pass(re + b, im + b, [&](size_t k) FHEQ_INLINE { return input(b + k); }, block);
      dit_stages(re + b, im + b, 16, block, block);
    }
    dit_stages(re, im, q, end, m_);
  }

  // DIT stages with half-spans begin, 2·begin, … < end on `length` values: radix-4 pairs, one
  // radix-2 last if odd.
  void dit_stages(double* re, double* im, size_t begin, size_t end, size_t length) const {
    size_t q = begin;
    for (; 4 * q <= end; q *= 4) {
      for (size_t b = 0; b < length; b += 4 * q)
        radix4_dit_block(re + b, im + b, q, [](size_t, Cv z) FHEQ_INLINE { return z; }, nullptr);
    }
    if (q < end) radix2_dit(re, im, q, length);
  }

  void radix2_dit(double* re, double* im, size_t h, size_t length) const {
    const double* wr = tw_re_.data() + h;
    const double* wi = tw_im_.data() + h;
    for (size_t b = 0; b < length; b += 2 * h) {
      for (size_t j = 0; j < h; j += 8) {
        const Cv u = load(re + b + j, im + b + j);
        const Cv v = mul_conj(load(re + b + j + h, im + b + j + h), load(wr + j, wi + j));
        store(re + b + j, im + b + j, add(u, v));
        store(re + b + j + h, im + b + j + h, sub(u, v));
      }
    }
  }

  // Stages q and h = 2q on one block of 4q values (the mirror of radix4_dif_block):
  //   y1 = x1·w̄^2j, y2 = x2·w̄^j, y3 = x3·w̄^3j; s = x0 + y1, t = x0 − y1, u = y2 + y3, v = y2 − y3;
  //   out0 = s + u, out1 = t + i·v, out2 = s − u, out3 = t − i·v.
  // Each output z at block offset k goes through finish(k, z); if `out` is null it is stored back in
  // place, otherwise finish has consumed it.
  template <typename Finish>
  void radix4_dit_block(double* r, double* i, size_t q, const Finish& finish, const void* out,
                        PrefetchCursor* prefetch = nullptr) const {
    const size_t h = 2 * q;
    for (size_t j = 0; j < q; j += 8) {
      if (prefetch != nullptr) prefetch->tick();
      const Cv x0 = load(r + j, i + j);
      const Cv y1 = mul_conj(load(r + j + q, i + j + q), radix4_twiddle(h, j, 2));
      const Cv y2 = mul_conj(load(r + j + 2 * q, i + j + 2 * q), radix4_twiddle(h, j, 1));
      const Cv y3 = mul_conj(load(r + j + 3 * q, i + j + 3 * q), radix4_twiddle(h, j, 3));
      const Cv s = add(x0, y1), t = sub(x0, y1), u = add(y2, y3), v = sub(y2, y3);
      const Cv o0 = finish(j, add(s, u)), o1 = finish(j + q, add_times_i(t, v));
      const Cv o2 = finish(j + 2 * q, sub(s, u)), o3 = finish(j + 3 * q, sub_times_i(t, v));
      if (out == nullptr) {
        store(r + j, i + j, o0);
        store(r + j + q, i + j + q, o1);
        store(r + j + 2 * q, i + j + 2 * q, o2);
        store(r + j + 3 * q, i + j + 3 * q, o3);
      }
    }
  }

  // Fold + twist, c_k = (a_k + i·a_{k+M})·ψ^k, fused with the first DIF pass, then the other passes.
  // folded(k) returns the 8 untwisted values (a_k … a_{k+7}) + i·(a_{k+M} … a_{k+M+7}) as doubles.
  template <typename Folded>
  void forward_negacyclic_from(const Folded& folded, const double* twist_re, const double* twist_im, double* re,
                               double* im) const {
    const size_t m = m_;
    auto twisted = [&](size_t k) FHEQ_INLINE {
      return mul(folded(k), Cv{_mm512_loadu_pd(twist_re + k), _mm512_loadu_pd(twist_im + k)});
    };
    if (stages_above_last_pass() % 2 == 1) {
      const size_t h = m / 2;
      const double* wr = tw_re_.data() + h;
      const double* wi = tw_im_.data() + h;
      for (size_t j = 0; j < h; j += 8) {
        const Cv u = twisted(j), v = twisted(j + h);
        store(re + j, im + j, add(u, v));
        store(re + j + h, im + j + h, mul(sub(u, v), load(wr + j, wi + j)));
      }
      dif_rest(re, im, m / 4, m);
    } else {
      PrefetchCursor prefetch;
      radix4_dif_block(re, im, m / 2, 0, twisted, &prefetch);
      dif_rest(re, im, m / 8, m);
    }
  }

  // forward_negacyclic_from for two transforms whose inputs come from one loader call:
  // folded(k, x, y) sets the untwisted values at k of both; out = (re[0], im[0]) and (re[1], im[1]).
  // The first pass (radix-2 or radix-4, with the twist) is the same arithmetic per transform as
  // forward_negacyclic_from's, so each output is bit-identical to its single-transform version.
  template <typename Folded>
  void forward_negacyclic_pair_from(const Folded& folded, const double* twist_re, const double* twist_im,
                                    double* const* re, double* const* im) const {
    const size_t m = m_;
    auto twisted = [&](size_t k, Cv& x, Cv& y) FHEQ_INLINE {
      folded(k, x, y);
      const Cv twist{_mm512_loadu_pd(twist_re + k), _mm512_loadu_pd(twist_im + k)};
      x = mul(x, twist);
      y = mul(y, twist);
    };
    if (stages_above_last_pass() % 2 == 1) {
      const size_t h = m / 2;
      const double* wr = tw_re_.data() + h;
      const double* wi = tw_im_.data() + h;
      for (size_t j = 0; j < h; j += 8) {
        Cv u[2], v[2];
        twisted(j, u[0], u[1]);
        twisted(j + h, v[0], v[1]);
        const Cv w = load(wr + j, wi + j);
        for (int t = 0; t < 2; ++t) {
          store(re[t] + j, im[t] + j, add(u[t], v[t]));
          store(re[t] + j + h, im[t] + j + h, mul(sub(u[t], v[t]), w));
        }
      }
      for (int t = 0; t < 2; ++t) dif_rest(re[t], im[t], m / 4, m);
    } else {
      const size_t h = m / 2, q = h / 2;
      PrefetchCursor prefetch;
      for (size_t j = 0; j < q; j += 8) {
        prefetch.tick();
        Cv x[4][2];
        for (int s = 0; s < 4; ++s) twisted(j + s * q, x[s][0], x[s][1]);
        for (int t = 0; t < 2; ++t) {  // radix4_dif_block's butterfly
          const Cv a0 = add(x[0][t], x[2][t]), a1 = add(x[1][t], x[3][t]);
          const Cv d0 = sub(x[0][t], x[2][t]), d1 = sub(x[1][t], x[3][t]);
          store(re[t] + j, im[t] + j, add(a0, a1));
          store(re[t] + j + q, im[t] + j + q, mul(sub(a0, a1), radix4_twiddle(h, j, 2)));
          store(re[t] + j + 2 * q, im[t] + j + 2 * q, mul(sub_times_i(d0, d1), radix4_twiddle(h, j, 1)));
          store(re[t] + j + 3 * q, im[t] + j + 3 * q, mul(add_times_i(d0, d1), radix4_twiddle(h, j, 3)));
        }
      }
      for (int t = 0; t < 2; ++t) dif_rest(re[t], im[t], m / 8, m);
    }
  }

  // The whole inverse from input(b) (8 values at b): first pass into scratch, radix-4 passes, and a
  // last pass fused with untwist (ψ^{-k}/M) + unfold + rounding mod 2^64.
  template <typename Input>
  void backward_negacyclic_from(const Input& input, const double* untwist_re, const double* untwist_im,
                                uint64_t* out, bool accumulate) const {
    const size_t m = m_;
    double* re = scratch_for(m);
    double* im = re + m;
    auto finish = [&](size_t k, Cv z) FHEQ_INLINE {
      const Cv x = mul(z, Cv{_mm512_loadu_pd(untwist_re + k), _mm512_loadu_pd(untwist_im + k)});
      store_torus(out + k, x.re, accumulate);
      store_torus(out + k + m, x.im, accumulate);
      return x;
    };
    if (stages_above_last_pass() % 2 == 1) {
      const size_t h = m / 2;
      dit_head(re, im, input, h);
      const double* wr = tw_re_.data() + h;
      const double* wi = tw_im_.data() + h;
      PrefetchCursor prefetch;
      for (size_t j = 0; j < h; j += 8) {
        prefetch.tick();
        const Cv u = load(re + j, im + j);
        const Cv v = mul_conj(load(re + j + h, im + j + h), load(wr + j, wi + j));
        finish(j, add(u, v));
        finish(j + h, sub(u, v));
      }
    } else {
      dit_head(re, im, input, m / 4);
      PrefetchCursor prefetch;
      radix4_dit_block(re, im, m / 4, finish, out, &prefetch);
    }
  }

  long long small_perm_[3][8];
  double small_sign_[3][8], small_w_re_[3][8], small_w_im_[3][8];
  alignas(64) double stage8_re_[8];
  alignas(64) double stage8_im_[8];
  std::vector<AlignedVector<double>> radix4_twiddles_;  // indexed by log2(h)
#endif

  AlignedVector<double> tw_re_, tw_im_;
};

}  // namespace

std::unique_ptr<ComplexFftKernel> make_native_fft_kernel(size_t m) { return std::make_unique<NativeFftKernel>(m); }

}  // namespace fheq::tfhe::detail
