// Calibration strategies: min/max, percentile clipping, MSE-optimal clipping (docs/QUANTIZATION.md §4).
#include "quant/calibration.h"

#include <algorithm>
#include <cmath>
#include <limits>

#include "core/check.h"

namespace fheq {
namespace quant {

double percentile_of_sorted(const std::vector<double>& sorted, double percent) {
  FHEQ_CHECK(!sorted.empty());
  FHEQ_CHECK(percent >= 0.0 && percent <= 100.0, "percent = ", percent);
  const double position = percent / 100.0 * static_cast<double>(sorted.size() - 1);
  const size_t below = static_cast<size_t>(std::floor(position));
  if (below + 1 >= sorted.size()) return sorted.back();
  const double fraction = position - static_cast<double>(below);
  return sorted[below] + fraction * (sorted[below + 1] - sorted[below]);
}

CalibrationStats percentile_range(std::vector<double> values, double lower_percent, double upper_percent) {
  FHEQ_REQUIRE(!values.empty(), "percentile calibration: no values to measure");
  FHEQ_REQUIRE(lower_percent >= 0.0 && upper_percent <= 100.0 && lower_percent <= upper_percent,
               "percentile calibration: percentiles [", lower_percent, ", ", upper_percent,
               "] must satisfy 0 <= lower <= upper <= 100");
  for (size_t i = 0; i < values.size(); ++i)
    FHEQ_REQUIRE(!std::isnan(values[i]), "percentile calibration: value #", i, " is NaN");
  std::sort(values.begin(), values.end());
  return {percentile_of_sorted(values, lower_percent), percentile_of_sorted(values, upper_percent)};
}

double quantization_mse(const std::vector<double>& values, const QuantParams& params) {
  FHEQ_CHECK(!values.empty());
  double sum = 0.0;
  for (double x : values) {
    const double error = x - dequantize_value(quantize_value(x, params), params);
    sum += error * error;
  }
  return sum / static_cast<double>(values.size());
}

CalibrationStats shrink_range(const CalibrationStats& full, double shrink) {
  const double anchor = std::clamp(0.0, full.min, full.max);
  return {anchor + shrink * (full.min - anchor), anchor + shrink * (full.max - anchor)};
}

MseSearchResult mse_optimal_range(const std::vector<double>& values, int n_bits, const QuantOptions& options,
                                  int grid_points, double min_shrink, int refine_iterations) {
  FHEQ_REQUIRE(grid_points >= 2, "MSE calibration: mse_grid_points = ", grid_points, " must be >= 2");
  FHEQ_REQUIRE(min_shrink > 0.0 && min_shrink < 1.0, "MSE calibration: mse_min_shrink = ", min_shrink,
               " must be in (0, 1)");
  const CalibrationStats full = min_max_stats(values);

  MseSearchResult best;
  best.mse = std::numeric_limits<double>::infinity();
  auto evaluate = [&](double shrink) {
    const CalibrationStats stats = shrink_range(full, shrink);
    const double mse = quantization_mse(values, compute_quant_params(n_bits, stats, options));
    ++best.evaluations;
    // Ties go to the wider range (larger c): evaluated from c = 1 downward, strict < keeps the first.
    if (mse < best.mse) {
      best.mse = mse;
      best.shrink = shrink;
      best.stats = stats;
    }
    return mse;
  };

  const double step = (1.0 - min_shrink) / static_cast<double>(grid_points - 1);
  for (int i = grid_points - 1; i >= 0; --i) evaluate(i == grid_points - 1 ? 1.0 : min_shrink + step * i);

  // Golden-section search on the bracket [c* − step, c* + step] around the best grid point.
  const double inverse_golden = (std::sqrt(5.0) - 1.0) / 2.0;
  double low = std::max(min_shrink, best.shrink - step);
  double high = std::min(1.0, best.shrink + step);
  double left = high - inverse_golden * (high - low);
  double right = low + inverse_golden * (high - low);
  double mse_left = evaluate(left);
  double mse_right = evaluate(right);
  for (int iteration = 0; iteration < refine_iterations; ++iteration) {
    if (mse_left <= mse_right) {
      high = right;
      right = left;
      mse_right = mse_left;
      left = high - inverse_golden * (high - low);
      mse_left = evaluate(left);
    } else {
      low = left;
      left = right;
      mse_left = mse_right;
      right = low + inverse_golden * (high - low);
      mse_right = evaluate(right);
    }
  }
  return best;
}

}  // namespace quant

std::string to_string(CalibrationMethod method) {
  switch (method) {
    case CalibrationMethod::kMinMax: return "minmax";
    case CalibrationMethod::kPercentile: return "percentile";
    case CalibrationMethod::kMse: return "mse";
  }
  FHEQ_CHECK(false, "unknown CalibrationMethod ", static_cast<int>(method));
  return {};
}

CalibrationMethod parse_calibration_method(const std::string& name) {
  if (name == "minmax" || name == "min-max" || name == "min_max") return CalibrationMethod::kMinMax;
  if (name == "percentile") return CalibrationMethod::kPercentile;
  if (name == "mse") return CalibrationMethod::kMse;
  FHEQ_THROW("calibration method '", name, "' is unknown (expected minmax, percentile or mse)");
}

namespace {

// SplitMix64 (Steele, Lea & Flood 2014): a tiny, well-mixed generator; enough for reservoir choices.
uint64_t next_random(uint64_t& state) {
  uint64_t z = (state += 0x9e3779b97f4a7c15ull);
  z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ull;
  z = (z ^ (z >> 27)) * 0x94d049bb133111ebull;
  return z ^ (z >> 31);
}

}  // namespace

Calibrator::Calibrator(CalibrationOptions options) : options_(options), rng_state_(options.sample_seed) {
  FHEQ_REQUIRE(options_.method == CalibrationMethod::kMinMax || options_.max_samples >= 1,
               "calibration: max_samples must be >= 1 for method ", to_string(options_.method));
  FHEQ_REQUIRE(options_.lower_percentile >= 0.0 && options_.upper_percentile <= 100.0 &&
                   options_.lower_percentile <= options_.upper_percentile,
               "calibration: percentiles [", options_.lower_percentile, ", ", options_.upper_percentile,
               "] must satisfy 0 <= lower <= upper <= 100");
}

void Calibrator::observe(const double* values, size_t count) {
  const bool keeps_sample = options_.method != CalibrationMethod::kMinMax;
  for (size_t i = 0; i < count; ++i) {
    const double x = values[i];
    FHEQ_REQUIRE(!std::isnan(x), "calibration: value #", count_, " is NaN");
    if (count_ == 0) {
      min_ = max_ = x;
    } else {
      min_ = std::min(min_, x);
      max_ = std::max(max_, x);
    }
    if (keeps_sample) {
      // Algorithm R (Vitter 1985): item t (0-based) replaces a uniform slot with probability k/(t+1).
      if (sample_.size() < options_.max_samples) {
        sample_.push_back(x);
      } else {
        const uint64_t slot = next_random(rng_state_) % (count_ + 1);
        if (slot < options_.max_samples) sample_[slot] = x;
      }
    }
    ++count_;
  }
}

CalibrationStats Calibrator::stats(int n_bits, const QuantOptions& quant_options) const {
  FHEQ_REQUIRE(count_ > 0, "calibration: no values were observed");
  switch (options_.method) {
    case CalibrationMethod::kMinMax:
      return {min_, max_};
    case CalibrationMethod::kPercentile:
      return quant::percentile_range(sample_, options_.lower_percentile, options_.upper_percentile);
    case CalibrationMethod::kMse:
      return quant::mse_optimal_range(sample_, n_bits, quant_options, options_.mse_grid_points,
                                      options_.mse_min_shrink, options_.mse_refine_iterations)
          .stats;
  }
  FHEQ_CHECK(false, "unknown CalibrationMethod ", static_cast<int>(options_.method));
  return {};
}

}  // namespace fheq
