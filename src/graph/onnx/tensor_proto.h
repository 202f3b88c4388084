// Conversions from ONNX protobuf messages to the graph IR: tensors (initializers, Constant
// values, tensor attributes), node attributes and value shapes.
#pragma once

#include <string>

#include <onnx/onnx_pb.h>

#include "graph/graph.h"

namespace fheq::graph::onnx_import {

// Any numeric TensorProto (float, double, float16, bfloat16, (u)int8/16/32/64, bool) as a
// FloatTensor; `context` prefixes error messages. External data is rejected.
FloatTensor tensor_from_proto(const onnx::TensorProto& proto, const std::string& context);

// One node attribute; graphs, sparse tensors and type protos are rejected.
AttributeValue attribute_from_proto(const onnx::AttributeProto& attr, const std::string& context);

// Shape of a tensor-typed ValueInfo: dim_value where known, -1 where symbolic or absent.
// Sets `has_shape` to false when the value carries no shape at all.
Shape shape_from_value_info(const onnx::ValueInfoProto& info, bool& has_shape);

}  // namespace fheq::graph::onnx_import
