// The one exception type fheq throws at its API boundaries.
#pragma once

#include <stdexcept>
#include <string>

namespace fheq {

// An error caused by the caller's input (a file, a node, a tensor, an argument).
// what() is one line that names the thing at fault and what is wrong with it,
// e.g. "model.onnx: node 'conv1' (Conv, opset 13): kernel_shape has 3 dims, expected 2".
// Names taken from files (a value name, a parameter set name) may hold any byte: control characters are
// written as \xNN so that the message stays one printable line whatever the input.
class Error : public std::runtime_error {
 public:
  explicit Error(const std::string& message) : std::runtime_error(one_line(message)) {}

 private:
  static std::string one_line(const std::string& message) {
    static const char hex[] = "0123456789abcdef";
    std::string out;
    out.reserve(message.size());
    for (const char c : message) {
      const auto u = static_cast<unsigned char>(c);
      if (u < 0x20 || u == 0x7f) {
        out += "\\x";
        out += hex[u >> 4];
        out += hex[u & 15];
      } else {
        out += c;
      }
    }
    return out;
  }
};

}  // namespace fheq
