// TensorProto / AttributeProto decoding (https://github.com/onnx/onnx/blob/main/onnx/onnx.proto).
#include "graph/onnx/tensor_proto.h"

#include <cmath>
#include <cstring>

#include "core/check.h"

namespace fheq::graph::onnx_import {
namespace {

// IEEE half → double.
double half_to_double(uint16_t h) {
  const int sign = (h >> 15) & 1, exponent = (h >> 10) & 0x1f, mantissa = h & 0x3ff;
  double value;
  if (exponent == 0) value = std::ldexp(mantissa, -24);
  else if (exponent == 31) value = mantissa ? std::nan("") : INFINITY;
  else value = std::ldexp(mantissa + 1024, exponent - 25);
  return sign ? -value : value;
}

double bfloat16_to_double(uint16_t b) {
  uint32_t bits = static_cast<uint32_t>(b) << 16;
  float f;
  std::memcpy(&f, &bits, sizeof f);
  return f;
}

// Little-endian raw_data of `count` elements of type T.
template <typename T>
std::vector<T> raw_values(const std::string& raw, int64_t count, const std::string& context) {
  FHEQ_REQUIRE(raw.size() == static_cast<size_t>(count) * sizeof(T), context, ": raw_data has ", raw.size(),
               " bytes, expected ", count * static_cast<int64_t>(sizeof(T)));
  std::vector<T> values(static_cast<size_t>(count));
  if (count > 0) std::memcpy(values.data(), raw.data(), raw.size());
  return values;
}

template <typename T, typename Field>
std::vector<double> to_double(const Field& field) {
  std::vector<double> out;
  out.reserve(static_cast<size_t>(field.size()));
  for (const auto& v : field) out.push_back(static_cast<double>(static_cast<T>(v)));
  return out;
}

template <typename T>
std::vector<double> widen(const std::vector<T>& values) {
  return std::vector<double>(values.begin(), values.end());
}

}  // namespace

FloatTensor tensor_from_proto(const onnx::TensorProto& proto, const std::string& context) {
  FHEQ_REQUIRE(proto.data_location() != onnx::TensorProto::EXTERNAL, context,
               ": tensor stored as external data is not supported (save the model with its weights inline)");
  Shape shape(proto.dims().begin(), proto.dims().end());
  for (int64_t d : shape) FHEQ_REQUIRE(d >= 0, context, ": negative dim in tensor shape");
  const int64_t count = shape_size(shape);
  const bool raw = proto.has_raw_data();
  const std::string& bytes = proto.raw_data();
  std::vector<double> values;
  using TP = onnx::TensorProto;
  switch (proto.data_type()) {
    case TP::FLOAT:
      values = raw ? widen(raw_values<float>(bytes, count, context)) : to_double<float>(proto.float_data());
      break;
    case TP::DOUBLE:
      values = raw ? raw_values<double>(bytes, count, context) : to_double<double>(proto.double_data());
      break;
    case TP::INT64:
      values = raw ? widen(raw_values<int64_t>(bytes, count, context)) : to_double<int64_t>(proto.int64_data());
      break;
    case TP::UINT64:
      values = raw ? widen(raw_values<uint64_t>(bytes, count, context)) : to_double<uint64_t>(proto.uint64_data());
      break;
    case TP::INT32:
      values = raw ? widen(raw_values<int32_t>(bytes, count, context)) : to_double<int32_t>(proto.int32_data());
      break;
    case TP::UINT32:
      values = raw ? widen(raw_values<uint32_t>(bytes, count, context)) : to_double<uint32_t>(proto.uint64_data());
      break;
    // Types narrower than 32 bits are stored widened in int32_data when not raw.
    case TP::INT16:
      values = raw ? widen(raw_values<int16_t>(bytes, count, context)) : to_double<int16_t>(proto.int32_data());
      break;
    case TP::UINT16:
      values = raw ? widen(raw_values<uint16_t>(bytes, count, context)) : to_double<uint16_t>(proto.int32_data());
      break;
    case TP::INT8:
      values = raw ? widen(raw_values<int8_t>(bytes, count, context)) : to_double<int8_t>(proto.int32_data());
      break;
    case TP::UINT8:
    case TP::BOOL:
      values = raw ? widen(raw_values<uint8_t>(bytes, count, context)) : to_double<uint8_t>(proto.int32_data());
      break;
    case TP::FLOAT16:
    case TP::BFLOAT16: {
      std::vector<uint16_t> halves = raw ? raw_values<uint16_t>(bytes, count, context)
                                         : std::vector<uint16_t>(proto.int32_data().begin(), proto.int32_data().end());
      for (uint16_t h : halves)
        values.push_back(proto.data_type() == TP::FLOAT16 ? half_to_double(h) : bfloat16_to_double(h));
      break;
    }
    default:
      FHEQ_THROW(context, ": tensor data type ", TP::DataType_Name(static_cast<TP::DataType>(proto.data_type())),
                 " is not supported");
  }
  FHEQ_REQUIRE(static_cast<int64_t>(values.size()) == count, context, ": tensor holds ", values.size(),
               " values, its shape ", shape_to_string(shape), " needs ", count);
  return FloatTensor(shape, std::move(values));
}

AttributeValue attribute_from_proto(const onnx::AttributeProto& attr, const std::string& context) {
  const std::string where = context + ": attribute '" + attr.name() + "'";
  switch (attr.type()) {
    case onnx::AttributeProto::INT:
      return static_cast<int64_t>(attr.i());
    case onnx::AttributeProto::FLOAT:
      return static_cast<double>(attr.f());
    case onnx::AttributeProto::STRING:
      return attr.s();
    case onnx::AttributeProto::INTS:
      return std::vector<int64_t>(attr.ints().begin(), attr.ints().end());
    case onnx::AttributeProto::FLOATS:
      return std::vector<double>(attr.floats().begin(), attr.floats().end());
    case onnx::AttributeProto::TENSOR:
      return tensor_from_proto(attr.t(), where);
    default:
      FHEQ_THROW(where, ": attribute type ",
                 onnx::AttributeProto::AttributeType_Name(attr.type()), " is not supported");
  }
}

Shape shape_from_value_info(const onnx::ValueInfoProto& info, bool& has_shape) {
  has_shape = info.type().has_tensor_type() && info.type().tensor_type().has_shape();
  Shape shape;
  if (!has_shape) return shape;
  for (const auto& dim : info.type().tensor_type().shape().dim())
    shape.push_back(dim.has_dim_value() && dim.dim_value() > 0 ? dim.dim_value() : -1);
  return shape;
}

}  // namespace fheq::graph::onnx_import
