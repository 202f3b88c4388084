// Layout ops that move data without arithmetic: Flatten, Reshape, Transpose, Concat, Split, Squeeze,
// Unsqueeze, Expand.
#include <algorithm>
#include <numeric>

#include "graph/ops/op_kernel.h"

namespace fheq::graph::ops {
namespace {

FloatTensor with_shape(const FloatTensor& x, Shape shape) {
  FloatTensor y;
  y.shape = std::move(shape);
  y.data = x.data;
  return y;
}

std::vector<FloatTensor> flatten(const Node& node, const Inputs& inputs) {
  const FloatTensor& x = input(node, inputs, 0);
  // axis may equal rank (everything in the first dim).
  int64_t axis = node.attr_int("axis", 1);
  FHEQ_REQUIRE(axis >= -x.rank() && axis <= x.rank(), node.describe(), ": axis ", axis, " out of range for rank ", x.rank());
  if (axis < 0) axis += x.rank();
  int64_t outer = 1;
  for (int64_t i = 0; i < axis; ++i) outer *= x.dim(i);
  return {with_shape(x, {outer, outer == 0 ? 0 : x.size() / outer})};
}

std::vector<FloatTensor> reshape(const Node& node, const Inputs& inputs) {
  const FloatTensor& x = input(node, inputs, 0);
  std::vector<int64_t> target = to_ints(node, input(node, inputs, 1), "shape");
  const bool allow_zero = node.attr_int("allowzero", 0) != 0;
  Shape shape(target.size());
  int64_t known = 1, infer_at = -1;
  for (size_t i = 0; i < target.size(); ++i) {
    int64_t d = target[i];
    if (d == 0 && !allow_zero) {
      // 0 copies the input's dim at the same index.
      FHEQ_REQUIRE(static_cast<int64_t>(i) < x.rank(), node.describe(), ": shape ", shape_to_string(target),
                   " copies dim ", i, " of an input of rank ", x.rank());
      d = x.dim(static_cast<int64_t>(i));
    }
    if (d == -1) {
      FHEQ_REQUIRE(infer_at < 0, node.describe(), ": shape ", shape_to_string(target), " has more than one -1");
      infer_at = static_cast<int64_t>(i);
      continue;
    }
    FHEQ_REQUIRE(d >= 0, node.describe(), ": invalid dim ", d, " in shape ", shape_to_string(target));
    shape[i] = d;
    known *= d;
  }
  if (infer_at >= 0) {
    FHEQ_REQUIRE(known > 0 && x.size() % known == 0, node.describe(), ": cannot reshape ", shape_to_string(x.shape),
                 " to ", shape_to_string(target));
    shape[static_cast<size_t>(infer_at)] = x.size() / known;
  }
  FHEQ_REQUIRE(shape_size(shape) == x.size(), node.describe(), ": cannot reshape ", shape_to_string(x.shape), " (",
               x.size(), " values) to ", shape_to_string(target));
  return {with_shape(x, shape)};
}

std::vector<FloatTensor> transpose(const Node& node, const Inputs& inputs) {
  const FloatTensor& x = input(node, inputs, 0);
  const size_t rank = x.shape.size();
  std::vector<int64_t> perm(rank);
  std::iota(perm.rbegin(), perm.rend(), 0);  // default: reverse the dims
  perm = node.attr_ints("perm", perm);
  FHEQ_REQUIRE(perm.size() == rank, node.describe(), ": perm has ", perm.size(), " entries for rank ", rank);
  std::vector<int64_t> sorted = perm;
  std::sort(sorted.begin(), sorted.end());
  for (size_t i = 0; i < rank; ++i)
    FHEQ_REQUIRE(sorted[i] == static_cast<int64_t>(i), node.describe(), ": perm is not a permutation");
  Shape out_shape(rank);
  for (size_t i = 0; i < rank; ++i) out_shape[i] = x.shape[static_cast<size_t>(perm[i])];
  std::vector<int64_t> in_strides = strides_of(x.shape), step(rank);
  for (size_t i = 0; i < rank; ++i) step[i] = in_strides[static_cast<size_t>(perm[i])];
  FloatTensor y(out_shape);
  std::vector<int64_t> index(rank, 0);
  int64_t offset = 0;
  for (int64_t i = 0; i < y.size(); ++i) {
    y[i] = x[offset];
    for (size_t d = rank; d-- > 0;) {
      ++index[d];
      offset += step[d];
      if (index[d] < out_shape[d]) break;
      offset -= step[d] * out_shape[d];
      index[d] = 0;
    }
  }
  return {std::move(y)};
}

std::vector<FloatTensor> concat(const Node& node, const Inputs& inputs) {
  FHEQ_REQUIRE(!inputs.empty(), node.describe(), ": needs at least one input");
  const FloatTensor& first = input(node, inputs, 0);
  const int64_t axis = normalize_axis(node, node.attr_int("axis", 0), first.rank());
  Shape shape = first.shape;
  shape[axis] = 0;
  for (size_t i = 0; i < inputs.size(); ++i) {
    const FloatTensor& t = input(node, inputs, i);
    FHEQ_REQUIRE(t.rank() == first.rank(), node.describe(), ": input ", i, " has rank ", t.rank(), ", expected ", first.rank());
    for (int64_t d = 0; d < t.rank(); ++d)
      FHEQ_REQUIRE(d == axis || t.dim(d) == first.dim(d), node.describe(), ": input ", i, " shape ",
                   shape_to_string(t.shape), " differs from ", shape_to_string(first.shape), " off axis ", axis);
    shape[axis] += t.dim(axis);
  }
  int64_t outer = 1;
  for (int64_t d = 0; d < axis; ++d) outer *= shape[d];
  FloatTensor y(shape);
  double* out = y.data.data();
  for (int64_t o = 0; o < outer; ++o) {
    for (const FloatTensor* t : inputs) {
      const int64_t chunk = outer == 0 ? 0 : t->size() / outer;
      out = std::copy_n(t->data.data() + o * chunk, chunk, out);
    }
  }
  return {std::move(y)};
}

// Split: sizes from the second input (opset >= 13), the `split` attribute (older), or equal parts over the
// outputs (the last one smaller when the axis does not divide, as opset 18 specifies).
std::vector<FloatTensor> split(const Node& node, const Inputs& inputs) {
  const FloatTensor& x = input(node, inputs, 0);
  const int64_t axis = normalize_axis(node, node.attr_int("axis", 0), x.rank());
  std::vector<int64_t> sizes;
  if (const FloatTensor* t = optional_input(inputs, 1)) sizes = to_ints(node, *t, "split");
  else sizes = node.attr_ints("split", {});
  const auto parts = static_cast<int64_t>(node.outputs.size());
  if (sizes.empty()) {
    const int64_t each = (x.dim(axis) + parts - 1) / parts;
    for (int64_t p = 0; p < parts; ++p) sizes.push_back(std::max<int64_t>(0, std::min(each, x.dim(axis) - p * each)));
  }
  int64_t sum = 0;
  for (int64_t v : sizes) {
    FHEQ_REQUIRE(v >= 0, node.describe(), ": negative split size ", v);
    sum += v;
  }
  FHEQ_REQUIRE(static_cast<int64_t>(sizes.size()) == parts && sum == x.dim(axis), node.describe(), ": split sizes sum to ",
               sum, " over ", sizes.size(), " parts; axis ", axis, " has ", x.dim(axis), " over ", parts, " outputs");
  int64_t outer = 1, inner = 1;
  for (int64_t d = 0; d < axis; ++d) outer *= x.dim(d);
  for (int64_t d = axis + 1; d < x.rank(); ++d) inner *= x.dim(d);
  std::vector<FloatTensor> outs;
  int64_t start = 0;
  for (int64_t size : sizes) {
    Shape shape = x.shape;
    shape[static_cast<size_t>(axis)] = size;
    FloatTensor y(shape);
    for (int64_t o = 0; o < outer; ++o)
      std::copy_n(x.data.data() + (o * x.dim(axis) + start) * inner, size * inner, y.data.data() + o * size * inner);
    outs.push_back(std::move(y));
    start += size;
  }
  return outs;
}

// Axes from the second input (opset >= 13) or the `axes` attribute (older opsets).
std::vector<int64_t> axes_of(const Node& node, const Inputs& inputs) {
  if (const FloatTensor* t = optional_input(inputs, 1)) return to_ints(node, *t, "axes");
  return node.attr_ints("axes", {});
}

std::vector<FloatTensor> squeeze(const Node& node, const Inputs& inputs) {
  const FloatTensor& x = input(node, inputs, 0);
  std::vector<int64_t> axes = axes_of(node, inputs);
  std::vector<bool> drop(x.shape.size(), false);
  if (axes.empty()) {
    for (size_t d = 0; d < x.shape.size(); ++d) drop[d] = x.shape[d] == 1;
  }
  for (int64_t a : axes) {
    int64_t d = normalize_axis(node, a, x.rank());
    FHEQ_REQUIRE(x.dim(d) == 1, node.describe(), ": cannot squeeze axis ", a, " of size ", x.dim(d));
    drop[static_cast<size_t>(d)] = true;
  }
  Shape shape;
  for (size_t d = 0; d < x.shape.size(); ++d)
    if (!drop[d]) shape.push_back(x.shape[d]);
  return {with_shape(x, shape)};
}

std::vector<FloatTensor> unsqueeze(const Node& node, const Inputs& inputs) {
  const FloatTensor& x = input(node, inputs, 0);
  std::vector<int64_t> axes = axes_of(node, inputs);
  const int64_t out_rank = x.rank() + static_cast<int64_t>(axes.size());
  std::vector<bool> inserted(static_cast<size_t>(out_rank), false);
  for (int64_t a : axes) {
    int64_t d = normalize_axis(node, a, out_rank);
    FHEQ_REQUIRE(!inserted[static_cast<size_t>(d)], node.describe(), ": axis ", a, " repeated");
    inserted[static_cast<size_t>(d)] = true;
  }
  Shape shape;
  size_t next = 0;
  for (int64_t d = 0; d < out_rank; ++d) shape.push_back(inserted[static_cast<size_t>(d)] ? 1 : x.shape[next++]);
  return {with_shape(x, shape)};
}

std::vector<FloatTensor> expand(const Node& node, const Inputs& inputs) {
  const FloatTensor& x = input(node, inputs, 0);
  Shape target = to_ints(node, input(node, inputs, 1), "shape");
  FloatTensor zeros(checked_created_shape(node, broadcast_shapes(node, x.shape, target)));
  return {broadcast_binary(node, x, zeros, [](double v, double) { return v; })};
}

}  // namespace

void register_shape_ops(KernelTable& t) {
  t["Flatten"] = flatten;
  t["Reshape"] = reshape;
  t["Transpose"] = transpose;
  t["Concat"] = concat;
  t["Split"] = split;
  t["Squeeze"] = squeeze;
  t["Unsqueeze"] = unsqueeze;
  t["Expand"] = expand;
}

}  // namespace fheq::graph::ops
