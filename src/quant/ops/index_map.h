// IndexMap, a pure index map: y[o] = in[index[o]] where `in` is the concatenation of the sources (per sample,
// in order), or the clear `fill` where index[o] = −1. Free in FHE (it only selects ciphertexts). Transpose,
// Concat, Slice, Split, Pad (fill = the zero point's code), Gather on constant indices, Expand and Tile all
// lower to it; `label` names the ONNX op it came from, for reports.
#pragma once

#include <numeric>
#include <sstream>

#include "quant/ops/op_support.h"

namespace fheq::quant {

struct IndexMapOp {
  static constexpr int32_t kTag = 8;
  static constexpr OpClass kClass = OpClass::kLinear;
  std::vector<ValueId> sources;
  ValueId output = -1;
  std::vector<int64_t> index;  // per output element: an element of the concatenated sources, or −1 (fill)
  int64_t fill = 0;
  std::string label;  // empty: "IndexMap"
  static constexpr int kFieldCount = 5;

  std::vector<ValueId> inputs() const { return sources; }
  std::string kind() const { return label.empty() ? "IndexMap" : label; }
  std::string describe(const Namer& name) const {
    std::ostringstream out;
    out << "select from ";
    for (size_t i = 0; i < sources.size(); ++i) out << (i ? ", " : "") << name(sources[i]);
    if (std::count(index.begin(), index.end(), -1) > 0) out << " (fill " << fill << ")";
    return out.str();
  }
  int64_t source_elements(const OpContext& c) const {
    int64_t n = 0;
    for (size_t i = 0; i < c.inputs.size(); ++i) n += c.input_elements(i);
    return n;
  }
  void validate(const OpContext& c) const {
    FHEQ_GRAPH_REQUIRE(!sources.empty() && c.inputs.size() == sources.size());
    FHEQ_GRAPH_REQUIRE(static_cast<int64_t>(index.size()) == c.output_elements(), index.size(), " indices");
    const int64_t n = source_elements(c);
    for (int64_t i : index) FHEQ_GRAPH_REQUIRE(i >= -1 && i < n, "index ", i, " of ", n);
  }
  IntRange range(const std::vector<IntRange>& in, const OpContext&) const {
    // Only what is selected: an all-fill map (a folded constant table) is exactly its fill.
    const bool selects = std::any_of(index.begin(), index.end(), [](int64_t i) { return i >= 0; });
    if (!selects) return IntRange{fill, fill};
    IntRange r = in[0];
    for (const IntRange& x : in) r = IntRange{std::min(r.min, x.min), std::max(r.max, x.max)};
    if (std::find(index.begin(), index.end(), -1) != index.end()) r = range_math::join(r, fill);
    return r;
  }
  void run_ref(const OpContext& c, const std::vector<const int64_t*>& in, int64_t* y, const ClearRunOptions&) const {
    for (size_t o = 0; o < index.size(); ++o) {
      if (index[o] < 0) {
        y[o] = fill;
        continue;
      }
      // Find the source holding element index[o] of the concatenation.
      int64_t i = index[o];
      size_t s = 0;
      while (i >= c.input_elements(s)) i -= c.input_elements(s++);
      y[o] = in[s][i];
    }
  }
  double multiply_adds(const OpContext& c) const { return static_cast<double>(c.output_elements()); }
  LinearForm linear_form(const OpContext& c) const {
    LinearFormBuilder b(source_elements(c), c.output_elements());
    for (int64_t i : index) {
      if (i >= 0) b.term(i, 1);
      b.end_row(i < 0 ? fill : 0);
    }
    return b.finish();
  }
};

}  // namespace fheq::quant
