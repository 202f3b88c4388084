// Clear execution of an IntegerGraph: int64 arithmetic only, bit-exact to what FHE computes in exact mode.
// run_integer_* is the fast path (thread pool over the batch, hoisted loops); run_integer_*_ref is its
// slow, obviously correct twin (integer_executor_ref.cc). tests/quant/integer_executor_test.cc demands
// they agree exactly.
#pragma once

#include <vector>

#include "fheq/tensor.h"
#include "quant/integer_graph.h"

namespace fheq::quant {

// Every value of the graph for a batch [N, input shape...] (index = ValueId); values not yet computed
// are empty tensors. Throws fheq::Error when the input shape does not match the graph input.
std::vector<IntTensor> run_integer_graph_all(const IntegerGraph& graph, const IntTensor& input,
                                             const ClearRunOptions& options = {});
// Runs kClearRunChunkSamples samples at a time (same result as one batch: every op is per sample).
inline constexpr int64_t kClearRunChunkSamples = 256;
IntTensor run_integer_graph(const IntegerGraph& graph, const IntTensor& input, const ClearRunOptions& options = {});
// Computes one op from the values it reads (all already in `values`), storing its output in `values`.
void run_integer_op(const IntegerGraph& graph, const IntOp& op, std::vector<IntTensor>& values,
                    const ClearRunOptions& options = {});

std::vector<IntTensor> run_integer_graph_all_ref(const IntegerGraph& graph, const IntTensor& input,
                                                 const ClearRunOptions& options = {});
IntTensor run_integer_graph_ref(const IntegerGraph& graph, const IntTensor& input, const ClearRunOptions& options = {});
void run_integer_op_ref(const IntegerGraph& graph, const IntOp& op, std::vector<IntTensor>& values,
                        const ClearRunOptions& options = {});

// Shared by both executors: checks `input` against the graph input shape (fheq::Error if wrong).
void check_integer_input(const IntegerGraph& graph, const IntTensor& input);

}  // namespace fheq::quant
