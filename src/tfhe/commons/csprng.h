// Cryptographically secure pseudo-random generator: AES-128 in counter mode
// (as tfhe-rs's seeded generators), through OpenSSL EVP so AES-NI is used.
// Seeds come from the OS (getrandom). A generator can be forked into independent
// child streams so key generation can run in parallel reproducibly.
#pragma once

#include <array>
#include <cstddef>
#include <cstdint>
#include <memory>

namespace fheq::tfhe {

using Seed = std::array<uint8_t, 16>;  // the AES-128 key of the stream

// 16 bytes from getrandom(2); throws fheq::Error if the OS cannot provide them.
Seed seed_from_os();

class Csprng {
 public:
  // The keystream is AES-128-CTR(key = seed, counter block = nonce || 64-bit block counter)
  // starting at block 0: identical seeds give identical streams (for seeded ciphertexts/keys).
  explicit Csprng(const Seed& seed, uint64_t nonce = 0);
  // Same stream started at block `first_block` instead of 0 (to replay a stream from a known
  // counter, e.g. the NIST SP 800-38A CTR test vectors).
  Csprng(const Seed& seed, uint64_t nonce, uint64_t first_block);
  ~Csprng();
  Csprng(Csprng&&) noexcept;
  Csprng& operator=(Csprng&&) noexcept;

  void fill_bytes(uint8_t* out, size_t size);
  uint64_t next_u64();
  void fill_u64(uint64_t* out, size_t count);   // uniform torus elements (masks)
  void fill_binary(uint64_t* out, size_t count); // uniform {0,1} (binary secret keys)

  // Child stream `index` of this generator: a new generator (nonce 0) whose seed is
  // SHA-256(domain tag || seed || nonce || index) truncated to 16 bytes, so forks are reproducible,
  // independent of the order in which they are taken and of how much of this stream was consumed.
  Csprng fork(uint64_t index) const;

  const Seed& seed() const { return seed_; }

 private:
  struct Impl;
  std::unique_ptr<Impl> impl_;
  Seed seed_;
  uint64_t nonce_;
};

}  // namespace fheq::tfhe
