// Shared types of the encrypted-inference runtime (fheq::Client, fheq::Server): options, reports and
// sizes. docs/RUNTIME.md describes the artifacts, file formats and the client/server flow.
#pragma once

#include <cstdint>
#include <memory>
#include <string>
#include <vector>

namespace fheq {

class CompiledModel;

// Writes the artifacts of a compiled model: DIR/client/ (client.bin + client.json: parameters, encodings,
// quantizers; no secret, no weights) and DIR/server/ (circuit.bin + circuit.json: the circuit with clear
// weights and tables, parameters; no secret). Returns the circuit fingerprint keys and ciphertexts carry.
uint64_t save_artifacts(const CompiledModel& model, const std::string& dir);

// What a server artifact (DIR/server) holds, read and checked like the server reads it (fheq::Error with one
// line when it is missing or corrupt; TOY parameters refused unless allowed).
struct ServerArtifactInfo {
  std::string params_name;
  uint64_t circuit_fingerprint = 0;
  int64_t pbs_per_sample = 0;
};
ServerArtifactInfo read_server_artifact_info(const std::string& dir, bool allow_toy_params = false);

// True when FHEQ_ALLOW_TOY_PARAMS=1 is set (tests only: TOY parameter sets are NOT secure).
bool toy_parameters_allowed();

// Processes that share every TLU op's PBSs (fheq/mpi.h makes one over MPI; docs/DEPLOY.md): process r computes
// the contiguous part [begin[r], begin[r + 1]) of an op's ciphertexts, then allgather() gives every process every
// part. The linear ops, cheap, are computed by every process. Results are identical to one process's.
class PbsExchange {
 public:
  virtual ~PbsExchange() = default;
  virtual int rank() const = 0;
  virtual int size() const = 0;
  // words: the op's ciphertexts, words_per_item 64-bit words each; on entry this process's part is filled, on
  // return every part is (the same bytes on every process).
  virtual void allgather(uint64_t* words, size_t words_per_item, const std::vector<size_t>& begin) const = 0;
};

struct RuntimeOptions {
  // Accept TOY (insecure) TFHE parameter sets in artifacts: tests only. The environment variable
  // FHEQ_ALLOW_TOY_PARAMS=1 has the same effect (for the CLI tests).
  bool allow_toy_params = false;
  unsigned threads = 0;  // server threads (0: every core)
  // Share the PBSs with cooperating processes (every one loads the same artifact, keys and input): null = alone.
  std::shared_ptr<const PbsExchange> exchange;
};

// Sizes in bytes.
struct KeySizeReport {
  std::string params_name;
  double bootstrap_key = 0, seeded_bootstrap_key = 0;
  double keyswitch_key = 0, seeded_keyswitch_key = 0;
  double eval_keys_file = 0;  // KEYS/eval.keys as written (seeded keys + headers)
  double secret_key_file = 0;
  double keygen_seconds = 0;  // secret + seeded evaluation keys
};

// One op of the server's evaluation.
struct LayerTiming {
  std::string kind;  // Dense, Conv2d, TLU, ...
  std::string name;
  int64_t pbs = 0;   // whole batch
  double ms = 0;
};

struct ServerRunReport {
  int64_t samples = 0;
  unsigned threads = 1;
  double load_ms = 0;        // reading + expanding inputs
  double evaluate_ms = 0;    // the circuit
  double ms_per_sample = 0;  // evaluate_ms / samples
  int64_t pbs = 0;           // whole batch
  double input_file_bytes = 0, output_file_bytes = 0;
  std::vector<LayerTiming> layers;
  std::string to_text() const;
};

}  // namespace fheq
