#include "api/result_json.h"

#include <cmath>
#include <limits>

#include "model/value_text.h"

namespace promref::api {

double HistogramBucketBound(int32_t index, int32_t schema, const std::vector<double>& custom_values) {
  if (schema == model::kCustomBucketsSchema) {
    const auto n = static_cast<int32_t>(custom_values.size());
    if (index >= n) return std::numeric_limits<double>::infinity();
    if (index < 0) return -std::numeric_limits<double>::infinity();
    return custom_values[static_cast<size_t>(index)];
  }
  if (schema < 0) {
    const int64_t exp = static_cast<int64_t>(index) << -schema;
    if (exp == 1024) return std::numeric_limits<double>::max();
    return std::ldexp(1.0, static_cast<int>(exp));
  }
  const int32_t frac_idx = index & ((1 << schema) - 1);
  const double frac = std::exp2(static_cast<double>(frac_idx) / static_cast<double>(1 << schema)) / 2;
  const int exp = (index >> schema) + 1;
  if (frac == 0.5 && exp == 1025) return std::numeric_limits<double>::max();
  return std::ldexp(frac, exp);
}

namespace {

struct Bucket {
  int boundaries;  // 0 left-open, 1 right-open, 2 open, 3 closed
  double lower, upper, count;
};

// All buckets in ascending order: negative, zero, positive (Prometheus' AllBucketIterator).
std::vector<Bucket> AllBuckets(const model::FloatHistogram& h) {
  std::vector<Bucket> out;
  auto expand = [&](const std::vector<model::HistogramSpan>& spans, const std::vector<double>& counts,
                    bool negative) {
    std::vector<Bucket> bs;
    int32_t idx = 0;
    size_t ci = 0;
    for (size_t si = 0; si < spans.size(); ++si) {
      idx += spans[si].offset;
      for (uint32_t k = 0; k < spans[si].length && ci < counts.size(); ++k, ++idx, ++ci) {
        const double upper = HistogramBucketBound(idx, h.schema, h.custom_values);
        const double lower = HistogramBucketBound(idx - 1, h.schema, h.custom_values);
        if (negative) {
          bs.push_back({1, -upper, -lower, counts[ci]});
        } else {
          bs.push_back({0, lower, upper, counts[ci]});
        }
      }
    }
    return bs;
  };
  std::vector<Bucket> neg = expand(h.negative_spans, h.negative_buckets, true);
  for (auto it = neg.rbegin(); it != neg.rend(); ++it) out.push_back(*it);
  if (h.zero_threshold != 0 || h.zero_count != 0)
    out.push_back({3, -h.zero_threshold, h.zero_threshold, h.zero_count});
  std::vector<Bucket> pos = expand(h.positive_spans, h.positive_buckets, false);
  out.insert(out.end(), pos.begin(), pos.end());
  return out;
}

}  // namespace

void WriteHistogram(JsonWriter& w, const model::FloatHistogram& h) {
  w.BeginObject();
  w.Key("count").SampleValue(h.count);
  w.Key("sum").SampleValue(h.sum);
  bool found = false;
  for (const Bucket& b : AllBuckets(h)) {
    if (b.count == 0) continue;
    if (!found) {
      w.Key("buckets").BeginArray();
      found = true;
    }
    w.BeginArray()
        .Int(b.boundaries)
        .SampleValue(b.lower)
        .SampleValue(b.upper)
        .SampleValue(b.count)
        .EndArray();
  }
  if (found) w.EndArray();
  w.EndObject();
}

namespace {

void WriteStats(JsonWriter& w, const promql::QueryStats& s) {
  w.Key("stats").BeginObject();
  w.Key("timings").BeginObject();
  w.Key("evalTotalTime").Number(s.eval_total_seconds);
  w.Key("resultSortTime").Number(s.result_sort_seconds);
  w.Key("queryPreparationTime").Number(s.query_preparation_seconds);
  w.Key("innerEvalTime").Number(s.inner_eval_seconds);
  w.Key("execQueueTime").Number(0);
  w.Key("execTotalTime").Number(s.exec_total_seconds);
  w.EndObject();
  w.Key("samples").BeginObject();
  w.Key("totalQueryableSamples").Int(s.total_queryable_samples);
  w.Key("peakSamples").Int(s.peak_samples);
  w.EndObject();
  w.EndObject();
}

}  // namespace

void WriteQueryData(JsonWriter& w, const promql::Value& v, const promql::QueryStats* stats) {
  w.BeginObject();
  switch (v.type) {
    case promql::ResultType::kScalar: {
      w.Key("resultType").String("scalar");
      std::string value;
      model::AppendScalarValue(&value, v.scalar);
      w.Key("result").BeginArray().Number(static_cast<double>(v.t) / 1000).String(value).EndArray();
      break;
    }
    case promql::ResultType::kString:
      w.Key("resultType").String("string");
      w.Key("result").BeginArray().Number(static_cast<double>(v.t) / 1000).String(v.str).EndArray();
      break;
    case promql::ResultType::kVector:
      w.Key("resultType").String("vector");
      w.Key("result").BeginArray();
      for (const promql::Sample& s : v.vector) {
        w.BeginObject();
        w.Key("metric").Labels(s.metric);
        if (s.h) {
          w.Key("histogram").BeginArray().SampleTimestamp(s.t);
          WriteHistogram(w, *s.h);
          w.EndArray();
        } else {
          w.Key("value").BeginArray().SampleTimestamp(s.t).SampleValue(s.f).EndArray();
        }
        w.EndObject();
      }
      w.EndArray();
      break;
    case promql::ResultType::kMatrix:
      w.Key("resultType").String("matrix");
      w.Key("result").BeginArray();
      for (const promql::Series& s : v.matrix) {
        w.BeginObject();
        w.Key("metric").Labels(s.metric);
        if (!s.floats.empty()) {
          w.Key("values").BeginArray();
          for (const promql::FPoint& p : s.floats)
            w.BeginArray().SampleTimestamp(p.t).SampleValue(p.f).EndArray();
          w.EndArray();
        }
        if (!s.histograms.empty()) {
          w.Key("histograms").BeginArray();
          for (const promql::HPoint& p : s.histograms) {
            w.BeginArray().SampleTimestamp(p.t);
            WriteHistogram(w, *p.h);
            w.EndArray();
          }
          w.EndArray();
        }
        w.EndObject();
      }
      w.EndArray();
      break;
  }
  if (stats != nullptr) WriteStats(w, *stats);
  w.EndObject();
}

}  // namespace promref::api
