// Helpers for the graph tests: a tiny .npy reader (little-endian f4/f8/i4/i8, C order), paths
// to tests/data/onnx, and a relative-tolerance comparison with a readable failure message.
#pragma once

#include "common/test_seed.h"
#include <gtest/gtest.h>

#include <cmath>
#include <cstdint>
#include <cstdlib>
#include <cstring>
#include <fstream>
#include <iostream>
#include <random>
#include <sstream>
#include <string>

#include "fheq/tensor.h"

namespace fheq::graph::testing {

inline std::string test_model_path(const std::string& name) {
  return std::string(FHEQ_SOURCE_DIR) + "/tests/data/onnx/" + name;
}

inline FloatTensor read_npy(const std::string& path) {
  std::ifstream file(path, std::ios::binary);
  if (!file) throw std::runtime_error(path + ": cannot open");
  std::string bytes((std::istreambuf_iterator<char>(file)), std::istreambuf_iterator<char>());
  if (bytes.size() < 10 || bytes.compare(0, 6, "\x93NUMPY") != 0) throw std::runtime_error(path + ": not a .npy file");
  const int major = static_cast<unsigned char>(bytes[6]);
  size_t header_len, offset;
  if (major == 1) {
    header_len = static_cast<unsigned char>(bytes[8]) | (static_cast<unsigned char>(bytes[9]) << 8);
    offset = 10;
  } else {
    uint32_t len;
    std::memcpy(&len, bytes.data() + 8, 4);
    header_len = len;
    offset = 12;
  }
  const std::string header = bytes.substr(offset, header_len);
  const size_t data_start = offset + header_len;
  auto field = [&](const std::string& key) {
    size_t at = header.find("'" + key + "'");
    if (at == std::string::npos) throw std::runtime_error(path + ": header lacks " + key);
    return header.substr(header.find(':', at) + 1);
  };
  std::string descr = field("descr");
  descr = descr.substr(descr.find('\'') + 1);
  descr = descr.substr(0, descr.find('\''));
  if (field("fortran_order").substr(0, 6).find("True") != std::string::npos)
    throw std::runtime_error(path + ": Fortran order is not supported");
  std::string shape_text = field("shape");
  shape_text = shape_text.substr(shape_text.find('(') + 1, shape_text.find(')') - shape_text.find('(') - 1);
  Shape shape;
  std::stringstream dims(shape_text);
  std::string dim;
  while (std::getline(dims, dim, ','))
    if (dim.find_first_not_of(' ') != std::string::npos) shape.push_back(std::stoll(dim));
  FloatTensor t(shape);
  const char* raw = bytes.data() + data_start;
  const size_t n = static_cast<size_t>(t.size());
  auto load = [&](auto sample) {
    using T = decltype(sample);
    if (bytes.size() < data_start + n * sizeof(T)) throw std::runtime_error(path + ": truncated data");
    for (size_t i = 0; i < n; ++i) {
      T v;
      std::memcpy(&v, raw + i * sizeof(T), sizeof(T));
      t.data[i] = static_cast<double>(v);
    }
  };
  if (descr == "<f4") load(float{});
  else if (descr == "<f8") load(double{});
  else if (descr == "<i8") load(int64_t{});
  else if (descr == "<i4") load(int32_t{});
  else throw std::runtime_error(path + ": unsupported dtype " + descr);
  return t;
}

// |actual − expected| ≤ rel · |expected| + abs_floor for every element, shapes equal.
inline ::testing::AssertionResult tensors_near(const FloatTensor& actual, const FloatTensor& expected, double rel,
                                               double abs_floor = 1e-9) {
  if (actual.shape != expected.shape)
    return ::testing::AssertionFailure() << "shape " << shape_to_string(actual.shape) << " != expected "
                                         << shape_to_string(expected.shape);
  double worst = 0.0;
  int64_t worst_at = -1;
  for (int64_t i = 0; i < actual.size(); ++i) {
    const double err = std::abs(actual[i] - expected[i]);
    const double allowed = rel * std::abs(expected[i]) + abs_floor;
    if (!(err <= allowed) && (worst_at < 0 || err / allowed > worst)) {
      worst = err / allowed;
      worst_at = i;
    }
  }
  if (worst_at >= 0)
    return ::testing::AssertionFailure() << "element " << worst_at << ": " << actual[worst_at] << " vs expected "
                                         << expected[worst_at] << " (error " << worst << "x the tolerance)";
  return ::testing::AssertionSuccess();
}

// Seed for randomized tests: FHEQ_TEST_SEED if set, else fresh; printed so a failure can be replayed.
using ::fheq::test_support::test_seed;

}  // namespace fheq::graph::testing
