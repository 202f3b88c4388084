#include "compiler/exact_rounding_plan.h"

#include <algorithm>
#include <limits>

#include "compiler/fhe_circuit.h"
#include "core/check.h"

namespace fheq::compiler {

std::vector<uint32_t> plan_exact_chunks(int64_t k, uint32_t max_chunk_bits) {
  FHEQ_CHECK(k >= 0 && k <= 62, "rounding shift ", k);
  if (k == 0) return {};
  const uint32_t limit = std::max<uint32_t>(1, max_chunk_bits);
  // Dynamic programme over the bits covered: best[i] = (cost, largest chunk) of covering i bits.
  struct Best {
    int64_t cost = std::numeric_limits<int64_t>::max();
    uint32_t largest = 0;
    uint32_t last = 0;  // size of the chunk ending at i
  };
  const auto n = static_cast<size_t>(k);
  std::vector<Best> best(n + 1);
  best[0].cost = 0;
  for (size_t i = 1; i <= n; ++i)
    for (uint32_t m = 1; m <= limit && m <= i; ++m) {
      const Best& from = best[i - m];
      if (from.cost == std::numeric_limits<int64_t>::max()) continue;
      const int64_t cost = from.cost + exact_chunk_reads(m);
      const uint32_t largest = std::max(from.largest, m);
      if (cost < best[i].cost || (cost == best[i].cost && largest < best[i].largest))
        best[i] = Best{cost, largest, m};
    }
  std::vector<uint32_t> chunks;
  for (size_t i = n; i > 0; i -= best[i].last) chunks.push_back(best[i].last);
  std::sort(chunks.begin(), chunks.end());  // smaller chunks first (any order clears the same bits)
  return chunks;
}

int64_t exact_rounding_reads(const std::vector<uint32_t>& chunk_bits) {
  int64_t reads = 0;
  for (uint32_t m : chunk_bits) reads += exact_chunk_reads(m);
  return reads;
}

std::vector<ExactRead> exact_rounding_read_list(uint32_t precision, int64_t k, const std::vector<uint32_t>& chunk_bits) {
  std::vector<ExactRead> reads;
  const auto total = static_cast<uint32_t>(precision + k);
  uint32_t b = 0;
  int64_t outputs = 0;  // PBS outputs subtracted from c so far (one per chunk)
  for (size_t i = 0; i < chunk_bits.size(); ++i) {
    const uint32_t m = chunk_bits[i];
    FHEQ_CHECK(m >= 1 && b + m <= k, "chunk ", i, " of ", m, " bits at ", b, " for k = ", k);
    if (m == 1) {
      reads.push_back(ExactRead{ExactRead::Kind::kBit, i, b, m, total - b, 1, 0, outputs});
    } else {
      reads.push_back(ExactRead{ExactRead::Kind::kSign, i, b, m, total - b - m, m, m, outputs});
      reads.push_back(ExactRead{ExactRead::Kind::kValue, i, b, m, total - b - m, m, m, outputs + 1});
    }
    ++outputs;
    b += m;
  }
  FHEQ_CHECK(b == k, "chunks cover ", b, " of ", k, " bits");
  return reads;
}

bool uses_exact_chunks(const TluEncoding& t) {
  return t.rounding == quant::RoundingMode::kExact && t.rounding_shift > 0;
}

}  // namespace fheq::compiler
