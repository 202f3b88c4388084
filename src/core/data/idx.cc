// idx files (the MNIST / Fashion-MNIST format, http://yann.lecun.com/exdb/mnist/): a 4-byte magic
// 0x00 0x00 <type> <rank>, rank big-endian uint32 dims, then the values in row-major order.
#include <cstring>

#include "core/check.h"
#include "core/data/compressed_file.h"
#include "fheq/data.h"

namespace fheq {
namespace {

constexpr uint8_t kIdxTypeUnsignedByte = 0x08;

uint32_t read_big_endian_u32(const std::string& bytes, size_t offset) {
  uint32_t value = 0;
  for (size_t i = 0; i < 4; ++i) value = (value << 8) | static_cast<uint8_t>(bytes[offset + i]);
  return value;
}

}  // namespace

IdxArray read_idx_ubyte(const std::string& path) {
  const std::string bytes = core::read_maybe_gzipped_file(path);
  FHEQ_REQUIRE(bytes.size() >= 4, path, ": idx file of ", bytes.size(), " bytes is shorter than its 4-byte magic");
  FHEQ_REQUIRE(bytes[0] == 0 && bytes[1] == 0, path, ": not an idx file (magic must start with two zero bytes)");
  const uint8_t type = static_cast<uint8_t>(bytes[2]);
  FHEQ_REQUIRE(type == kIdxTypeUnsignedByte, path, ": idx value type 0x", std::hex, int{type},
               " is not supported (only 0x08, unsigned byte)");
  const size_t rank = static_cast<uint8_t>(bytes[3]);
  FHEQ_REQUIRE(rank >= 1, path, ": idx rank is 0");
  const size_t header_size = 4 + 4 * rank;
  FHEQ_REQUIRE(bytes.size() >= header_size, path, ": truncated idx header (", bytes.size(), " bytes, expected ",
               header_size, ")");
  IdxArray array;
  uint64_t count = 1;
  for (size_t d = 0; d < rank; ++d) {
    const uint32_t dim = read_big_endian_u32(bytes, 4 + 4 * d);
    array.shape.push_back(dim);
    count *= dim;
    FHEQ_REQUIRE(count <= (uint64_t{1} << 40), path, ": idx shape ", shape_to_string(array.shape), " is implausibly large");
  }
  const uint64_t available = bytes.size() - header_size;
  FHEQ_REQUIRE(available >= count, path, ": truncated idx data: shape ", shape_to_string(array.shape), " needs ",
               count, " bytes, file has ", available);
  FHEQ_REQUIRE(available == count, path, ": idx data has ", available - count, " trailing bytes after shape ",
               shape_to_string(array.shape));
  array.data.assign(bytes.begin() + static_cast<std::ptrdiff_t>(header_size), bytes.end());
  return array;
}

FloatTensor load_idx_images(const std::string& path) {
  IdxArray array = read_idx_ubyte(path);
  FHEQ_REQUIRE(array.shape.size() == 3, path, ": idx images must have rank 3 [N, rows, cols], got shape ",
               shape_to_string(array.shape));
  FloatTensor images({array.shape[0], 1, array.shape[1], array.shape[2]});
  // float32 arithmetic on purpose: identical to NumPy's pixels.astype(float32) / float32(255).
  for (size_t i = 0; i < array.data.size(); ++i)
    images.data[i] = static_cast<double>(static_cast<float>(array.data[i]) / 255.0f);
  return images;
}

std::vector<int64_t> load_idx_labels(const std::string& path) {
  IdxArray array = read_idx_ubyte(path);
  FHEQ_REQUIRE(array.shape.size() == 1, path, ": idx labels must have rank 1 [N], got shape ",
               shape_to_string(array.shape));
  return std::vector<int64_t>(array.data.begin(), array.data.end());
}

}  // namespace fheq
