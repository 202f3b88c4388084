// The id a server files evaluation keys under: the first 128 bits of their SHA-256 (FIPS 180-4), in hex. The
// client computes it too, so it uploads its keys only when the server does not hold them.
#pragma once

#include <string>

namespace fheq::serve {

std::string key_id_of(const std::string& evaluation_keys);
bool is_key_id(const std::string& text);  // 32 lowercase hex digits

}  // namespace fheq::serve
