// The integer ops: one header each in this directory, registered by one line below. std::visit over IntOp
// with the IntegerOp interface (op_support.h) is how every pass reaches them, so an op missing a part of the
// interface fails to compile. Tags are stable serialization ids, independent of the order here.
#pragma once

#include <variant>

#include "quant/ops/add.h"
#include "quant/ops/conv2d.h"
#include "quant/ops/dense.h"
#include "quant/ops/index_map.h"
#include "quant/ops/reduce_sum.h"
#include "quant/ops/reshape.h"
#include "quant/ops/sum_pool2d.h"
#include "quant/ops/tlu.h"
#include "quant/ops/window_tap.h"

namespace fheq::quant {

using IntOp =
    std::variant<DenseOp, Conv2dOp, SumPool2dOp, WindowTapOp, AddOp, TluOp, ReshapeOp, IndexMapOp, ReduceSumOp>;

// The interface every registered op implements (see op_support.h).
template <typename Op>
concept IntegerOp = requires(const Op& op, const OpContext& c, const std::vector<IntRange>& ranges,
                             const std::vector<const int64_t*>& in, int64_t* out, const ClearRunOptions& options,
                             const Namer& namer) {
  { Op::kTag } -> std::convertible_to<int32_t>;
  { Op::kClass } -> std::convertible_to<OpClass>;
  { Op::kFieldCount } -> std::convertible_to<int>;
  { op.output } -> std::convertible_to<ValueId>;
  { op.inputs() } -> std::same_as<std::vector<ValueId>>;
  { op.kind() } -> std::same_as<std::string>;
  { op.describe(namer) } -> std::same_as<std::string>;
  op.validate(c);
  { op.range(ranges, c) } -> std::same_as<IntRange>;
  op.run_ref(c, in, out, options);
  { op.multiply_adds(c) } -> std::convertible_to<double>;
  requires Op::kClass != OpClass::kLinear || requires { { op.linear_form(c) } -> std::same_as<LinearForm>; };
};

template <typename... Ops>
constexpr bool all_integer_ops(std::variant<Ops...>*) {
  return (IntegerOp<Ops> && ...);
}
static_assert(all_integer_ops(static_cast<IntOp*>(nullptr)), "every registered op implements the IntegerOp interface");

// Tags are unique (a duplicate would make two ops read back as one).
template <typename... Ops>
constexpr bool unique_tags(std::variant<Ops...>*) {
  constexpr int32_t tags[] = {Ops::kTag...};
  for (size_t i = 0; i < sizeof...(Ops); ++i)
    for (size_t j = i + 1; j < sizeof...(Ops); ++j)
      if (tags[i] == tags[j]) return false;
  return true;
}
static_assert(unique_tags(static_cast<IntOp*>(nullptr)), "integer op tags must be unique");

}  // namespace fheq::quant
