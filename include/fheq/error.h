// The one exception type fheq throws at its API boundaries.
#pragma once

#include <stdexcept>
#include <string>

namespace fheq {

// An error caused by the caller's input (a file, a node, a tensor, an argument).
// what() is one line that names the thing at fault and what is wrong with it,
// e.g. "model.onnx: node 'conv1' (Conv, opset 13): kernel_shape has 3 dims, expected 2".
class Error : public std::runtime_error {
 public:
  explicit Error(const std::string& message) : std::runtime_error(message) {}
};

}  // namespace fheq
