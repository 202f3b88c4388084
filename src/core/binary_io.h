// Versioned binary files: little-endian fields, a magic, a format version, and a
// checksum over the payload, so truncated or corrupt files are rejected with a clear message.
#pragma once

#include <cstdint>
#include <cstring>
#include <string>
#include <string_view>
#include <vector>

#include "core/secret_memory.h"
#include "fheq/error.h"

namespace fheq::core {

// 64-bit FNV-1a: detects accidental corruption (not an authenticator).
uint64_t fnv1a64(const void* data, size_t size, uint64_t hash = 0xcbf29ce484222325ull);

class BinaryWriter {
 public:
  void bytes(const void* data, size_t size);
  template <typename T>
  void pod(const T& value) { bytes(&value, sizeof(T)); }
  void u64(uint64_t v) { pod(v); }
  void i64(int64_t v) { pod(v); }
  void f64(double v) { pod(v); }
  void str(std::string_view s);
  template <typename T>
  void pod_vector(const std::vector<T>& v) {
    u64(v.size());
    bytes(v.data(), v.size() * sizeof(T));
  }
  const std::string& buffer() const { return buffer_; }
  std::string& mutable_buffer() { return buffer_; }  // to wipe secrets (core::wipe)
  void reserve(size_t bytes) { buffer_.reserve(bytes); }

 private:
  std::string buffer_;
};

// Reads fields back; every read checks the remaining size and throws fheq::Error naming `source`.
class BinaryReader {
 public:
  BinaryReader(std::string_view data, std::string source) : data_(data), source_(std::move(source)) {}
  void bytes(void* out, size_t size, const char* field);
  template <typename T>
  T pod(const char* field) {
    T v;
    bytes(&v, sizeof(T), field);
    return v;
  }
  uint64_t u64(const char* field) { return pod<uint64_t>(field); }
  int64_t i64(const char* field) { return pod<int64_t>(field); }
  double f64(const char* field) { return pod<double>(field); }
  std::string str(const char* field);
  template <typename T>
  std::vector<T> pod_vector(const char* field, uint64_t max_count = (1ull << 36)) {
    uint64_t n = u64(field);
    if (n > max_count || n * sizeof(T) > remaining()) fail(field, "length " + std::to_string(n) + " exceeds the data left");
    std::vector<T> v(n);
    bytes(v.data(), n * sizeof(T), field);
    return v;
  }
  size_t remaining() const { return data_.size() - pos_; }
  const std::string& source() const { return source_; }
  [[noreturn]] void fail(const char* field, const std::string& what) const;

 private:
  std::string_view data_;
  size_t pos_ = 0;
  std::string source_;
};

// Container format written by write_container_file:
//   magic (8 bytes) | format version u32 | kind string | payload size u64 | payload | fnv1a64(payload) u64
struct ContainerHeader {
  std::string magic;    // exactly 8 characters, e.g. "FHEQKEY1"
  uint32_t version = 1;
  std::string kind;     // e.g. "secret-key", "eval-keys", "ciphertexts"
};

// Who may read a written file: kOwnerOnly (0600) for secret keys, else 0644 (less the umask).
enum class FileAccess { kShared, kOwnerOnly };

// Writes atomically: to a new "path.tmp.<pid>.<n>" (O_EXCL) then rename, so no partial file is ever left at `path`.
void write_container_file(const std::string& path, const ContainerHeader& header, const std::string& payload,
                          FileAccess access = FileAccess::kShared);
// The container's bytes (what write_container_file writes).
std::string container_bytes(const ContainerHeader& header, const std::string& payload);
// Reads and validates magic, version, kind, size and checksum; returns the payload.
std::string read_container_file(const std::string& path, const ContainerHeader& expected);
// The same for a container held in memory (bytes from a socket, a queue, Python); errors name `source`.
std::string read_container_bytes(std::string_view data, const ContainerHeader& expected, const std::string& source);

// Atomic whole-file helpers (temp file + rename).
void write_file_atomic(const std::string& path, std::string_view content, FileAccess access = FileAccess::kShared);

// Several files that belong together (a secret key and its evaluation keys): all are written to temporaries first,
// and renamed into place only when every one is complete, so a failed write leaves every old file as it was.
struct FileToWrite {
  std::string path;
  std::string_view content;
  FileAccess access = FileAccess::kShared;
};
void write_files_atomic(const std::vector<FileToWrite>& files);
std::string read_file(const std::string& path);



}  // namespace fheq::core
