// The client of encrypted inference: owns the secret key; quantizes and encrypts inputs, decrypts and
// dequantizes outputs. Reads only ART/client/ (encodings, quantizers, parameters: no weights).
//
//   fheq::Client client = fheq::Client::load("ART");
//   client.generate_keys();                       // secret key + seeded evaluation keys
//   client.save_keys("KEYS/secret.key", "KEYS/eval.keys");  // both or neither; eval.keys go to the server
//   client.encrypt(x, "IN.ct");                   // x: [N, ...] floats
//   ... server: fheq::Server::load("ART", "KEYS/eval.keys").run("IN.ct", "OUT.ct") ...
//   fheq::FloatTensor y = client.decrypt("OUT.ct");
// Every file has an in-memory twin (the same bytes), for keys and ciphertexts carried by a socket or a queue:
//   std::string keys = client.evaluation_keys_bytes();   std::string ct = client.encrypt_to_bytes(x);
//   ... std::string out = server.run_bytes(ct); ...     fheq::FloatTensor y = client.decrypt_from_bytes(out);
#pragma once

#include <memory>
#include <string>

#include "fheq/runtime.h"
#include "fheq/tensor.h"

namespace fheq {

class Client {
 public:
  // Throws fheq::Error naming the file when ART/client/client.bin is missing, corrupt or of another version.
  static Client load(const std::string& artifact_dir, const RuntimeOptions& options = {});

  // New secret key and seeded evaluation keys (randomness from the OS).
  void generate_keys();
  // The secret key (mode 0600) and the evaluation keys together: both files are written or neither is, and
  // both carry the key pair's id, which ciphertext files carry on (a mismatch is a one-line error, not garbage).
  void save_keys(const std::string& secret_key_path, const std::string& evaluation_keys_path) const;
  void save_secret_key(const std::string& path) const;
  void save_evaluation_keys(const std::string& path) const;
  // Reads a secret key written for this artifact (fheq::Error on another artifact / parameter set).
  void load_secret_key(const std::string& path);
  KeySizeReport key_sizes() const;

  // Float inputs [N, ...] → codes (the client's input quantizer).
  IntTensor quantize(const FloatTensor& x) const;
  // Quantize + encrypt (seeded ciphertexts) into an IN.ct file; returns the number of samples.
  int64_t encrypt(const FloatTensor& x, const std::string& path) const;
  int64_t encrypt_codes(const IntTensor& codes, const std::string& path) const;
  // OUT.ct → decoded output accumulators (integers), and → dequantized float outputs (+ Softmax tail).
  IntTensor decrypt_accumulators(const std::string& path) const;
  FloatTensor decrypt(const std::string& path) const;
  FloatTensor dequantize(const IntTensor& accumulators) const;

  // In-memory twins of the files above (the same bytes, the same checks; errors say "ciphertext bytes").
  std::string evaluation_keys_bytes() const;
  std::string encrypt_to_bytes(const FloatTensor& x) const;
  std::string encrypt_codes_to_bytes(const IntTensor& codes) const;
  IntTensor decrypt_accumulators_from_bytes(const std::string& bytes) const;
  FloatTensor decrypt_from_bytes(const std::string& bytes) const;

  std::string params_name() const;
  uint64_t circuit_fingerprint() const;

  Client(Client&&) noexcept;
  Client& operator=(Client&&) noexcept;
  ~Client();

 private:
  struct Impl;
  explicit Client(std::unique_ptr<Impl> impl);
  std::unique_ptr<Impl> impl_;
};

}  // namespace fheq
