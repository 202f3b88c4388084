// Client and server artifacts of a compiled model (docs/RUNTIME.md "Artifacts"). Neither holds a secret.
//
//   ART/server/circuit.bin  magic "FHEQCIRC", kind "fhe-circuit": the FheCircuit (integer graph with clear
//                           weights and tables, encodings, parameter set name + fingerprint, predictions)
//   ART/client/client.bin   magic "FHEQCLNT", kind "fhe-client": circuit fingerprint, parameter set,
//                           input/output encodings and shapes, input quantizer, output dequantizer,
//                           client-side float tail (Softmax…)
//   ART/server/circuit.json, ART/client/client.json: human-readable summaries (not read back).
// The circuit fingerprint is FNV-1a over circuit.bin's payload; keys and ciphertexts carry it, so
// mixing files of two compilations fails with one line.
#pragma once

#include <cstdint>
#include <string>
#include <vector>

#include "compiler/fhe_circuit.h"
#include "graph/graph.h"
#include "quant/client_records.h"
#include "quant/ptq.h"
#include "tfhe/commons/params.h"

namespace fheq::runtime {

inline constexpr char kCircuitMagic[] = "FHEQCIRC";
inline constexpr char kClientMagic[] = "FHEQCLNT";
inline constexpr uint32_t kArtifactVersion = 2;  // client spec; 2 added the output transport bits

// What the client needs: encodings, quantizers, parameters. No secret, no weights.
struct ClientSpec {
  uint64_t circuit_fingerprint = 0;
  tfhe::TfheParams params;
  compiler::InputEncoding input;
  Shape input_shape;   // per sample
  compiler::OutputEncoding output;
  Shape output_shape;  // per sample
  quant::InputQuantizer quantizer;
  quant::OutputDequantizer dequantizer;
  std::vector<graph::Node> client_tail;
};

// Deterministic byte image of a circuit, and its fingerprint.
std::string serialize_circuit(const compiler::FheCircuit& circuit);
// `allow_toy`: accept TOY parameter sets (tests only). Throws fheq::Error naming `source` and the field.
compiler::FheCircuit deserialize_circuit(const std::string& payload, const std::string& source, bool allow_toy);
uint64_t circuit_fingerprint(const compiler::FheCircuit& circuit);

ClientSpec make_client_spec(const compiler::FheCircuit& circuit, const quant::QuantizedNetwork& network);
std::string serialize_client_spec(const ClientSpec& spec);
ClientSpec deserialize_client_spec(const std::string& payload, const std::string& source, bool allow_toy);

// Directory layout (creates ART/client and ART/server; atomic file writes).
void save_artifacts(const std::string& dir, const compiler::FheCircuit& circuit, const ClientSpec& client,
                    const std::string& circuit_json, const std::string& client_json);
compiler::FheCircuit load_server_artifact(const std::string& dir, bool allow_toy, uint64_t* fingerprint = nullptr);
ClientSpec load_client_artifact(const std::string& dir, bool allow_toy);

// True when the environment variable FHEQ_ALLOW_TOY_PARAMS=1 (tests only: TOY sets are NOT secure).
bool toy_parameters_allowed_by_environment();

}  // namespace fheq::runtime
