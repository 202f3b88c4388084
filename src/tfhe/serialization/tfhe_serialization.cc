#include "tfhe/serialization/tfhe_serialization.h"

#include <algorithm>

#include "core/binary_io.h"
#include "core/check.h"

namespace fheq::tfhe {
namespace {

using core::BinaryReader;
using core::BinaryWriter;

// ---- shared header: fingerprint + parameter set name ----

void write_params_header(BinaryWriter& w, const TfheParams& params) {
  w.u64(params.fingerprint());
  w.str(params.name);
}

void read_params_header(BinaryReader& r, const TfheParams& params) {
  const uint64_t fingerprint = r.u64("parameter fingerprint");
  const std::string name = r.str("parameter set name");
  if (fingerprint != params.fingerprint())
    FHEQ_THROW(r.source(), ": written for parameter set '", name, "' (fingerprint ", std::hex, fingerprint,
               ") but parameter set '", params.name, "' (fingerprint ", params.fingerprint(), std::dec,
               ") was expected");
}

void require_equal(const BinaryReader& r, const char* field, uint64_t found, uint64_t expected) {
  if (found != expected)
    r.fail(field, "is " + std::to_string(found) + ", the parameter set needs " + std::to_string(expected));
}

void require_end(const BinaryReader& r) {
  if (r.remaining() != 0) r.fail("end of payload", std::to_string(r.remaining()) + " unexpected trailing bytes");
}

// Torus arrays: a u64 count then raw little-endian u64s (the hosts we build for are little-endian).
void write_torus(BinaryWriter& w, const std::vector<Torus>& v) { w.pod_vector(v); }

std::vector<Torus> read_torus(BinaryReader& r, const char* field, uint64_t expected_count) {
  std::vector<Torus> v = r.pod_vector<Torus>(field);
  if (v.size() != expected_count)
    r.fail(field, "holds " + std::to_string(v.size()) + " elements, expected " + std::to_string(expected_count));
  return v;
}

void write_seed(BinaryWriter& w, const Seed& s) { w.bytes(s.data(), s.size()); }
Seed read_seed(BinaryReader& r, const char* field) {
  Seed s;
  r.bytes(s.data(), s.size(), field);
  return s;
}

// Binary key coefficients travel as one byte each (0 or 1); the byte copies are secret too and are wiped.
void write_bits(BinaryWriter& w, const core::SecretVector<uint64_t>& bits) {
  core::SecretVector<uint8_t> bytes(bits.size());
  std::transform(bits.begin(), bits.end(), bytes.begin(), [](uint64_t b) { return static_cast<uint8_t>(b); });
  w.u64(bytes.size());
  w.bytes(bytes.data(), bytes.size());
}

core::SecretVector<uint64_t> read_bits(BinaryReader& r, const char* field, uint64_t expected_count) {
  std::vector<uint8_t> bytes = r.pod_vector<uint8_t>(field);
  const core::WipeOnExit wipe_bytes(bytes);
  if (bytes.size() != expected_count)
    r.fail(field, "holds " + std::to_string(bytes.size()) + " coefficients, expected " + std::to_string(expected_count));
  core::SecretVector<uint64_t> bits(bytes.size());
  for (size_t i = 0; i < bytes.size(); ++i) {
    if (bytes[i] > 1) r.fail(field, "coefficient " + std::to_string(i) + " is " + std::to_string(bytes[i]) + ", not a bit");
    bits[i] = bytes[i];
  }
  return bits;
}

uint64_t check_lwe_dimension(const BinaryReader& r, uint64_t dimension, const TfheParams& params) {
  if (dimension != params.lwe_dimension.value && dimension != params.big_lwe_dimension())
    r.fail("lwe dimension", "is " + std::to_string(dimension) + ", the parameter set has n = " +
                                std::to_string(params.lwe_dimension.value) + " and k·N = " +
                                std::to_string(params.big_lwe_dimension()));
  return dimension;
}

// ---- one Codec per type: kind, write, read ----

template <typename T>
struct Codec;

template <>
struct Codec<LweSecretKey> {
  static constexpr std::string_view kind = "lwe-secret-key";
  static void write(BinaryWriter& w, const LweSecretKey& k, const TfheParams&) {
    FHEQ_CHECK(k.data.size() == k.dimension.value);
    w.u64(k.dimension.value);
    write_bits(w, k.data);
  }
  static LweSecretKey read(BinaryReader& r, const TfheParams& params) {
    LweSecretKey k;
    k.dimension = LweDimension(check_lwe_dimension(r, r.u64("lwe dimension"), params));
    k.data = read_bits(r, "key coefficients", k.dimension.value);
    return k;
  }
};

template <>
struct Codec<GlweSecretKey> {
  static constexpr std::string_view kind = "glwe-secret-key";
  static void write(BinaryWriter& w, const GlweSecretKey& k, const TfheParams&) {
    w.u64(k.glwe_dimension.value);
    w.u64(k.polynomial_size.value);
    write_bits(w, k.data);
  }
  static GlweSecretKey read(BinaryReader& r, const TfheParams& params) {
    GlweSecretKey k;
    const uint64_t glwe = r.u64("glwe dimension"), poly = r.u64("polynomial size");
    require_equal(r, "glwe dimension", glwe, params.glwe_dimension.value);
    require_equal(r, "polynomial size", poly, params.polynomial_size.value);
    k.glwe_dimension = GlweDimension(glwe);
    k.polynomial_size = PolynomialSize(poly);
    k.data = read_bits(r, "key coefficients", glwe * poly);
    return k;
  }
};

// Keyswitch keys: big key (k·N) → small key (n), the set's KS decomposition.
struct KeyswitchShape {
  uint64_t in, out, base_log, level;
  static KeyswitchShape read_and_check(BinaryReader& r, const TfheParams& params) {
    KeyswitchShape s{r.u64("input dimension"), r.u64("output dimension"), r.u64("base log"), r.u64("level count")};
    require_equal(r, "input dimension", s.in, params.big_lwe_dimension());
    require_equal(r, "output dimension", s.out, params.lwe_dimension.value);
    require_equal(r, "base log", s.base_log, params.ks_base_log.value);
    require_equal(r, "level count", s.level, params.ks_level.value);
    return s;
  }
};

template <typename Key>
void write_keyswitch_shape(BinaryWriter& w, const Key& k) {
  w.u64(k.input_dimension.value);
  w.u64(k.output_dimension.value);
  w.u64(k.base_log.value);
  w.u64(k.level.value);
}

template <>
struct Codec<LweKeyswitchKey> {
  static constexpr std::string_view kind = "keyswitch-key";
  static void write(BinaryWriter& w, const LweKeyswitchKey& k, const TfheParams&) {
    write_keyswitch_shape(w, k);
    write_torus(w, k.data);
  }
  static LweKeyswitchKey read(BinaryReader& r, const TfheParams& params) {
    const KeyswitchShape s = KeyswitchShape::read_and_check(r, params);
    LweKeyswitchKey k{LweDimension(s.in), LweDimension(s.out), DecompositionBaseLog(s.base_log),
                      DecompositionLevelCount(s.level), {}};
    k.data = read_torus(r, "key data", s.in * s.level * (s.out + 1));
    return k;
  }
};

template <>
struct Codec<SeededLweKeyswitchKey> {
  static constexpr std::string_view kind = "seeded-keyswitch-key";
  static void write(BinaryWriter& w, const SeededLweKeyswitchKey& k, const TfheParams&) {
    write_keyswitch_shape(w, k);
    write_seed(w, k.mask_seed);
    write_torus(w, k.bodies);
  }
  static SeededLweKeyswitchKey read(BinaryReader& r, const TfheParams& params) {
    const KeyswitchShape s = KeyswitchShape::read_and_check(r, params);
    SeededLweKeyswitchKey k{LweDimension(s.in), LweDimension(s.out), DecompositionBaseLog(s.base_log),
                            DecompositionLevelCount(s.level), {}, {}};
    k.mask_seed = read_seed(r, "mask seed");
    k.bodies = read_torus(r, "key bodies", s.in * s.level);
    return k;
  }
};

// Bootstrap keys: small key (n) → GLWE key (k, N), the set's PBS decomposition.
struct BootstrapShape {
  uint64_t n, k, N, base_log, level;
  static BootstrapShape read_and_check(BinaryReader& r, const TfheParams& params) {
    BootstrapShape s{r.u64("input lwe dimension"), r.u64("glwe dimension"), r.u64("polynomial size"),
                     r.u64("base log"), r.u64("level count")};
    require_equal(r, "input lwe dimension", s.n, params.lwe_dimension.value);
    require_equal(r, "glwe dimension", s.k, params.glwe_dimension.value);
    require_equal(r, "polynomial size", s.N, params.polynomial_size.value);
    require_equal(r, "base log", s.base_log, params.pbs_base_log.value);
    require_equal(r, "level count", s.level, params.pbs_level.value);
    return s;
  }
};

template <typename Key>
void write_bootstrap_shape(BinaryWriter& w, const Key& k) {
  w.u64(k.input_lwe_dimension.value);
  w.u64(k.glwe_dimension.value);
  w.u64(k.polynomial_size.value);
  w.u64(k.base_log.value);
  w.u64(k.level.value);
}

template <>
struct Codec<LweBootstrapKey> {
  static constexpr std::string_view kind = "bootstrap-key";
  static void write(BinaryWriter& w, const LweBootstrapKey& k, const TfheParams&) {
    write_bootstrap_shape(w, k);
    write_torus(w, k.data);
  }
  static LweBootstrapKey read(BinaryReader& r, const TfheParams& params) {
    const BootstrapShape s = BootstrapShape::read_and_check(r, params);
    LweBootstrapKey k{LweDimension(s.n), GlweDimension(s.k), PolynomialSize(s.N), DecompositionBaseLog(s.base_log),
                      DecompositionLevelCount(s.level), {}};
    k.data = read_torus(r, "key data", s.n * k.ggsw_size());
    return k;
  }
};

template <>
struct Codec<SeededLweBootstrapKey> {
  static constexpr std::string_view kind = "seeded-bootstrap-key";
  static void write(BinaryWriter& w, const SeededLweBootstrapKey& k, const TfheParams&) {
    write_bootstrap_shape(w, k);
    write_seed(w, k.mask_seed);
    write_torus(w, k.bodies);
  }
  static SeededLweBootstrapKey read(BinaryReader& r, const TfheParams& params) {
    const BootstrapShape s = BootstrapShape::read_and_check(r, params);
    SeededLweBootstrapKey k{LweDimension(s.n), GlweDimension(s.k), PolynomialSize(s.N),
                            DecompositionBaseLog(s.base_log), DecompositionLevelCount(s.level), {}, {}};
    k.mask_seed = read_seed(r, "mask seed");
    k.bodies = read_torus(r, "key bodies", s.n * k.ggsw_body_size());
    return k;
  }
};

// Ciphertext lists: one dimension (n or k·N) for the whole list, then the ciphertexts back to back.
template <>
struct Codec<LweCiphertextList> {
  static constexpr std::string_view kind = "lwe-ciphertexts";
  static void write(BinaryWriter& w, const LweCiphertextList& list, const TfheParams&) {
    const uint64_t dimension = list.empty() ? 0 : list.front().dimension.value;
    w.u64(dimension);
    w.u64(list.size());
    for (const LweCiphertext& c : list) {
      FHEQ_CHECK(c.dimension.value == dimension && c.data.size() == dimension + 1, "ragged ciphertext list");
      w.bytes(c.data.data(), c.data.size() * sizeof(Torus));
    }
  }
  static LweCiphertextList read(BinaryReader& r, const TfheParams& params) {
    const uint64_t dimension = r.u64("lwe dimension");
    const uint64_t count = r.u64("ciphertext count");
    if (count == 0) return {};
    check_lwe_dimension(r, dimension, params);
    if (count > r.remaining() / ((dimension + 1) * sizeof(Torus)))
      r.fail("ciphertext count", std::to_string(count) + " ciphertexts do not fit in the data left");
    LweCiphertextList list(count, LweCiphertext(LweDimension(dimension)));
    for (LweCiphertext& c : list) r.bytes(c.data.data(), c.data.size() * sizeof(Torus), "ciphertext data");
    return list;
  }
};

template <>
struct Codec<SeededLweCiphertextList> {
  static constexpr std::string_view kind = "seeded-lwe-ciphertexts";
  static void write(BinaryWriter& w, const SeededLweCiphertextList& list, const TfheParams&) {
    const uint64_t dimension = list.empty() ? 0 : list.front().dimension.value;
    w.u64(dimension);
    w.u64(list.size());
    for (const SeededLweCiphertext& c : list) {
      FHEQ_CHECK(c.dimension.value == dimension, "ragged ciphertext list");
      write_seed(w, c.mask_seed);
      w.u64(c.body);
    }
  }
  static SeededLweCiphertextList read(BinaryReader& r, const TfheParams& params) {
    const uint64_t dimension = r.u64("lwe dimension");
    const uint64_t count = r.u64("ciphertext count");
    if (count == 0) return {};
    check_lwe_dimension(r, dimension, params);
    if (count > r.remaining() / (sizeof(Seed) + sizeof(Torus)))
      r.fail("ciphertext count", std::to_string(count) + " ciphertexts do not fit in the data left");
    SeededLweCiphertextList list(count);
    for (SeededLweCiphertext& c : list) {
      c.dimension = LweDimension(dimension);
      c.mask_seed = read_seed(r, "mask seed");
      c.body = r.u64("body");
    }
    return list;
  }
};

core::ContainerHeader header_for(std::string_view kind) {
  return core::ContainerHeader{kTfheFileMagic, kTfheFileVersion, std::string(kind)};
}

}  // namespace

template <typename T>
std::string_view tfhe_file_kind() {
  return Codec<T>::kind;
}

template <typename T>
std::string serialize_tfhe_object(const T& object, const TfheParams& params) {
  BinaryWriter w;
  write_params_header(w, params);
  Codec<T>::write(w, object, params);
  return w.buffer();
}

template <typename T>
T deserialize_tfhe_object(std::string_view payload, const TfheParams& params, const std::string& source) {
  BinaryReader r(payload, source);
  read_params_header(r, params);
  T object = Codec<T>::read(r, params);
  require_end(r);
  return object;
}

template <typename T>
void save_tfhe_object(const std::string& path, const T& object, const TfheParams& params) {
  core::write_container_file(path, header_for(Codec<T>::kind), serialize_tfhe_object(object, params));
}

template <typename T>
T load_tfhe_object(const std::string& path, const TfheParams& params) {
  const std::string payload = core::read_container_file(path, header_for(Codec<T>::kind));
  return deserialize_tfhe_object<T>(payload, params, path);
}

#define FHEQ_INSTANTIATE_TFHE_IO(T)                                                                        \
  template std::string_view tfhe_file_kind<T>();                                                           \
  template std::string serialize_tfhe_object<T>(const T&, const TfheParams&);                              \
  template T deserialize_tfhe_object<T>(std::string_view, const TfheParams&, const std::string&);          \
  template void save_tfhe_object<T>(const std::string&, const T&, const TfheParams&);                      \
  template T load_tfhe_object<T>(const std::string&, const TfheParams&);

FHEQ_INSTANTIATE_TFHE_IO(LweSecretKey)
FHEQ_INSTANTIATE_TFHE_IO(GlweSecretKey)
FHEQ_INSTANTIATE_TFHE_IO(LweKeyswitchKey)
FHEQ_INSTANTIATE_TFHE_IO(SeededLweKeyswitchKey)
FHEQ_INSTANTIATE_TFHE_IO(LweBootstrapKey)
FHEQ_INSTANTIATE_TFHE_IO(SeededLweBootstrapKey)
FHEQ_INSTANTIATE_TFHE_IO(LweCiphertextList)
FHEQ_INSTANTIATE_TFHE_IO(SeededLweCiphertextList)

#undef FHEQ_INSTANTIATE_TFHE_IO

}  // namespace fheq::tfhe
