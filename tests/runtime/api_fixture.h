// A compiled artifact for the public runtime API tests (key hygiene, bytes transport): digits at 2 bits on
// TOY_P7 (the circuit's 7-bit PBS inputs), saved to a fresh directory; and the one-line-error check.
#pragma once

#include <gtest/gtest.h>
#include <unistd.h>

#include <filesystem>
#include <functional>
#include <string>

#include "core/binary_io.h"
#include "fheq/fheq.h"

namespace fheq::testing {

namespace fs = std::filesystem;

struct Fixture {
  fs::path dir;
  std::string art;
  Dataset test;
  RuntimeOptions toy;
};

inline Fixture make_fixture(const std::string& name) {
  Fixture f;
  f.dir = fs::path(::testing::TempDir()) / ("fheq_api_" + name + "_" + std::to_string(::getpid()));
  fs::remove_all(f.dir);
  fs::create_directories(f.dir);
  const FloatModel model = FloatModel::load(std::string(FHEQ_SOURCE_DIR) + "/models/digits_mlp.onnx");
  CompileOptions options;
  options.ptq.n_bits = NBits::all(2);
  options.parameter_set = "TOY_P7";
  options.allow_toy_parameters = true;
  options.predict_accuracy = false;
  const CompiledModel compiled = compile(model, load_dataset("digits", "train").x, options);
  f.art = (f.dir / "ART").string();
  save_artifacts(compiled, f.art);
  f.test = load_dataset("digits", "test");
  f.toy.allow_toy_params = true;
  return f;
}

// A client of the fixture's artifact with freshly generated keys (not saved yet).
inline Client client_with_keys(const Fixture& f) {
  Client client = Client::load(f.art, f.toy);
  client.generate_keys();
  return client;
}

inline std::string bytes_of(const fs::path& path) { return core::read_file(path.string()); }

inline void expect_error(const std::function<void()>& run, const std::string& must_contain) {
  try {
    run();
    ADD_FAILURE() << "expected fheq::Error containing '" << must_contain << "'";
  } catch (const Error& e) {
    const std::string what = e.what();
    EXPECT_NE(what.find(must_contain), std::string::npos) << what;
    EXPECT_EQ(what.find('\n'), std::string::npos) << what;
  }
}

}  // namespace fheq::testing
