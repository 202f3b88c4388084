// Round to nearest, ties to even (NumPy's rint, ONNX QuantizeLinear, QONNX ROUND), computed without the
// floating-point environment so every layer (float reference, quantizer, tables) rounds alike.
#pragma once

#include <cmath>

namespace fheq::core {

inline double round_half_to_even(double x) {
  if (!std::isfinite(x)) return x;
  const double floor_x = std::floor(x);
  const double fraction = x - floor_x;  // exact: x and floor(x) have the same binade or x is an integer
  if (fraction < 0.5) return floor_x;
  if (fraction > 0.5) return floor_x + 1.0;
  return std::fmod(floor_x, 2.0) == 0.0 ? floor_x : floor_x + 1.0;
}

}  // namespace fheq::core
