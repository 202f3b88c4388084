// Kernel registry and helpers shared by the op families.
#include "graph/ops/op_kernel.h"

#include <cmath>

namespace fheq::graph::ops {

const KernelTable& kernel_table() {
  static const KernelTable table = [] {
    KernelTable t;
    register_unary_ops(t);
    register_binary_ops(t);
    register_linear_ops(t);
    register_conv_ops(t);
    register_pool_ops(t);
    register_shape_ops(t);
    register_index_ops(t);
    register_normalization_ops(t);
    register_reduce_ops(t);
    register_quantize_ops(t);
    return t;
  }();
  return table;
}

const FloatTensor& input(const Node& node, const Inputs& inputs, size_t index) {
  FHEQ_REQUIRE(index < inputs.size() && inputs[index] != nullptr, node.describe(), ": input ", index,
               " is missing");
  return *inputs[index];
}

const FloatTensor* optional_input(const Inputs& inputs, size_t index) {
  return index < inputs.size() ? inputs[index] : nullptr;
}

double scalar_value(const Node& node, const FloatTensor& tensor, const char* what) {
  FHEQ_REQUIRE(tensor.size() == 1, node.describe(), ": ", what, " must be a scalar, got shape ",
               shape_to_string(tensor.shape));
  return tensor[0];
}

int64_t normalize_axis(const Node& node, int64_t axis, int64_t rank) {
  FHEQ_REQUIRE(axis >= -rank && axis < rank, node.describe(), ": axis ", axis, " out of range for rank ", rank);
  return axis < 0 ? axis + rank : axis;
}

const Shape& checked_created_shape(const Node& node, const Shape& shape) {
  int64_t elements = 1;
  for (int64_t d : shape) {
    FHEQ_REQUIRE(d >= 0, node.describe(), ": output shape ", shape_to_string(shape), " has a negative dimension");
    if (d == 0) return shape;
    FHEQ_REQUIRE(elements <= kMaxCreatedElements / d, node.describe(), ": output shape ", shape_to_string(shape),
                 " has more than 2^27 elements (limit for a tensor created from a shape)");
    elements *= d;
  }
  return shape;
}

std::vector<int64_t> to_ints(const Node& node, const FloatTensor& tensor, const char* what) {
  std::vector<int64_t> result;
  result.reserve(tensor.data.size());
  for (double v : tensor.data) {
    FHEQ_REQUIRE(std::isfinite(v) && v == std::nearbyint(v), node.describe(), ": ", what, " holds ", v,
                 ", not an integer");
    result.push_back(static_cast<int64_t>(v));
  }
  return result;
}

Shape broadcast_shapes(const Node& node, const Shape& a, const Shape& b) {
  const size_t rank = std::max(a.size(), b.size());
  Shape out(rank);
  for (size_t i = 0; i < rank; ++i) {
    int64_t da = i < rank - a.size() ? 1 : a[i - (rank - a.size())];
    int64_t db = i < rank - b.size() ? 1 : b[i - (rank - b.size())];
    FHEQ_REQUIRE(da == db || da == 1 || db == 1, node.describe(), ": shapes ", shape_to_string(a), " and ",
                 shape_to_string(b), " do not broadcast");
    out[i] = da == 1 ? db : da;
  }
  return out;
}

std::vector<int64_t> strides_of(const Shape& shape) {
  std::vector<int64_t> strides(shape.size(), 1);
  for (size_t i = shape.size(); i-- > 1;) strides[i - 1] = strides[i] * shape[i];
  return strides;
}

}  // namespace fheq::graph::ops
