// Pieces the evaluator's files share (internal to promql): stale-marker tests, unwrapping of
// parentheses and step-invariant nodes, and MatrixBuilder, which collects per-step output
// vectors into a matrix as Prometheus' engine does.
#pragma once

#include <algorithm>
#include <cstdint>
#include <limits>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <unordered_map>
#include <vector>

#include "model/labels.h"
#include "model/sample.h"
#include "promql/ast.h"
#include "promql/internal/evaluator.h"

namespace promref::promql::internal {

// __name__, __type__ and __unit__: the labels that go with a metric's name.
inline bool IsMetadataLabel(std::string_view name) {
  return name == model::kMetricNameLabel || name == "__type__" || name == "__unit__";
}

// The labels named in `names`, or (`without`) all others but the metadata labels (__name__,
// __type__, __unit__): the grouping labels of by/without and the matching labels of
// on/ignoring.
inline model::Labels GroupingLabels(const model::Labels& metric, const std::vector<std::string>& names,
                                    bool without) {
  auto listed = [&](std::string_view n) { return std::find(names.begin(), names.end(), n) != names.end(); };
  if (without) {
    return metric.Filter([&](std::string_view n) { return !listed(n) && !IsMetadataLabel(n); });
  }
  return metric.Filter(listed);
}

inline bool IsStale(const Point& p) {
  return p.h ? model::IsStaleNaN(p.h->sum) : model::IsStaleNaN(p.f);
}

inline const Expr& Unwrap(const Expr& e) {
  if (e.kind == NodeKind::kParen) return Unwrap(*As<ParenExpr>(e).expr);
  if (e.kind == NodeKind::kStepInvariant) return Unwrap(*As<StepInvariantExpr>(e).expr);
  return e;
}

// The argument of a call that is its range (a matrix selector or a subquery): the call is a
// range function's. nullopt for other calls.
inline std::optional<size_t> RangeArgument(const Call& c) {
  for (size_t i = 0; i < c.args.size(); ++i) {
    const NodeKind k = Unwrap(*c.args[i]).kind;
    if (k == NodeKind::kMatrixSelector || k == NodeKind::kSubquery) return i;
  }
  return std::nullopt;
}

// An output series known before its first sample: its labels, and from that sample on its index
// in a MatrixBuilder (so series keep the order of first appearance).
struct OutputSeries {
  model::Labels metric;
  bool drop_name = false;
  size_t index = std::numeric_limits<size_t>::max();
};

// Collects per-step output vectors into a matrix: one series per label set, in order of first
// appearance (so a single step keeps the vector's order), and refuses two samples with the same
// labels at the same step.
class MatrixBuilder {
 public:
  void Add(int64_t ts, Vector&& v) {
    for (Sample& s : v) Append(SeriesFor(s.metric, s.drop_name), ts, s.f, s.h);
  }
  // The output series with these labels, created on first use.
  size_t SeriesFor(const model::Labels& metric, bool drop_name) {
    auto [it, inserted] = index_.try_emplace(metric, out_.size());
    if (inserted) out_.push_back(Series{metric, {}, {}, drop_name});
    return it->second;
  }
  // Appends the point of step `ts` to output series `i`, which must not have one yet.
  void Append(size_t i, int64_t ts, double f, const std::shared_ptr<const model::FloatHistogram>& h) {
    Series& s = out_[i];
    const int64_t last =
        std::max(s.floats.empty() ? std::numeric_limits<int64_t>::min() : s.floats.back().t,
                 s.histograms.empty() ? std::numeric_limits<int64_t>::min() : s.histograms.back().t);
    if (last == ts) Fail(ErrorKind::kExecution, "vector cannot contain metrics with the same labelset");
    AddPoint(&s, ts, f, h);
  }
  void Append(OutputSeries* s, int64_t ts, double f, const std::shared_ptr<const model::FloatHistogram>& h) {
    if (s->index == std::numeric_limits<size_t>::max()) s->index = SeriesFor(s->metric, s->drop_name);
    Append(s->index, ts, f, h);
  }
  Matrix Finish() { return std::move(out_); }

 private:
  std::unordered_map<model::Labels, size_t, model::LabelsHash> index_;
  Matrix out_;
};

}  // namespace promref::promql::internal
