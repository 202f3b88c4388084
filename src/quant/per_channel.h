// Weight quantization per tensor or per output channel (docs/QUANTIZATION.md §5).
// Per channel: one QuantParams per index along `axis` (axis 0 for Gemm/Conv weights [out, ...] as ONNX
// stores them; Gemm with transB = 0 has its outputs on axis 1). Weights default to symmetric signed codes
// (Z = 0), which removes the Zw·Σqx term of the integer matmul (Jacob et al. 2018, eq. 7).
#pragma once

#include <vector>

#include "fheq/quantizer.h"
#include "fheq/tensor.h"

namespace fheq::quant {

QuantOptions default_weight_options();  // {is_signed = true, is_symmetric = true, is_narrow = false}

// `axis` may be negative (counted from the end, like ONNX). Throws fheq::Error naming the shape if it is
// out of range or the tensor is empty.
int64_t normalize_axis(const Shape& shape, int64_t axis);

// Min/max of the whole tensor → one QuantParams.
QuantParams per_tensor_params(const FloatTensor& weights, int n_bits, const QuantOptions& options = default_weight_options());

// Min/max of each slice weights[..., c, ...] along `axis` → QuantParams for channel c.
std::vector<QuantParams> per_channel_params(const FloatTensor& weights, int64_t axis, int n_bits,
                                            const QuantOptions& options = default_weight_options());

// Element i of a row-major tensor lies in channel (i / inner) % shape[axis], inner = Π shape[axis+1..].
IntTensor quantize_per_channel(const FloatTensor& weights, int64_t axis, const std::vector<QuantParams>& params);
FloatTensor dequantize_per_channel(const IntTensor& codes, int64_t axis, const std::vector<QuantParams>& params);

}  // namespace fheq::quant
