// The OTLP metrics receiver against real Prometheus 3.16 (the pinned module build): the same
// OTLP requests (protobuf, OTLP/JSON, gzip; every metric kind, resource and scope attributes,
// several translation strategies and otlp settings, delta temporality, malformed bodies, wrong
// content types) sent to both must get the same status and error text, and leave both holding
// the same series, samples and metadata.
//
// Compared loosely, and why: malformed OTLP/JSON bodies by status only (Prometheus reports
// json-iterator's parse errors with byte offsets and context excerpts of the input, which
// promref does not reproduce); the otlp section of /api/v1/status/config as a YAML document
// (promref's emitter indents block sequences under a key, yaml.v2 does not).
#include <gtest/gtest.h>
#include <unistd.h>
#include <yaml-cpp/yaml.h>
#include <zlib.h>

#include <algorithm>
#include <chrono>
#include <cmath>
#include <cstdio>
#include <cstdlib>
#include <functional>
#include <limits>
#include <nlohmann/json.hpp>

#include "client/http_client.h"
#include "otlp/otlp_decode.h"
#include "otlp/otlp_encode.h"
#include "peers/local_peer.h"
#include "server/promref_server.h"

namespace promref::api {
namespace {

using otlp::AnyValue;
using otlp::ExportRequest;
using otlp::KeyValue;
using otlp::Metric;
using otlp::MetricKind;
using promconform::HttpClient;
using promconform::HttpResponse;

constexpr const char* kPath = "/api/v1/otlp/v1/metrics";

int64_t NowMs() {
  return std::chrono::duration_cast<std::chrono::milliseconds>(
             std::chrono::system_clock::now().time_since_epoch())
      .count();
}

KeyValue Attr(std::string k, std::string v) {
  AnyValue a;
  a.kind = AnyValue::Kind::kString;
  a.str = std::move(v);
  return {std::move(k), std::move(a)};
}

KeyValue IntAttr(std::string k, int64_t v) {
  AnyValue a;
  a.kind = AnyValue::Kind::kInt;
  a.i = v;
  return {std::move(k), std::move(a)};
}

uint64_t Ns(int64_t ms) {
  return static_cast<uint64_t>(ms) * 1'000'000;
}

// A request of one resource (service "otlpdiff" unless `resource` says otherwise) and one scope.
struct Builder {
  ExportRequest req;
  std::vector<Metric>* metrics;
  explicit Builder(otlp::Attributes resource = {Attr("service.name", "otlpdiff")}) {
    auto& rm = req.resource_metrics.emplace_back();
    rm.resource_attributes = std::move(resource);
    auto& sm = rm.scope_metrics.emplace_back();
    sm.scope.name = "diff.scope";
    sm.scope.version = "0.1";
    sm.scope.attributes = {Attr("scope.attr", "s")};
    sm.schema_url = "https://opentelemetry.io/schemas/1.26.0";
    metrics = &sm.metrics;
  }
  Metric& Add(std::string name, MetricKind kind, std::string unit = "",
              int32_t temporality = otlp::kTemporalityCumulative) {
    Metric& m = metrics->emplace_back();
    m.name = std::move(name);
    m.kind = kind;
    m.unit = std::move(unit);
    m.description = "help for " + m.name;
    m.temporality = temporality;
    return m;
  }
};

otlp::NumberDataPoint& Point(Metric& m, int64_t t_ms, double v, otlp::Attributes attrs = {}) {
  auto& p = m.number_points.emplace_back();
  p.time_unix_nano = Ns(t_ms);
  p.start_time_unix_nano = Ns(t_ms - 60'000);
  p.value_kind = otlp::ValueKind::kDouble;
  p.as_double = v;
  p.attributes = std::move(attrs);
  return p;
}

otlp::HistogramDataPoint& HPoint(Metric& m, int64_t t_ms, std::vector<uint64_t> counts,
                                 std::vector<double> bounds, double sum) {
  auto& p = m.histogram_points.emplace_back();
  p.time_unix_nano = Ns(t_ms);
  p.bucket_counts = std::move(counts);
  p.explicit_bounds = std::move(bounds);
  for (uint64_t c : p.bucket_counts) p.count += c;
  p.has_sum = true;
  p.sum = sum;
  p.attributes = {Attr("http.route", "/x")};
  return p;
}

otlp::ExponentialHistogramDataPoint& EPoint(Metric& m, int64_t t_ms, int32_t scale, int32_t offset,
                                            std::vector<uint64_t> pos, std::vector<uint64_t> neg,
                                            uint64_t zero) {
  auto& p = m.exponential_points.emplace_back();
  p.time_unix_nano = Ns(t_ms);
  p.scale = scale;
  p.positive.offset = offset;
  p.positive.bucket_counts = std::move(pos);
  p.negative.offset = offset - 1;
  p.negative.bucket_counts = std::move(neg);
  p.zero_count = zero;
  p.count = zero;
  for (uint64_t c : p.positive.bucket_counts) p.count += c;
  for (uint64_t c : p.negative.bucket_counts) p.count += c;
  p.has_sum = true;
  p.sum = 42.5;
  return p;
}

otlp::Exemplar TraceExemplar(int64_t t_ms, double v) {
  otlp::Exemplar e;
  e.time_unix_nano = Ns(t_ms);
  e.value_kind = otlp::ValueKind::kDouble;
  e.as_double = v;
  for (size_t i = 0; i < e.trace_id.size(); ++i) e.trace_id[i] = static_cast<uint8_t>(i + 1);
  for (size_t i = 0; i < e.span_id.size(); ++i) e.span_id[i] = static_cast<uint8_t>(0xa0 + i);
  e.filtered_attributes = {Attr("user", "u1")};
  return e;
}

struct Case {
  std::string name;
  std::function<ExportRequest(int64_t t)> make;
};

// Every case names its metrics with its own prefix, so that each one's effect stays apart.
std::vector<Case> Cases() {
  std::vector<Case> out;
  out.push_back({"gauges", [](int64_t t) {
                   Builder b;
                   Metric& g = b.Add("c01.queue.size", MetricKind::kGauge, "{items}");
                   Point(g, t, 3.5, {Attr("queue.name", "a"), IntAttr("shard", 2)});
                   auto& ip = g.number_points.emplace_back(g.number_points[0]);
                   ip.value_kind = otlp::ValueKind::kInt;
                   ip.as_int = -4;
                   ip.attributes = {Attr("queue.name", "b")};
                   Metric& r = b.Add("c01.cpu.utilization", MetricKind::kGauge, "1");
                   Point(r, t, 0.25);
                   Metric& none = b.Add("c01.novalue", MetricKind::kGauge, "s");
                   Point(none, t, 0).value_kind = otlp::ValueKind::kNone;
                   return b.req;
                 }});
  out.push_back({"counters", [](int64_t t) {
                   Builder b;
                   Metric& c = b.Add("c02.bytes.sent", MetricKind::kSum, "By");
                   c.is_monotonic = true;
                   Point(c, t - 30'000, 100, {Attr("dir", "out")});
                   Point(c, t, 250, {Attr("dir", "out")}).exemplars = {TraceExemplar(t - 1000, 7)};
                   Metric& total = b.Add("c02.requests_total", MetricKind::kSum, "1");
                   total.is_monotonic = true;
                   Point(total, t, 9);
                   Metric& updown = b.Add("c02.active.requests", MetricKind::kSum, "{requests}");
                   Point(updown, t, -3);
                   Metric& rate = b.Add("c02.throughput", MetricKind::kSum, "By/s");
                   Point(rate, t, 12);
                   return b.req;
                 }});
  out.push_back({"delta_sum", [](int64_t t) {
                   Builder b;
                   Metric& g = b.Add("c03.ok.gauge", MetricKind::kGauge);
                   Point(g, t, 1);
                   Metric& d = b.Add("c03.delta.count", MetricKind::kSum, "", otlp::kTemporalityDelta);
                   d.is_monotonic = true;
                   Point(d, t, 5);
                   return b.req;
                 }});
  out.push_back({"unspecified_temporality", [](int64_t t) {
                   Builder b;
                   Metric& d = b.Add("c04.unspecified", MetricKind::kSum, "", otlp::kTemporalityUnspecified);
                   Point(d, t, 5);
                   return b.req;
                 }});
  out.push_back({"histograms", [](int64_t t) {
                   Builder b;
                   Metric& h = b.Add("c05.http.server.duration", MetricKind::kHistogram, "ms");
                   HPoint(h, t - 15'000, {1, 2, 0, 1}, {5, 10, 100}, 120.5);
                   HPoint(h, t, {2, 4, 1, 1}, {5, 10, 100}, 300).exemplars = {TraceExemplar(t - 500, 7),
                                                                              TraceExemplar(t - 400, 1000)};
                   Metric& nosum = b.Add("c05.sizes", MetricKind::kHistogram, "By");
                   HPoint(nosum, t, {0, 0, 3}, {1, 2}, 0).has_sum = false;
                   return b.req;
                 }});
  out.push_back({"histogram_inf_bound", [](int64_t t) {
                   Builder b;
                   Metric& h = b.Add("c06.inf.bound", MetricKind::kHistogram);
                   HPoint(h, t, {1, 2, 3}, {1, std::numeric_limits<double>::infinity()}, 4);
                   return b.req;
                 }});
  out.push_back({"histogram_inconsistent_count", [](int64_t t) {
                   Builder b;
                   Metric& h = b.Add("c07.inconsistent", MetricKind::kHistogram);
                   HPoint(h, t, {1, 2, 3}, {1, 2}, 4).count = 2;
                   return b.req;
                 }});
  out.push_back({"exponential", [](int64_t t) {
                   Builder b;
                   Metric& e = b.Add("c08.latency", MetricKind::kExponentialHistogram, "s");
                   EPoint(e, t - 10'000, 3, -2, {1, 0, 0, 0, 0, 4, 2}, {1, 1}, 2);
                   EPoint(e, t, 3, -2, {2, 0, 0, 0, 0, 5, 3}, {1, 2}, 3).exemplars = {TraceExemplar(t, 0.5)};
                   return b.req;
                 }});
  out.push_back(
      {"exponential_fine_scale", [](int64_t t) {
         Builder b;
         Metric& e = b.Add("c09.fine", MetricKind::kExponentialHistogram);
         EPoint(e, t, 12, 1000, {1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12, 13, 14, 15, 16, 17}, {3}, 0);
         return b.req;
       }});
  out.push_back({"exponential_coarse_scale", [](int64_t t) {
                   Builder b;
                   Metric& ok = b.Add("c10.ok", MetricKind::kGauge);
                   Point(ok, t, 1);
                   Metric& e = b.Add("c10.coarse", MetricKind::kExponentialHistogram);
                   EPoint(e, t, -5, 0, {1}, {}, 0);
                   return b.req;
                 }});
  out.push_back({"exponential_count_mismatch", [](int64_t t) {
                   Builder b;
                   Metric& e = b.Add("c11.mismatch", MetricKind::kExponentialHistogram);
                   EPoint(e, t, 0, 0, {1, 2}, {}, 0).count = 1;
                   return b.req;
                 }});
  out.push_back({"summary", [](int64_t t) {
                   Builder b;
                   Metric& s = b.Add("c12.rpc.duration", MetricKind::kSummary, "s");
                   auto& p = s.summary_points.emplace_back();
                   p.time_unix_nano = Ns(t);
                   p.count = 10;
                   p.sum = 4.5;
                   p.quantile_values = {{0, 0.01}, {0.5, 0.2}, {0.99, 1.5}, {1, 2}};
                   p.attributes = {Attr("rpc.method", "Get")};
                   return b.req;
                 }});
  out.push_back({"resource_attributes", [](int64_t t) {
                   Builder b({Attr("service.name", "c13svc"), Attr("service.namespace", "ns"),
                              Attr("service.instance.id", "inst-1"), Attr("host.name", "h1"),
                              Attr("deployment.environment", "prod"), Attr("k8s.pod.name", "pod-1"),
                              IntAttr("process.pid", 42)});
                   Metric& g = b.Add("c13.g", MetricKind::kGauge);
                   Point(g, t - 400'000, 1, {Attr("deployment.environment", "dp")});
                   Point(g, t, 2, {Attr("deployment.environment", "dp")});
                   return b.req;
                 }});
  out.push_back({"instance_only_resource", [](int64_t t) {
                   Builder b({Attr("service.instance.id", "c14"), Attr("cloud.region", "eu")});
                   Metric& g = b.Add("c14.g", MetricKind::kGauge);
                   Point(g, t, 1);
                   return b.req;
                 }});
  out.push_back({"no_identity_resource", [](int64_t t) {
                   Builder b({Attr("cloud.region", "eu")});
                   Metric& g = b.Add("c15.g", MetricKind::kGauge);
                   Point(g, t, 1);
                   return b.req;
                 }});
  out.push_back({"stale_markers", [](int64_t t) {
                   Builder b;
                   Metric& g = b.Add("c16.g", MetricKind::kGauge);
                   Point(g, t - 20'000, 1);
                   Point(g, t, 2).flags = otlp::kFlagNoRecordedValue;
                   Metric& h = b.Add("c16.h", MetricKind::kHistogram);
                   HPoint(h, t - 20'000, {1, 1}, {1}, 1);
                   HPoint(h, t, {1, 1}, {1}, 1).flags = otlp::kFlagNoRecordedValue;
                   Metric& e = b.Add("c16.e", MetricKind::kExponentialHistogram);
                   EPoint(e, t - 20'000, 1, 0, {1}, {}, 0);
                   EPoint(e, t, 1, 0, {1}, {}, 0).flags = otlp::kFlagNoRecordedValue;
                   return b.req;
                 }});
  out.push_back({"empty_and_dataless", [](int64_t t) {
                   Builder b;
                   Metric& g = b.Add("c17.ok", MetricKind::kGauge);
                   Point(g, t, 1);
                   b.Add("c17.nopoints", MetricKind::kGauge);
                   b.Add("c17.nodata", MetricKind::kEmpty);
                   return b.req;
                 }});
  out.push_back({"label_collisions_and_odd_names", [](int64_t t) {
                   Builder b;
                   Metric& g = b.Add("c18.odd-name/with.chars", MetricKind::kGauge, "m/s");
                   Point(g, t, 1,
                         {Attr("a.b", "1"), Attr("a_b", "2"), Attr("_under", "u"), Attr("9lives", "n"),
                          Attr("__dunder__", "d"), Attr("ümlaut", "x")});
                   Metric& bad = b.Add("...", MetricKind::kGauge);
                   Point(bad, t, 1);
                   return b.req;
                 }});
  out.push_back({"future_sample", [](int64_t t) {
                   Builder b;
                   Metric& g = b.Add("c19.future", MetricKind::kGauge);
                   Point(g, t + 3'600'000, 1);
                   return b.req;
                 }});
  out.push_back({"delta_histograms", [](int64_t t) {
                   Builder b;
                   Metric& h = b.Add("c20.dh", MetricKind::kHistogram, "", otlp::kTemporalityDelta);
                   HPoint(h, t, {1, 2}, {1}, 2);
                   Metric& e =
                       b.Add("c20.de", MetricKind::kExponentialHistogram, "", otlp::kTemporalityDelta);
                   EPoint(e, t, 2, 0, {1, 1}, {}, 1);
                   return b.req;
                 }});
  out.push_back({"zero_count_nonzero_sum", [](int64_t t) {
                   Builder b;
                   Metric& e = b.Add("c21.zc", MetricKind::kExponentialHistogram);
                   EPoint(e, t, 0, 0, {}, {}, 0).sum = 3;
                   return b.req;
                 }});
  out.push_back({"empty_names", [](int64_t t) {
                   Builder b;
                   Metric& g = b.Add("", MetricKind::kGauge);
                   Point(g, t, 1, {Attr("k", "v")});
                   return b.req;
                 }});
  out.push_back({"empty_attribute_key", [](int64_t t) {
                   Builder b;
                   Metric& g = b.Add("c23.g", MetricKind::kGauge);
                   Point(g, t, 1, {Attr("", "v"), Attr("k", "")});
                   return b.req;
                 }});
  out.push_back({"duplicate_attribute_keys", [](int64_t t) {
                   Builder b;
                   Metric& g = b.Add("c24.g", MetricKind::kGauge);
                   Point(g, t, 1, {Attr("k", "1"), Attr("k", "2")});
                   return b.req;
                 }});
  out.push_back({"attribute_types", [](int64_t t) {
                   Builder b;
                   Metric& g = b.Add("c25.g", MetricKind::kGauge);
                   AnyValue d, arr, map, bytes, flag;
                   d.kind = AnyValue::Kind::kDouble;
                   d.d = 1e-7;
                   flag.kind = AnyValue::Kind::kBool;
                   flag.b = true;
                   bytes.kind = AnyValue::Kind::kBytes;
                   bytes.str = std::string("\x00\xfe\x7f", 3);
                   arr.kind = AnyValue::Kind::kArray;
                   arr.array = {d, flag, Attr("", "s\"<>&").value};
                   map.kind = AnyValue::Kind::kKvlist;
                   map.kvlist = {{"z", d}, {"a", arr}, {"m", bytes}};
                   Point(g, t, 1, {{"dbl", d}, {"arr", arr}, {"map", map}, {"bytes", bytes}, {"flag", flag}});
                   return b.req;
                 }});
  out.push_back({"two_resources_bad_attribute", [](int64_t t) {
                   Builder b({Attr("service.name", "c26a"), Attr("...", "dots")});
                   Point(b.Add("c26.a", MetricKind::kGauge), t, 1);
                   auto& rm = b.req.resource_metrics.emplace_back();
                   rm.resource_attributes = {Attr("service.name", "c26b"), Attr("zone", "z1")};
                   auto& sm = rm.scope_metrics.emplace_back();
                   Metric& g = sm.metrics.emplace_back();
                   g.name = "c26.b";
                   g.kind = MetricKind::kGauge;
                   Point(g, t, 2);
                   return b.req;
                 }});
  out.push_back({"exemplar_variants", [](int64_t t) {
                   Builder b;
                   Metric& c = b.Add("c27.c", MetricKind::kSum);
                   c.is_monotonic = true;
                   otlp::Exemplar big = TraceExemplar(t - 2000, 3);
                   big.filtered_attributes = {Attr("long", std::string(120, 'x'))};
                   otlp::Exemplar plain;
                   plain.time_unix_nano = Ns(t - 1000);
                   plain.value_kind = otlp::ValueKind::kInt;
                   plain.as_int = 4;
                   plain.filtered_attributes = {Attr("trace_id", "own")};
                   Point(c, t, 10).exemplars = {plain, big};
                   Metric& h = b.Add("c27.h", MetricKind::kHistogram);
                   HPoint(h, t, {1, 1, 1}, {1, 2}, 3).exemplars = {
                       TraceExemplar(t - 300, 5), TraceExemplar(t - 200, 0.5), TraceExemplar(t - 100, 1.5)};
                   return b.req;
                 }});
  out.push_back({"histogram_mismatched_lengths", [](int64_t t) {
                   Builder b;
                   Metric& h = b.Add("c28.h", MetricKind::kHistogram);
                   HPoint(h, t, {1, 2}, {1, 2, 3}, 3);
                   Metric& g = b.Add("c28.g", MetricKind::kHistogram);
                   HPoint(g, t, {1, 2, 3, 4}, {1}, 3);
                   return b.req;
                 }});
  out.push_back({"summary_stale_and_scopes", [](int64_t t) {
                   Builder b;
                   Metric& s = b.Add("c29.s", MetricKind::kSummary);
                   for (int64_t at : {t - 10'000, t}) {
                     auto& p = s.summary_points.emplace_back();
                     p.time_unix_nano = Ns(at);
                     p.count = 1;
                     p.sum = 1;
                     p.quantile_values = {{0.5, 1}};
                     if (at == t) p.flags = otlp::kFlagNoRecordedValue;
                   }
                   auto& other = b.req.resource_metrics[0].scope_metrics.emplace_back();
                   other.scope.name = "";
                   other.scope.attributes = {Attr("ignored", "x")};
                   Metric& g = other.metrics.emplace_back();
                   g.name = "c29.g";
                   g.kind = MetricKind::kGauge;
                   Point(g, t, 1);
                   auto& third = b.req.resource_metrics[0].scope_metrics.emplace_back();
                   third.scope.name = "third";
                   third.scope.attributes = {Attr("...", "x")};
                   Metric& g3 = third.metrics.emplace_back();
                   g3.name = "c29.g";
                   g3.kind = MetricKind::kGauge;
                   Point(g3, t, 3);
                   return b.req;
                 }});
  return out;
}

// The same request under other names (metrics prefixed with "j", resource attribute values
// suffixed with "-j"), so that sending it again as OTLP/JSON writes series of its own.
ExportRequest Renamed(ExportRequest req) {
  for (auto& rm : req.resource_metrics) {
    for (auto& kv : rm.resource_attributes) {
      if (kv.value.kind == AnyValue::Kind::kString) kv.value.str += "-j";
    }
    for (auto& sm : rm.scope_metrics) {
      for (auto& m : sm.metrics) m.name = "j" + m.name;
    }
  }
  return req;
}

HttpResponse Post(HttpClient& c, const std::string& base, const std::string& content_type,
                  const std::string& body, const std::string& encoding = "") {
  promconform::Headers h;
  if (!content_type.empty()) h.emplace_back("Content-Type", content_type);
  if (!encoding.empty()) h.emplace_back("Content-Encoding", encoding);
  return c.Do({"POST", base + kPath, h, body});
}

std::string Gzip(const std::string& in) {
  z_stream z{};
  deflateInit2(&z, Z_DEFAULT_COMPRESSION, Z_DEFLATED, 16 + 15, 8, Z_DEFAULT_STRATEGY);
  z.next_in = reinterpret_cast<Bytef*>(const_cast<char*>(in.data()));
  z.avail_in = static_cast<uInt>(in.size());
  std::string out(deflateBound(&z, in.size()) + 32, '\0');
  z.next_out = reinterpret_cast<Bytef*>(out.data());
  z.avail_out = static_cast<uInt>(out.size());
  deflate(&z, Z_FINISH);
  out.resize(z.total_out);
  deflateEnd(&z);
  return out;
}

std::string Answer(const HttpResponse& r) {
  return std::to_string(r.status) + " " + r.body;
}

// A JSON answer's data, arrays of objects sorted by their text (the order is not the contract
// where Prometheus' own order comes from a map).
nlohmann::json Data(HttpClient& c, const std::string& url) {
  auto j = nlohmann::json::parse(c.Get(url).body, nullptr, false);
  if (!j.is_object() || !j.contains("data")) return j;
  nlohmann::json d = j["data"];
  if (d.is_object() && d.contains("result")) d = d["result"];
  if (d.is_array()) {
    std::sort(d.begin(), d.end(), [](const auto& a, const auto& b) { return a.dump() < b.dump(); });
  }
  return d;
}

struct Variant {
  std::string name;
  std::string otlp_yaml;              // the config file's otlp section ("" for none)
  std::vector<std::string> features;  // --enable-feature values for both
};

class Counter {
 public:
  void Check(bool same) { (same ? same_ : differ_)++; }
  int same_ = 0, differ_ = 0;
};

Counter g_count;

// Sends every case to both servers and compares the answers, then what both hold.
void RunVariant(const Variant& v) {
  SCOPED_TRACE(v.name);
  std::vector<std::string> args = {"--web.enable-otlp-receiver"};
  for (const auto& f : v.features) args.push_back("--enable-feature=" + f);
  promconform::PeerSpec spec = promconform::PinnedPrometheusPeer(args);
  spec.files["prometheus.yml"] += v.otlp_yaml;
  auto peer = promconform::LocalPeer::Start(spec);
  ASSERT_TRUE(peer.ok()) << peer.error().message();
  auto ref = server::StartEmbedded(args, v.otlp_yaml);
  ASSERT_TRUE(ref.ok()) << ref.error().message();
  const std::string bases[] = {(*peer)->base_url(), (*ref)->base_url()};
  HttpClient c;
  const int64_t t = (NowMs() - 60'000) / 1000 * 1000;
  for (const Case& k : Cases()) {
    SCOPED_TRACE(k.name);
    const ExportRequest req = k.make(t);
    const std::string pb = otlp::EncodeProtobuf(req);
    const std::string want = Answer(Post(c, bases[0], "application/x-protobuf", pb));
    const std::string got = Answer(Post(c, bases[1], "application/x-protobuf", pb));
    EXPECT_EQ(got, want) << "protobuf";
    g_count.Check(got == want);
    if (std::getenv("OTLP_DIFF_VERBOSE") != nullptr)
      std::printf("%s %s: %s\n", v.name.c_str(), k.name.c_str(), want.c_str());
    // The same request as OTLP/JSON, gzipped, under other names.
    const std::string js = Gzip(otlp::EncodeJson(Renamed(req)));
    const std::string want_js = Answer(Post(c, bases[0], "application/json", js, "gzip"));
    const std::string got_js = Answer(Post(c, bases[1], "application/json", js, "gzip"));
    EXPECT_EQ(got_js, want_js) << "json";
    g_count.Check(got_js == want_js);
  }
  // An older sample for a series that exists: out of order, the whole batch rolled back.
  {
    Builder b;
    Metric& g = b.Add("c01.queue.size", MetricKind::kGauge, "{items}");
    Point(g, t - 5000, 1, {Attr("queue.name", "a"), IntAttr("shard", 2)});
    Metric& fresh = b.Add("c30.fresh", MetricKind::kGauge);
    Point(fresh, t, 1);
    const std::string pb = otlp::EncodeProtobuf(b.req);
    const std::string want = Answer(Post(c, bases[0], "application/x-protobuf", pb));
    const std::string got = Answer(Post(c, bases[1], "application/x-protobuf", pb));
    EXPECT_EQ(got, want) << "out of order";
    g_count.Check(got == want);
  }
  const std::string all = "{__name__=~\".+\"}";
  const std::string at = std::to_string(t / 1000) + ".5";
  struct Query {
    const char* what;
    std::string url;
  };
  const std::vector<Query> queries = {
      {"series", "/api/v1/series?" + promconform::FormEncode({{"match[]", all}})},
      {"raw samples", "/api/v1/query?" + promconform::FormEncode({{"query", all + "[15m]"}, {"time", at}})},
      {"instant", "/api/v1/query?" + promconform::FormEncode({{"query", all}, {"time", at}})},
      {"metadata", "/api/v1/metadata"},
      {"exemplars",
       "/api/v1/query_exemplars?" + promconform::FormEncode({{"query", all},
                                                             {"start", std::to_string(t / 1000 - 900)},
                                                             {"end", std::to_string(t / 1000 + 1)}})},
  };
  // The otlp section as /api/v1/status/config shows it.
  {
    const auto section = [&](const std::string& base) {
      auto j = nlohmann::json::parse(c.Get(base + "/api/v1/status/config").body, nullptr, false);
      if (!j.is_object() || !j.contains("data")) return std::string("no config: ") + j.dump();
      const std::string yaml = j["data"]["yaml"].get<std::string>();
      const size_t start = yaml.find("\notlp:\n");
      if (start == std::string::npos) return std::string("no otlp section");
      size_t end = start + 7;
      while (end < yaml.size() && yaml[end] == ' ') end = yaml.find('\n', end) + 1;
      // As a document (promref's emitter indents block sequences under a key; yaml.v2 does not).
      return YAML::Dump(YAML::Load(yaml.substr(start + 1, end - start - 1)));
    };
    const std::string want = section(bases[0]);
    EXPECT_EQ(section(bases[1]), want);
    g_count.Check(section(bases[1]) == want);
    if (std::getenv("OTLP_DIFF_VERBOSE") != nullptr)
      std::printf("%s config: %s\n", v.name.c_str(), want.c_str());
  }
  for (const Query& q : queries) {
    const nlohmann::json want = Data(c, bases[0] + q.url);
    const nlohmann::json got = Data(c, bases[1] + q.url);
    EXPECT_EQ(got, want) << q.what << "\nwant: " << want.dump() << "\ngot:  " << got.dump();
    g_count.Check(got == want);
    if (std::string(q.what) == "series") {
      EXPECT_GT(want.size(), 10u) << want.dump();
    }
    if (std::getenv("OTLP_DIFF_VERBOSE") != nullptr)
      std::printf("%s %s: %s\n", v.name.c_str(), q.what, want.dump().c_str());
  }
}

TEST(OtlpDiff, DefaultTranslation) {
  RunVariant({"default", "", {"exemplar-storage"}});
}

TEST(OtlpDiff, Utf8WithSuffixesPromotedAttributesAndScope) {
  RunVariant({"utf8",
              "otlp:\n"
              "  translation_strategy: NoUTF8EscapingWithSuffixes\n"
              "  promote_resource_attributes: [deployment.environment, ' host.name ']\n"
              "  promote_scope_metadata: true\n"
              "  keep_identifying_resource_attributes: true\n",
              {}});
}

TEST(OtlpDiff, WithoutSuffixesPromoteAllAndNhcb) {
  RunVariant({"nosuffix",
              "otlp:\n"
              "  translation_strategy: UnderscoreEscapingWithoutSuffixes\n"
              "  promote_all_resource_attributes: true\n"
              "  ignore_resource_attributes: [host.name, process.pid]\n"
              "  convert_histograms_to_nhcb: true\n"
              "  label_name_underscore_sanitization: false\n"
              "  label_name_preserve_multiple_underscores: false\n",
              {}});
}

TEST(OtlpDiff, NoTranslationWithNativeDeltas) {
  RunVariant(
      {"notranslation", "otlp:\n  translation_strategy: NoTranslation\n", {"otlp-native-delta-ingestion"}});
}

// Requests that never reach the translation: disabled receiver, content types, encodings,
// malformed bodies.
TEST(OtlpDiff, MalformedRequests) {
  auto peer =
      promconform::LocalPeer::Start(promconform::PinnedPrometheusPeer({"--web.enable-otlp-receiver"}));
  ASSERT_TRUE(peer.ok()) << peer.error().message();
  auto ref = server::StartEmbedded({"--web.enable-otlp-receiver"});
  ASSERT_TRUE(ref.ok()) << ref.error().message();
  const std::string bases[] = {(*peer)->base_url(), (*ref)->base_url()};
  HttpClient c;
  const int64_t t = (NowMs() - 60'000) / 1000 * 1000;
  Builder b;
  Point(b.Add("m01.gauge", MetricKind::kGauge), t, 1);
  const std::string pb = otlp::EncodeProtobuf(b.req);
  const std::string gz = Gzip(pb);
  struct Req {
    std::string name, content_type, encoding, body;
    bool body_exact = true;
  };
  using namespace std::string_literals;
  const std::vector<Req> reqs = {
      {"protobuf", "application/x-protobuf", "", pb},
      {"gzip", "application/x-protobuf", "gzip", gz},
      {"empty protobuf", "application/x-protobuf", "", ""},
      {"no content type", "", "", pb},
      {"text content type", "text/plain", "", pb},
      {"content type with parameters", "application/x-protobuf; charset=utf-8", "", pb},
      {"upper case content type", "Application/X-Protobuf", "", pb},
      {"snappy", "application/x-protobuf", "snappy", pb},
      {"upper case gzip", "application/x-protobuf", "GZIP", gz},
      {"gzip header broken", "application/x-protobuf", "gzip", "not gzip at all"},
      {"gzip empty", "application/x-protobuf", "gzip", ""},
      {"gzip truncated", "application/x-protobuf", "gzip", gz.substr(0, gz.size() / 2)},
      {"gzip short", "application/x-protobuf", "gzip", gz.substr(0, 5)},
      {"gzip bad checksum", "application/x-protobuf", "gzip",
       gz.substr(0, gz.size() - 8) + "\x01\x02\x03\x04" + gz.substr(gz.size() - 4)},
      {"gzip twice", "application/x-protobuf", "gzip", gz + gz},
      {"truncated protobuf", "application/x-protobuf", "", pb.substr(0, pb.size() - 3)},
      {"wrong wire type", "application/x-protobuf", "", "\x08\x01"},
      {"field zero", "application/x-protobuf", "", "\x00\x01"s},
      {"illegal wire type", "application/x-protobuf", "", "\x0e\x00"s},
      {"end group", "application/x-protobuf", "", "\x0c\x00"s},
      {"varint overflow", "application/x-protobuf", "", "\x08\xff\xff\xff\xff\xff\xff\xff\xff\xff\xff\x01"},
      {"negative length", "application/x-protobuf", "", "\x0a\xff\xff\xff\xff\xff\xff\xff\xff\xff\x01"},
      {"group then varint", "application/x-protobuf", "", "\x13\x08\x01\x14\x00"s},
      {"unknown fields", "application/x-protobuf", "",
       "\x10\x05\x19" + std::string(8, 'x') + "\x25xxxx" + pb},
      {"json", "application/json", "", otlp::EncodeJson(b.req)},
      {"json trailing garbage", "application/json", "", otlp::EncodeJson(b.req) + "}}garbage"},
      {"json null", "application/json", "", "null"},
      {"json empty object", "application/json", "", "{}"},
      {"json empty", "application/json", "", "", false},
      {"json broken", "application/json", "", "{\"resourceMetrics\":[{", false},
      {"json wrong type", "application/json", "", "{\"resourceMetrics\":{}}", false},
      {"json bad enum", "application/json", "",
       R"({"resourceMetrics":[{"scopeMetrics":[{"metrics":[{"name":"x","sum":{"aggregationTemporality":"NOPE"}}]}]}]})",
       false},
      {"json bad trace id", "application/json", "",
       R"({"resourceMetrics":[{"scopeMetrics":[{"metrics":[{"name":"x","sum":{"dataPoints":[{"exemplars":[{"traceId":"abc"}]}]}}]}]}]})",
       false},
      {"json snake case", "application/json", "",
       R"({"resource_metrics":[{"scope_metrics":[{"metrics":[{"name":"m02.snake","gauge":{"data_points":[{"time_unix_nano":")" +
           std::to_string(t) + R"(000000","as_int":"7"}]}}]}]}]})"},
  };
  for (const Req& r : reqs) {
    SCOPED_TRACE(r.name);
    const HttpResponse want = Post(c, bases[0], r.content_type, r.body, r.encoding);
    const HttpResponse got = Post(c, bases[1], r.content_type, r.body, r.encoding);
    const bool same = r.body_exact ? Answer(got) == Answer(want) : got.status == want.status;
    EXPECT_TRUE(same) << "want: " << Answer(want) << "\ngot:  " << Answer(got);
    if (std::getenv("OTLP_DIFF_VERBOSE") != nullptr)
      std::printf("%s: %s\n", r.name.c_str(), Answer(want).c_str());
    g_count.Check(same);
  }
  // Other methods: the router's 405.
  for (const char* method : {"GET", "PUT"}) {
    const HttpResponse want = c.Do({method, bases[0] + kPath, {}, ""});
    const HttpResponse got = c.Do({method, bases[1] + kPath, {}, ""});
    EXPECT_EQ(got.status, want.status) << method;
    g_count.Check(got.status == want.status);
  }
}

TEST(OtlpDiff, DisabledReceiverIsNotFound) {
  auto peer = promconform::LocalPeer::Start(promconform::PinnedPrometheusPeer());
  ASSERT_TRUE(peer.ok()) << peer.error().message();
  auto ref = server::StartEmbedded({});
  ASSERT_TRUE(ref.ok()) << ref.error().message();
  HttpClient c;
  const HttpResponse want = Post(c, (*peer)->base_url(), "application/x-protobuf", "");
  const HttpResponse got = Post(c, (*ref)->base_url(), "application/x-protobuf", "");
  EXPECT_EQ(want.status, 404);
  EXPECT_EQ(Answer(got), Answer(want));
  g_count.Check(Answer(got) == Answer(want));
}

// The receiver reads the otlp section of the running configuration: a reload changes how the
// next request is translated.
TEST(OtlpReload, TheTranslationFollowsTheConfiguration) {
  char dir_template[] = "/tmp/otlp_reload_XXXXXX";
  ASSERT_NE(mkdtemp(dir_template), nullptr);
  const std::string file = std::string(dir_template) + "/promref.yml";
  const auto write = [&](const std::string& text) {
    FILE* f = std::fopen(file.c_str(), "w");
    ASSERT_NE(f, nullptr);
    std::fputs(text.c_str(), f);
    std::fclose(f);
  };
  write("otlp:\n  translation_strategy: NoTranslation\n");
  auto ref =
      server::StartEmbedded({"--web.enable-otlp-receiver", "--config.file=" + file, "--web.enable-lifecycle"},
                            "otlp:\n  translation_strategy: NoTranslation\n");
  ASSERT_TRUE(ref.ok()) << ref.error().message();
  HttpClient c;
  const int64_t t = (NowMs() - 60'000) / 1000 * 1000;
  const auto send = [&](const std::string& name) {
    Builder b;
    Point(b.Add(name, MetricKind::kSum, "s"), t, 1);
    b.req.resource_metrics[0].scope_metrics[0].metrics[0].is_monotonic = true;
    return Post(c, (*ref)->base_url(), "application/x-protobuf", otlp::EncodeProtobuf(b.req)).status;
  };
  const auto names = [&] { return Data(c, (*ref)->base_url() + "/api/v1/label/__name__/values").dump(); };
  EXPECT_EQ(send("first.metric"), 200);
  EXPECT_EQ(names(), R"(["first.metric"])");
  write("otlp:\n  translation_strategy: UnderscoreEscapingWithSuffixes\n");
  EXPECT_EQ(c.Do({"POST", (*ref)->base_url() + "/-/reload", {}, ""}).status, 200);
  EXPECT_EQ(send("second.metric"), 200);
  EXPECT_EQ(names(), R"(["first.metric","second_metric_seconds_total"])");
  std::remove(file.c_str());
  rmdir(dir_template);
}

TEST(OtlpDiff, Summary) {
  std::printf("otlp diff: %d identical, %d different\n", g_count.same_, g_count.differ_);
}

}  // namespace
}  // namespace promref::api
