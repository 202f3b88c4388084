// Tests of the evaluation helpers: argmax agreement by hand, and evaluate_against_float on the digits MLP
// against a per-sample recomputation (one sample at a time, no chunking) of both models' predictions.
#include <gtest/gtest.h>

#include <algorithm>
#include <cmath>

#include "fheq/data.h"
#include "fheq/error.h"
#include "fheq/evaluation.h"
#include "fheq/model.h"
#include "fheq/quantized_model.h"

namespace fheq {
namespace {

TEST(Evaluation, ArgmaxAgreementByHand) {
  // Row by row: same argmax (1), different (0), tie in a (first maximum = class 0) vs b's class 0 (1),
  // tie in b (first maximum = class 1) vs a's class 2 (0), both negative with the same argmax (1).
  const FloatTensor a(Shape{5, 3}, {0.1, 0.7, 0.2,  //
                                    0.9, 0.05, 0.05,  //
                                    0.4, 0.1, 0.4,  //
                                    0.0, 0.1, 0.9,  //
                                    -3.0, -1.0, -2.0});
  const FloatTensor b(Shape{5, 3}, {0.3, 0.4, 0.3,  //
                                    0.2, 0.5, 0.3,  //
                                    5.0, 1.0, 2.0,  //
                                    0.0, 0.5, 0.5,  //
                                    -30.0, -10.0, -20.0});
  EXPECT_DOUBLE_EQ(argmax_agreement(a, b), 3.0 / 5.0);
  EXPECT_DOUBLE_EQ(argmax_agreement(b, a), 3.0 / 5.0);
  EXPECT_DOUBLE_EQ(argmax_agreement(a, a), 1.0);
  EXPECT_DOUBLE_EQ(argmax_agreement(FloatTensor(Shape{0, 3}), FloatTensor(Shape{0, 3})), 0.0);
  EXPECT_THROW(argmax_agreement(a, FloatTensor(Shape{5, 2})), Error);
  EXPECT_THROW(argmax_agreement(FloatTensor(Shape{15}), FloatTensor(Shape{15})), Error);
}

int64_t argmax_of_single_sample(const FloatTensor& scores) {
  return std::max_element(scores.data.begin(), scores.data.end()) - scores.data.begin();
}

TEST(Evaluation, AgainstFloatOnDigitsMatchesPerSampleRecount) {
  const FloatModel model = FloatModel::load(std::string(FHEQ_SOURCE_DIR) + "/models/digits_mlp.onnx");
  const Dataset train = load_dataset("digits", "train");
  const Dataset test = load_dataset("digits", "test");
  PtqOptions options;
  options.n_bits = NBits::all(3);  // coarse enough that some predictions differ from float
  const QuantizedModel q = quantize(model, train.x, options);
  const QuantizedEvaluation e = evaluate_against_float(model, q, test);

  const int64_t n = test.x.dim(0);
  int64_t float_correct = 0, quantized_correct = 0, same = 0;
  for (int64_t i = 0; i < n; ++i) {
    const FloatTensor x = slice_batch(test.x, i, i + 1);
    const int64_t f = argmax_of_single_sample(model.run(x));
    const int64_t qp = argmax_of_single_sample(q.predict(x));
    float_correct += f == test.y[static_cast<size_t>(i)];
    quantized_correct += qp == test.y[static_cast<size_t>(i)];
    same += f == qp;
  }
  std::cout << "digits_mlp 3-bit: float " << e.float_accuracy << ", quantized " << e.quantized_accuracy
            << ", agreement " << e.agreement_with_float << " (" << same << "/" << n << ")\n";
  EXPECT_EQ(e.samples, n);
  EXPECT_DOUBLE_EQ(e.float_accuracy, static_cast<double>(float_correct) / static_cast<double>(n));
  EXPECT_DOUBLE_EQ(e.quantized_accuracy, static_cast<double>(quantized_correct) / static_cast<double>(n));
  EXPECT_DOUBLE_EQ(e.agreement_with_float, static_cast<double>(same) / static_cast<double>(n));
  // A sample can change correctness only if its prediction changed.
  EXPECT_LE(std::fabs(e.float_accuracy - e.quantized_accuracy), 1.0 - e.agreement_with_float + 1e-12);
  // The test is meant to see disagreements: at 3 bits a few predictions must differ, most must not.
  EXPECT_LT(same, n);
  EXPECT_GT(e.agreement_with_float, 0.5);
}

}  // namespace
}  // namespace fheq
