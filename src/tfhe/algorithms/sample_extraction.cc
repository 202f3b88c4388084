#include "tfhe/algorithms/sample_extraction.h"

#include "core/check.h"

namespace fheq::tfhe {

void extract_lwe_sample(const GlweCiphertext& in, size_t index, LweCiphertext& out) {
  const size_t n = in.polynomial_size.value, k = in.glwe_dimension.value;
  FHEQ_REQUIRE(index < n, "extract_lwe_sample: index ", index, " ≥ polynomial size ", n);
  if (out.data.size() != k * n + 1) out = LweCiphertext(LweDimension(k * n));
  out.dimension = LweDimension(k * n);
  // Coefficient h of A·S is Σ_{c≤h} A[h−c]·S[c] − Σ_{c>h} A[N+h−c]·S[c], so the mask element paired
  // with S[c] is A[h−c] for c ≤ h and −A[N+h−c] for c > h (TFHE JoC 2020 Def. 3.7).
  for (size_t i = 0; i < k; ++i) {
    const Torus* a = in.polynomial(i);
    Torus* mask = out.data.data() + i * n;
    for (size_t c = 0; c <= index; ++c) mask[c] = a[index - c];
    for (size_t c = index + 1; c < n; ++c) mask[c] = Torus{0} - a[n + index - c];
  }
  out.body() = in.body()[index];
}

}  // namespace fheq::tfhe
