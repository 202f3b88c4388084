// Malformed .npy inputs (the CLI's --data / --labels) never crash: a small written file, mutated at random —
// a header byte or data byte overwritten, the file cut short — read as floats and as integers. Each read
// must succeed or throw fheq::Error with one line naming the file.
#include <gtest/gtest.h>

#include <cstdio>
#include <fstream>
#include <random>
#include <string>

#include "common/mutate_bytes.h"
#include "common/test_seed.h"
#include "fheq/data.h"
#include "fheq/error.h"

namespace fheq {
namespace {


TEST(NpyFuzz, MutatedFilesReadOrFailWithOneLine) {
  const uint64_t seed = test_support::test_seed("NpyFuzz.MutatedFilesReadOrFailWithOneLine");
  std::mt19937_64 rng(seed);
  const std::string path = ::testing::TempDir() + "/fuzzed_input.npy";
  FloatTensor x(Shape{3, 4});
  for (double& v : x.data) v = static_cast<double>(rng() % 100) / 7.0;
  IntTensor y(Shape{5});
  for (int64_t& v : y.data) v = static_cast<int64_t>(rng() % 10);
  int64_t refused = 0, read = 0;
  for (int kind = 0; kind < 2; ++kind) {
    if (kind == 0) write_npy(path, x);
    else write_npy(path, y);
    const std::string bytes = test_support::file_bytes(path);
    // The header (first 128 bytes) is where parsing happens: mutate it more often than the data.
    std::uniform_int_distribution<size_t> header(0, std::min<size_t>(127, bytes.size() - 1)), anywhere(0, bytes.size() - 1);
    for (int r = 0; r < 400; ++r) {
      std::string bad = bytes;
      switch (rng() % 4) {
        case 0: bad[header(rng)] = static_cast<char>(rng()); break;
        case 1: bad[header(rng)] = "0123456789,()'<>:{} "[rng() % 20]; break;
        case 2: bad[anywhere(rng)] = static_cast<char>(rng()); break;
        default: bad.resize(anywhere(rng));
      }
      {
        std::ofstream f(path, std::ios::binary | std::ios::trunc);
        f.write(bad.data(), static_cast<std::streamsize>(bad.size()));
      }
      for (int as_int = 0; as_int < 2; ++as_int) {
        try {
          if (as_int) read_npy_int(path);
          else read_npy(path);
          ++read;
        } catch (const Error& e) {
          ++refused;
          const std::string what = e.what();
          EXPECT_EQ(what.find('\n'), std::string::npos) << what;
          EXPECT_NE(what.find("fuzzed_input.npy"), std::string::npos) << what;
        }
      }
    }
  }
  std::printf("1,600 reads of mutated .npy files: %lld refused with one line, %lld read\n",
              static_cast<long long>(refused), static_cast<long long>(read));
  EXPECT_GT(refused, 0);
  std::remove(path.c_str());
}

}  // namespace
}  // namespace fheq
