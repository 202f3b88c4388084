// Random mutations for the fuzz tests of file parsers: one byte overwritten, the bytes cut short, or an
// aligned 8-byte run set to an extreme value (0, 1, sizes around 2^31, 2^32, 2^63, all ones…), which is what
// a length, count or dimension field is most likely to break on.
#pragma once

#include <cstdint>
#include <fstream>
#include <iterator>
#include <random>
#include <string>

namespace fheq::test_support {

// A whole file's bytes ("" if it cannot be opened).
inline std::string file_bytes(const std::string& path) {
  std::ifstream f(path, std::ios::binary);
  return std::string((std::istreambuf_iterator<char>(f)), std::istreambuf_iterator<char>());
}

inline std::string mutate_bytes(const std::string& bytes, std::mt19937_64& rng) {
  std::string out = bytes;
  std::uniform_int_distribution<size_t> at(0, bytes.size() - 1);
  switch (rng() % 3) {
    case 0:
      out[at(rng)] = static_cast<char>(rng());
      break;
    case 1:
      out.resize(at(rng));
      break;
    default: {
      static const uint64_t extremes[] = {0, 1, 2, 63, 64, 65, uint64_t{1} << 31, uint64_t{1} << 32, uint64_t{1} << 40,
                                          uint64_t{1} << 62, uint64_t{1} << 63, ~uint64_t{0}, ~uint64_t{0} - 1,
                                          0x7f7f7f7f7f7f7f7f};
      const size_t pos = at(rng) & ~size_t{7};
      const uint64_t value = extremes[rng() % std::size(extremes)];
      for (size_t b = 0; b < 8 && pos + b < out.size(); ++b) out[pos + b] = static_cast<char>(value >> (8 * b));
    }
  }
  return out;
}

}  // namespace fheq::test_support
