#include "runtime/client_crypto.h"

#include "core/check.h"
#include "tfhe/algorithms/lwe_encryption.h"
#include "tfhe/commons/noise_sampler.h"

namespace fheq::runtime {

using compiler::LweKeyKind;

EncryptedInput encrypt_input(const ClientSpec& spec, const SecretKeySet& secret, const IntTensor& codes,
                             tfhe::Csprng& seeds, const tfhe::Seed& noise_seed) {
  const Shape& sample_shape = spec.input_shape;
  const int64_t elements = shape_size(sample_shape);
  FHEQ_REQUIRE(codes.rank() >= 1 && codes.dim(0) > 0, "no samples to encrypt (the input batch is empty)");
  FHEQ_REQUIRE(codes.rank() >= 1 && codes.size() == codes.dim(0) * elements,
               "input codes have shape ", shape_to_string(codes.shape), ", the circuit expects [N, ",
               shape_to_string(sample_shape), "]");
  const quant::IntRange range = spec.input.code_range;
  const bool small = spec.input.key == LweKeyKind::kSmall;
  const tfhe::LweSecretKey big_key = small ? tfhe::LweSecretKey{tfhe::LweDimension(0), {}} : secret.keys.glwe_key.as_lwe_key();
  const tfhe::LweSecretKey& key = small ? secret.keys.small_key : big_key;
  // Fresh encryptions use the noise of the key they are under (TfheParams: lwe_noise for n, glwe_noise for k·N).
  const tfhe::NoiseDistribution& noise = small ? spec.params.lwe_noise : spec.params.glwe_noise;
  tfhe::NoiseSampler sampler(noise_seed);

  EncryptedInput out;
  out.circuit_fingerprint = spec.circuit_fingerprint;
  out.key_pair_id = secret.key_pair_id;
  out.batch = codes.dim(0);
  out.sample_shape = sample_shape;
  out.ciphertexts.reserve(static_cast<size_t>(codes.size()));
  for (int64_t i = 0; i < codes.size(); ++i) {
    const int64_t x = codes[i];
    FHEQ_REQUIRE(x >= range.min && x <= range.max, "input code ", x, " at element ", i, " is outside the circuit's code range [",
                 range.min, ", ", range.max, "]");
    tfhe::Seed mask_seed{};
    seeds.fill_bytes(mask_seed.data(), mask_seed.size());
    out.ciphertexts.push_back(tfhe::encrypt_lwe_seeded(key, compiler::encode_integer(x, spec.input.log2_delta),
                                                       noise, mask_seed, sampler));
  }
  return out;
}

std::vector<tfhe::LweCiphertext> decompress_input(const EncryptedInput& input, core::ThreadPool& pool) {
  std::vector<tfhe::LweCiphertext> out(input.ciphertexts.size());
  pool.parallel_for(0, out.size(), [&](size_t i) { out[i] = tfhe::decompress_lwe(input.ciphertexts[i]); });
  return out;
}

std::vector<tfhe::Torus> decrypt_phases(const SecretKeySet& secret, const std::vector<tfhe::LweCiphertext>& cts) {
  const tfhe::LweSecretKey big_key = secret.keys.glwe_key.as_lwe_key();
  std::vector<tfhe::Torus> phases(cts.size());
  for (size_t i = 0; i < cts.size(); ++i) {
    // The output is under the big key after any PBS; a circuit without TLU leaves it under the input's key.
    const bool small = cts[i].dimension.value == secret.keys.small_key.dimension.value;
    phases[i] = tfhe::decrypt_lwe(small ? secret.keys.small_key : big_key, cts[i]);
  }
  return phases;
}

IntTensor decrypt_output(const ClientSpec& spec, const SecretKeySet& secret,
                         const EncryptedOutput& output) {
  const std::vector<tfhe::Torus> phases = decrypt_phases(secret, output.ciphertexts);
  Shape shape{output.batch};
  shape.insert(shape.end(), output.sample_shape.begin(), output.sample_shape.end());
  IntTensor out(shape);
  FHEQ_REQUIRE(out.size() == static_cast<int64_t>(phases.size()), "encrypted output holds ", phases.size(),
               " ciphertexts for shape ", shape_to_string(shape));
  for (size_t i = 0; i < phases.size(); ++i) out.data[i] = compiler::decode_output(spec.output, phases[i]);
  return out;
}

}  // namespace fheq::runtime
