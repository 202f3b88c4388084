// Calibration maths on plain value arrays (the Calibrator in fheq/calibration.h feeds these its sample).
// Definitions: docs/QUANTIZATION.md §4.
#pragma once

#include <vector>

#include "fheq/calibration.h"
#include "fheq/quantizer.h"

namespace fheq::quant {

// NumPy's default percentile ('linear', Hyndman & Fan type 7): position h = p/100·(n − 1),
// result = s[⌊h⌋] + (h − ⌊h⌋)·(s[⌊h⌋+1] − s[⌊h⌋]). `sorted` must be ascending and non-empty.
double percentile_of_sorted(const std::vector<double>& sorted, double percent);

// [lower, upper] percentiles of the values (copied and sorted). Throws fheq::Error on bad percents/empty.
CalibrationStats percentile_range(std::vector<double> values, double lower_percent, double upper_percent);

// Mean of (x − dequant(quant(x)))² over the values, clipping error included.
double quantization_mse(const std::vector<double>& values, const QuantParams& params);

// The range [min, max] shrunk by c ∈ (0, 1] toward its anchor a = clamp(0, min, max), the point of the
// range nearest zero: [a + c·(min − a), a + c·(max − a)]. So ReLU outputs [0, β] keep 0 and shrink β;
// a symmetric range shrinks both ends; a range away from zero shrinks toward its end nearest zero.
CalibrationStats shrink_range(const CalibrationStats& full, double shrink);

struct MseSearchResult {
  CalibrationStats stats;
  double shrink = 1.0;  // c of the chosen range (1 = min/max)
  double mse = 0.0;     // quantization MSE of the values with that range
  int evaluations = 0;
};

// Searches c ∈ [min_shrink, 1] (grid of grid_points values including 1, then golden-section refinement in
// the bracket around the best grid point) for the range minimising quantization_mse with n_bits/options.
// Because c = 1 is on the grid the result is never worse than min/max on these values.
MseSearchResult mse_optimal_range(const std::vector<double>& values, int n_bits, const QuantOptions& options,
                                  int grid_points, double min_shrink, int refine_iterations);

}  // namespace fheq::quant
