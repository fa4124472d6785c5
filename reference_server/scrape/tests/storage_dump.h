// Test helper: every sample a storage holds, as "labels" -> [(t, value)] with stale markers
// written as "stale".
#pragma once

#include <map>
#include <string>
#include <vector>

#include "model/sample.h"
#include "storage/storage.h"

namespace promref::scrape::testing {

using Dump = std::map<std::string, std::vector<std::pair<int64_t, std::string>>>;

inline std::string ValueText(double v) {
  if (model::IsStaleNaN(v)) return "stale";
  char buf[64];
  std::snprintf(buf, sizeof buf, "%g", v);
  return buf;
}

inline Dump DumpStorage(storage::Storage& s) {
  Dump out;
  auto q = s.MakeQuerier(INT64_MIN / 2, INT64_MAX / 2);
  if (!q.ok()) return out;
  auto all = model::Matcher::Make(model::MatchType::kRegexMatch, "__name__", ".+");
  std::vector<model::Matcher> ms{*all};
  storage::SelectHints hints;
  hints.start = INT64_MIN / 2;
  hints.end = INT64_MAX / 2;
  auto set = (*q)->Select(true, hints, ms);
  while (set->Next()) {
    auto& samples = out[set->At().labels().ToString()];
    auto it = set->At().Iterator();
    for (auto vt = it->Next(); vt != storage::ValueType::kNone; vt = it->Next()) {
      samples.emplace_back(it->AtT(),
                           vt == storage::ValueType::kFloat ? ValueText(it->AtFloat()) : "histogram");
    }
  }
  return out;
}

}  // namespace promref::scrape::testing
