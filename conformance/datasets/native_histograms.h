// The native-histogram part of the standard dataset (`pch_` prefix): what a Prometheus 3.x
// user's histograms look like over 50 minutes at a 15 s scrape interval.
//   pch_request_duration_seconds  integer counters, schema 3, two instances, one restarts
//   pch_response_size_bytes       float counter (weighted observations), schema 0
//   pch_queue_depth               gauge histogram with negative and zero buckets, schema 1
//   pch_custom_seconds            custom buckets (schema -53, the NHCB form), two instances
//   pch_sparse_bytes              few populated buckets far apart, schema 5
//   pch_dense_seconds             ~40 consecutive buckets, schema 2
//   pch_schema_change_seconds     schema 4, then 2 from 25 minutes on (as a bucket limit does)
//   pch_stopping_seconds          ends at 30 minutes with a stale marker
//   pch_mixed                     float samples for 20 minutes, histograms after
// Every histogram is valid and integer counters are consistent (count = total of buckets), so
// a target that supports native histograms stores all of it. Deterministic.
#pragma once

#include <vector>

#include "datasets/dataset.h"

namespace promconform {

std::vector<DatasetSeries> NativeHistogramSeries();

}  // namespace promconform
