// Selectors that need only a histogram's count and sum (Prometheus' detectHistogramStatsDecoding
// and HistogramStatsIterator). Prometheus reads such selectors through an iterator that drops
// the buckets and, for a sample whose counter-reset hint is unknown, decides the hint by
// comparing the full histogram with the previous one it read. The decision is visible: a sum
// of histograms whose hints now disagree warns about it. So it is semantics, not only an
// optimisation, and promref does the same.
#pragma once

#include <vector>

#include "promql/ast.h"
#include "promql/internal/evaluator.h"

namespace promref::promql::internal {

// Sets VectorSelector::histogram_stats_only on the selectors of `root` whose nearest deciding
// ancestor is histogram_count, histogram_sum, histogram_avg, timestamp, start_timestamp or
// absent. A subquery, a function that needs buckets (histogram_quantile(s), histogram_fraction,
// histogram_stddev, histogram_stdvar, changes), count_values, ==, != and the trim operators on
// the way up decide against.
void MarkHistogramStatsSelectors(Expr& root);

// What the stats iterator gives for a series' points read in time order: histograms reduced to
// schema, count and sum, unknown hints decided against the previous histogram read (none for
// the first), stale markers passed through without becoming the previous histogram.
void ToHistogramStats(std::vector<Point>* points);

}  // namespace promref::promql::internal
