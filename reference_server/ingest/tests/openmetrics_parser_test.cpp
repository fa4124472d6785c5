// The OpenMetrics 1.0 parser: whole bodies in, entries (or the error) out. Every expected
// output below was checked against Prometheus 3.16's textparse.OpenMetricsParser (plus the
// label checks its scrape loop and TSDB head apply), error wording included; start
// timestamps as its StartTimestamp() gives them when `_created` series are skipped.
#include "ingest/openmetrics_parser.h"

#include <gtest/gtest.h>

#include <bit>
#include <cstdint>
#include <string>
#include <vector>

#include "ingest/tests/render.h"
#include "model/sample.h"

namespace promref::ingest {
namespace {

using testing::CaseName;
using testing::Lines;
using testing::ParseCase;
using testing::RenderAll;

const ParseCase kEntries[] = {
    {"bare series", "up 1\n# EOF\n", {R"(SERIES {__name__="up"} 1)"}},
    {"EOF without newline", "up 1\n# EOF", {R"(SERIES {__name__="up"} 1)"}},
    {"only EOF", "# EOF\n", {}},
    {"metadata",
     "# HELP req_seconds Time spent.\n# TYPE req_seconds counter\n# UNIT req_seconds "
     "seconds\nreq_seconds_total 3\n# EOF\n",
     {R"(HELP "req_seconds" "Time spent.")", R"(TYPE "req_seconds" counter)",
      R"(UNIT "req_seconds" "seconds")", R"(SERIES {__name__="req_seconds_total"} 3)"}},
    {"empty unit and help", "# UNIT m \n# HELP m \n# EOF\n", {R"(UNIT "m" "")", R"(HELP "m" "")"}},
    {"help escapes include the quote",
     "# HELP m a\\\\b\\nc\\\"d \\t\n# EOF\n",
     {R"(HELP "m" "a\\b\nc\"d \\t")"}},
    {"every OpenMetrics type",
     "# TYPE a counter\n# TYPE b gauge\n# TYPE c histogram\n# TYPE d gaugehistogram\n# TYPE e summary\n# "
     "TYPE f info\n# TYPE g stateset\n# TYPE h unknown\n# EOF\n",
     {R"(TYPE "a" counter)", R"(TYPE "b" gauge)", R"(TYPE "c" histogram)", R"(TYPE "d" gaugehistogram)",
      R"(TYPE "e" summary)", R"(TYPE "f" info)", R"(TYPE "g" stateset)", R"(TYPE "h" unknown)"}},
    {"info and stateset series",
     "# TYPE build info\nbuild_info{version=\"1.2\"} 1\n# TYPE feature stateset\nfeature{feature=\"a\"} "
     "1\nfeature{feature=\"b\"} 0\n# EOF\n",
     {R"(TYPE "build" info)", R"(SERIES {__name__="build_info", version="1.2"} 1)",
      R"(TYPE "feature" stateset)", R"(SERIES {__name__="feature", feature="a"} 1)",
      R"(SERIES {__name__="feature", feature="b"} 0)"}},
    {"timestamps are seconds",
     "a 1 1.5\nb 1 -1.5\nc 1 1e3\nd 1 0.0001\ne 1 1700000000.123\n# EOF\n",
     {R"(SERIES {__name__="a"} 1 @1500)", R"(SERIES {__name__="b"} 1 @-1500)",
      R"(SERIES {__name__="c"} 1 @1000000)", R"(SERIES {__name__="d"} 1 @0)",
      R"(SERIES {__name__="e"} 1 @1700000000123)"}},
    {"exemplars",
     "a_total 1 # {trace_id=\"abc\"} 0.5\nb_total 2 10 # {trace_id=\"d\",span=\"e\"} 1 9.5\nc_total 3 # {} "
     "2\n# EOF\n",
     {R"(SERIES {__name__="a_total"} 1 # {trace_id="abc"} 0.5)",
      R"(SERIES {__name__="b_total"} 2 @10000 # {span="e", trace_id="d"} 1 @9500)",
      R"(SERIES {__name__="c_total"} 3 # {} 2)"}},
    {"exemplar labels keep their escapes",
     "a_total 1 # {a=\"x\\\"y\"} 1\n# EOF\n",
     {R"(SERIES {__name__="a_total"} 1 # {a="x\\\"y"} 1)"}},
    {"exemplar with a repeated name is dropped",
     "a_total 1 # {a=\"1\",a=\"2\"} 1\n# EOF\n",
     {R"(SERIES {__name__="a_total"} 1)"}},
    {"created lines are series by default",
     "# TYPE c counter\nc_total 1\nc_created 1700000000\n# EOF\n",
     {R"(TYPE "c" counter)", R"(SERIES {__name__="c_total"} 1)", R"(SERIES {__name__="c_created"} 1.7e+09)"}},
    {"UTF-8 names",
     "{\"my.metric\",\"a.b\"=\"x\"} 1\n{\"a-b\"=\"y\",\"other.metric\"} 2\n# HELP \"my.metric\" text\n# "
     "EOF\n",
     {R"(SERIES {__name__="my.metric", "a.b"="x"} 1)", R"(SERIES {__name__="other.metric", "a-b"="y"} 2)",
      R"(HELP "my.metric" "text")"}},
    {"trailing comma", "m{a=\"1\",} 1\n# EOF\n", {R"(SERIES {__name__="m", a="1"} 1)"}},
    {"empty values are no labels", "m{a=\"\"} 1\n# EOF\n", {R"(SERIES {__name__="m"} 1)"}},
    {"NaN and infinities",
     "a NaN\nb +Inf\nc -Inf\n# EOF\n",
     {R"(SERIES {__name__="a"} NaN)", R"(SERIES {__name__="b"} +Inf)", R"(SERIES {__name__="c"} -Inf)"}},
    {"le and quantile in OpenMetrics form",
     "# TYPE h histogram\nh_bucket{le=\"1\"} 0\n# TYPE s summary\ns{quantile=\"0.50\"} 1\n# EOF\n",
     {R"(TYPE "h" histogram)", R"(SERIES {__name__="h_bucket", le="1.0"} 0)", R"(TYPE "s" summary)",
      R"(SERIES {__name__="s", quantile="0.5"} 1)"}},
    {"gauge histogram keeps le as written",
     "# TYPE g gaugehistogram\ng_bucket{le=\"1\"} 0\n# EOF\n",
     {R"(TYPE "g" gaugehistogram)", R"(SERIES {__name__="g_bucket", le="1"} 0)"}},
    {"type carries over to the next family",
     "# TYPE h histogram\n# HELP other text\nother_bucket{le=\"1\"} 0\n# EOF\n",
     {R"(TYPE "h" histogram)", R"(HELP "other" "text")", R"(SERIES {__name__="other_bucket", le="1.0"} 0)"}},
    {"tab in a value token",
     "m 1\t\n# EOF\n",
     {R"(ERR strconv.ParseFloat: parsing "1\t": invalid syntax while parsing: "m 1\t")"}},
    {"a bad token after the value is left to the next line",
     "m 1 # x\n# EOF\n",
     {R"(SERIES {__name__="m"} 1)",
      R"(ERR expected a valid start token, got "x" ("INVALID") while parsing: "x")"}},
};

const ParseCase kErrors[] = {
    {"no EOF", "up 1\n", {R"(SERIES {__name__="up"} 1)", R"(ERR data does not end with # EOF)"}},
    {"no EOF and no newline", "up 1", {R"(ERR data does not end with # EOF)"}},
    {"empty body", "", {R"(ERR data does not end with # EOF)"}},
    {"data after EOF", "# EOF\nup 1\n", {R"(ERR unexpected data after # EOF)"}},
    {"second newline after EOF", "# EOF\n\n", {R"(ERR unexpected data after # EOF)"}},
    {"blank line",
     "a 1\n\nb 1\n# EOF\n",
     {R"(SERIES {__name__="a"} 1)",
      R"(ERR expected a valid start token, got "\n" ("INVALID") while parsing: "\n")"}},
    {"two spaces",
     "a  1\n# EOF\n",
     {R"(ERR expected value after metric, got "  " ("INVALID") while parsing: "a  ")"}},
    {"tab separator",
     "a\t1\n# EOF\n",
     {R"(ERR expected value after metric, got "\t" ("INVALID") while parsing: "a\t")"}},
    {"free comment",
     "# a comment\n# EOF\n",
     {R"(ERR expected a valid start token, got "# a" ("INVALID") while parsing: "# a")"}},
    {"hash without space",
     "#x\n# EOF\n",
     {R"(ERR expected a valid start token, got "#x" ("INVALID") while parsing: "#x")"}},
    {"untyped is not a type", "# TYPE m untyped\n# EOF\n", {R"(ERR invalid metric type "untyped")"}},
    {"unknown type", "# TYPE m bar\n# EOF\n", {R"(ERR invalid metric type "bar")"}},
    {"unit not a suffix",
     "# UNIT req_seconds bytes\n# EOF\n",
     {R"(ERR unit "bytes" not a suffix of metric "req_seconds")"}},
    {"unit without underscore",
     "# UNIT seconds seconds\n# EOF\n",
     {R"(ERR unit "seconds" not a suffix of metric "seconds")"}},
    {"unit is the whole name", "# UNIT m_ m_\n# EOF\n", {R"(ERR unit "m_" not a suffix of metric "m_")"}},
    {"help without text", "# HELP m\n# EOF\n", {R"(ERR expected text in HELP)"}},
    {"help not UTF-8", "# HELP m \xc3\xbf\n# EOF\n", {R"(HELP "m" "ÿ")"}},
    {"help without name",
     "# HELP  x\n# EOF\n",
     {R"(ERR expected metric name after HELP, got " " ("INVALID") while parsing: "# HELP  ")"}},
    {"no comma between labels",
     "m{a=\"1\" b=\"2\"} 1\n# EOF\n",
     {R"(ERR expected comma or brace close, got " " ("INVALID") while parsing: "m{a=\"1\" ")"}},
    {"space after comma",
     "m{a=\"1\", b=\"2\"} 1\n# EOF\n",
     {R"(ERR expected label name, got " " ("INVALID") while parsing: "m{a=\"1\", ")"}},
    {"no value",
     "m\n# EOF\n",
     {R"(ERR expected value after metric, got "\n" ("INVALID") while parsing: "m\n")"}},
    {"bad value",
     "m x\n# EOF\n",
     {R"(ERR strconv.ParseFloat: parsing "x": invalid syntax while parsing: "m x")"}},
    {"NaN timestamp", "m 1 NaN\n# EOF\n", {R"(ERR invalid timestamp NaN)"}},
    {"infinite timestamp", "m 1 -Inf\n# EOF\n", {R"(ERR invalid timestamp -Inf)"}},
    {"bad timestamp",
     "m 1 x\n# EOF\n",
     {R"(ERR strconv.ParseFloat: parsing "x": invalid syntax while parsing: "m 1 x")"}},
    {"two timestamps",
     "m 1 1 2\n# EOF\n",
     {R"(ERR expected next entry after timestamp, got " 2\n" ("TIMESTAMP") while parsing: "m 1 1 2\n")"}},
    {"exemplar without value",
     "m 1 # {a=\"b\"}\n# EOF\n",
     {R"(ERR expected value after exemplar labels, got "\n" ("INVALID") while parsing: "m 1 # {a=\"b\"}\n")"}},
    {"exemplar with a lone quoted name",
     "m 1 # {\"a\"} 1\n# EOF\n",
     {R"(ERR expected label name, got "} " ("BCLOSE") while parsing: "m 1 # {\"a\"} ")"}},
    {"exemplar with two timestamps",
     "m 1 # {a=\"b\"} 1 2 3\n# EOF\n",
     {R"(ERR expected next entry after exemplar timestamp, got " 3\n" ("TIMESTAMP") while parsing: "m 1 # {a=\"b\"} 1 2 3\n")"}},
    {"exemplar bad timestamp",
     "m 1 # {a=\"b\"} 1 x\n# EOF\n",
     {R"(ERR strconv.ParseFloat: parsing "x": invalid syntax while parsing: "m 1 # {a=\"b\"} 1 x")"}},
    {"exemplar infinite timestamp",
     "m 1 # {a=\"b\"} 1 +Inf\n# EOF\n",
     {R"(ERR invalid exemplar timestamp +Inf)"}},
    {"exemplar then EOF", "m 1 # {a=\"b\"} 1", {R"(ERR data does not end with # EOF)"}},
    {"exemplar bad value",
     "m 1 # {a=\"b\"} x\n# EOF\n",
     {R"(ERR strconv.ParseFloat: parsing "x": invalid syntax while parsing: "m 1 # {a=\"b\"} x")"}},
    {"exemplar label value with a newline",
     "m 1 # {a=\"b\nc\"} 1\n# EOF\n",
     {R"(ERR expected label value, got "\"b\n" ("INVALID") while parsing: "m 1 # {a=\"b\n")"}},
    {"label value with a newline",
     "m{a=\"b\nc\"} 1\n# EOF\n",
     {R"(ERR expected label value, got "\"b\n" ("INVALID") while parsing: "m{a=\"b\n")"}},
    {"label value not UTF-8", "m{a=\"\xc3\xbf\"} 1\n# EOF\n", {R"(SERIES {__name__="m", a="ÿ"} 1)"}},
    {"no metric name", "{a=\"b\"} 1\n# EOF\n", {R"(ERR metric name not set while parsing: "{a=\"b\"} 1")"}},
    {"metric name twice",
     "{\"a\",\"b\"} 1\n# EOF\n",
     {R"(ERR metric name already set while parsing: "{\"a\",\"b\"}")"}},
    {"repeated label name",
     "m{a=\"1\",a=\"2\"} 1\n# EOF\n",
     {R"(ERR label name "a" is not unique: invalid sample)"}},
    {"empty metric name", "{\"\"} 1\n# EOF\n", {R"(ERR invalid metric name or label names: {__name__=""})"}},
    {"value then EOF",
     "m 1 2",
     {R"(ERR expected next entry after timestamp, got " 2" ("EOF") while parsing: "m 1 2")"}},
    {"an error after the bad token",
     "m 1 # x\nn 1\n# EOF\n",
     {R"(SERIES {__name__="m"} 1)",
      R"(ERR expected a valid start token, got "x" ("INVALID") while parsing: "x")"}},
};

// With created_as_start_timestamp: `_created` lines of counters, summaries and histograms
// become the start timestamps of the series before them.
const ParseCase kStartTimestamps[] = {
    {"counter",
     "# TYPE c counter\nc_total 1\nc_created 1700000000.5\n# EOF\n",
     {R"(TYPE "c" counter)", R"(SERIES {__name__="c_total"} 1 st=1700000000500)"}},
    {"labels must match",
     "# TYPE c counter\nc_total{a=\"1\"} 1\nc_created{a=\"1\"} 10\nc_total{a=\"2\"} 2\nc_created{a=\"2\"} "
     "20\n# EOF\n",
     {R"(TYPE "c" counter)", R"(SERIES {__name__="c_total", a="1"} 1 st=10000)",
      R"(SERIES {__name__="c_total", a="2"} 2 st=20000)"}},
    {"the first created line decides",
     "# TYPE c counter\nc_total{a=\"1\"} 1\nc_total{a=\"2\"} 2\nc_created{a=\"2\"} 20\nc_created{a=\"1\"} "
     "10\n# EOF\n",
     {R"(TYPE "c" counter)", R"(SERIES {__name__="c_total", a="1"} 1)",
      R"(SERIES {__name__="c_total", a="2"} 2 st=20000)"}},
    {"histogram ignores le",
     "# TYPE h histogram\nh_bucket{le=\"1\"} 0\nh_bucket{le=\"+Inf\"} 1\nh_count 1\nh_sum 2\nh_created 3\n# "
     "EOF\n",
     {R"(TYPE "h" histogram)", R"(SERIES {__name__="h_bucket", le="1.0"} 0 st=3000)",
      R"(SERIES {__name__="h_bucket", le="+Inf"} 1 st=3000)", R"(SERIES {__name__="h_count"} 1 st=3000)",
      R"(SERIES {__name__="h_sum"} 2 st=3000)"}},
    {"summary ignores quantile",
     "# TYPE s summary\ns{quantile=\"0.5\"} 1\ns_count 1\ns_sum 1\ns_created 4\n# EOF\n",
     {R"(TYPE "s" summary)", R"(SERIES {__name__="s", quantile="0.5"} 1 st=4000)",
      R"(SERIES {__name__="s_count"} 1 st=4000)", R"(SERIES {__name__="s_sum"} 1 st=4000)"}},
    {"a family boundary stops the search",
     "# TYPE c counter\nc_total 1\n# TYPE d counter\nd_total 1\nd_created 5\n# EOF\n",
     {R"(TYPE "c" counter)", R"(SERIES {__name__="c_total"} 1)", R"(TYPE "d" counter)",
      R"(SERIES {__name__="d_total"} 1 st=5000)"}},
    {"gauges have no start time",
     "# TYPE g gauge\ng 1\ng_created 5\n# EOF\n",
     {R"(TYPE "g" gauge)", R"(SERIES {__name__="g"} 1)", R"(SERIES {__name__="g_created"} 5)"}},
    {"a created value of zero means unknown",
     "# TYPE c counter\nc_total 1\nc_created 0\n# EOF\n",
     {R"(TYPE "c" counter)", R"(SERIES {__name__="c_total"} 1)"}},
    {"a created line of another family is still skipped",
     "# TYPE c counter\nc_total 1\nd_created 7\n# EOF\n",
     {R"(TYPE "c" counter)", R"(SERIES {__name__="c_total"} 1)"}},
    {"utf8 family",
     "# TYPE \"c.x\" counter\n{\"c.x_total\"} 1\n{\"c.x_created\"} 8\n# EOF\n",
     {R"(TYPE "c.x" counter)", R"(SERIES {__name__="c.x_total"} 1 st=8000)"}},
    {"exemplars are skipped while looking ahead",
     "# TYPE c counter\nc_total 1 # {a=\"b\"} 1\nc_total{x=\"y\"} 1 # {a=\"b\"} 1\nc_created 9\n# EOF\n",
     {R"(TYPE "c" counter)", R"(SERIES {__name__="c_total"} 1 # {a="b"} 1 st=9000)",
      R"(SERIES {__name__="c_total", x="y"} 1 # {a="b"} 1)"}},
    {"a repeated series keeps the start time it was paired with",
     "# TYPE c counter\nc_total 1\nc_created 5\nc_total 2 1\n# EOF\n",
     {R"(TYPE "c" counter)", R"(SERIES {__name__="c_total"} 1 st=5000)",
      R"(SERIES {__name__="c_total"} 2 @1000 st=5000)"}},
};

class OpenMetricsCases : public ::testing::TestWithParam<ParseCase> {};

TEST_P(OpenMetricsCases, ParsesLikePrometheus) {
  const std::unique_ptr<Parser> parser = NewOpenMetricsParser(GetParam().body);
  EXPECT_EQ(RenderAll(*parser), Lines(GetParam().want)) << "body: " << GetParam().body;
}

INSTANTIATE_TEST_SUITE_P(Entries, OpenMetricsCases, ::testing::ValuesIn(kEntries),
                         [](const auto& c) { return CaseName(c.param); });
INSTANTIATE_TEST_SUITE_P(Errors, OpenMetricsCases, ::testing::ValuesIn(kErrors),
                         [](const auto& c) { return CaseName(c.param); });

class OpenMetricsStartTimestamps : public ::testing::TestWithParam<ParseCase> {};

TEST_P(OpenMetricsStartTimestamps, ComeFromCreatedLines) {
  const std::unique_ptr<Parser> parser =
      NewOpenMetricsParser(GetParam().body, {.created_as_start_timestamp = true});
  EXPECT_EQ(RenderAll(*parser), Lines(GetParam().want)) << "body: " << GetParam().body;
}

INSTANTIATE_TEST_SUITE_P(Created, OpenMetricsStartTimestamps, ::testing::ValuesIn(kStartTimestamps),
                         [](const auto& c) { return CaseName(c.param); });

TEST(OpenMetricsParser, NaNIsCanonical) {
  const std::unique_ptr<Parser> parser = NewOpenMetricsParser("m NaN # {} nan\n# EOF\n");
  Result<std::vector<Entry>> entries = ParseAll(*parser);
  ASSERT_TRUE(entries.ok());
  ASSERT_EQ(entries->size(), 1u);
  EXPECT_EQ(std::bit_cast<uint64_t>((*entries)[0].value), model::kNormalNaNBits);
  ASSERT_TRUE((*entries)[0].exemplar.has_value());
  EXPECT_EQ(std::bit_cast<uint64_t>((*entries)[0].exemplar->value), model::kNormalNaNBits);
}

// Looking ahead for `_created` lines must not cost a pass over the family per series.
TEST(OpenMetricsParser, StartTimestampsOfALargeFamilyInLinearTime) {
  std::string body = "# TYPE c counter\n";
  constexpr int kSeries = 20000;
  for (int i = 0; i < kSeries; ++i) body += "c_total{i=\"" + std::to_string(i) + "\"} 1\n";
  body += "c_created{i=\"" + std::to_string(kSeries - 1) + "\"} 3\n# EOF\n";
  const std::unique_ptr<Parser> parser = NewOpenMetricsParser(body, {.created_as_start_timestamp = true});
  Result<std::vector<Entry>> entries = ParseAll(*parser);
  ASSERT_TRUE(entries.ok());
  ASSERT_EQ(entries->size(), kSeries + 1u);
  EXPECT_FALSE((*entries)[1].start_timestamp_ms.has_value());
  EXPECT_EQ((*entries)[kSeries].start_timestamp_ms, 3000);
}

}  // namespace
}  // namespace promref::ingest
