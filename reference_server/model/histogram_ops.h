// Arithmetic on native histograms with Prometheus' semantics (model/histogram's
// FloatHistogram): what the query engine, the TSDB's counter-reset detection and the
// promqltest runner compute with.
//
// Conventions, as in Prometheus:
//   - Results may hold empty buckets and adjacent spans; Compact normalises. Nothing here
//     relies on a compact layout.
//   - Combining reconciles schemas (to the lower resolution) and zero thresholds (to the wider
//     one; buckets that fall inside the wider zero bucket move into it).
//   - Exponential and custom-bucket histograms never combine (kMixedSchemas). Custom-bucket
//     histograms with different bounds combine on the intersection of their bounds
//     (nhcb_bounds_reconciled).
//   - Counter reset hints: a CounterReset meeting a NotCounterReset is a collision; the
//     result's hint is then unknown.
#pragma once

#include <cstdint>
#include <optional>

#include "model/error.h"
#include "model/histogram.h"

namespace promref::model {

enum class HistogramOpError : uint8_t {
  kNone,
  kMixedSchemas,   // exponential with custom buckets (Go's ErrHistogramsIncompatibleSchema)
  kInvalidLayout,  // spans and buckets disagree, so resolution cannot be reduced
};

// What combining two histograms noticed, for the engine's annotations. On an error the
// receiving histogram is unchanged.
struct HistogramOpResult {
  HistogramOpError error = HistogramOpError::kNone;
  bool counter_reset_collision = false;
  bool nhcb_bounds_reconciled = false;
  bool ok() const { return error == HistogramOpError::kNone; }
};

// h += other (FloatHistogram.Add).
HistogramOpResult HistogramAdd(FloatHistogram* h, const FloatHistogram& other);
// h -= other (FloatHistogram.Sub). The hint is combined as for Add; the PromQL `-` operator
// sets it to gauge afterwards itself.
HistogramOpResult HistogramSub(FloatHistogram* h, const FloatHistogram& other);
// h += other with Kahan compensation kept in *c (FloatHistogram.KahanAdd). An empty *c is
// created on first use; the final value is h + c (add c with HistogramAdd). Unlike Prometheus
// (which panics), an invalid layout of the histogram whose resolution must be reduced, or a *c
// whose bucket counts differ from h's, is refused with kInvalidLayout.
HistogramOpResult HistogramKahanAdd(FloatHistogram* h, const FloatHistogram& other,
                                    std::optional<FloatHistogram>* c);

// Scales count, sum, zero count and every bucket. A negative factor makes the hint gauge.
void HistogramMul(FloatHistogram* h, double factor);
// Divides likewise; dividing by zero leaves count, sum and zero count infinite or NaN and
// removes all buckets, as Prometheus does.
void HistogramDiv(FloatHistogram* h, double divisor);

// The same histogram with at most max_empty_buckets consecutive empty buckets kept inside a
// span, empty buckets at span edges dropped and touching spans merged (FloatHistogram.Compact).
FloatHistogram HistogramCompact(const FloatHistogram& h, int max_empty_buckets = 0);

// The histogram at target_schema (<= h.schema, exponential only): buckets that merge are
// summed in bucket order (FloatHistogram.CopyToSchema / ReduceResolution). A target schema that
// is not a lower exponential one gives an unchanged copy (Prometheus panics). h's layout must be
// valid: otherwise the buckets that the spans and the bucket list agree on are reduced, where
// Prometheus fails; use HistogramTryCopyToSchema to get its error.
FloatHistogram HistogramCopyToSchema(const FloatHistogram& h, int32_t target_schema);
// The same, failing (with Prometheus' reduceResolution error text, kind kInternal) when the
// spans have a negative offset or disagree with the bucket count, or when target_schema is not
// reachable (where Prometheus panics).
Result<FloatHistogram> HistogramTryCopyToSchema(const FloatHistogram& h, int32_t target_schema);

// Whether `current` is a counter reset relative to `previous` (FloatHistogram.DetectReset):
// the hint decides when it says CounterReset or NotCounterReset; otherwise a lower count,
// a bucket whose count went down, a lost bucket, a higher schema, a wider zero bucket or
// changed custom bounds (with Prometheus' handling of reconcilable bounds) is a reset.
bool HistogramDetectReset(const FloatHistogram& current, const FloatHistogram& previous);

// Exact equality of value and layout modulo empty spans (FloatHistogram.Equals): floats
// compared by bit pattern, the counter reset hint ignored.
bool HistogramEquals(const FloatHistogram& a, const FloatHistogram& b);

// The histogram with observations above (upper trim, the `</` operator) or below (`>/`)
// `bound` removed, splitting the bucket that straddles it by interpolation
// (FloatHistogram.TrimBuckets).
FloatHistogram HistogramTrimBuckets(const FloatHistogram& h, double bound, bool upper_trim);

// Which of Prometheus' two Validate methods applies: a histogram that arrived with integer
// counts (Histogram.Validate) must also have a count equal to its buckets' total (at least that
// total when the sum is NaN); a float one (FloatHistogram.Validate) need not.
enum class HistogramKind { kFloat, kInteger };

// Prometheus' Validate: span/bucket agreement, no negative counts, custom bounds consistent
// with the spans, no zero threshold or negative buckets with custom buckets, and for integer
// histograms the count check above. Errors (kind kBadData) worded as Prometheus words them.
Status HistogramValidate(const FloatHistogram& h, HistogramKind kind = HistogramKind::kFloat);

}  // namespace promref::model
