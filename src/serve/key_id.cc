#include "serve/key_id.h"

#include <openssl/sha.h>

#include <algorithm>

namespace fheq::serve {

std::string key_id_of(const std::string& evaluation_keys) {
  unsigned char digest[SHA256_DIGEST_LENGTH];
  SHA256(reinterpret_cast<const unsigned char*>(evaluation_keys.data()), evaluation_keys.size(), digest);
  static const char hex[] = "0123456789abcdef";
  std::string id;
  for (int i = 0; i < 16; ++i) {
    id += hex[digest[i] >> 4];
    id += hex[digest[i] & 15];
  }
  return id;
}

bool is_key_id(const std::string& text) {
  return text.size() == 32 &&
         std::all_of(text.begin(), text.end(), [](char c) { return (c >= '0' && c <= '9') || (c >= 'a' && c <= 'f'); });
}

}  // namespace fheq::serve
