// The in-memory twins of the runtime files (fheq::Client / fheq::Server *_bytes): the bytes are the files', the
// server's result on bytes is the result on files, and malformed or misdirected bytes get the files' one-line errors.
#include <gtest/gtest.h>

#include <cstring>
#include <filesystem>
#include <string>

#include "api_fixture.h"
#include "core/binary_io.h"
#include "fheq/fheq.h"

namespace fheq {
namespace {

namespace fs = std::filesystem;
using namespace testing;  // api_fixture.h: Fixture, make_fixture, client_with_keys, bytes_of, expect_error

TEST(BytesApi, BytesAreTheFilesAndTheServerComputesTheSameOnBoth) {
  Fixture f = make_fixture("bytes");
  Client client = client_with_keys(f);
  const fs::path secret = f.dir / "secret.key", eval = f.dir / "eval.keys";
  client.save_keys(secret.string(), eval.string());
  EXPECT_EQ(client.evaluation_keys_bytes(), bytes_of(eval));

  // One ciphertext, carried once as a file and once as bytes: the server's results are the same bytes.
  const FloatTensor x = slice_batch(f.test.x, 0, 3);
  const std::string in_bytes = client.encrypt_to_bytes(x);
  const fs::path in = f.dir / "IN.ct", out = f.dir / "OUT.ct";
  core::write_file_atomic(in.string(), in_bytes);
  const Server from_file = Server::load(f.art, eval.string(), f.toy);
  const ServerRunReport file_report = from_file.run(in.string(), out.string());
  const Server from_bytes = Server::load_from_key_bytes(f.art, client.evaluation_keys_bytes(), f.toy);
  ServerRunReport bytes_report;
  const std::string out_bytes = from_bytes.run_bytes(in_bytes, &bytes_report);
  EXPECT_EQ(out_bytes, bytes_of(out));
  EXPECT_EQ(bytes_report.pbs, file_report.pbs);
  EXPECT_EQ(bytes_report.samples, 3);
  EXPECT_EQ(bytes_report.output_file_bytes, static_cast<double>(out_bytes.size()));

  // Decrypting the bytes is decrypting the file; a client that reloaded the secret key reads them too.
  EXPECT_EQ(client.decrypt_accumulators_from_bytes(out_bytes).data, client.decrypt_accumulators(out.string()).data);
  Client reloaded = Client::load(f.art, f.toy);
  reloaded.load_secret_key(secret.string());
  EXPECT_EQ(reloaded.decrypt_from_bytes(out_bytes).data, client.decrypt(out.string()).data);
  fs::remove_all(f.dir);
}

TEST(BytesApi, SecretKeysAndMalformedBytesAreRefusedInOneLine) {
  Fixture f = make_fixture("bytes_errors");
  Client client = client_with_keys(f);
  const fs::path secret = f.dir / "secret.key", eval = f.dir / "eval.keys";
  client.save_keys(secret.string(), eval.string());
  expect_error([&] { (void)Server::load_from_key_bytes(f.art, bytes_of(secret), f.toy); }, "SECRET key");
  expect_error([&] { (void)Server::load_from_key_bytes(f.art, "", f.toy); }, "evaluation-key bytes");
  std::string keys = client.evaluation_keys_bytes();
  keys[keys.size() / 2] ^= 1;
  expect_error([&] { (void)Server::load_from_key_bytes(f.art, keys, f.toy); }, "checksum mismatch");

  const Server server = Server::load_from_key_bytes(f.art, client.evaluation_keys_bytes(), f.toy);
  const std::string in = client.encrypt_to_bytes(slice_batch(f.test.x, 0, 1));
  expect_error([&] { (void)server.run_bytes("not a ciphertext"); }, "ciphertext bytes: not an fheq");
  expect_error([&] { (void)server.run_bytes(in.substr(0, in.size() - 9)); }, "ciphertext bytes: file is truncated");
  expect_error([&] { (void)server.run_bytes(bytes_of(secret)); }, "secret key");
  // A header cut 3 bytes after the payload size, announcing 2^64 − 5 bytes: size + 8 wraps to the 3 bytes left,
  // so a check written as size + 8 ≠ remaining would pass and allocate 2^64 − 5 bytes. Refused in one line.
  const size_t size_at = 8 + 4 + 8 + std::string("input-ciphertexts").size();
  std::string forged = in.substr(0, size_at + 8 + 3);
  const uint64_t wraps = ~uint64_t{0} - 4;
  std::memcpy(forged.data() + size_at, &wraps, 8);
  expect_error([&] { (void)server.run_bytes(forged); }, "truncated or has trailing bytes");
  // Input ciphertexts handed to decrypt: refused by kind.
  expect_error([&] { (void)client.decrypt_from_bytes(in); }, "ciphertext bytes: holds 'input-ciphertexts'");
  fs::remove_all(f.dir);
}

}  // namespace
}  // namespace fheq
