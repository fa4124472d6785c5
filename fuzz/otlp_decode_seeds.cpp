// Writes the seed corpus of fuzz_otlp_decode into a directory: OTLP export requests with every
// metric kind, attribute type and option-relevant shape, each in protobuf and in OTLP/JSON.
//
// usage: fuzz_otlp_decode_seeds DIR
#include <cmath>
#include <cstdio>
#include <filesystem>
#include <fstream>
#include <limits>

#include "otlp/otlp_decode.h"
#include "otlp/otlp_encode.h"

namespace {

using namespace promref::otlp;

AnyValue Str(std::string s) {
  AnyValue v;
  v.kind = AnyValue::Kind::kString;
  v.str = std::move(s);
  return v;
}

std::vector<ExportRequest> Seeds() {
  constexpr uint64_t t = 1'700'000'000'000'000'000ULL;
  std::vector<ExportRequest> seeds;
  ExportRequest req;
  ResourceMetrics& rm = req.resource_metrics.emplace_back();
  AnyValue list;
  list.kind = AnyValue::Kind::kArray;
  list.array = {Str("a"), Str("ü")};
  AnyValue map;
  map.kind = AnyValue::Kind::kKvlist;
  map.kvlist = {{"k", Str("v")}, {"l", list}};
  AnyValue bytes;
  bytes.kind = AnyValue::Kind::kBytes;
  bytes.str = std::string("\x00\xff", 2);
  AnyValue dbl;
  dbl.kind = AnyValue::Kind::kDouble;
  dbl.d = 1e-9;
  rm.resource_attributes = {{"service.name", Str("svc")},
                            {"service.namespace", Str("ns")},
                            {"service.instance.id", Str("i")},
                            {"host.name", Str("h")},
                            {"map", map},
                            {"bytes", bytes},
                            {"dbl", dbl}};
  ScopeMetrics& sm = rm.scope_metrics.emplace_back();
  sm.scope = {"scope", "1.0", {{"scope.attr", Str("x")}}};
  sm.schema_url = "https://schema";
  Metric& g = sm.metrics.emplace_back();
  g.name = "gauge.ratio";
  g.unit = "1";
  g.kind = MetricKind::kGauge;
  NumberDataPoint& gp = g.number_points.emplace_back();
  gp.time_unix_nano = t;
  gp.value_kind = ValueKind::kDouble;
  gp.as_double = 0.5;
  gp.attributes = {{"a.b", Str("1")}, {"a_b", Str("2")}, {"_x", Str("3")}, {"__y__", Str("4")}};
  NumberDataPoint& stale = g.number_points.emplace_back(gp);
  stale.time_unix_nano = t + 1'000'000'000;
  stale.flags = kFlagNoRecordedValue;
  Metric& s = sm.metrics.emplace_back();
  s.name = "requests";
  s.unit = "By/s";
  s.kind = MetricKind::kSum;
  s.is_monotonic = true;
  s.temporality = kTemporalityCumulative;
  NumberDataPoint& sp = s.number_points.emplace_back();
  sp.time_unix_nano = t;
  sp.start_time_unix_nano = t - 1;
  sp.value_kind = ValueKind::kInt;
  sp.as_int = -5;
  Exemplar& e = sp.exemplars.emplace_back();
  e.value_kind = ValueKind::kInt;
  e.as_int = 3;
  e.trace_id.fill(7);
  e.span_id.fill(9);
  e.filtered_attributes = {{"user", Str("u")}};
  Metric& h = sm.metrics.emplace_back();
  h.name = "latency";
  h.unit = "ms";
  h.kind = MetricKind::kHistogram;
  h.temporality = kTemporalityDelta;
  HistogramDataPoint& hp = h.histogram_points.emplace_back();
  hp.time_unix_nano = t;
  hp.count = 6;
  hp.has_sum = true;
  hp.sum = 7;
  hp.bucket_counts = {0, 1, 2, 3};
  hp.explicit_bounds = {0.5, 1, std::numeric_limits<double>::infinity()};
  hp.exemplars = {e};
  Metric& x = sm.metrics.emplace_back();
  x.name = "sizes";
  x.kind = MetricKind::kExponentialHistogram;
  x.temporality = kTemporalityCumulative;
  ExponentialHistogramDataPoint& xp = x.exponential_points.emplace_back();
  xp.time_unix_nano = t;
  xp.scale = 11;
  xp.count = 9;
  xp.zero_count = 1;
  xp.positive = {-3, {1, 0, 0, 0, 5}};
  xp.negative = {2, {2, 1}};
  Metric& q = sm.metrics.emplace_back();
  q.name = "rpc";
  q.kind = MetricKind::kSummary;
  SummaryDataPoint& qp = q.summary_points.emplace_back();
  qp.time_unix_nano = t;
  qp.count = 2;
  qp.sum = 1;
  qp.quantile_values = {{0.5, 0.2}, {0.9, std::nan("")}};
  sm.metrics.emplace_back().name = "no.data";
  seeds.push_back(req);
  ExportRequest two;
  two.resource_metrics = {rm, rm};
  two.resource_metrics[1].resource_attributes.clear();
  seeds.push_back(two);
  seeds.push_back(ExportRequest{});
  return seeds;
}

}  // namespace

int main(int argc, char** argv) {
  if (argc != 2) {
    std::fprintf(stderr, "usage: %s DIR\n", argv[0]);
    return 2;
  }
  std::filesystem::create_directories(argv[1]);
  int n = 0;
  for (const ExportRequest& r : Seeds()) {
    for (const std::string& body : {EncodeProtobuf(r), EncodeJson(r)}) {
      std::ofstream(std::string(argv[1]) + "/seed" + std::to_string(n++), std::ios::binary) << body;
    }
  }
  return 0;
}
