#include "wire/remote_write_v2.h"

#include <gtest/gtest.h>
#include <rapidcheck/gtest.h>

#include <set>

#include "model/sample.h"

namespace promref::wire::v2 {
namespace {

RequestV2 Example() {
  RequestV2 req;
  TimeSeries ts;
  ts.labels = {{"__name__", "http_requests_total"}, {"job", "api"}, {"instance", "a"}};
  ts.samples = {{1.5, 1000, 500}, {model::StaleNaN(), 2000, 0}};
  ts.exemplars = {{{{"trace_id", "abc"}, {"job", "api"}}, 2.5, 1500}};
  HistogramV2 h;
  h.h.count_int = 5;
  h.h.sum = 12.5;
  h.h.schema = 3;
  h.h.positive_spans = {{0, 2}};
  h.h.positive_deltas = {1, 2};
  h.h.timestamp = 3000;
  h.start_timestamp = 100;
  ts.histograms = {h};
  ts.metadata = {MetricType::kCounter, "Requests served.", "requests"};
  req.timeseries.push_back(ts);
  TimeSeries second;
  second.labels = {{"__name__", "up"}, {"job", "api"}};
  second.samples = {{1, 1000, 0}};
  req.timeseries.push_back(second);
  return req;
}

TEST(RemoteWriteV2, SymbolTableStartsEmptyAndInternsEachStringOnce) {
  const SymbolizedRequest s = Symbolize(Example());
  ASSERT_FALSE(s.symbols.empty());
  EXPECT_EQ(s.symbols[0], "");
  std::set<std::string> seen(s.symbols.begin(), s.symbols.end());
  EXPECT_EQ(seen.size(), s.symbols.size());
  // "job" and "api" are shared by both series and the exemplar.
  EXPECT_EQ(s.timeseries[0].labels_refs[2], s.timeseries[1].labels_refs[2]);
  EXPECT_EQ(s.symbols[s.timeseries[0].help_ref], "Requests served.");
  EXPECT_EQ(s.timeseries[1].help_ref, 0u);  // no help: the empty symbol
}

TEST(RemoteWriteV2, RoundTripsEverything) {
  const RequestV2 req = Example();
  auto back = DecodeRequestV2(EncodeRequestV2(req));
  ASSERT_TRUE(back.ok()) << back.error().message();
  ASSERT_EQ(back->timeseries.size(), 2u);
  const TimeSeries& got = back->timeseries[0];
  EXPECT_EQ(got.labels, req.timeseries[0].labels);
  ASSERT_EQ(got.samples.size(), 2u);
  EXPECT_EQ(got.samples[0].start_timestamp, 500);
  EXPECT_TRUE(model::IsStaleNaN(got.samples[1].value));
  ASSERT_EQ(got.exemplars.size(), 1u);
  EXPECT_EQ(got.exemplars[0].labels, req.timeseries[0].exemplars[0].labels);
  ASSERT_EQ(got.histograms.size(), 1u);
  EXPECT_EQ(got.histograms[0].start_timestamp, 100);
  EXPECT_EQ(got.histograms[0].h.positive_deltas, (std::vector<int64_t>{1, 2}));
  EXPECT_EQ(got.metadata.type, MetricType::kCounter);
  EXPECT_EQ(got.metadata.unit, "requests");
  EXPECT_EQ(back->timeseries[1].metadata.help, "");
}

TEST(RemoteWriteV2, ResolveRejectsBadRefs) {
  SymbolizedRequest s = Symbolize(Example());
  SymbolizedRequest odd = s;
  odd.timeseries[0].labels_refs.pop_back();
  auto r = Resolve(odd);
  ASSERT_FALSE(r.ok());
  EXPECT_NE(r.error().message().find("invalid labelRefs length"), std::string::npos);

  SymbolizedRequest out_of_range = s;
  out_of_range.timeseries[0].labels_refs[1] = 9999;
  r = Resolve(out_of_range);
  ASSERT_FALSE(r.ok());
  EXPECT_NE(r.error().message().find("outside of symbols table"), std::string::npos);

  SymbolizedRequest bad_help = s;
  bad_help.timeseries[0].help_ref = 9999;
  EXPECT_FALSE(Resolve(bad_help).ok());
}

TEST(RemoteWriteV2, AVersionOneMessageDecodesAsEmpty) {
  // Fields 1-3 are reserved in 2.0, so a 1.0 WriteRequest parses as an empty request: that is
  // why a receiver must look at the Content-Type, not at the bytes.
  WriteRequest v1;
  wire::TimeSeries ts;
  ts.labels = {{"__name__", "up"}};
  ts.samples = {{1000, 1}};
  v1.timeseries.push_back(ts);
  auto r = DecodeSymbolized(EncodeWriteRequest(v1));
  ASSERT_TRUE(r.ok());
  EXPECT_TRUE(r->symbols.empty());
  EXPECT_TRUE(r->timeseries.empty());
}

TEST(RemoteWriteV2, MalformedBytesAreBadData) {
  auto r = DecodeRequestV2("\x22\xff\xff\xff");
  ASSERT_FALSE(r.ok());
  EXPECT_EQ(r.error().kind(), ErrorKind::kBadData);
}

RC_GTEST_PROP(RemoteWriteV2, LabelsAndSamplesRoundTrip,
              (const std::vector<std::vector<std::pair<std::string, std::string>>>& series,
               const std::vector<int64_t>& timestamps)) {
  RequestV2 req;
  for (const auto& labels : series) {
    TimeSeries ts;
    ts.labels = labels;
    for (int64_t t : timestamps) ts.samples.push_back({static_cast<double>(t) / 3, t, 0});
    req.timeseries.push_back(ts);
  }
  auto back = DecodeRequestV2(EncodeRequestV2(req));
  RC_ASSERT(back.ok());
  RC_ASSERT(back->timeseries.size() == req.timeseries.size());
  for (size_t i = 0; i < req.timeseries.size(); ++i) {
    RC_ASSERT(back->timeseries[i].labels == req.timeseries[i].labels);
    RC_ASSERT(back->timeseries[i].samples.size() == req.timeseries[i].samples.size());
    for (size_t j = 0; j < req.timeseries[i].samples.size(); ++j) {
      RC_ASSERT(back->timeseries[i].samples[j].timestamp == req.timeseries[i].samples[j].timestamp);
      RC_ASSERT(back->timeseries[i].samples[j].value == req.timeseries[i].samples[j].value);
    }
  }
}

}  // namespace
}  // namespace promref::wire::v2
