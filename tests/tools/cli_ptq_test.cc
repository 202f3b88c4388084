// The CLI's PTQ commands, run as a user would: the built fheq binary (FHEQ_CLI_PATH).
#include <gtest/gtest.h>

#include <sys/wait.h>

#include <array>
#include <cmath>
#include <cstdio>
#include <filesystem>
#include <fstream>
#include <string>

#include <nlohmann/json.hpp>

#include "common/run_cli.h"

namespace {

using Result = ::fheq::test_support::CliResult;
using ::fheq::test_support::run_cli;

const std::string kModels = std::string(FHEQ_SOURCE_DIR) + "/models/";

size_t count_lines(const std::string& s) {
  size_t lines = 0;
  for (char c : s) lines += c == '\n' ? 1 : 0;
  return lines + (!s.empty() && s.back() != '\n' ? 1 : 0);
}

TEST(CliPtq, EvalJsonOnDigits) {
  const Result r = run_cli("eval " + kModels + "digits_mlp.onnx --dataset digits --n-bits 8 --json");
  ASSERT_EQ(r.exit_code, 0) << r.err;
  const nlohmann::json j = nlohmann::json::parse(r.out);
  for (const char* key : {"float_accuracy", "quantized_accuracy", "agreement_with_float", "n_bits", "max_bit_width",
                          "pbs_count"})
    EXPECT_TRUE(j.contains(key)) << key;
  // models/models.json records the float accuracy torch measured on the same split.
  std::ifstream models_file(kModels + "models.json");
  const nlohmann::json models = nlohmann::json::parse(models_file);
  EXPECT_NEAR(j["float_accuracy"].get<double>(), models["digits_mlp"]["float_accuracy"].get<double>(), 0.003);
  EXPECT_GE(j["quantized_accuracy"].get<double>(), j["float_accuracy"].get<double>() - 0.02);
  EXPECT_LE(j["quantized_accuracy"].get<double>(), 1.0);
  // Samples can change correctness only where the quantized argmax differs from the float one.
  EXPECT_LE(std::fabs(j["float_accuracy"].get<double>() - j["quantized_accuracy"].get<double>()),
            1.0 - j["agreement_with_float"].get<double>() + 1e-12);
  EXPECT_GE(j["agreement_with_float"].get<double>(), 0.97);
  EXPECT_LE(j["agreement_with_float"].get<double>(), 1.0);
  EXPECT_EQ(j["n_bits"].get<int>(), 8);
  EXPECT_EQ(j["test_samples"].get<int>(), 359);
  EXPECT_GT(j["pbs_count"].get<int>(), 0);
  EXPECT_GE(j["max_bit_width"].get<int>(), 2);
  EXPECT_LE(j["max_bit_width"].get<int>(), 14);
}

TEST(CliPtq, InspectPrintsGraphAndBitWidths) {
  const Result r = run_cli("inspect " + kModels + "digits_mlp.onnx --dataset digits --n-bits 6");
  ASSERT_EQ(r.exit_code, 0) << r.err;
  EXPECT_NE(r.out.find("Dense"), std::string::npos) << r.out;
  EXPECT_NE(r.out.find("TLU"), std::string::npos) << r.out;
  EXPECT_NE(r.out.find("PBS per sample"), std::string::npos) << r.out;
  const Result j = run_cli("inspect " + kModels + "digits_mlp.onnx --json");
  ASSERT_EQ(j.exit_code, 0) << j.err;
  EXPECT_TRUE(nlohmann::json::parse(j.out).contains("ops"));
}

void expect_one_line_error(const Result& r, const std::string& must_mention) {
  EXPECT_NE(r.exit_code, 0);
  EXPECT_EQ(count_lines(r.err), 1u) << r.err;
  EXPECT_NE(r.err.find(must_mention), std::string::npos) << r.err;
}

TEST(CliPtq, MissingModelFile) {
  expect_one_line_error(run_cli("eval /nonexistent/model.onnx --dataset digits"), "/nonexistent/model.onnx");
}

TEST(CliPtq, CorruptModelFile) {
  const std::string path = ::testing::TempDir() + "corrupt_model.onnx";
  std::ofstream(path) << "this is not a protobuf \x01\x02\x03";
  expect_one_line_error(run_cli("eval " + path + " --dataset digits"), path);
}

TEST(CliPtq, BadArguments) {
  EXPECT_NE(run_cli("eval " + kModels + "digits_mlp.onnx --dataset digits --calibration bogus").exit_code, 0);
  EXPECT_NE(run_cli("eval " + kModels + "digits_mlp.onnx --dataset digits --n-bits 0").exit_code, 0);
  expect_one_line_error(run_cli("eval " + kModels + "digits_mlp.onnx"), "--dataset");
  expect_one_line_error(run_cli("eval " + kModels + "digits_mlp.onnx --dataset nosuchset"), "nosuchset");
  // The shared FHE rounding options (tools/fheq/rounding_options.h), in eval and compile alike.
  for (const char* bad : {"abc", "6x", "0", "17"})
    expect_one_line_error(run_cli("eval " + kModels + "digits_mlp.onnx --dataset digits --mode clear --rounding " + bad),
                          "--rounding");
  EXPECT_NE(run_cli("eval " + kModels + "digits_mlp.onnx --dataset digits --mode clear --rounding-mode fast").exit_code,
            0);
  EXPECT_NE(run_cli("compile " + kModels + "digits_mlp.onnx --dataset digits --rounding auto --rounding-tolerance -1 -o " +
                    ::testing::TempDir() + "never_written")
                .exit_code,
            0);
}

// An error probability that is not one is refused, never silently replaced by the default.
// --layer-weight-bits NODE=BITS sets one layer's weight bits, says so, and fixes the bits (no allocation table);
// a malformed spec or a node without weights is one line naming it.
TEST(CliPtq, LayerWeightBitsSetOneLayer) {
  const std::string eval = "eval " + kModels + "digits_mlp.onnx --dataset digits --mode clear ";
  const Result r = run_cli(eval + "--layer-weight-bits /2/Gemm=3 --json");
  ASSERT_EQ(r.exit_code, 0) << r.err;
  const nlohmann::json j = nlohmann::json::parse(r.out);
  EXPECT_NE(j["compile"]["quantization"].get<std::string>().find("by layer: /2/Gemm=3"), std::string::npos)
      << j["compile"]["quantization"];
  EXPECT_FALSE(j["compile"].contains("allocation"));
  // Three bits on the output layer cost the unrounded quantized model accuracy the 8-bit one does not lose.
  const nlohmann::json eight = nlohmann::json::parse(run_cli(eval + "--n-bits 8 --json").out);
  EXPECT_NE(j["quantized_accuracy"].get<double>(), eight["quantized_accuracy"].get<double>());
  expect_one_line_error(run_cli(eval + "--layer-weight-bits /2/Gemm"), "'/2/Gemm': expected NODE=BITS");
  expect_one_line_error(run_cli(eval + "--layer-weight-bits /2/Gemm=x3"), "'/2/Gemm=x3': expected NODE=BITS");
  expect_one_line_error(run_cli(eval + "--layer-weight-bits /2/Gemm=3 --layer-weight-bits /2/Gemm=4"), "given twice");
  expect_one_line_error(run_cli(eval + "--layer-weight-bits /1/Relu=3"), "'/1/Relu', which is not a node with");
  expect_one_line_error(run_cli(eval + "--layer-weight-bits /2/Gemm=1"), "'/2/Gemm' = 1: expected 2..16");
}

TEST(CliPtq, PErrorMustBeAProbability) {
  const std::string out = ::testing::TempDir() + "fheq_p_error_never_written";
  for (const char* bad : {"0", "-1", "nan", "1", "inf", "1e-3x"}) {
    for (const char* option : {"--p-error", "--global-p-error"}) {
      const Result r = run_cli("compile " + kModels + "digits_mlp.onnx --dataset digits " + option + " " + bad +
                               " -o " + out);
      EXPECT_NE(r.exit_code, 0) << option << " " << bad;
      EXPECT_NE(r.err.find("probability"), std::string::npos) << option << " " << bad << ": " << r.err;
      EXPECT_NE(r.err.find(option), std::string::npos) << r.err;
    }
    const Result e = run_cli("eval " + kModels + "digits_mlp.onnx --dataset digits --mode clear --p-error " +
                             std::string(bad));
    EXPECT_NE(e.exit_code, 0) << bad;
    EXPECT_NE(e.err.find("probability"), std::string::npos) << e.err;
  }
  EXPECT_FALSE(std::filesystem::exists(out));
}

TEST(CliPtq, WrongDataShapeForModel) {
  expect_one_line_error(run_cli("eval " + kModels + "digits_mlp.onnx --dataset iris"), "shape");
}

}  // namespace

namespace {

// A user's first try: no --rounding. The 8-bit model's accumulators are wider than a PBS takes, so auto rounding
// runs and one line says so; per-channel weights are the default and the report says which was used.
TEST(CliPtq, EvalDefaultsRoundAutomaticallyAndSaySo) {
  const Result r = run_cli("eval " + kModels + "digits_mlp.onnx --dataset digits --mode clear --json");
  ASSERT_EQ(r.exit_code, 0) << r.err;
  const nlohmann::json j = nlohmann::json::parse(r.out);
  EXPECT_EQ(j["per_channel"].get<bool>(), true);
  EXPECT_EQ(j["compile"]["rounding"].get<std::string>(), "auto");
  ASSERT_EQ(j["compile"]["notes"].size(), 2u);  // auto rounding, then the bit allocation's choice
  EXPECT_GT(j["compile"]["allocation"]["candidates"].size(), 1u);

  // The prediction is there, and the measured loss is the quantized-minus-FHE accuracy on the same samples.
  EXPECT_TRUE(j["compile"]["prediction"].contains("rounding_loss"));
  EXPECT_NEAR(j["rounding_loss_points"].get<double>(),
              100.0 * (j["fhe_quantized_accuracy"].get<double>() - j["fhe_accuracy"].get<double>()), 1e-9);
  const Result text = run_cli("eval " + kModels + "digits_mlp.onnx --dataset digits --mode clear --per-tensor");
  ASSERT_EQ(text.exit_code, 0) << text.err;
  EXPECT_NE(text.out.find("note: rounding auto"), std::string::npos) << text.out;
  EXPECT_NE(text.out.find("per-tensor weights"), std::string::npos) << text.out;
  EXPECT_EQ(text.out.find("bit allocation"), std::string::npos) << "--per-tensor fixes the weights: " << text.out;
  // Explicit --rounding none keeps its meaning: refused, one line naming the option.
  expect_one_line_error(run_cli("eval " + kModels + "digits_mlp.onnx --dataset digits --mode clear --rounding none"),
                        "--rounding");
}

}  // namespace
