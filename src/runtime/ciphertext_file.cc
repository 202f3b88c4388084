#include "runtime/ciphertext_file.h"

#include "core/binary_io.h"
#include "core/check.h"
#include "runtime/keys.h"

namespace fheq::runtime {
namespace {

using core::BinaryReader;
using core::BinaryWriter;

constexpr char kInputKind[] = "input-ciphertexts";
constexpr uint64_t kMaxCiphertextsPerFile = uint64_t{1} << 32;
constexpr char kOutputKind[] = "output-ciphertexts";

void write_header(BinaryWriter& w, uint64_t circuit_fingerprint, uint64_t key_pair_id, int64_t batch,
                  const Shape& shape) {
  w.u64(circuit_fingerprint);
  w.u64(key_pair_id);
  w.i64(batch);
  w.u64(shape.size());
  for (int64_t d : shape) w.i64(d);
}

// Reads and checks the header; returns the element count batch × shape_size(shape).
uint64_t read_header(BinaryReader& r, uint64_t expected_circuit, uint64_t& circuit, uint64_t& key_pair_id,
                     int64_t& batch, Shape& shape) {
  circuit = r.u64("circuit fingerprint");
  if (circuit != expected_circuit)
    FHEQ_THROW(r.source(), ": ciphertexts belong to circuit ", std::hex, circuit, " but the artifact's circuit is ",
               expected_circuit, std::dec, " (encrypt again with this artifact)");
  key_pair_id = r.u64("key-pair id");
  batch = r.i64("batch size");
  if (batch == 0) r.fail("batch size", "is 0: the file holds no samples");
  if (batch < 0 || batch > (int64_t{1} << 32)) r.fail("batch size", "is " + std::to_string(batch));
  const uint64_t rank = r.u64("shape rank");
  if (rank > 8) r.fail("shape rank", "is " + std::to_string(rank));
  shape.assign(rank, 0);
  // The element count is bounded as it is read (no product can overflow): far above any real batch, far below
  // what would overflow 64 bits.
  uint64_t count = static_cast<uint64_t>(batch);
  for (auto& d : shape) {
    d = r.i64("shape dimension");
    if (d <= 0 || d > (int64_t{1} << 32)) r.fail("shape dimension", "is " + std::to_string(d));
    count *= static_cast<uint64_t>(d);
    if (count > kMaxCiphertextsPerFile)
      r.fail("shape", "announces more than " + std::to_string(kMaxCiphertextsPerFile) + " ciphertexts");
  }
  return count;
}

void check_count(const std::string& source, size_t found, uint64_t expected) {
  if (found != expected)
    FHEQ_THROW(source, ": holds ", found, " ciphertexts, the header announces ", expected);
}

std::string read_ciphertext_container(const std::string& path, const char* kind) {
  const std::string magic = file_magic(path);
  if (magic == kSecretKeyMagic) FHEQ_THROW(path, ": this is a secret key, not a ciphertext file");
  return core::read_container_file(path, {kCiphertextMagic, kCiphertextFileVersion, kind});
}

std::string ciphertext_payload(const std::string& bytes, const char* kind, const std::string& source) {
  if (bytes.compare(0, 8, kSecretKeyMagic) == 0) FHEQ_THROW(source, ": this is a secret key, not ciphertexts");
  return core::read_container_bytes(bytes, {kCiphertextMagic, kCiphertextFileVersion, kind}, source);
}

}  // namespace

std::string serialize_encrypted_input(const EncryptedInput& input, const tfhe::TfheParams& params) {
  BinaryWriter w;
  write_header(w, input.circuit_fingerprint, input.key_pair_id, input.batch, input.sample_shape);
  w.str(tfhe::serialize_tfhe_object(input.ciphertexts, params));
  return w.buffer();
}

EncryptedInput deserialize_encrypted_input(const std::string& payload, const tfhe::TfheParams& params,
                                           uint64_t circuit_fingerprint, const std::string& source) {
  BinaryReader r(payload, source);
  EncryptedInput out;
  const uint64_t count =
      read_header(r, circuit_fingerprint, out.circuit_fingerprint, out.key_pair_id, out.batch, out.sample_shape);
  out.ciphertexts = tfhe::deserialize_tfhe_object<tfhe::SeededLweCiphertextList>(r.str("ciphertexts"), params, source);
  check_count(source, out.ciphertexts.size(), count);
  if (r.remaining() != 0) r.fail("end of payload", std::to_string(r.remaining()) + " unexpected trailing bytes");
  return out;
}

void save_encrypted_input(const std::string& path, const EncryptedInput& input, const tfhe::TfheParams& params) {
  core::write_container_file(path, {kCiphertextMagic, kCiphertextFileVersion, kInputKind},
                             serialize_encrypted_input(input, params));
}

EncryptedInput load_encrypted_input(const std::string& path, const tfhe::TfheParams& params,
                                    uint64_t circuit_fingerprint) {
  return deserialize_encrypted_input(read_ciphertext_container(path, kInputKind), params, circuit_fingerprint, path);
}

std::string serialize_encrypted_output(const EncryptedOutput& output, const tfhe::TfheParams& params) {
  BinaryWriter w;
  write_header(w, output.circuit_fingerprint, output.key_pair_id, output.batch, output.sample_shape);
  w.u64(output.transport_bits);
  if (output.transport_bits == 64) {
    w.str(tfhe::serialize_tfhe_object(output.ciphertexts, params));
    return w.buffer();
  }
  FHEQ_CHECK(output.transport_bits == 32, "transport bits ", output.transport_bits);
  const uint64_t dimension =
      output.ciphertexts.empty() ? params.big_lwe_dimension() : output.ciphertexts.front().dimension.value;
  w.u64(dimension);
  std::vector<uint32_t> words;
  words.reserve(output.ciphertexts.size() * (dimension + 1));
  for (const tfhe::LweCiphertext& c : output.ciphertexts) {
    FHEQ_CHECK(c.dimension.value == dimension && c.data.size() == dimension + 1, "ragged ciphertext list");
    for (tfhe::Torus t : c.data) {
      FHEQ_CHECK((t & 0xffffffffu) == 0, "output word not rounded to its transport bits");
      words.push_back(static_cast<uint32_t>(t >> 32));
    }
  }
  w.pod_vector(words);
  return w.buffer();
}

EncryptedOutput deserialize_encrypted_output(const std::string& payload, const tfhe::TfheParams& params,
                                             uint64_t circuit_fingerprint, const std::string& source) {
  BinaryReader r(payload, source);
  EncryptedOutput out;
  const uint64_t count =
      read_header(r, circuit_fingerprint, out.circuit_fingerprint, out.key_pair_id, out.batch, out.sample_shape);
  const uint64_t bits = r.u64("transport bits");
  if (bits != 32 && bits != 64) r.fail("transport bits", "is " + std::to_string(bits) + " (32 or 64)");
  out.transport_bits = static_cast<uint32_t>(bits);
  if (bits == 64) {
    out.ciphertexts = tfhe::deserialize_tfhe_object<tfhe::LweCiphertextList>(r.str("ciphertexts"), params, source);
  } else {
    const uint64_t dimension = r.u64("lwe dimension");
    if (dimension != params.lwe_dimension.value && dimension != params.big_lwe_dimension())
      r.fail("lwe dimension", std::to_string(dimension) + " is neither n nor k·N of " + params.name);
    const std::vector<uint32_t> words = r.pod_vector<uint32_t>("ciphertext words");
    if (words.size() % (dimension + 1) != 0)
      r.fail("ciphertext words", std::to_string(words.size()) + " is not a multiple of the LWE size");
    out.ciphertexts.assign(words.size() / (dimension + 1), tfhe::LweCiphertext(tfhe::LweDimension(dimension)));
    const uint32_t* word = words.data();
    for (tfhe::LweCiphertext& c : out.ciphertexts)
      for (tfhe::Torus& t : c.data) t = static_cast<tfhe::Torus>(*word++) << 32;
  }
  check_count(source, out.ciphertexts.size(), count);
  if (r.remaining() != 0) r.fail("end of payload", std::to_string(r.remaining()) + " unexpected trailing bytes");
  return out;
}

void save_encrypted_output(const std::string& path, const EncryptedOutput& output, const tfhe::TfheParams& params) {
  core::write_container_file(path, {kCiphertextMagic, kCiphertextFileVersion, kOutputKind},
                             serialize_encrypted_output(output, params));
}

EncryptedOutput load_encrypted_output(const std::string& path, const tfhe::TfheParams& params,
                                      uint64_t circuit_fingerprint) {
  return deserialize_encrypted_output(read_ciphertext_container(path, kOutputKind), params, circuit_fingerprint, path);
}

std::string encrypted_input_bytes(const EncryptedInput& input, const tfhe::TfheParams& params) {
  return core::container_bytes({kCiphertextMagic, kCiphertextFileVersion, kInputKind},
                               serialize_encrypted_input(input, params));
}

EncryptedInput parse_encrypted_input(const std::string& bytes, const tfhe::TfheParams& params,
                                     uint64_t circuit_fingerprint, const std::string& source) {
  return deserialize_encrypted_input(ciphertext_payload(bytes, kInputKind, source), params, circuit_fingerprint,
                                     source);
}

std::string encrypted_output_bytes(const EncryptedOutput& output, const tfhe::TfheParams& params) {
  return core::container_bytes({kCiphertextMagic, kCiphertextFileVersion, kOutputKind},
                               serialize_encrypted_output(output, params));
}

EncryptedOutput parse_encrypted_output(const std::string& bytes, const tfhe::TfheParams& params,
                                       uint64_t circuit_fingerprint, const std::string& source) {
  return deserialize_encrypted_output(ciphertext_payload(bytes, kOutputKind, source), params, circuit_fingerprint,
                                      source);
}

}  // namespace fheq::runtime
