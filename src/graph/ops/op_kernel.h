// Shared plumbing for the float op kernels: the kernel signature, the registry each op family
// fills, and small helpers (input checks, axes, numpy broadcasting).
#pragma once

#include <functional>
#include <map>
#include <string>
#include <vector>

#include "core/check.h"
#include "graph/graph.h"

namespace fheq::graph::ops {

using Inputs = std::vector<const FloatTensor*>;
using Kernel = std::function<std::vector<FloatTensor>(const Node&, const Inputs&)>;
using KernelTable = std::map<std::string, Kernel>;

// One registration function per op family (one .cc file each). Called explicitly by
// kernel_table(), not through static initializers, so a static library never drops them.
void register_unary_ops(KernelTable& table);
void register_binary_ops(KernelTable& table);
void register_linear_ops(KernelTable& table);
void register_conv_ops(KernelTable& table);
void register_pool_ops(KernelTable& table);
void register_shape_ops(KernelTable& table);
void register_index_ops(KernelTable& table);
void register_normalization_ops(KernelTable& table);
void register_reduce_ops(KernelTable& table);
void register_quantize_ops(KernelTable& table);

const KernelTable& kernel_table();

// The input at `index`, which must be present: throws fheq::Error naming the node otherwise.
const FloatTensor& input(const Node& node, const Inputs& inputs, size_t index);
// The input at `index`, or nullptr when absent or omitted.
const FloatTensor* optional_input(const Inputs& inputs, size_t index);
// The one value of a tensor that must hold exactly one; throws naming the node and `what` otherwise.
double scalar_value(const Node& node, const FloatTensor& tensor, const char* what);
// Normalizes a possibly negative axis for a tensor of `rank`, throwing if out of range.
int64_t normalize_axis(const Node& node, int64_t axis, int64_t rank);
// Largest tensor an op may create from a shape it reads (ConstantOfShape, Expand, Pad): 2^27 doubles (1 GiB).
// A model's own activations are far smaller; a bigger shape is a malformed or hostile file.
inline constexpr int64_t kMaxCreatedElements = int64_t{1} << 27;
// `shape` checked before anything of that size is allocated: non-negative, at most kMaxCreatedElements.
const Shape& checked_created_shape(const Node& node, const Shape& shape);
// Integer values held by a (shape-like) float tensor; throws if one is not an integer.
std::vector<int64_t> to_ints(const Node& node, const FloatTensor& tensor, const char* what);

// numpy broadcasting of two shapes; throws naming the node when incompatible.
Shape broadcast_shapes(const Node& node, const Shape& a, const Shape& b);
// Applies f elementwise over the broadcast of a and b.
template <typename F>
FloatTensor broadcast_binary(const Node& node, const FloatTensor& a, const FloatTensor& b, F f);

// Row-major strides of a shape.
std::vector<int64_t> strides_of(const Shape& shape);

// ----- template implementation -----
template <typename F>
FloatTensor broadcast_binary(const Node& node, const FloatTensor& a, const FloatTensor& b, F f) {
  if (a.shape == b.shape) {
    FloatTensor out(a.shape);
    for (int64_t i = 0; i < out.size(); ++i) out[i] = f(a[i], b[i]);
    return out;
  }
  if (b.size() == 1) {
    FloatTensor out(broadcast_shapes(node, a.shape, b.shape));
    const double s = b[0];
    for (int64_t i = 0; i < out.size(); ++i) out[i] = f(a[i % a.size()], s);
    return out;
  }
  Shape shape = broadcast_shapes(node, a.shape, b.shape);
  const size_t rank = shape.size();
  // Strides of a and b aligned to the output rank, 0 on broadcast dims.
  auto aligned = [rank](const Shape& s) {
    std::vector<int64_t> st(rank, 0);
    std::vector<int64_t> own = strides_of(s);
    size_t offset = rank - s.size();
    for (size_t i = 0; i < s.size(); ++i) st[offset + i] = s[i] == 1 ? 0 : own[i];
    return st;
  };
  std::vector<int64_t> sa = aligned(a.shape), sb = aligned(b.shape);
  FloatTensor out(shape);
  std::vector<int64_t> index(rank, 0);
  int64_t ia = 0, ib = 0;
  for (int64_t i = 0; i < out.size(); ++i) {
    out[i] = f(a[ia], b[ib]);
    // Odometer increment of the multi-index, keeping the input offsets in step.
    for (size_t d = rank; d-- > 0;) {
      ++index[d];
      ia += sa[d];
      ib += sb[d];
      if (index[d] < shape[d]) break;
      ia -= sa[d] * shape[d];
      ib -= sb[d] * shape[d];
      index[d] = 0;
    }
  }
  return out;
}

}  // namespace fheq::graph::ops
