// Bad input files must fail with one clear line naming the file (and the node when there is one).
#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <cstdio>
#include <filesystem>
#include <fstream>
#include <random>

#include "graph/onnx/onnx_import.h"
#include "test_support.h"

namespace fheq::graph {
namespace {

using ::testing::AllOf;
using ::testing::HasSubstr;
using ::testing::Not;
using testing::test_model_path;

std::string read_bytes(const std::string& path) {
  std::ifstream f(path, std::ios::binary);
  return std::string((std::istreambuf_iterator<char>(f)), std::istreambuf_iterator<char>());
}

// The message of the fheq::Error thrown by `load`, or "" if it did not throw.
template <typename F>
std::string error_of(F load) {
  try {
    load();
  } catch (const Error& e) {
    return e.what();
  }
  return "";
}

MATCHER(IsOneLine, "") { return !arg.empty() && arg.find('\n') == std::string::npos; }

TEST(OnnxImportErrors, MissingFile) {
  std::string msg = error_of([] { load_onnx("/nonexistent/model.onnx"); });
  EXPECT_THAT(msg, AllOf(IsOneLine(), HasSubstr("/nonexistent/model.onnx"), HasSubstr("cannot open")));
}

TEST(OnnxImportErrors, EmptyFile) {
  std::string msg = error_of([] { load_onnx_from_bytes("", "empty.onnx"); });
  EXPECT_THAT(msg, AllOf(IsOneLine(), HasSubstr("empty.onnx"), HasSubstr("empty")));
}

TEST(OnnxImportErrors, TruncatedFile) {
  const std::string bytes = read_bytes(test_model_path("small_cnn.onnx"));
  ASSERT_GT(bytes.size(), 1000u);
  // Several cut points: inside the weights, inside the graph, in the header.
  for (size_t cut : {bytes.size() / 2, bytes.size() - 7, size_t{20}}) {
    std::string msg = error_of([&] { load_onnx_from_bytes(bytes.substr(0, cut), "cut.onnx"); });
    EXPECT_THAT(msg, AllOf(IsOneLine(), HasSubstr("cut.onnx"))) << "cut at " << cut;
  }
}

TEST(OnnxImportErrors, GarbageFile) {
  std::string msg = error_of([] { load_onnx_from_bytes("this is not an ONNX model\n at all", "text.onnx"); });
  EXPECT_THAT(msg, AllOf(IsOneLine(), HasSubstr("text.onnx"), HasSubstr("not a valid ONNX model")));
  const uint64_t seed = testing::test_seed();
  std::mt19937_64 rng(seed);
  std::string noise(4096, '\0');
  for (char& c : noise) c = static_cast<char>(rng());
  msg = error_of([&] { load_onnx_from_bytes(noise, "noise.onnx"); });
  EXPECT_THAT(msg, AllOf(IsOneLine(), HasSubstr("noise.onnx")));
}

TEST(OnnxImportErrors, UnsupportedOperatorNamesNodeOpAndOpset) {
  const std::string path = test_model_path("unsupported_einsum.onnx");
  std::string msg = error_of([&] { load_onnx(path); });
  EXPECT_THAT(msg, AllOf(IsOneLine(), HasSubstr(path), HasSubstr("(Einsum, opset 13): operator not supported"),
                         HasSubstr("node '"), HasSubstr("supported ops: "), HasSubstr("Conv")));
}

TEST(OnnxImportErrors, CustomDomainOperator) {
  const std::string path = test_model_path("custom_op.onnx");
  std::string msg = error_of([&] { load_onnx(path); });
  EXPECT_THAT(msg, AllOf(IsOneLine(), HasSubstr(path), HasSubstr("node 'fancy' (FancyActivation, domain 'com.example')"),
                         HasSubstr("operator not supported")));
}

TEST(OnnxImportErrors, BadGemmShapeNamesTheNode) {
  const std::string path = test_model_path("bad_gemm_shape.onnx");
  std::string msg = error_of([&] { load_onnx(path); });
  EXPECT_THAT(msg, AllOf(IsOneLine(), HasSubstr(path), HasSubstr("fc")));
}

TEST(OnnxImportErrors, ZeroStrideIsRefusedBeforeOnnxShapeInference) {
  const std::string path = test_model_path("conv_stride0.onnx");
  std::string msg = error_of([&] { load_onnx(path); });
  EXPECT_THAT(msg, AllOf(IsOneLine(), HasSubstr(path), HasSubstr("node 'conv0' (Conv)"), HasSubstr("strides has 0")));
}

TEST(OnnxImportErrors, HugeConstantIsRefusedBeforeItIsAllocated) {
  const std::string path = test_model_path("huge_constant_of_shape.onnx");
  std::string msg = error_of([&] { load_onnx(path); });
  EXPECT_THAT(msg, AllOf(IsOneLine(), HasSubstr("make_zeros"), HasSubstr("more than 2^27 elements")));
}

TEST(OnnxImportErrors, ExternalDataSaysHowToSaveTheModel) {
  const std::string path = test_model_path("external_data.onnx");
  std::string msg = error_of([&] { load_onnx(path); });
  EXPECT_THAT(msg, AllOf(IsOneLine(), HasSubstr(path), HasSubstr("'w_ext' is stored as external data"),
                         HasSubstr("weights.bin"), HasSubstr("save_as_external_data=False")));
}

TEST(OnnxImportErrors, BadReshapeNamesTheNode) {
  const std::string path = test_model_path("bad_reshape.onnx");
  std::string msg = error_of([&] { load_onnx(path); });
  EXPECT_THAT(msg, AllOf(IsOneLine(), HasSubstr(path), HasSubstr("reshape_to_3"), HasSubstr("reshape")));
}

TEST(OnnxImportErrors, SoftmaxOnlyAsFinalOp) {
  const std::string path = test_model_path("softmax_middle.onnx");
  std::string msg = error_of([&] { load_onnx(path); });
  EXPECT_THAT(msg, AllOf(IsOneLine(), HasSubstr(path), HasSubstr("node 'early_softmax' (Softmax, opset 13)"),
                         HasSubstr("only as a final op")));
}

TEST(OnnxImportErrors, OldOpset) {
  const std::string path = test_model_path("old_opset.onnx");
  std::string msg = error_of([&] { load_onnx(path); });
  EXPECT_THAT(msg, AllOf(IsOneLine(), HasSubstr(path), HasSubstr("opset 9 is not supported")));
}

TEST(OnnxImportErrors, DivisorMustBeConstant) {
  const std::string path = test_model_path("div_by_input.onnx");
  std::string msg = error_of([&] { load_onnx(path); });
  EXPECT_THAT(msg, AllOf(IsOneLine(), HasSubstr(path), HasSubstr("node 'div_by_tensor' (Div, opset 13)"),
                         HasSubstr("divisor must be a constant")));
}

TEST(OnnxImportErrors, CheckerFailureIsOneLine) {
  const std::string path = test_model_path("checker_fail.onnx");
  std::string msg = error_of([&] { load_onnx(path); });
  EXPECT_THAT(msg, AllOf(IsOneLine(), HasSubstr(path + ": ONNX checker: "), HasSubstr("nowhere")));
}

TEST(OnnxImportErrors, ValidModelsLoad) {
  // Guards the error tests above: the same loader accepts good files.
  EXPECT_NO_THROW(load_onnx(test_model_path("gemm.onnx")));
  EXPECT_NO_THROW(load_onnx_from_bytes(read_bytes(test_model_path("gemm.onnx")), "gemm.onnx"));
}

}  // namespace
}  // namespace fheq::graph
