#include "runtime/output_transport.h"

#include "core/check.h"

namespace fheq::runtime {

void round_to_transport_bits(std::vector<tfhe::LweCiphertext>& ciphertexts, uint32_t bits, core::ThreadPool& pool) {
  FHEQ_CHECK(bits >= 1 && bits <= 64, "transport bits ", bits);
  if (bits == 64) return;
  const uint32_t dropped = 64 - bits;
  const tfhe::Torus half = tfhe::Torus{1} << (dropped - 1);
  const tfhe::Torus keep_mask = ~((tfhe::Torus{1} << dropped) - 1);
  pool.parallel_for(0, ciphertexts.size(), [&](size_t c) {
    for (tfhe::Torus& word : ciphertexts[c].data) word = (word + half) & keep_mask;
  });
}

}  // namespace fheq::runtime
