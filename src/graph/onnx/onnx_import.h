// ONNX → Graph: loads with libonnx, runs the ONNX checker and shape inference, imports
// initializers and nodes (one small handler per operator), then simplifies (fold Constant,
// Identity, Dropout; fold BatchNormalization into the preceding Conv/Gemm where possible).
#pragma once

#include <string>

#include "graph/graph.h"

namespace fheq::graph {

// Throws fheq::Error with one line naming the file, and the node/op/opset when relevant:
// unreadable or truncated file, checker failure, unsupported operator, unsupported attribute.
Graph load_onnx(const std::string& path);
Graph load_onnx_from_bytes(const std::string& bytes, const std::string& source_name);
// Same, with explicit simplification options (e.g. to compare folded and unfolded BatchNorm).
Graph load_onnx(const std::string& path, const ImportOptions& options);
Graph load_onnx_from_bytes(const std::string& bytes, const std::string& source_name, const ImportOptions& options);

}  // namespace fheq::graph
