// The OTLP receiver's pieces against Prometheus 3.16's rules: name translation for every
// strategy, protobuf and OTLP/JSON decoding (and pdata's errors), and the translation of every
// metric kind into appends.
#include <gtest/gtest.h>

#include <cmath>
#include <limits>

#include "config/config.h"
#include "model/go_strconv.h"
#include "model/sample.h"
#include "otlp/name_translation.h"
#include "otlp/otlp_decode.h"
#include "otlp/otlp_encode.h"
#include "otlp/otlp_translate.h"

namespace promref::otlp {
namespace {

// --- Names ----------------------------------------------------------------------------------

std::string Name(const char* strategy, std::string_view name, std::string_view unit, NameMetricType type) {
  MetricNamer n{StrategyAddsSuffixes(strategy), !StrategyEscapes(strategy)};
  auto r = n.Build(name, unit, type);
  return r.ok() ? *r : "error: " + r.error().message();
}

constexpr const char* kEscSuffixes = "UnderscoreEscapingWithSuffixes";
constexpr const char* kEscNoSuffixes = "UnderscoreEscapingWithoutSuffixes";
constexpr const char* kUtf8Suffixes = "NoUTF8EscapingWithSuffixes";
constexpr const char* kNoTranslation = "NoTranslation";

TEST(MetricNames, UnderscoreEscapingWithSuffixes) {
  using T = NameMetricType;
  EXPECT_EQ(Name(kEscSuffixes, "http.server.duration", "ms", T::kHistogram),
            "http_server_duration_milliseconds");
  EXPECT_EQ(Name(kEscSuffixes, "requests", "1", T::kMonotonicCounter), "requests_total");
  EXPECT_EQ(Name(kEscSuffixes, "requests_total", "", T::kMonotonicCounter), "requests_total");
  EXPECT_EQ(Name(kEscSuffixes, "total.requests", "", T::kMonotonicCounter), "requests_total");
  EXPECT_EQ(Name(kEscSuffixes, "cpu.utilization", "1", T::kGauge), "cpu_utilization_ratio");
  EXPECT_EQ(Name(kEscSuffixes, "cpu.utilization", "1", T::kNonMonotonicCounter), "cpu_utilization");
  EXPECT_EQ(Name(kEscSuffixes, "bytes.sent", "By", T::kMonotonicCounter), "bytes_sent_total");
  EXPECT_EQ(Name(kEscSuffixes, "throughput", "By/s", T::kGauge), "throughput_bytes_per_second");
  EXPECT_EQ(Name(kEscSuffixes, "throughput", "{packets}/s", T::kGauge), "throughput_per_second");
  EXPECT_EQ(Name(kEscSuffixes, "queue", "{items}", T::kGauge), "queue");
  EXPECT_EQ(Name(kEscSuffixes, "temp", "Cel", T::kGauge), "temp_celsius");
  EXPECT_EQ(Name(kEscSuffixes, "odd", "m/s/x", T::kGauge), "odd_meters_per_s_x");
  EXPECT_EQ(Name(kEscSuffixes, "2xx.count", "", T::kGauge), "_2xx_count");
  EXPECT_EQ(Name(kEscSuffixes, "a__b..c:d", "", T::kGauge), "a_b_c:d");
  EXPECT_EQ(Name(kEscSuffixes, "ünïcode", "", T::kGauge), "n_code");
  EXPECT_EQ(Name(kEscSuffixes, "___", "", T::kGauge),
            "error: normalization for metric \"___\" resulted in empty name");
  EXPECT_EQ(Name(kEscSuffixes, "", "", T::kGauge),
            "error: normalization for metric \"\" resulted in empty name");
}

TEST(MetricNames, UnderscoreEscapingWithoutSuffixes) {
  using T = NameMetricType;
  EXPECT_EQ(Name(kEscNoSuffixes, "http.server.duration", "ms", T::kHistogram), "http_server_duration");
  EXPECT_EQ(Name(kEscNoSuffixes, "requests", "1", T::kMonotonicCounter), "requests");
  EXPECT_EQ(Name(kEscNoSuffixes, "a__b..c", "", T::kGauge), "a__b_c");
  EXPECT_EQ(Name(kEscNoSuffixes, "9lives", "", T::kGauge), "_9lives");
  EXPECT_EQ(Name(kEscNoSuffixes, "___", "", T::kGauge), "___");
  EXPECT_EQ(Name(kEscNoSuffixes, "...", "", T::kGauge),
            "error: normalization for metric \"...\" resulted in empty name");
  EXPECT_EQ(Name(kEscNoSuffixes, "._.", "", T::kGauge),
            "error: normalization for metric \"._.\" resulted in invalid name \"_\"");
}

TEST(MetricNames, NoUTF8EscapingWithSuffixes) {
  using T = NameMetricType;
  EXPECT_EQ(Name(kUtf8Suffixes, "http.server.duration", "ms", T::kHistogram),
            "http.server.duration_milliseconds");
  EXPECT_EQ(Name(kUtf8Suffixes, "requests.total", "1", T::kMonotonicCounter), "requests_total");
  EXPECT_EQ(Name(kUtf8Suffixes, "cpu.ratio", "1", T::kGauge), "cpu_ratio");
  EXPECT_EQ(Name(kUtf8Suffixes, "x", "By/s", T::kGauge), "x_bytes_per_second");
  EXPECT_EQ(Name(kUtf8Suffixes, "x_per_second", "By/s", T::kMonotonicCounter), "x_bytes_per_second_total");
  EXPECT_EQ(Name(kUtf8Suffixes, "x_bytes", "By", T::kGauge), "x_bytes");
  EXPECT_EQ(Name(kUtf8Suffixes, "ünï", "", T::kGauge), "ünï");
}

TEST(MetricNames, NoTranslation) {
  EXPECT_EQ(Name(kNoTranslation, "http.server.duration", "ms", NameMetricType::kMonotonicCounter),
            "http.server.duration");
  EXPECT_EQ(Name(kNoTranslation, "", "", NameMetricType::kGauge), "");
}

std::string Label(std::string_view name, bool utf8 = false, bool underscore = true, bool preserve = true) {
  LabelNamer n{utf8, underscore, preserve};
  auto r = n.Build(name);
  return r.ok() ? *r : "error: " + r.error().message();
}

TEST(LabelNames, Escaping) {
  EXPECT_EQ(Label("http.method"), "http_method");
  EXPECT_EQ(Label("a..b"), "a__b");
  EXPECT_EQ(Label("a..b", false, true, false), "a_b");
  EXPECT_EQ(Label("_private"), "key_private");
  EXPECT_EQ(Label("_private", false, false), "_private");
  EXPECT_EQ(Label("__reserved__"), "__reserved__");
  EXPECT_EQ(Label("__re.served__", false, true, false), "__re_served__");
  EXPECT_EQ(Label("0abc"), "key_0abc");
  EXPECT_EQ(Label("ü"), "key_");
  EXPECT_EQ(Label("ü", false, false),
            "error: normalization for label name \"ü\" resulted in invalid name \"_\"");
  EXPECT_EQ(Label(""), "error: label name is empty");
}

TEST(LabelNames, Utf8) {
  EXPECT_EQ(Label("http.method", true), "http.method");
  EXPECT_EQ(Label("___", true), "error: label name \"___\" contains only underscores");
}

TEST(Units, AsMetadataShowsThem) {
  EXPECT_EQ(BuildUnit("By/s", false), "bytes_per_second");
  EXPECT_EQ(BuildUnit("{req}/s", false), "per_second");
  EXPECT_EQ(BuildUnit("1", false), "");
  EXPECT_EQ(BuildUnit("ms", false), "milliseconds");
  EXPECT_EQ(BuildUnit("%", false), "percent");
  EXPECT_EQ(BuildUnit("foo.bar", false), "foo_bar");
}

// --- Decoding -------------------------------------------------------------------------------

AnyValue Str(std::string s) {
  AnyValue v;
  v.kind = AnyValue::Kind::kString;
  v.str = std::move(s);
  return v;
}

KeyValue Attr(std::string k, std::string v) {
  return {std::move(k), Str(std::move(v))};
}

constexpr uint64_t kT = 1'700'000'000'000'000'000ULL;  // ns

ExportRequest Sample() {
  ExportRequest req;
  ResourceMetrics& rm = req.resource_metrics.emplace_back();
  rm.resource_attributes = {Attr("service.name", "api"), Attr("service.instance.id", "i-1"),
                            Attr("host.name", "h1")};
  ScopeMetrics& sm = rm.scope_metrics.emplace_back();
  sm.scope.name = "lib";
  sm.scope.version = "1.0";
  Metric& g = sm.metrics.emplace_back();
  g.name = "queue.size";
  g.unit = "{items}";
  g.description = "items waiting";
  g.kind = MetricKind::kGauge;
  NumberDataPoint& p = g.number_points.emplace_back();
  p.time_unix_nano = kT;
  p.value_kind = ValueKind::kInt;
  p.as_int = -7;
  p.attributes = {Attr("queue", "a")};
  AnyValue arr;
  arr.kind = AnyValue::Kind::kArray;
  arr.array = {Str("x")};
  AnyValue dbl;
  dbl.kind = AnyValue::Kind::kDouble;
  dbl.d = 0.5;
  p.attributes.push_back({"list", arr});
  p.attributes.push_back({"ratio", dbl});
  Metric& s = sm.metrics.emplace_back();
  s.name = "requests";
  s.kind = MetricKind::kSum;
  s.is_monotonic = true;
  s.temporality = kTemporalityCumulative;
  NumberDataPoint& sp = s.number_points.emplace_back();
  sp.time_unix_nano = kT;
  sp.start_time_unix_nano = kT - 60'000'000'000ULL;
  sp.value_kind = ValueKind::kDouble;
  sp.as_double = 12.5;
  Exemplar& e = sp.exemplars.emplace_back();
  e.value_kind = ValueKind::kDouble;
  e.as_double = 1;
  e.time_unix_nano = kT;
  e.trace_id[15] = 1;
  Metric& h = sm.metrics.emplace_back();
  h.name = "latency";
  h.unit = "s";
  h.kind = MetricKind::kHistogram;
  h.temporality = kTemporalityCumulative;
  HistogramDataPoint& hp = h.histogram_points.emplace_back();
  hp.time_unix_nano = kT;
  hp.count = 6;
  hp.has_sum = true;
  hp.sum = 3.5;
  hp.bucket_counts = {1, 2, 3};
  hp.explicit_bounds = {0.1, 1};
  Metric& x = sm.metrics.emplace_back();
  x.name = "size";
  x.unit = "By";
  x.kind = MetricKind::kExponentialHistogram;
  x.temporality = kTemporalityCumulative;
  ExponentialHistogramDataPoint& xp = x.exponential_points.emplace_back();
  xp.time_unix_nano = kT;
  xp.count = 5;
  xp.has_sum = true;
  xp.sum = 10;
  xp.scale = 2;
  xp.zero_count = 1;
  xp.positive.offset = -1;
  xp.positive.bucket_counts = {1, 0, 3};
  xp.negative.bucket_counts = {0};
  Metric& q = sm.metrics.emplace_back();
  q.name = "rpc";
  q.kind = MetricKind::kSummary;
  SummaryDataPoint& qp = q.summary_points.emplace_back();
  qp.time_unix_nano = kT;
  qp.count = 3;
  qp.sum = 9;
  qp.quantile_values = {{0.5, 2}, {0.99, 4}};
  return req;
}

// The decoded request, written out again (the encoders are deterministic).
std::string Canonical(const ExportRequest& r) {
  return EncodeJson(r);
}

TEST(Decode, ProtobufAndJsonRoundTrip) {
  const ExportRequest req = Sample();
  auto pb = DecodeProtobuf(EncodeProtobuf(req));
  ASSERT_TRUE(pb.ok()) << pb.error().message();
  EXPECT_EQ(Canonical(*pb), Canonical(req));
  auto js = DecodeJson(EncodeJson(req));
  ASSERT_TRUE(js.ok()) << js.error().message();
  EXPECT_EQ(Canonical(*js), Canonical(req));
}

TEST(Decode, JsonLeniency) {
  // snake_case names, numbers for 64-bit fields, enums by number, trailing bytes ignored,
  // unknown fields skipped, null as empty.
  const std::string body = R"({"resource_metrics":[{"resource":null,"scope_metrics":[{"metrics":[
    {"name":"c","sum":{"data_points":[{"time_unix_nano":1700000000000000000,"as_int":"5","unknown":[1,{"a":2}]}],
     "aggregation_temporality":2,"is_monotonic":true}},
    {"name":"b","gauge":{"dataPoints":[{"timeUnixNano":"1","asDouble":"NaN","attributes":[
       {"key":"k","value":{"bytesValue":"aGk="}}]}]}}]}]}]} trailing garbage)";
  auto r = DecodeJson(body);
  ASSERT_TRUE(r.ok()) << r.error().message();
  const auto& ms = r->resource_metrics.at(0).scope_metrics.at(0).metrics;
  ASSERT_EQ(ms.size(), 2u);
  EXPECT_EQ(ms[0].kind, MetricKind::kSum);
  EXPECT_EQ(ms[0].temporality, kTemporalityCumulative);
  EXPECT_TRUE(ms[0].is_monotonic);
  EXPECT_EQ(ms[0].number_points.at(0).as_int, 5);
  EXPECT_EQ(ms[0].number_points.at(0).time_unix_nano, 1700000000000000000ULL);
  EXPECT_TRUE(std::isnan(ms[1].number_points.at(0).as_double));
  EXPECT_EQ(AsString(ms[1].number_points.at(0).attributes.at(0).value), "aGk=");
  EXPECT_EQ(ms[1].number_points.at(0).attributes.at(0).value.str, "hi");
}

TEST(Decode, JsonErrors) {
  EXPECT_FALSE(DecodeJson("").ok());
  EXPECT_FALSE(DecodeJson("{").ok());
  EXPECT_FALSE(DecodeJson(R"({"resourceMetrics":{}})").ok());
  EXPECT_FALSE(
      DecodeJson(
          R"({"resourceMetrics":[{"scopeMetrics":[{"metrics":[{"sum":{"aggregationTemporality":"X"}}]}]}]})")
          .ok());
  EXPECT_FALSE(
      DecodeJson(
          R"({"resourceMetrics":[{"scopeMetrics":[{"metrics":[{"gauge":{"dataPoints":[{"asInt":"1.5"}]}}]}]}]})")
          .ok());
  EXPECT_TRUE(DecodeJson("null").ok());
}

std::string ProtoError(std::string_view body) {
  auto r = DecodeProtobuf(body);
  return r.ok() ? "ok" : r.error().message();
}

TEST(Decode, ProtobufErrorsArePdatas) {
  using namespace std::string_literals;
  EXPECT_EQ(ProtoError(""), "ok");
  EXPECT_EQ(ProtoError("\x0a"), "unexpected EOF");
  EXPECT_EQ(ProtoError("\x0a\x05\x01"), "unexpected EOF");
  EXPECT_EQ(ProtoError("\x08\x01"), "proto: wrong wireType = 0 for field ResourceMetrics");
  EXPECT_EQ(ProtoError("\x00"s), "proto: Link: illegal field=0 (tag=0, pos=1)");
  EXPECT_EQ(ProtoError("\x16"), "unexpected EOF");  // field 2, wire type 6 at the end
  EXPECT_EQ(ProtoError("\x16\x00"s), "proto: illegal wireType 6");
  EXPECT_EQ(ProtoError("\x14\x00"s), "proto: unexpected end of group");
  EXPECT_EQ(ProtoError("\xff\xff\xff\xff\xff\xff\xff\xff\xff\xff\x01"), "proto: integer overflow");
  EXPECT_EQ(ProtoError("\x0a\xff\xff\xff\xff\xff\xff\xff\xff\xff\x01"),
            "proto: negative length found during unmarshaling");
  // An unknown group whose first field is a varint: pdata's reader ends the group there, and
  // the group's end is then an unknown field of its own (past the input's end: EOF first).
  EXPECT_EQ(ProtoError("\x13\x08\x01\x14"), "unexpected EOF");
  EXPECT_EQ(ProtoError("\x13\x08\x01\x14\x00"s), "proto: unexpected end of group");
  // A histogram's packed bucket counts of 9 bytes.
  const std::string point = "\x32\x09" + std::string(9, '\0');
  const std::string hist = "\x0a" + std::string(1, static_cast<char>(point.size())) + point;
  const std::string metric = "\x4a" + std::string(1, static_cast<char>(hist.size())) + hist;
  const std::string scope = "\x12" + std::string(1, static_cast<char>(metric.size())) + metric;
  const std::string rm = "\x12" + std::string(1, static_cast<char>(scope.size())) + scope;
  const std::string req = "\x0a" + std::string(1, static_cast<char>(rm.size())) + rm;
  EXPECT_EQ(ProtoError(req), "proto: invalid field len = 1 for field BucketCounts");
  // A trace id of 3 bytes.
  const std::string ex =
      "\x2a\x03"
      "abc";
  const std::string np = "\x2a" + std::string(1, static_cast<char>(ex.size())) + ex;
  const std::string gauge = "\x0a" + std::string(1, static_cast<char>(np.size())) + np;
  const std::string m2 = "\x2a" + std::string(1, static_cast<char>(gauge.size())) + gauge;
  const std::string s2 = "\x12" + std::string(1, static_cast<char>(m2.size())) + m2;
  const std::string r2 = "\x12" + std::string(1, static_cast<char>(s2.size())) + s2;
  EXPECT_EQ(ProtoError("\x0a" + std::string(1, static_cast<char>(r2.size())) + r2),
            "unmarshal: invalid TraceID length");
}

TEST(Decode, AsString) {
  AnyValue v;
  v.kind = AnyValue::Kind::kDouble;
  v.d = 1e21;
  EXPECT_EQ(AsString(v), "1e+21");
  v.d = 1e-7;
  EXPECT_EQ(AsString(v), "1e-7");
  v.d = 0.25;
  EXPECT_EQ(AsString(v), "0.25");
  v.d = std::numeric_limits<double>::infinity();
  EXPECT_EQ(AsString(v), "Infinity");
  AnyValue m;
  m.kind = AnyValue::Kind::kKvlist;
  m.kvlist = {Attr("b", "x\"y"), {"a", v}};
  m.kvlist[1].value.kind = AnyValue::Kind::kBool;
  m.kvlist[1].value.b = true;
  EXPECT_EQ(AsString(m), R"({"a":true,"b":"x\"y"})");
  AnyValue i;
  i.kind = AnyValue::Kind::kInt;
  i.i = -3;
  EXPECT_EQ(AsString(i), "-3");
}

// --- Translation ----------------------------------------------------------------------------

// Records every call, one line each.
class Recorder : public storage::Appender {
 public:
  std::vector<std::string> lines;
  storage::AppendResult Append(storage::SeriesRef, const model::Labels& l, int64_t t, double v) override {
    return AppendWithStartTimestamp(0, l, 0, t, v);
  }
  storage::AppendResult AppendWithStartTimestamp(storage::SeriesRef, const model::Labels& l, int64_t st,
                                                 int64_t t, double v) override {
    std::string val = model::IsStaleNaN(v) ? "stale" : model::FormatFloat(v, 'g');
    lines.push_back(l.ToString() + " " + std::to_string(t) + " " + val +
                    (st != 0 ? " st=" + std::to_string(st) : ""));
    return {1, fail};
  }
  storage::AppendResult AppendHistogram(storage::SeriesRef, const model::Labels& l, int64_t t,
                                        const model::FloatHistogram& h) override {
    return AppendHistogramWithStartTimestamp(0, l, 0, t, h);
  }
  storage::AppendResult AppendHistogramWithStartTimestamp(storage::SeriesRef, const model::Labels& l,
                                                          int64_t st, int64_t t,
                                                          const model::FloatHistogram& h) override {
    std::string s = l.ToString() + " " + std::to_string(t) + " schema=" + std::to_string(h.schema) +
                    " count=" + model::FormatFloat(h.count, 'g') + " sum=" + model::FormatFloat(h.sum, 'g') +
                    " zero=" + model::FormatFloat(h.zero_count, 'g') +
                    " hint=" + std::to_string(static_cast<int>(h.counter_reset_hint)) + " pos=";
    for (const auto& sp : h.positive_spans)
      s += "[" + std::to_string(sp.offset) + ":" + std::to_string(sp.length) + "]";
    for (double b : h.positive_buckets) s += " " + model::FormatFloat(b, 'g');
    s += " neg=";
    for (const auto& sp : h.negative_spans)
      s += "[" + std::to_string(sp.offset) + ":" + std::to_string(sp.length) + "]";
    for (double b : h.negative_buckets) s += " " + model::FormatFloat(b, 'g');
    if (!h.custom_values.empty()) {
      s += " bounds=";
      for (double b : h.custom_values) s += " " + model::FormatFloat(b, 'g');
    }
    lines.push_back(s + (st != 0 ? " st=" + std::to_string(st) : ""));
    return {1, fail};
  }
  storage::AppendResult AppendExemplar(storage::SeriesRef, const model::Labels& l,
                                       const storage::Exemplar& e) override {
    lines.push_back("exemplar " + l.ToString() + " " + e.labels.ToString() + " " +
                    model::FormatFloat(e.value, 'g') + " " + std::to_string(e.t));
    return {1, storage::AppendError::kNone};
  }
  storage::AppendResult UpdateMetadata(storage::SeriesRef, const model::Labels& l,
                                       const storage::Metadata& m) override {
    metadata.push_back(std::string(l.MetricName()) + " " + std::string(storage::MetricTypeName(m.type)) +
                       " " + m.unit + " " + m.help);
    return {1, storage::AppendError::kNone};
  }
  Status Commit() override { return {}; }
  void Rollback() override {}
  storage::AppendError fail = storage::AppendError::kNone;
  std::vector<std::string> metadata;
};

TranslateResult Translated(const ExportRequest& req, Recorder* rec, TranslateOptions o = {}) {
  return Translate(req, o, *rec);
}

TEST(Translate, EveryKindWithDefaults) {
  Recorder rec;
  const TranslateResult res = Translated(Sample(), &rec);
  EXPECT_TRUE(res.errors.empty()) << res.ErrorText();
  const std::string id = "instance=\"i-1\", job=\"api\"";
  const std::vector<std::string> want = {
      "{__name__=\"queue_size\", " + id +
          ", list=\"[\\\"x\\\"]\", queue=\"a\", ratio=\"0.5\"} 1700000000000 -7",
      "{__name__=\"requests_total\", " + id + "} 1700000000000 12.5 st=1699999940000",
      "exemplar {__name__=\"requests_total\", " + id +
          "} {trace_id=\"00000000000000000000000000000001\"} 1 1700000000000",
      "{__name__=\"latency_seconds_sum\", " + id + "} 1700000000000 3.5",
      "{__name__=\"latency_seconds_count\", " + id + "} 1700000000000 6",
      "{__name__=\"latency_seconds_bucket\", " + id + ", le=\"0.1\"} 1700000000000 1",
      "{__name__=\"latency_seconds_bucket\", " + id + ", le=\"1\"} 1700000000000 3",
      "{__name__=\"latency_seconds_bucket\", " + id + ", le=\"+Inf\"} 1700000000000 6",
      // Scale 2, offset -1: OTLP buckets -1, 0, 1 are Prometheus' 0, 1, 2.
      "{__name__=\"size_bytes\", " + id +
          "} 1700000000000 schema=2 count=5 sum=10 zero=1 hint=0 pos=[0:3] 1 0 3 neg=[1:1] 0",
      "{__name__=\"rpc_sum\", " + id + "} 1700000000000 9",
      "{__name__=\"rpc_count\", " + id + "} 1700000000000 3",
      "{__name__=\"rpc\", " + id + ", quantile=\"0.5\"} 1700000000000 2",
      "{__name__=\"rpc\", " + id + ", quantile=\"0.99\"} 1700000000000 4",
      "{__name__=\"target_info\", host_name=\"h1\", " + id + "} 1700000000000 1",
  };
  EXPECT_EQ(rec.lines, want);
  EXPECT_EQ(rec.metadata.front(), "queue_size gauge  items waiting");
  EXPECT_EQ(rec.metadata.back(), "target_info gauge  Target metadata");
}

TEST(Translate, DeltaIsRefusedUnlessNativeDeltaIngestion) {
  ExportRequest req = Sample();
  Metric& s = req.resource_metrics[0].scope_metrics[0].metrics[1];
  s.temporality = kTemporalityDelta;
  Metric& h = req.resource_metrics[0].scope_metrics[0].metrics[2];
  h.temporality = kTemporalityUnspecified;
  Recorder rec;
  TranslateResult res = Translated(req, &rec);
  EXPECT_EQ(res.ErrorText(),
            "invalid temporality and type combination for metric \"requests\"\n"
            "invalid temporality and type combination for metric \"latency\"");
  EXPECT_FALSE(res.data_error);
  Recorder rec2;
  TranslateOptions o;
  o.allow_delta_temporality = true;
  res = Translated(req, &rec2, o);
  EXPECT_EQ(res.ErrorText(), "invalid temporality and type combination for metric \"latency\"");
  EXPECT_NE(std::find(rec2.metadata.begin(), rec2.metadata.end(), "requests_total unknown  "),
            rec2.metadata.end());
}

TEST(Translate, ExponentialScaleIsClampedAndTooSmallRefused) {
  ExportRequest req;
  auto& m = req.resource_metrics.emplace_back().scope_metrics.emplace_back().metrics.emplace_back();
  m.name = "e";
  m.kind = MetricKind::kExponentialHistogram;
  m.temporality = kTemporalityDelta;
  auto& p = m.exponential_points.emplace_back();
  p.time_unix_nano = kT;
  p.scale = 10;  // merged 4 at a time to scale 8
  p.count = 10;
  p.positive.offset = 3;
  p.positive.bucket_counts = {1, 2, 3, 4};  // indexes 3..6 -> 0, 1 (>>2), i.e. buckets 1 and 2
  p.negative.offset = -20;
  p.negative.bucket_counts = {0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0};  // all zero: empty buckets
  Recorder rec;
  TranslateOptions o;
  o.allow_delta_temporality = true;
  TranslateResult res = Translated(req, &rec, o);
  ASSERT_TRUE(res.errors.empty()) << res.ErrorText();
  ASSERT_EQ(rec.lines.size(), 1u);
  EXPECT_EQ(
      rec.lines[0],
      "{__name__=\"e\"} 1700000000000 schema=8 count=10 sum=0 zero=0 hint=3 pos=[1:2] 1 9 neg=[-4:3] 0 0 0");
  p.scale = -5;
  Recorder rec2;
  res = Translated(req, &rec2, o);
  EXPECT_EQ(res.ErrorText(), "cannot convert exponential to native histogram. Scale must be >= -4, was -5");
}

TEST(Translate, NhcbAndStaleMarkers) {
  ExportRequest req;
  auto& m = req.resource_metrics.emplace_back().scope_metrics.emplace_back().metrics.emplace_back();
  m.name = "h";
  m.kind = MetricKind::kHistogram;
  m.temporality = kTemporalityCumulative;
  auto& p = m.histogram_points.emplace_back();
  p.time_unix_nano = kT;
  p.count = 4;
  p.bucket_counts = {0, 0, 3, 1};
  p.explicit_bounds = {1, 2, 5};
  auto& q = m.histogram_points.emplace_back(p);
  q.time_unix_nano = kT + 1'000'000'000;
  q.flags = kFlagNoRecordedValue;
  TranslateOptions o;
  o.config.convert_histograms_to_nhcb = true;
  Recorder rec;
  TranslateResult res = Translated(req, &rec, o);
  ASSERT_TRUE(res.errors.empty()) << res.ErrorText();
  ASSERT_EQ(rec.lines.size(), 2u);
  EXPECT_EQ(rec.lines[0],
            "{__name__=\"h\"} 1700000000000 schema=-53 count=4 sum=0 zero=0 hint=0 pos=[2:2] 3 1 neg= "
            "bounds= 1 2 5");
  EXPECT_EQ(rec.lines[1], "{__name__=\"h\"} 1700000001000 stale");
  o.config.convert_histograms_to_nhcb = false;
  Recorder classic;
  res = Translated(req, &classic, o);
  ASSERT_EQ(classic.lines.size(), 10u);
  EXPECT_EQ(classic.lines[9], "{__name__=\"h_bucket\", le=\"+Inf\"} 1700000001000 stale");
}

TEST(Translate, ResourceAttributesScopeAndCollisions) {
  ExportRequest req = Sample();
  auto& rm = req.resource_metrics[0];
  rm.resource_attributes.push_back(Attr("service.namespace", "shop"));
  rm.resource_attributes.push_back(Attr("deployment.environment", "prod"));
  auto& metrics = rm.scope_metrics[0].metrics;
  metrics.resize(1);
  metrics[0].number_points[0].attributes = {Attr("a.b", "1"), Attr("a_b", "2"),
                                            Attr("deployment.environment", "own")};
  rm.scope_metrics[0].scope.attributes = {Attr("lib.kind", "x")};
  rm.scope_metrics[0].schema_url = "https://schema";
  TranslateOptions o;
  o.config.promote_resource_attributes = {"deployment.environment", "host.name"};
  o.config.promote_scope_metadata = true;
  Recorder rec;
  TranslateResult res = Translated(req, &rec, o);
  ASSERT_TRUE(res.errors.empty()) << res.ErrorText();
  ASSERT_EQ(rec.lines.size(), 2u);
  EXPECT_EQ(rec.lines[0],
            "{__name__=\"queue_size\", a_b=\"1;2\", deployment_environment=\"own\", host_name=\"h1\", "
            "instance=\"i-1\", job=\"shop/api\", otel_scope_lib_kind=\"x\", otel_scope_name=\"lib\", "
            "otel_scope_schema_url=\"https://schema\", otel_scope_version=\"1.0\"} 1700000000000 -7");
  EXPECT_EQ(rec.lines[1],
            "{__name__=\"target_info\", deployment_environment=\"prod\", host_name=\"h1\", instance=\"i-1\", "
            "job=\"shop/api\"} 1700000000000 1");
  ASSERT_EQ(res.warnings.size(), 1u);
  EXPECT_EQ(
      res.warnings[0],
      "OTLP data point attributes \"a.b\", \"a_b\" collide as label \"a_b\" after name sanitization, values "
      "are concatenated with ';'");
  // Keeping the identifying attributes, and promoting all but one.
  o.config.keep_identifying_resource_attributes = true;
  o.config.promote_resource_attributes.clear();
  o.config.promote_all_resource_attributes = true;
  o.config.ignore_resource_attributes = {"host.name"};
  Recorder rec2;
  res = Translated(req, &rec2, o);
  ASSERT_EQ(rec2.lines.size(), 2u);
  EXPECT_NE(rec2.lines[0].find("service_name=\"api\""), std::string::npos) << rec2.lines[0];
  EXPECT_EQ(rec2.lines[0].find("host_name"), std::string::npos) << rec2.lines[0];
  EXPECT_NE(rec2.lines[1].find("service_namespace=\"shop\""), std::string::npos) << rec2.lines[1];
}

TEST(Translate, TargetInfoSpansTheResourceAndNeedsAnIdentity) {
  ExportRequest req;
  auto& rm = req.resource_metrics.emplace_back();
  rm.resource_attributes = {Attr("service.name", "svc"), Attr("region", "eu")};
  auto& m = rm.scope_metrics.emplace_back().metrics.emplace_back();
  m.name = "g";
  m.kind = MetricKind::kGauge;
  for (uint64_t i : {0, 400}) {
    auto& p = m.number_points.emplace_back();
    p.time_unix_nano = kT + i * 1'000'000'000;
    p.value_kind = ValueKind::kDouble;
  }
  Recorder rec;
  Translated(req, &rec);
  // Every 2m30s from the first point while before the last, then the last.
  ASSERT_EQ(rec.lines.size(), 6u);
  EXPECT_EQ(rec.lines[2], "{__name__=\"target_info\", job=\"svc\", region=\"eu\"} 1700000000000 1");
  EXPECT_EQ(rec.lines[3], "{__name__=\"target_info\", job=\"svc\", region=\"eu\"} 1700000150000 1");
  EXPECT_EQ(rec.lines[4], "{__name__=\"target_info\", job=\"svc\", region=\"eu\"} 1700000300000 1");
  EXPECT_EQ(rec.lines[5], "{__name__=\"target_info\", job=\"svc\", region=\"eu\"} 1700000400000 1");
  rm.resource_attributes = {Attr("region", "eu")};  // no job or instance: no target_info
  Recorder rec2;
  Translated(req, &rec2);
  EXPECT_EQ(rec2.lines.size(), 2u);
}

TEST(Translate, ErrorsAreCollectedAndClassified) {
  ExportRequest req = Sample();
  auto& metrics = req.resource_metrics[0].scope_metrics[0].metrics;
  metrics.emplace_back().name = "nodata";
  Metric& empty = metrics.emplace_back();
  empty.name = "nopoints";
  empty.kind = MetricKind::kGauge;
  Metric& bad = metrics.emplace_back();
  bad.name = "...";
  bad.kind = MetricKind::kGauge;
  bad.number_points.emplace_back().time_unix_nano = kT;
  Recorder rec;
  TranslateResult res = Translated(req, &rec);
  EXPECT_EQ(res.ErrorText(),
            "could not get aggregation temporality for nodata as it has unsupported metric type Empty\n"
            "normalization for metric \"...\" resulted in empty name");
  EXPECT_FALSE(res.data_error);
  EXPECT_EQ(res.warnings.at(0), "empty data points. nopoints is dropped");
  // A storage refusal stops that metric and marks a data error; a future sample is one.
  Recorder refusing;
  refusing.fail = storage::AppendError::kOutOfOrder;
  res = Translated(Sample(), &refusing);
  EXPECT_TRUE(res.data_error);
  EXPECT_EQ(res.errors.size(), 6u) << res.ErrorText();  // five metrics and target_info
  EXPECT_EQ(res.errors[0], "out of order sample");
  Recorder future;
  TranslateOptions o;
  o.max_time_ms = 1;
  res = Translated(Sample(), &future, o);
  EXPECT_TRUE(res.data_error);
  EXPECT_EQ(res.errors[0], "out of bounds: timestamp is too far in the future");
}

TEST(Translate, Utf8StrategiesKeepNames) {
  ExportRequest req = Sample();
  req.resource_metrics[0].scope_metrics[0].metrics.resize(2);
  TranslateOptions o;
  o.config.translation_strategy = "NoUTF8EscapingWithSuffixes";
  Recorder rec;
  Translated(req, &rec, o);
  EXPECT_EQ(rec.lines[0].substr(0, 28), "{__name__=\"queue.size\", inst");
  EXPECT_EQ(rec.lines[1].substr(0, 28), "{__name__=\"requests_total\", ");
  o.config.translation_strategy = "NoTranslation";
  Recorder rec2;
  Translated(req, &rec2, o);
  EXPECT_EQ(rec2.lines[1].substr(0, 22), "{__name__=\"requests\", ");
}

// --- Configuration ---------------------------------------------------------------------------

std::string ConfigError(const std::string& yaml) {
  auto c = config::ParseConfig(yaml);
  return c.ok() ? "ok" : c.error().message();
}

TEST(OtlpConfig, DefaultsAndFields) {
  auto c = config::ParseConfig("global:\n  scrape_interval: 15s\n");
  ASSERT_TRUE(c.ok());
  EXPECT_EQ(c->otlp.translation_strategy, "UnderscoreEscapingWithSuffixes");
  EXPECT_TRUE(c->otlp.label_name_underscore_sanitization);
  EXPECT_TRUE(c->otlp.label_name_preserve_multiple_underscores);
  c = config::ParseConfig(
      "otlp:\n  translation_strategy: NoUTF8EscapingWithSuffixes\n  promote_resource_attributes: [' a ', b]\n"
      "  keep_identifying_resource_attributes: true\n  convert_histograms_to_nhcb: true\n"
      "  promote_scope_metadata: true\n  label_name_underscore_sanitization: false\n");
  ASSERT_TRUE(c.ok()) << c.error().message();
  EXPECT_EQ(c->otlp.translation_strategy, "NoUTF8EscapingWithSuffixes");
  EXPECT_EQ(c->otlp.promote_resource_attributes, (std::vector<std::string>{"a", "b"}));
  EXPECT_TRUE(c->otlp.keep_identifying_resource_attributes);
  EXPECT_TRUE(c->otlp.convert_histograms_to_nhcb);
  EXPECT_TRUE(c->otlp.promote_scope_metadata);
  EXPECT_FALSE(c->otlp.label_name_underscore_sanitization);
  EXPECT_TRUE(c->otlp.label_name_preserve_multiple_underscores);
  const std::string yaml = config::ToYaml(*c);
  EXPECT_NE(yaml.find("otlp:\n  promote_resource_attributes:\n    - a\n    - b\n"
                      "  translation_strategy: NoUTF8EscapingWithSuffixes\n"
                      "  keep_identifying_resource_attributes: true\n  convert_histograms_to_nhcb: true\n"
                      "  promote_scope_metadata: true\n  label_name_preserve_multiple_underscores: true\n"),
            std::string::npos)
      << yaml;
  EXPECT_EQ(ConfigError("otlp:\n  translation_strategy: \"\"\n"), "ok");
}

// Prometheus 3.16's texts (promtool check config).
TEST(OtlpConfig, ErrorsAsPrometheus) {
  EXPECT_EQ(
      ConfigError("otlp:\n  promote_all_resource_attributes: true\n  promote_resource_attributes: [a]\n"),
      "'promote_all_resource_attributes' and 'promote_resource_attributes' cannot be configured "
      "simultaneously");
  EXPECT_EQ(
      ConfigError("otlp:\n  ignore_resource_attributes: [a]\n"),
      "'ignore_resource_attributes' cannot be configured unless 'promote_all_resource_attributes' is true");
  EXPECT_EQ(
      ConfigError("otlp:\n  promote_resource_attributes: ['', a, ' a ', b, b]\n"),
      "invalid 'promote_resource_attributes': empty promoted OTel resource attribute\n"
      "duplicated promoted OTel resource attribute \"a\"\nduplicated promoted OTel resource attribute \"b\"");
  EXPECT_EQ(ConfigError(
                "otlp:\n  promote_all_resource_attributes: true\n  ignore_resource_attributes: [x, x, '']\n"),
            "invalid 'ignore_resource_attributes': duplicated ignored OTel resource attribute \"x\"\n"
            "empty ignored OTel resource attribute");
  EXPECT_EQ(ConfigError("otlp:\n  translation_strategy: Foo\n"),
            "unsupported OTLP translation strategy \"Foo\"");
  EXPECT_EQ(
      ConfigError(
          "global:\n  metric_name_validation_scheme: legacy\notlp:\n  translation_strategy: NoTranslation\n"),
      "OTLP translation strategy \"NoTranslation\" is not allowed when UTF8 is disabled");
  EXPECT_EQ(ConfigError("otlp:\n  bogus: 1\n"),
            "yaml: unmarshal errors:\n  line 2: field bogus not found in type config.plain");
}

}  // namespace
}  // namespace promref::otlp
