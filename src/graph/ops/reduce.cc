// ReduceMean / ReduceSum / ReduceMax / ReduceMin (opsets 13–17: axes is an attribute, except
// ReduceSum where it is an optional input since opset 13; keepdims defaults to 1).
#include <algorithm>
#include <limits>

#include "graph/ops/op_kernel.h"

namespace fheq::graph::ops {
namespace {

enum class Reduction { kMean, kSum, kMax, kMin };

template <Reduction kind>
std::vector<FloatTensor> reduce(const Node& node, const Inputs& inputs) {
  const FloatTensor& x = input(node, inputs, 0);
  std::vector<int64_t> axes = node.attr_ints("axes", {});
  if (const FloatTensor* t = optional_input(inputs, 1)) axes = to_ints(node, *t, "axes");
  const bool keepdims = node.attr_int("keepdims", 1) != 0;
  std::vector<bool> reduced(x.shape.size(), false);
  if (axes.empty()) {
    // No axes: all dims, unless ReduceSum's noop_with_empty_axes asks for the identity.
    if (node.attr_int("noop_with_empty_axes", 0) != 0) return {x};
    std::fill(reduced.begin(), reduced.end(), true);
  }
  for (int64_t a : axes) reduced[static_cast<size_t>(normalize_axis(node, a, x.rank()))] = true;
  Shape out_shape, kept_shape;  // kept_shape: x's shape with reduced dims set to 1
  for (size_t d = 0; d < x.shape.size(); ++d) {
    kept_shape.push_back(reduced[d] ? 1 : x.shape[d]);
    if (!reduced[d]) out_shape.push_back(x.shape[d]);
    else if (keepdims) out_shape.push_back(1);
  }
  const double init = kind == Reduction::kMax   ? -std::numeric_limits<double>::infinity()
                      : kind == Reduction::kMin ? std::numeric_limits<double>::infinity()
                                                : 0.0;
  FloatTensor y(out_shape, std::vector<double>(static_cast<size_t>(shape_size(out_shape)), init));
  const std::vector<int64_t> out_strides = strides_of(kept_shape);
  const size_t rank = x.shape.size();
  std::vector<int64_t> index(rank, 0);
  for (int64_t i = 0; i < x.size(); ++i) {
    int64_t o = 0;
    for (size_t d = 0; d < rank; ++d)
      if (!reduced[d]) o += index[d] * out_strides[d];
    double& acc = y[o];
    if constexpr (kind == Reduction::kMax) acc = std::max(acc, x[i]);
    else if constexpr (kind == Reduction::kMin) acc = std::min(acc, x[i]);
    else acc += x[i];
    for (size_t d = rank; d-- > 0;) {
      if (++index[d] < x.shape[d]) break;
      index[d] = 0;
    }
  }
  if constexpr (kind == Reduction::kMean) {
    const double count = static_cast<double>(x.size()) / static_cast<double>(std::max<int64_t>(1, y.size()));
    for (double& v : y.data) v /= count;
  }
  return {std::move(y)};
}

}  // namespace

void register_reduce_ops(KernelTable& t) {
  t["ReduceMean"] = reduce<Reduction::kMean>;
  t["ReduceSum"] = reduce<Reduction::kSum>;
  t["ReduceMax"] = reduce<Reduction::kMax>;
  t["ReduceMin"] = reduce<Reduction::kMin>;
}

}  // namespace fheq::graph::ops
