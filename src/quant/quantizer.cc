// Uniform affine quantization (DESIGN.md §2; Jacob et al. 2018, §2.1), with Concrete ML's
// QuantizedArray conventions. The maths and every edge case are written out in docs/QUANTIZATION.md.
#include "fheq/quantizer.h"

#include <algorithm>
#include <cmath>
#include <limits>

#include "core/check.h"
#include "core/rounding.h"

namespace fheq {
namespace {

// A range is degenerate (one value, up to float noise) when its width is below this fraction of its
// magnitude. Concrete ML uses an absolute 1e-6; a relative bound behaves the same on unit-scale data and
// keeps tiny-but-real ranges (e.g. [-1e-7, 1e-7]) quantizable. It also bounds |Z| ≤ 1e6·2^16 (see below).
constexpr double kDegenerateRelativeWidth = 1e-6;

void require_finite_stats(const CalibrationStats& stats) {
  FHEQ_REQUIRE(std::isfinite(stats.min) && std::isfinite(stats.max),
               "compute_quant_params: calibration range [", stats.min, ", ", stats.max, "] is not finite");
  FHEQ_REQUIRE(stats.min <= stats.max,
               "compute_quant_params: calibration min ", stats.min, " > max ", stats.max);
}

// Parameters for a range that holds (numerically) a single value v: the value must come back exactly.
// v ≈ 0: S = 1, Z = 0 (0 is a code of every range). Otherwise S = |v| so v is ±1 step from Z; Z = 0 when
// the code sign(v) exists, else Z is moved by one so that it does (unsigned v < 0: Z = 1, code 0;
// signed 1-bit v > 0: Z = −1, code 0).
void set_degenerate_params(double value, QuantParams& params) {
  if (std::fabs(value) < std::numeric_limits<double>::min()) {
    params.scale = 1.0;
    params.zero_point = 0;
    return;
  }
  params.scale = std::fabs(value);
  const int64_t code_of_value_when_z_is_0 = value > 0 ? 1 : -1;
  if (code_of_value_when_z_is_0 > params.qmax) {
    params.zero_point = params.qmax - 1;
  } else if (code_of_value_when_z_is_0 < params.qmin) {
    params.zero_point = params.qmin + 1;
  } else {
    params.zero_point = 0;
  }
}

}  // namespace

CodeRange code_range(int n_bits, const QuantOptions& options) {
  FHEQ_REQUIRE(n_bits >= 1 && n_bits <= 16, "quantizer: n_bits = ", n_bits, " is outside 1..16");
  CodeRange range;
  if (options.is_signed) {
    range.qmin = -(int64_t{1} << (n_bits - 1));
    range.qmax = (int64_t{1} << (n_bits - 1)) - 1;
    if (options.is_narrow) range.qmin += 1;
  } else {
    range.qmin = 0;
    range.qmax = (int64_t{1} << n_bits) - 1;
    if (options.is_narrow) range.qmax -= 1;
  }
  FHEQ_REQUIRE(range.qmax > range.qmin, "quantizer: ", n_bits, "-bit ", options.is_signed ? "signed" : "unsigned",
               " narrow range has a single code; use n_bits >= 2");
  return range;
}

double round_half_to_even(double x) { return core::round_half_to_even(x); }

QuantParams compute_quant_params(int n_bits, const CalibrationStats& stats, const QuantOptions& options) {
  require_finite_stats(stats);
  const CodeRange range = code_range(n_bits, options);
  QuantParams params;
  params.n_bits = n_bits;
  params.options = options;
  params.qmin = range.qmin;
  params.qmax = range.qmax;

  const double alpha = stats.min;
  const double beta = stats.max;
  const double magnitude = std::max(std::fabs(alpha), std::fabs(beta));

  if (options.is_symmetric) {
    // Z = 0 and the larger |end| maps to qmax: S = max|x| / qmax (= max|x| / (2^(n−1) − 1) when signed).
    FHEQ_REQUIRE(range.qmax >= 1, "quantizer: symmetric ", n_bits,
                 "-bit signed quantization has no positive code; use n_bits >= 2");
    params.zero_point = 0;
    params.scale = magnitude / static_cast<double>(range.qmax);
    if (!(params.scale >= std::numeric_limits<double>::min())) params.scale = 1.0;  // all zeros
    return params;
  }

  const double width = beta - alpha;
  const double steps = static_cast<double>(range.qmax - range.qmin);
  const bool degenerate =
      width <= kDegenerateRelativeWidth * magnitude || !(width / steps >= std::numeric_limits<double>::min());
  if (degenerate) {
    set_degenerate_params(alpha + 0.5 * width, params);
    return params;
  }
  // α maps to qmin and β to qmax: S = (β − α) / (qmax − qmin). The zero point uses Concrete ML's form
  // Z = rint((qmin·β − α·qmax) / (β − α)), algebraically qmin − α/S; for unsigned it is rint(−α/S).
  params.scale = width / steps;
  const double zero_point =
      round_half_to_even((static_cast<double>(range.qmin) * beta - alpha * static_cast<double>(range.qmax)) / width);
  FHEQ_CHECK(std::fabs(zero_point) < 1e15, "zero point ", zero_point, " for range [", alpha, ", ", beta, "]");
  params.zero_point = static_cast<int64_t>(zero_point);
  return params;
}

int64_t quantize_value(double x, const QuantParams& params) {
  FHEQ_REQUIRE(!std::isnan(x), "quantize: value is NaN");
  // Round first, then shift by the integer Z (so Z never costs precision), then clip. Clipping happens in
  // double so ±inf and huge |x| cannot overflow int64.
  const double steps = round_half_to_even(x / params.scale);
  const double lowest = static_cast<double>(params.qmin - params.zero_point);
  const double highest = static_cast<double>(params.qmax - params.zero_point);
  return static_cast<int64_t>(std::clamp(steps, lowest, highest)) + params.zero_point;
}

double dequantize_value(int64_t q, const QuantParams& params) {
  return params.scale * static_cast<double>(q - params.zero_point);
}

std::vector<int64_t> quantize_values(const std::vector<double>& values, const QuantParams& params) {
  std::vector<int64_t> codes(values.size());
  for (size_t i = 0; i < values.size(); ++i) {
    FHEQ_REQUIRE(!std::isnan(values[i]), "quantize: value #", i, " is NaN");
    codes[i] = quantize_value(values[i], params);
  }
  return codes;
}

std::vector<double> dequantize_values(const std::vector<int64_t>& codes, const QuantParams& params) {
  std::vector<double> values(codes.size());
  for (size_t i = 0; i < codes.size(); ++i) values[i] = dequantize_value(codes[i], params);
  return values;
}

CalibrationStats min_max_stats(const std::vector<double>& values) {
  FHEQ_REQUIRE(!values.empty(), "calibration: no values to measure");
  CalibrationStats stats{values[0], values[0]};
  for (size_t i = 0; i < values.size(); ++i) {
    FHEQ_REQUIRE(!std::isnan(values[i]), "calibration: value #", i, " is NaN");
    stats.min = std::min(stats.min, values[i]);
    stats.max = std::max(stats.max, values[i]);
  }
  return stats;
}

QuantizedArray::QuantizedArray(int n_bits, std::vector<double> values, QuantOptions options)
    : params_(compute_quant_params(n_bits, min_max_stats(values), options)),
      qvalues_(quantize_values(values, params_)) {}

QuantizedArray::QuantizedArray(QuantParams params, std::vector<int64_t> qvalues)
    : params_(params), qvalues_(std::move(qvalues)) {
  FHEQ_REQUIRE(std::isfinite(params_.scale) && params_.scale > 0.0,
               "QuantizedArray: scale ", params_.scale, " must be finite and > 0");
  FHEQ_REQUIRE(params_.qmin <= params_.qmax, "QuantizedArray: qmin ", params_.qmin, " > qmax ", params_.qmax);
}

std::vector<double> QuantizedArray::dequant() const { return dequantize_values(qvalues_, params_); }

std::vector<int64_t> QuantizedArray::quant(const std::vector<double>& values) const {
  return quantize_values(values, params_);
}

}  // namespace fheq
