// Per-operator import rules: which ONNX operators fheq accepts and what each requires beyond
// what its float kernel checks (mostly: operands that must be constants so the encrypted
// pipeline can treat them as clear values). One small rule per operator or family.
#pragma once

#include <string>

#include "graph/graph.h"

namespace fheq::graph::onnx_import {

bool is_supported_op(const std::string& op_type);

// Throws fheq::Error "FILE: node 'NAME' (OP, opset N): ..." when `node` breaks a rule.
// Runs after simplification (so constants computed from constants count as constants).
void check_node_rules(const Graph& graph, const Node& node);

}  // namespace fheq::graph::onnx_import
