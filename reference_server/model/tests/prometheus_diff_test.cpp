// Differential test of the model against real Prometheus 3.x (the pinned module build, started on a
// free loopback port by the test; promref follows 3.x, whose step parsing 2.42 predates):
//  - float text: >= 10,000 random and edge-case values are written by remote write, read back
//    through /api/v1/query and compared with our formatter, byte for byte (vector samples and
//    scalars, values and timestamps);
//  - timestamps: many well-formed and malformed `time=` values get the same accept/reject
//    verdict, and accepted ones evaluate at the same millisecond;
//  - durations: the same for `step=` of /api/v1/query_range.
#include <gtest/gtest.h>

#include <bit>
#include <chrono>
#include <cmath>
#include <limits>
#include <map>
#include <nlohmann/json.hpp>

#include "client/http_client.h"
#include "client/remote_write_client.h"
#include "model/go_strconv.h"
#include "model/sample.h"
#include "model/time.h"
#include "model/value_text.h"
#include "peers/local_peer.h"

namespace promref::model {
namespace {

using promconform::FormEncode;
using promconform::HttpClient;
using promconform::HttpResponse;
using promconform::LocalPeer;

class PrometheusDiff : public ::testing::Test {
 protected:
  static void SetUpTestSuite() {
    auto peer = LocalPeer::Start(promconform::PinnedPrometheusPeer());
    ASSERT_TRUE(peer.ok()) << peer.error().message();
    peer_ = std::move(*peer).release();
  }
  static void TearDownTestSuite() {
    delete peer_;
    peer_ = nullptr;
  }

  static HttpResponse Query(const std::vector<std::pair<std::string, std::string>>& params,
                            const std::string& path = "/api/v1/query") {
    HttpClient client;
    return client.Get(peer_->base_url() + path + "?" + FormEncode(params));
  }

  static LocalPeer* peer_;
};
LocalPeer* PrometheusDiff::peer_ = nullptr;

// The values under test: every power of ten and of two, the boundaries of the exponent
// switch (1e-6, 1e21) and their neighbours, subnormals, extremes, NaN payloads, infinities,
// "human" decimals, and uniformly random bit patterns.
std::vector<double> FloatCorpus() {
  std::vector<double> v = {0.0,
                           -0.0,
                           1,
                           -1,
                           0.1,
                           0.2,
                           0.3,
                           0.5,
                           1.0 / 3,
                           2.0 / 3,
                           100,
                           1e15,
                           1e16,
                           1e17,
                           123456789.123456789,
                           9007199254740992.0,
                           9007199254740993.0,
                           std::numeric_limits<double>::max(),
                           -std::numeric_limits<double>::max(),
                           std::numeric_limits<double>::min(),
                           std::numeric_limits<double>::denorm_min(),
                           std::numeric_limits<double>::infinity(),
                           -std::numeric_limits<double>::infinity(),
                           std::numeric_limits<double>::quiet_NaN(),
                           std::bit_cast<double>(kNormalNaNBits),
                           std::bit_cast<double>(uint64_t{0x7ff8000000000005ULL}),
                           std::bit_cast<double>(uint64_t{0xfff8000000000000ULL})};
  for (double edge : {1e-6, 1e21, 1e-5, 1e20, 1e-7, 1e22}) {
    for (double sign : {1.0, -1.0}) {
      const double e = sign * edge;
      v.push_back(e);
      v.push_back(std::nextafter(e, 0.0));
      v.push_back(std::nextafter(e, sign * INFINITY));
    }
  }
  for (int e = -323; e <= 308; ++e) v.push_back(std::strtod(("1e" + std::to_string(e)).c_str(), nullptr));
  for (int e = -1074; e <= 1023; ++e) v.push_back(std::ldexp(1.0, e));
  uint64_t x = 0x2545F4914F6CDD1DULL;
  auto next = [&x] {
    x ^= x << 13, x ^= x >> 7, x ^= x << 17;
    return x;
  };
  for (int i = 0; i < 2000; ++i)
    v.push_back(static_cast<double>(static_cast<int64_t>(next() % 2000001) - 1000000) / 100);
  for (int i = 0; i < 1000; ++i) v.push_back(static_cast<double>(next() % 1000000) * 1e-9);
  while (v.size() < 12000) {
    const double d = std::bit_cast<double>(next());
    if (!IsStaleNaN(d)) v.push_back(d);
  }
  return v;
}

TEST_F(PrometheusDiff, FloatTextMatchesPrometheusByteForByte) {
  const std::vector<double> values = FloatCorpus();
  ASSERT_GE(values.size(), 10000u);
  const int64_t now = std::chrono::duration_cast<std::chrono::milliseconds>(
                          std::chrono::system_clock::now().time_since_epoch())
                          .count();
  const int64_t t = (now - 60'000) / 1000 * 1000 + 123;  // a non-zero millisecond part

  HttpClient client;
  wire::WriteRequest batch;
  auto flush = [&] {
    ASSERT_TRUE(promconform::SendRemoteWrite(client, peer_->base_url() + "/api/v1/write", batch).ok());
    batch.timeseries.clear();
  };
  for (size_t i = 0; i < values.size(); ++i) {
    wire::TimeSeries ts;
    ts.labels = {{"__name__", "promconform_float"}, {"i", std::to_string(i)}};
    ts.samples = {{t, values[i]}};
    batch.timeseries.push_back(std::move(ts));
    if (batch.timeseries.size() == 2000) flush();
  }
  // A stale marker is not a value: the series must be absent from the query result.
  wire::TimeSeries stale;
  stale.labels = {{"__name__", "promconform_float"}, {"i", "stale"}};
  stale.samples = {{t, StaleNaN()}};
  batch.timeseries.push_back(stale);
  flush();

  const std::string time_param = FormatSampleTimestamp(t);
  HttpResponse r = Query({{"query", "promconform_float"}, {"time", time_param}});
  ASSERT_EQ(r.status, 200) << r.body;
  const auto body = nlohmann::json::parse(r.body);
  const auto& result = body["data"]["result"];
  std::map<std::string, std::string> got;
  for (const auto& sample : result) got[sample["metric"]["i"]] = sample["value"][1];
  EXPECT_EQ(got.count("stale"), 0u) << "a stale marker was returned as a value";
  ASSERT_EQ(got.size(), values.size());
  int mismatches = 0;
  for (size_t i = 0; i < values.size(); ++i) {
    const std::string want = FormatSampleValue(values[i]);
    const std::string& have = got[std::to_string(i)];
    if (have != want && ++mismatches <= 20) {
      ADD_FAILURE() << "value bits " << std::hex << std::bit_cast<uint64_t>(values[i]) << std::dec
                    << ": prometheus \"" << have << "\", ours \"" << want << "\"";
    }
  }
  EXPECT_EQ(mismatches, 0);
  // Vector samples carry the evaluation time in the three-digit millisecond form.
  EXPECT_NE(r.body.find("[" + time_param + ",\""), std::string::npos);

  // Scalars: 'f' formatting and encoding/json timestamps, on a spread of the corpus.
  for (size_t i = 0; i < values.size(); i += 37) {
    HttpResponse s = Query(
        {{"query", "scalar(promconform_float{i=\"" + std::to_string(i) + "\"})"}, {"time", time_param}});
    ASSERT_EQ(s.status, 200) << s.body;
    const std::string want =
        "\"result\":[" + FormatScalarTimestamp(t) + ",\"" + FormatScalarValue(values[i]) + "\"]";
    EXPECT_NE(s.body.find(want), std::string::npos) << "want " << want << " in " << s.body;
  }
}

TEST_F(PrometheusDiff, TimeParameterVerdictsAndValues) {
  const std::vector<std::string> inputs = {
      "0",
      "1",
      "1.5",
      "-1.5",
      "1.0004",
      "1.0005",
      "1.0015",
      "-0.0005",
      "-0.0015",
      "0.0005",
      "-0",
      "1e3",
      "1E3",
      "+5",
      ".5",
      "5.",
      "0x10p0",
      "0x1.8p1",
      "0x10",
      "1_000",
      "1__0",
      "_1",
      "1_",
      "Inf",
      "-Inf",
      "+Inf",
      "NaN",
      "nan",
      "infinity",
      "1e15",
      "1e18",
      "1e19",
      "-1e19",
      "9.2e15",
      "-9.2e15",
      "1e400",
      "1e-400",
      "1435781451.781",
      "1435781451.7815",
      "0.001",
      "2.675",
      "1e",
      "--1",
      "1,5",
      "now",
      "abc",
      " 1",
      "1 ",
      "2015-07-01T20:10:51.781Z",
      "2015-07-01T20:10:51Z",
      "2015-07-01T20:10:51.781+02:00",
      "2015-07-01T20:10:51.781-02:00",
      "2015-07-01T20:10:51,5Z",
      "2015-07-01T2:10:51Z",
      "2015-07-01T20:10:51.7819999999999Z",
      "2015-07-01T20:10:51.123456789123Z",
      "2015-07-01T20:10:51+24:00",
      "2015-07-01T20:10:51+25:00",
      "2015-07-01T20:10:51+23:60",
      "2015-07-01T20:10:51+23:61",
      "2015-07-01T20:10:51+0200",
      "2015-07-01t20:10:51Z",
      "2015-07-01T20:10:51z",
      "2015-07-01 20:10:51Z",
      "2015-07-01",
      "2015-07-01T20:10",
      "2015-13-01T00:00:00Z",
      "2015-00-01T00:00:00Z",
      "2015-02-29T00:00:00Z",
      "2016-02-29T00:00:00Z",
      "2015-04-31T00:00:00Z",
      "2015-07-01T24:00:00Z",
      "2015-07-01T23:60:00Z",
      "2015-07-01T23:59:60Z",
      "0000-01-01T00:00:00Z",
      "9999-12-31T23:59:59.999Z",
      "2015-07-01T20:10:51.Z",
      "2015-7-01T20:10:51Z",
      "+2015-07-01T20:10:51Z",
      "-2015-07-01T20:10:51Z",
      "2015-07-01T20:10:51.5",
      "-292273086-05-16T16:47:06Z",
      "292277025-08-18T07:12:54.999999999Z",
      "2015-07-01T20:1:51Z",
      "2015-07-01T20:10:5Z",
      "2015-07-01T020:10:51Z",
      "2015-07-01T20:10:51.781+2:00",
      "2015-07-01T20:10:51Z+",
  };
  int disagreements = 0;
  for (const std::string& in : inputs) {
    HttpResponse r = Query({{"query", "time()"}, {"time", in}});
    ASSERT_TRUE(r.answered()) << r.transport_error;
    auto ours = ParseTimestamp(in);
    if ((r.status == 200) != ours.ok()) {
      ++disagreements;
      ADD_FAILURE() << "time=" << GoQuote(in) << ": prometheus " << r.status << " " << r.body << "; ours "
                    << (ours.ok() ? "accepts" : ours.error().message());
      continue;
    }
    if (!ours.ok()) {
      const std::string want = ours.error().message();
      EXPECT_NE(r.body.find(nlohmann::json(want).dump().substr(1, want.size())), std::string::npos)
          << "time=" << GoQuote(in) << ": prometheus says " << r.body << "; ours " << want;
      continue;
    }
    // time() evaluates to the query time in seconds: compare the exact text.
    const auto body = nlohmann::json::parse(r.body);
    const std::string value = body["data"]["result"][1];
    // The engine converts the query time with UnixNano, which wraps for far-away years.
    EXPECT_EQ(value, FormatScalarValue(static_cast<double>(ours->EngineMillis()) / 1000))
        << "time=" << GoQuote(in) << " parsed to " << ours->sec << "s " << ours->nsec << "ns";
  }
  EXPECT_EQ(disagreements, 0);
}

TEST_F(PrometheusDiff, StepParameterVerdictsAndPointCounts) {
  const std::vector<std::string> inputs = {
      "1",      "0.5",   "15s",    "1m",    "1h30m", "0",     "-1",     "0.0005",  "0.001", "1e-3",
      "1ms",    "0s",    "0ms",    "1.5s",  "1.5",   "abc",   "1y",     "1w",      "1d",    "Inf",
      "-Inf",   "NaN",   "1e10",   "9.2e9", "9.3e9", "1h1h",  "30m1h",  "5x",      "1_0",   "0x10p0",
      "10000d", "300y",  " 1",     "100ms", "0.01",  "0.009", "0.0091", "1s500ms", "1m0s",  "01s",
      "+1",     "1e400", "1e-400", "0.1ms", "1.0",   "5m",    "2",      "3",       "7",     "0.3",
  };
  int disagreements = 0;
  for (const std::string& in : inputs) {
    HttpResponse r =
        Query({{"query", "1"}, {"start", "0"}, {"end", "100"}, {"step", in}}, "/api/v1/query_range");
    ASSERT_TRUE(r.answered()) << r.transport_error;
    auto ours = ParseDurationParam(in);
    const bool prom_parse_error =
        r.body.find("invalid parameter \\\"step\\\": cannot parse") != std::string::npos;
    if (prom_parse_error == ours.ok()) {
      ++disagreements;
      ADD_FAILURE() << "step=" << GoQuote(in) << ": prometheus " << r.status << " " << r.body << "; ours "
                    << (ours.ok() ? "accepts" : ours.error().message());
      continue;
    }
    if (!ours.ok()) {
      const std::string want = nlohmann::json(ours.error().message()).dump();
      EXPECT_NE(r.body.find(want.substr(1, want.size() - 2)), std::string::npos)
          << "step=" << GoQuote(in) << ": " << r.body;
      continue;
    }
    if (r.status == 200) {
      // Steps are start, start+step, ... <= end, with the step truncated to milliseconds.
      const int64_t step_ms = *ours / 1'000'000;
      ASSERT_GT(step_ms, 0) << in;
      const auto body = nlohmann::json::parse(r.body);
      const size_t points = body["data"]["result"][0]["values"].size();
      EXPECT_EQ(points, static_cast<size_t>(100'000 / step_ms + 1)) << "step=" << in;
    }
  }
  EXPECT_EQ(disagreements, 0);
}

}  // namespace
}  // namespace promref::model
