// Offline datasets and array files: Fashion-MNIST idx files, scikit-learn CSVs, NumPy .npy.
//
// THE RULES THE PYTHON SCRIPTS (models/datasets.py) MIRROR — change both sides together:
//  * Features are computed as NumPy float32 values, then widened to double, so our inputs are bit-identical to
//    the float32 tensors torch saw:
//      - Fashion-MNIST: x = float32(pixel) / float32(255)  (pixel ∈ 0..255 → [0, 1]), shape [N, 1, 28, 28];
//      - digits:        x = float32(count / 16)            (count ∈ 0..16 → [0, 1]), shape [N, 64];
//      - iris, wine, breast-cancer: x = float32(raw CSV value), unscaled, shape [N, n_features].
//  * Splits: Fashion-MNIST uses its own files (train: 60000, test "t10k": 10000). The scikit-learn sets have no
//    split, so, with NO shuffle: sample i (0-based row of the CSV) is TEST if i % 5 == 4, otherwise TRAIN
//    (digits: 1438 train / 359 test; iris 120/30; wine 143/35; breast-cancer 456/113).
//  * Labels are the integer class ids (last CSV column; idx label bytes), as int64.
#pragma once

#include <cstdint>
#include <string>
#include <vector>

#include "fheq/error.h"
#include "fheq/tensor.h"

namespace fheq {

struct Dataset {
  FloatTensor x;               // [N, ...features]
  std::vector<int64_t> y;      // N labels
  std::string name;            // e.g. "digits/test"
};

// name: "fashion-mnist" (or "fashion_mnist"), "digits", "iris", "wine", "breast-cancer" (or "breast_cancer");
// split: "train" or "test". Files are read from /usr/share/datasets/fashion-mnist and
// /usr/lib/python3/dist-packages/sklearn/datasets/data, overridable with the environment variables
// FHEQ_FASHION_MNIST_DIR and FHEQ_SKLEARN_DATA_DIR. Throws fheq::Error naming the file and the problem.
Dataset load_dataset(const std::string& name, const std::string& split);
std::vector<std::string> dataset_names();

// True for the test half of the scikit-learn split rule above.
inline bool is_test_sample(int64_t index) { return index % 5 == 4; }

// ---- idx files (LeCun's MNIST format; gzip-compressed or plain, detected automatically) ----
// Header: 0x00 0x00, type 0x08 (unsigned byte), rank; then rank big-endian uint32 dims; then the bytes.
struct IdxArray {
  Shape shape;
  std::vector<uint8_t> data;
};
IdxArray read_idx_ubyte(const std::string& path);
// Images [N, rows, cols] → FloatTensor [N, 1, rows, cols] with float32(x)/255 (see above).
FloatTensor load_idx_images(const std::string& path);
// Labels [N] → int64.
std::vector<int64_t> load_idx_labels(const std::string& path);

// ---- scikit-learn CSV files (".gz" decompressed automatically) ----
// Rows "f_1,...,f_k,label". With `has_header` the first line is "n_samples,n_features,class names..." and
// is checked against the rows (digits.csv.gz has no header line; the others do).
// Features are rounded to float32 (see above) and returned as [N, k]; `feature_scale` divides them first.
Dataset load_sklearn_csv(const std::string& path, bool has_header, double feature_scale = 1.0);

// ---- NumPy .npy files (format versions 1.0, 2.0 and 3.0; little-endian; C order) ----
// read_npy accepts dtypes <f4 <f8 <i4 <i8 |u1 and converts values to double.
// read_npy_int accepts the integer dtypes only (<i4 <i8 |u1).
FloatTensor read_npy(const std::string& path);
IntTensor read_npy_int(const std::string& path);
// Writes format 1.0, dtype <f8 / <i8, C order (atomically: temp file + rename).
void write_npy(const std::string& path, const FloatTensor& tensor);
void write_npy(const std::string& path, const IntTensor& tensor);

}  // namespace fheq
