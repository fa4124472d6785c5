#include "api/result_json.h"

#include <cmath>
#include <limits>

#include "model/histogram_buckets.h"
#include "model/value_text.h"

namespace promref::api {

namespace {

// Prometheus' bucket boundary code: 0 left-open, 1 right-open, 2 open, 3 closed.
int Boundaries(const model::HistogramBucket& b) {
  if (b.lower_inclusive) return b.upper_inclusive ? 3 : 1;
  return b.upper_inclusive ? 0 : 2;
}

}  // namespace

void WriteHistogram(JsonWriter& w, const model::FloatHistogram& h) {
  w.BeginObject();
  w.Key("count").SampleValue(h.count);
  w.Key("sum").SampleValue(h.sum);
  bool found = false;
  for (const model::HistogramBucket& b : model::AllBuckets(h)) {
    if (b.count == 0) continue;
    if (!found) {
      w.Key("buckets").BeginArray();
      found = true;
    }
    w.BeginArray()
        .Int(Boundaries(b))
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
          w.Key("value").SamplePoint(s.t, s.f);
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
          for (const promql::FPoint& p : s.floats) w.SamplePoint(p.t, p.f);
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
