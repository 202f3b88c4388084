// Gemm and MatMul (ONNX semantics: Gemm = alpha·A'·B' + beta·C; MatMul = numpy.matmul).
#include "graph/ops/kernels.h"
#include "graph/ops/op_kernel.h"

namespace fheq::graph::ops {
namespace {

FloatTensor transpose_2d(const FloatTensor& t) {
  const int64_t rows = t.dim(0), cols = t.dim(1);
  FloatTensor out({cols, rows});
  for (int64_t r = 0; r < rows; ++r)
    for (int64_t c = 0; c < cols; ++c) out[c * rows + r] = t[r * cols + c];
  return out;
}

std::vector<FloatTensor> gemm(const Node& node, const Inputs& inputs) {
  const FloatTensor& a_in = input(node, inputs, 0);
  const FloatTensor& b = input(node, inputs, 1);
  const FloatTensor* c = optional_input(inputs, 2);
  FHEQ_REQUIRE(a_in.rank() == 2 && b.rank() == 2, node.describe(), ": A and B must be 2-D, got ",
               shape_to_string(a_in.shape), " and ", shape_to_string(b.shape));
  const bool trans_a = node.attr_int("transA", 0) != 0, trans_b = node.attr_int("transB", 0) != 0;
  const double alpha = node.attr_float("alpha", 1.0), beta = node.attr_float("beta", 1.0);
  FloatTensor a_t;
  if (trans_a) a_t = transpose_2d(a_in);
  const FloatTensor& a = trans_a ? a_t : a_in;
  const int64_t m = a.dim(0), k = a.dim(1);
  const int64_t kb = trans_b ? b.dim(1) : b.dim(0), n = trans_b ? b.dim(0) : b.dim(1);
  FHEQ_REQUIRE(k == kb, node.describe(), ": inner dimensions differ: A' is ", m, "x", k, ", B' is ", kb, "x", n);
  FloatTensor y({m, n});
  matmul(a.data.data(), b.data.data(), y.data.data(), m, k, n, trans_b);
  if (alpha != 1.0)
    for (double& v : y.data) v *= alpha;
  if (c != nullptr && beta != 0.0) {
    FloatTensor sum = broadcast_binary(node, y, *c, [beta](double v, double cv) { return v + beta * cv; });
    FHEQ_REQUIRE(sum.shape == y.shape, node.describe(), ": C of shape ", shape_to_string(c->shape),
                 " does not broadcast to ", shape_to_string(y.shape));
    y = std::move(sum);
  }
  return {std::move(y)};
}

std::vector<FloatTensor> matmul_op(const Node& node, const Inputs& inputs) {
  FloatTensor a = input(node, inputs, 0);
  FloatTensor b = input(node, inputs, 1);
  FHEQ_REQUIRE(a.rank() >= 1 && b.rank() >= 1, node.describe(), ": MatMul inputs must have rank >= 1");
  // numpy.matmul: a 1-D A is a row vector, a 1-D B a column vector; the added dim is dropped after.
  const bool a_vector = a.rank() == 1, b_vector = b.rank() == 1;
  if (a_vector) a.shape.insert(a.shape.begin(), 1);
  if (b_vector) b.shape.push_back(1);
  const int64_t m = a.dim(a.rank() - 2), k = a.dim(a.rank() - 1);
  const int64_t kb = b.dim(b.rank() - 2), n = b.dim(b.rank() - 1);
  FHEQ_REQUIRE(k == kb, node.describe(), ": inner dimensions differ: ", shape_to_string(a.shape), " x ",
               shape_to_string(b.shape));
  Shape a_batch(a.shape.begin(), a.shape.end() - 2), b_batch(b.shape.begin(), b.shape.end() - 2);
  Shape batch = broadcast_shapes(node, a_batch, b_batch);
  Shape out_shape = batch;
  out_shape.push_back(m);
  out_shape.push_back(n);
  FloatTensor y(out_shape);
  if (b_batch.empty() || shape_size(b_batch) == 1) {
    // One B for every batch entry: a single (batch·m)×k by k×n product.
    if (shape_size(a_batch) == shape_size(batch))
      matmul(a.data.data(), b.data.data(), y.data.data(), shape_size(batch) * m, k, n, false);
    else  // A broadcasts too (only size-1 batch dims): same A for all.
      for (int64_t i = 0; i < shape_size(batch); ++i)
        matmul(a.data.data(), b.data.data(), y.data.data() + i * m * n, m, k, n, false);
  } else {
    // General batched broadcast: map each output batch index to A's and B's.
    const size_t rank = batch.size();
    auto offset_of = [&](const Shape& own, int64_t flat) {
      std::vector<int64_t> st = strides_of(own);
      int64_t offset = 0;
      for (size_t d = rank; d-- > 0;) {
        int64_t idx = flat % batch[d];
        flat /= batch[d];
        size_t lead = rank - own.size();
        if (d >= lead && own[d - lead] != 1) offset += idx * st[d - lead];
      }
      return offset;
    };
    for (int64_t i = 0; i < shape_size(batch); ++i) {
      matmul(a.data.data() + offset_of(a_batch, i) * m * k, b.data.data() + offset_of(b_batch, i) * k * n,
             y.data.data() + i * m * n, m, k, n, false);
    }
  }
  if (b_vector) y.shape.pop_back();
  if (a_vector) y.shape.erase(y.shape.end() - (b_vector ? 1 : 2));
  return {std::move(y)};
}

}  // namespace

void register_linear_ops(KernelTable& t) {
  t["Gemm"] = gemm;
  t["MatMul"] = matmul_op;
}

}  // namespace fheq::graph::ops
