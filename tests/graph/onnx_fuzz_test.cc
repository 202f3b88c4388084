// Malformed ONNX files never crash: the shipped models' bytes, mutated at random (a byte overwritten, the file
// cut short, an aligned 8-byte run set to an extreme value), loaded as a user would. Each load must succeed
// or throw fheq::Error with one line naming the file; a model that loads must also run a small batch.
#include <gtest/gtest.h>

#include "common/mutate_bytes.h"

#include <cstdio>
#include <fstream>
#include <random>

#include "fheq/model.h"
#include "test_support.h"

namespace fheq::graph {
namespace {



TEST(OnnxFuzz, MutatedModelsLoadAndRunOrFailWithOneLine) {
  const uint64_t seed = testing::test_seed("OnnxFuzz.MutatedModelsLoadAndRunOrFailWithOneLine");
  std::mt19937_64 rng(seed);
  const std::string path = ::testing::TempDir() + "/fuzzed_model.onnx";
  for (const char* name : {"digits_mlp", "fmnist_cnn_fhe"}) {
    const std::string bytes = test_support::file_bytes(std::string(FHEQ_SOURCE_DIR) + "/models/" + name + ".onnx");
    ASSERT_FALSE(bytes.empty()) << name;
    int64_t refused = 0, ran = 0;
    const int rounds = 300;
    for (int r = 0; r < rounds; ++r) {
      {
        std::ofstream f(path, std::ios::binary | std::ios::trunc);
        const std::string bad = test_support::mutate_bytes(bytes, rng);
        f.write(bad.data(), static_cast<std::streamsize>(bad.size()));
      }
      try {
        const FloatModel model = FloatModel::load(path);
        Shape shape = model.input_shape();
        shape[0] = 2;
        FloatTensor x(shape);
        for (double& v : x.data) v = static_cast<double>(rng() % 1000) / 1000.0;
        model.run(x);
        ++ran;
      } catch (const Error& e) {
        ++refused;
        const std::string what = e.what();
        EXPECT_EQ(what.find('\n'), std::string::npos) << name << ": " << what;
        EXPECT_NE(what.find("fuzzed_model.onnx"), std::string::npos) << name << ": " << what;
      }
    }
    std::printf("%s: %d mutations, %lld refused with one line, %lld loaded and ran\n", name, rounds,
                static_cast<long long>(refused), static_cast<long long>(ran));
    EXPECT_GT(refused, 0);
  }
  std::remove(path.c_str());
}

}  // namespace
}  // namespace fheq::graph
