// A native histogram read back from the query API's JSON, `{"count","sum","buckets":[[rule,
// lower, upper, count], ...]}`. The JSON lists only the non-empty buckets with their bounds:
// no schema, spans, zero threshold of an empty zero bucket or counter reset hint. The reader
// finds a histogram that renders to exactly those buckets (an exponential schema, else custom
// bounds), so that the promqltest comparison can judge it as the API shows it
// (pt::HistogramDetail::kApiJson); its schema and spans are a reconstruction, not the server's.
#pragma once

#include <vector>

#include "model/error.h"
#include "model/histogram.h"
#include "model/histogram_buckets.h"

namespace promconform::remote_promqltest {

// A histogram whose model::AllBuckets, empty ones left out, are `buckets` exactly (bounds,
// closed sides, counts), with `count` and `sum`. Exponential schemas are tried first, from
// the finest, then custom bounds (schema -53); an error when neither renders the buckets.
promref::Result<promref::model::FloatHistogram> HistogramFromApiBuckets(
    double count, double sum, const std::vector<promref::model::HistogramBucket>& buckets);

}  // namespace promconform::remote_promqltest
