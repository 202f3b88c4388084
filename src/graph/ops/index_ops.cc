// Indexing and shape-computation ops: Shape, Gather, Slice, Cast, ConstantOfShape, Pad.
// Shape/Gather/Slice/Cast mostly appear in the Shape→Gather→Unsqueeze→Concat→Reshape chains
// torch emits; the importer folds those, but they also run here when needed.
#include <algorithm>
#include <cmath>
#include <limits>

#include "graph/ops/op_kernel.h"

namespace fheq::graph::ops {
namespace {

FloatTensor vector_tensor(const std::vector<int64_t>& values) {
  FloatTensor t({static_cast<int64_t>(values.size())});
  for (size_t i = 0; i < values.size(); ++i) t.data[i] = static_cast<double>(values[i]);
  return t;
}

std::vector<FloatTensor> shape_op(const Node& node, const Inputs& inputs) {
  const FloatTensor& x = input(node, inputs, 0);
  const int64_t rank = x.rank();
  // opset 15: optional start/end slice the shape (clamped like Python slicing).
  int64_t start = node.attr_int("start", 0), end = node.attr_int("end", rank);
  if (start < 0) start += rank;
  if (end < 0) end += rank;
  start = std::clamp<int64_t>(start, 0, rank);
  end = std::clamp<int64_t>(end, start, rank);
  return {vector_tensor(std::vector<int64_t>(x.shape.begin() + start, x.shape.begin() + end))};
}

std::vector<FloatTensor> gather(const Node& node, const Inputs& inputs) {
  const FloatTensor& data = input(node, inputs, 0);
  const FloatTensor& indices_tensor = input(node, inputs, 1);
  FHEQ_REQUIRE(data.rank() >= 1, node.describe(), ": data must have rank >= 1");
  const int64_t axis = normalize_axis(node, node.attr_int("axis", 0), data.rank());
  std::vector<int64_t> indices = to_ints(node, indices_tensor, "indices");
  const int64_t axis_dim = data.dim(axis);
  for (int64_t& i : indices) {
    FHEQ_REQUIRE(i >= -axis_dim && i < axis_dim, node.describe(), ": index ", i, " out of range for dim ", axis_dim);
    if (i < 0) i += axis_dim;
  }
  Shape shape(data.shape.begin(), data.shape.begin() + axis);
  shape.insert(shape.end(), indices_tensor.shape.begin(), indices_tensor.shape.end());
  shape.insert(shape.end(), data.shape.begin() + axis + 1, data.shape.end());
  int64_t outer = 1, inner = 1;
  for (int64_t d = 0; d < axis; ++d) outer *= data.dim(d);
  for (int64_t d = axis + 1; d < data.rank(); ++d) inner *= data.dim(d);
  FloatTensor y(shape);
  double* out = y.data.data();
  for (int64_t o = 0; o < outer; ++o)
    for (int64_t i : indices) out = std::copy_n(data.data.data() + (o * axis_dim + i) * inner, inner, out);
  return {std::move(y)};
}

// Slice bounds may be ±INT64_MAX ("to the end"), which a double cannot hold exactly: clamp first.
int64_t bound_value(double v) {
  constexpr double kLimit = 4.0e18;
  return static_cast<int64_t>(std::clamp(v, -kLimit, kLimit));
}

std::vector<FloatTensor> slice(const Node& node, const Inputs& inputs) {
  const FloatTensor& x = input(node, inputs, 0);
  const FloatTensor& starts_t = input(node, inputs, 1);
  const FloatTensor& ends_t = input(node, inputs, 2);
  const FloatTensor* axes_t = optional_input(inputs, 3);
  const FloatTensor* steps_t = optional_input(inputs, 4);
  const size_t count = starts_t.data.size();
  FHEQ_REQUIRE(ends_t.data.size() == count, node.describe(), ": starts and ends differ in length");
  std::vector<int64_t> begin(x.shape.size(), 0), step(x.shape.size(), 1);
  Shape out_shape = x.shape;
  for (size_t i = 0; i < count; ++i) {
    int64_t axis = axes_t ? normalize_axis(node, bound_value(axes_t->data.at(i)), x.rank()) : static_cast<int64_t>(i);
    int64_t st = steps_t ? bound_value(steps_t->data.at(i)) : 1;
    FHEQ_REQUIRE(st != 0, node.describe(), ": step 0");
    const int64_t dim = x.dim(axis);
    int64_t s = bound_value(starts_t.data[i]), e = bound_value(ends_t.data[i]);
    if (s < 0) s += dim;
    if (e < 0) e += dim;
    if (st > 0) {
      s = std::clamp<int64_t>(s, 0, dim);
      e = std::clamp<int64_t>(e, 0, dim);
      out_shape[axis] = e > s ? (e - s + st - 1) / st : 0;
    } else {
      s = std::clamp<int64_t>(s, 0, dim - 1);
      e = std::clamp<int64_t>(e, -1, dim - 1);
      out_shape[axis] = s > e ? (s - e - st - 1) / (-st) : 0;
    }
    begin[axis] = s;
    step[axis] = st;
  }
  FloatTensor y(out_shape);
  if (y.size() == 0) return {std::move(y)};
  const std::vector<int64_t> strides = strides_of(x.shape);
  const size_t rank = x.shape.size();
  std::vector<int64_t> index(rank, 0);
  for (int64_t i = 0; i < y.size(); ++i) {
    int64_t offset = 0;
    for (size_t d = 0; d < rank; ++d) offset += (begin[d] + index[d] * step[d]) * strides[d];
    y[i] = x[offset];
    for (size_t d = rank; d-- > 0;) {
      if (++index[d] < out_shape[d]) break;
      index[d] = 0;
    }
  }
  return {std::move(y)};
}

// ONNX TensorProto data types that Cast may target.
bool is_integer_type(int64_t to) { return to == 2 || to == 3 || to == 4 || to == 5 || to == 6 || to == 7 || to == 12 || to == 13; }

std::vector<FloatTensor> cast(const Node& node, const Inputs& inputs) {
  FloatTensor y = input(node, inputs, 0);
  const int64_t to = node.attr_int("to", 1);
  // Values are held in double; float targets keep them unchanged (documented in docs/ONNX.md).
  if (is_integer_type(to)) {
    for (double& v : y.data) v = std::trunc(v);
  } else if (to == 9) {  // BOOL
    for (double& v : y.data) v = v != 0.0 ? 1.0 : 0.0;
  } else {
    FHEQ_REQUIRE(to == 1 || to == 10 || to == 11 || to == 16, node.describe(), ": Cast to data type ", to,
                 " is not supported");
  }
  return {std::move(y)};
}

std::vector<FloatTensor> constant_of_shape(const Node& node, const Inputs& inputs) {
  Shape shape = to_ints(node, input(node, inputs, 0), "shape");
  double value = 0.0;
  if (node.has_attr("value")) {
    const auto& t = std::get<FloatTensor>(node.attributes.at("value"));
    FHEQ_REQUIRE(t.size() == 1, node.describe(), ": value must hold one element");
    value = t[0];
  }
  checked_created_shape(node, shape);
  return {FloatTensor(shape, std::vector<double>(static_cast<size_t>(shape_size(shape)), value))};
}

std::vector<FloatTensor> pad(const Node& node, const Inputs& inputs) {
  const FloatTensor& x = input(node, inputs, 0);
  const size_t rank = x.shape.size();
  std::vector<int64_t> pads = to_ints(node, input(node, inputs, 1), "pads");
  FHEQ_REQUIRE(pads.size() == 2 * rank, node.describe(), ": pads has ", pads.size(), " values, expected ", 2 * rank);
  const FloatTensor* value_t = optional_input(inputs, 2);
  const double value = value_t && value_t->size() > 0 ? (*value_t)[0] : 0.0;
  const std::string mode = node.attr_string("mode", "constant");
  FHEQ_REQUIRE(mode == "constant" || mode == "reflect" || mode == "edge", node.describe(), ": mode '", mode,
               "' is not supported");
  Shape shape(rank);
  for (size_t d = 0; d < rank; ++d) {
    FHEQ_REQUIRE(pads[d] >= 0 && pads[d + rank] >= 0, node.describe(), ": negative pads are not supported");
    FHEQ_REQUIRE(pads[d] <= kMaxCreatedElements && pads[d + rank] <= kMaxCreatedElements, node.describe(),
                 ": pads of more than 2^27 elements");
    FHEQ_REQUIRE(mode != "reflect" || (pads[d] < x.shape[d] && pads[d + rank] < x.shape[d]), node.describe(),
                 ": reflect pad larger than the input dim");
    FHEQ_REQUIRE(mode == "constant" || x.shape[d] > 0 || pads[d] + pads[d + rank] == 0, node.describe(),
                 ": cannot ", mode, "-pad an empty dim");
    shape[d] = x.shape[d] + pads[d] + pads[d + rank];
  }
  FloatTensor y(checked_created_shape(node, shape));
  const std::vector<int64_t> strides = strides_of(x.shape);
  std::vector<int64_t> index(rank, 0);
  for (int64_t i = 0; i < y.size(); ++i) {
    int64_t offset = 0;
    bool outside = false;
    for (size_t d = 0; d < rank; ++d) {
      int64_t src = index[d] - pads[d];
      const int64_t n = x.shape[d];
      if (src < 0 || src >= n) {
        if (mode == "constant") {
          outside = true;
          break;
        }
        if (mode == "edge") src = std::clamp<int64_t>(src, 0, n - 1);
        else src = src < 0 ? -src : 2 * (n - 1) - src;  // reflect without repeating the edge
      }
      offset += src * strides[d];
    }
    y[i] = outside ? value : x[offset];
    for (size_t d = rank; d-- > 0;) {
      if (++index[d] < shape[d]) break;
      index[d] = 0;
    }
  }
  return {std::move(y)};
}

}  // namespace

void register_index_ops(KernelTable& t) {
  t["Shape"] = shape_op;
  t["Gather"] = gather;
  t["Slice"] = slice;
  t["Cast"] = cast;
  t["ConstantOfShape"] = constant_of_shape;
  t["Pad"] = pad;
}

}  // namespace fheq::graph::ops
