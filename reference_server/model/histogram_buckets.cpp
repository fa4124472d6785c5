#include "model/histogram_buckets.h"

#include <array>
#include <cfloat>
#include <cmath>
#include <iterator>
#include <limits>

#include "model/go_math.h"
#include "model/go_strconv.h"

namespace promref::model {
namespace {

constexpr int32_t kMaxSchema = 8;

// 2^(i/2^schema - 1) for i in [0, 2^schema): the bounds in [0.5, 1) from which every
// exponential bound is made by scaling with a power of two. Recorded from Prometheus 3.16 into
// fixtures/histograms/exponential_bounds.3.x.txt and generated from it by
// scripts/record-histogram-bounds, not computed: Prometheus takes them from a precalculated
// table that is not the correctly rounded 2^(i/2^schema - 1). 341 of its 511 entries differ
// from that in the last bits (up to 4 ULP, from schema 1 on), and a bound one ULP off renders
// differently in JSON and puts a value equal to it in another bucket. model_test checks the
// table against the fixture and within 4 ULP of exp2l.
constexpr double kRecordedFractions[] = {
#include "model/exponential_bounds.inc"
};
static_assert(std::size(kRecordedFractions) == (size_t{2} << kMaxSchema) - 1);  // 2^s per schema

const std::array<std::vector<double>, kMaxSchema + 1>& FractionTable() {
  static const auto* table = [] {
    auto* t = new std::array<std::vector<double>, kMaxSchema + 1>();
    const double* next = kRecordedFractions;
    for (int32_t s = 0; s <= kMaxSchema; ++s) {
      const int32_t n = 1 << s;
      (*t)[s].assign(next, next + n);
      next += n;
    }
    return t;
  }();
  return *table;
}

double ExponentialUpperBound(int32_t index, int32_t schema) {
  // The bound that would be 2^1024 is the last finite bucket's: it ends at the largest
  // float64 so that the bucket after it can count ±Inf.
  if (schema < 0) {
    const int64_t exp = static_cast<int64_t>(index) << -schema;
    if (exp == 1024) return DBL_MAX;
    return std::ldexp(1.0, static_cast<int>(exp));
  }
  const int32_t frac_index = index & ((1 << schema) - 1);
  const double frac = FractionTable()[schema][frac_index];
  const int exp = (index >> schema) + 1;
  if (frac == 0.5 && exp == 1025) return DBL_MAX;
  return std::ldexp(frac, exp);
}

HistogramBucket MakeBucket(int32_t index, double count, bool positive, const FloatHistogram& h) {
  HistogramBucket b;
  b.index = index;
  b.count = count;
  const double hi = HistogramBucketUpperBound(index, h.schema, h.custom_values);
  const double lo = HistogramBucketUpperBound(index - 1, h.schema, h.custom_values);
  if (positive) {
    b.lower = lo;
    b.upper = hi;
  } else {
    b.lower = -hi;
    b.upper = -lo;
  }
  if (h.UsesCustomBuckets()) {
    b.lower_inclusive = index == 0;
    b.upper_inclusive = true;
  } else {
    b.lower_inclusive = b.lower < 0;
    b.upper_inclusive = b.upper > 0;
  }
  return b;
}

std::vector<HistogramBucket> Expand(const std::vector<HistogramSpan>& spans,
                                    const std::vector<double>& counts, bool positive,
                                    const FloatHistogram& h) {
  std::vector<HistogramBucket> out;
  out.reserve(counts.size());
  int32_t index = 0;
  size_t k = 0;
  for (size_t s = 0; s < spans.size(); ++s) {
    index += spans[s].offset;
    for (uint32_t j = 0; j < spans[s].length; ++j, ++index) {
      if (k >= counts.size()) return out;  // an invalid layout: stop, as Go's iterator does
      out.push_back(MakeBucket(index, counts[k++], positive, h));
    }
  }
  return out;
}

}  // namespace

double HistogramBucketUpperBound(int32_t index, int32_t schema, const std::vector<double>& custom_values) {
  if (schema == kCustomBucketsSchema) {
    const auto n = static_cast<int32_t>(custom_values.size());
    if (index >= n) return std::numeric_limits<double>::infinity();
    if (index < 0) return -std::numeric_limits<double>::infinity();
    return custom_values[static_cast<size_t>(index)];
  }
  return ExponentialUpperBound(index, schema);
}

std::vector<HistogramBucket> PositiveBuckets(const FloatHistogram& h) {
  return Expand(h.positive_spans, h.positive_buckets, true, h);
}

std::vector<HistogramBucket> NegativeBuckets(const FloatHistogram& h) {
  return Expand(h.negative_spans, h.negative_buckets, false, h);
}

HistogramBucket ZeroBucket(const FloatHistogram& h) {
  HistogramBucket b;
  b.lower = -h.zero_threshold;
  b.upper = h.zero_threshold;
  b.lower_inclusive = true;
  b.upper_inclusive = true;
  b.count = h.zero_count;
  return b;
}

std::vector<HistogramBucket> AllBuckets(const FloatHistogram& h) {
  std::vector<HistogramBucket> out;
  auto clip = [&](HistogramBucket b) {
    if (b.upper < 0 && b.upper > -h.zero_threshold) {
      b.upper = -h.zero_threshold;
    } else if (b.lower > 0 && b.lower < h.zero_threshold) {
      b.lower = h.zero_threshold;
    }
    return b;
  };
  std::vector<HistogramBucket> negative = NegativeBuckets(h);
  for (auto it = negative.rbegin(); it != negative.rend(); ++it) out.push_back(clip(*it));
  if (h.zero_count > 0) out.push_back(ZeroBucket(h));
  for (const HistogramBucket& b : PositiveBuckets(h)) out.push_back(clip(b));
  return out;
}

double FractionBelow(const HistogramBucket& b, double v, bool linear) {
  if (linear) return (v - b.lower) / (b.upper - b.lower);
  // On a log scale exponential bounds are evenly spaced; negative buckets are mirrored.
  const double log_lower = GoLog2(std::fabs(b.lower));
  const double log_upper = GoLog2(std::fabs(b.upper));
  const double log_v = GoLog2(std::fabs(v));
  if (v > 0) return (log_v - log_lower) / (log_upper - log_lower);
  return 1 - ((log_v - log_upper) / (log_lower - log_upper));
}

std::string HistogramString(const FloatHistogram& h) {
  auto bucket = [](const HistogramBucket& b) {
    return std::string(b.lower_inclusive ? "[" : "(") + FormatFloat(b.lower, 'g') + "," +
           FormatFloat(b.upper, 'g') + (b.upper_inclusive ? "]" : ")") + ":" + FormatFloat(b.count, 'g');
  };
  std::string out = "{count:" + FormatFloat(h.count, 'g') + ", sum:" + FormatFloat(h.sum, 'g');
  const std::vector<HistogramBucket> negative = NegativeBuckets(h);
  for (auto it = negative.rbegin(); it != negative.rend(); ++it) {
    if (it->count != 0) out += ", " + bucket(*it);
  }
  if (h.zero_count != 0) out += ", " + bucket(ZeroBucket(h));
  for (const HistogramBucket& b : PositiveBuckets(h)) {
    if (b.count != 0) out += ", " + bucket(b);
  }
  return out + "}";
}

}  // namespace promref::model
