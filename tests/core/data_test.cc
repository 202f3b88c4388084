// Tests of the dataset and array-file readers (fheq/data.h) against hand-built files and the packaged data.
#include "fheq/data.h"

#include <zlib.h>

#include <algorithm>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <string>
#include <vector>

#include <gtest/gtest.h>

#include "fheq/error.h"

namespace fheq {
namespace {

std::string temp_path(const std::string& name) {
  return (std::filesystem::temp_directory_path() / ("fheq_data_test_" + name)).string();
}

void write_bytes(const std::string& path, const std::string& bytes) {
  std::ofstream out(path, std::ios::binary | std::ios::trunc);
  out.write(bytes.data(), static_cast<std::streamsize>(bytes.size()));
}

void write_gzip(const std::string& path, const std::string& bytes) {
  gzFile file = gzopen(path.c_str(), "wb");
  ASSERT_NE(file, nullptr);
  ASSERT_EQ(gzwrite(file, bytes.data(), static_cast<unsigned>(bytes.size())), static_cast<int>(bytes.size()));
  gzclose(file);
}

// A .npy file byte for byte as NumPy lays it out (format 1.0 or 2.0).
std::string numpy_style_npy(const std::string& dict, const std::string& data, int major = 1) {
  const size_t preamble = major == 1 ? 10 : 12;
  std::string header = dict;
  header.append((64 - (preamble + header.size() + 1) % 64) % 64, ' ');
  header += '\n';
  std::string bytes = "\x93NUMPY";
  bytes += static_cast<char>(major);
  bytes += '\0';
  for (size_t i = 0; i < (major == 1 ? 2u : 4u); ++i) bytes += static_cast<char>((header.size() >> (8 * i)) & 0xff);
  return bytes + header + data;
}

template <typename T>
std::string raw(const std::vector<T>& values) {
  return std::string(reinterpret_cast<const char*>(values.data()), values.size() * sizeof(T));
}

std::string big_endian(uint32_t v) {
  return {static_cast<char>(v >> 24), static_cast<char>(v >> 16), static_cast<char>(v >> 8), static_cast<char>(v)};
}

TEST(Npy, RoundTripFloat64AndInt64) {
  const std::string path = temp_path("roundtrip.npy");
  for (const Shape& shape : {Shape{2, 3}, Shape{5}, Shape{}, Shape{2, 1, 2}}) {
    FloatTensor f(shape);
    IntTensor i(shape);
    for (int64_t k = 0; k < f.size(); ++k) {
      f[k] = -1.5 + 0.1 * static_cast<double>(k) + 1e-17;
      i[k] = (k % 2 ? -1 : 1) * (int64_t{1} << (40 + k % 3));
    }
    write_npy(path, f);
    const FloatTensor f_back = read_npy(path);
    EXPECT_EQ(f_back.shape, shape);
    EXPECT_EQ(f_back.data, f.data);
    EXPECT_EQ(std::filesystem::file_size(path) % 64, (static_cast<size_t>(f.size()) * 8) % 64);  // aligned header
    write_npy(path, i);
    const IntTensor i_back = read_npy_int(path);
    EXPECT_EQ(i_back.shape, shape);
    EXPECT_EQ(i_back.data, i.data);
    EXPECT_EQ(read_npy(path).data[0], static_cast<double>(i.data[0]));
  }
  std::filesystem::remove(path);
}

TEST(Npy, ReadsNumpyLayoutsOfEveryDtype) {
  const std::string path = temp_path("dtypes.npy");
  write_bytes(path, numpy_style_npy("{'descr': '<f4', 'fortran_order': False, 'shape': (2, 2), }",
                                    raw(std::vector<float>{0.1f, -2.0f, 3.5f, 1e-3f})));
  FloatTensor f = read_npy(path);
  EXPECT_EQ(f.shape, (Shape{2, 2}));
  EXPECT_EQ(f.data, (std::vector<double>{double(0.1f), -2.0, 3.5, double(1e-3f)}));
  EXPECT_THROW(read_npy_int(path), Error);

  write_bytes(path, numpy_style_npy("{'descr': '<i4', 'fortran_order': False, 'shape': (3,), }",
                                    raw(std::vector<int32_t>{-7, 0, 2147483647}), 2));
  EXPECT_EQ(read_npy_int(path).data, (std::vector<int64_t>{-7, 0, 2147483647}));

  write_bytes(path, numpy_style_npy("{'descr': '|u1', 'fortran_order': False, 'shape': (1, 3), }",
                                    raw(std::vector<uint8_t>{0, 128, 255})));
  EXPECT_EQ(read_npy_int(path).data, (std::vector<int64_t>{0, 128, 255}));  // labels may be uint8
  // Inputs may not: raw pixels would be clamped to the model's calibrated float range without a word.
  try {
    read_npy(path);
    ADD_FAILURE() << "uint8 inputs accepted";
  } catch (const Error& e) {
    EXPECT_NE(std::string(e.what()).find("uint8"), std::string::npos) << e.what();
  }
  std::filesystem::remove(path);
}

TEST(Npy, RejectsMalformedFiles) {
  const std::string path = temp_path("bad.npy");
  const std::string good_dict = "{'descr': '<f8', 'fortran_order': False, 'shape': (2,), }";
  const std::string two_doubles = raw(std::vector<double>{1.0, 2.0});
  auto expect_error = [&](const std::string& bytes, const std::string& fragment) {
    write_bytes(path, bytes);
    try {
      read_npy(path);
      ADD_FAILURE() << "accepted a file that should fail with '" << fragment << "'";
    } catch (const Error& e) {
      const std::string what = e.what();
      EXPECT_NE(what.find(path), std::string::npos) << what;
      EXPECT_NE(what.find(fragment), std::string::npos) << what;
      EXPECT_EQ(what.find('\n'), std::string::npos) << what;
    }
  };
  write_bytes(path, numpy_style_npy(good_dict, two_doubles));
  EXPECT_EQ(read_npy(path).data, (std::vector<double>{1.0, 2.0}));
  expect_error("PK\x03\x04 not numpy at all", "magic");
  expect_error(numpy_style_npy(good_dict, two_doubles.substr(0, 12)), "truncated");
  expect_error(numpy_style_npy(good_dict, two_doubles + "xx"), "trailing");
  expect_error(numpy_style_npy("{'descr': '>f8', 'fortran_order': False, 'shape': (2,), }", two_doubles), "dtype");
  expect_error(numpy_style_npy("{'descr': '<c16', 'fortran_order': False, 'shape': (1,), }", two_doubles), "dtype");
  expect_error(numpy_style_npy("{'descr': '<f8', 'fortran_order': True, 'shape': (2,), }", two_doubles), "Fortran");
  expect_error(numpy_style_npy("{'descr': '<f8', 'fortran_order': False, }", two_doubles), "shape");
  expect_error(numpy_style_npy(good_dict, two_doubles).substr(0, 30), "truncated");
  // A shape whose element count overflows 64 bits is refused by the bytes present, not multiplied out.
  expect_error(numpy_style_npy("{'descr': '<f8', 'fortran_order': False, 'shape': (999999999999999, 999999999999999, "
                               "999999999999999), }", two_doubles), "needs more than");
  // A directory is named as one.
  try {
    read_npy(std::filesystem::temp_directory_path().string());
    ADD_FAILURE() << "a directory was read";
  } catch (const Error& e) {
    EXPECT_NE(std::string(e.what()).find("is a directory"), std::string::npos) << e.what();
  }
  EXPECT_THROW(read_npy(temp_path("does_not_exist.npy")), Error);
  std::filesystem::remove(path);
}

TEST(Idx, HandWrittenImagesAndLabelsPlainAndGzip) {
  std::string pixels;
  for (int i = 0; i < 12; ++i) pixels += static_cast<char>(i * 23);
  const std::string images = std::string("\0\0\x08\x03", 4) + big_endian(2) + big_endian(2) + big_endian(3) + pixels;
  const std::string labels = std::string("\0\0\x08\x01", 4) + big_endian(2) + std::string("\x07\x00", 2);
  const std::string plain = temp_path("images.idx"), packed = temp_path("images.idx.gz");
  const std::string label_path = temp_path("labels.idx.gz");
  write_bytes(plain, images);
  write_gzip(packed, images);
  write_gzip(label_path, labels);
  for (const std::string& path : {plain, packed}) {
    const FloatTensor x = load_idx_images(path);
    EXPECT_EQ(x.shape, (Shape{2, 1, 2, 3}));
    for (int i = 0; i < 12; ++i) EXPECT_EQ(x[i], static_cast<double>(static_cast<float>(i * 23) / 255.0f));
    EXPECT_EQ(x[11], static_cast<double>(253.0f / 255.0f));
  }
  EXPECT_EQ(load_idx_labels(label_path), (std::vector<int64_t>{7, 0}));
  EXPECT_THROW(load_idx_images(label_path), Error);  // rank 1 is not images
  EXPECT_THROW(load_idx_labels(packed), Error);      // rank 3 is not labels

  write_bytes(plain, images.substr(0, images.size() - 1));
  EXPECT_THROW(load_idx_images(plain), Error);  // truncated data
  write_bytes(plain, images.substr(0, 10));
  EXPECT_THROW(load_idx_images(plain), Error);  // truncated header
  std::string wrong_type = images;
  wrong_type[2] = 0x0D;  // float idx
  write_bytes(plain, wrong_type);
  EXPECT_THROW(load_idx_images(plain), Error);
  std::string compressed;
  write_gzip(packed, images + std::string(4000, '\x11'));
  {
    std::ifstream in(packed, std::ios::binary);
    compressed.assign(std::istreambuf_iterator<char>(in), {});
  }
  write_bytes(packed, compressed.substr(0, compressed.size() / 2));
  EXPECT_THROW(load_idx_images(packed), Error);  // truncated gzip stream
  for (const std::string& p : {plain, packed, label_path}) std::filesystem::remove(p);
}

TEST(SklearnCsv, HeaderChecksAndBadValues) {
  const std::string path = temp_path("table.csv");
  write_bytes(path, "3,2,a,b\n1.5,2,0\n3,4.25,1\n-1,0,1\n");
  const Dataset d = load_sklearn_csv(path, true);
  EXPECT_EQ(d.x.shape, (Shape{3, 2}));
  EXPECT_EQ(d.x.data, (std::vector<double>{1.5, 2.0, 3.0, 4.25, -1.0, 0.0}));
  EXPECT_EQ(d.y, (std::vector<int64_t>{0, 1, 1}));
  write_bytes(path, "4,2,a,b\n1.5,2,0\n3,4.25,1\n-1,0,1\n");
  EXPECT_THROW(load_sklearn_csv(path, true), Error);  // header says 4 samples
  write_bytes(path, "3,2,a,b\n1.5,2,0\n3,4.25\n-1,0,1\n");
  EXPECT_THROW(load_sklearn_csv(path, true), Error);  // ragged row
  write_bytes(path, "3,2,a,b\n1.5,2,0\n3,x,1\n-1,0,1\n");
  try {
    load_sklearn_csv(path, true);
    ADD_FAILURE() << "accepted a non-number";
  } catch (const Error& e) {
    EXPECT_NE(std::string(e.what()).find(path + ":3: column 2 'x'"), std::string::npos) << e.what();
  }
  write_bytes(path, "1.5,2,0.5\n");
  EXPECT_THROW(load_sklearn_csv(path, false), Error);  // fractional label
  std::filesystem::remove(path);
}

TEST(Datasets, ScikitLearnSplitsFollowTheIndexRule) {
  try {
    const Dataset train = load_dataset("digits", "train");
    const Dataset test = load_dataset("digits", "test");
    EXPECT_EQ(train.x.shape, (Shape{1438, 64}));
    EXPECT_EQ(test.x.shape, (Shape{359, 64}));
    EXPECT_EQ(test.y.size(), 359u);
    // Row 0 of digits.csv.gz starts 0,0,5,13,9,1 with label 0 (and is a train row); features are count/16.
    EXPECT_EQ(std::vector<double>(train.x.data.begin(), train.x.data.begin() + 6),
              (std::vector<double>{0.0, 0.0, 5.0 / 16, 13.0 / 16, 9.0 / 16, 1.0 / 16}));
    EXPECT_EQ(train.y[0], 0);
    const auto [lo, hi] = std::minmax_element(train.x.data.begin(), train.x.data.end());
    EXPECT_EQ(*lo, 0.0);
    EXPECT_EQ(*hi, 1.0);
    for (int64_t label : test.y) EXPECT_TRUE(label >= 0 && label <= 9);
    const Dataset iris_train = load_dataset("iris", "train");
    const Dataset iris_test = load_dataset("iris", "test");
    EXPECT_EQ(iris_train.x.shape, (Shape{120, 4}));
    EXPECT_EQ(iris_test.x.shape, (Shape{30, 4}));
    // iris.csv rows 0 and 4: 5.1,3.5,1.4,0.2,0 and 5.0,3.6,1.4,0.2,0 (row 4 is the first test row).
    EXPECT_EQ(iris_train.x[0], static_cast<double>(5.1f));
    EXPECT_EQ(iris_test.x[1], static_cast<double>(3.6f));
    EXPECT_EQ(load_dataset("wine", "test").x.shape, (Shape{35, 13}));
    EXPECT_EQ(load_dataset("breast-cancer", "train").x.shape, (Shape{456, 30}));
  } catch (const Error& e) {
    if (!std::filesystem::exists("/usr/lib/python3/dist-packages/sklearn/datasets/data/iris.csv"))
      GTEST_SKIP() << "python3-sklearn data not installed: " << e.what();
    throw;
  }
  EXPECT_THROW(load_dataset("digits", "validation"), Error);
  EXPECT_THROW(load_dataset("cifar10", "train"), Error);
}

TEST(Datasets, FashionMnistTestSplit) {
  if (!std::filesystem::exists("/usr/share/datasets/fashion-mnist/t10k-images-idx3-ubyte.gz"))
    GTEST_SKIP() << "dataset-fashion-mnist is not installed";
  const Dataset test = load_dataset("fashion-mnist", "test");
  EXPECT_EQ(test.x.shape, (Shape{10000, 1, 28, 28}));
  ASSERT_EQ(test.y.size(), 10000u);
  std::vector<int> per_class(10, 0);
  for (int64_t label : test.y) {
    ASSERT_TRUE(label >= 0 && label <= 9) << label;
    ++per_class[static_cast<size_t>(label)];
  }
  for (int count : per_class) EXPECT_EQ(count, 1000);  // the Fashion-MNIST test set is balanced
  const auto [lo, hi] = std::minmax_element(test.x.data.begin(), test.x.data.end());
  EXPECT_EQ(*lo, 0.0);
  EXPECT_EQ(*hi, 1.0);
  EXPECT_EQ(test.name, "fashion-mnist/test");
}

}  // namespace
}  // namespace fheq
