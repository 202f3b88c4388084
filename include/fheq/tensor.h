// A dense row-major tensor: a shape and a flat vector of values.
#pragma once

#include <cstdint>
#include <string>
#include <vector>

#include "fheq/error.h"

namespace fheq {

using Shape = std::vector<int64_t>;

// Number of elements of a shape (1 for a scalar, shape {}).
inline int64_t shape_size(const Shape& shape) {
  int64_t n = 1;
  for (int64_t d : shape) n *= d;
  return n;
}

std::string shape_to_string(const Shape& shape);

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
