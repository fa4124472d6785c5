#include "rules/recording_rule.h"

#include <algorithm>

#include "model/labels.h"

namespace promref::rules {

Result<promql::Vector> RecordingRule::Eval(const EvalContext& ctx) {
  auto vec = (*ctx.query)(query(), ctx.ts_ms - ctx.query_offset_ms);
  if (!vec.ok()) return vec.error();
  model::LabelsBuilder b;
  for (auto& s : *vec) {
    b.Reset(s.metric);
    b.Set(model::kMetricNameLabel, name());
    for (const auto& l : labels()) b.Set(l.name, l.value);
    s.metric = b.Build();
    s.drop_name = false;
  }
  std::vector<const model::Labels*> sorted;
  for (const auto& s : *vec) sorted.push_back(&s.metric);
  std::sort(sorted.begin(), sorted.end(), [](const auto* x, const auto* y) { return *x < *y; });
  for (size_t i = 1; i < sorted.size(); ++i) {
    if (*sorted[i] == *sorted[i - 1])
      return Error(ErrorKind::kExecution,
                   "vector contains metrics with the same labelset after applying rule labels");
  }
  if (ctx.limit > 0 && static_cast<int64_t>(vec->size()) > ctx.limit) {
    return Error(ErrorKind::kExecution, "exceeded limit of " + std::to_string(ctx.limit) + " with " +
                                            std::to_string(vec->size()) + " series");
  }
  return vec;
}

}  // namespace promref::rules
