#include "tfhe/commons/params.h"

#include <bit>

#include "core/binary_io.h"
#include "core/check.h"

namespace fheq::tfhe {

// FNV-1a over a fixed little-endian serialization of every numeric field (not the name or the
// source text): two sets with identical numbers are interchangeable for keys and ciphertexts.
// A format tag is hashed first so a change of this layout changes every fingerprint.
uint64_t TfheParams::fingerprint() const {
  core::BinaryWriter w;
  w.str("fheq-tfhe-params-v1");
  w.u64(lwe_dimension.value);
  w.u64(glwe_dimension.value);
  w.u64(polynomial_size.value);
  for (const NoiseDistribution* d : {&lwe_noise, &glwe_noise}) {
    w.u64(static_cast<uint64_t>(d->kind));
    w.u64(std::bit_cast<uint64_t>(d->gaussian_std));
    w.u64(d->tuniform_bound_log2);
  }
  w.u64(pbs_base_log.value);
  w.u64(pbs_level.value);
  w.u64(ks_base_log.value);
  w.u64(ks_level.value);
  w.u64(message_bits);
  w.u64(security_bits);
  return core::fnv1a64(w.buffer().data(), w.buffer().size());
}

}  // namespace fheq::tfhe
