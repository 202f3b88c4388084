// fheq::Server (include/fheq/server.h) over the runtime internals.
#include "fheq/server.h"

#include <chrono>
#include <cstdio>
#include <filesystem>

#include "core/check.h"
#include "runtime/artifacts.h"
#include "runtime/ciphertext_file.h"
#include "runtime/client_crypto.h"
#include "runtime/encrypted_executor.h"
#include "runtime/keys.h"

namespace fheq {
namespace {

double ms_since(std::chrono::steady_clock::time_point start) {
  return std::chrono::duration<double, std::milli>(std::chrono::steady_clock::now() - start).count();
}

}  // namespace

struct Server::Impl {
  compiler::FheCircuit circuit;
  uint64_t fingerprint = 0;
  runtime::EvaluationKeys keys;
  std::unique_ptr<core::ThreadPool> own_pool;
  std::unique_ptr<runtime::EncryptedExecutor> executor;
  double key_load_seconds = 0;

  core::ThreadPool& pool() const { return own_pool ? *own_pool : core::default_thread_pool(); }
};

Server::Server(std::unique_ptr<Impl> impl) : impl_(std::move(impl)) {}
Server::Server(Server&&) noexcept = default;
Server& Server::operator=(Server&&) noexcept = default;
Server::~Server() = default;

Server Server::load(const std::string& artifact_dir, const std::string& eval_keys_path, const RuntimeOptions& options) {
  auto impl = std::make_unique<Impl>();
  const bool allow_toy = options.allow_toy_params || runtime::toy_parameters_allowed_by_environment();
  impl->circuit = runtime::load_server_artifact(artifact_dir, allow_toy, &impl->fingerprint);
  if (options.threads > 0) impl->own_pool = std::make_unique<core::ThreadPool>(options.threads);
  const auto start = std::chrono::steady_clock::now();
  // load_evaluation_keys refuses a secret-key file before parsing it.
  const runtime::SeededEvaluationKeys seeded =
      runtime::load_evaluation_keys(eval_keys_path, impl->circuit.params, impl->fingerprint);
  impl->keys = runtime::expand_evaluation_keys(seeded, impl->pool());
  impl->key_load_seconds = ms_since(start) / 1e3;
  impl->executor = std::make_unique<runtime::EncryptedExecutor>(impl->circuit, impl->keys);
  return Server(std::move(impl));
}

ServerRunReport Server::run(const std::string& input_path, const std::string& output_path) const {
  ServerRunReport r;
  auto start = std::chrono::steady_clock::now();
  const runtime::EncryptedInput input =
      runtime::load_encrypted_input(input_path, impl_->circuit.params, impl_->fingerprint);
  runtime::check_key_pair(input_path, input.key_pair_id, impl_->keys.key_pair_id, "evaluation keys");
  // Before decompression: the seeds expand every ciphertext ~n-fold, so a wrong shape is refused while it is small.
  const Shape expected = impl_->circuit.graph.value(impl_->circuit.graph.input).shape;
  FHEQ_REQUIRE(input.sample_shape == expected, input_path, ": samples of shape ", shape_to_string(input.sample_shape),
               ", the circuit's input is ", shape_to_string(expected));
  const std::vector<tfhe::LweCiphertext> cts = runtime::decompress_input(input, impl_->pool());
  r.load_ms = ms_since(start);
  runtime::EvaluationReport eval;
  runtime::EncryptedOutput out;
  out.circuit_fingerprint = impl_->fingerprint;
  out.key_pair_id = impl_->keys.key_pair_id;
  out.batch = input.batch;
  out.sample_shape = impl_->circuit.graph.value(impl_->circuit.graph.output).shape;
  out.ciphertexts = impl_->executor->run(cts, input.batch, &eval, impl_->pool());
  out.transport_bits = impl_->circuit.output.transport_bits;
  runtime::save_encrypted_output(output_path, out, impl_->circuit.params);
  r.samples = input.batch;
  r.threads = static_cast<unsigned>(eval.threads);
  r.evaluate_ms = eval.seconds * 1e3;
  r.ms_per_sample = input.batch > 0 ? r.evaluate_ms / static_cast<double>(input.batch) : 0;
  for (const runtime::OpTiming& op : eval.ops) {
    r.layers.push_back(LayerTiming{op.kind, op.name, op.pbs, op.seconds * 1e3});
    r.pbs += op.pbs;
  }
  r.input_file_bytes = static_cast<double>(std::filesystem::file_size(input_path));
  r.output_file_bytes = static_cast<double>(std::filesystem::file_size(output_path));
  return r;
}

double Server::key_load_seconds() const { return impl_->key_load_seconds; }
std::string Server::params_name() const { return impl_->circuit.params.name; }
int64_t Server::pbs_per_sample() const { return impl_->circuit.pbs_count; }

std::string ServerRunReport::to_text() const {
  std::string text;
  char line[256];
  std::snprintf(line, sizeof line, "%-10s %-32s %9s %10s\n", "layer", "value", "PBS", "ms");
  text += line;
  for (const LayerTiming& l : layers) {
    std::snprintf(line, sizeof line, "%-10s %-32.32s %9lld %10.1f\n", l.kind.c_str(), l.name.c_str(),
                  static_cast<long long>(l.pbs), l.ms);
    text += line;
  }
  std::snprintf(line, sizeof line,
                "%lld samples on %u threads: %.1f ms evaluation (%.1f ms/sample), %.1f ms input load, %lld PBS; "
                "IN %.1f KiB, OUT %.1f KiB\n",
                static_cast<long long>(samples), threads, evaluate_ms, ms_per_sample, load_ms,
                static_cast<long long>(pbs), input_file_bytes / 1024.0, output_file_bytes / 1024.0);
  text += line;
  return text;
}

}  // namespace fheq
