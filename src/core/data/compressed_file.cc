#include "core/data/compressed_file.h"

#include <zlib.h>

#include "core/check.h"

namespace fheq::core {

std::string read_maybe_gzipped_file(const std::string& path) {
  gzFile file = gzopen(path.c_str(), "rb");
  FHEQ_REQUIRE(file != nullptr, path, ": cannot open file");
  std::string content;
  char buffer[1 << 16];
  int got = 0;
  while ((got = gzread(file, buffer, sizeof(buffer))) > 0) content.append(buffer, static_cast<size_t>(got));
  int error_code = Z_OK;
  const char* message = got < 0 ? gzerror(file, &error_code) : nullptr;
  const std::string error_text = message ? message : "";
  gzclose(file);
  FHEQ_REQUIRE(got >= 0, path, ": corrupt or truncated compressed data (zlib: ", error_text, ")");
  return content;
}

}  // namespace fheq::core
