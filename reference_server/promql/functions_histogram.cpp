// The histogram functions: histogram_quantile(s) and histogram_fraction over classic bucket
// series, and the native-histogram statistics (histogram_count, _sum, _avg, _stddev, _stdvar).
#include <re2/re2.h>

#include <algorithm>
#include <cmath>
#include <limits>
#include <numbers>
#include <optional>
#include <set>
#include <string_view>
#include <unordered_map>

#include "model/go_strconv.h"
#include "model/sample.h"
#include "model/time.h"
#include "promql/internal/function_support.h"
#include "promql/internal/functions.h"
#include "promql/internal/go_math.h"
#include "promql/internal/histogram_stats.h"

namespace promref::promql::internal {
namespace {

// --- Classic histograms ------------------------------------------------------------------------

struct Bucket {
  double upper;
  double count;
};

struct BucketGroup {
  model::Labels metric;
  bool drop_name = false;
  std::vector<Bucket> buckets;
};

// " for metric name \"x\"", the suffix Prometheus adds to an annotation when it knows the
// metric's name ("" when the name is gone).
std::string ForMetricName(const model::Labels& l) {
  const auto name = l.MetricName();
  return name.empty() ? std::string() : " for metric name " + model::GoQuote(name);
}

// The input of a histogram function split as Prometheus' resetHistograms splits it: native
// histogram samples, and classic bucket series grouped by all labels except `le`.
struct HistogramInput {
  std::vector<Sample> natives;  // name (and metadata labels) already dropped, as for the output
  std::vector<BucketGroup> groups;
};

// A missing or malformed `le` skips the series with a warning. A native histogram with the
// same labels as a classic group drops both, with a warning.
HistogramInput SplitHistograms(const FunctionCall& fc, const Vector& in, const Expr& arg) {
  HistogramInput out;
  std::unordered_map<std::string, size_t> index;
  const bool delayed = fc.ctx->delayed_name_removal;
  // Prometheus names the metric in these warnings only with delayed name removal.
  auto for_metric = [&](const model::Labels& l) { return delayed ? ForMetricName(l) : std::string(); };
  std::vector<const Sample*> natives;
  for (const Sample& s : in) {
    if (s.h) {
      natives.push_back(&s);
      continue;
    }
    const std::string_view le = s.metric.Get("le");
    const model::ParsedFloat upper = model::ParseFloat(le);
    if (!upper.ok() || std::isnan(upper.value)) {
      fc.ctx->annotations->Warn("bucket label \"le\" is missing or has a malformed value of " +
                                    model::GoQuote(le) + for_metric(s.metric),
                                arg.pos);
      continue;
    }
    model::LabelsBuilder b(s.metric);
    b.Del("le");
    model::Labels key = b.Build();
    auto [it, inserted] = index.try_emplace(std::string(key.Encoded()), out.groups.size());
    if (inserted) {
      BucketGroup g;
      g.metric = key;
      g.drop_name = true;
      if (!delayed) {
        DropMetadataLabels(&b);
        g.metric = b.Build();
      }
      out.groups.push_back(std::move(g));
    }
    out.groups[it->second].buckets.push_back({upper.value, s.f});
  }
  for (const Sample* s : natives) {
    auto it = index.find(std::string(s->metric.Encoded()));
    if (it != index.end() && !out.groups[it->second].buckets.empty()) {
      fc.ctx->annotations->Warn(
          "vector contains a mix of classic and native histograms" + for_metric(s->metric), arg.pos);
      out.groups[it->second].buckets.clear();
      continue;
    }
    Sample n = *s;
    n.t = fc.ts;
    DropMetricName(&n, delayed);
    out.natives.push_back(std::move(n));
  }
  std::erase_if(out.groups, [](const BucketGroup& g) { return g.buckets.empty(); });
  return out;
}

// The float result of a native-histogram function for one sample.
Sample NativeResult(Sample s, double v) {
  s.f = v;
  s.h = nullptr;
  s.drop_name = true;
  return s;
}

void WarnInvalidQuantile(const FunctionCall& fc, double q, size_t arg) {
  if (std::isnan(q) || q < 0 || q > 1) {
    fc.ctx->annotations->Warn("quantile value should be between 0 and 1, got " + model::FormatFloat(q, 'g'),
                              fc.call->args[arg]->pos);
  }
}

// histogram_quantile of one native sample, with the NaN-observation infos.
Sample NativeQuantile(const FunctionCall& fc, const Sample& s, double q, const Expr& arg) {
  const HistogramQuantileResult r = HistogramQuantile(q, *s.h);
  if (r.nan_result) {
    fc.ctx->annotations->Info(
        "input to histogram_quantile has NaN observations, result is NaN" + ForMetricName(s.metric), arg.pos);
  }
  if (r.nan_skew) {
    fc.ctx->annotations->Info(
        "input to histogram_quantile has NaN observations, result is skewed higher" + ForMetricName(s.metric),
        arg.pos);
  }
  return NativeResult(s, r.value);
}

// What making the buckets monotonic took, for the info annotation: the lowest and highest
// upper bound of a bucket raised, and the largest raise.
struct MonotonicityFix {
  bool forced = false;
  double min_bucket = std::numeric_limits<double>::infinity();
  double max_bucket = -std::numeric_limits<double>::infinity();
  double max_diff = 0;
};

// Sorts by upper bound and merges equal bounds (Prometheus' coalesceBuckets). Returns false
// when the last bucket is not +Inf.
bool SortAndCoalesceBuckets(std::vector<Bucket>* buckets) {
  std::stable_sort(buckets->begin(), buckets->end(),
                   [](const Bucket& a, const Bucket& b) { return a.upper < b.upper; });
  if (buckets->empty() || !(std::isinf(buckets->back().upper) && buckets->back().upper > 0)) return false;
  std::vector<Bucket> merged;
  for (const Bucket& b : *buckets) {
    if (!merged.empty() && merged.back().upper == b.upper) {
      merged.back().count += b.count;
    } else {
      merged.push_back(b);
    }
  }
  *buckets = std::move(merged);
  return true;
}

// Sorts, merges equal bounds, and fixes monotonicity as Prometheus' BucketQuantile does
// (coalesceBuckets, ensureMonotonicAndIgnoreSmallDeltas). Returns false when the buckets
// cannot describe a distribution.
bool PrepareBuckets(std::vector<Bucket>* buckets, MonotonicityFix* fix) {
  if (!SortAndCoalesceBuckets(buckets)) return false;
  double prev = (*buckets)[0].count;
  for (size_t i = 1; i < buckets->size(); ++i) {
    Bucket& b = (*buckets)[i];
    const double curr = b.count;
    if (curr == prev) continue;
    if (AlmostEqual(prev, curr, 1e-12)) {
      b.count = prev;
      continue;
    }
    if (curr < prev) {
      b.count = prev;
      fix->forced = true;
      if (b.upper < fix->min_bucket) fix->min_bucket = b.upper;
      if (b.upper > fix->max_bucket) fix->max_bucket = b.upper;
      if (prev - curr > fix->max_diff) fix->max_diff = prev - curr;
      continue;
    }
    prev = curr;
  }
  return buckets->size() >= 2;
}

double BucketQuantile(double q, std::vector<Bucket> buckets, MonotonicityFix* fix) {
  *fix = MonotonicityFix();
  if (std::isnan(q)) return std::nan("");
  if (q < 0) return -INFINITY;
  if (q > 1) return INFINITY;
  if (!PrepareBuckets(&buckets, fix)) return std::nan("");
  const double observations = buckets.back().count;
  if (observations == 0) return std::nan("");
  double rank = q * observations;
  // Go's sort.Search over all but the last bucket: a binary search, which with NaN counts (the
  // only way the counts are not ordered now) lands where Prometheus' does and a scan would not.
  size_t b = 0;
  for (size_t hi = buckets.size() - 1; b < hi;) {
    const size_t h = b + (hi - b) / 2;
    if (buckets[h].count >= rank) {
      hi = h;
    } else {
      b = h + 1;
    }
  }
  if (b == buckets.size() - 1) return buckets[buckets.size() - 2].upper;
  if (b == 0 && buckets[0].upper <= 0) return buckets[0].upper;
  double start = 0;
  const double end = buckets[b].upper;
  double count = buckets[b].count;
  if (b > 0) {
    start = buckets[b - 1].upper;
    count -= buckets[b - 1].count;
    rank -= buckets[b - 1].count;
  }
  return start + (end - start) * (rank / count);
}

// Reports a forced monotonicity (merged across series and steps by the annotation set). The
// metric is named only with delayed name removal, as in Prometheus (its name is gone otherwise).
void ForcedMonotonicityInfo(const FunctionCall& fc, const BucketGroup& g, const Expr& arg,
                            const MonotonicityFix& fix) {
  const std::string_view name = fc.ctx->delayed_name_removal ? g.metric.MetricName() : std::string_view();
  fc.ctx->annotations->ForcedMonotonicity(name, arg.pos, fc.ts, fix.min_bucket, fix.max_bucket, fix.max_diff);
}

Vector FnHistogramQuantile(const FunctionCall& fc) {
  const double q = fc.scalars[0];
  WarnInvalidQuantile(fc, q, 0);
  HistogramInput in = SplitHistograms(fc, *fc.vectors[1], *fc.call->args[1]);
  Vector out;
  for (const Sample& s : in.natives) out.push_back(NativeQuantile(fc, s, q, *fc.call->args[1]));
  for (BucketGroup& g : in.groups) {
    MonotonicityFix fix;
    const double v = BucketQuantile(q, std::move(g.buckets), &fix);
    if (fix.forced) ForcedMonotonicityInfo(fc, g, *fc.call->args[1], fix);
    out.push_back(Sample{g.metric, fc.ts, v, nullptr, g.drop_name});
  }
  return out;
}

// Prometheus' labels.FormatOpenMetricsFloat: how histogram_quantiles names a quantile.
std::string OpenMetricsFloat(double f) {
  if (f == 1) return "1.0";
  if (f == 0) return "0.0";
  if (f == -1) return "-1.0";
  if (std::isnan(f)) return "NaN";
  if (std::isinf(f)) return f > 0 ? "+Inf" : "-Inf";
  std::string s = model::FormatFloat(f, 'g');
  if (s.find_first_of("e.") == std::string::npos) s += ".0";
  return s;
}

// histogram_quantiles(v, "label", q0, q1, ...) (experimental): histogram_quantile for every
// quantile, each result labelled with its quantile; quantile by quantile.
Vector FnHistogramQuantiles(const FunctionCall& fc) {
  const std::string& label = fc.strings[1];
  std::vector<double> qs;
  for (size_t i = 2; i < fc.scalars.size(); ++i) {
    WarnInvalidQuantile(fc, fc.scalars[i], i);
    qs.push_back(fc.scalars[i]);
  }
  const HistogramInput in = SplitHistograms(fc, *fc.vectors[0], *fc.call->args[0]);
  Vector out;
  for (double q : qs) {
    const std::string value = OpenMetricsFloat(q);
    for (const Sample& s : in.natives) {
      Sample r = NativeQuantile(fc, s, q, *fc.call->args[0]);
      model::LabelsBuilder b(r.metric);
      b.Set(label, value);
      r.metric = b.Build();
      out.push_back(std::move(r));
    }
    for (const BucketGroup& g : in.groups) {
      MonotonicityFix fix;
      const double v = BucketQuantile(q, g.buckets, &fix);
      if (fix.forced) ForcedMonotonicityInfo(fc, g, *fc.call->args[0], fix);
      model::LabelsBuilder b(g.metric);
      b.Set(label, value);
      out.push_back(Sample{b.Build(), fc.ts, v, nullptr, g.drop_name});
    }
  }
  return out;
}

// The fraction of observations in [lower, upper], as Prometheus' BucketFraction computes it:
// buckets sorted and merged but, unlike for quantiles, not made monotonic (a bucket whose
// cumulative count drops counts negatively); the first bucket starts at 0 (or at -Inf when its
// upper bound is not positive), values are interpolated linearly inside finite buckets, and a
// bound inside an infinitely wide bucket counts none of it.
double BucketFraction(double lower, double upper, std::vector<Bucket> buckets) {
  if (std::isnan(lower) || std::isnan(upper)) return std::nan("");
  if (!SortAndCoalesceBuckets(&buckets)) return std::nan("");
  const double total = buckets.back().count;
  if (total == 0) return std::nan("");
  if (lower >= upper) return 0;
  double rank = 0, lower_rank = 0, upper_rank = 0;
  bool lower_set = false, upper_set = false;
  // How much of bucket [lo, hi] (holding `count`) lies below x, for lo < x < hi.
  auto part = [](double lo, double hi, double count, double x) {
    if (std::isinf(lo)) return count;
    if (std::isinf(hi)) return 0.0;
    return count * (x - lo) / (hi - lo);
  };
  double prev_upper = 0, prev_count = 0;
  for (size_t i = 0; i < buckets.size(); ++i) {
    const double hi = buckets[i].upper;
    const double lo = i == 0 ? (hi > 0 ? 0.0 : -std::numeric_limits<double>::infinity()) : prev_upper;
    const double count = buckets[i].count - prev_count;
    prev_upper = hi;
    prev_count = buckets[i].count;
    if (!lower_set && lo >= lower) {
      lower_rank = rank;
      lower_set = true;
    }
    if (!upper_set && lo >= upper) {
      upper_rank = rank;
      upper_set = true;
    }
    if (lower_set && upper_set) break;
    if (!lower_set && lo < lower && hi > lower) {
      lower_rank = rank + part(lo, hi, count, lower);
      lower_set = true;
    }
    if (!upper_set && lo < upper && hi > upper) {
      upper_rank = rank + part(lo, hi, count, upper);
      upper_set = true;
    }
    if (lower_set && upper_set) break;
    rank += count;
  }
  if (!lower_set || lower_rank > total) lower_rank = total;
  if (!upper_set || upper_rank > total) upper_rank = total;
  return (upper_rank - lower_rank) / total;
}

Vector FnHistogramFraction(const FunctionCall& fc) {
  HistogramInput in = SplitHistograms(fc, *fc.vectors[2], *fc.call->args[2]);
  Vector out;
  for (const Sample& s : in.natives) {
    const HistogramFractionResult r = HistogramFraction(fc.scalars[0], fc.scalars[1], *s.h);
    if (r.nan_observations) {
      fc.ctx->annotations->Info(
          "input to histogram_fraction has NaN observations, which are excluded from all fractions" +
              ForMetricName(s.metric),
          fc.call->args[2]->pos);
    }
    out.push_back(NativeResult(s, r.value));
  }
  for (BucketGroup& g : in.groups) {
    out.push_back(Sample{g.metric, fc.ts, BucketFraction(fc.scalars[0], fc.scalars[1], std::move(g.buckets)),
                         nullptr, g.drop_name});
  }
  return out;
}

// histogram_count, _sum, _avg, _stddev, _stdvar: one float per native histogram sample; float
// samples are ignored.
template <double (*F)(const model::FloatHistogram&)>
Vector NativeStatistic(const FunctionCall& fc) {
  Vector out;
  for (const Sample& s : *fc.vectors[0]) {
    if (!s.h) continue;
    Sample r = s;
    DropMetricName(&r, fc.ctx->delayed_name_removal);
    out.push_back(NativeResult(std::move(r), F(*s.h)));
  }
  return out;
}

double Count(const model::FloatHistogram& h) {
  return h.count;
}
double Sum(const model::FloatHistogram& h) {
  return h.sum;
}

}  // namespace

VectorFunction FindHistogramFunction(std::string_view name) {
  static const auto* table = new std::unordered_map<std::string_view, VectorFunction>{
      {"histogram_quantile", FnHistogramQuantile},
      {"histogram_quantiles", FnHistogramQuantiles},
      {"histogram_fraction", FnHistogramFraction},
      {"histogram_count", NativeStatistic<Count>},
      {"histogram_sum", NativeStatistic<Sum>},
      {"histogram_avg", NativeStatistic<HistogramAvg>},
      {"histogram_stddev", NativeStatistic<HistogramStdDev>},
      {"histogram_stdvar", NativeStatistic<HistogramStdVar>},
  };
  auto it = table->find(name);
  return it == table->end() ? nullptr : it->second;
}

}  // namespace promref::promql::internal
