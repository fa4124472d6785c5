// Malformed native histograms over remote write, against real Prometheus 3.16 (the pinned
// module build): every request carries a good histogram, a bad one and another good one in
// three series. Both servers must give the same status and error text (1.0: the whole request
// refused; 2.0: the good series written and each bad one reported), and afterwards hold the
// same data: the good histograms intact, nothing of the bad ones. And start timestamps with
// created-timestamp-zero-ingestion: the zero samples go where Prometheus puts them. And
// /federate over series that end in histograms, in every format it negotiates.
#include <google/protobuf/io/coded_stream.h>
#include <google/protobuf/text_format.h>
#include <gtest/gtest.h>

#include <chrono>
#include <cmath>
#include <functional>
#include <limits>
#include <nlohmann/json.hpp>

#include "client/http_client.h"
#include "metrics.pb.h"
#include "peers/local_peer.h"
#include "server/promref_server.h"
#include "wire/remote_write.h"
#include "wire/remote_write_v2.h"

namespace promref::api {
namespace {

using promconform::HttpClient;
using promconform::HttpResponse;

// An integer histogram of schema 1 with two positive spans, a negative bucket and a zero
// bucket, consistent in every field: what each case breaks one thing of.
wire::Histogram GoodInteger(int64_t t) {
  wire::Histogram h;
  h.schema = 1;
  h.zero_threshold = 0.001;
  h.zero_count_int = 2;
  h.positive_spans = {{0, 2}, {3, 1}};
  h.positive_deltas = {3, 1, -2};  // counts 3, 4, 2
  h.negative_spans = {{1, 1}};
  h.negative_deltas = {1};
  h.count_int = 2 + 3 + 4 + 2 + 1;
  h.sum = 17.5;
  h.timestamp = t;
  return h;
}

wire::Histogram GoodFloat(int64_t t) {
  wire::Histogram h;
  h.is_float = true;
  h.schema = 0;
  h.zero_threshold = 0.001;
  h.zero_count_float = 0.5;
  h.positive_spans = {{-1, 3}};
  h.positive_counts = {1.5, 2, 0.25};
  h.count_float = 4.25;
  h.sum = -3.5;
  h.timestamp = t;
  return h;
}

wire::Histogram GoodCustom(int64_t t) {
  wire::Histogram h;
  h.schema = -53;
  h.custom_values = {0.1, 0.5, 2};
  h.positive_spans = {{0, 4}};
  h.positive_deltas = {1, 1, 0, -2};  // 1, 2, 2, 0
  h.count_int = 5;
  h.sum = 3;
  h.timestamp = t;
  return h;
}

struct BadCase {
  std::string name;
  std::function<wire::Histogram(int64_t)> make;
};

std::vector<BadCase> BadCases() {
  auto with = [](std::function<wire::Histogram(int64_t)> base, std::function<void(wire::Histogram&)> change) {
    return [base, change](int64_t t) {
      wire::Histogram h = base(t);
      change(h);
      return h;
    };
  };
  const double nan = std::numeric_limits<double>::quiet_NaN();
  return {
      {"positive_spans_need_more", with(GoodInteger, [](auto& h) { h.positive_spans[1].length = 2; })},
      {"negative_spans_need_fewer", with(GoodInteger,
                                         [](auto& h) {
                                           h.negative_deltas = {1, 1};
                                         })},
      {"negative_span_offset", with(GoodInteger, [](auto& h) { h.positive_spans[1].offset = -1; })},
      {"integer_bucket_goes_negative", with(GoodInteger,
                                            [](auto& h) {
                                              h.positive_deltas = {3, -4, 1};
                                            })},
      {"integer_count_mismatch", with(GoodInteger, [](auto& h) { h.count_int += 1; })},
      {"integer_count_too_small_nan_sum", with(GoodInteger,
                                               [nan](auto& h) {
                                                 h.count_int -= 1;
                                                 h.sum = nan;
                                               })},
      {"float_negative_bucket", with(GoodFloat, [](auto& h) { h.positive_counts[1] = -2; })},
      {"float_negative_zero_count", with(GoodFloat, [](auto& h) { h.zero_count_float = -0.5; })},
      {"float_negative_count", with(GoodFloat, [](auto& h) { h.count_float = -1; })},
      {"schema_too_low", with(GoodInteger, [](auto& h) { h.schema = -5; })},
      {"schema_unknown", with(GoodInteger, [](auto& h) { h.schema = 60; })},
      {"reserved_schema_bad_spans", with(GoodInteger,
                                         [](auto& h) {
                                           h.schema = 12;
                                           h.positive_spans[0].length = 5;
                                         })},
      {"exponential_with_custom_values", with(GoodInteger,
                                              [](auto& h) {
                                                h.custom_values = {1, 2};
                                              })},
      {"custom_bounds_decreasing", with(GoodCustom,
                                        [](auto& h) {
                                          h.custom_values = {0.1, 0.05, 2};
                                        })},
      {"custom_bounds_too_few", with(GoodCustom, [](auto& h) { h.custom_values = {0.1}; })},
      {"custom_bounds_infinite",
       with(GoodCustom, [](auto& h) { h.custom_values.back() = std::numeric_limits<double>::infinity(); })},
      {"custom_zero_count", with(GoodCustom, [](auto& h) { h.zero_count_int = 1; })},
      {"custom_negative_spans", with(GoodCustom,
                                     [](auto& h) {
                                       h.negative_spans = {{0, 1}};
                                       h.negative_deltas = {1};
                                     })},
  };
}

// Valid histograms the receiver changes before storing: a reserved finer schema is reduced to 8.
std::vector<BadCase> ReducedCases() {
  return {{"reserved_schema_12", [](int64_t t) {
             wire::Histogram h = GoodInteger(t);
             h.schema = 12;
             return h;
           }}};
}

wire::TimeSeries Series(const std::string& name, const wire::Histogram& h) {
  wire::TimeSeries ts;
  ts.labels = {{"__name__", name}, {"job", "rwh"}};
  ts.histograms = {h};
  return ts;
}

// Good, bad, good: three series so that a 2.0 receiver's partial write is visible.
wire::WriteRequest Request(const std::string& prefix, const wire::Histogram& bad, int64_t t) {
  wire::WriteRequest req;
  req.timeseries.push_back(Series(prefix + "_before", GoodFloat(t)));
  req.timeseries.push_back(Series(prefix + "_bad", bad));
  req.timeseries.push_back(Series(prefix + "_after", GoodCustom(t)));
  return req;
}

wire::v2::RequestV2 ToV2(const wire::WriteRequest& v1) {
  wire::v2::RequestV2 req;
  for (const wire::TimeSeries& s : v1.timeseries) {
    wire::v2::TimeSeries ts;
    ts.labels = s.labels;
    for (const wire::Histogram& h : s.histograms) ts.histograms.push_back({h, 0});
    req.timeseries.push_back(std::move(ts));
  }
  return req;
}

HttpResponse PostV1(HttpClient& c, const std::string& base, const wire::WriteRequest& req) {
  return c.Do({"POST",
               base + "/api/v1/write",
               {{"Content-Type", "application/x-protobuf"},
                {"Content-Encoding", "snappy"},
                {"X-Prometheus-Remote-Write-Version", "0.1.0"}},
               wire::SnappyCompress(wire::EncodeWriteRequest(req))});
}

HttpResponse PostV2(HttpClient& c, const std::string& base, const wire::v2::RequestV2& req) {
  return c.Do({"POST",
               base + "/api/v1/write",
               {{"Content-Type", std::string(wire::v2::kContentType)},
                {"Content-Encoding", "snappy"},
                {"X-Prometheus-Remote-Write-Version", "2.0.0"}},
               wire::SnappyCompress(wire::v2::EncodeRequestV2(req))});
}

// What a client sees of an answer: status, body and (2.0) the written counts.
std::string Answer(const HttpResponse& r) {
  return std::to_string(r.status) + " " + r.body +
         " histograms written: " + r.Header("X-Prometheus-Remote-Write-Histograms-Written");
}

// The result of instant query `q` at `t_ms` (+0.5 s), series sorted: what both servers must
// hold.
nlohmann::json SortedResult(HttpClient& c, const std::string& base, const std::string& q, int64_t t_ms) {
  const std::string url =
      base + "/api/v1/query?" +
      promconform::FormEncode({{"query", q}, {"time", std::to_string(t_ms / 1000) + ".5"}});
  auto j = nlohmann::json::parse(c.Get(url).body, nullptr, false);
  if (!j.is_object() || !j.contains("data")) return j;
  auto& r = j["data"]["result"];
  std::sort(r.begin(), r.end(),
            [](const auto& a, const auto& b) { return a["metric"].dump() < b["metric"].dump(); });
  return r;
}

// Every rwh_ series.
nlohmann::json Stored(HttpClient& c, const std::string& base, int64_t t_ms) {
  return SortedResult(c, base, "{job=\"rwh\"}", t_ms);
}

int64_t NowMs() {
  return std::chrono::duration_cast<std::chrono::milliseconds>(
             std::chrono::system_clock::now().time_since_epoch())
      .count();
}

TEST(RemoteWriteHistogramDiff, MalformedHistogramsAreRefusedAsPrometheusRefusesThem) {
  auto peer = promconform::LocalPeer::Start(promconform::PinnedPrometheusPeer());
  ASSERT_TRUE(peer.ok()) << peer.error().message();
  auto ref = server::StartEmbedded({});
  ASSERT_TRUE(ref.ok()) << ref.error().message();
  const std::string bases[] = {(*peer)->base_url(), (*ref)->base_url()};
  HttpClient c;
  const int64_t t = (NowMs() - 120'000) / 1000 * 1000;
  std::vector<BadCase> cases = BadCases();
  for (BadCase& r : ReducedCases()) cases.push_back(std::move(r));
  for (size_t i = 0; i < cases.size(); ++i) {
    SCOPED_TRACE(cases[i].name);
    // 1.0 at t, 2.0 a second later in its own series: each protocol's effect stays separate.
    const std::string v1_prefix = "rwh_v1_" + cases[i].name, v2_prefix = "rwh_v2_" + cases[i].name;
    const wire::WriteRequest v1 = Request(v1_prefix, cases[i].make(t), t);
    const wire::v2::RequestV2 v2 = ToV2(Request(v2_prefix, cases[i].make(t + 1000), t + 1000));
    const std::string want_v1 = Answer(PostV1(c, bases[0], v1));
    const std::string want_v2 = Answer(PostV2(c, bases[0], v2));
    EXPECT_EQ(Answer(PostV1(c, bases[1], v1)), want_v1) << "remote write 1.0";
    EXPECT_EQ(Answer(PostV2(c, bases[1], v2)), want_v2) << "remote write 2.0";
  }
  // Prometheus makes appended data visible at once; both must now hold the same histograms.
  const nlohmann::json want = Stored(c, bases[0], t + 1000);
  ASSERT_TRUE(want.is_array()) << want.dump();
  // Every 2.0 request wrote its two good series; the reduced histogram went in once per protocol.
  EXPECT_EQ(want.size(), 2 * BadCases().size() + 2 * 3 * ReducedCases().size()) << want.dump();
  EXPECT_EQ(Stored(c, bases[1], t + 1000), want);
}

// Every raw sample of the st_ series over the last ten minutes.
nlohmann::json RawSamples(HttpClient& c, const std::string& base, int64_t t_ms) {
  return SortedResult(c, base, "{job=\"st\"}[10m]", t_ms);
}

wire::v2::TimeSeries StSeries(const std::string& name) {
  wire::v2::TimeSeries ts;
  ts.labels = {{"__name__", name}, {"job", "st"}};
  return ts;
}

TEST(RemoteWriteStartTimestamps, ZeroSamplesGoWherePrometheusPutsThem) {
  const std::string feature = "--enable-feature=created-timestamp-zero-ingestion";
  auto peer = promconform::LocalPeer::Start(promconform::PinnedPrometheusPeer({feature}));
  ASSERT_TRUE(peer.ok()) << peer.error().message();
  auto ref = server::StartEmbedded({feature});
  ASSERT_TRUE(ref.ok()) << ref.error().message();
  HttpClient c;
  const int64_t t = (NowMs() - 300'000) / 1000 * 1000;
  // First request: a counter whose start precedes it, a start equal to and one after the
  // sample (no zero), a histogram with a start, a start that repeats (the second zero is out of
  // order and dropped).
  wire::v2::RequestV2 first;
  auto counter = StSeries("st_counter_total");
  counter.samples = {{5, t, t - 10'000}, {7, t + 15'000, t - 10'000}};
  auto same = StSeries("st_same_total");
  same.samples = {{3, t, t}};
  auto after = StSeries("st_after_total");
  after.samples = {{3, t, t + 1000}};
  auto hist = StSeries("st_histogram_seconds");
  hist.histograms = {{GoodInteger(t), t - 20'000}, {GoodCustom(t + 15'000), t - 20'000}};
  first.timeseries = {counter, same, after, hist};
  // Second request: the counter restarted (a start after its last sample: a zero between).
  wire::v2::RequestV2 second;
  auto restarted = StSeries("st_counter_total");
  restarted.samples = {{2, t + 60'000, t + 50'000}};
  second.timeseries = {restarted};
  for (const std::string& base : {(*peer)->base_url(), (*ref)->base_url()}) {
    for (const auto* req : {&first, &second}) {
      const HttpResponse r = PostV2(c, base, *req);
      EXPECT_EQ(r.status, 204) << base << ": " << r.body;
    }
  }
  const nlohmann::json want = RawSamples(c, (*peer)->base_url(), t + 61'000);
  ASSERT_TRUE(want.is_array()) << want.dump();
  EXPECT_EQ(want.size(), 4u) << want.dump();
  EXPECT_EQ(RawSamples(c, (*ref)->base_url(), t + 61'000), want);
}

TEST(FederateHistograms, TheTextFormatLeavesOutSeriesThatEndInAHistogram) {
  auto peer = promconform::LocalPeer::Start(promconform::PinnedPrometheusPeer());
  ASSERT_TRUE(peer.ok()) << peer.error().message();
  auto ref = server::StartEmbedded({});
  ASSERT_TRUE(ref.ok()) << ref.error().message();
  HttpClient c;
  const int64_t t = (NowMs() - 60'000) / 1000 * 1000;
  wire::WriteRequest req;
  auto series = [](const std::string& name) {
    wire::TimeSeries ts;
    ts.labels = {{"__name__", name}, {"job", "fed"}};
    return ts;
  };
  auto floats_then_histogram = series("fed_mixed");
  floats_then_histogram.samples = {{t - 30'000, 1}, {t - 15'000, 2}};
  auto histogram_then_float = series("fed_back_to_float");
  histogram_then_float.samples = {{t, 4}};
  auto only_floats = series("fed_floats");
  only_floats.samples = {{t, 3}};
  req.timeseries = {floats_then_histogram, histogram_then_float, only_floats};
  auto histograms = series("fed_mixed");
  histograms.histograms = {GoodInteger(t)};
  auto earlier = series("fed_back_to_float");
  earlier.histograms = {GoodFloat(t - 15'000)};
  req.timeseries.push_back(histograms);
  wire::WriteRequest first;  // the histogram before the float of fed_back_to_float
  first.timeseries = {earlier};
  for (const std::string& base : {(*peer)->base_url(), (*ref)->base_url()}) {
    EXPECT_EQ(PostV1(c, base, first).status, 204) << base;
    EXPECT_EQ(PostV1(c, base, req).status, 204) << base;
  }
  const std::string path = "/federate?" + promconform::FormEncode({{"match[]", "{job=\"fed\"}"}});
  const HttpResponse want = c.Get((*peer)->base_url() + path);
  ASSERT_EQ(want.status, 200) << want.body;
  EXPECT_EQ(want.body.find("fed_mixed"), std::string::npos) << want.body;
  EXPECT_EQ(c.Get((*ref)->base_url() + path).body, want.body);
}

// The MetricFamily messages of a delimited protobuf body.
std::vector<std::string> DelimitedMessages(const std::string& body) {
  std::vector<std::string> out;
  google::protobuf::io::CodedInputStream in(reinterpret_cast<const uint8_t*>(body.data()),
                                            static_cast<int>(body.size()));
  uint32_t size = 0;
  while (in.ReadVarint32(&size)) {
    std::string msg;
    if (!in.ReadString(&msg, static_cast<int>(size))) break;
    out.push_back(std::move(msg));
  }
  return out;
}

// Protobuf text bodies as their families in canonical text (Go's prototext spacing varies on
// purpose; the content is the contract): one family per block that starts at a `name:` line.
std::vector<std::string> TextFamilies(const std::string& body) {
  std::vector<std::string> blocks;
  size_t pos = 0;
  while (pos < body.size()) {
    size_t next = body.find("\nname:", pos);
    next = next == std::string::npos ? body.size() : next + 1;
    blocks.push_back(body.substr(pos, next - pos));
    pos = next;
  }
  std::vector<std::string> out;
  for (const std::string& b : blocks) {
    io::prometheus::client::MetricFamily f;
    if (!google::protobuf::TextFormat::ParseFromString(b, &f)) {
      out.push_back("unparsable: " + b);
      continue;
    }
    out.push_back(f.ShortDebugString());
  }
  return out;
}

// Floats, integer and float counter histograms, a gauge histogram, an NHCB (a classic
// histogram in every format) and UTF-8 names, federated by Prometheus 3.16 and promref with
// each Accept header a client sends: the same Content-Type, and the same families.
TEST(FederateHistograms, EveryFormatAgrees) {
  auto peer = promconform::LocalPeer::Start(promconform::PinnedPrometheusPeer());
  ASSERT_TRUE(peer.ok()) << peer.error().message();
  auto ref = server::StartEmbedded({});
  ASSERT_TRUE(ref.ok()) << ref.error().message();
  HttpClient c;
  const int64_t t = (NowMs() - 60'000) / 1000 * 1000;
  wire::WriteRequest req;
  auto series = [&](wire::RawLabels labels) {
    wire::TimeSeries ts;
    ts.labels = std::move(labels);
    ts.labels.push_back({"job", "fedfmt"});
    return ts;
  };
  auto floats = series({{"__name__", "fmt_floats"}, {"path", "a\\b\"c\nd"}});
  floats.samples = {{t - 10'000, 1}, {t, -0.0}};
  auto more_floats = series({{"__name__", "fmt_floats"}, {"path", "z"}, {"instance", "i1"}});
  more_floats.samples = {{t, 1e-300}};
  auto utf8 = series({{"__name__", "fmt.utf8_name"}, {"label.with.dots", "v"}, {"ünïcode", "x"}});
  utf8.samples = {{t, 2.5}};
  auto ints = series({{"__name__", "fmt_hist"}, {"kind", "int"}});
  ints.histograms = {GoodInteger(t)};
  auto flts = series({{"__name__", "fmt_hist"}, {"kind", "float"}});
  flts.histograms = {GoodFloat(t)};
  auto gauge = series({{"__name__", "fmt_hist"}, {"kind", "gauge"}});
  wire::Histogram g = GoodFloat(t);
  g.reset_hint = 3;  // gauge
  gauge.histograms = {g};
  auto nhcb = series({{"__name__", "fmt_nhcb"}});
  nhcb.histograms = {GoodCustom(t)};
  req.timeseries = {floats, more_floats, utf8, ints, flts, gauge, nhcb};
  for (const std::string& base : {(*peer)->base_url(), (*ref)->base_url()}) {
    ASSERT_EQ(PostV1(c, base, req).status, 204) << base;
  }
  const std::string path = "/federate?" + promconform::FormEncode({{"match[]", "{job=\"fedfmt\"}"}});
  const std::string proto =
      "application/vnd.google.protobuf;proto=io.prometheus.client.MetricFamily;encoding=";
  for (const std::string& accept : std::vector<std::string>{
           std::string(), "*/*", "text/plain", "text/plain;version=0.0.4;escaping=allow-utf-8",
           "text/plain;version=0.0.4;escaping=dots", "text/plain;version=0.0.4;escaping=values",
           "application/openmetrics-text;version=1.0.0", proto + "delimited",
           proto + "delimited;q=0.5,text/plain;q=0.9", proto + "delimited;escaping=allow-utf-8",
           proto + "text", proto + "compact-text", "application/vnd.google.protobuf"}) {
    const promconform::Headers headers =
        accept.empty() ? promconform::Headers{} : promconform::Headers{{"Accept", accept}};
    const HttpResponse want = c.Get((*peer)->base_url() + path, headers);
    const HttpResponse got = c.Get((*ref)->base_url() + path, headers);
    ASSERT_EQ(want.status, 200) << accept << ": " << want.body;
    const std::string type = want.Header("Content-Type");
    EXPECT_EQ(got.Header("Content-Type"), type) << accept;
    if (type.find("encoding=delimited") != std::string::npos) {
      EXPECT_EQ(DelimitedMessages(got.body), DelimitedMessages(want.body)) << accept;
      // fmt.utf8_name, fmt_floats, fmt_hist three times (float and int counter histograms with the
      // gauge one between them, by label order: the kind changes twice), fmt_nhcb.
      EXPECT_EQ(DelimitedMessages(want.body).size(), 6u) << accept;
    } else if (type.find("encoding=") != std::string::npos) {
      EXPECT_EQ(TextFamilies(got.body), TextFamilies(want.body)) << accept << "\n"
                                                                 << want.body << "\n----\n"
                                                                 << got.body;
    } else {
      EXPECT_EQ(got.body, want.body) << accept;
    }
  }
}

}  // namespace
}  // namespace promref::api
