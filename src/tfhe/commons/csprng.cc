// AES-128-CTR keystream generator (NIST SP 800-38A §6.5) through OpenSSL EVP, which uses AES-NI.
#include "tfhe/commons/csprng.h"

#include <openssl/evp.h>
#include <openssl/sha.h>
#include <sys/random.h>

#include <algorithm>
#include <cerrno>
#include <cstring>
#include <vector>

#include "core/check.h"
#include "core/secret_memory.h"

namespace fheq::tfhe {

namespace {

// Keystream is produced in blocks of this many bytes: one EVP call amortises its overhead
// over 1024 AES blocks (AES-NI pipelines them).
constexpr size_t kBufferBytes = 16 * 1024;

void store_big_endian(uint64_t v, uint8_t* out) {
  for (int i = 7; i >= 0; --i) {
    out[i] = static_cast<uint8_t>(v);
    v >>= 8;
  }
}

}  // namespace

Seed seed_from_os() {
  Seed seed{};
  size_t filled = 0;
  while (filled < seed.size()) {
    const ssize_t got = getrandom(seed.data() + filled, seed.size() - filled, 0);
    if (got < 0) {
      if (errno == EINTR) continue;
      FHEQ_THROW("getrandom(2): cannot read seed from the OS: ", std::strerror(errno));
    }
    filled += static_cast<size_t>(got);
  }
  return seed;
}

struct Csprng::Impl {
  EVP_CIPHER_CTX* ctx = nullptr;
  std::vector<uint8_t> zeros = std::vector<uint8_t>(kBufferBytes, 0);
  core::SecretVector<uint8_t> buffer = core::SecretVector<uint8_t>(kBufferBytes);  // keystream: wiped when freed
  size_t position = kBufferBytes;  // next unread byte of `buffer`; kBufferBytes = empty

  Impl(const Seed& key, uint64_t nonce, uint64_t first_block) {
    ctx = EVP_CIPHER_CTX_new();
    FHEQ_CHECK(ctx != nullptr, "EVP_CIPHER_CTX_new failed");
    // Initial counter block = nonce || block counter, both big-endian (SP 800-38A's standard
    // incrementing function then counts in the low bytes).
    uint8_t iv[16];
    store_big_endian(nonce, iv);
    store_big_endian(first_block, iv + 8);
    const int ok = EVP_EncryptInit_ex(ctx, EVP_aes_128_ctr(), nullptr, key.data(), iv);
    FHEQ_CHECK(ok == 1, "EVP_EncryptInit_ex(aes-128-ctr) failed");
  }
  ~Impl() { EVP_CIPHER_CTX_free(ctx); }
  Impl(const Impl&) = delete;
  Impl& operator=(const Impl&) = delete;

  // Encrypting zeros in CTR mode yields the raw keystream.
  void keystream(uint8_t* out, size_t size) {
    while (size > 0) {
      const int chunk = static_cast<int>(std::min(size, kBufferBytes));
      int written = 0;
      const int ok = EVP_EncryptUpdate(ctx, out, &written, zeros.data(), chunk);
      FHEQ_CHECK(ok == 1 && written == chunk, "EVP_EncryptUpdate failed");
      out += chunk;
      size -= static_cast<size_t>(chunk);
    }
  }

  void refill() {
    keystream(buffer.data(), kBufferBytes);
    position = 0;
  }

  void fill(uint8_t* out, size_t size) {
    // Drain what is buffered first, so the stream is the same whatever the request sizes.
    const size_t buffered = std::min(size, kBufferBytes - position);
    std::memcpy(out, buffer.data() + position, buffered);
    position += buffered;
    out += buffered;
    size -= buffered;
    if (size == 0) return;
    // Large requests: whole buffer-sized chunks straight into the caller's memory.
    const size_t direct = size / kBufferBytes * kBufferBytes;
    if (direct > 0) {
      keystream(out, direct);
      out += direct;
      size -= direct;
    }
    if (size > 0) {
      refill();
      std::memcpy(out, buffer.data(), size);
      position = size;
    }
  }
};

Csprng::Csprng(const Seed& seed, uint64_t nonce) : Csprng(seed, nonce, 0) {}

Csprng::Csprng(const Seed& seed, uint64_t nonce, uint64_t first_block)
    : impl_(std::make_unique<Impl>(seed, nonce, first_block)), seed_(seed), nonce_(nonce) {}

Csprng::~Csprng() { core::wipe(seed_.data(), seed_.size()); }
Csprng::Csprng(Csprng&&) noexcept = default;
Csprng& Csprng::operator=(Csprng&&) noexcept = default;

void Csprng::fill_bytes(uint8_t* out, size_t size) { impl_->fill(out, size); }

uint64_t Csprng::next_u64() {
  uint64_t v;
  impl_->fill(reinterpret_cast<uint8_t*>(&v), sizeof v);
  return v;
}

void Csprng::fill_u64(uint64_t* out, size_t count) {
  impl_->fill(reinterpret_cast<uint8_t*>(out), count * sizeof(uint64_t));
}

void Csprng::fill_binary(uint64_t* out, size_t count) {
  // One keystream bit per key bit: each byte yields 8 independent uniform bits.
  uint8_t bytes[256];
  size_t done = 0;
  while (done < count) {
    const size_t take = std::min<size_t>((count - done + 7) / 8, sizeof bytes);
    impl_->fill(bytes, take);
    for (size_t i = 0; i < take * 8 && done < count; ++i) out[done++] = (bytes[i / 8] >> (i % 8)) & 1u;
  }
}

Csprng Csprng::fork(uint64_t index) const {
  // child seed = SHA-256("fheq.csprng.fork" || parent seed || nonce || index)[0..16).
  // A hash (rather than another AES block under the parent key) keeps forks out of the parent's
  // keystream space whatever nonces callers use, and depends only on (seed, nonce, index): the
  // order in which forks are taken, or how much of the parent was consumed, does not matter.
  static constexpr char kDomain[] = "fheq.csprng.fork";
  uint8_t message[sizeof(kDomain) - 1 + 16 + 8 + 8];
  std::memcpy(message, kDomain, sizeof(kDomain) - 1);
  std::memcpy(message + sizeof(kDomain) - 1, seed_.data(), 16);
  store_big_endian(nonce_, message + sizeof(kDomain) - 1 + 16);
  store_big_endian(index, message + sizeof(kDomain) - 1 + 24);
  uint8_t digest[SHA256_DIGEST_LENGTH];
  unsigned int digest_size = 0;
  const int ok = EVP_Digest(message, sizeof message, digest, &digest_size, EVP_sha256(), nullptr);
  FHEQ_CHECK(ok == 1 && digest_size == SHA256_DIGEST_LENGTH, "EVP_Digest(sha256) failed");
  Seed child;
  std::memcpy(child.data(), digest, child.size());
  return Csprng(child, 0);
}

}  // namespace fheq::tfhe
