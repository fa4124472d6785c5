// The vocabulary random PromQL is written in: the metric names, label names and label values of
// a dataset, in a fixed order (sorted), so that generation from a seed never depends on a hash
// table's order.
//
// Families that would only slow every query down (the 400-series high-cardinality family) and the
// version suite's scenario series (`pcv_`) are left out.
#pragma once

#include <map>
#include <set>
#include <string>
#include <vector>

#include "datasets/dataset.h"

namespace promconform::properties {

struct MetricInfo {
  std::string name;
  // Label name -> every value it takes in this family (`__name__` excluded).
  std::map<std::string, std::vector<std::string>> labels;
  size_t series = 0;
  bool counter = false;  // only ever increases between resets: _total, _count, _sum, _bucket
  bool buckets = false;  // a classic histogram's _bucket series (has `le`)
};

struct Vocabulary {
  std::vector<MetricInfo> metrics;       // sorted by name
  std::vector<std::string> label_names;  // every label name but __name__, sorted

  static Vocabulary FromDataset(const Dataset& dataset);
  const MetricInfo* Find(const std::string& name) const;
};

// The standard dataset's vocabulary, built once.
const Vocabulary& StandardVocabulary();

}  // namespace promconform::properties
