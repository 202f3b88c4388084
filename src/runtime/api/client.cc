// fheq::Client (include/fheq/client.h) over the runtime internals.
#include "fheq/client.h"

#include <chrono>
#include <filesystem>
#include <optional>

#include "core/check.h"
#include "quant/client_records.h"
#include "runtime/artifacts.h"
#include "runtime/ciphertext_file.h"
#include "runtime/client_crypto.h"
#include "runtime/keys.h"

namespace fheq {

struct Client::Impl {
  runtime::ClientSpec spec;
  bool allow_toy = false;
  std::optional<runtime::SecretKeySet> secret;
  std::optional<runtime::SeededEvaluationKeys> eval;
  double keygen_seconds = 0;

  const runtime::SecretKeySet& secret_key() const {
    FHEQ_REQUIRE(secret.has_value(), "client: no secret key (generate_keys() or load_secret_key() first)");
    return *secret;
  }
};

Client::Client(std::unique_ptr<Impl> impl) : impl_(std::move(impl)) {}
Client::Client(Client&&) noexcept = default;
Client& Client::operator=(Client&&) noexcept = default;
Client::~Client() = default;

Client Client::load(const std::string& artifact_dir, const RuntimeOptions& options) {
  auto impl = std::make_unique<Impl>();
  impl->allow_toy = options.allow_toy_params || runtime::toy_parameters_allowed_by_environment();
  impl->spec = runtime::load_client_artifact(artifact_dir, impl->allow_toy);
  return Client(std::move(impl));
}

void Client::generate_keys() {
  const auto start = std::chrono::steady_clock::now();
  tfhe::Csprng generator(tfhe::seed_from_os());
  impl_->secret = runtime::generate_secret_keys(impl_->spec.params, impl_->spec.circuit_fingerprint, generator);
  impl_->eval = runtime::generate_evaluation_keys(*impl_->secret, generator);
  impl_->keygen_seconds = std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
}

void Client::save_keys(const std::string& secret_key_path, const std::string& evaluation_keys_path) const {
  FHEQ_REQUIRE(impl_->eval.has_value(), "client: no evaluation keys (generate_keys() first)");
  runtime::save_key_pair(secret_key_path, impl_->secret_key(), evaluation_keys_path, *impl_->eval);
}

void Client::save_secret_key(const std::string& path) const { runtime::save_secret_keys(path, impl_->secret_key()); }

void Client::save_evaluation_keys(const std::string& path) const {
  FHEQ_REQUIRE(impl_->eval.has_value(), "client: no evaluation keys (generate_keys() first)");
  runtime::save_evaluation_keys(path, *impl_->eval);
}

void Client::load_secret_key(const std::string& path) {
  impl_->secret = runtime::load_secret_keys(path, impl_->spec.params, impl_->spec.circuit_fingerprint);
}

KeySizeReport Client::key_sizes() const {
  const runtime::KeySizes s = runtime::key_sizes(impl_->spec.params);
  KeySizeReport r;
  r.params_name = impl_->spec.params.name;
  r.bootstrap_key = s.bootstrap_key;
  r.seeded_bootstrap_key = s.seeded_bootstrap_key;
  r.keyswitch_key = s.keyswitch_key;
  r.seeded_keyswitch_key = s.seeded_keyswitch_key;
  r.keygen_seconds = impl_->keygen_seconds;
  return r;
}

IntTensor Client::quantize(const FloatTensor& x) const { return quant::quantize_input(impl_->spec.quantizer, x); }

int64_t Client::encrypt(const FloatTensor& x, const std::string& path) const { return encrypt_codes(quantize(x), path); }

namespace {

runtime::EncryptedInput encrypt_with(const runtime::ClientSpec& spec, const runtime::SecretKeySet& secret,
                                     const IntTensor& codes) {
  tfhe::Csprng seeds(tfhe::seed_from_os());
  return runtime::encrypt_input(spec, secret, codes, seeds, tfhe::seed_from_os());
}

IntTensor decrypt_with(const runtime::ClientSpec& spec, const runtime::SecretKeySet& secret,
                       const runtime::EncryptedOutput& out, const std::string& source) {
  runtime::check_key_pair(source, out.key_pair_id, secret.key_pair_id, "secret key's keys");
  FHEQ_REQUIRE(out.sample_shape == spec.output_shape, source, ": outputs of shape ", shape_to_string(out.sample_shape),
               ", the circuit's output is ", shape_to_string(spec.output_shape));
  return runtime::decrypt_output(spec, secret, out);
}

constexpr char kCiphertextBytes[] = "ciphertext bytes";

}  // namespace

int64_t Client::encrypt_codes(const IntTensor& codes, const std::string& path) const {
  const runtime::EncryptedInput enc = encrypt_with(impl_->spec, impl_->secret_key(), codes);
  runtime::save_encrypted_input(path, enc, impl_->spec.params);
  return enc.batch;
}

std::string Client::encrypt_to_bytes(const FloatTensor& x) const { return encrypt_codes_to_bytes(quantize(x)); }

std::string Client::encrypt_codes_to_bytes(const IntTensor& codes) const {
  return runtime::encrypted_input_bytes(encrypt_with(impl_->spec, impl_->secret_key(), codes), impl_->spec.params);
}

IntTensor Client::decrypt_accumulators(const std::string& path) const {
  return decrypt_with(impl_->spec, impl_->secret_key(),
                      runtime::load_encrypted_output(path, impl_->spec.params, impl_->spec.circuit_fingerprint), path);
}

IntTensor Client::decrypt_accumulators_from_bytes(const std::string& bytes) const {
  return decrypt_with(
      impl_->spec, impl_->secret_key(),
      runtime::parse_encrypted_output(bytes, impl_->spec.params, impl_->spec.circuit_fingerprint, kCiphertextBytes),
      kCiphertextBytes);
}

FloatTensor Client::decrypt_from_bytes(const std::string& bytes) const {
  return dequantize(decrypt_accumulators_from_bytes(bytes));
}

std::string Client::evaluation_keys_bytes() const {
  FHEQ_REQUIRE(impl_->eval.has_value(), "client: no evaluation keys (generate_keys() first)");
  return runtime::evaluation_keys_bytes(*impl_->eval);
}

FloatTensor Client::dequantize(const IntTensor& accumulators) const {
  return quant::run_client_tail(impl_->spec.client_tail, quant::dequantize_output(impl_->spec.dequantizer, accumulators));
}

FloatTensor Client::decrypt(const std::string& path) const { return dequantize(decrypt_accumulators(path)); }

std::string Client::params_name() const { return impl_->spec.params.name; }
uint64_t Client::circuit_fingerprint() const { return impl_->spec.circuit_fingerprint; }

}  // namespace fheq
