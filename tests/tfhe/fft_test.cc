// Negacyclic FFT products against exact integer references (schoolbook / Karatsuba mod 2^64).
#include "common/test_seed.h"
#include <gtest/gtest.h>

#include <bit>
#include <cmath>
#include <cstdio>
#include <cstdlib>
#include <random>
#include <thread>
#include <vector>

#include "fheq/error.h"
#include "tfhe/commons/torus_convert.h"
#include "tfhe/fft/fft.h"
#include "tfhe/fft/fft_ref.h"
#include "fft_test_support.h"

namespace fheq::tfhe {
namespace {

using ::fheq::test_support::test_seed;
using fft_testing::kBackends;
using fft_testing::max_abs_signed_difference;
using fft_testing::random_small;
using fft_testing::random_torus;

std::vector<uint64_t> as_torus(const std::vector<int64_t>& v) { return {v.begin(), v.end()}; }

// a · d through the Fourier domain, as the external product does it.
std::vector<uint64_t> fft_product(const NegacyclicFft& fft, const std::vector<uint64_t>& a, const std::vector<int64_t>& d) {
  const size_t n = a.size();
  FourierPolynomial fa(n), fd(n), acc(n);
  fft.forward_torus(a.data(), fa);
  fft.forward_i64(d.data(), fd);
  NegacyclicFft::multiply_accumulate(acc, fa, fd);
  std::vector<uint64_t> out(n);
  fft.backward_torus(acc, out.data());
  return out;
}

TEST(NegacyclicReference, MonomialProductsFollowXToTheNEqualsMinusOne) {
  // X^i · X^j = X^(i+j) if i + j < N, −X^(i+j−N) otherwise: an independent check of both references.
  const size_t n = 64;
  for (size_t i = 0; i < n; i += 7) {
    for (size_t j = 0; j < n; j += 5) {
      std::vector<uint64_t> a(n, 0), b(n, 0), expected(n, 0);
      a[i] = 3;
      b[j] = 5;
      expected[(i + j) % n] = i + j < n ? 15 : static_cast<uint64_t>(-15);
      EXPECT_EQ(negacyclic_multiply_ref(a, b), expected) << "i=" << i << " j=" << j;
      EXPECT_EQ(negacyclic_multiply_karatsuba(a, b), expected) << "i=" << i << " j=" << j;
    }
  }
}

TEST(NegacyclicReference, KaratsubaEqualsSchoolbookExactly) {
  std::mt19937_64 rng(test_seed());
  for (size_t n : {1, 2, 16, 64, 128, 512, 1024}) {
    const auto a = random_torus(rng, n), b = random_torus(rng, n);
    EXPECT_EQ(negacyclic_multiply_karatsuba(a, b), negacyclic_multiply_ref(a, b)) << "N=" << n;
  }
}

TEST(TorusConvert, RoundToTorusWrappingMatchesExactIntegerArithmetic) {
  // Reference: x = m·2^e exactly (frexp), computed in 128-bit integers, then reduced mod 2^64.
  auto reference = [](double x) -> uint64_t {
    if (std::fabs(x) < 0x1p62) return static_cast<uint64_t>(static_cast<int64_t>(std::llround(x)));
    int e = 0;
    const double mantissa = std::frexp(x, &e);  // x = mantissa·2^e, |mantissa| in [0.5, 1)
    const auto m = static_cast<__int128>(std::ldexp(mantissa, 53));  // exact 53-bit integer
    const int shift = e - 53;                                         // ≥ 10 here: x is an integer
    if (shift >= 64) return 0;
    return static_cast<uint64_t>(static_cast<unsigned __int128>(m) << shift);
  };
  std::mt19937_64 rng(test_seed());
  std::vector<double> values = {0.0, -0.0, 0.49999999999999994, 0.5, -0.5, 1.5, -2.5, 0x1p52 + 1, 0x1p53,
                                0x1p63, -0x1p63, 0x1p64, 0x1p64 + 0x1p12, -0x1p70, 0x1p116, 1e300, 1e-300,
                                0x1p63 - 1024, 3.0 * 0x1p62};
  std::uniform_real_distribution<double> unit(-1.0, 1.0);
  std::uniform_int_distribution<int> exponent(-10, 120);
  for (int i = 0; i < 20000; ++i) values.push_back(std::ldexp(unit(rng), exponent(rng)));
  std::vector<uint64_t> bulk(values.size()), added(values.size(), 7);
  round_to_torus(values.data(), bulk.data(), values.size());
  round_add_to_torus(values.data(), added.data(), values.size());
  for (size_t i = 0; i < values.size(); ++i) {
    const uint64_t expected = reference(values[i]);
    ASSERT_EQ(round_to_torus_wrapping(values[i]), expected) << "x=" << values[i];
    ASSERT_EQ(bulk[i], expected) << "x=" << values[i];
    ASSERT_EQ(added[i], expected + 7) << "x=" << values[i];
  }
}

TEST(NegacyclicFft, ForwardMatchesLongDoubleReferenceTransform) {
  // Higham, Accuracy and Stability of Numerical Algorithms, Thm 24.2: the radix-2 FFT satisfies
  // ‖ŷ − y‖₂ ≤ log2(M)·η/(1 − log2(M)·η)·‖y‖₂ with η ≈ (1 + 4√2)·u ≈ 6.7u for accurate twiddles; we
  // assert 10·(log2(M) + 1)·u, the +1 covering the twist.
  std::mt19937_64 rng(test_seed());
  for (FftBackend backend : kBackends) {
    for (size_t n : {16, 32, 64, 128, 256, 512, 1024, 2048}) {
      const NegacyclicFft& fft = fft_for(n, backend);
      const auto a = random_small(rng, n, 40);
      FourierPolynomial got(n);
      fft.forward_i64(a.data(), got);
      std::vector<double> re(n / 2), im(n / 2);
      negacyclic_forward_ref(a.data(), n, re.data(), im.data());
      double err2 = 0, norm2 = 0;
      for (size_t i = 0; i < n / 2; ++i) {
        const size_t at = fourier_position(i, n);  // the layout of fft.h
        err2 += (got.re[at] - re[i]) * (got.re[at] - re[i]) + (got.im[at] - im[i]) * (got.im[at] - im[i]);
        norm2 += re[i] * re[i] + im[i] * im[i];
      }
      const double relative = std::sqrt(err2 / norm2);
      const double bound = 10.0 * (std::log2(n / 2.0) + 1) * 0x1p-53;
      std::printf("[ fft ] %s N=%zu forward relative l2 error %.3g (bound %.3g)\n", fft_backend_name(backend), n,
                  relative, bound);
      EXPECT_LE(relative, bound) << fft_backend_name(backend) << " N=" << n;
    }
  }
}

TEST(NegacyclicFft, SmallIntegerProductsAreExact) {
  // Operands with |a|, |d| ≤ 2^b and b = (47 − log2 N)/2: every exact result coefficient is
  // < N·2^(2b) ≤ 2^47, and the f64 error (≈ u·‖a‖₂‖d‖₂·log N ≲ 2^-53·2^47·14 < 2^-2) rounds away.
  std::mt19937_64 rng(test_seed());
  for (FftBackend backend : kBackends) {
    for (size_t n = 256; n <= 16384; n *= 2) {
      const NegacyclicFft& fft = fft_for(n, backend);
      const int bits = (47 - std::countr_zero(n)) / 2;
      const auto a = random_small(rng, n, bits), d = random_small(rng, n, bits);
      const auto exact = negacyclic_multiply_karatsuba(as_torus(a), as_torus(d));
      EXPECT_EQ(fft_product(fft, as_torus(a), d), exact) << fft_backend_name(backend) << " N=" << n;
    }
  }
}

TEST(NegacyclicFft, TorusTimesDigitsWithinF64ErrorBound) {
  // Torus polynomial (64-bit, read as signed) × digits with |d| ≤ 2^22 (base_log 23, the PBS of
  // DESIGN.md §3). Bound asserted: max |error| ≤ 2^(64 − 53 + log2 N + 22 + 2) (fft.h); typical
  // measured errors are far below it, so a broken transform (errors ~2^63) cannot pass.
  std::mt19937_64 rng(test_seed());
  const int digit_bits = 22;
  for (FftBackend backend : kBackends) {
    for (size_t n = 256; n <= 16384; n *= 2) {
      const NegacyclicFft& fft = fft_for(n, backend);
      const auto a = random_torus(rng, n);
      const auto d = random_small(rng, n, digit_bits);
      const auto exact = negacyclic_multiply_karatsuba(a, as_torus(d));
      const uint64_t error = max_abs_signed_difference(fft_product(fft, a, d), exact);
      const int log_n = std::countr_zero(n);
      const double bound_log2 = 64 - 53 + log_n + digit_bits + 2;
      std::printf("[ fft ] %s N=%zu torus x 2^%d digits: max |error| = 2^%.2f (bound 2^%.0f)\n",
                  fft_backend_name(backend), n, digit_bits, std::log2(static_cast<double>(error) + 1), bound_log2);
      EXPECT_LE(static_cast<double>(error), std::ldexp(1.0, static_cast<int>(bound_log2)))
          << fft_backend_name(backend) << " N=" << n;
    }
  }
}

TEST(NegacyclicFft, BackendsShareTheFourierLayout) {
  // Forward with one backend, multiply, invert with the other: still the exact small product.
  std::mt19937_64 rng(test_seed());
  const size_t n = 2048;
  const NegacyclicFft& native = fft_for(n, FftBackend::kNative);
  const NegacyclicFft& fftw = fft_for(n, FftBackend::kFftw);
  const auto a = random_small(rng, n, 16), d = random_small(rng, n, 16);
  FourierPolynomial fa(n), fd(n), acc(n);
  native.forward_i64(a.data(), fa);
  fftw.forward_i64(d.data(), fd);
  NegacyclicFft::multiply_accumulate(acc, fa, fd);
  std::vector<uint64_t> out(n);
  fftw.backward_torus(acc, out.data());
  EXPECT_EQ(out, negacyclic_multiply_karatsuba(as_torus(a), as_torus(d)));
  native.backward_torus(acc, out.data());
  EXPECT_EQ(out, negacyclic_multiply_karatsuba(as_torus(a), as_torus(d)));
}

TEST(NegacyclicFft, BackwardAddAccumulatesSumOfProducts) {
  // acc0 + a1·d1 + a2·d2, with the two products summed in the Fourier domain and added mod 2^64.
  std::mt19937_64 rng(test_seed());
  for (FftBackend backend : kBackends) {
    const size_t n = 1024;
    const NegacyclicFft& fft = fft_for(n, backend);
    const auto a1 = random_small(rng, n, 15), d1 = random_small(rng, n, 15);
    const auto a2 = random_small(rng, n, 15), d2 = random_small(rng, n, 15);
    auto acc = random_torus(rng, n);
    auto expected = acc;
    const auto p1 = negacyclic_multiply_karatsuba(as_torus(a1), as_torus(d1));
    const auto p2 = negacyclic_multiply_karatsuba(as_torus(a2), as_torus(d2));
    for (size_t i = 0; i < n; ++i) expected[i] += p1[i] + p2[i];
    FourierPolynomial f(n), g(n), sum(n);
    fft.forward_i64(a1.data(), f);
    fft.forward_i64(d1.data(), g);
    NegacyclicFft::multiply_accumulate(sum, f, g);
    fft.forward_i64(a2.data(), f);
    fft.forward_i64(d2.data(), g);
    NegacyclicFft::multiply_accumulate(sum, f, g);
    fft.backward_add_torus(sum, acc.data());
    EXPECT_EQ(acc, expected) << fft_backend_name(backend);
  }
}

TEST(NegacyclicFft, ConcurrentUseGivesTheSameResults) {
  std::mt19937_64 rng(test_seed());
  for (FftBackend backend : kBackends) {
    const size_t n = 4096;
    const NegacyclicFft& fft = fft_for(n, backend);
    const auto a = random_small(rng, n, 12), d = random_small(rng, n, 12);
    const auto expected = negacyclic_multiply_karatsuba(as_torus(a), as_torus(d));
    std::vector<std::thread> threads;
    std::vector<int> mismatches(4, 0);
    for (int t = 0; t < 4; ++t) {
      threads.emplace_back([&, t] {
        for (int r = 0; r < 50; ++r) mismatches[t] += fft_product(fft, as_torus(a), d) != expected;
      });
    }
    for (auto& th : threads) th.join();
    for (int t = 0; t < 4; ++t) EXPECT_EQ(mismatches[t], 0) << fft_backend_name(backend) << " thread " << t;
  }
}

TEST(NegacyclicFft, RejectsBadSizesAndBackendNames) {
  EXPECT_THROW(NegacyclicFft(1000), fheq::Error);
  EXPECT_THROW(NegacyclicFft(8), fheq::Error);
  const char* saved = std::getenv("FHEQ_FFT");
  const std::string saved_value = saved ? saved : "";
  setenv("FHEQ_FFT", "cuda", 1);
  EXPECT_THROW(default_fft_backend(), fheq::Error);
  setenv("FHEQ_FFT", "fftw", 1);
  EXPECT_EQ(default_fft_backend(), FftBackend::kFftw);
  if (saved) {
    setenv("FHEQ_FFT", saved_value.c_str(), 1);
  } else {
    unsetenv("FHEQ_FFT");
  }
  EXPECT_EQ(&fft_for(512), &fft_for(512));
  EXPECT_EQ(fft_for(512).polynomial_size(), 512u);
}

}  // namespace
}  // namespace fheq::tfhe
