// Uniform affine quantization (Jacob et al. 2018, §2.1; docs/QUANTIZATION.md), mirroring Concrete ML's QuantizedArray.
//   scale S = (β − α) / (2^n − 1), zero point Z = round(−α / S);  q = clip(round(x / S) + Z);  x̂ = S·(q − Z)
// Rounding is half-to-even (as NumPy's rint).
#pragma once

#include <cstdint>
#include <vector>

#include "fheq/error.h"  // every function here throws fheq::Error on bad input

namespace fheq {

// What the user asks for.
struct QuantOptions {
  bool is_signed = false;     // codes in [−2^(n−1), 2^(n−1) − 1] instead of [0, 2^n − 1]
  bool is_symmetric = false;  // Z = 0, S = max|x| / (2^(n−1) − 1) when signed
  bool is_narrow = false;     // drop the most negative code (signed) / the top code (unsigned)
};

// What calibration measured.
struct CalibrationStats {
  double min = 0.0;   // α
  double max = 0.0;   // β
};

// What is derived from options + stats.
struct QuantParams {
  int n_bits = 8;
  double scale = 1.0;
  int64_t zero_point = 0;
  int64_t qmin = 0;   // smallest code
  int64_t qmax = 255; // largest code
  QuantOptions options;
};

QuantParams compute_quant_params(int n_bits, const CalibrationStats& stats, const QuantOptions& options);

// ---- Additions (q1): the scalar building blocks the quantized graph and TLU builders share. ----
// Full definitions, edge cases and a worked example: docs/QUANTIZATION.md.
//
// Code range for n_bits and options (throws fheq::Error if n_bits is outside 1..16 or the range is empty):
//   unsigned [0, 2^n − 1] (narrow: [0, 2^n − 2]);  signed [−2^(n−1), 2^(n−1) − 1] (narrow: [−2^(n−1) + 1, ...]).
struct CodeRange {
  int64_t qmin = 0;
  int64_t qmax = 0;
};
CodeRange code_range(int n_bits, const QuantOptions& options);

// Round to nearest, ties to even (NumPy rint), independent of the floating-point environment.
double round_half_to_even(double x);

// q = clip(rint(x / S) + Z, qmin, qmax). x must not be NaN (throws fheq::Error); ±inf clip.
int64_t quantize_value(double x, const QuantParams& params);
// x̂ = S · (q − Z), computed as in Concrete ML: scale * double(q − Z).
double dequantize_value(int64_t q, const QuantParams& params);
std::vector<int64_t> quantize_values(const std::vector<double>& values, const QuantParams& params);
std::vector<double> dequantize_values(const std::vector<int64_t>& codes, const QuantParams& params);

// Min/max statistics of a set of values (throws fheq::Error if empty or any value is NaN).
CalibrationStats min_max_stats(const std::vector<double>& values);

class QuantizedArray {
 public:
  // Calibrates on `values` (min/max) and quantizes them.
  QuantizedArray(int n_bits, std::vector<double> values, QuantOptions options = {});
  // From known parameters and codes (e.g. to dequantize an FHE result).
  QuantizedArray(QuantParams params, std::vector<int64_t> qvalues);

  const std::vector<int64_t>& qvalues() const { return qvalues_; }
  std::vector<double> dequant() const;
  std::vector<int64_t> quant(const std::vector<double>& values) const;  // new data, same parameters
  double scale() const { return params_.scale; }
  int64_t zero_point() const { return params_.zero_point; }
  int n_bits() const { return params_.n_bits; }
  const QuantParams& params() const { return params_; }

 private:
  QuantParams params_;
  std::vector<int64_t> qvalues_;
};

}  // namespace fheq
