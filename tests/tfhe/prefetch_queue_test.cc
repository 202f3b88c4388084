// The blind rotation's key prefetching bookkeeping (detail::PrefetchQueue / PrefetchCursor): a cursor
// walks the queued ranges line by line, prefetch_lines lines per tick, across cursors (one per
// transform loop), stops when the ranges are exhausted and counts every tick. Prefetches themselves
// have no observable effect, so the positions are what is checked.
#include <gtest/gtest.h>

#include <vector>

#include "tfhe/fft/fft_kernel.h"

namespace fheq::tfhe::detail {
namespace {

TEST(PrefetchQueue, CursorWalksEveryRangeInOrderAcrossLoopsAndStops) {
  std::vector<char> a(5 * 64), b(2 * 64 + 10), c(3 * 64);  // b does not end on a line boundary
  PrefetchQueue& queue = prefetch_queue;
  queue.clear();
  queue.add(a.data(), a.size());
  queue.add(b.data(), b.size());
  queue.add(c.data(), c.size());
  const size_t saved_lines = prefetch_lines;
  prefetch_lines = 2;
  {
    PrefetchCursor loop;  // first loop: 2 ticks = 4 lines of a
    ASSERT_TRUE(loop.active());
    loop.tick();
    loop.tick();
  }
  EXPECT_EQ(queue.range, 0u);
  EXPECT_EQ(queue.cursor, a.data() + 4 * 64);
  EXPECT_EQ(queue.ticks, 2u);
  {
    PrefetchCursor loop;  // second loop: a's last line + b's first, then b's second and third (partial)
    loop.tick();
    EXPECT_EQ(queue.range, 1u);
    loop.tick();
  }
  EXPECT_EQ(queue.range, 1u);
  EXPECT_EQ(queue.cursor, b.data() + 3 * 64);  // past b's partial last line
  {
    PrefetchCursor loop;  // third loop: all of c, then nothing
    for (int t = 0; t < 5; ++t) loop.tick();
    EXPECT_FALSE(loop.active());
  }
  EXPECT_EQ(queue.range, queue.count);
  EXPECT_EQ(queue.ticks, 9u);
  {
    PrefetchCursor loop;  // an exhausted queue gives inactive cursors
    EXPECT_FALSE(loop.active());
    loop.tick();
  }
  EXPECT_EQ(queue.ticks, 10u);
  queue.clear();
  {
    PrefetchCursor loop;  // and so does an empty one
    EXPECT_FALSE(loop.active());
  }
  prefetch_lines = saved_lines;
}

}  // namespace
}  // namespace fheq::tfhe::detail
