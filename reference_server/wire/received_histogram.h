// Native histograms as a remote-write receiver stores them: the wire form (integer counts as
// deltas, or float counts) converted to the model's FloatHistogram, and Prometheus 3.16's
// receiving rules applied.
#pragma once

#include "model/error.h"
#include "model/histogram.h"
#include "wire/remote_write.h"

namespace promref::wire {

// The same histogram with absolute float counts (exact while counts stay below 2^53).
model::FloatHistogram ToFloatHistogram(const Histogram& h);

// What Prometheus' receiver stores for `h`: schemas 9..52 (reserved for finer resolutions than
// 8) reduced to 8, then validated by the integer or float rules. The error (kBadData, a 400)
// carries Prometheus' text.
Result<model::FloatHistogram> ReceivedHistogram(const Histogram& h);

// A stored histogram as remote write sends it: a float histogram (absolute counts) with the
// same schema, zero bucket, spans, custom bounds and counter reset hint, at time `t`.
Histogram ToWireHistogram(const model::FloatHistogram& h, int64_t t);

}  // namespace promref::wire
