// The FHE compiler: float model → quantized integer graph → FHE circuit (encodings, rounding, TFHE
// parameters, tables), with the clear and simulate execution modes. docs/COMPILER.md.
//
//   fheq::FloatModel model = fheq::FloatModel::load("models/fmnist_mlp_sigmoid.onnx");
//   fheq::Dataset train = fheq::load_dataset("fashion-mnist", "train");
//   fheq::CompileOptions options;
//   options.calibration_labels = train.y;              // optional: auto rounding then bounds the accuracy drop
//   fheq::CompiledModel compiled = fheq::compile(model, train.x, options);
//   std::cout << compiled.report().to_text();          // parameters, PBS count, p_error, latency
//   fheq::FloatTensor y = compiled.predict_simulate(test.x, /*seed=*/1);
// The runtime (fheq/client.h, fheq/server.h) executes compiled.circuit() on ciphertexts.
#pragma once

#include <cstdint>
#include <memory>
#include <string>
#include <vector>

#include "fheq/quantized_model.h"
#include "fheq/rounding_mode.h"
#include "fheq/tensor.h"

namespace fheq {

class FloatModel;
namespace compiler {
struct FheCircuit;
}

// How strictly the client's decryption of the output accumulator must be exact (docs/COMPILER.md §3.2).
enum class FheOutputDecoding : int32_t {
  kPreferExact = 0,   // exact when that costs ≤ 1.25× the kBounded parameters, else kBounded
  kRequireExact = 1,  // parameters must decode the output exactly w.p. ≥ 1 − p_error (else fheq::Error)
  kBounded = 2,       // output noise σ ≤ (calibrated output span) / 2^output_noise_bits (reported, simulated)
};

struct CompileOptions {
  PtqOptions ptq;                 // n_bits, calibration, per_channel… (ptq.rounding_bits: leave 0, use below)
  int rounding_bits = 0;          // 0: no rounding; N: every TLU keeps the N MSBs of its accumulator
  std::vector<int> tlu_rounding_bits;  // per TLU in op order (empty: none): > 0 overrides rounding_bits there
  bool rounding_auto = false;     // choose per TLU (overrides rounding_bits)
  // No rounding asked for (rounding_bits 0, tlu_rounding_bits empty, rounding_auto false) and a TLU reads an
  // accumulator wider than a PBS takes (8 bits; every 8-bit model): run auto instead and say so in
  // CompileReport::notes. false (the CLI's explicit --rounding none): such a model is refused with an error.
  bool auto_rounding_when_too_wide = true;
  // auto: with calibration_labels, the largest accepted drop of calibration accuracy against the unrounded
  // model (0.005 = 0.5 point); without labels, of top-1 agreement with it.
  double auto_tolerance = 0.005;
  // auto: at most this many calibration samples (the first ones) for the search, fewer for models costlier
  // than 1.2e5 multiply-adds per sample (a fixed budget of 1.2e9 per clear run, at least 2000 samples):
  // 10,000 samples make the accuracy estimate's noise (±0.3 point at 2000) small next to a 0.5-point tolerance.
  int64_t auto_samples = 10000;
  // Labels of the calibration samples (optional; the training split's, never the test split's): auto
  // rounding then bounds the accuracy drop instead of the disagreement, and the report predicts accuracy.
  std::vector<int64_t> calibration_labels;
  FheRoundingMode rounding_mode = FheRoundingMode::kApproximate;
  // PBS windows = each TLU's calibrated accumulator range widened by this fraction of its span per side
  // (< 0: PTQ's table domains, calibrated + 25%). Narrower windows give rounding more resolution; inputs
  // beyond a window wrap in FHE (simulate counts them).
  double window_margin = 0.05;
  double p_error = 9.094947017729282e-13;  // target error probability per PBS (2^−40)
  double global_p_error = 0;      // > 0: target for one whole sample instead (divided by the PBS count)
  // Approximate-rounding TLUs: p_error counts only reads off by ≥ 2 steps (off-by-one is the approximation
  // itself, and simulate models it); false: any read off the nearest index beyond the rounding noise counts.
  bool tolerate_off_by_one = true;
  bool input_on_small_key = true; // encrypt inputs under the small LWE key when the first ops allow it
  // The server sends each output torus word as its top 32 bits (half the OUT.ct size) when the output
  // encoding leaves 16 guard bits; the rounding noise is counted in the predictions.
  bool compress_output = true;
  FheOutputDecoding output_decoding = FheOutputDecoding::kPreferExact;
  int output_noise_bits = 8;      // kBounded (and kPreferExact's fallback); 0: no bound on the output noise
  std::string parameter_set;      // force a named set (e.g. "CONCRETE_P4_128"); empty: choose
  bool allow_toy_parameters = false;  // tests only: accept TOY_* in parameter_set
  int threads = 0;                // threads assumed by the latency estimate (0: this machine's pool)
  // Automatic bit allocation (compile() of a FloatModel, when auto rounding runs): besides the kept bits per TLU,
  // search the weight bits (ptq.n_bits.weights down to min_weight_bits) and, with allocate_weight_scales, both
  // weight scale granularities; keep the candidate of lowest estimated latency whose rounded circuit stays within
  // auto_tolerance of the UNROUNDED ptq model (the options' own n_bits and granularity) on the calibration
  // samples. Fewer weight bits shrink the weight 2-norms and with them the parameter set (CompileReport::allocation
  // lists what was tried). false (the CLI's --n-bits / --n-bits-weights / --per-channel / --per-tensor): ptq as given.
  bool allocate_bits = true;
  int min_weight_bits = 3;
  bool allocate_weight_scales = true;
  // Predict the compiled circuit's accuracy: simulate it (sampled noise, seed 1) on the calibration samples
  // the rounding search uses (CompileReport::predicted_*). Costs one simulated pass over those samples.
  bool predict_accuracy = true;
};

// The rounding options as the CLI and the Python package spell them (one parser for both):
//   rounding: "auto" (rounding_auto), "none" (auto_rounding_when_too_wide = false), "N" (rounding_bits = N,
//   1..16), or "" (the default: auto only where a TLU is wider than a PBS takes);
//   mode: "approximate" | "exact".
// Throws fheq::Error "<what> '<text>': expected …" (e.g. what = "eval: --rounding").
void set_rounding(CompileOptions& options, const std::string& rounding, const std::string& what = "rounding");
FheRoundingMode parse_rounding_mode(const std::string& mode, const std::string& what = "rounding mode");

struct CompileTluReport {
  std::string name;          // the value the TLU writes
  int64_t pbs = 0;           // per sample
  int accumulator_bits = 0;  // width of the accumulator domain it reads (before rounding)
  int64_t rounding_shift = 0;
  uint32_t precision = 0;    // PBS message bits
  double log2_norm2 = 0;     // largest weight 2-norm feeding it (log2; unit-variance sources)
  double p_error = 0;        // predicted, worst element
  bool keyswitch = true;     // false: reads small-key inputs directly
  // Exact rounding with k > 0: the chunks (bits, lowest first) whose low-bit reads precede the TLU's own PBS
  // (each m ≥ 2 chunk costs 2 KS+PBS, a 1-bit chunk 1; docs/COMPILER.md §2.2). Empty otherwise.
  std::vector<uint32_t> exact_chunk_bits;
};

// One candidate of the automatic bit allocation (CompileOptions::allocate_bits).
struct CompileAllocationRow {
  int weight_bits = 0;
  bool per_channel = true;
  std::string layer_bits;      // layers whose weight bits differ from weight_bits: "node=bits, …" (empty: none)
  bool accepted = false;       // within the tolerance on the screening samples, and compilable
  bool chosen = false;
  double score = 0;            // calibration accuracy (labels) or agreement with the baseline, rounded circuit
  uint32_t max_precision = 0;  // largest PBS precision after the global-cap rounding
  int64_t pbs_count = 0;
  double log2_norm2 = 0;
  std::string params_name;
  double estimated_latency_ms = 0;
  std::string why;             // rejected: the reason
};

struct CompileReport {
  std::vector<std::string> notes;  // choices made for the user (e.g. rounding auto because a TLU was too wide)
  std::string quantization;       // e.g. "8/8/8 bits (inputs/weights/activations), per-channel weights"
  std::string params_name;
  uint64_t lwe_dimension = 0, glwe_dimension = 0, polynomial_size = 0;
  uint64_t pbs_level = 0, pbs_base_log = 0, ks_level = 0, ks_base_log = 0;
  std::string rounding;          // "none", "6", "auto"
  std::string rounding_mode;     // "exact" | "approximate"
  std::vector<int> kept_bits;    // per TLU, as applied (0: unchanged)
  double auto_agreement = 1.0;   // auto: agreement with the unrounded model on the calibration samples
  std::string auto_criterion;    // auto: "accuracy" (labels given) or "agreement"
  double auto_reference_accuracy = 0;  // auto, "accuracy": unrounded model on the search samples
  double auto_accuracy = 0;            // auto, "accuracy": the chosen rounding on the same samples
  int64_t auto_samples = 0;            // auto: calibration samples the search ran on
  bool auto_within_tolerance = false;  // auto: the choice meets auto_tolerance (false: even 8 kept bits do not)
  // The compiled circuit simulated (noise sampled, seed 1) on the LAST predict_samples calibration samples,
  // against the unrounded quantized model (options' n_bits) on the same samples: the predicted FHE accuracy and rounding loss
  // (with labels), or agreement (without). predict_samples = 0: no prediction (no calibration data).
  // Automatic bit allocation: every candidate tried (screening on allocation_samples calibration samples, the
  // rounding search's global cap only), in the order tried. Empty: no allocation ran.
  std::vector<CompileAllocationRow> allocation;
  int64_t allocation_samples = 0;
  int64_t predict_samples = 0;
  bool predicted_by_accuracy = false;
  double predicted_reference_accuracy = 0;  // unrounded quantized model at the options' n_bits (the baseline)
  double predicted_accuracy = 0;            // the circuit, simulated
  double predicted_agreement = 0;           // argmax agreement of the simulated circuit with the unrounded model
  double predicted_rounding_loss() const { return predicted_reference_accuracy - predicted_accuracy; }
  int64_t pbs_count = 0;         // per sample
  int64_t keyswitch_count = 0;
  uint32_t max_precision = 0;
  double log2_norm2 = 0;         // passed to parameter selection
  double target_p_error = 0;     // per PBS
  double p_error = 0;            // predicted, worst PBS
  double global_p_error = 0;     // predicted, per sample (any PBS or output decoding wrong)
  double output_p_error = 0;     // worst output element decoding wrong
  uint32_t output_bits = 0;
  bool output_exact = false;     // output decoding meets the target (else: noisy low bits, see below)
  double output_noise_std = 0;   // σ of the decrypted output, in accumulator units (worst element)
  double output_noise_bound = 0; // the bound σ was chosen under (0: none)
  int64_t output_observed_span = 0;
  std::string input_key;         // "small" | "big"
  int output_transport_bits = 64;  // 32: the server sends output words rounded to their top 32 bits
  double pbs_ms = 0;             // modelled KS+PBS time, one thread
  int threads = 1;
  double estimated_latency_ms = 0;
  double compile_seconds = 0;
  std::vector<CompileTluReport> tlus;

  std::string to_text() const;
  std::string to_json() const;  // one JSON object
};

// What a simulated run saw (counts over all samples).
struct SimulationCounts {
  int64_t pbs = 0;
  int64_t off_by_one = 0;     // PBS read the nearest index ± 1 (approximate rounding / noise)
  int64_t larger_errors = 0;  // PBS read an index off by ≥ 2 (a PBS failure)
  int64_t wrapped = 0;        // PBS index left the table window (negacyclic wrap)
  int64_t outputs = 0;
  int64_t output_errors = 0;  // decrypted output ≠ exact accumulator
};

class CompiledModel {
 public:
  // Client: float input → integer codes.
  IntTensor quantize_input(const FloatTensor& x) const;
  // Clear mode: integers only, approximate rounding as its deterministic nearest (= exact rounding).
  IntTensor run_clear(const IntTensor& codes) const;
  // Simulate mode: clear + sampled noise of the chosen parameters (replayable from `seed`).
  IntTensor run_simulate(const IntTensor& codes, uint64_t seed, SimulationCounts* counts = nullptr) const;
  // Client: output accumulators → float outputs (and the client-side tail).
  FloatTensor dequantize_output(const IntTensor& accumulator) const;
  FloatTensor predict_clear(const FloatTensor& x) const;
  FloatTensor predict_simulate(const FloatTensor& x, uint64_t seed) const;

  const CompileReport& report() const;
  const CompileOptions& options() const;
  const QuantizedModel& quantized() const;
  // For the runtime: the circuit and the quantized network (client records).
  const compiler::FheCircuit& circuit() const;
  const quant::QuantizedNetwork& network() const;

  CompiledModel(QuantizedModel quantized, std::shared_ptr<const compiler::FheCircuit> circuit, CompileOptions options,
                CompileReport report);

 private:
  QuantizedModel quantized_;
  std::shared_ptr<const compiler::FheCircuit> circuit_;
  CompileOptions options_;
  CompileReport report_;
};

// Quantizes (PTQ on `calibration`) and compiles. Throws fheq::Error (one line naming the option / TLU) when the
// model cannot be compiled: e.g. a TLU wider than 8 bits without rounding (suggests --rounding).
CompiledModel compile(const FloatModel& model, const FloatTensor& calibration, const CompileOptions& options = {});
// Compiles an already quantized model (`calibration` is used only by rounding auto).
CompiledModel compile(const QuantizedModel& quantized, const FloatTensor& calibration,
                      const CompileOptions& options = {});

}  // namespace fheq
