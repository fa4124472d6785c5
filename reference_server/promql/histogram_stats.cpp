#include "promql/internal/histogram_stats.h"

#include <algorithm>
#include <bit>
#include <cmath>
#include <cstddef>
#include <limits>
#include <vector>

#include "model/histogram_buckets.h"
#include "model/sample.h"
#include "promql/internal/go_math.h"

namespace promref::promql::internal {
namespace {

using model::FloatHistogram;
using model::HistogramBucket;

constexpr double kInf = std::numeric_limits<double>::infinity();
// Go's math.NaN(), what Prometheus returns for an undefined result.
const double kNaN = std::bit_cast<double>(model::kNormalNaNBits);

// The midpoint histogram_stdvar takes for a non-empty bucket.
double BucketMidpoint(const HistogramBucket& b, bool custom) {
  if (custom) return (b.upper + b.lower) / 2.0;
  if (b.lower <= 0 && b.upper >= 0) return 0;  // the zero bucket
  const double m = std::sqrt(b.upper * b.lower);
  return b.upper < 0 ? -m : m;
}

}  // namespace

HistogramQuantileResult HistogramQuantile(double q, const FloatHistogram& h) {
  HistogramQuantileResult out;
  if (q < 0) {
    out.value = -kInf;
    return out;
  }
  if (q > 1) {
    out.value = kInf;
    return out;
  }
  if (h.count == 0 || std::isnan(q)) {
    out.value = kNaN;
    return out;
  }

  // NaN observations raise the count but sit in no bucket, so with a NaN sum the rank is
  // counted from below; otherwise from whichever end is nearer.
  const bool from_below = std::isnan(h.sum) || q < 0.5;
  std::vector<HistogramBucket> buckets = model::AllBuckets(h);
  if (!from_below) std::reverse(buckets.begin(), buckets.end());
  double rank = from_below ? q * h.count : (1 - q) * h.count;

  // The bucket the rank falls in; when no bucket reaches it, the last one visited (empty ones
  // included), or a bucket with all fields zero when there are none.
  HistogramBucket bucket;
  double count = 0;
  size_t next = 0;
  while (next < buckets.size()) {
    bucket = buckets[next++];
    if (bucket.count == 0) continue;
    count += bucket.count;
    if (count >= rank) break;
  }

  const bool custom = h.UsesCustomBuckets();
  if (!custom && bucket.lower < 0 && bucket.upper > 0) {
    // The zero bucket: its far side is 0 when all other buckets are on the other side.
    if (h.negative_buckets.empty() && !h.positive_buckets.empty()) {
      bucket.lower = 0;
    } else if (h.positive_buckets.empty() && !h.negative_buckets.empty()) {
      bucket.upper = 0;
    }
  } else if (custom) {
    if (bucket.lower == -kInf) {
      // The first custom bucket starts at 0 if it ends above 0; else its upper bound is all
      // there is to say.
      if (bucket.upper <= 0) {
        out.value = bucket.upper;
        return out;
      }
      bucket.lower = 0;
    } else if (bucket.upper == kInf) {
      out.value = bucket.lower;
      return out;
    }
  }

  // Rounding can make the buckets add up to more than the count.
  if (count > h.count) count = h.count;
  if (count < rank) {
    // Only NaN observations should leave the rank above every bucket.
    if (std::isnan(h.sum)) {
      out.value = kNaN;
      out.nan_result = true;
      return out;
    }
    out.value = bucket.upper;
    return out;
  }

  // The rank within the bucket, counted from its lower bound.
  if (from_below) {
    rank -= count - bucket.count;
  } else {
    rank = count - rank;
  }
  if (std::isnan(h.sum)) {
    // A NaN sum may also come from observing both +Inf and -Inf; only buckets adding up to
    // less than the count show NaN observations.
    for (; next < buckets.size(); ++next) count += buckets[next].count;
    if (count < h.count) out.nan_skew = true;
  }

  const double fraction = rank / bucket.count;
  if (custom || (bucket.lower <= 0 && bucket.upper >= 0)) {
    out.value = bucket.lower + (bucket.upper - bucket.lower) * fraction;
    return out;
  }
  // Exponential bucket bounds are evenly spaced on a log2 scale: interpolate there.
  const double log_lower = GoLog2(std::fabs(bucket.lower));
  const double log_upper = GoLog2(std::fabs(bucket.upper));
  if (bucket.lower > 0) {
    out.value = GoExp2(log_lower + (log_upper - log_lower) * fraction);
  } else {
    out.value = -GoExp2(log_upper + (log_lower - log_upper) * (1 - fraction));
  }
  return out;
}

HistogramFractionResult HistogramFraction(double lower, double upper, const FloatHistogram& h) {
  HistogramFractionResult out;
  if (h.count == 0 || std::isnan(lower) || std::isnan(upper)) {
    out.value = kNaN;
    return out;
  }
  if (lower >= upper) {
    out.value = 0;
    return out;
  }

  const bool custom = h.UsesCustomBuckets();
  const std::vector<HistogramBucket> buckets = model::AllBuckets(h);
  // rank: the observations in the buckets before the current one.
  double count = 0, rank = 0, lower_rank = 0, upper_rank = 0;
  bool lower_set = false, upper_set = false;
  size_t next = 0;
  while (next < buckets.size()) {
    HistogramBucket b = buckets[next++];
    count += b.count;
    bool zero_bucket = false;
    if (custom) {
      // The first custom bucket starts at 0 when it ends above 0 (as for classic histograms).
      if (b.lower == -kInf && b.upper > 0) b.lower = 0;
    } else if (b.lower <= 0 && b.upper >= 0) {
      zero_bucket = true;
      if (h.negative_buckets.empty() && !h.positive_buckets.empty()) {
        b.lower = 0;
      } else if (h.positive_buckets.empty() && !h.negative_buckets.empty()) {
        b.upper = 0;
      }
    }
    // The observations at or below v, a finite value strictly inside b.
    const auto rank_at = [&](double v) {
      if (custom || zero_bucket) {
        // Linear. Not inside a bucket from -Inf: all of it lies below v. (A bucket to +Inf
        // comes out as rank: none of it lies below v.)
        if (b.lower == -kInf) return b.count;
        return rank + b.count * model::FractionBelow(b, v, true);
      }
      return rank + b.count * model::FractionBelow(b, v, false);
    };

    if (!lower_set && b.lower >= lower) {
      lower_rank = rank;
      lower_set = true;
    }
    if (!upper_set && b.lower >= upper) {
      upper_rank = rank;
      upper_set = true;
    }
    if (lower_set && upper_set) break;
    if (!lower_set && b.lower < lower && b.upper > lower) {
      lower_rank = rank_at(lower);
      lower_set = true;
    }
    if (!upper_set && b.lower < upper && b.upper > upper) {
      upper_rank = rank_at(upper);
      upper_set = true;
    }
    if (lower_set && upper_set) break;
    rank += b.count;
  }

  if (std::isnan(h.sum)) {
    // Only what the buckets hold can be ranked; NaN observations are in none of them.
    for (; next < buckets.size(); ++next) count += buckets[next].count;
    if (count < h.count) out.nan_observations = true;
  } else {
    count = h.count;
  }
  if (!lower_set || lower_rank > count) lower_rank = count;
  if (!upper_set || upper_rank > count) upper_rank = count;
  out.value = (upper_rank - lower_rank) / h.count;
  return out;
}

double HistogramAvg(const FloatHistogram& h) {
  return h.sum / h.count;
}

double HistogramStdVar(const FloatHistogram& h) {
  const double mean = h.sum / h.count;
  const bool custom = h.UsesCustomBuckets();
  double variance = 0, compensation = 0;
  for (const HistogramBucket& b : model::AllBuckets(h)) {
    if (b.count == 0) continue;
    const double delta = BucketMidpoint(b, custom) - mean;
    KahanSumInc(b.count * delta * delta, &variance, &compensation);
  }
  variance += compensation;
  return variance / h.count;
}

double HistogramStdDev(const FloatHistogram& h) {
  return std::sqrt(HistogramStdVar(h));
}

}  // namespace promref::promql::internal
