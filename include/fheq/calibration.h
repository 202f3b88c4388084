// Calibration: measuring the range [α, β] a tensor is quantized over (DESIGN.md §2).
// Three separate types, as in Concrete ML: CalibrationOptions (what the user asks for), the running
// Calibrator (what was observed), and CalibrationStats / QuantParams (what is derived, fheq/quantizer.h).
// Methods and their maths: docs/QUANTIZATION.md §4.
#pragma once

#include <cstddef>
#include <cstdint>
#include <string>
#include <vector>

#include "fheq/quantizer.h"

namespace fheq {

enum class CalibrationMethod {
  kMinMax,      // α = min, β = max of everything observed (exact, O(1) memory)
  kPercentile,  // α, β = lower/upper percentiles (NumPy 'linear' interpolation) of the kept sample
  kMse,         // the range, shrunk from [min, max], that minimises the quantization MSE on the kept sample
};

std::string to_string(CalibrationMethod method);                        // "minmax" | "percentile" | "mse"
CalibrationMethod parse_calibration_method(const std::string& name);  // throws fheq::Error naming the text

struct CalibrationOptions {
  CalibrationMethod method = CalibrationMethod::kMinMax;
  double lower_percentile = 0.01;   // percent, in [0, 100]
  double upper_percentile = 99.99;  // percent, in [lower_percentile, 100]
  // Percentile and MSE keep a uniform reservoir sample (Vitter's Algorithm R) of at most this many values
  // per tensor: memory is 8·max_samples bytes (512 KiB by default). Below it they are exact.
  size_t max_samples = size_t{1} << 16;
  uint64_t sample_seed = 0;         // the reservoir's replacement choices are deterministic given the seed
  // MSE search over the shrink factor c ∈ [mse_min_shrink, 1]: a grid, then golden-section refinement
  // around the best grid point (the MSE of c is a staircase, not unimodal, so the grid comes first).
  int mse_grid_points = 64;
  double mse_min_shrink = 0.02;
  int mse_refine_iterations = 24;
};

// Accumulates statistics of one tensor over calibration batches; call observe() once per batch.
class Calibrator {
 public:
  explicit Calibrator(CalibrationOptions options = {});

  void observe(const double* values, size_t count);  // throws fheq::Error on NaN
  void observe(const std::vector<double>& values) { observe(values.data(), values.size()); }

  uint64_t count() const { return count_; }
  double min() const { return min_; }
  double max() const { return max_; }
  const std::vector<double>& sample() const { return sample_; }  // empty for kMinMax
  const CalibrationOptions& options() const { return options_; }

  // The calibrated range for this method. n_bits/quant_options matter only for kMse (the MSE depends
  // on the quantizer it is measured with). Throws fheq::Error if nothing was observed.
  CalibrationStats stats(int n_bits, const QuantOptions& quant_options) const;
  QuantParams params(int n_bits, const QuantOptions& quant_options) const {
    return compute_quant_params(n_bits, stats(n_bits, quant_options), quant_options);
  }

 private:
  CalibrationOptions options_;
  uint64_t count_ = 0;
  double min_ = 0.0;
  double max_ = 0.0;
  std::vector<double> sample_;
  uint64_t rng_state_;
};

}  // namespace fheq
