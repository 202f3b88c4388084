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

constexpr char kCiphertextBytes[] = "ciphertext bytes";

}  // namespace

struct Server::Impl {
  compiler::FheCircuit circuit;
  uint64_t fingerprint = 0;
  runtime::EvaluationKeys keys;
  std::unique_ptr<core::ThreadPool> own_pool;
  std::unique_ptr<runtime::EncryptedExecutor> executor;
  double key_load_seconds = 0;
  std::shared_ptr<const PbsExchange> exchange;  // null: alone

  core::ThreadPool& pool() const { return own_pool ? *own_pool : core::default_thread_pool(); }
  runtime::EncryptedOutput evaluate(const runtime::EncryptedInput& input, const std::string& source,
                                    std::chrono::steady_clock::time_point start, ServerRunReport& report) const;

  void load_circuit(const std::string& artifact_dir, const RuntimeOptions& options) {
    const bool allow_toy = options.allow_toy_params || runtime::toy_parameters_allowed_by_environment();
    circuit = runtime::load_server_artifact(artifact_dir, allow_toy, &fingerprint);
    if (options.threads > 0) own_pool = std::make_unique<core::ThreadPool>(options.threads);
    exchange = options.exchange;
  }
  void use_keys(const runtime::SeededEvaluationKeys& seeded, std::chrono::steady_clock::time_point start) {
    keys = runtime::expand_evaluation_keys(seeded, pool());
    key_load_seconds = ms_since(start) / 1e3;
    executor = std::make_unique<runtime::EncryptedExecutor>(circuit, keys);
  }
};

Server::Server(std::unique_ptr<Impl> impl) : impl_(std::move(impl)) {}
Server::Server(Server&&) noexcept = default;
Server& Server::operator=(Server&&) noexcept = default;
Server::~Server() = default;

Server Server::load(const std::string& artifact_dir, const std::string& eval_keys_path, const RuntimeOptions& options) {
  auto impl = std::make_unique<Impl>();
  impl->load_circuit(artifact_dir, options);
  const auto start = std::chrono::steady_clock::now();
  // load_evaluation_keys refuses a secret-key file before reading it.
  impl->use_keys(runtime::load_evaluation_keys(eval_keys_path, impl->circuit.params, impl->fingerprint), start);
  return Server(std::move(impl));
}

Server Server::load_from_key_bytes(const std::string& artifact_dir, const std::string& eval_keys,
                                   const RuntimeOptions& options) {
  auto impl = std::make_unique<Impl>();
  impl->load_circuit(artifact_dir, options);
  const auto start = std::chrono::steady_clock::now();
  impl->use_keys(
      runtime::parse_evaluation_keys(eval_keys, impl->circuit.params, impl->fingerprint, "evaluation-key bytes"),
      start);
  return Server(std::move(impl));
}

// One evaluation: parsed input in, output and report out (the callers add the transport).
runtime::EncryptedOutput Server::Impl::evaluate(const runtime::EncryptedInput& input, const std::string& source,
                                                std::chrono::steady_clock::time_point start,
                                                ServerRunReport& r) const {
  runtime::check_key_pair(source, input.key_pair_id, keys.key_pair_id, "evaluation keys");
  // Before decompression: the seeds expand every ciphertext ~n-fold, so a wrong shape is refused while it is small.
  const Shape expected = circuit.graph.value(circuit.graph.input).shape;
  FHEQ_REQUIRE(input.sample_shape == expected, source, ": samples of shape ", shape_to_string(input.sample_shape),
               ", the circuit's input is ", shape_to_string(expected));
  const std::vector<tfhe::LweCiphertext> cts = runtime::decompress_input(input, pool());
  r.load_ms = ms_since(start);
  runtime::EvaluationReport eval;
  runtime::EncryptedOutput out;
  out.circuit_fingerprint = fingerprint;
  out.key_pair_id = keys.key_pair_id;
  out.batch = input.batch;
  out.sample_shape = circuit.graph.value(circuit.graph.output).shape;
  out.ciphertexts = executor->run(cts, input.batch, &eval, pool(), exchange.get());
  out.transport_bits = circuit.output.transport_bits;
  r.samples = input.batch;
  r.threads = static_cast<unsigned>(eval.threads);
  r.evaluate_ms = eval.seconds * 1e3;
  r.ms_per_sample = input.batch > 0 ? r.evaluate_ms / static_cast<double>(input.batch) : 0;
  for (const runtime::OpTiming& op : eval.ops) {
    r.layers.push_back(LayerTiming{op.kind, op.name, op.pbs, op.seconds * 1e3});
    r.pbs += op.pbs;
  }
  return out;
}

ServerRunReport Server::run(const std::string& input_path, const std::string& output_path) const {
  ServerRunReport r;
  const auto start = std::chrono::steady_clock::now();
  const runtime::EncryptedInput input =
      runtime::load_encrypted_input(input_path, impl_->circuit.params, impl_->fingerprint);
  runtime::save_encrypted_output(output_path, impl_->evaluate(input, input_path, start, r), impl_->circuit.params);
  r.input_file_bytes = static_cast<double>(std::filesystem::file_size(input_path));
  r.output_file_bytes = static_cast<double>(std::filesystem::file_size(output_path));
  return r;
}

std::string Server::run_bytes(const std::string& input_bytes, ServerRunReport* report) const {
  ServerRunReport r;
  const auto start = std::chrono::steady_clock::now();
  const runtime::EncryptedInput input =
      runtime::parse_encrypted_input(input_bytes, impl_->circuit.params, impl_->fingerprint, kCiphertextBytes);
  std::string out =
      runtime::encrypted_output_bytes(impl_->evaluate(input, kCiphertextBytes, start, r), impl_->circuit.params);
  r.input_file_bytes = static_cast<double>(input_bytes.size());
  r.output_file_bytes = static_cast<double>(out.size());
  if (report) *report = std::move(r);
  return out;
}

double Server::key_load_seconds() const { return impl_->key_load_seconds; }
std::string Server::params_name() const { return impl_->circuit.params.name; }
int64_t Server::pbs_per_sample() const { return impl_->circuit.pbs_count; }
double Server::evaluation_key_bytes() const {
  const runtime::KeySizes sizes = runtime::key_sizes(impl_->circuit.params);
  return sizes.bootstrap_key + sizes.keyswitch_key;
}

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
