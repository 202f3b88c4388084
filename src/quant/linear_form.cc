#include "quant/linear_form.h"

#include "core/check.h"

namespace fheq::quant {

int64_t LinearForm::row_norm2_squared(int64_t o) const {
  int64_t sum = 0;
  for (int64_t j = row_start[static_cast<size_t>(o)]; j < row_start[static_cast<size_t>(o) + 1]; ++j)
    sum += weight[static_cast<size_t>(j)] * weight[static_cast<size_t>(j)];
  return sum;
}

LinearFormBuilder::LinearFormBuilder(int64_t input_count, int64_t output_count) {
  form_.input_count = input_count;
  form_.output_count = output_count;
  form_.row_start.reserve(static_cast<size_t>(output_count) + 1);
  form_.row_start.push_back(0);
  form_.constant.reserve(static_cast<size_t>(output_count));
}

void LinearFormBuilder::term(int64_t input, int64_t weight) {
  if (weight == 0) return;
  FHEQ_CHECK(input >= 0 && input < form_.input_count, "input ", input, " of ", form_.input_count);
  form_.index.push_back(static_cast<int32_t>(input));
  form_.weight.push_back(weight);
}

void LinearFormBuilder::end_row(int64_t constant) {
  form_.constant.push_back(constant);
  form_.row_start.push_back(static_cast<int64_t>(form_.index.size()));
}

LinearForm LinearFormBuilder::finish() {
  FHEQ_CHECK(static_cast<int64_t>(form_.constant.size()) == form_.output_count, form_.constant.size(), " rows of ",
             form_.output_count);
  return std::move(form_);
}

void apply_linear_form(const LinearForm& form, const int64_t* input, int64_t* output) {
  for (int64_t o = 0; o < form.output_count; ++o) {
    auto acc = static_cast<uint64_t>(form.constant[static_cast<size_t>(o)]);
    for (int64_t j = form.row_start[static_cast<size_t>(o)]; j < form.row_start[static_cast<size_t>(o) + 1]; ++j)
      acc += static_cast<uint64_t>(form.weight[static_cast<size_t>(j)]) *
             static_cast<uint64_t>(input[form.index[static_cast<size_t>(j)]]);
    output[o] = static_cast<int64_t>(acc);
  }
}

std::vector<int64_t> apply_linear_form(const LinearForm& form, const std::vector<int64_t>& input) {
  FHEQ_CHECK(static_cast<int64_t>(input.size()) == form.input_count, input.size(), " vs ", form.input_count);
  std::vector<int64_t> out(static_cast<size_t>(form.output_count));
  apply_linear_form(form, input.data(), out.data());
  return out;
}

}  // namespace fheq::quant
