// scikit-learn's bundled CSV datasets: rows "f_1,...,f_k,label", optionally preceded by a header line
// "n_samples,n_features,class names...".
#include <cerrno>
#include <cmath>
#include <cstdlib>
#include <sstream>

#include "core/check.h"
#include "core/data/compressed_file.h"
#include "fheq/data.h"

namespace fheq {
namespace {

std::vector<std::string> split_commas(const std::string& line) {
  std::vector<std::string> fields;
  std::string field;
  std::istringstream in(line);
  while (std::getline(in, field, ',')) fields.push_back(field);
  if (!line.empty() && line.back() == ',') fields.emplace_back();
  return fields;
}

double parse_number(const std::string& text, const std::string& path, size_t line_number, size_t column) {
  const char* begin = text.c_str();
  char* end = nullptr;
  errno = 0;
  const double value = std::strtod(begin, &end);
  while (*end == ' ' || *end == '\r' || *end == '\t') ++end;
  FHEQ_REQUIRE(end != begin && *end == '\0' && errno == 0 && std::isfinite(value), path, ":", line_number,
               ": column ", column + 1, " '", text, "' is not a finite number");
  return value;
}

}  // namespace

Dataset load_sklearn_csv(const std::string& path, bool has_header, double feature_scale) {
  FHEQ_REQUIRE(feature_scale > 0.0 && std::isfinite(feature_scale), path, ": feature_scale ", feature_scale,
               " must be finite and > 0");
  std::istringstream in(core::read_maybe_gzipped_file(path));
  std::string line;
  size_t line_number = 0;
  int64_t declared_samples = -1;
  int64_t declared_features = -1;
  if (has_header) {
    FHEQ_REQUIRE(std::getline(in, line), path, ": empty file, expected a header line");
    ++line_number;
    const std::vector<std::string> header = split_commas(line);
    FHEQ_REQUIRE(header.size() >= 2, path, ":1: header must start with n_samples,n_features");
    declared_samples = static_cast<int64_t>(parse_number(header[0], path, 1, 0));
    declared_features = static_cast<int64_t>(parse_number(header[1], path, 1, 1));
    FHEQ_REQUIRE(declared_samples > 0 && declared_features > 0, path, ":1: header declares ", declared_samples,
                 " samples of ", declared_features, " features");
  }
  std::vector<double> features;
  std::vector<int64_t> labels;
  int64_t columns = -1;
  while (std::getline(in, line)) {
    ++line_number;
    if (line.empty() || line == "\r") continue;
    const std::vector<std::string> fields = split_commas(line);
    if (columns < 0) columns = static_cast<int64_t>(fields.size());
    FHEQ_REQUIRE(static_cast<int64_t>(fields.size()) == columns && columns >= 2, path, ":", line_number, ": ",
                 fields.size(), " columns, expected ", columns < 2 ? 2 : columns);
    for (size_t c = 0; c + 1 < fields.size(); ++c)
      features.push_back(static_cast<double>(static_cast<float>(parse_number(fields[c], path, line_number, c) /
                                                                 feature_scale)));
    const double label = parse_number(fields.back(), path, line_number, fields.size() - 1);
    FHEQ_REQUIRE(label == std::floor(label) && label >= 0, path, ":", line_number, ": label ", fields.back(),
                 " is not a non-negative integer");
    labels.push_back(static_cast<int64_t>(label));
  }
  const int64_t samples = static_cast<int64_t>(labels.size());
  FHEQ_REQUIRE(samples > 0, path, ": no data rows");
  if (has_header) {
    FHEQ_REQUIRE(samples == declared_samples, path, ": header declares ", declared_samples, " samples, file has ",
                 samples);
    FHEQ_REQUIRE(columns - 1 == declared_features, path, ": header declares ", declared_features,
                 " features, rows have ", columns - 1);
  }
  Dataset dataset;
  dataset.x = FloatTensor({samples, columns - 1}, std::move(features));
  dataset.y = std::move(labels);
  dataset.name = path;
  return dataset;
}

}  // namespace fheq
