// Fast clear executor: the batch is spread over the thread pool; convolutions and pools start from the
// "all taps read the pad value" sum and add w·(x − pad) over the in-bounds taps only, so the inner loops
// have no bounds checks. Integer arithmetic only; agreement with the _ref twin is tested bit for bit.
#include "quant/integer_executor.h"

#include <algorithm>

#include "core/check.h"
#include "core/thread_pool.h"

namespace fheq::quant {

void check_integer_input(const IntegerGraph& graph, const IntTensor& input) {
  const Shape& expected = graph.value(graph.input).shape;
  Shape got_sample(input.shape.begin() + (input.shape.empty() ? 0 : 1), input.shape.end());
  FHEQ_REQUIRE(!input.shape.empty() && got_sample == expected, "integer input: shape ", shape_to_string(input.shape),
               " does not match [N, ", shape_to_string(expected).substr(1));
  FHEQ_REQUIRE(static_cast<int64_t>(input.data.size()) == shape_size(input.shape), "integer input: ",
               input.data.size(), " values for shape ", shape_to_string(input.shape));
}

namespace {

IntTensor& make_output(const IntegerGraph& graph, ValueId id, int64_t batch, std::vector<IntTensor>& values) {
  Shape shape{batch};
  const Shape& sample = graph.value(id).shape;
  shape.insert(shape.end(), sample.begin(), sample.end());
  values[static_cast<size_t>(id)] = IntTensor(shape);
  return values[static_cast<size_t>(id)];
}

void for_each_sample(int64_t batch, const std::function<void(int64_t)>& body) {
  core::default_thread_pool().parallel_for(0, static_cast<size_t>(batch),
                                           [&](size_t n) { body(static_cast<int64_t>(n)); });
}

struct FastRunner {
  const IntegerGraph& graph;
  std::vector<IntTensor>& values;
  const ClearRunOptions& options;

  const IntTensor& in(ValueId id) const { return values[static_cast<size_t>(id)]; }
  int64_t batch(ValueId id) const { return in(id).dim(0); }

  void operator()(const DenseOp& op) {
    const IntTensor& x = in(op.input);
    const int64_t n_batch = batch(op.input);
    IntTensor& y = make_output(graph, op.output, n_batch, values);
    const int64_t k = op.in_features, m = op.out_features;
    for_each_sample(n_batch, [&](int64_t n) {
      const int64_t* xs = x.data.data() + n * k;
      int64_t* ys = y.data.data() + n * m;
      for (int64_t o = 0; o < m; ++o) {
        const int64_t* w = op.weights.data() + o * k;
        int64_t acc = 0;
        for (int64_t i = 0; i < k; ++i) acc += w[i] * xs[i];
        ys[o] = acc + op.bias[static_cast<size_t>(o)];
      }
    });
  }

  void operator()(const Conv2dOp& op) {
    const IntTensor& x = in(op.input);
    const int64_t n_batch = batch(op.input);
    IntTensor& y = make_output(graph, op.output, n_batch, values);
    const Window2d& w = op.window;
    const int64_t in_plane = w.in_h * w.in_w, out_plane = w.out_h * w.out_w;
    const int64_t cin_per_group = op.in_channels / op.groups, cout_per_group = op.out_channels / op.groups;
    const int64_t taps = cin_per_group * w.kernel_size();
    // Per output channel: bias + pad_value · Σ w (every tap reading the pad value).
    std::vector<int64_t> base(static_cast<size_t>(op.out_channels));
    for (int64_t oc = 0; oc < op.out_channels; ++oc) {
      int64_t sum = 0;
      for (int64_t t = 0; t < taps; ++t) sum += op.weights[static_cast<size_t>(oc * taps + t)];
      base[static_cast<size_t>(oc)] = op.bias[static_cast<size_t>(oc)] + op.pad_value * sum;
    }
    for_each_sample(n_batch, [&](int64_t n) {
      const int64_t* xs = x.data.data() + n * op.in_channels * in_plane;
      int64_t* ys = y.data.data() + n * op.out_channels * out_plane;
      for (int64_t oc = 0; oc < op.out_channels; ++oc) {
        int64_t* yp = ys + oc * out_plane;
        std::fill(yp, yp + out_plane, base[static_cast<size_t>(oc)]);
        const int64_t g = oc / cout_per_group;
        for (int64_t icg = 0; icg < cin_per_group; ++icg) {
          const int64_t* xp = xs + (g * cin_per_group + icg) * in_plane;
          for (int64_t kh = 0; kh < w.kernel_h; ++kh) {
            const auto [oh_lo, oh_hi] = w.valid_rows(kh);
            for (int64_t kw = 0; kw < w.kernel_w; ++kw) {
              const auto [ow_lo, ow_hi] = w.valid_cols(kw);
              const int64_t wt = op.weights[static_cast<size_t>(((oc * cin_per_group + icg) * w.kernel_h + kh) * w.kernel_w + kw)];
              if (wt == 0) continue;
              const int64_t pad_term = wt * op.pad_value;
              for (int64_t oh = oh_lo; oh < oh_hi; ++oh) {
                const int64_t ih = oh * w.stride_h - w.pad_top + kh * w.dilation_h;
                const int64_t* xrow = xp + ih * w.in_w - w.pad_left + kw * w.dilation_w;
                int64_t* yrow = yp + oh * w.out_w;
                if (w.stride_w == 1) {  // contiguous: the compiler vectorizes this one
                  for (int64_t ow = ow_lo; ow < ow_hi; ++ow) yrow[ow] += wt * xrow[ow] - pad_term;
                } else {
                  for (int64_t ow = ow_lo; ow < ow_hi; ++ow) yrow[ow] += wt * xrow[ow * w.stride_w] - pad_term;
                }
              }
            }
          }
        }
      }
    });
  }

  void operator()(const SumPool2dOp& op) {
    const IntTensor& x = in(op.input);
    const int64_t n_batch = batch(op.input);
    IntTensor& y = make_output(graph, op.output, n_batch, values);
    const Window2d& w = op.window;
    const int64_t in_plane = w.in_h * w.in_w, out_plane = w.out_h * w.out_w;
    for_each_sample(n_batch, [&](int64_t n) {
      for (int64_t c = 0; c < op.channels; ++c) {
        const int64_t* xp = x.data.data() + (n * op.channels + c) * in_plane;
        int64_t* yp = y.data.data() + (n * op.channels + c) * out_plane;
        std::fill(yp, yp + out_plane, op.pad_value * w.kernel_size());
        for (int64_t kh = 0; kh < w.kernel_h; ++kh) {
          const auto [oh_lo, oh_hi] = w.valid_rows(kh);
          for (int64_t kw = 0; kw < w.kernel_w; ++kw) {
            const auto [ow_lo, ow_hi] = w.valid_cols(kw);
            for (int64_t oh = oh_lo; oh < oh_hi; ++oh) {
              const int64_t ih = oh * w.stride_h - w.pad_top + kh * w.dilation_h;
              const int64_t* xrow = xp + ih * w.in_w - w.pad_left + kw * w.dilation_w;
              int64_t* yrow = yp + oh * w.out_w;
              for (int64_t ow = ow_lo; ow < ow_hi; ++ow) yrow[ow] += xrow[ow * w.stride_w] - op.pad_value;
            }
          }
        }
      }
    });
  }

  void operator()(const WindowTapOp& op) {
    const IntTensor& x = in(op.input);
    const int64_t n_batch = batch(op.input);
    IntTensor& y = make_output(graph, op.output, n_batch, values);
    const Window2d& w = op.window;
    const int64_t in_plane = w.in_h * w.in_w, out_plane = w.out_h * w.out_w;
    const auto [oh_lo, oh_hi] = w.valid_rows(op.tap_h);
    const auto [ow_lo, ow_hi] = w.valid_cols(op.tap_w);
    for_each_sample(n_batch, [&](int64_t n) {
      for (int64_t c = 0; c < op.channels; ++c) {
        const int64_t* xp = x.data.data() + (n * op.channels + c) * in_plane;
        int64_t* yp = y.data.data() + (n * op.channels + c) * out_plane;
        std::fill(yp, yp + out_plane, op.pad_value);
        for (int64_t oh = oh_lo; oh < oh_hi; ++oh) {
          const int64_t ih = oh * w.stride_h - w.pad_top + op.tap_h * w.dilation_h;
          const int64_t* xrow = xp + ih * w.in_w - w.pad_left + op.tap_w * w.dilation_w;
          for (int64_t ow = ow_lo; ow < ow_hi; ++ow) yp[oh * w.out_w + ow] = xrow[ow * w.stride_w];
        }
      }
    });
  }

  void operator()(const AddOp& op) {
    const IntTensor& a = in(op.lhs);
    const IntTensor& b = in(op.rhs);
    IntTensor& y = make_output(graph, op.output, batch(op.lhs), values);
    const int64_t sign = op.rhs_sign;
    for (int64_t i = 0; i < y.size(); ++i) y[i] = a[i] + sign * b[i];
  }

  void operator()(const TluOp& op) {
    const IntTensor& x = in(op.input);
    const int64_t n_batch = batch(op.input);
    IntTensor& y = make_output(graph, op.output, n_batch, values);
    const int64_t elements = graph.elements(op.input);
    const bool approximate = op.rounding == RoundingMode::kApproximate && op.rounding_shift > 0;
    FHEQ_REQUIRE(!approximate || options.approximate_rounding, "TLU on '", graph.value(op.input).name,
                 "': approximate rounding needs the simulate mode's rounding model");
    std::vector<const LookupTable*> table(static_cast<size_t>(elements));
    for (int64_t e = 0; e < elements; ++e) table[static_cast<size_t>(e)] = &op.tables[op.table_of(e)];
    for_each_sample(n_batch, [&](int64_t n) {
      const int64_t* xs = x.data.data() + n * elements;
      int64_t* ys = y.data.data() + n * elements;
      for (int64_t e = 0; e < elements; ++e) {
        const int64_t index = approximate ? options.approximate_rounding(xs[e], op.rounding_shift)
                                          : round_shift_exact(xs[e], op.rounding_shift);
        ys[e] = lookup_clamped(*table[static_cast<size_t>(e)], index);
      }
    });
  }

  void operator()(const ReshapeOp& op) {
    IntTensor& y = make_output(graph, op.output, batch(op.input), values);
    y.data = in(op.input).data;
  }

  // Every other linear op (IndexMap, ...): its rows, applied per sample. The reference executor runs the op's
  // own run_ref instead, so the two stay independent codings of the op.
  template <typename Op>
    requires(Op::kClass == OpClass::kLinear)
  void operator()(const Op& op) {
    const std::vector<ValueId> sources = op.inputs();
    const LinearForm form = op.linear_form(op_context(graph, sources, op.output));
    const int64_t n_batch = batch(sources[0]);
    IntTensor& y = make_output(graph, op.output, n_batch, values);
    for_each_sample(n_batch, [&](int64_t n) {
      std::vector<int64_t> concatenated;
      concatenated.reserve(static_cast<size_t>(form.input_count));
      for (ValueId v : sources) {
        const int64_t per = graph.elements(v);
        concatenated.insert(concatenated.end(), in(v).data.begin() + n * per, in(v).data.begin() + (n + 1) * per);
      }
      apply_linear_form(form, concatenated.data(), y.data.data() + n * form.output_count);
    });
  }
};

}  // namespace

void run_integer_op(const IntegerGraph& graph, const IntOp& op, std::vector<IntTensor>& values,
                    const ClearRunOptions& options) {
  std::visit(FastRunner{graph, values, options}, op);
}

std::vector<IntTensor> run_integer_graph_all(const IntegerGraph& graph, const IntTensor& input,
                                             const ClearRunOptions& options) {
  check_integer_input(graph, input);
  std::vector<IntTensor> values(graph.values.size());
  values[static_cast<size_t>(graph.input)] = input;
  for (const IntOp& op : graph.ops) run_integer_op(graph, op, values, options);
  return values;
}

namespace {

// One chunk of samples through the graph, freeing each value after its last reader.
IntTensor run_chunk(const IntegerGraph& graph, const IntTensor& input, const ClearRunOptions& options) {
  std::vector<size_t> last_use(graph.values.size(), 0);
  for (size_t i = 0; i < graph.ops.size(); ++i)
    for (ValueId v : op_inputs(graph.ops[i])) last_use[static_cast<size_t>(v)] = i;
  std::vector<IntTensor> values(graph.values.size());
  values[static_cast<size_t>(graph.input)] = input;
  for (size_t i = 0; i < graph.ops.size(); ++i) {
    run_integer_op(graph, graph.ops[i], values, options);
    for (ValueId v : op_inputs(graph.ops[i]))
      if (last_use[static_cast<size_t>(v)] == i && v != graph.output) values[static_cast<size_t>(v)] = IntTensor();
  }
  return std::move(values[static_cast<size_t>(graph.output)]);
}

}  // namespace

IntTensor run_integer_graph(const IntegerGraph& graph, const IntTensor& input, const ClearRunOptions& options) {
  check_integer_input(graph, input);
  const int64_t batch = input.dim(0);
  if (batch <= kClearRunChunkSamples) return run_chunk(graph, input, options);
  // Chunks of samples keep every intermediate small enough to stay in cache and out of fresh pages (a CNN's
  // first activation for 4000 samples is ~170 MB: zeroing and faulting it in cost as much as the convolution).
  IntTensor out;
  for (int64_t begin = 0; begin < batch; begin += kClearRunChunkSamples) {
    const int64_t end = std::min(batch, begin + kClearRunChunkSamples);
    const int64_t per_in = input.size() / batch;
    IntTensor chunk;
    chunk.shape = input.shape;
    chunk.shape[0] = end - begin;
    chunk.data.assign(input.data.begin() + begin * per_in, input.data.begin() + end * per_in);
    IntTensor y = run_chunk(graph, chunk, options);
    if (begin == 0) {
      out.shape = y.shape;
      out.shape[0] = batch;
      out.data.reserve(static_cast<size_t>(y.size() / (end - begin) * batch));
    }
    out.data.insert(out.data.end(), y.data.begin(), y.data.end());
  }
  return out;
}

}  // namespace fheq::quant
