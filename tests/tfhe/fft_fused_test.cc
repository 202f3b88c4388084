// The fused inverse transforms of the external product (NegacyclicFft::backward_add_torus_of_products)
// and the AVX-512 pass structure at every size where it changes shape (odd/even stage counts), against
// exact negacyclic products mod 2^64.
#include "common/test_seed.h"
#include <gtest/gtest.h>

#include <bit>
#include <cmath>
#include <cstdio>
#include <cstdlib>
#include <random>
#include <vector>

#include "tfhe/fft/fft.h"
#include "tfhe/fft/fft_kernel.h"
#include "tfhe/fft/fft_ref.h"
#include "fft_test_support.h"

namespace fheq::tfhe {
namespace {

using ::fheq::test_support::test_seed;
using fft_testing::kBackends;
using fft_testing::max_abs_signed_difference;
using fft_testing::random_small;
using fft_testing::random_torus;

TEST(NegacyclicFftFused, SumOfProductsAddsTheExactSumWithinTheF64Bound) {
  // acc += Σ_t a_t · d_t for torus a_t and digits |d| ≤ 2^22 (the external product of a 1×23 PBS).
  // Bound: the product bound of fft.h times the number of terms, 2^(64−53+log2 N+22+2)·count.
  std::mt19937_64 rng(test_seed());
  const int digit_bits = 22;
  for (FftBackend backend : kBackends) {
    for (size_t n = 64; n <= 4096; n *= 2) {  // N = 64, 128 are the smallest odd/even native shapes
      const NegacyclicFft& fft = fft_for(n, backend);
      for (size_t count : {1, 2, 4}) {
        std::vector<FourierPolynomial> fa(count, FourierPolynomial(n)), fd(count, FourierPolynomial(n));
        std::vector<const FourierPolynomial*> pa(count), pd(count);
        const std::vector<uint64_t> start = random_torus(rng, n);
        std::vector<uint64_t> exact = start;
        for (size_t t = 0; t < count; ++t) {
          const auto a = random_torus(rng, n);
          const auto d = random_small(rng, n, digit_bits);
          fft.forward_torus(a.data(), fa[t]);
          fft.forward_i64(d.data(), fd[t]);
          pa[t] = &fa[t];
          pd[t] = &fd[t];
          const auto product = negacyclic_multiply_karatsuba(a, std::vector<uint64_t>(d.begin(), d.end()));
          for (size_t q = 0; q < n; ++q) exact[q] += product[q];
        }
        std::vector<uint64_t> got = start;
        fft.backward_add_torus_of_products(pa.data(), pd.data(), count, got.data());
        const double bound = std::ldexp(static_cast<double>(count), 64 - 53 + std::countr_zero(n) + digit_bits + 2);
        const uint64_t error = max_abs_signed_difference(got, exact);
        EXPECT_LE(static_cast<double>(error), bound) << fft_backend_name(backend) << " N=" << n << " terms=" << count;
        if (count == 2)
          std::printf("[ fft ] %s N=%zu fused 2-term: max |error| = 2^%.2f\n", fft_backend_name(backend), n,
                      std::log2(static_cast<double>(error) + 1));
      }
    }
  }
}

TEST(NegacyclicFftFused, SmallIntegerSumsAreExactAtEveryPassShape) {
  // Σ a_t·d_t with |a|, |d| ≤ 2^12 stays far below 2^47: the FFT result must round to it exactly,
  // for every N whose native pass structure differs (stage counts odd/even, N = 64 … 8192).
  std::mt19937_64 rng(test_seed());
  for (FftBackend backend : kBackends) {
    for (size_t n = 64; n <= 8192; n *= 2) {
      const NegacyclicFft& fft = fft_for(n, backend);
      const size_t count = 3;
      std::vector<FourierPolynomial> fa(count, FourierPolynomial(n)), fd(count, FourierPolynomial(n));
      std::vector<const FourierPolynomial*> pa(count), pd(count);
      std::vector<uint64_t> exact(n, 0);
      for (size_t t = 0; t < count; ++t) {
        const auto a = random_small(rng, n, 12), d = random_small(rng, n, 12);
        fft.forward_i64(a.data(), fa[t]);
        fft.forward_i64(d.data(), fd[t]);
        pa[t] = &fa[t];
        pd[t] = &fd[t];
        const auto product = negacyclic_multiply_karatsuba(std::vector<uint64_t>(a.begin(), a.end()),
                                                           std::vector<uint64_t>(d.begin(), d.end()));
        for (size_t q = 0; q < n; ++q) exact[q] += product[q];
      }
      std::vector<uint64_t> got(n, 0);
      fft.backward_add_torus_of_products(pa.data(), pd.data(), count, got.data());
      EXPECT_EQ(got, exact) << fft_backend_name(backend) << " N=" << n;
      // The unfused path (multiply_accumulate + backward_torus) gives the same exact result.
      FourierPolynomial sum(n);
      for (size_t t = 0; t < count; ++t) NegacyclicFft::multiply_accumulate(sum, fa[t], fd[t]);
      std::vector<uint64_t> unfused(n);
      fft.backward_torus(sum, unfused.data());
      EXPECT_EQ(unfused, exact) << fft_backend_name(backend) << " N=" << n;
    }
  }
}

TEST(NegacyclicFftFused, WrapsValuesFarBeyondTwoToThe64) {
  // Sparse torus × digit polynomials whose unreduced products reach 2^83: the rounding mod 2^64 must
  // wrap them correctly (a wrong wrap is off by ~2^63); error within the bound of fft.h, 2^(64−53+11+24).
  for (FftBackend backend : kBackends) {
    const size_t n = 2048;
    const NegacyclicFft& fft = fft_for(n, backend);
    std::vector<uint64_t> a(n, 0);
    a[0] = (uint64_t{1} << 62) + 1;
    a[5] = 0 - (uint64_t{1} << 61);
    std::vector<int64_t> d(n, 0);
    d[0] = (1 << 20) + 3;
    d[n - 1] = -(1 << 21);
    FourierPolynomial fa(n), fd(n);
    fft.forward_torus(a.data(), fa);
    fft.forward_i64(d.data(), fd);
    const FourierPolynomial* pa[] = {&fa};
    const FourierPolynomial* pd[] = {&fd};
    std::vector<uint64_t> got(n, 0);
    fft.backward_add_torus_of_products(pa, pd, 1, got.data());
    const auto exact = negacyclic_multiply_ref(a, std::vector<uint64_t>(d.begin(), d.end()));
    const uint64_t error = max_abs_signed_difference(got, exact);
    std::printf("[ fft ] %s wrap test: max |error| = 2^%.2f\n", fft_backend_name(backend),
                std::log2(static_cast<double>(error) + 1));
    EXPECT_LE(error, uint64_t{1} << 46) << fft_backend_name(backend);
  }
}

TEST(NegacyclicFftFused, PlainComplexKernelsMatchFftwAndInvert) {
  // The plain (untwisted) complex transforms of the native kernel against FFTW's in the same
  // bit-reversed layout, and backward(forward(x)) = M·x, for both pass shapes (odd/even, M = 32 … 1024).
  std::mt19937_64 rng(test_seed());
  std::uniform_real_distribution<double> unit(-1.0, 1.0);
  for (size_t m = 32; m <= 1024; m *= 2) {
    const auto native = detail::make_native_fft_kernel(m);
    const auto fftw = detail::make_fftw_fft_kernel(m);
    AlignedVector<double> re(m), im(m);
    for (size_t k = 0; k < m; ++k) re[k] = unit(rng), im[k] = unit(rng);
    AlignedVector<double> nre = re, nim = im, fre = re, fim = im;
    native->forward(nre.data(), nim.data());
    fftw->forward(fre.data(), fim.data());
    const double tolerance = 1e-13 * static_cast<double>(m);
    for (size_t k = 0; k < m; ++k) {
      ASSERT_NEAR(nre[k], fre[k], tolerance) << "forward M=" << m << " k=" << k;
      ASSERT_NEAR(nim[k], fim[k], tolerance) << "forward M=" << m << " k=" << k;
    }
    native->backward(nre.data(), nim.data());
    for (size_t k = 0; k < m; ++k) {
      ASSERT_NEAR(nre[k], re[k] * static_cast<double>(m), tolerance) << "inverse M=" << m << " k=" << k;
      ASSERT_NEAR(nim[k], im[k] * static_cast<double>(m), tolerance) << "inverse M=" << m << " k=" << k;
    }
  }
}

}  // namespace
}  // namespace fheq::tfhe
