#include "promql/internal/histogram_stats_decoding.h"

#include <memory>

#include "model/histogram_ops.h"
#include "model/sample.h"

namespace promref::promql::internal {
namespace {

enum class Decision { kNone, kStatsOnly, kBuckets };

// What one ancestor says about a selector below it (kNone: look further up).
Decision DecisionOf(const Expr& e) {
  switch (e.kind) {
    case NodeKind::kSubquery: return Decision::kBuckets;  // its reset detection needs them
    case NodeKind::kCall: {
      const std::string& f = As<Call>(e).func->name;
      if (f == "histogram_count" || f == "histogram_sum" || f == "histogram_avg" || f == "timestamp" ||
          f == "start_timestamp" || f == "absent") {
        return Decision::kStatsOnly;
      }
      if (f == "histogram_quantile" || f == "histogram_quantiles" || f == "histogram_fraction" ||
          f == "histogram_stddev" || f == "histogram_stdvar" || f == "changes") {
        return Decision::kBuckets;
      }
      return Decision::kNone;
    }
    case NodeKind::kAggregate:
      return As<AggregateExpr>(e).op == TokenType::kCountValues ? Decision::kBuckets : Decision::kNone;
    case NodeKind::kBinary: {
      const TokenType op = As<BinaryExpr>(e).op;
      const bool needs = op == TokenType::kTrimUpper || op == TokenType::kTrimLower ||
                         op == TokenType::kEqlc || op == TokenType::kNeq;
      return needs ? Decision::kBuckets : Decision::kNone;
    }
    default: return Decision::kNone;
  }
}

// As Prometheus walks the path from the selector up: a stats-only function marks it and the
// walk goes on (a later ancestor may still need buckets); a bucket need ends it unmarked.
void Mark(const Expr& e, std::vector<const Expr*>* path) {
  if (e.kind == NodeKind::kVectorSelector) {
    bool stats_only = false;
    for (auto it = path->rbegin(); it != path->rend(); ++it) {
      const Decision d = DecisionOf(**it);
      if (d == Decision::kBuckets) {
        stats_only = false;
        break;
      }
      if (d == Decision::kStatsOnly) stats_only = true;
    }
    // The engine owns (and may annotate) its copy of the expression.
    const_cast<VectorSelector&>(As<VectorSelector>(e)).histogram_stats_only = stats_only;
    return;
  }
  path->push_back(&e);
  for (const Expr* child : Children(e)) Mark(*child, path);
  path->pop_back();
}

}  // namespace

void MarkHistogramStatsSelectors(Expr& root) {
  std::vector<const Expr*> path;
  Mark(root, &path);
}

void ToHistogramStats(std::vector<Point>* points) {
  std::shared_ptr<const model::FloatHistogram> previous;  // the last full histogram read
  for (Point& p : *points) {
    if (!p.h) continue;
    auto stats = std::make_shared<model::FloatHistogram>();
    stats->counter_reset_hint = p.h->counter_reset_hint;
    stats->schema = p.h->schema;
    stats->count = p.h->count;
    stats->sum = p.h->sum;
    if (model::IsStaleNaN(p.h->sum)) {
      p.h = std::move(stats);
      continue;
    }
    if (stats->counter_reset_hint == model::CounterResetHint::kUnknown && previous) {
      stats->counter_reset_hint = model::HistogramDetectReset(*p.h, *previous)
                                      ? model::CounterResetHint::kCounterReset
                                      : model::CounterResetHint::kNotCounterReset;
    }
    previous = std::move(p.h);
    p.h = std::move(stats);
  }
}

}  // namespace promref::promql::internal
