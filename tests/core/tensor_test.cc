// shape_size on shapes read from files: products that would overflow 64 bits are errors, not undefined behaviour.
#include <gtest/gtest.h>

#include "fheq/tensor.h"

namespace fheq {
namespace {

TEST(ShapeSize, ProductsAndOverflow) {
  EXPECT_EQ(shape_size({}), 1);
  EXPECT_EQ(shape_size({3, 4, 5}), 60);
  EXPECT_EQ(shape_size({2, 0, 7}), 0);
  EXPECT_EQ(shape_size({-1, 10}), -10);  // graph shapes mark the batch dim -1
  EXPECT_EQ(shape_size({int64_t{1} << 31, int64_t{1} << 31}), int64_t{1} << 62);
  EXPECT_THROW(shape_size({int64_t{1} << 32, int64_t{1} << 32}), Error);
  EXPECT_THROW(shape_size({int64_t{1} << 40, int64_t{1} << 40, 0}), Error);  // overflow before the zero
  EXPECT_THROW(shape_size({999999999999999, 999999999999999, 999999999999999}), Error);
  try {
    shape_size({int64_t{1} << 40, int64_t{1} << 40});
  } catch (const Error& e) {
    EXPECT_NE(std::string(e.what()).find("2^62"), std::string::npos) << e.what();
  }
}

}  // namespace
}  // namespace fheq
