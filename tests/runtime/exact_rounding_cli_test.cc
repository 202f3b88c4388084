// `--rounding-mode exact` through the built fheq binary as a user runs it: compile → keygen → encrypt → run →
// decrypt on digits with k > 0, checked against the library's clear run of the same compiled model (round half
// up), and the compile report's PBS count against approximate mode's. TOY parameters through the test-only opt-in.
#include <gtest/gtest.h>

#include <filesystem>
#include <string>

#include <nlohmann/json.hpp>

#include "common/run_cli.h"
#include "fheq/fheq.h"

namespace {

namespace fs = std::filesystem;

::fheq::test_support::CliResult run_cli(const std::string& args) {
  return ::fheq::test_support::run_cli(args, "FHEQ_ALLOW_TOY_PARAMS=1 ");
}

TEST(ExactRoundingCli, CompileRunDecryptEqualsClearRoundHalfUp) {
  const fs::path dir = fs::path(::testing::TempDir()) / ("fheq_exact_cli_" + std::to_string(::getpid()));
  fs::remove_all(dir);
  fs::create_directories(dir);
  const std::string d = dir.string(), model = std::string(FHEQ_SOURCE_DIR) + "/models/digits_mlp.onnx";
  const std::string common = " --dataset digits --n-bits 3 --rounding 2 --params TOY_P2 --json";
  auto r = run_cli("compile " + model + common + " --rounding-mode approximate -o " + d + "/APPROX");
  ASSERT_EQ(r.exit_code, 0) << r.err;
  const nlohmann::json approx = nlohmann::json::parse(r.out);
  r = run_cli("compile " + model + common + " --rounding-mode exact -o " + d + "/ART");
  ASSERT_EQ(r.exit_code, 0) << r.err;
  const nlohmann::json exact = nlohmann::json::parse(r.out);
  const int64_t exact_pbs = exact["pbs_count"].get<int64_t>(), approx_pbs = approx["pbs_count"].get<int64_t>();
  EXPECT_EQ(exact["keyswitch_count"].get<int64_t>(), exact_pbs);  // every read and the TLU itself keyswitch
  EXPECT_GT(exact_pbs, approx_pbs) << "exact rounding must cost extra PBS";

  ASSERT_NO_FATAL_FAILURE(::fheq::test_support::run_client_server_flow(d, "--dataset digits --count 8 --offset 40", r,
                                                                        "FHEQ_ALLOW_TOY_PARAMS=1 "));
  const nlohmann::json j = nlohmann::json::parse(r.out);

  // Reference: the same options through the library, run in the clear (the integer graph's kExact rounding).
  fheq::CompileOptions options;
  options.ptq.n_bits = fheq::NBits::all(3);
  options.ptq.calib_size = 1000;
  options.rounding_bits = 2;
  options.rounding_mode = fheq::FheRoundingMode::kExact;
  options.parameter_set = "TOY_P2";
  options.allow_toy_parameters = true;
  const fheq::CompiledModel compiled =
      fheq::compile(fheq::FloatModel::load(model), fheq::load_dataset("digits", "train").x, options);
  EXPECT_EQ(compiled.report().pbs_count, exact_pbs);
  const fheq::Dataset test = fheq::load_dataset("digits", "test");
  const fheq::IntTensor clear = compiled.run_clear(compiled.quantize_input(fheq::slice_batch(test.x, 40, 48)));
  EXPECT_EQ(j["samples"].get<int64_t>(), 8);
  EXPECT_EQ(j["accumulators"].get<std::vector<int64_t>>(), clear.data);
  fs::remove_all(dir);
}

}  // namespace
