// The client/server CLI flow as a user runs it (the built fheq binary): compile → keygen → encrypt → run →
// decrypt on digits, checked against the clear integer model computed here through the library; and the
// one-line errors for a secret key given to the server and for files of another artifact.
// TOY parameters through the explicit test-only opt-in FHEQ_ALLOW_TOY_PARAMS=1 (keeps the test ~seconds).
// TOY_P7: per-channel weights (the default) give this circuit 7-bit PBS inputs; a smaller set would fail a
// PBS in ~40% of samples and make the exact comparison flaky.
#include <gtest/gtest.h>

#include <sys/wait.h>
#include <unistd.h>

#include <array>
#include <cstdio>
#include <filesystem>
#include <fstream>
#include <string>

#include <nlohmann/json.hpp>

#include "common/run_cli.h"
#include "fheq/fheq.h"

namespace {

namespace fs = std::filesystem;

using Result = ::fheq::test_support::CliResult;

// TOY parameters only through the explicit test-only opt-in.
Result run_cli(const std::string& args, bool allow_toy = true) {
  return ::fheq::test_support::run_cli(args, allow_toy ? "FHEQ_ALLOW_TOY_PARAMS=1 " : "FHEQ_ALLOW_TOY_PARAMS=0 ");
}

size_t lines(const std::string& s) { return static_cast<size_t>(std::count(s.begin(), s.end(), '\n')); }

TEST(CliRuntime, DigitsEndToEndEqualsClearAndRejectsWrongFiles) {
  const fs::path dir = fs::path(::testing::TempDir()) / ("fheq_cli_runtime_" + std::to_string(::getpid()));
  fs::remove_all(dir);
  fs::create_directories(dir);
  const std::string d = dir.string(), model = std::string(FHEQ_SOURCE_DIR) + "/models/digits_mlp.onnx";
  Result r = run_cli("compile " + model + " --dataset digits --n-bits 2 --params TOY_P7 -o " + d + "/ART");
  ASSERT_EQ(r.exit_code, 0) << r.err;
  ASSERT_NO_FATAL_FAILURE(::fheq::test_support::run_client_server_flow(d, "--dataset digits --count 6 --offset 3", r,
                                                                        "FHEQ_ALLOW_TOY_PARAMS=1 "));
  const nlohmann::json j = nlohmann::json::parse(r.out);

  // Independent reference: the same PTQ through the library, run in the clear.
  const fheq::FloatModel float_model = fheq::FloatModel::load(model);
  fheq::PtqOptions options;
  options.n_bits = fheq::NBits::all(2);
  const fheq::QuantizedModel q = fheq::quantize(float_model, fheq::load_dataset("digits", "train").x, options);
  const fheq::Dataset test = fheq::load_dataset("digits", "test");
  const fheq::IntTensor clear = q.run_clear(q.quantize_input(fheq::slice_batch(test.x, 3, 9)));
  EXPECT_EQ(j["samples"].get<int64_t>(), 6);
  EXPECT_EQ(j["accumulators"].get<std::vector<int64_t>>(), clear.data);

  // The server refuses a secret key, in one line.
  r = run_cli("run " + d + "/ART --eval-keys " + d + "/KEYS/secret.key " + d + "/IN.ct -o " + d + "/X.ct");
  EXPECT_EQ(r.exit_code, 1);
  EXPECT_EQ(lines(r.err), 1u) << r.err;
  EXPECT_NE(r.err.find("SECRET"), std::string::npos) << r.err;
  EXPECT_FALSE(fs::exists(d + "/X.ct"));

  // Another artifact (other bits → other circuit): its keys and ciphertexts do not fit, in one line each.
  r = run_cli("compile " + model + " --dataset digits --n-bits 2 --n-bits-inputs 3 --params TOY_P7 -o " + d + "/ART2");
  ASSERT_EQ(r.exit_code, 0) << r.err;
  r = run_cli("run " + d + "/ART2 --eval-keys " + d + "/KEYS/eval.keys " + d + "/IN.ct -o " + d + "/X.ct");
  EXPECT_EQ(r.exit_code, 1);
  EXPECT_EQ(lines(r.err), 1u) << r.err;
  EXPECT_NE(r.err.find("circuit"), std::string::npos) << r.err;
  r = run_cli("decrypt " + d + "/ART2 --key " + d + "/KEYS/secret.key " + d + "/OUT.ct");
  EXPECT_EQ(r.exit_code, 1);
  EXPECT_EQ(lines(r.err), 1u) << r.err;
  // Truncated ciphertexts.
  fs::resize_file(d + "/IN.ct", fs::file_size(d + "/IN.ct") / 2);
  r = run_cli("run " + d + "/ART --eval-keys " + d + "/KEYS/eval.keys " + d + "/IN.ct -o " + d + "/X.ct");
  EXPECT_EQ(r.exit_code, 1);
  EXPECT_EQ(lines(r.err), 1u) << r.err;
  EXPECT_NE(r.err.find("IN.ct"), std::string::npos) << r.err;
  // TOY parameters are refused without the opt-in.
  r = run_cli("keygen " + d + "/ART -o " + d + "/KEYS3", /*allow_toy=*/false);
  EXPECT_EQ(r.exit_code, 1);
  EXPECT_EQ(lines(r.err), 1u) << r.err;
  EXPECT_NE(r.err.find("TOY"), std::string::npos) << r.err;
  fs::remove_all(dir);
}

TEST(CliRuntime, EvalClearModeWithoutRoundingEqualsQuantizedAccuracy) {
  // Without rounding the FHE clear mode computes the quantized model's integers, so the accuracies agree;
  // simulate at 2^-40 per PBS on 359 images (~11 500 PBS) must agree too (no error expected, p ≈ 4e-15·11 500).
  const std::string model = std::string(FHEQ_SOURCE_DIR) + "/models/digits_mlp.onnx";
  for (const char* mode : {"clear", "simulate"}) {
    const Result r = run_cli("eval " + model + " --dataset digits --n-bits 2 --mode " + mode + " --json");
    ASSERT_EQ(r.exit_code, 0) << r.err;
    const nlohmann::json j = nlohmann::json::parse(r.out);
    EXPECT_EQ(j["fhe_accuracy"].get<double>(), j["quantized_accuracy"].get<double>()) << mode;
    EXPECT_EQ(j["fhe_samples"].get<int64_t>(), 359);
    EXPECT_GT(j["pbs_count"].get<int64_t>(), 0);
    EXPECT_FALSE(j["params"].get<std::string>().empty());
    if (std::string(mode) == "simulate") {
      // Every PBS of every image is counted; exact inputs at 2^-40 and calibrated windows: none misread.
      const nlohmann::json& c = j["simulate_counts"];
      EXPECT_EQ(c["pbs"].get<int64_t>(), 359 * j["pbs_count"].get<int64_t>());
      EXPECT_EQ(c["off_by_one"].get<int64_t>() + c["larger_errors"].get<int64_t>(), 0);
      EXPECT_EQ(c["outputs"].get<int64_t>(), 359 * 10);
    }
  }
}

}  // namespace
