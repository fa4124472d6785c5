#include "properties/vocabulary.h"

#include <algorithm>

namespace promconform::properties {
namespace {

bool Excluded(const std::string& name) {
  return name.starts_with("pcv_") || name.starts_with("pc_hc_");
}

bool EndsWith(const std::string& s, std::string_view suffix) {
  return s.ends_with(suffix);
}

}  // namespace

Vocabulary Vocabulary::FromDataset(const Dataset& dataset) {
  std::map<std::string, std::map<std::string, std::set<std::string>>> families;
  std::map<std::string, size_t> counts;
  std::set<std::string> names;
  for (const auto& s : dataset.series) {
    std::string metric;
    for (const auto& [k, v] : s.labels) {
      if (k == "__name__") metric = v;
    }
    // The laws are about float samples: native-histogram series (the `pch_` family, one of
    // which also has floats) stay out of the vocabulary.
    if (metric.empty() || Excluded(metric) || !s.histograms.empty()) continue;
    auto& f = families[metric];
    ++counts[metric];
    for (const auto& [k, v] : s.labels) {
      if (k == "__name__") continue;
      f[k].insert(v);
      names.insert(k);
    }
  }
  Vocabulary out;
  for (const auto& [name, labels] : families) {
    MetricInfo m;
    m.name = name;
    m.series = counts[name];
    for (const auto& [k, values] : labels) m.labels[k] = {values.begin(), values.end()};
    m.buckets = EndsWith(name, "_bucket") && labels.count("le") > 0;
    m.counter = EndsWith(name, "_total") || EndsWith(name, "_count") || EndsWith(name, "_sum") || m.buckets;
    out.metrics.push_back(std::move(m));
  }
  out.label_names = {names.begin(), names.end()};
  return out;
}

const MetricInfo* Vocabulary::Find(const std::string& name) const {
  auto it = std::lower_bound(metrics.begin(), metrics.end(), name,
                             [](const MetricInfo& m, const std::string& n) { return m.name < n; });
  return it != metrics.end() && it->name == name ? &*it : nullptr;
}

const Vocabulary& StandardVocabulary() {
  static const Vocabulary v = Vocabulary::FromDataset(StandardDataset());
  return v;
}

}  // namespace promconform::properties
