#include "core/binary_io.h"

#include <cerrno>
#include <cstdio>
#include <filesystem>
#include <fstream>
#include <sstream>
#include <unistd.h>

#include "core/check.h"

namespace fheq::core {

uint64_t fnv1a64(const void* data, size_t size, uint64_t hash) {
  const auto* p = static_cast<const unsigned char*>(data);
  for (size_t i = 0; i < size; ++i) {
    hash ^= p[i];
    hash *= 0x100000001b3ull;
  }
  return hash;
}

void BinaryWriter::bytes(const void* data, size_t size) {
  buffer_.append(static_cast<const char*>(data), size);
}

void BinaryWriter::str(std::string_view s) {
  u64(s.size());
  bytes(s.data(), s.size());
}

void BinaryReader::fail(const char* field, const std::string& what) const {
  FHEQ_THROW(source_, ": field '", field, "' at byte ", pos_, ": ", what);
}

void BinaryReader::bytes(void* out, size_t size, const char* field) {
  if (size > remaining()) fail(field, "file is truncated (needs " + std::to_string(size) + " bytes, " + std::to_string(remaining()) + " left)");
  std::memcpy(out, data_.data() + pos_, size);
  pos_ += size;
}

std::string BinaryReader::str(const char* field) {
  uint64_t n = u64(field);
  if (n > remaining()) fail(field, "string length " + std::to_string(n) + " exceeds the data left");
  std::string s(data_.substr(pos_, n));
  pos_ += n;
  return s;
}

void write_file_atomic(const std::string& path, std::string_view content) {
  std::string tmp = path + ".tmp." + std::to_string(::getpid());
  {
    std::ofstream out(tmp, std::ios::binary | std::ios::trunc);
    if (!out) FHEQ_THROW(path, ": cannot open for writing: ", std::strerror(errno));
    out.write(content.data(), static_cast<std::streamsize>(content.size()));
    out.flush();
    if (!out) {
      std::error_code ignored;
      std::filesystem::remove(tmp, ignored);
      FHEQ_THROW(path, ": write failed");
    }
  }
  std::error_code ec;
  std::filesystem::rename(tmp, path, ec);
  if (ec) {
    std::filesystem::remove(tmp, ec);
    FHEQ_THROW(path, ": cannot move the finished file into place");
  }
}

std::string read_file(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  if (!in) FHEQ_THROW(path, ": cannot open: ", std::strerror(errno));
  std::ostringstream ss;
  ss << in.rdbuf();
  return ss.str();
}

void write_container_file(const std::string& path, const ContainerHeader& header, const std::string& payload) {
  FHEQ_CHECK(header.magic.size() == 8, header.magic);
  BinaryWriter w;
  w.bytes(header.magic.data(), 8);
  w.pod<uint32_t>(header.version);
  w.str(header.kind);
  w.u64(payload.size());
  w.bytes(payload.data(), payload.size());
  w.u64(fnv1a64(payload.data(), payload.size()));
  write_file_atomic(path, w.buffer());
}

std::string read_container_file(const std::string& path, const ContainerHeader& expected) {
  std::string data = read_file(path);
  BinaryReader r(data, path);
  char magic[8];
  if (data.size() < 8) FHEQ_THROW(path, ": not an fheq ", expected.kind, " file (", data.size(), " bytes, too short)");
  r.bytes(magic, 8, "magic");
  if (std::string(magic, 8) != expected.magic)
    FHEQ_THROW(path, ": not an fheq ", expected.kind, " file (bad magic)");
  auto version = r.pod<uint32_t>("version");
  if (version != expected.version)
    FHEQ_THROW(path, ": format version ", version, " is not supported (expected ", expected.version, ")");
  std::string kind = r.str("kind");
  if (kind != expected.kind) FHEQ_THROW(path, ": holds '", kind, "', expected '", expected.kind, "'");
  uint64_t size = r.u64("payload size");
  if (size + 8 != r.remaining())
    FHEQ_THROW(path, ": file is truncated or has trailing bytes (payload ", size, " bytes, ", r.remaining(), " left)");
  std::string payload(size, '\0');
  r.bytes(payload.data(), size, "payload");
  uint64_t sum = r.u64("checksum");
  if (sum != fnv1a64(payload.data(), payload.size())) FHEQ_THROW(path, ": checksum mismatch (file is corrupt)");
  return payload;
}

}  // namespace fheq::core
