// Whether one sample's accumulators stay inside every TLU window of a circuit (the PBS index
// j = round(a / 2^k) + offset in [0, 2^p)), from a clear run of all values (quant::run_integer_graph_all).
// Outside, FHE wraps negacyclically where the clear executor clamps: tests compare with clear only inside.
#pragma once

#include <gtest/gtest.h>

#include <cstdint>
#include <vector>

#include "compiler/fhe_circuit.h"

namespace fheq::compiler::testing {

inline bool sample_inside_every_window(const FheCircuit& c, const std::vector<IntTensor>& all_values, int64_t sample) {
  for (const TluEncoding& t : c.tlus) {
    const IntTensor& acc = all_values[static_cast<size_t>(t.input)];
    const int64_t n = c.graph.elements(t.input);
    for (int64_t e = 0; e < n; ++e) {
      const int64_t j = quant::round_shift_exact(acc[sample * n + e] + t.input_offset, t.rounding_shift);
      if (j < 0 || j >= (int64_t{1} << t.precision)) return false;
    }
  }
  return true;
}

// Checks `got` (decrypted or noiselessly simulated outputs) against the clear run's output on every sample
// whose accumulators stay inside every window, within `tolerance`; returns how many samples were compared.
inline int64_t expect_equal_to_clear_inside_windows(const FheCircuit& c, const std::vector<IntTensor>& all_values,
                                                    const IntTensor& got, int64_t tolerance) {
  const IntTensor& clear = all_values[static_cast<size_t>(c.graph.output)];
  EXPECT_EQ(got.shape, clear.shape);
  if (got.shape != clear.shape) return 0;
  const int64_t per = c.graph.elements(c.graph.output);
  int64_t inside = 0;
  for (int64_t s = 0; s < clear.dim(0); ++s) {
    if (!sample_inside_every_window(c, all_values, s)) continue;
    ++inside;
    for (int64_t e = 0; e < per; ++e)
      EXPECT_LE(std::abs(got[s * per + e] - clear[s * per + e]), tolerance) << "sample " << s << " output " << e;
  }
  return inside;
}

}  // namespace fheq::compiler::testing
