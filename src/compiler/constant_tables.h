// Constant tables: a TLU whose every table holds one value c over its whole domain outputs c for every
// accumulator (the clear executors clamp to the domain; the compiled window pads with the end values), so its
// PBSs compute nothing. The rounding search makes such TLUs: a max chain's difference table kept at 1 bit is
// relu over {−1, 0} and rounds to 0 everywhere. They become a clear constant, with no PBS.
#pragma once

#include <cstddef>
#include <cstdint>
#include <functional>
#include <optional>
#include <vector>

#include "quant/integer_graph.h"

namespace fheq::compiler {

// The one value every entry of every table of `op` holds, if there is one.
std::optional<int64_t> constant_table_value(const quant::TluOp& op);

// Replaces, in place, each constant TLU of `graph` for which allowed(op index) holds by an IndexMap that
// fills its output with the constant (label "ConstantTLU"; its source is the TLU's input, read for the
// ciphertext dimension only). Op indices and value ids do not change, so the clear run of the graph is the same
// computation before and after. Returns the indices of the replaced ops.
std::vector<size_t> fold_constant_tables(quant::IntegerGraph& graph, const std::function<bool(size_t)>& allowed);

}  // namespace fheq::compiler
