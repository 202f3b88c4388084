// load_dataset: the named offline datasets with the split and scaling rules stated in fheq/data.h.
#include <cstdlib>

#include "core/check.h"
#include "fheq/data.h"

namespace fheq {
namespace {

std::string directory_from_env(const char* variable, const char* fallback) {
  const char* value = std::getenv(variable);
  return value && *value ? value : fallback;
}

// Keeps the rows of the scikit-learn split rule: i % 5 == 4 → test.
Dataset select_split(const Dataset& all, bool test) {
  const int64_t samples = all.x.dim(0);
  const int64_t row_size = all.x.size() / samples;
  Dataset part;
  std::vector<double> rows;
  for (int64_t i = 0; i < samples; ++i) {
    if (is_test_sample(i) != test) continue;
    rows.insert(rows.end(), all.x.data.begin() + i * row_size, all.x.data.begin() + (i + 1) * row_size);
    part.y.push_back(all.y[static_cast<size_t>(i)]);
  }
  Shape shape = all.x.shape;
  shape[0] = static_cast<int64_t>(part.y.size());
  part.x = FloatTensor(shape, std::move(rows));
  return part;
}

}  // namespace

std::vector<std::string> dataset_names() { return {"fashion-mnist", "digits", "iris", "wine", "breast-cancer"}; }

Dataset load_dataset(const std::string& name, const std::string& split) {
  FHEQ_REQUIRE(split == "train" || split == "test", "dataset '", name, "': split '", split,
               "' is unknown (expected train or test)");
  const bool test = split == "test";
  Dataset dataset;
  if (name == "fashion-mnist" || name == "fashion_mnist") {
    const std::string dir = directory_from_env("FHEQ_FASHION_MNIST_DIR", "/usr/share/datasets/fashion-mnist");
    const std::string prefix = dir + "/" + (test ? "t10k" : "train");
    dataset.x = load_idx_images(prefix + "-images-idx3-ubyte.gz");
    dataset.y = load_idx_labels(prefix + "-labels-idx1-ubyte.gz");
    FHEQ_REQUIRE(dataset.x.dim(0) == static_cast<int64_t>(dataset.y.size()), prefix, ": ", dataset.x.dim(0),
                 " images but ", dataset.y.size(), " labels");
    dataset.name = "fashion-mnist/" + split;
    return dataset;
  }
  const std::string dir =
      directory_from_env("FHEQ_SKLEARN_DATA_DIR", "/usr/lib/python3/dist-packages/sklearn/datasets/data");
  Dataset all;
  if (name == "digits") {
    all = load_sklearn_csv(dir + "/digits.csv.gz", /*has_header=*/false, /*feature_scale=*/16.0);
  } else if (name == "iris") {
    all = load_sklearn_csv(dir + "/iris.csv", true);
  } else if (name == "wine") {
    all = load_sklearn_csv(dir + "/wine_data.csv", true);
  } else if (name == "breast-cancer" || name == "breast_cancer") {
    all = load_sklearn_csv(dir + "/breast_cancer.csv", true);
  } else {
    FHEQ_THROW("dataset '", name, "' is unknown (expected fashion-mnist, digits, iris, wine or breast-cancer)");
  }
  dataset = select_split(all, test);
  dataset.name = name + "/" + split;
  return dataset;
}

}  // namespace fheq
