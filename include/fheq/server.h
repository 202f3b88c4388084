// The server of encrypted inference: reads ART/server/ (the circuit: clear weights and tables) and the
// client's evaluation keys, evaluates encrypted batches. It has no way to read a secret key: handed one,
// it refuses with one error line before parsing it.
//
//   fheq::Server server = fheq::Server::load("ART", "KEYS/eval.keys");
//   fheq::ServerRunReport r = server.run("IN.ct", "OUT.ct");
//   std::cout << r.to_text();   // per-layer time, PBS count
// or in memory: Server::load_from_key_bytes("ART", keys).run_bytes(ciphertext_bytes) → result bytes.
#pragma once

#include <memory>
#include <string>

#include "fheq/runtime.h"

namespace fheq {

class Server {
 public:
  // Loads the circuit and expands the seeded evaluation keys (mask regeneration + FFT of the bootstrap
  // key). Throws fheq::Error with one line on a missing/corrupt file or keys of another artifact.
  static Server load(const std::string& artifact_dir, const std::string& eval_keys_path,
                     const RuntimeOptions& options = {});

  // The same with the evaluation keys as bytes (the eval.keys file's content, e.g. a request body; errors say
  // "evaluation-key bytes"). A secret key is refused by its magic before it is parsed.
  static Server load_from_key_bytes(const std::string& artifact_dir, const std::string& eval_keys,
                                    const RuntimeOptions& options = {});

  // IN.ct → OUT.ct (atomic write). Throws fheq::Error on ciphertexts of another artifact or key.
  ServerRunReport run(const std::string& input_path, const std::string& output_path) const;
  // The same on bytes: IN.ct's content in, OUT.ct's content out (errors say "ciphertext bytes"); `report`
  // (optional) gets what run() returns, with the byte counts as file sizes.
  std::string run_bytes(const std::string& input, ServerRunReport* report = nullptr) const;

  double key_load_seconds() const;  // reading + expanding the evaluation keys
  std::string params_name() const;
  int64_t pbs_per_sample() const;
  double evaluation_key_bytes() const;  // memory of the expanded keys (bootstrap + keyswitch), estimated

  Server(Server&&) noexcept;
  Server& operator=(Server&&) noexcept;
  ~Server();

 private:
  struct Impl;
  explicit Server(std::unique_ptr<Impl> impl);
  std::unique_ptr<Impl> impl_;
};

}  // namespace fheq
