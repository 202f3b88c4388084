#include "core/binary_io.h"

#include <fcntl.h>
#include <sys/stat.h>

#include <atomic>
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
  if (size == 0) return;  // `out` may be the null data() of an empty vector
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

namespace {

// A temporary name beside `path` that no other writer (thread or process) uses.
std::string temp_name(const std::string& path) {
  static std::atomic<uint64_t> counter{0};
  return path + ".tmp." + std::to_string(::getpid()) + "." + std::to_string(counter.fetch_add(1));
}

// Writes `content` to a new file `tmp` (O_EXCL: never through an existing file or link), mode 0600 for secrets.
void write_new_file(const std::string& tmp, const std::string& path, std::string_view content, FileAccess access) {
  const mode_t mode = access == FileAccess::kOwnerOnly ? 0600 : 0644;
  const int fd = ::open(tmp.c_str(), O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, mode);
  if (fd < 0) FHEQ_THROW(path, ": cannot open for writing: ", std::strerror(errno));
  size_t done = 0;
  while (done < content.size()) {
    const ssize_t n = ::write(fd, content.data() + done, content.size() - done);
    if (n < 0 && errno == EINTR) continue;
    if (n <= 0) {
      const int err = errno;
      ::close(fd);
      ::unlink(tmp.c_str());
      FHEQ_THROW(path, ": write failed: ", std::strerror(err));
    }
    done += static_cast<size_t>(n);
  }
  if (::close(fd) != 0) {
    const int err = errno;
    ::unlink(tmp.c_str());
    FHEQ_THROW(path, ": write failed: ", std::strerror(err));
  }
}

}  // namespace

void write_file_atomic(const std::string& path, std::string_view content, FileAccess access) {
  write_files_atomic({FileToWrite{path, content, access}});
}

void write_files_atomic(const std::vector<FileToWrite>& files) {
  std::vector<std::string> temps;
  auto remove_temps = [&] {
    for (const std::string& t : temps) ::unlink(t.c_str());
  };
  try {
    for (const FileToWrite& f : files) {
      temps.push_back(temp_name(f.path));
      write_new_file(temps.back(), f.path, f.content, f.access);
    }
  } catch (...) {
    temps.pop_back();  // write_new_file removed its own temp
    remove_temps();
    throw;
  }
  // Every file is complete before the first rename, so a failure above leaves all the old files untouched.
  for (size_t i = 0; i < files.size(); ++i) {
    if (std::rename(temps[i].c_str(), files[i].path.c_str()) != 0) {
      const int err = errno;
      temps.erase(temps.begin(), temps.begin() + static_cast<std::ptrdiff_t>(i));
      remove_temps();
      FHEQ_THROW(files[i].path, ": cannot move the finished file into place: ", std::strerror(err));
    }
  }
}

std::string read_file(const std::string& path) {
  std::error_code ec;
  if (std::filesystem::is_directory(path, ec)) FHEQ_THROW(path, ": is a directory, not a file");
  std::ifstream in(path, std::ios::binary);
  if (!in) FHEQ_THROW(path, ": cannot open: ", std::strerror(errno));
  std::ostringstream ss;
  ss << in.rdbuf();
  return ss.str();
}

std::string container_bytes(const ContainerHeader& header, const std::string& payload) {
  FHEQ_CHECK(header.magic.size() == 8, header.magic);
  BinaryWriter w;
  w.reserve(payload.size() + header.kind.size() + 64);  // one allocation: no stale copy of a secret payload
  w.bytes(header.magic.data(), 8);
  w.pod<uint32_t>(header.version);
  w.str(header.kind);
  w.u64(payload.size());
  w.bytes(payload.data(), payload.size());
  w.u64(fnv1a64(payload.data(), payload.size()));
  return std::move(w.mutable_buffer());
}

void write_container_file(const std::string& path, const ContainerHeader& header, const std::string& payload,
                          FileAccess access) {
  write_file_atomic(path, container_bytes(header, payload), access);
}

std::string read_container_file(const std::string& path, const ContainerHeader& expected) {
  std::string data = read_file(path);
  const WipeOnExit wipe_data(data);  // the file may be a secret key: no copy of it outlives this call
  return read_container_bytes(data, expected, path);
}

std::string read_container_bytes(std::string_view data, const ContainerHeader& expected, const std::string& source) {
  BinaryReader r(data, source);
  char magic[8];
  if (data.size() < 8)
    FHEQ_THROW(source, ": not an fheq ", expected.kind, " file (", data.size(), " bytes, too short)");
  r.bytes(magic, 8, "magic");
  if (std::string(magic, 8) != expected.magic)
    FHEQ_THROW(source, ": not an fheq ", expected.kind, " file (bad magic)");
  auto version = r.pod<uint32_t>("version");
  if (version != expected.version)
    FHEQ_THROW(source, ": format version ", version, " is not supported (expected ", expected.version, ")");
  std::string kind = r.str("kind");
  if (kind != expected.kind) FHEQ_THROW(source, ": holds '", kind, "', expected '", expected.kind, "'");
  uint64_t size = r.u64("payload size");
  if (size > r.remaining() || r.remaining() - size != 8)  // (size + 8 could wrap for a forged size)
    FHEQ_THROW(source, ": file is truncated or has trailing bytes (payload ", size, " bytes, ", r.remaining(),
               " left)");
  std::string payload(size, '\0');
  r.bytes(payload.data(), size, "payload");
  uint64_t sum = r.u64("checksum");
  if (sum != fnv1a64(payload.data(), payload.size())) FHEQ_THROW(source, ": checksum mismatch (file is corrupt)");
  return payload;
}

}  // namespace fheq::core
