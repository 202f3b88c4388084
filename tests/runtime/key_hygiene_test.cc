// Key hygiene and files a careless user or an attacker hands the runtime (issue #14): the secret key is private
// to its owner; keygen writes both key files or neither; the key-pair id makes mismatched keys and
// ciphertexts a one-line error instead of wrong results; empty or misshapen inputs are refused before any work.
#include <gtest/gtest.h>

#include <sys/stat.h>

#include <filesystem>
#include <fstream>
#include <string>

#include "core/binary_io.h"
#include "fheq/fheq.h"
#include "runtime/ciphertext_file.h"
#include "api_fixture.h"

namespace fheq {
namespace {

using testing::bytes_of;
using testing::client_with_keys;
using testing::expect_error;
using testing::Fixture;
using testing::make_fixture;
namespace fs = std::filesystem;

TEST(KeyHygiene, SecretKeyIsOwnerOnlyAndKeyPairsMustMatch) {
  Fixture f = make_fixture("pairs");
  Client a = client_with_keys(f), b = client_with_keys(f);
  const fs::path a_secret = f.dir / "A.secret", a_eval = f.dir / "A.eval";
  const fs::path b_secret = f.dir / "B.secret", b_eval = f.dir / "B.eval";
  a.save_keys(a_secret.string(), a_eval.string());
  b.save_keys(b_secret.string(), b_eval.string());

  struct stat st {};
  ASSERT_EQ(::stat(a_secret.c_str(), &st), 0);
  EXPECT_EQ(st.st_mode & 0777, 0600u) << "secret key mode " << std::oct << (st.st_mode & 0777);
  ASSERT_EQ(::stat(a_eval.c_str(), &st), 0);
  const mode_t umask_now = ::umask(0);
  ::umask(umask_now);
  EXPECT_EQ(st.st_mode & 0777, 0644u & ~umask_now) << "evaluation keys mode " << std::oct << (st.st_mode & 0777);
  a.save_secret_key((f.dir / "A2.secret").string());
  ASSERT_EQ(::stat((f.dir / "A2.secret").c_str(), &st), 0);
  EXPECT_EQ(st.st_mode & 0777, 0600u);

  const std::string in = (f.dir / "IN.ct").string(), out = (f.dir / "OUT.ct").string();
  a.encrypt(slice_batch(f.test.x, 0, 2), in);
  // A's ciphertexts with B's evaluation keys: refused by the server, naming the input file.
  const Server server_b = Server::load(f.art, b_eval.string(), f.toy);
  expect_error([&] { server_b.run(in, out); }, "IN.ct: made with key pair");
  EXPECT_FALSE(fs::exists(out));
  // With A's keys it runs; B's secret key then refuses A's output, naming it.
  const Server server_a = Server::load(f.art, a_eval.string(), f.toy);
  server_a.run(in, out);
  expect_error([&] { b.decrypt(out); }, "OUT.ct: made with key pair");
  EXPECT_EQ(a.decrypt_accumulators(out).dim(0), 2);
  // A secret key reloaded from its file keeps its pair: it decrypts A's output.
  Client a2 = Client::load(f.art, f.toy);
  a2.load_secret_key(a_secret.string());
  EXPECT_EQ(a2.decrypt_accumulators(out).data, a.decrypt_accumulators(out).data);
  fs::remove_all(f.dir);
}

TEST(KeyHygiene, KeygenWritesBothFilesOrNeither) {
  Fixture f = make_fixture("atomic");
  Client first = client_with_keys(f), second = client_with_keys(f);
  const fs::path secret = f.dir / "secret.key", eval = f.dir / "eval.keys";
  first.save_keys(secret.string(), eval.string());
  const std::string old_secret = bytes_of(secret), old_eval = bytes_of(eval);
  // The evaluation keys cannot be written (their directory does not exist): the old secret key stays.
  expect_error([&] { second.save_keys(secret.string(), (f.dir / "missing" / "eval.keys").string()); }, "eval.keys");
  EXPECT_EQ(bytes_of(secret), old_secret);
  EXPECT_EQ(bytes_of(eval), old_eval);
  for (const auto& entry : fs::directory_iterator(f.dir))
    EXPECT_EQ(entry.path().filename().string().find(".tmp."), std::string::npos) << entry.path();
  fs::remove_all(f.dir);
}

TEST(KeyHygiene, EmptyAndMisshapenInputsAreRefusedBeforeAnyWork) {
  Fixture f = make_fixture("inputs");
  Client client = client_with_keys(f);
  const fs::path secret = f.dir / "secret.key", eval = f.dir / "eval.keys";
  client.save_keys(secret.string(), eval.string());
  expect_error([&] { client.encrypt(slice_batch(f.test.x, 0, 0), (f.dir / "E.ct").string()); }, "no samples");
  EXPECT_FALSE(fs::exists(f.dir / "E.ct"));

  // A file that announces 0 samples (written through the runtime's own serializer) is refused when read.
  const std::string in = (f.dir / "IN.ct").string();
  client.encrypt(slice_batch(f.test.x, 0, 1), in);
  const std::string container = core::read_file(in);
  const Server server = Server::load(f.art, eval.string(), f.toy);
  {
    std::string payload = core::read_container_file(in, {runtime::kCiphertextMagic, runtime::kCiphertextFileVersion,
                                                         "input-ciphertexts"});
    // Header: circuit fingerprint u64, key-pair id u64, batch i64.
    const int64_t zero = 0;
    std::memcpy(payload.data() + 16, &zero, sizeof zero);
    core::write_container_file(in, {runtime::kCiphertextMagic, runtime::kCiphertextFileVersion, "input-ciphertexts"},
                               payload);
    expect_error([&] { server.run(in, (f.dir / "OUT.ct").string()); }, "no samples");
  }
  {
    // A sample shape other than the circuit's (the count still matches the ciphertexts): refused, naming the
    // file, before the seeds are expanded.
    std::string payload = core::read_container_file(in, {runtime::kCiphertextMagic, runtime::kCiphertextFileVersion,
                                                         "input-ciphertexts"});
    const int64_t one = 1;
    std::memcpy(payload.data() + 16, &one, sizeof one);
    // rank u64 then the dims: digits' input is [64]; announce [8, 8].
    const uint64_t rank = 2;
    const int64_t eight = 8;
    std::string reshaped = payload.substr(0, 24);
    reshaped.append(reinterpret_cast<const char*>(&rank), 8);
    reshaped.append(reinterpret_cast<const char*>(&eight), 8);
    reshaped.append(reinterpret_cast<const char*>(&eight), 8);
    reshaped.append(payload.substr(24 + 8 + 8));
    core::write_container_file(in, {runtime::kCiphertextMagic, runtime::kCiphertextFileVersion, "input-ciphertexts"},
                               reshaped);
    expect_error([&] { server.run(in, (f.dir / "OUT.ct").string()); }, "samples of shape [8, 8]");
  }
  EXPECT_FALSE(fs::exists(f.dir / "OUT.ct"));
  fs::remove_all(f.dir);
}

}  // namespace
}  // namespace fheq
