#include "model/histogram_ops.h"

#include <algorithm>
#include <cfloat>
#include <cmath>
#include <cstddef>
#include <cstring>
#include <limits>
#include <string>
#include <utility>
#include <vector>

#include "model/go_strconv.h"
#include "model/histogram_buckets.h"

// Results must match Prometheus bit for bit, so the compiler may not fuse a multiplication
// and an addition (Go does not on amd64). CMakeLists.txt builds this file with
// -ffp-contract=off; the order of every addition below is Prometheus' order.

namespace promref::model {
namespace {

constexpr int32_t kMinExponentialSchema = -4;
constexpr int32_t kMaxExponentialSchema = 8;

bool IsExponentialSchema(int32_t schema) {
  return schema >= kMinExponentialSchema && schema <= kMaxExponentialSchema;
}

// One Kahan-Neumaier step (Prometheus' kahansum.Inc): *sum += inc, the rounding error
// accumulated in *c. An infinite sum resets the compensation.
void KahanInc(double inc, double* sum, double* c) {
  const double t = *sum + inc;
  if (t > DBL_MAX || t < -DBL_MAX) {
    *c = 0;
  } else if (std::fabs(*sum) >= std::fabs(inc)) {
    *c += (*sum - t) + inc;
  } else {
    *c += (inc - t) + *sum;
  }
  *sum = t;
}

bool CustomBoundsMatch(const std::vector<double>& a, const std::vector<double>& b) {
  if (a.size() != b.size()) return false;
  for (size_t i = 0; i < a.size(); ++i) {
    if (a[i] != b[i]) return false;
  }
  return true;
}

// ---------------------------------------------------------------------------------------------
// Bucket lists with absolute indexes.

struct IndexedBucket {
  int64_t index = 0;
  double count = 0;
  double comp = 0;  // Kahan compensation, when there is one
};

// The buckets the spans describe, in order, with their indexes; stops where either the spans or
// the bucket list ends (an invalid layout yields what the two agree on).
std::vector<IndexedBucket> Expand(const std::vector<HistogramSpan>& spans, const std::vector<double>& counts,
                                  const std::vector<double>* comps) {
  std::vector<IndexedBucket> out;
  out.reserve(counts.size());
  int64_t index = 0;
  size_t k = 0;
  for (const HistogramSpan& span : spans) {
    index += span.offset;
    for (uint32_t j = 0; j < span.length; ++j, ++index) {
      if (k >= counts.size()) return out;
      double comp = 0;
      if (comps != nullptr && k < comps->size()) comp = (*comps)[k];
      out.push_back({index, counts[k], comp});
      ++k;
    }
  }
  return out;
}

// Spans and buckets from indexed buckets (ascending indexes): one span per run of consecutive
// indexes.
void Collapse(const std::vector<IndexedBucket>& buckets, std::vector<HistogramSpan>* spans,
              std::vector<double>* counts, std::vector<double>* comps) {
  spans->clear();
  counts->clear();
  if (comps != nullptr) comps->clear();
  int64_t next = 0;
  for (const IndexedBucket& b : buckets) {
    if (!spans->empty() && b.index == next) {
      spans->back().length++;
    } else {
      const int64_t offset = spans->empty() ? b.index : b.index - next;
      spans->push_back({static_cast<int32_t>(offset), 1});
    }
    counts->push_back(b.count);
    if (comps != nullptr) comps->push_back(b.comp);
    next = b.index + 1;
  }
}

// ---------------------------------------------------------------------------------------------
// Layout checks (Prometheus' checkHistogramSpans).

std::string Fmt(double v) {
  return FormatFloat(v, 'g');
}

constexpr const char* kErrNegativeOffset = "histogram has a span whose offset is negative";
constexpr const char* kErrSpansBucketsMismatch =
    "histogram spans specify different number of buckets than provided";
constexpr const char* kErrIndexOutOfRange = "histogram has a span whose bucket index is out of range";
constexpr const char* kErrNegativeBucketCount = "histogram has a bucket whose observation count is negative";

// Empty when the spans fit the bucket count; otherwise Prometheus' message.
std::string CheckSpans(const std::vector<HistogramSpan>& spans, size_t num_buckets) {
  uint64_t span_buckets = 0;
  int64_t end = 0;
  for (size_t n = 0; n < spans.size(); ++n) {
    const HistogramSpan& span = spans[n];
    if (n > 0 && span.offset < 0) {
      return "span number " + std::to_string(n + 1) + " with offset " + std::to_string(span.offset) + ": " +
             kErrNegativeOffset;
    }
    if (n == 0 && span.offset == std::numeric_limits<int32_t>::min()) {
      return "span number 1 starts at bucket index " + std::to_string(span.offset) + ": " +
             kErrIndexOutOfRange;
    }
    span_buckets += span.length;
    end += static_cast<int64_t>(span.offset) + static_cast<int64_t>(span.length);
    if (end - 1 > std::numeric_limits<int32_t>::max()) {
      return "span number " + std::to_string(n + 1) + " ends at bucket index " + std::to_string(end - 1) +
             ": " + kErrIndexOutOfRange;
    }
  }
  if (span_buckets != num_buckets) {
    return "spans need " + std::to_string(span_buckets) + " buckets, have " + std::to_string(num_buckets) +
           " buckets: " + kErrSpansBucketsMismatch;
  }
  return {};
}

bool LayoutValid(const FloatHistogram& h) {
  return CheckSpans(h.positive_spans, h.positive_buckets.size()).empty() &&
         CheckSpans(h.negative_spans, h.negative_buckets.size()).empty();
}

// ---------------------------------------------------------------------------------------------
// Resolution reduction (reduceResolution / kahanReduceResolution).

int64_t TargetIndex(int64_t index, int32_t from_schema, int32_t to_schema) {
  return ((index - 1) >> (from_schema - to_schema)) + 1;
}

// Prometheus' reduceResolution checks, worded as it words them; empty when fine.
std::string CheckForReduction(const std::vector<HistogramSpan>& spans, size_t num_buckets) {
  size_t needed = 0;
  for (size_t n = 0; n < spans.size(); ++n) {
    if (n > 0 && spans[n].offset < 0) {
      return "span number " + std::to_string(n + 1) + " with offset " + std::to_string(spans[n].offset) +
             ": " + kErrNegativeOffset;
    }
    needed += spans[n].length;
    if (needed > num_buckets) {
      return "have " + std::to_string(num_buckets) +
             " buckets but spans need more: " + kErrSpansBucketsMismatch;
    }
  }
  if (needed != num_buckets) {
    return "spans need " + std::to_string(needed) + " buckets, have " + std::to_string(num_buckets) +
           " buckets: " + kErrSpansBucketsMismatch;
  }
  return {};
}

// Merges the buckets into to_schema (< from_schema). Counts of merging buckets are summed in
// bucket order; with `kahan` the compensations are carried along and every merge is a Kahan
// step of the count followed by one of its compensation.
void ReduceSide(std::vector<HistogramSpan>* spans, std::vector<double>* counts, std::vector<double>* comps,
                int32_t from_schema, int32_t to_schema) {
  const bool kahan = comps != nullptr;
  std::vector<IndexedBucket> merged;
  for (const IndexedBucket& b : Expand(*spans, *counts, comps)) {
    const int64_t target = TargetIndex(b.index, from_schema, to_schema);
    if (merged.empty() || target > merged.back().index) {
      merged.push_back({target, b.count, b.comp});
    } else if (target == merged.back().index) {
      IndexedBucket& last = merged.back();
      if (kahan) {
        KahanInc(b.count, &last.count, &last.comp);
        KahanInc(b.comp, &last.count, &last.comp);
      } else {
        last.count += b.count;
      }
    }
    // A target index below the last one only comes from a negative offset; Prometheus drops
    // such a bucket.
  }
  Collapse(merged, spans, counts, comps);
}

// ---------------------------------------------------------------------------------------------
// Adding bucket lists (addBuckets / kahanAddBuckets).

// A bucket side with absolute span starts, into which buckets are inserted the way Prometheus
// inserts them: a new bucket directly after a span extends it, otherwise one directly before the
// next span extends that one, otherwise it gets a span of its own. Spans are never merged here.
class SideBuilder {
 public:
  SideBuilder(const std::vector<HistogramSpan>& spans, std::vector<double> counts, std::vector<double> comps)
      : counts_(std::move(counts)), comps_(std::move(comps)) {
    int64_t index = 0;
    for (size_t s = 0; s < spans.size(); ++s) {
      index += spans[s].offset;
      runs_.push_back({index, spans[s].length});
      index += spans[s].length;
    }
  }

  // Adds v (and its compensation cv with `kahan`) to bucket `index`, creating it if needed.
  void Add(int64_t index, double v, double cv, bool kahan) {
    // As in Prometheus, until a bucket has gone past the first span's start, a bucket at that
    // start is added to the first bucket, even when the first span is empty (and that bucket
    // then belongs to a later span). Only layouts with empty spans notice.
    if (!walked_ && !runs_.empty() && index == runs_[0].start && !counts_.empty()) {
      AddAt(0, v, cv, kahan);
      return;
    }
    if (!runs_.empty() && index > runs_[0].start) walked_ = true;
    size_t pos = 0;  // position in counts_ of the current run's first bucket
    size_t k = 0;
    for (; k < runs_.size(); ++k) {
      if (index < runs_[k].start) break;
      if (index < runs_[k].start + runs_[k].length) {
        const size_t i = pos + static_cast<size_t>(index - runs_[k].start);
        if (i < counts_.size()) AddAt(i, v, cv, kahan);  // else an invalid layout
        return;
      }
      pos += runs_[k].length;
    }
    // A new bucket in the gap before run k (k == 0: before all runs; k == size: after all).
    pos = std::min(pos, counts_.size());
    counts_.insert(counts_.begin() + static_cast<std::ptrdiff_t>(pos), v);
    if (kahan) comps_.insert(comps_.begin() + static_cast<std::ptrdiff_t>(std::min(pos, comps_.size())), cv);
    if (k > 0 && index == runs_[k - 1].start + runs_[k - 1].length) {
      runs_[k - 1].length++;
    } else if (k < runs_.size() && index == runs_[k].start - 1) {
      runs_[k].start--;
      runs_[k].length++;
    } else {
      runs_.insert(runs_.begin() + static_cast<std::ptrdiff_t>(k), Run{index, 1});
    }
  }

  void Finish(std::vector<HistogramSpan>* spans, std::vector<double>* counts, std::vector<double>* comps) {
    spans->clear();
    int64_t end = 0;
    for (size_t k = 0; k < runs_.size(); ++k) {
      const int64_t offset = k == 0 ? runs_[k].start : runs_[k].start - end;
      spans->push_back({static_cast<int32_t>(offset), runs_[k].length});
      end = runs_[k].start + runs_[k].length;
    }
    *counts = std::move(counts_);
    if (comps != nullptr) *comps = std::move(comps_);
  }

 private:
  struct Run {
    int64_t start;
    uint32_t length;
  };

  void AddAt(size_t i, double v, double cv, bool kahan) {
    if (kahan) {
      KahanInc(v, &counts_[i], &comps_[i]);
      if (cv != 0) KahanInc(cv, &counts_[i], &comps_[i]);
    } else {
      counts_[i] += v;
    }
  }

  std::vector<Run> runs_;
  std::vector<double> counts_;
  std::vector<double> comps_;
  bool walked_ = false;
};

// a += b (a -= b with `negate`), bucket by bucket. For exponential schemas, the leading buckets of
// b whose upper bound is at or below `threshold` are skipped (they are in the zero bucket). With
// a_comps, every addition is a Kahan step (b_comps, if given, added as a second step when
// non-zero); new buckets take b's compensation.
void AddSide(int32_t schema, double threshold, bool negate, std::vector<HistogramSpan>* a_spans,
             std::vector<double>* a_counts, std::vector<double>* a_comps,
             const std::vector<HistogramSpan>& b_spans, const std::vector<double>& b_counts,
             const std::vector<double>* b_comps) {
  const bool kahan = a_comps != nullptr;
  std::vector<double> comps;
  if (kahan) {
    comps = std::move(*a_comps);
    comps.resize(a_counts->size(), 0);
  }
  SideBuilder builder(*a_spans, std::move(*a_counts), std::move(comps));
  bool below_threshold = true;
  for (const IndexedBucket& b : Expand(b_spans, b_counts, b_comps)) {
    if (below_threshold && IsExponentialSchema(schema) &&
        HistogramBucketUpperBound(static_cast<int32_t>(b.index), schema, {}) <= threshold) {
      continue;
    }
    below_threshold = false;
    double v = b.count;
    double cv = b.comp;
    if (negate) {
      v = -v;
      cv = -cv;
    }
    builder.Add(b.index, v, cv, kahan);
  }
  builder.Finish(a_spans, a_counts, a_comps);
}

// ---------------------------------------------------------------------------------------------
// Custom bounds that differ (intersectCustomBucketBounds / addCustomBucketsWithMismatches).

std::vector<double> IntersectBounds(const std::vector<double>& a, const std::vector<double>& b) {
  std::vector<double> out;
  size_t i = 0;
  size_t j = 0;
  while (i < a.size() && j < b.size()) {
    if (a[i] == b[j]) {
      out.push_back(a[i]);
      ++i;
      ++j;
    } else if (a[i] < b[j]) {
      ++i;
    } else {
      ++j;
    }
  }
  return out;
}

// Maps both sides onto the intersected bounds (a bucket goes to the first intersected bound at
// or above its own upper bound) with Kahan sums per target bucket: a's buckets (each followed by
// its compensation from a_comps, if given) first, then b's, negated with `negate`. Target buckets
// whose sum and compensation are both zero are left out.
void AddMismatchedCustom(bool negate, std::vector<HistogramSpan>* a_spans, std::vector<double>* a_counts,
                         const std::vector<double>& a_bounds, std::vector<double>* a_comps,
                         const std::vector<HistogramSpan>& b_spans, const std::vector<double>& b_counts,
                         const std::vector<double>& b_bounds, const std::vector<double>& bounds) {
  std::vector<double> sums(bounds.size() + 1, 0);
  std::vector<double> comps(bounds.size() + 1, 0);
  auto map = [&](const std::vector<HistogramSpan>& spans, const std::vector<double>& counts,
                 const std::vector<double>& own_bounds, bool neg, const std::vector<double>* own_comps) {
    size_t next_bound = 0;
    size_t k = 0;
    for (const IndexedBucket& b : Expand(spans, counts, nullptr)) {
      size_t target = sums.size() - 1;  // the +Inf bucket
      if (b.index >= 0 && b.index < static_cast<int64_t>(own_bounds.size())) {
        const double upper = own_bounds[static_cast<size_t>(b.index)];
        for (; next_bound < bounds.size(); ++next_bound) {
          if (bounds[next_bound] >= upper) {
            target = next_bound;
            break;
          }
        }
      }
      if (neg) {
        KahanInc(-b.count, &sums[target], &comps[target]);
      } else {
        KahanInc(b.count, &sums[target], &comps[target]);
        if (own_comps != nullptr && k < own_comps->size())
          KahanInc((*own_comps)[k], &sums[target], &comps[target]);
      }
      ++k;
    }
  };
  map(*a_spans, *a_counts, a_bounds, false, a_comps);
  map(b_spans, b_counts, b_bounds, negate, nullptr);

  std::vector<IndexedBucket> kept;
  for (size_t i = 0; i < sums.size(); ++i) {
    if (sums[i] == 0 && comps[i] == 0) continue;
    kept.push_back({static_cast<int64_t>(i), sums[i], comps[i]});
  }
  std::vector<double> out_comps;
  Collapse(kept, a_spans, a_counts, &out_comps);
  if (a_comps != nullptr) *a_comps = std::move(out_comps);
}

// ---------------------------------------------------------------------------------------------
// Compaction (compactBuckets).

void CompactSide(std::vector<HistogramSpan>* spans, std::vector<double>* counts, std::vector<double>* comps,
                 int max_empty_buckets) {
  // Nothing to do when no bucket is empty, no span is empty and no span starts within
  // max_empty_buckets of the previous one; the layout is then left exactly as it is.
  bool nothing_to_do = true;
  for (double v : *counts) {
    if (v == 0) {
      nothing_to_do = false;
      break;
    }
  }
  if (nothing_to_do) {
    for (const HistogramSpan& s : *spans) {
      if (s.offset <= max_empty_buckets || s.length == 0) {
        nothing_to_do = false;
        break;
      }
    }
    if (nothing_to_do) return;
  }
  // Otherwise the result keeps the populated buckets (a bucket is empty when its count and its
  // compensation are both zero) and puts two of them in one span, filling the indexes between
  // with empty buckets, when at most max_empty_buckets indexes lie between them.
  std::vector<IndexedBucket> kept;
  std::vector<IndexedBucket> empties;  // the empty buckets since the last populated one
  for (const IndexedBucket& b : Expand(*spans, *counts, comps)) {
    if (b.count == 0 && b.comp == 0) {
      empties.push_back(b);
      continue;
    }
    if (!kept.empty()) {
      const int64_t gap = b.index - kept.back().index - 1;
      if (gap > 0 && gap <= max_empty_buckets) {
        if (static_cast<int64_t>(empties.size()) == gap) {
          // A short run of empty buckets inside a span stays as it is (-0 included).
          kept.insert(kept.end(), empties.begin(), empties.end());
        } else {
          const int64_t from = kept.back().index + 1;
          for (int64_t i = 0; i < gap; ++i) kept.push_back({from + i, 0, 0});
        }
      }
    }
    empties.clear();
    kept.push_back(b);
  }
  Collapse(kept, spans, counts, comps);
}

void CompactHistogram(FloatHistogram* h, FloatHistogram* c, int max_empty_buckets) {
  CompactSide(&h->positive_spans, &h->positive_buckets, c != nullptr ? &c->positive_buckets : nullptr,
              max_empty_buckets);
  CompactSide(&h->negative_spans, &h->negative_buckets, c != nullptr ? &c->negative_buckets : nullptr,
              max_empty_buckets);
  if (c != nullptr) {
    c->positive_spans = h->positive_spans;
    c->negative_spans = h->negative_spans;
  }
}

// ---------------------------------------------------------------------------------------------
// Zero buckets (zeroCountForLargerThreshold / trimBucketsInZeroBucket / reconcileZeroBuckets).

struct WiderZeroBucket {
  double count = 0;
  double threshold = 0;
  double comp = 0;
};

// What h's zero count (and, with c, the compensation of it) would be with a zero threshold of
// `larger` (>= h's): the buckets inside move into the zero bucket, summed with Kahan steps. A
// populated bucket that `larger` cuts through widens the threshold to its far edge (which
// restarts the summation when that happens on the negative side; the compensation carries
// over, as in Prometheus).
WiderZeroBucket ZeroCountForLargerThreshold(const FloatHistogram& h, double larger, const FloatHistogram* c) {
  WiderZeroBucket r;
  if (c != nullptr) r.comp = c->zero_count;
  if (larger == h.zero_threshold) {
    r.count = h.zero_count;
    r.threshold = larger;
    return r;
  }
  const std::vector<HistogramBucket> positive = PositiveBuckets(h);
  const std::vector<HistogramBucket> negative = NegativeBuckets(h);
  for (;;) {
    r.count = h.zero_count;
    for (size_t i = 0; i < positive.size(); ++i) {
      const HistogramBucket& b = positive[i];
      if (b.lower >= larger) break;
      KahanInc(b.count, &r.count, &r.comp);
      if (c != nullptr)
        KahanInc(i < c->positive_buckets.size() ? c->positive_buckets[i] : 0, &r.count, &r.comp);
      if (b.upper > larger) {
        if (b.count != 0) larger = b.upper;
        break;
      }
    }
    bool restart = false;
    for (size_t i = 0; i < negative.size(); ++i) {
      const HistogramBucket& b = negative[i];
      if (b.upper <= -larger) break;
      KahanInc(b.count, &r.count, &r.comp);
      if (c != nullptr)
        KahanInc(i < c->negative_buckets.size() ? c->negative_buckets[i] : 0, &r.count, &r.comp);
      if (b.lower < -larger) {
        if (b.count != 0) {
          larger = -b.lower;
          restart = true;
        }
        break;
      }
    }
    if (!restart) break;
  }
  r.threshold = larger;
  return r;
}

// Empties the buckets inside h's zero bucket (their counts are already in the zero count) and
// compacts, c alongside.
void TrimBucketsInZeroBucket(FloatHistogram* h, FloatHistogram* c) {
  const std::vector<HistogramBucket> positive = PositiveBuckets(*h);
  for (size_t i = 0; i < positive.size() && positive[i].lower < h->zero_threshold; ++i) {
    h->positive_buckets[i] = 0;
    if (c != nullptr && i < c->positive_buckets.size()) c->positive_buckets[i] = 0;
  }
  const std::vector<HistogramBucket> negative = NegativeBuckets(*h);
  for (size_t i = 0; i < negative.size() && negative[i].upper > -h->zero_threshold; ++i) {
    h->negative_buckets[i] = 0;
    if (c != nullptr && i < c->negative_buckets.size()) c->negative_buckets[i] = 0;
  }
  CompactHistogram(h, c, 0);
}

struct OtherZeroBucket {
  double count = 0;
  double comp = 0;
};

// Widens the zero bucket of h (and c) and, virtually, of other until both have the same
// threshold; returns other's zero count (and its compensation) at that threshold.
OtherZeroBucket ReconcileZeroBuckets(FloatHistogram* h, const FloatHistogram& other, FloatHistogram* c) {
  OtherZeroBucket r{other.zero_count, 0};
  double other_threshold = other.zero_threshold;
  while (other_threshold != h->zero_threshold) {
    bool progressed = false;
    if (h->zero_threshold > other_threshold) {
      const WiderZeroBucket w = ZeroCountForLargerThreshold(other, h->zero_threshold, nullptr);
      r.count = w.count;
      r.comp = w.comp;
      other_threshold = w.threshold;
      progressed = true;
    }
    if (other_threshold > h->zero_threshold) {
      const WiderZeroBucket w = ZeroCountForLargerThreshold(*h, other_threshold, c);
      h->zero_count = w.count;
      h->zero_threshold = w.threshold;
      if (c != nullptr) c->zero_count = w.comp;
      TrimBucketsInZeroBucket(h, c);
      progressed = true;
    }
    if (!progressed) break;  // a NaN threshold (Prometheus would loop forever)
  }
  return r;
}

// ---------------------------------------------------------------------------------------------
// Counter reset hints (adjustCounterReset).

bool AdjustCounterReset(FloatHistogram* h, const FloatHistogram& other) {
  const CounterResetHint mine = h->counter_reset_hint;
  const CounterResetHint theirs = other.counter_reset_hint;
  if (theirs == mine || mine == CounterResetHint::kGauge) return false;
  if (theirs == CounterResetHint::kGauge) {
    h->counter_reset_hint = CounterResetHint::kGauge;
    return false;
  }
  if (mine == CounterResetHint::kUnknown) return false;
  h->counter_reset_hint = CounterResetHint::kUnknown;
  // Anything but unknown on the other side is now CounterReset against NotCounterReset.
  return theirs != CounterResetHint::kUnknown;
}

// ---------------------------------------------------------------------------------------------
// Add and Sub.

// Whether h and other can be combined: not exponential with custom buckets, and a valid
// layout on the side whose resolution is to be reduced.
HistogramOpError CheckOperands(const FloatHistogram& h, const FloatHistogram& other) {
  if (h.UsesCustomBuckets() != other.UsesCustomBuckets()) return HistogramOpError::kMixedSchemas;
  if ((other.schema < h.schema && !LayoutValid(h)) || (other.schema > h.schema && !LayoutValid(other))) {
    return HistogramOpError::kInvalidLayout;
  }
  return HistogramOpError::kNone;
}

HistogramOpResult AddOrSub(FloatHistogram* h, const FloatHistogram& other_in, bool negate) {
  HistogramOpResult result;
  result.error = CheckOperands(*h, other_in);
  if (!result.ok()) return result;
  // `other` may be *h itself, which the addition changes.
  const FloatHistogram copy = &other_in == h ? other_in : FloatHistogram();
  const FloatHistogram& other = &other_in == h ? copy : other_in;

  result.counter_reset_collision = AdjustCounterReset(h, other);
  if (!h->UsesCustomBuckets()) {
    const OtherZeroBucket z = ReconcileZeroBuckets(h, other, nullptr);
    if (negate) {
      h->zero_count -= z.count;
    } else {
      h->zero_count += z.count;
    }
  }
  if (negate) {
    h->count -= other.count;
    h->sum -= other.sum;
  } else {
    h->count += other.count;
    h->sum += other.sum;
  }

  if (h->UsesCustomBuckets()) {
    if (CustomBoundsMatch(h->custom_values, other.custom_values)) {
      AddSide(h->schema, h->zero_threshold, negate, &h->positive_spans, &h->positive_buckets, nullptr,
              other.positive_spans, other.positive_buckets, nullptr);
    } else {
      result.nhcb_bounds_reconciled = true;
      std::vector<double> bounds = IntersectBounds(h->custom_values, other.custom_values);
      AddMismatchedCustom(negate, &h->positive_spans, &h->positive_buckets, h->custom_values, nullptr,
                          other.positive_spans, other.positive_buckets, other.custom_values, bounds);
      h->custom_values = std::move(bounds);
    }
    return result;
  }

  const std::vector<HistogramSpan>* other_pos_spans = &other.positive_spans;
  const std::vector<double>* other_pos = &other.positive_buckets;
  const std::vector<HistogramSpan>* other_neg_spans = &other.negative_spans;
  const std::vector<double>* other_neg = &other.negative_buckets;
  FloatHistogram reduced;
  if (other.schema < h->schema) {
    ReduceSide(&h->positive_spans, &h->positive_buckets, nullptr, h->schema, other.schema);
    ReduceSide(&h->negative_spans, &h->negative_buckets, nullptr, h->schema, other.schema);
    h->schema = other.schema;
  } else if (other.schema > h->schema) {
    reduced.positive_spans = other.positive_spans;
    reduced.positive_buckets = other.positive_buckets;
    reduced.negative_spans = other.negative_spans;
    reduced.negative_buckets = other.negative_buckets;
    ReduceSide(&reduced.positive_spans, &reduced.positive_buckets, nullptr, other.schema, h->schema);
    ReduceSide(&reduced.negative_spans, &reduced.negative_buckets, nullptr, other.schema, h->schema);
    other_pos_spans = &reduced.positive_spans;
    other_pos = &reduced.positive_buckets;
    other_neg_spans = &reduced.negative_spans;
    other_neg = &reduced.negative_buckets;
  }
  AddSide(h->schema, h->zero_threshold, negate, &h->positive_spans, &h->positive_buckets, nullptr,
          *other_pos_spans, *other_pos, nullptr);
  AddSide(h->schema, h->zero_threshold, negate, &h->negative_spans, &h->negative_buckets, nullptr,
          *other_neg_spans, *other_neg, nullptr);
  return result;
}

// ---------------------------------------------------------------------------------------------
// Counter reset detection.

struct IndexedCount {
  int64_t index;
  double count;
};

// The buckets of one side merged into target_schema (<= schema; counts summed in order),
// without the leading buckets whose absolute upper bound is at or below abs_start (exponential
// schemas only): Prometheus' floatBucketIterator.
std::vector<IndexedCount> MergedBuckets(const std::vector<HistogramSpan>& spans,
                                        const std::vector<double>& counts, int32_t schema,
                                        int32_t target_schema, double abs_start) {
  std::vector<IndexedCount> out;
  bool started = false;
  for (const IndexedBucket& b : Expand(spans, counts, nullptr)) {
    const int64_t target = schema == target_schema ? b.index : TargetIndex(b.index, schema, target_schema);
    if (started && target == out.back().index) {
      out.back().count += b.count;
    } else {
      out.push_back({target, b.count});
      started = true;
    }
  }
  if (abs_start != 0 && IsExponentialSchema(target_schema)) {
    size_t skip = 0;
    while (skip < out.size() &&
           HistogramBucketUpperBound(static_cast<int32_t>(out[skip].index), target_schema, {}) <= abs_start) {
      ++skip;
    }
    out.erase(out.begin(), out.begin() + static_cast<std::ptrdiff_t>(skip));
  }
  return out;
}

// Whether a bucket of prev lost observations in curr (both ascending by index, same schema).
bool BucketsReset(const std::vector<IndexedCount>& curr, const std::vector<IndexedCount>& prev) {
  size_t c = 0;
  for (size_t p = 0; p < prev.size(); ++p) {
    while (c < curr.size() && curr[c].index < prev[p].index) ++c;
    if (c == curr.size()) {
      // prev has this and further buckets that curr lacks.
      for (; p < prev.size(); ++p) {
        if (prev[p].count != 0) return true;
      }
      return false;
    }
    if (curr[c].index > prev[p].index) {
      if (prev[p].count != 0) return true;
    } else if (curr[c].count < prev[p].count) {
      return true;
    }
  }
  return false;
}

// For custom bounds that differ: whether, summed over the buckets between consecutive bounds
// both have, some count went down.
bool CustomBucketsReset(const FloatHistogram& curr, const FloatHistogram& prev) {
  const std::vector<HistogramBucket> cb = PositiveBuckets(curr);
  const std::vector<HistogramBucket> pb = PositiveBuckets(prev);
  size_t ci = 0;
  size_t pi = 0;
  auto rollup = [](const std::vector<HistogramBucket>& buckets, size_t* pos, double bound) {
    double sum = 0;
    while (*pos < buckets.size() && buckets[*pos].upper <= bound) sum += buckets[(*pos)++].count;
    return sum;
  };
  const std::vector<double>& cbounds = curr.custom_values;
  const std::vector<double>& pbounds = prev.custom_values;
  size_t cbi = 0;
  size_t pbi = 0;
  const double inf = std::numeric_limits<double>::infinity();
  while (cbi <= cbounds.size() && pbi <= pbounds.size()) {
    const double cbound = cbi < cbounds.size() ? cbounds[cbi] : inf;
    const double pbound = pbi < pbounds.size() ? pbounds[pbi] : inf;
    if (cbound == pbound) {
      const double csum = rollup(cb, &ci, cbound);
      const double psum = rollup(pb, &pi, cbound);
      if (csum < psum) return true;
      ++cbi;
      ++pbi;
    } else if (cbound < pbound) {
      ++cbi;
    } else {
      ++pbi;
    }
  }
  return false;
}

// ---------------------------------------------------------------------------------------------
// Equality.

// Spans with empty spans folded into the offset of the next non-empty one (trailing empty spans
// dropped).
std::vector<std::pair<int64_t, uint32_t>> NonEmptySpans(const std::vector<HistogramSpan>& spans) {
  std::vector<std::pair<int64_t, uint32_t>> out;
  int64_t carried = 0;
  for (const HistogramSpan& s : spans) {
    carried += s.offset;
    if (s.length == 0) continue;
    out.emplace_back(carried, s.length);
    carried = 0;
  }
  return out;
}

bool SpansMatch(const std::vector<HistogramSpan>& a, const std::vector<HistogramSpan>& b) {
  return NonEmptySpans(a) == NonEmptySpans(b);
}

bool SameBits(double a, double b) {
  return std::memcmp(&a, &b, sizeof(double)) == 0;
}

bool BucketsMatch(const std::vector<double>& a, const std::vector<double>& b) {
  if (a.size() != b.size()) return false;
  for (size_t i = 0; i < a.size(); ++i) {
    if (!SameBits(a[i], b[i])) return false;
  }
  return true;
}

// ---------------------------------------------------------------------------------------------
// Trimming (TrimBuckets and its helpers).

struct Kept {
  double count;
  double midpoint;
};

double ZeroIfInf(double x) {
  return std::isinf(x) ? 0 : x;
}

// The representative value of the surviving part [lower, upper] of a bucket: arithmetic mean for
// linear (custom) buckets, geometric mean (signed) for exponential ones; infinite ends handled
// as Prometheus does.
double Midpoint(double lower, double upper, bool positive, bool linear) {
  if (std::isinf(lower)) {
    if (std::isinf(upper)) return 0;
    if (upper > 0) return upper / 2;
    return upper;
  }
  if (std::isinf(upper)) return lower;
  if (linear) return (lower + upper) / 2;
  const double geo = std::sqrt(std::fabs(lower * upper));
  return positive ? geo : -geo;
}

Kept TrimInfiniteBucket(const HistogramBucket& b, double rhs, bool upper_trim) {
  if (b.lower == -std::numeric_limits<double>::infinity()) {
    if (upper_trim) {
      if (rhs >= b.upper) return {b.count, 0};
      if (rhs > 0 && b.upper > 0 && !std::isinf(b.upper)) return {b.count * rhs / b.upper, rhs / 2};
      if (b.upper <= 0) return {b.count, rhs};
      return {0, ZeroIfInf(b.upper)};
    }
    if (rhs <= b.lower) return {b.count, 0};
    if (rhs >= 0 && b.upper > rhs && !std::isinf(b.upper))
      return {b.count * (1 - rhs / b.upper), (rhs + b.upper) / 2};
    return {0, ZeroIfInf(b.upper)};
  }
  // Upper bound +Inf.
  if (upper_trim) return {0, ZeroIfInf(b.lower)};
  if (rhs >= b.lower) return {b.count, rhs};
  return {0, ZeroIfInf(b.lower)};
}

Kept TrimSplitBucket(const HistogramBucket& b, double rhs, bool upper_trim, bool positive, bool linear) {
  if (b.lower == -std::numeric_limits<double>::infinity() ||
      b.upper == std::numeric_limits<double>::infinity()) {
    return TrimInfiniteBucket(b, rhs, upper_trim);
  }
  double under = 0;
  if (rhs <= b.lower) {
    under = 0;
  } else if (rhs >= b.upper) {
    under = b.count;
  } else {
    under = b.count * FractionBelow(b, rhs, linear);
  }
  if (upper_trim) return {under, Midpoint(b.lower, rhs, positive, linear)};
  return {b.count - under, Midpoint(rhs, b.upper, positive, linear)};
}

Kept TrimOneBucket(const HistogramBucket& b, double rhs, bool upper_trim, bool positive, bool linear) {
  const bool keep_all = upper_trim ? b.upper <= rhs : b.lower >= rhs;
  const bool contains = upper_trim ? b.lower < rhs : b.upper > rhs;
  if (keep_all) return {b.count, Midpoint(b.lower, b.upper, positive, linear)};
  if (contains) return TrimSplitBucket(b, rhs, upper_trim, positive, linear);
  return {0, 0};
}

Kept TrimZeroBucket(const HistogramBucket& z, double rhs, bool has_negative, bool has_positive,
                    bool upper_trim) {
  double lower = z.lower;
  double upper = z.upper;
  if (has_negative && !has_positive) upper = 0;
  if (has_positive && !has_negative) lower = 0;
  double fraction = 0;
  double midpoint = 0;
  if (upper_trim) {
    if (rhs <= lower) return {0, 0};
    if (rhs >= upper) return {z.count, (lower + upper) / 2};
    fraction = (rhs - lower) / (upper - lower);
    midpoint = (lower + rhs) / 2;
  } else {
    if (rhs <= lower) return {z.count, (lower + upper) / 2};
    if (rhs >= upper) return {0, 0};
    fraction = (upper - rhs) / (upper - lower);
    midpoint = (rhs + upper) / 2;
  }
  return {z.count * fraction, midpoint};
}

// ---------------------------------------------------------------------------------------------
// Validation.

std::string FormatFixed(double v) {
  if (std::isinf(v)) return v > 0 ? "+Inf" : "-Inf";
  if (std::isnan(v)) return "NaN";
  return FormatFloatPrec(v, 'f', 6);
}

// Empty when the bucket counts are all non-negative; otherwise Prometheus' message.
std::string CheckBucketCounts(const std::vector<double>& buckets) {
  for (size_t i = 0; i < buckets.size(); ++i) {
    if (buckets[i] < 0) {
      return "bucket number " + std::to_string(i + 1) + " has observation count of " + Fmt(buckets[i]) +
             ": " + kErrNegativeBucketCount;
    }
  }
  return {};
}

std::string CheckCustomBounds(const std::vector<double>& bounds, const std::vector<HistogramSpan>& spans,
                              size_t num_buckets) {
  double prev = -std::numeric_limits<double>::infinity();
  for (size_t i = 0; i < bounds.size(); ++i) {
    const double curr = bounds[i];
    if (std::isnan(curr)) return "histogram custom bounds must not be NaN";
    if (i > 0 && curr <= prev) {
      return "previous bound is " + FormatFixed(prev) + " and current is " + FormatFixed(curr) +
             ": histogram custom bounds must be in strictly increasing order";
    }
    prev = curr;
  }
  if (prev == std::numeric_limits<double>::infinity()) {
    return "last +Inf bound must not be explicitly defined: histogram custom bounds must be finite";
  }
  uint64_t span_buckets = 0;
  int64_t total_length = 0;
  for (size_t n = 0; n < spans.size(); ++n) {
    if (spans[n].offset < 0) {
      return "span number " + std::to_string(n + 1) + " with offset " + std::to_string(spans[n].offset) +
             ": " + kErrNegativeOffset;
    }
    span_buckets += spans[n].length;
    total_length += static_cast<int64_t>(spans[n].length) + spans[n].offset;
  }
  if (span_buckets != num_buckets) {
    return "spans need " + std::to_string(span_buckets) + " buckets, have " + std::to_string(num_buckets) +
           " buckets: " + kErrSpansBucketsMismatch;
  }
  if (static_cast<int64_t>(bounds.size()) + 1 < total_length) {
    return "only " + std::to_string(bounds.size()) +
           " custom bounds defined which is insufficient to cover total span length of " +
           std::to_string(total_length) + ": histogram custom bounds are too few";
  }
  return {};
}

}  // namespace

HistogramOpResult HistogramAdd(FloatHistogram* h, const FloatHistogram& other) {
  return AddOrSub(h, other, false);
}

HistogramOpResult HistogramSub(FloatHistogram* h, const FloatHistogram& other) {
  return AddOrSub(h, other, true);
}

HistogramOpResult HistogramKahanAdd(FloatHistogram* h, const FloatHistogram& other_in,
                                    std::optional<FloatHistogram>* c_opt) {
  HistogramOpResult result;
  // (Prometheus does not check the layouts here: an invalid one makes it panic or misbehave.)
  result.error = CheckOperands(*h, other_in);
  if (!result.ok()) return result;
  if (c_opt->has_value()) {
    const FloatHistogram& c = **c_opt;
    if (c.positive_buckets.size() != h->positive_buckets.size() ||
        (!h->UsesCustomBuckets() && c.negative_buckets.size() != h->negative_buckets.size())) {
      result.error = HistogramOpError::kInvalidLayout;
      return result;
    }
  }
  // `other` may be *h itself, which the addition changes.
  const FloatHistogram copy = &other_in == h ? other_in : FloatHistogram();
  const FloatHistogram& other = &other_in == h ? copy : other_in;

  result.counter_reset_collision = AdjustCounterReset(h, other);
  if (!c_opt->has_value()) {
    FloatHistogram fresh;
    fresh.counter_reset_hint = h->counter_reset_hint;
    fresh.schema = h->schema;
    fresh.zero_threshold = h->zero_threshold;
    fresh.custom_values = h->custom_values;
    fresh.positive_spans = h->positive_spans;
    fresh.negative_spans = h->negative_spans;
    fresh.positive_buckets.assign(h->positive_buckets.size(), 0);
    if (!h->UsesCustomBuckets()) fresh.negative_buckets.assign(h->negative_buckets.size(), 0);
    *c_opt = std::move(fresh);
  }
  FloatHistogram* c = &**c_opt;

  if (!h->UsesCustomBuckets()) {
    const OtherZeroBucket z = ReconcileZeroBuckets(h, other, c);
    KahanInc(z.count, &h->zero_count, &c->zero_count);
    KahanInc(z.comp, &h->zero_count, &c->zero_count);
  }
  KahanInc(other.count, &h->count, &c->count);
  KahanInc(other.sum, &h->sum, &c->sum);

  if (h->UsesCustomBuckets()) {
    if (CustomBoundsMatch(h->custom_values, other.custom_values)) {
      AddSide(h->schema, h->zero_threshold, false, &h->positive_spans, &h->positive_buckets,
              &c->positive_buckets, other.positive_spans, other.positive_buckets, nullptr);
    } else {
      result.nhcb_bounds_reconciled = true;
      std::vector<double> bounds = IntersectBounds(h->custom_values, other.custom_values);
      AddMismatchedCustom(false, &h->positive_spans, &h->positive_buckets, h->custom_values,
                          &c->positive_buckets, other.positive_spans, other.positive_buckets,
                          other.custom_values, bounds);
      h->custom_values = bounds;
      c->custom_values = std::move(bounds);
    }
    c->positive_spans = h->positive_spans;
    return result;
  }

  const std::vector<HistogramSpan>* other_pos_spans = &other.positive_spans;
  const std::vector<double>* other_pos = &other.positive_buckets;
  const std::vector<double>* other_pos_comps = nullptr;
  const std::vector<HistogramSpan>* other_neg_spans = &other.negative_spans;
  const std::vector<double>* other_neg = &other.negative_buckets;
  const std::vector<double>* other_neg_comps = nullptr;
  FloatHistogram reduced;
  std::vector<double> reduced_pos_comps;
  std::vector<double> reduced_neg_comps;
  if (other.schema < h->schema) {
    ReduceSide(&h->positive_spans, &h->positive_buckets, &c->positive_buckets, h->schema, other.schema);
    ReduceSide(&h->negative_spans, &h->negative_buckets, &c->negative_buckets, h->schema, other.schema);
    h->schema = other.schema;
  } else if (other.schema > h->schema) {
    // Merging other's buckets is itself Kahan-summed, into compensations that start at zero.
    auto reduce_other = [&](const std::vector<HistogramSpan>& spans, const std::vector<double>& buckets,
                            std::vector<HistogramSpan>* out_spans, std::vector<double>* out_buckets,
                            std::vector<double>* out_comps, const std::vector<HistogramSpan>** use_spans,
                            const std::vector<double>** use_buckets, const std::vector<double>** use_comps) {
      if (buckets.empty()) return;
      *out_spans = spans;
      *out_buckets = buckets;
      out_comps->assign(buckets.size(), 0);
      ReduceSide(out_spans, out_buckets, out_comps, other.schema, h->schema);
      *use_spans = out_spans;
      *use_buckets = out_buckets;
      *use_comps = out_comps;
    };
    reduce_other(other.positive_spans, other.positive_buckets, &reduced.positive_spans,
                 &reduced.positive_buckets, &reduced_pos_comps, &other_pos_spans, &other_pos,
                 &other_pos_comps);
    reduce_other(other.negative_spans, other.negative_buckets, &reduced.negative_spans,
                 &reduced.negative_buckets, &reduced_neg_comps, &other_neg_spans, &other_neg,
                 &other_neg_comps);
  }
  AddSide(h->schema, h->zero_threshold, false, &h->positive_spans, &h->positive_buckets, &c->positive_buckets,
          *other_pos_spans, *other_pos, other_pos_comps);
  AddSide(h->schema, h->zero_threshold, false, &h->negative_spans, &h->negative_buckets, &c->negative_buckets,
          *other_neg_spans, *other_neg, other_neg_comps);
  c->schema = h->schema;
  c->zero_threshold = h->zero_threshold;
  c->positive_spans = h->positive_spans;
  c->negative_spans = h->negative_spans;
  return result;
}

void HistogramMul(FloatHistogram* h, double factor) {
  h->zero_count *= factor;
  h->count *= factor;
  h->sum *= factor;
  for (double& v : h->positive_buckets) v *= factor;
  for (double& v : h->negative_buckets) v *= factor;
  if (factor < 0) h->counter_reset_hint = CounterResetHint::kGauge;
}

void HistogramDiv(FloatHistogram* h, double divisor) {
  h->zero_count /= divisor;
  h->count /= divisor;
  h->sum /= divisor;
  if (divisor == 0) {
    h->positive_buckets.clear();
    h->negative_buckets.clear();
    h->positive_spans.clear();
    h->negative_spans.clear();
    return;
  }
  for (double& v : h->positive_buckets) v /= divisor;
  for (double& v : h->negative_buckets) v /= divisor;
  if (divisor < 0) h->counter_reset_hint = CounterResetHint::kGauge;
}

FloatHistogram HistogramCompact(const FloatHistogram& h, int max_empty_buckets) {
  FloatHistogram out = h;
  CompactHistogram(&out, nullptr, max_empty_buckets);
  return out;
}

Result<FloatHistogram> HistogramTryCopyToSchema(const FloatHistogram& h, int32_t target_schema) {
  if (target_schema == h.schema) return h;
  if (h.UsesCustomBuckets() || target_schema == kCustomBucketsSchema || target_schema > h.schema) {
    return Error(ErrorKind::kInternal, "cannot copy from schema " + std::to_string(h.schema) + " to " +
                                           std::to_string(target_schema));
  }
  for (const auto& [spans, buckets] : {std::pair{&h.positive_spans, &h.positive_buckets},
                                       std::pair{&h.negative_spans, &h.negative_buckets}}) {
    if (std::string err = CheckForReduction(*spans, buckets->size()); !err.empty()) {
      return Error(ErrorKind::kInternal, std::move(err));
    }
  }
  return HistogramCopyToSchema(h, target_schema);
}

FloatHistogram HistogramCopyToSchema(const FloatHistogram& h, int32_t target_schema) {
  FloatHistogram out = h;
  if (target_schema == h.schema || h.UsesCustomBuckets() || target_schema == kCustomBucketsSchema ||
      target_schema > h.schema) {
    return out;
  }
  out.schema = target_schema;
  ReduceSide(&out.positive_spans, &out.positive_buckets, nullptr, h.schema, target_schema);
  ReduceSide(&out.negative_spans, &out.negative_buckets, nullptr, h.schema, target_schema);
  return out;
}

bool HistogramDetectReset(const FloatHistogram& h, const FloatHistogram& previous) {
  if (h.counter_reset_hint == CounterResetHint::kCounterReset) return true;
  if (h.counter_reset_hint == CounterResetHint::kNotCounterReset) return false;
  // Unknown and gauge histograms are inspected (PromQL treats a gauge given to a counter
  // function as a counter).
  if (h.count < previous.count) return true;
  if (h.UsesCustomBuckets()) {
    if (!previous.UsesCustomBuckets()) return true;
    if (!CustomBoundsMatch(h.custom_values, previous.custom_values)) return CustomBucketsReset(h, previous);
  }
  if (h.schema > previous.schema) return true;
  if (h.zero_threshold < previous.zero_threshold) return true;
  const WiderZeroBucket z = ZeroCountForLargerThreshold(previous, h.zero_threshold, nullptr);
  if (z.threshold != h.zero_threshold) return true;  // the new threshold cuts a populated bucket
  if (h.zero_count < z.count) return true;
  for (const bool positive : {true, false}) {
    const auto& h_spans = positive ? h.positive_spans : h.negative_spans;
    const auto& h_buckets = positive ? h.positive_buckets : h.negative_buckets;
    const auto& p_spans = positive ? previous.positive_spans : previous.negative_spans;
    const auto& p_buckets = positive ? previous.positive_buckets : previous.negative_buckets;
    const std::vector<IndexedCount> curr =
        MergedBuckets(h_spans, h_buckets, h.schema, h.schema, h.zero_threshold);
    const std::vector<IndexedCount> prev =
        MergedBuckets(p_spans, p_buckets, previous.schema, h.schema, h.zero_threshold);
    if (BucketsReset(curr, prev)) return true;
  }
  return false;
}

bool HistogramEquals(const FloatHistogram& a, const FloatHistogram& b) {
  if (a.schema != b.schema || !SameBits(a.count, b.count) || !SameBits(a.sum, b.sum)) return false;
  if (a.UsesCustomBuckets() && !CustomBoundsMatch(a.custom_values, b.custom_values)) return false;
  if (a.zero_threshold != b.zero_threshold || !SameBits(a.zero_count, b.zero_count)) return false;
  return SpansMatch(a.negative_spans, b.negative_spans) &&
         BucketsMatch(a.negative_buckets, b.negative_buckets) &&
         SpansMatch(a.positive_spans, b.positive_spans) &&
         BucketsMatch(a.positive_buckets, b.positive_buckets);
}

FloatHistogram HistogramTrimBuckets(const FloatHistogram& h_in, double bound, bool upper_trim) {
  FloatHistogram h = h_in;
  const bool linear = h.UsesCustomBuckets();
  double count = 0;
  double sum = 0;
  bool trimmed = false;
  bool has_positive = false;
  bool has_negative = false;
  for (const bool positive : {true, false}) {
    std::vector<double>& counts = positive ? h.positive_buckets : h.negative_buckets;
    const std::vector<HistogramBucket> buckets = positive ? PositiveBuckets(h) : NegativeBuckets(h);
    for (size_t i = 0; i < buckets.size(); ++i) {
      if (buckets[i].count == 0) continue;
      (positive ? has_positive : has_negative) = true;
      const Kept k = TrimOneBucket(buckets[i], bound, upper_trim, positive, linear);
      count += k.count;
      sum += k.midpoint * k.count;
      if (counts[i] != k.count) {
        counts[i] = k.count;
        trimmed = true;
      }
    }
  }
  if (h.zero_count > 0) {
    const Kept k = TrimZeroBucket(ZeroBucket(h), bound, has_negative, has_positive, upper_trim);
    if (h.zero_count != k.count) {
      h.zero_count = k.count;
      trimmed = true;
    }
    sum += k.midpoint * k.count;
    count += k.count;
  }
  if (trimmed) {
    h.count = count;
    h.sum = sum;
    CompactHistogram(&h, nullptr, 0);
  }
  return h;
}

// Histogram.Validate's last check, for histograms with integer counts (exact as doubles below
// 2^53, which is where integer counts live in practice).
Status CheckIntegerCount(const FloatHistogram& h) {
  double in_buckets = h.zero_count;
  for (double c : h.negative_buckets) in_buckets += c;
  for (double c : h.positive_buckets) in_buckets += c;
  const bool nan_sum = std::isnan(h.sum);
  if (nan_sum ? in_buckets <= h.count : in_buckets == h.count) return {};
  // Go formats these uint64 totals with %d.
  auto integer = [](double v) { return std::to_string(static_cast<uint64_t>(v)); };
  return BadData(
      integer(in_buckets) + " observations found in buckets, but the Count field is " + integer(h.count) +
      (nan_sum ? ": histogram's observation count should be at least the number of observations "
                 "found in the buckets"
               : ": histogram's observation count should equal the number of observations found in "
                 "the buckets (in absence of NaN)"));
}

Status HistogramValidate(const FloatHistogram& h, HistogramKind kind) {
  if (h.UsesCustomBuckets()) {
    if (std::string err = CheckCustomBounds(h.custom_values, h.positive_spans, h.positive_buckets.size());
        !err.empty()) {
      return BadData("custom buckets: " + err);
    }
    if (h.zero_count != 0) return BadData("custom buckets: must have zero count of 0");
    if (h.zero_threshold != 0) return BadData("custom buckets: must have zero threshold of 0");
    if (!h.negative_spans.empty()) return BadData("custom buckets: must not have negative spans");
    if (!h.negative_buckets.empty()) return BadData("custom buckets: must not have negative buckets");
  } else if (IsExponentialSchema(h.schema)) {
    if (std::string err = CheckSpans(h.positive_spans, h.positive_buckets.size()); !err.empty()) {
      return BadData("positive side: " + err);
    }
    if (std::string err = CheckSpans(h.negative_spans, h.negative_buckets.size()); !err.empty()) {
      return BadData("negative side: " + err);
    }
    if (std::string err = CheckBucketCounts(h.negative_buckets); !err.empty()) {
      return BadData("negative side: " + err);
    }
    if (h.zero_count < 0) {
      return BadData("zero bucket has observation count of " + Fmt(h.zero_count) + ": " +
                     kErrNegativeBucketCount);
    }
    if (!h.custom_values.empty())
      return BadData("histogram with exponential schema must not have custom bounds");
  } else {
    return BadData(
        "histogram has an invalid schema, which must be between -4 and 8 for exponential buckets, or -53 for "
        "custom "
        "buckets, got schema " +
        std::to_string(h.schema));
  }
  if (h.count < 0) {
    return BadData("observation count is  " + Fmt(h.count) + ": histogram's observation count is negative");
  }
  if (std::string err = CheckBucketCounts(h.positive_buckets); !err.empty())
    return BadData("positive side: " + err);
  return kind == HistogramKind::kInteger ? CheckIntegerCount(h) : Status{};
}

}  // namespace promref::model
