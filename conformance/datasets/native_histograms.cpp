#include "datasets/native_histograms.h"

#include <cmath>
#include <map>

#include "datasets/internal/generation.h"
#include "model/histogram.h"
#include "model/sample.h"

// Every random draw is its own statement: the order in which C++ evaluates the operands of one
// expression (or the arguments of one call) is unspecified, and the dataset must be the same
// bytes from every compiler and build type (its fingerprint guards the recorded fixtures).
namespace promconform {
namespace {

using namespace dataset_generation;
using promref::wire::BucketSpan;
using promref::wire::Histogram;

constexpr int kResetHintGauge = 3;

// Observations so far, as absolute counts by bucket index at `schema` (or by custom bound).
struct Observations {
  int32_t schema = 0;
  double zero_threshold = 0;
  std::vector<double> custom_bounds;  // non-empty: custom buckets, the last one +Inf
  std::map<int32_t, double> positive, negative;
  double zero = 0, count = 0, sum = 0;

  void Observe(double v, double weight = 1) {
    count += weight;
    sum += v * weight;
    if (!custom_bounds.empty()) {
      const auto it = std::lower_bound(custom_bounds.begin(), custom_bounds.end(), v);
      positive[static_cast<int32_t>(it - custom_bounds.begin())] += weight;
    } else if (std::abs(v) <= zero_threshold) {
      zero += weight;
    } else {
      // Bucket i holds (2^((i-1)/2^schema), 2^(i/2^schema)].
      const auto idx = static_cast<int32_t>(std::ceil(std::ldexp(std::log2(std::abs(v)), schema)));
      (v > 0 ? positive : negative)[idx] += weight;
    }
  }
  void Reset() {
    positive.clear();
    negative.clear();
    zero = count = sum = 0;
  }
};

// Bucket counts merged into a lower schema, as Prometheus reduces resolution: index i at schema
// s lands in ((i - 1) >> (s - target)) + 1.
std::map<int32_t, double> Reduce(const std::map<int32_t, double>& buckets, int32_t delta) {
  std::map<int32_t, double> out;
  for (const auto& [i, c] : buckets) out[((i - 1) >> delta) + 1] += c;
  return out;
}

// Consecutive indexes share a span; a gap starts a new one (offset = the gap).
void ToSpans(const std::map<int32_t, double>& buckets, std::vector<BucketSpan>* spans,
             std::vector<double>* counts) {
  int32_t next = 0;
  for (const auto& [i, c] : buckets) {
    if (spans->empty() || i != next) spans->push_back({spans->empty() ? i : i - next, 0});
    ++spans->back().length;
    counts->push_back(c);
    next = i + 1;
  }
}

std::vector<int64_t> Deltas(const std::vector<double>& counts) {
  std::vector<int64_t> out;
  int64_t previous = 0;
  for (double c : counts) {
    const auto v = static_cast<int64_t>(c);
    out.push_back(v - previous);
    previous = v;
  }
  return out;
}

// The wire form at `schema` (lower than or equal to the observations' own), integer or float.
Histogram ToWire(const Observations& o, int64_t t, bool integer, int32_t schema, int reset_hint = 0) {
  Histogram h;
  h.timestamp = t;
  h.reset_hint = reset_hint;
  h.zero_threshold = o.zero_threshold;
  h.sum = std::round(o.sum * 1e6) / 1e6;
  std::vector<double> positive, negative;
  if (!o.custom_bounds.empty()) {
    h.schema = promref::model::kCustomBucketsSchema;
    h.custom_values.assign(o.custom_bounds.begin(), o.custom_bounds.end() - 1);  // +Inf is implied
    ToSpans(o.positive, &h.positive_spans, &positive);
  } else {
    h.schema = schema;
    ToSpans(Reduce(o.positive, o.schema - schema), &h.positive_spans, &positive);
    ToSpans(Reduce(o.negative, o.schema - schema), &h.negative_spans, &negative);
  }
  h.is_float = !integer;
  if (integer) {
    h.count_int = static_cast<uint64_t>(o.count);
    h.zero_count_int = static_cast<uint64_t>(o.zero);
    h.positive_deltas = Deltas(positive);
    h.negative_deltas = Deltas(negative);
  } else {
    h.count_float = o.count;
    h.zero_count_float = o.zero;
    h.positive_counts = std::move(positive);
    h.negative_counts = std::move(negative);
  }
  return h;
}

DatasetSeries& Add(std::vector<DatasetSeries>& out, RawLabels labels) {
  out.push_back({Sorted(std::move(labels)), {}, {}});
  return out.back();
}

std::vector<int64_t> Times(Rng& rng, const std::string& instance, int64_t to = kDuration) {
  return ScrapeTimes(rng, kInterval, 0, to, static_cast<int64_t>(Fnv("phase/" + instance) % 14000) + 500);
}

// Request latencies between 1 ms and ~16 s, log-uniform-ish.
double Latency(Rng& rng) {
  const double a = rng.Unit();
  const double b = rng.Unit();
  return 0.001 * std::pow(2.0, 14 * a * b);
}

void RequestDurations(std::vector<DatasetSeries>& out) {
  for (std::string inst : {"host-1", "host-2"}) {
    auto& s = Add(out, {{"__name__", "pch_request_duration_seconds"}, {"job", "api"}, {"instance", inst}});
    Rng rng(Fnv(SeriesName(s.labels)));
    Observations o{.schema = 3, .zero_threshold = 1e-4};
    int i = 0;
    for (int64_t t : Times(rng, inst)) {
      if (inst == "host-2" && i++ == 100) o.Reset();  // a restart at ~25 min
      for (int64_t n = rng.Between(5, 40); n > 0; --n) o.Observe(Latency(rng));
      s.histograms.push_back(ToWire(o, t, true, o.schema));
    }
  }
}

void ResponseSizes(std::vector<DatasetSeries>& out) {
  auto& s = Add(out, {{"__name__", "pch_response_size_bytes"}, {"job", "api"}, {"instance", "host-1"}});
  Rng rng(Fnv(SeriesName(s.labels)));
  Observations o{.schema = 0};
  for (int64_t t : Times(rng, "host-1")) {
    // Weighted observations (sampled traffic): fractional counts, a float histogram.
    for (int64_t n = rng.Between(3, 12); n > 0; --n) {
      const double size = std::round(100 * std::pow(10.0, 4 * rng.Unit()));
      const double weight = std::round(rng.Unit() * 8) / 4 + 0.25;
      o.Observe(size, weight);
    }
    s.histograms.push_back(ToWire(o, t, false, o.schema));
  }
}

// A gauge histogram: each scrape is a fresh snapshot (queue depth relative to a target, so
// negative values and exact zeros occur).
void QueueDepth(std::vector<DatasetSeries>& out) {
  auto& s = Add(out, {{"__name__", "pch_queue_depth"}, {"job", "worker"}, {"instance", "host-3"}});
  Rng rng(Fnv(SeriesName(s.labels)));
  for (int64_t t : Times(rng, "host-3")) {
    Observations o{.schema = 1, .zero_threshold = 0.5};
    for (int n = 0; n < 20; ++n) {
      const int64_t depth = rng.Between(-50, 200);
      const int64_t divisor = 1 + rng.Between(0, 3);
      o.Observe(static_cast<double>(depth / divisor));
    }
    s.histograms.push_back(ToWire(o, t, true, o.schema, kResetHintGauge));
  }
}

void CustomBuckets(std::vector<DatasetSeries>& out) {
  for (std::string inst : {"host-1", "host-2"}) {
    auto& s = Add(out, {{"__name__", "pch_custom_seconds"}, {"job", "api"}, {"instance", inst}});
    Rng rng(Fnv(SeriesName(s.labels)));
    Observations o{.custom_bounds = {0.05, 0.1, 0.25, 0.5, 1, 2.5, INFINITY}};
    for (int64_t t : Times(rng, inst)) {
      for (int64_t n = rng.Between(2, 30); n > 0; --n) o.Observe(Latency(rng) / 2);
      s.histograms.push_back(ToWire(o, t, true, 0));
    }
  }
}

// Three clusters of values far apart: few populated buckets, long gaps between spans.
void SparseBytes(std::vector<DatasetSeries>& out) {
  auto& s = Add(out, {{"__name__", "pch_sparse_bytes"}, {"job", "web"}, {"instance", "host-1"}});
  Rng rng(Fnv(SeriesName(s.labels)));
  Observations o{.schema = 5};
  for (int64_t t : Times(rng, "host-1")) {
    for (double centre : {16.0, 4096.0, 1e6}) {
      for (int64_t n = rng.Between(0, 3); n > 0; --n) o.Observe(centre * (1 + 0.03 * rng.Unit()));
    }
    s.histograms.push_back(ToWire(o, t, true, o.schema));
  }
}

void DenseSeconds(std::vector<DatasetSeries>& out) {
  auto& s = Add(out, {{"__name__", "pch_dense_seconds"}, {"job", "web"}, {"instance", "host-2"}});
  Rng rng(Fnv(SeriesName(s.labels)));
  Observations o{.schema = 2};
  for (int64_t t : Times(rng, "host-2")) {
    for (int n = 0; n < 30; ++n) o.Observe(std::pow(2.0, 10 * rng.Unit()));
    s.histograms.push_back(ToWire(o, t, true, o.schema));
  }
}

// Schema 4 until ~25 minutes, then 2: the same observations at a coarser resolution.
void SchemaChange(std::vector<DatasetSeries>& out) {
  auto& s = Add(out, {{"__name__", "pch_schema_change_seconds"}, {"job", "batch"}, {"instance", "host-1"}});
  Rng rng(Fnv(SeriesName(s.labels)));
  Observations o{.schema = 4};
  int i = 0;
  for (int64_t t : Times(rng, "host-1")) {
    for (int64_t n = rng.Between(1, 10); n > 0; --n) o.Observe(Latency(rng));
    s.histograms.push_back(ToWire(o, t, true, i++ < 100 ? 4 : 2));
  }
}

// Ends at 30 minutes with a stale marker (a histogram whose sum is the stale NaN).
void Stopping(std::vector<DatasetSeries>& out) {
  auto& s = Add(out, {{"__name__", "pch_stopping_seconds"}, {"job", "batch"}, {"instance", "host-2"}});
  Rng rng(Fnv(SeriesName(s.labels)));
  Observations o{.schema = 0};
  int64_t last = 0;
  for (int64_t t : Times(rng, "host-2", 30 * kMinute)) {
    for (int64_t n = rng.Between(1, 6); n > 0; --n) o.Observe(Latency(rng));
    s.histograms.push_back(ToWire(o, t, true, o.schema));
    last = t;
  }
  Histogram stale;
  stale.timestamp = last + kInterval;
  stale.sum = promref::model::StaleNaN();
  s.histograms.push_back(stale);
}

// A series that changes type: a float counter for 20 minutes, then native histograms.
void Mixed(std::vector<DatasetSeries>& out) {
  auto& s = Add(out, {{"__name__", "pch_mixed"}, {"job", "batch"}, {"instance", "host-3"}});
  Rng rng(Fnv(SeriesName(s.labels)));
  Observations o{.schema = 1};
  double v = 0;
  for (int64_t t : Times(rng, "host-3")) {
    if (t < 20 * kMinute) {
      s.samples.push_back({t, v += static_cast<double>(rng.Between(1, 9))});
      continue;
    }
    for (int64_t n = rng.Between(1, 9); n > 0; --n) o.Observe(Latency(rng));
    s.histograms.push_back(ToWire(o, t, true, o.schema));
  }
}

}  // namespace

std::vector<DatasetSeries> NativeHistogramSeries() {
  std::vector<DatasetSeries> out;
  RequestDurations(out);
  ResponseSizes(out);
  QueueDepth(out);
  CustomBuckets(out);
  SparseBytes(out);
  DenseSeconds(out);
  SchemaChange(out);
  Stopping(out);
  Mixed(out);
  return out;
}

}  // namespace promconform
