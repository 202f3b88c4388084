// Uniform affine quantization (../shared/DESIGN.md §2), mirroring Concrete ML's QuantizedArray.
//   scale S = (β − α) / (2^n − 1), zero point Z = round(−α / S);  q = clip(round(x / S) + Z);  x̂ = S·(q − Z)
// Rounding is half-to-even (as NumPy's rint).
#pragma once

#include <cstdint>
#include <vector>

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
