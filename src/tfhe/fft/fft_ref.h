// Exact negacyclic products mod 2^64 (X^N = -1): the references the FFT is tested against.
#pragma once

#include <cstddef>
#include <cstdint>
#include <vector>

namespace fheq::tfhe {

// out = a · b mod (X^N + 1, 2^64), schoolbook O(N²).
std::vector<uint64_t> negacyclic_multiply_ref(const std::vector<uint64_t>& a, const std::vector<uint64_t>& b);
// Same product by Karatsuba, O(N^1.58); exact, for large N in tests.
std::vector<uint64_t> negacyclic_multiply_karatsuba(const std::vector<uint64_t>& a, const std::vector<uint64_t>& b);

// Reference forward transform, O(N²) in long double, defining the Fourier layout of fft.h:
// with M = N/2, c_k = (a_k + i·a_{k+M})·e^{iπk/N} (twist) and bitreverse over log2(M) bits,
//   out[i] = Σ_k c_k · e^{-2πi·k·bitreverse(i)/M}.
// Results are written as doubles into re/im (each of size M).
void negacyclic_forward_ref(const int64_t* coefficients, size_t polynomial_size, double* re, double* im);

}  // namespace fheq::tfhe
