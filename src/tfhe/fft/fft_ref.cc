// Exact negacyclic products mod 2^64 and the O(N²) reference transform. Unsigned arithmetic wraps
// mod 2^64, which is exactly the torus ring, so no step below can lose precision.
#include "tfhe/fft/fft_ref.h"

#include <cmath>
#include <numbers>

#include "core/check.h"
#include "tfhe/fft/fft_kernel.h"

namespace fheq::tfhe {

namespace {

// Plain (non-reduced) product of two length-n polynomials: out has 2n − 1 coefficients, added into.
void schoolbook_add(const uint64_t* a, const uint64_t* b, size_t n, uint64_t* out) {
  for (size_t i = 0; i < n; ++i)
    for (size_t j = 0; j < n; ++j) out[i + j] += a[i] * b[j];
}

// Karatsuba (1962) on the plain product: with a = a0 + a1·X^h, b = b0 + b1·X^h,
//   a·b = a0b0 + ((a0+a1)(b0+b1) − a0b0 − a1b1)·X^h + a1b1·X^(2h).
// out (2n − 1 coefficients) is overwritten. n is a power of two.
void karatsuba(const uint64_t* a, const uint64_t* b, size_t n, uint64_t* out) {
  if (n <= 32) {
    std::fill(out, out + 2 * n - 1, 0);
    schoolbook_add(a, b, n, out);
    return;
  }
  const size_t h = n / 2;
  std::vector<uint64_t> low(2 * h - 1), high(2 * h - 1), mid(2 * h - 1), sa(h), sb(h);
  karatsuba(a, b, h, low.data());
  karatsuba(a + h, b + h, h, high.data());
  for (size_t i = 0; i < h; ++i) {
    sa[i] = a[i] + a[i + h];
    sb[i] = b[i] + b[i + h];
  }
  karatsuba(sa.data(), sb.data(), h, mid.data());
  std::fill(out, out + 2 * n - 1, 0);
  for (size_t i = 0; i < 2 * h - 1; ++i) {
    out[i] += low[i];
    out[i + h] += mid[i] - low[i] - high[i];
    out[i + 2 * h] += high[i];
  }
}

// X^N = −1: coefficient i + N folds onto i with a minus sign.
std::vector<uint64_t> reduce_negacyclic(const std::vector<uint64_t>& full, size_t n) {
  std::vector<uint64_t> out(n);
  for (size_t i = 0; i < n; ++i) out[i] = full[i] - (i + n < full.size() ? full[i + n] : 0);
  return out;
}

}  // namespace

std::vector<uint64_t> negacyclic_multiply_ref(const std::vector<uint64_t>& a, const std::vector<uint64_t>& b) {
  FHEQ_CHECK(a.size() == b.size(), "sizes ", a.size(), " and ", b.size());
  const size_t n = a.size();
  std::vector<uint64_t> out(n, 0);
  for (size_t i = 0; i < n; ++i) {
    for (size_t j = 0; j < n; ++j) {
      const uint64_t p = a[i] * b[j];
      if (i + j < n) {
        out[i + j] += p;
      } else {
        out[i + j - n] -= p;
      }
    }
  }
  return out;
}

std::vector<uint64_t> negacyclic_multiply_karatsuba(const std::vector<uint64_t>& a, const std::vector<uint64_t>& b) {
  FHEQ_CHECK(a.size() == b.size(), "sizes ", a.size(), " and ", b.size());
  const size_t n = a.size();
  FHEQ_CHECK(n >= 1 && (n & (n - 1)) == 0, "size ", n, " is not a power of two");
  std::vector<uint64_t> full(2 * n - 1);
  karatsuba(a.data(), b.data(), n, full.data());
  return reduce_negacyclic(full, n);
}

void negacyclic_forward_ref(const int64_t* coefficients, size_t polynomial_size, double* re, double* im) {
  const size_t n = polynomial_size, m = n / 2;
  unsigned bits = 0;
  while ((size_t{1} << bits) < m) ++bits;
  const long double pi = std::numbers::pi_v<long double>;
  std::vector<long double> cr(m), ci(m);
  for (size_t k = 0; k < m; ++k) {
    const long double x = static_cast<long double>(coefficients[k]), y = static_cast<long double>(coefficients[k + m]);
    const long double angle = pi * static_cast<long double>(k) / static_cast<long double>(n);
    cr[k] = x * std::cos(angle) - y * std::sin(angle);
    ci[k] = x * std::sin(angle) + y * std::cos(angle);
  }
  for (size_t i = 0; i < m; ++i) {
    const size_t j = detail::bit_reverse(i, bits);
    long double sr = 0, si = 0;
    for (size_t k = 0; k < m; ++k) {
      // e^{-2πi·jk/M}; jk reduced mod M first so the angle stays small and accurate.
      const long double angle = -2 * pi * static_cast<long double>((j * k) % m) / static_cast<long double>(m);
      const long double c = std::cos(angle), s = std::sin(angle);
      sr += cr[k] * c - ci[k] * s;
      si += cr[k] * s + ci[k] * c;
    }
    re[i] = static_cast<double>(sr);
    im[i] = static_cast<double>(si);
  }
}

}  // namespace fheq::tfhe
