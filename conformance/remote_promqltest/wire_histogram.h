// A script's histogram sample as remote write carries it to the endpoint.
#pragma once

#include <cstdint>

#include "model/histogram.h"
#include "wire/remote_write.h"

namespace promconform::remote_promqltest {

// The sample as a float histogram (absolute counts, the script's values exactly): schema, zero
// bucket, spans, custom bounds and the counter reset hint the script gives (unknown unless
// spelled), as Prometheus' promqltest appends it.
promref::wire::Histogram ToWireHistogram(const promref::model::FloatHistogram& h, int64_t t);

// The stale marker of a histogram series: a float histogram whose sum is the stale NaN. A
// script's `stale` is a float; Prometheus' head turns it into this when a histogram came
// before it in the same append (promqltest loads a block in one), and remote write must send
// it among the series' histograms, or it would arrive out of order (a receiver appends a
// series' floats before its histograms).
promref::wire::Histogram StaleWireHistogram(int64_t t);

}  // namespace promconform::remote_promqltest
