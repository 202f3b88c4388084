// AES-128-CTR generator: NIST vectors, determinism, forks, and bit statistics.
#include "common/test_seed.h"
#include <gtest/gtest.h>

#include <cmath>
#include <cstdio>
#include <cstdlib>
#include <random>
#include <cstring>
#include <set>
#include <string>
#include <vector>

#include "tfhe/commons/csprng.h"

namespace fheq::tfhe {
namespace {

using ::fheq::test_support::test_seed;

Seed seed_from_test(uint64_t s) {
  std::mt19937_64 rng(s);
  Seed seed;
  for (auto& b : seed) b = static_cast<uint8_t>(rng());
  return seed;
}

std::vector<uint8_t> from_hex(const std::string& hex) {
  std::vector<uint8_t> out;
  for (size_t i = 0; i + 1 < hex.size(); i += 2) out.push_back(static_cast<uint8_t>(std::stoi(hex.substr(i, 2), nullptr, 16)));
  return out;
}

TEST(Csprng, KeystreamMatchesNistSp80038aCtrAes128) {
  // NIST SP 800-38A, F.5.1 CTR-AES128.Encrypt: ciphertext = plaintext XOR keystream, the counter
  // block starting at f0f1f2f3f4f5f6f7 || f8f9fafbfcfdfeff (= our nonce || first block counter).
  const auto key = from_hex("2b7e151628aed2a6abf7158809cf4f3c");
  const auto plaintext = from_hex(
      "6bc1bee22e409f96e93d7e117393172aae2d8a571e03ac9c9eb76fac45af8e51"
      "30c81c46a35ce411e5fbc1191a0a52eff69f2445df4f9b17ad2b417be66c3710");
  const auto ciphertext = from_hex(
      "874d6191b620e3261bef6864990db6ce9806f66b7970fdff8617187bb9fffdff"
      "5ae4df3edbd5d35e5b4f09020db03eab1e031dda2fbe03d1792170a0f3009cee");
  Seed seed;
  std::copy(key.begin(), key.end(), seed.begin());
  Csprng rng(seed, 0xf0f1f2f3f4f5f6f7ULL, 0xf8f9fafbfcfdfeffULL);
  std::vector<uint8_t> keystream(64);
  rng.fill_bytes(keystream.data(), 5);  // odd split: the stream must not depend on request sizes
  rng.fill_bytes(keystream.data() + 5, 59);
  for (size_t i = 0; i < 64; ++i) EXPECT_EQ(plaintext[i] ^ keystream[i], ciphertext[i]) << "byte " << i;
}

TEST(Csprng, StreamIsIndependentOfRequestSizes) {
  const Seed seed = seed_from_test(test_seed());
  Csprng one(seed), many(seed);
  std::vector<uint8_t> whole(100000), pieces(100000);
  one.fill_bytes(whole.data(), whole.size());
  std::mt19937_64 sizes(7);
  size_t pos = 0;
  while (pos < pieces.size()) {
    const size_t take = std::min<size_t>(sizes() % 40000 + 1, pieces.size() - pos);
    many.fill_bytes(pieces.data() + pos, take);
    pos += take;
  }
  EXPECT_EQ(whole, pieces);
  // next_u64 / fill_u64 read the same stream as little-endian 64-bit words.
  Csprng words(seed);
  uint64_t first = words.next_u64(), rest[3];
  words.fill_u64(rest, 3);
  uint64_t expected[4];
  std::memcpy(expected, whole.data(), sizeof expected);
  EXPECT_EQ(first, expected[0]);
  EXPECT_EQ(rest[0], expected[1]);
  EXPECT_EQ(rest[2], expected[3]);
}

TEST(Csprng, NonceAndSeedSelectDifferentStreams) {
  const Seed seed = seed_from_test(test_seed());
  Seed other = seed;
  other[0] ^= 1;
  Csprng a(seed, 0), b(seed, 1), c(other, 0);
  EXPECT_NE(a.next_u64(), b.next_u64());
  EXPECT_NE(Csprng(seed, 0).next_u64(), c.next_u64());
}

TEST(Csprng, ForksAreReproducibleOrderIndependentAndDistinct) {
  const Seed seed = seed_from_test(test_seed());
  Csprng parent(seed);
  const uint64_t child3_first = parent.fork(3).next_u64();
  // Consuming the parent or taking other forks first must not change fork(3).
  for (int i = 0; i < 1000; ++i) parent.next_u64();
  Csprng other_parent(seed);
  const uint64_t child7_first = other_parent.fork(7).next_u64();
  EXPECT_EQ(other_parent.fork(3).next_u64(), child3_first);
  EXPECT_EQ(parent.fork(3).next_u64(), child3_first);
  EXPECT_NE(child7_first, child3_first);
  std::set<uint64_t> firsts;
  for (uint64_t i = 0; i < 100; ++i) firsts.insert(parent.fork(i).next_u64());
  EXPECT_EQ(firsts.size(), 100u);
  EXPECT_NE(parent.fork(0).seed(), seed);
  EXPECT_NE(Csprng(seed, 1).fork(3).next_u64(), child3_first);  // the nonce takes part too
}

TEST(Csprng, BitsAreBalanced) {
  // Each of the 64 bit positions over n words is Binomial(n, 1/2): |ones − n/2| ≤ 5·sqrt(n)/2
  // fails with probability < 64·6e-7 for a true random source.
  const Seed seed = seed_from_test(test_seed());
  Csprng rng(seed);
  const size_t n = 1 << 16;
  std::vector<uint64_t> words(n);
  rng.fill_u64(words.data(), n);
  const double limit = 5 * std::sqrt(static_cast<double>(n)) / 2;
  for (int bit = 0; bit < 64; ++bit) {
    size_t ones = 0;
    for (uint64_t w : words) ones += (w >> bit) & 1;
    EXPECT_LE(std::fabs(static_cast<double>(ones) - n / 2.0), limit) << "bit " << bit;
  }
  std::vector<uint64_t> binary(n + 3);  // not a multiple of 8
  rng.fill_binary(binary.data(), binary.size());
  size_t ones = 0;
  for (uint64_t b : binary) {
    ASSERT_LE(b, 1u);
    ones += b;
  }
  EXPECT_LE(std::fabs(static_cast<double>(ones) - binary.size() / 2.0), 5 * std::sqrt(static_cast<double>(binary.size())) / 2);
}

TEST(Csprng, OsSeedsDiffer) {
  // Two 128-bit OS seeds collide with probability 2^-128.
  EXPECT_NE(seed_from_os(), seed_from_os());
}

}  // namespace
}  // namespace fheq::tfhe
