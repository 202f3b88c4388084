#include "core/binary_io.h"

#include <filesystem>
#include <string>

#include <gtest/gtest.h>

namespace fheq::core {
namespace {

std::string temp_path(const std::string& name) {
  return (std::filesystem::temp_directory_path() / ("fheq_test_" + name)).string();
}

TEST(BinaryIo, ContainerRoundTrip) {
  std::string path = temp_path("container.bin");
  ContainerHeader h{"FHEQTEST", 3, "test-kind"};
  BinaryWriter w;
  w.u64(42);
  w.str("hello");
  w.pod_vector(std::vector<int32_t>{1, -2, 3});
  write_container_file(path, h, w.buffer());
  std::string payload = read_container_file(path, h);
  BinaryReader r(payload, path);
  EXPECT_EQ(r.u64("a"), 42u);
  EXPECT_EQ(r.str("b"), "hello");
  EXPECT_EQ(r.pod_vector<int32_t>("c"), (std::vector<int32_t>{1, -2, 3}));
  EXPECT_EQ(r.remaining(), 0u);
  std::filesystem::remove(path);
}

TEST(BinaryIo, RejectsTruncatedCorruptAndMismatched) {
  std::string path = temp_path("container2.bin");
  ContainerHeader h{"FHEQTEST", 1, "kind-a"};
  write_container_file(path, h, std::string(100, 'x'));
  std::string good = read_file(path);

  write_file_atomic(path, good.substr(0, good.size() - 5));
  EXPECT_THROW(read_container_file(path, h), Error);

  std::string corrupt = good;
  corrupt[40] ^= 1;
  write_file_atomic(path, corrupt);
  try {
    read_container_file(path, h);
    FAIL() << "corrupt file accepted";
  } catch (const Error& e) {
    EXPECT_NE(std::string(e.what()).find("checksum"), std::string::npos) << e.what();
  }

  write_file_atomic(path, good);
  EXPECT_THROW(read_container_file(path, ContainerHeader{"FHEQTEST", 1, "kind-b"}), Error);
  EXPECT_THROW(read_container_file(path, ContainerHeader{"FHEQTEST", 2, "kind-a"}), Error);
  EXPECT_THROW(read_container_file(path, ContainerHeader{"OTHERMAG", 1, "kind-a"}), Error);
  std::filesystem::remove(path);
}

TEST(BinaryIo, ReaderRejectsOverlongVector) {
  BinaryWriter w;
  w.u64(1000);  // claims 1000 elements, provides none
  BinaryReader r(w.buffer(), "mem");
  EXPECT_THROW(r.pod_vector<uint64_t>("v"), Error);
}

}  // namespace
}  // namespace fheq::core
