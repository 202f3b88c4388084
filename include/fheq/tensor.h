// A dense row-major tensor: a shape and a flat vector of values.
#pragma once

#include <cstdint>
#include <string>
#include <vector>

#include "fheq/error.h"

namespace fheq {

using Shape = std::vector<int64_t>;

std::string shape_to_string(const Shape& shape);

// Number of elements of a shape (1 for a scalar, shape {}). Shapes read from files can be anything, so the
// product is checked: more than 2^62 elements throws fheq::Error instead of overflowing. (Graph shapes mark the
// batch dim -1, which makes the product negative; callers that care check the sign.)
inline int64_t shape_size(const Shape& shape) {
  constexpr int64_t kLimit = int64_t{1} << 62;
  int64_t n = 1;
  for (int64_t d : shape) {
    if (__builtin_mul_overflow(n, d, &n) || n > kLimit || n < -kLimit)
      throw Error("shape " + shape_to_string(shape) + " has more than 2^62 elements");
  }
  return n;
}

template <typename T>
struct Tensor {
  Shape shape;
  std::vector<T> data;

  Tensor() = default;
  explicit Tensor(Shape s) : shape(std::move(s)), data(static_cast<size_t>(shape_size(shape))) {}
  Tensor(Shape s, std::vector<T> values) : shape(std::move(s)), data(std::move(values)) {
    if (static_cast<int64_t>(data.size()) != shape_size(shape))
      throw Error("tensor: " + std::to_string(data.size()) + " values do not fill shape " + shape_to_string(shape));
  }
  int64_t size() const { return static_cast<int64_t>(data.size()); }
  int64_t rank() const { return static_cast<int64_t>(shape.size()); }
  int64_t dim(int64_t axis) const { return shape.at(static_cast<size_t>(axis)); }
  T& operator[](int64_t i) { return data[static_cast<size_t>(i)]; }
  const T& operator[](int64_t i) const { return data[static_cast<size_t>(i)]; }
};

using FloatTensor = Tensor<double>;
using IntTensor = Tensor<int64_t>;

}  // namespace fheq
