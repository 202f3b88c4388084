// The slow, obviously correct clear executor: one scalar at a time, straight from the op definitions in
// integer_graph.h, single-threaded, every window tap bounds-checked. The fast executor must equal it exactly.
#include "core/check.h"
#include "quant/integer_executor.h"

namespace fheq::quant {
namespace {

IntTensor& make_output_ref(const IntegerGraph& graph, ValueId id, int64_t batch, std::vector<IntTensor>& values) {
  Shape shape{batch};
  for (int64_t d : graph.value(id).shape) shape.push_back(d);
  values[static_cast<size_t>(id)] = IntTensor(shape);
  return values[static_cast<size_t>(id)];
}

// x[n, c, ih, iw], or pad_value outside the plane.
int64_t read_padded(const IntTensor& x, int64_t n, int64_t c, int64_t channels, int64_t ih, int64_t iw,
                    const Window2d& w, int64_t pad_value) {
  if (ih < 0 || ih >= w.in_h || iw < 0 || iw >= w.in_w) return pad_value;
  return x[((n * channels + c) * w.in_h + ih) * w.in_w + iw];
}

struct RefRunner {
  const IntegerGraph& graph;
  std::vector<IntTensor>& values;
  const ClearRunOptions& options;

  const IntTensor& in(ValueId id) const { return values[static_cast<size_t>(id)]; }

  void operator()(const DenseOp& op) {
    const IntTensor& x = in(op.input);
    const int64_t batch = x.dim(0);
    IntTensor& y = make_output_ref(graph, op.output, batch, values);
    for (int64_t n = 0; n < batch; ++n) {
      for (int64_t o = 0; o < op.out_features; ++o) {
        int64_t acc = op.bias[static_cast<size_t>(o)];
        for (int64_t i = 0; i < op.in_features; ++i)
          acc += op.weights[static_cast<size_t>(o * op.in_features + i)] * x[n * op.in_features + i];
        y[n * op.out_features + o] = acc;
      }
    }
  }

  void operator()(const Conv2dOp& op) {
    const IntTensor& x = in(op.input);
    const int64_t batch = x.dim(0);
    IntTensor& y = make_output_ref(graph, op.output, batch, values);
    const Window2d& w = op.window;
    const int64_t cin_g = op.in_channels / op.groups, cout_g = op.out_channels / op.groups;
    for (int64_t n = 0; n < batch; ++n)
      for (int64_t oc = 0; oc < op.out_channels; ++oc)
        for (int64_t oh = 0; oh < w.out_h; ++oh)
          for (int64_t ow = 0; ow < w.out_w; ++ow) {
            int64_t acc = op.bias[static_cast<size_t>(oc)];
            for (int64_t icg = 0; icg < cin_g; ++icg)
              for (int64_t kh = 0; kh < w.kernel_h; ++kh)
                for (int64_t kw = 0; kw < w.kernel_w; ++kw) {
                  const int64_t ic = (oc / cout_g) * cin_g + icg;
                  const int64_t ih = oh * w.stride_h - w.pad_top + kh * w.dilation_h;
                  const int64_t iw = ow * w.stride_w - w.pad_left + kw * w.dilation_w;
                  const int64_t weight = op.weights[static_cast<size_t>(((oc * cin_g + icg) * w.kernel_h + kh) * w.kernel_w + kw)];
                  acc += weight * read_padded(x, n, ic, op.in_channels, ih, iw, w, op.pad_value);
                }
            y[((n * op.out_channels + oc) * w.out_h + oh) * w.out_w + ow] = acc;
          }
  }

  void operator()(const SumPool2dOp& op) {
    const IntTensor& x = in(op.input);
    const int64_t batch = x.dim(0);
    IntTensor& y = make_output_ref(graph, op.output, batch, values);
    const Window2d& w = op.window;
    for (int64_t n = 0; n < batch; ++n)
      for (int64_t c = 0; c < op.channels; ++c)
        for (int64_t oh = 0; oh < w.out_h; ++oh)
          for (int64_t ow = 0; ow < w.out_w; ++ow) {
            int64_t acc = 0;
            for (int64_t kh = 0; kh < w.kernel_h; ++kh)
              for (int64_t kw = 0; kw < w.kernel_w; ++kw)
                acc += read_padded(x, n, c, op.channels, oh * w.stride_h - w.pad_top + kh * w.dilation_h,
                                   ow * w.stride_w - w.pad_left + kw * w.dilation_w, w, op.pad_value);
            y[((n * op.channels + c) * w.out_h + oh) * w.out_w + ow] = acc;
          }
  }

  void operator()(const WindowTapOp& op) {
    const IntTensor& x = in(op.input);
    const int64_t batch = x.dim(0);
    IntTensor& y = make_output_ref(graph, op.output, batch, values);
    const Window2d& w = op.window;
    for (int64_t n = 0; n < batch; ++n)
      for (int64_t c = 0; c < op.channels; ++c)
        for (int64_t oh = 0; oh < w.out_h; ++oh)
          for (int64_t ow = 0; ow < w.out_w; ++ow)
            y[((n * op.channels + c) * w.out_h + oh) * w.out_w + ow] =
                read_padded(x, n, c, op.channels, oh * w.stride_h - w.pad_top + op.tap_h * w.dilation_h,
                            ow * w.stride_w - w.pad_left + op.tap_w * w.dilation_w, w, op.pad_value);
  }

  void operator()(const AddOp& op) {
    const IntTensor& a = in(op.lhs);
    const IntTensor& b = in(op.rhs);
    IntTensor& y = make_output_ref(graph, op.output, a.dim(0), values);
    for (int64_t i = 0; i < y.size(); ++i) y[i] = op.rhs_sign > 0 ? a[i] + b[i] : a[i] - b[i];
  }

  void operator()(const TluOp& op) {
    const IntTensor& x = in(op.input);
    const int64_t batch = x.dim(0);
    IntTensor& y = make_output_ref(graph, op.output, batch, values);
    const int64_t elements = graph.elements(op.input);
    for (int64_t n = 0; n < batch; ++n)
      for (int64_t e = 0; e < elements; ++e) {
        const int64_t acc = x[n * elements + e];
        int64_t index = acc;
        if (op.rounding_shift > 0) {
          if (op.rounding == RoundingMode::kApproximate) {
            FHEQ_REQUIRE(static_cast<bool>(options.approximate_rounding), "TLU on '", graph.value(op.input).name,
                         "': approximate rounding needs the simulate mode's rounding model");
            index = options.approximate_rounding(acc, op.rounding_shift);
          } else {
            // round(acc / 2^k), ties up: floor division of acc + 2^(k−1), written without shifts.
            const int64_t divisor = int64_t{1} << op.rounding_shift;
            const int64_t shifted = acc + divisor / 2;
            index = shifted / divisor - ((shifted % divisor != 0 && shifted < 0) ? 1 : 0);
          }
        }
        const LookupTable& table = op.tables[op.element_table.empty() ? 0 : static_cast<size_t>(op.element_table[static_cast<size_t>(e)])];
        if (index < table.input_min) index = table.input_min;
        if (index > table.input_max()) index = table.input_max();
        y[n * elements + e] = table.values[static_cast<size_t>(index - table.input_min)];
      }
  }

  void operator()(const ReshapeOp& op) {
    const IntTensor& x = in(op.input);
    IntTensor& y = make_output_ref(graph, op.output, x.dim(0), values);
    for (int64_t i = 0; i < x.size(); ++i) y[i] = x[i];
  }
};

}  // namespace

void run_integer_op_ref(const IntegerGraph& graph, const IntOp& op, std::vector<IntTensor>& values,
                        const ClearRunOptions& options) {
  std::visit(RefRunner{graph, values, options}, op);
}

std::vector<IntTensor> run_integer_graph_all_ref(const IntegerGraph& graph, const IntTensor& input,
                                                 const ClearRunOptions& options) {
  check_integer_input(graph, input);
  std::vector<IntTensor> values(graph.values.size());
  values[static_cast<size_t>(graph.input)] = input;
  for (const IntOp& op : graph.ops) run_integer_op_ref(graph, op, values, options);
  return values;
}

IntTensor run_integer_graph_ref(const IntegerGraph& graph, const IntTensor& input, const ClearRunOptions& options) {
  return run_integer_graph_all_ref(graph, input, options)[static_cast<size_t>(graph.output)];
}

}  // namespace fheq::quant
