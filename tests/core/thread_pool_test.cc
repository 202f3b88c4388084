#include "core/thread_pool.h"

#include <atomic>
#include <stdexcept>
#include <vector>

#include <gtest/gtest.h>

namespace fheq::core {
namespace {

TEST(ThreadPool, VisitsEveryIndexExactlyOnce) {
  ThreadPool pool(4);
  std::vector<std::atomic<int>> hits(1000);
  pool.parallel_for(0, hits.size(), [&](size_t i) { hits[i]++; });
  for (auto& h : hits) EXPECT_EQ(h.load(), 1);
}

TEST(ThreadPool, RethrowsTheFirstException) {
  ThreadPool pool(2);
  EXPECT_THROW(pool.parallel_for(0, 100, [](size_t i) { if (i == 37) throw std::runtime_error("boom"); }),
               std::runtime_error);
  // The pool stays usable after an exception.
  std::atomic<int> sum{0};
  pool.parallel_for(0, 10, [&](size_t i) { sum += static_cast<int>(i); });
  EXPECT_EQ(sum.load(), 45);
}

TEST(ThreadPool, NestedParallelForRunsSerially) {
  ThreadPool pool(2);
  std::atomic<int> count{0};
  pool.parallel_for(0, 8, [&](size_t) { pool.parallel_for(0, 8, [&](size_t) { count++; }); });
  EXPECT_EQ(count.load(), 64);
}

}  // namespace
}  // namespace fheq::core
