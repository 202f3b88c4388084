// fheq::save_artifacts (include/fheq/runtime.h).
#include <nlohmann/json.hpp>

#include "compiler/fhe_circuit.h"
#include "fheq/compiler.h"
#include "fheq/runtime.h"
#include "runtime/artifacts.h"

namespace fheq {

uint64_t save_artifacts(const CompiledModel& model, const std::string& dir) {
  const compiler::FheCircuit& circuit = model.circuit();
  const runtime::ClientSpec client = runtime::make_client_spec(circuit, model.network());
  nlohmann::json c;
  c["format"] = "fheq client artifact v1 (client.bin is authoritative; this file is a summary)";
  c["circuit_fingerprint"] = client.circuit_fingerprint;
  c["params"] = client.params.name;
  c["input_shape"] = client.input_shape;
  c["input_log2_delta"] = client.input.log2_delta;
  c["input_key"] = client.input.key == compiler::LweKeyKind::kSmall ? "small" : "big";
  c["input_code_range"] = {client.input.code_range.min, client.input.code_range.max};
  c["input_scale"] = client.quantizer.params.scale;
  c["input_zero_point"] = client.quantizer.params.zero_point;
  c["output_shape"] = client.output_shape;
  c["output_log2_delta"] = client.output.log2_delta;
  c["output_offset"] = client.output.offset;
  c["output_bits"] = client.output.bits;
  c["output_p_error"] = client.output.p_error;
  nlohmann::json s = nlohmann::json::parse(model.report().to_json());
  s["circuit_fingerprint"] = client.circuit_fingerprint;
  s["format"] = "fheq server artifact v1 (circuit.bin is authoritative; this file is a summary)";
  runtime::save_artifacts(dir, circuit, client, s.dump(2) + "\n", c.dump(2) + "\n");
  return client.circuit_fingerprint;
}

ServerArtifactInfo read_server_artifact_info(const std::string& dir, bool allow_toy_params) {
  ServerArtifactInfo info;
  const compiler::FheCircuit circuit = runtime::load_server_artifact(
      dir, allow_toy_params || runtime::toy_parameters_allowed_by_environment(), &info.circuit_fingerprint);
  info.params_name = circuit.params.name;
  info.pbs_per_sample = circuit.pbs_count;
  return info;
}

bool toy_parameters_allowed() { return runtime::toy_parameters_allowed_by_environment(); }

}  // namespace fheq
