// A float neural network loaded from ONNX, with its double-precision reference executor.
//   auto model = fheq::FloatModel::load("mlp.onnx");
//   fheq::FloatTensor logits = model.run(batch);   // batch: [N, ...input_shape without the batch dim]
#pragma once

#include <cstdint>
#include <memory>
#include <string>
#include <vector>

#include "fheq/tensor.h"

namespace fheq {

namespace graph {
struct Graph;  // internal IR (src/graph/graph.h)
}

class FloatModel {
 public:
  // One line of the op list: a node and the shape of its (first) output, batch dim = -1.
  struct OpSummary {
    std::string name;
    std::string op_type;
    Shape output_shape;
    bool client_side = false;  // Softmax / LogSoftmax tail, applied by the client after decryption
  };

  // Loads, checks and simplifies an ONNX file. Throws fheq::Error naming the file (and node).
  static FloatModel load(const std::string& path);

  // Runs a batch through the float reference (double precision, parallel over the batch).
  // Single-input, single-output models only; the first dim of `batch` is the batch size.
  FloatTensor run(const FloatTensor& batch) const;

  const std::string& source() const;
  int64_t opset() const;
  const std::string& input_name() const;
  Shape input_shape() const;    // with -1 for a dynamic batch dim
  Shape output_shape() const;
  std::vector<OpSummary> ops() const;
  // Multi-line human-readable listing: inputs, ops with output shapes, outputs, op counts.
  std::string summary() const;

  // The underlying IR for the other layers (quantizer, compiler).
  const graph::Graph& graph() const;

  FloatModel(FloatModel&&) noexcept;
  FloatModel& operator=(FloatModel&&) noexcept;
  ~FloatModel();

 private:
  explicit FloatModel(std::unique_ptr<graph::Graph> graph);
  std::unique_ptr<graph::Graph> graph_;
};

}  // namespace fheq
