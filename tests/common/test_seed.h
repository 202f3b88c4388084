// The seed of a randomized test: FHEQ_TEST_SEED when set (to replay a failure), otherwise fresh from the
// OS. Printed either way, so every failing run can be replayed.
#pragma once

#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <random>

namespace fheq::test_support {

inline uint64_t test_seed(const char* label = nullptr) {
  const char* env = std::getenv("FHEQ_TEST_SEED");
  const uint64_t seed = env ? std::strtoull(env, nullptr, 10) : (uint64_t{std::random_device{}()} << 32) ^ std::random_device{}();
  if (label)
    std::printf("[ seed ] %s: FHEQ_TEST_SEED=%llu\n", label, static_cast<unsigned long long>(seed));
  else
    std::printf("[ seed ] FHEQ_TEST_SEED=%llu\n", static_cast<unsigned long long>(seed));
  std::fflush(stdout);
  return seed;
}

}  // namespace fheq::test_support
