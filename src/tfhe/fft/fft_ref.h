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

}  // namespace fheq::tfhe
