// The values a PromQL query produces: scalars, strings, instant vectors and range vectors
// (matrices), with float and native-histogram samples.
#pragma once

#include <cstdint>
#include <memory>
#include <string>
#include <vector>

#include "model/histogram.h"
#include "model/labels.h"

namespace promref::promql {

struct FPoint {
  int64_t t = 0;
  double f = 0;
};

struct HPoint {
  int64_t t = 0;
  std::shared_ptr<const model::FloatHistogram> h;
};

// One element of an instant vector: exactly one of `f` (when h is null) or `h` is the value.
struct Sample {
  model::Labels metric;
  int64_t t = 0;
  double f = 0;
  std::shared_ptr<const model::FloatHistogram> h;
  bool drop_name = false;  // delayed name removal: __name__ goes when the query finishes
};
using Vector = std::vector<Sample>;

// One series of a range vector; floats and histograms are each in time order.
struct Series {
  model::Labels metric;
  std::vector<FPoint> floats;
  std::vector<HPoint> histograms;
  bool drop_name = false;
};
using Matrix = std::vector<Series>;

enum class ResultType { kScalar, kString, kVector, kMatrix };

// The result of a query.
struct Value {
  ResultType type = ResultType::kVector;
  int64_t t = 0;      // kScalar, kString: the evaluation time
  double scalar = 0;  // kScalar
  std::string str;    // kString
  Vector vector;      // kVector
  Matrix matrix;      // kMatrix (series sorted by labels)
};

}  // namespace promref::promql
