// Whole-file reads that decompress gzip transparently (zlib's gzread passes plain files through unchanged).
#pragma once

#include <string>

namespace fheq::core {

// The file's bytes, gunzipped if it is gzip. Throws fheq::Error naming the file if it cannot be opened or
// the compressed stream is corrupt or truncated.
std::string read_maybe_gzipped_file(const std::string& path);

}  // namespace fheq::core
