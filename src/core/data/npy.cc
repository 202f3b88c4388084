// NumPy .npy files (https://numpy.org/doc/stable/reference/generated/numpy.lib.format.html):
// "\x93NUMPY", major, minor, header length (uint16 LE for 1.0; uint32 LE for 2.0/3.0), then an ASCII
// Python dict {'descr': '<f8', 'fortran_order': False, 'shape': (2, 3), } padded with spaces to a multiple of
// 64 bytes and ended by '\n', then the raw little-endian values in C order.
#include <algorithm>
#include <cstring>

#include "core/binary_io.h"
#include "core/check.h"
#include "fheq/data.h"

namespace fheq {
namespace {

constexpr char kMagic[] = "\x93NUMPY";
constexpr size_t kMagicSize = 6;

enum class NpyDtype { kFloat32, kFloat64, kInt32, kInt64, kUint8 };

struct NpyContent {
  NpyDtype dtype;
  Shape shape;
  std::string_view data;  // exactly shape_size(shape) items
};

size_t item_size(NpyDtype dtype) {
  switch (dtype) {
    case NpyDtype::kFloat32: case NpyDtype::kInt32: return 4;
    case NpyDtype::kFloat64: case NpyDtype::kInt64: return 8;
    case NpyDtype::kUint8: return 1;
  }
  return 0;
}

// The quoted value after 'key': in the header dict, or the raw text up to the next ',' / '}' if unquoted.
std::string dict_value(const std::string& header, const std::string& key, const std::string& path) {
  const std::string quoted_key = "'" + key + "'";
  size_t at = header.find(quoted_key);
  FHEQ_REQUIRE(at != std::string::npos, path, ": npy header has no '", key, "' field: ", header);
  at = header.find(':', at + quoted_key.size());
  FHEQ_REQUIRE(at != std::string::npos, path, ": npy header field '", key, "' has no value");
  ++at;
  while (at < header.size() && header[at] == ' ') ++at;
  FHEQ_REQUIRE(at < header.size(), path, ": npy header field '", key, "' has no value");
  if (header[at] == '\'' || header[at] == '"') {
    const size_t close = header.find(header[at], at + 1);
    FHEQ_REQUIRE(close != std::string::npos, path, ": npy header field '", key, "' is an unterminated string");
    return header.substr(at + 1, close - at - 1);
  }
  if (header[at] == '(') {
    const size_t close = header.find(')', at);
    FHEQ_REQUIRE(close != std::string::npos, path, ": npy header field '", key, "' is an unterminated tuple");
    return header.substr(at, close - at + 1);
  }
  const size_t end = header.find_first_of(",}", at);
  return header.substr(at, end == std::string::npos ? std::string::npos : end - at);
}

Shape parse_shape(const std::string& tuple, const std::string& path) {
  Shape shape;
  std::string digits;
  for (size_t i = 1; i + 1 < tuple.size(); ++i) {
    const char c = tuple[i];
    if (c >= '0' && c <= '9') {
      digits += c;
    } else if (c == ',' || c == ' ' || c == 'L') {
      if (!digits.empty()) shape.push_back(std::stoll(digits));
      digits.clear();
    } else {
      FHEQ_THROW(path, ": npy shape ", tuple, " is not a tuple of integers");
    }
    FHEQ_REQUIRE(digits.size() <= 15, path, ": npy shape ", tuple, " has an implausible dimension");
  }
  if (!digits.empty()) shape.push_back(std::stoll(digits));
  return shape;
}

NpyContent parse_npy(const std::string& bytes, const std::string& path) {
  FHEQ_REQUIRE(bytes.size() >= kMagicSize + 4 && std::memcmp(bytes.data(), kMagic, kMagicSize) == 0, path,
               ": not a .npy file (missing the \\x93NUMPY magic)");
  const uint8_t major = static_cast<uint8_t>(bytes[6]);
  size_t header_length = 0;
  size_t header_start = 0;
  if (major == 1) {
    header_length = static_cast<uint8_t>(bytes[8]) | (size_t{static_cast<uint8_t>(bytes[9])} << 8);
    header_start = 10;
  } else if (major == 2 || major == 3) {
    FHEQ_REQUIRE(bytes.size() >= 12, path, ": truncated .npy preamble");
    for (int i = 3; i >= 0; --i) header_length = (header_length << 8) | static_cast<uint8_t>(bytes[8 + static_cast<size_t>(i)]);
    header_start = 12;
  } else {
    FHEQ_THROW(path, ": .npy format version ", int{major}, ".", int{static_cast<uint8_t>(bytes[7])},
               " is not supported (1.0, 2.0, 3.0)");
  }
  FHEQ_REQUIRE(bytes.size() >= header_start + header_length, path, ": truncated .npy header (needs ",
               header_start + header_length, " bytes, file has ", bytes.size(), ")");
  std::string header = bytes.substr(header_start, header_length);
  header.erase(header.find_last_not_of(" \n\r\t") + 1);  // padding; keeps error messages on one line
  std::replace(header.begin(), header.end(), '\n', ' ');

  NpyContent content;
  const std::string descr = dict_value(header, "descr", path);
  if (descr == "<f4") content.dtype = NpyDtype::kFloat32;
  else if (descr == "<f8") content.dtype = NpyDtype::kFloat64;
  else if (descr == "<i4") content.dtype = NpyDtype::kInt32;
  else if (descr == "<i8") content.dtype = NpyDtype::kInt64;
  else if (descr == "|u1" || descr == "<u1") content.dtype = NpyDtype::kUint8;
  else FHEQ_THROW(path, ": .npy dtype '", descr, "' is not supported (<f4 <f8 <i4 <i8 |u1, little-endian)");
  const std::string fortran = dict_value(header, "fortran_order", path);
  FHEQ_REQUIRE(fortran.find("False") != std::string::npos, path,
               ": .npy array is in Fortran order; save it C-contiguous (np.ascontiguousarray)");
  content.shape = parse_shape(dict_value(header, "shape", path), path);

  const uint64_t available = bytes.size() - header_start - header_length;
  // The element count is bounded by the bytes present before any product can overflow.
  uint64_t elements = 1;
  for (int64_t d : content.shape) {
    elements *= static_cast<uint64_t>(d);
    if (d != 0 && elements > available)
      FHEQ_THROW(path, ": .npy shape ", shape_to_string(content.shape), " needs more than the ", available,
                 " data bytes of the file (truncated or corrupt)");
  }
  const uint64_t expected = elements * item_size(content.dtype);
  FHEQ_REQUIRE(available == expected, path, ": .npy data is ", available, " bytes but shape ",
               shape_to_string(content.shape), " of ", descr, " needs ", expected,
               available < expected ? " (truncated)" : " (trailing bytes)");
  content.data = std::string_view(bytes).substr(header_start + header_length);
  return content;
}

template <typename Stored, typename Out>
void convert(std::string_view data, std::vector<Out>& out) {
  out.resize(data.size() / sizeof(Stored));
  for (size_t i = 0; i < out.size(); ++i) {
    Stored value;
    std::memcpy(&value, data.data() + i * sizeof(Stored), sizeof(Stored));  // x86-64 is little-endian
    out[i] = static_cast<Out>(value);
  }
}

std::string npy_bytes(const Shape& shape, const char* descr, const void* data, size_t data_size) {
  std::string dict = std::string("{'descr': '") + descr + "', 'fortran_order': False, 'shape': (";
  for (size_t i = 0; i < shape.size(); ++i) {
    dict += std::to_string(shape[i]);
    if (shape.size() == 1) dict += ",";  // Python's one-element tuple
    if (i + 1 < shape.size()) dict += ", ";
  }
  dict += "), }";
  // Pad with spaces so that magic + version + length + dict + '\n' is a multiple of 64 bytes.
  const size_t unpadded = kMagicSize + 2 + 2 + dict.size() + 1;
  dict.append((64 - unpadded % 64) % 64, ' ');
  dict += '\n';
  FHEQ_CHECK(dict.size() <= 65535, "npy header too long");
  std::string bytes(kMagic, kMagicSize);
  bytes += '\x01';
  bytes += '\x00';
  bytes += static_cast<char>(dict.size() & 0xff);
  bytes += static_cast<char>(dict.size() >> 8);
  bytes += dict;
  bytes.append(static_cast<const char*>(data), data_size);
  return bytes;
}

}  // namespace

FloatTensor read_npy(const std::string& path) {
  const std::string bytes = core::read_file(path);
  const NpyContent content = parse_npy(bytes, path);
  FloatTensor tensor;
  tensor.shape = content.shape;
  switch (content.dtype) {
    case NpyDtype::kFloat32: convert<float>(content.data, tensor.data); break;
    case NpyDtype::kFloat64: convert<double>(content.data, tensor.data); break;
    case NpyDtype::kInt32: convert<int32_t>(content.data, tensor.data); break;
    case NpyDtype::kInt64: convert<int64_t>(content.data, tensor.data); break;
    case NpyDtype::kUint8:
      // Raw 0-255 pixels fed to a model trained on scaled floats would be clamped to the calibrated range
      // without a word; the user converts explicitly instead.
      FHEQ_THROW(path, ": .npy holds uint8 values; models take floating-point inputs (save x.astype(np.float32), "
                 "scaled as in training, e.g. / 255)");
  }
  return tensor;
}

IntTensor read_npy_int(const std::string& path) {
  const std::string bytes = core::read_file(path);
  const NpyContent content = parse_npy(bytes, path);
  IntTensor tensor;
  tensor.shape = content.shape;
  switch (content.dtype) {
    case NpyDtype::kInt32: convert<int32_t>(content.data, tensor.data); break;
    case NpyDtype::kInt64: convert<int64_t>(content.data, tensor.data); break;
    case NpyDtype::kUint8: convert<uint8_t>(content.data, tensor.data); break;
    case NpyDtype::kFloat32: case NpyDtype::kFloat64:
      FHEQ_THROW(path, ": .npy holds floating-point values, expected an integer dtype (<i4 <i8 |u1)");
  }
  return tensor;
}

void write_npy(const std::string& path, const FloatTensor& tensor) {
  FHEQ_REQUIRE(tensor.size() == shape_size(tensor.shape), path, ": tensor has ", tensor.size(),
               " values for shape ", shape_to_string(tensor.shape));
  core::write_file_atomic(path, npy_bytes(tensor.shape, "<f8", tensor.data.data(), tensor.data.size() * sizeof(double)));
}

void write_npy(const std::string& path, const IntTensor& tensor) {
  FHEQ_REQUIRE(tensor.size() == shape_size(tensor.shape), path, ": tensor has ", tensor.size(),
               " values for shape ", shape_to_string(tensor.shape));
  core::write_file_atomic(path, npy_bytes(tensor.shape, "<i8", tensor.data.data(), tensor.data.size() * sizeof(int64_t)));
}

}  // namespace fheq
