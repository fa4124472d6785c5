// The promqltest reader: series descriptions (every value-sequence form), native histogram
// literals, @st sequences, commands and expectations, error messages for malformed scripts,
// and every upstream script reading without error.
#include "promqltest/script.h"

#include <gtest/gtest.h>

#include <cmath>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <sstream>

#include "model/sample.h"

namespace promref::promqltest {
namespace {

using model::Labels;

std::vector<double> Floats(const std::vector<SequenceValue>& values) {
  std::vector<double> out;
  for (const SequenceValue& v : values) {
    EXPECT_FALSE(v.histogram);
    out.push_back(v.omitted ? -12345 : v.value);
  }
  return out;
}

SeriesDescription Desc(std::string_view line) {
  auto d = ParseSeriesDescription(line);
  EXPECT_TRUE(d.ok()) << line << ": " << (d.ok() ? "" : d.error().message());
  return d.ok() ? *d : SeriesDescription{};
}

std::string DescError(std::string_view line) {
  auto d = ParseSeriesDescription(line);
  EXPECT_FALSE(d.ok()) << line;
  return d.ok() ? "" : d.error().message();
}

// --- Series descriptions ---------------------------------------------------------------------

TEST(SeriesDescription, Metric) {
  EXPECT_EQ(Desc("up 1").labels, (Labels{{"__name__", "up"}}));
  EXPECT_EQ(Desc("http_requests{job=\"api\", instance=\"0\"} 1").labels,
            (Labels{{"__name__", "http_requests"}, {"job", "api"}, {"instance", "0"}}));
  EXPECT_EQ(Desc("{__name__=\"x\", a='b'} 1").labels, (Labels{{"__name__", "x"}, {"a", "b"}}));
  EXPECT_EQ(Desc("{\"utf8.metric\", \"a.b\"=\"c\"} 1").labels,
            (Labels{{"__name__", "utf8.metric"}, {"a.b", "c"}}));
  EXPECT_EQ(Desc("m{a=\"b\",} 1").labels, (Labels{{"__name__", "m"}, {"a", "b"}}));
  EXPECT_EQ(Desc("m{} 1").labels, (Labels{{"__name__", "m"}}));
  EXPECT_EQ(Desc("{} 1").labels, Labels());
  // Keywords are metric and label names like any other; colons in metric names.
  EXPECT_EQ(Desc("sum{by=\"x\", offset=\"y\"} 1").labels,
            (Labels{{"__name__", "sum"}, {"by", "x"}, {"offset", "y"}}));
  EXPECT_EQ(Desc("job:rate5m 1").labels, (Labels{{"__name__", "job:rate5m"}}));
  // Unquoted UTF-8 names, as Prometheus 3.16's runner reads them (promql-unquoted-utf8-names on):
  // Unicode letters, and dots after the first character.
  EXPECT_EQ(Desc("http.server.requests{service.name=\"api\", k8s.ns.=\"x\"} 1").labels,
            (Labels{{"__name__", "http.server.requests"}, {"service.name", "api"}, {"k8s.ns.", "x"}}));
  EXPECT_EQ(Desc("温度{場所=\"東京\"} 10+10x2").labels, (Labels{{"__name__", "温度"}, {"場所", "東京"}}));
  EXPECT_EQ(Desc("Björn:x.y{région=\"eu\"} 5").labels, (Labels{{"__name__", "Björn:x.y"}, {"région", "eu"}}));
  EXPECT_FALSE(ParseSeriesDescription(".x 1").ok());
  EXPECT_FALSE(ParseSeriesDescription("x{.a=\"1\"} 1").ok());
  // The name in front wins over __name__ in the braces.
  EXPECT_EQ(Desc("a{__name__=\"b\"} 1").labels, (Labels{{"__name__", "a"}}));
  // Escapes in values.
  EXPECT_EQ(Desc("m{a=\"x\\\"y\\n\"} 1").labels, (Labels{{"__name__", "m"}, {"a", "x\"y\n"}}));
  EXPECT_TRUE(Desc("m").values.empty());
  EXPECT_TRUE(Desc("m{a=\"b\"}   ").values.empty());
}

TEST(SeriesDescription, Values) {
  EXPECT_EQ(Floats(Desc("m 1 2 3").values), (std::vector<double>{1, 2, 3}));
  EXPECT_EQ(Floats(Desc("m 0+10x3").values), (std::vector<double>{0, 10, 20, 30}));
  EXPECT_EQ(Floats(Desc("m 10-2x2").values), (std::vector<double>{10, 8, 6}));
  EXPECT_EQ(Floats(Desc("m -2-1x2").values), (std::vector<double>{-2, -3, -4}));
  EXPECT_EQ(Floats(Desc("m -2+1x2").values), (std::vector<double>{-2, -1, 0}));
  EXPECT_EQ(Floats(Desc("m +5").values), (std::vector<double>{5}));
  EXPECT_EQ(Floats(Desc("m 1x3").values), (std::vector<double>{1, 1, 1, 1}));
  EXPECT_EQ(Floats(Desc("m 1x0").values), (std::vector<double>{1}));
  // No hex in series descriptions: 0x5 is zero, five more times.
  EXPECT_EQ(Floats(Desc("m 0x5").values), (std::vector<double>{0, 0, 0, 0, 0, 0}));
  EXPECT_EQ(Floats(Desc("m 1e3 .5 2.5e-1 1E+2").values), (std::vector<double>{1000, 0.5, 0.25, 100}));
  EXPECT_EQ(Floats(Desc("m 1.5+0.5x2").values), (std::vector<double>{1.5, 2, 2.5}));
  EXPECT_EQ(Floats(Desc("m\t1\t\t2").values), (std::vector<double>{1, 2}));
  EXPECT_EQ(Floats(Desc("m 1 2 ").values), (std::vector<double>{1, 2}));
}

TEST(SeriesDescription, AccumulatesLikePrometheus) {
  // Repeated addition, not start + i*step: 0.1 summed ten times is not 1.
  auto v = Desc("m 0+0.1x10").values;
  ASSERT_EQ(v.size(), 11u);
  double acc = 0;
  for (int i = 0; i < 10; ++i) acc += 0.1;
  EXPECT_EQ(v[10].value, acc);
}

TEST(SeriesDescription, OmittedStaleInfNaN) {
  auto v = Desc("m _ 1 _x3 stale Inf -Inf +inf NaN nan -NaN 2").values;
  ASSERT_EQ(v.size(), 13u);
  EXPECT_TRUE(v[0].omitted);
  EXPECT_EQ(v[1].value, 1);
  EXPECT_TRUE(v[2].omitted && v[3].omitted && v[4].omitted);
  EXPECT_TRUE(model::IsStaleNaN(v[5].value));
  EXPECT_EQ(v[6].value, INFINITY);
  EXPECT_EQ(v[7].value, -INFINITY);
  EXPECT_EQ(v[8].value, INFINITY);
  EXPECT_TRUE(std::isnan(v[9].value) && !model::IsStaleNaN(v[9].value));
  EXPECT_TRUE(std::isnan(v[10].value));
  EXPECT_TRUE(std::isnan(v[11].value));
  EXPECT_EQ(v[12].value, 2);
}

TEST(SeriesDescription, Errors) {
  EXPECT_NE(DescError("m 1+2").find("expected \"x\""), std::string::npos);
  EXPECT_NE(DescError("m foo").find("expected number or \"stale\""), std::string::npos);
  EXPECT_NE(DescError("m 1a").find("bad number syntax"), std::string::npos);
  EXPECT_NE(DescError("m 1x").find("repetition count"), std::string::npos);
  EXPECT_NE(DescError("m 1x2.5").find("invalid repetition"), std::string::npos);
  EXPECT_NE(DescError("m{a!=\"b\"} 1").find("expected \"=\""), std::string::npos);
  EXPECT_NE(DescError("m{a=~\"b\"} 1").find("expected string"), std::string::npos);
  EXPECT_NE(DescError("m {a=\"b\"} 1").find("expected number"), std::string::npos);
  EXPECT_NE(DescError("m{a=\"b} 1").find("unterminated"), std::string::npos);
  EXPECT_NE(DescError("m{a=\"b\" c=\"d\"} 1").find("expected \",\" or \"}\""), std::string::npos);
  EXPECT_FALSE(ParseSeriesDescription("m -stale").ok());
  EXPECT_FALSE(ParseSeriesDescription("m Infx3").ok());  // one identifier, as in Prometheus
  EXPECT_FALSE(ParseSeriesDescription("m 1 x3").ok());
  EXPECT_FALSE(ParseSeriesDescription("m 1x99999999999").ok());  // too many values
  EXPECT_FALSE(ParseSeriesDescription("1 2").ok());
  // Errors carry a position.
  EXPECT_EQ(DescError("m 1 2 oops").rfind("1:7: parse error: ", 0), 0u) << DescError("m 1 2 oops");
}

// --- Histogram literals ----------------------------------------------------------------------

model::FloatHistogram Hist(std::string_view text, bool* hint_set = nullptr) {
  auto h = ParseHistogramLiteral(text, hint_set);
  EXPECT_TRUE(h.ok()) << text << ": " << (h.ok() ? "" : h.error().message());
  return h.ok() ? *h : model::FloatHistogram{};
}

TEST(HistogramLiteral, AllFields) {
  bool hint_set = true;
  model::FloatHistogram h = Hist("{{}}", &hint_set);
  EXPECT_EQ(h, model::FloatHistogram{});
  EXPECT_FALSE(hint_set);

  h = Hist(
      "{{schema:1 sum:-5.5 count:4 z_bucket:1 z_bucket_w:0.001 buckets:[1 2 1] offset:-2 n_buckets:[3 4] "
      "n_offset:1 counter_reset_hint:gauge}}",
      &hint_set);
  EXPECT_TRUE(hint_set);
  EXPECT_EQ(h.schema, 1);
  EXPECT_EQ(h.sum, -5.5);
  EXPECT_EQ(h.count, 4);
  EXPECT_EQ(h.zero_count, 1);
  EXPECT_EQ(h.zero_threshold, 0.001);
  EXPECT_EQ(h.positive_spans, (std::vector<model::HistogramSpan>{{-2, 3}}));
  EXPECT_EQ(h.positive_buckets, (std::vector<double>{1, 2, 1}));
  EXPECT_EQ(h.negative_spans, (std::vector<model::HistogramSpan>{{1, 2}}));
  EXPECT_EQ(h.negative_buckets, (std::vector<double>{3, 4}));
  EXPECT_EQ(h.counter_reset_hint, model::CounterResetHint::kGauge);

  h = Hist("{{schema:-53 sum:1 count:1 custom_values:[5 10] buckets:[1] }}");
  EXPECT_TRUE(h.UsesCustomBuckets());
  EXPECT_EQ(h.custom_values, (std::vector<double>{5, 10}));
  EXPECT_EQ(Hist("{{sum:NaN count:7}}").count, 7);
  EXPECT_TRUE(std::isnan(Hist("{{sum:NaN}}").sum));
  EXPECT_EQ(Hist("{{sum:Inf}}").sum, INFINITY);
  EXPECT_EQ(Hist("{{buckets:[0 0 0 1 ]}}").positive_buckets.size(), 4u);
  EXPECT_EQ(Hist("{{counter_reset_hint:reset}}").counter_reset_hint, model::CounterResetHint::kCounterReset);
  EXPECT_EQ(Hist("{{counter_reset_hint:not_reset}}").counter_reset_hint,
            model::CounterResetHint::kNotCounterReset);
  EXPECT_EQ(Hist("{{counter_reset_hint:unknown}}").counter_reset_hint, model::CounterResetHint::kUnknown);
}

TEST(HistogramLiteral, Errors) {
  EXPECT_FALSE(ParseHistogramLiteral("{{schema:0").ok());
  EXPECT_FALSE(ParseHistogramLiteral("{{bogus:1}}").ok());
  EXPECT_FALSE(ParseHistogramLiteral("{{sum:1 sum:2}}").ok());
  EXPECT_FALSE(ParseHistogramLiteral("{{schema:1.5}}").ok());
  EXPECT_FALSE(ParseHistogramLiteral("{{buckets:[1 2}}").ok());
  EXPECT_FALSE(ParseHistogramLiteral("{{buckets:[]}}").ok());
  EXPECT_FALSE(ParseHistogramLiteral("{{counter_reset_hint:sometimes}}").ok());
  EXPECT_FALSE(ParseHistogramLiteral("{{sum: 1}}").ok());
}

TEST(SeriesDescription, HistogramSequences) {
  auto v = Desc("h {{schema:0 sum:5 count:4 buckets:[1 2 1]}}x2 _ {{sum:1 count:1}}").values;
  ASSERT_EQ(v.size(), 5u);
  EXPECT_TRUE(v[0].histogram && v[1].histogram && v[2].histogram);
  EXPECT_EQ(*v[0].histogram, *v[2].histogram);
  EXPECT_TRUE(v[3].omitted);
  EXPECT_EQ(v[4].histogram->sum, 1);

  v = Desc("h {{sum:2 count:2}}+{{sum:3 count:3}}x3").values;
  ASSERT_EQ(v.size(), 4u);
  EXPECT_EQ(v[0].histogram->count, 2);
  EXPECT_EQ(v[3].histogram->count, 11);
  EXPECT_EQ(v[3].histogram->sum, 11);

  v = Desc("h {{sum:10 count:10 buckets:[5 5]}}-{{sum:1 count:2 buckets:[1 1]}}x2").values;
  ASSERT_EQ(v.size(), 3u);
  EXPECT_EQ(v[2].histogram->count, 6);
  EXPECT_EQ(v[2].histogram->positive_buckets, (std::vector<double>{3, 3}));

  // native_histograms.test: a schema -1 base plus schema 0 increments (reduced to -1).
  v = Desc(
          "low_res_histogram {{schema:-1 sum:4 count:1 buckets:[1] offset:1}}+{{schema:0 sum:4 count:4 "
          "buckets:[2 2] "
          "offset:1}}x1")
          .values;
  ASSERT_EQ(v.size(), 2u);
  EXPECT_EQ(v[1].histogram->schema, -1);
  EXPECT_EQ(v[1].histogram->count, 5);
  EXPECT_EQ(v[1].histogram->sum, 8);
  EXPECT_EQ(v[1].histogram->positive_spans, (std::vector<model::HistogramSpan>{{1, 1}}));
  EXPECT_EQ(v[1].histogram->positive_buckets, (std::vector<double>{5}));

  // Custom buckets add bucket by bucket.
  v = Desc(
          "c {{schema:-53 sum:1 count:1 custom_values:[5 10] buckets:[1]}}+{{schema:-53 sum:1 count:1 "
          "custom_values:[5 10] buckets:[1]}}x2")
          .values;
  EXPECT_EQ(v[2].histogram->positive_buckets, (std::vector<double>{3}));

  // Gauge plus gauge stays a gauge; the expansion does not "spell" a hint.
  v = Desc("g {{sum:2 count:2 counter_reset_hint:gauge}}+{{sum:1 count:3 counter_reset_hint:gauge}}x1")
          .values;
  EXPECT_EQ(v[1].histogram->counter_reset_hint, model::CounterResetHint::kGauge);
  EXPECT_FALSE(v[1].counter_reset_hint_set);
  EXPECT_TRUE(Desc("g {{counter_reset_hint:gauge}}x1").values[1].counter_reset_hint_set);

  // A coarser base than the increment cannot be combined (Prometheus' rule).
  EXPECT_FALSE(ParseSeriesDescription("h {{schema:1}}+{{schema:0}}x1").ok());
  EXPECT_FALSE(ParseSeriesDescription("h {{schema:-53 custom_values:[1]}}+{{schema:0}}x1").ok());
  EXPECT_FALSE(ParseSeriesDescription("h {{sum:1}}+{{sum:1}}").ok());
}

// --- @st sequences ---------------------------------------------------------------------------

std::vector<double> St(std::string_view text) {
  auto v = ParseStartTimestampSequence(text);
  EXPECT_TRUE(v.ok()) << text << ": " << (v.ok() ? "" : v.error().message());
  std::vector<double> out;
  if (v.ok()) {
    for (const SequenceValue& s : *v) out.push_back(s.omitted ? -12345 : s.value);
  }
  return out;
}

TEST(StartTimestamps, Sequences) {
  EXPECT_EQ(St("_ _ -30s-1mx2"), (std::vector<double>{-12345, -12345, -30000, -90000, -150000}));
  EXPECT_EQ(St("-1mx2"), (std::vector<double>{-60000, -60000, -60000}));
  EXPECT_EQ(St("-59999msx1 -0msx1"), (std::vector<double>{-59999, -59999, 0, 0}));
  EXPECT_EQ(St("0-1mx2 1ms +1m"), (std::vector<double>{0, -60000, -120000, 1, 60000}));
  EXPECT_EQ(St("_x2 -1s * *x1"), (std::vector<double>{-12345, -12345, -1000, -1000, -1000, -1000}));
  EXPECT_EQ(St("10s+10sx2"), (std::vector<double>{10000, 20000, 30000}));
  EXPECT_FALSE(ParseStartTimestampSequence("_x0").ok());
  EXPECT_FALSE(ParseStartTimestampSequence("1h30m").ok());
  EXPECT_FALSE(ParseStartTimestampSequence("1m+1m").ok());
  EXPECT_FALSE(ParseStartTimestampSequence("abc").ok());
}

// --- Scripts ---------------------------------------------------------------------------------

Script Parse(std::string_view text) {
  ParsedScript p = ParseScript(text, "t.test");
  EXPECT_TRUE(p.ok()) << (p.ok() ? "" : p.error->ToString("t.test"));
  return p.script;
}

ScriptError ParseError(std::string_view text) {
  ParsedScript p = ParseScript(text, "t.test");
  EXPECT_FALSE(p.ok());
  return p.ok() ? ScriptError{} : *p.error;
}

TEST(Script, Commands) {
  Script s = Parse(R"(# a comment
load 5m
  http_requests{job="api"} 0+10x2
  other 1 _ 3

load_with_nhcb 1h30m
    h_bucket{le="1"} 1

clear

eval instant at 50m sum(http_requests)
  {} 20

eval range from 0 to 10m step 5m http_requests
  http_requests{job="api"} 0 10 20
)");
  ASSERT_EQ(s.commands.size(), 5u);
  const auto& load = std::get<LoadCommand>(s.commands[0]);
  EXPECT_EQ(load.line, 2);
  EXPECT_EQ(load.interval_ms, 300000);
  EXPECT_FALSE(load.with_nhcb);
  ASSERT_EQ(load.series.size(), 2u);
  EXPECT_EQ(load.series[0].line, 3);
  EXPECT_EQ(load.series[1].values.size(), 3u);
  const auto& nhcb = std::get<LoadCommand>(s.commands[1]);
  EXPECT_TRUE(nhcb.with_nhcb);
  EXPECT_EQ(nhcb.interval_ms, 5400000);
  EXPECT_EQ(std::get<ClearCommand>(s.commands[2]).line, 9);
  const auto& instant = std::get<EvalCommand>(s.commands[3]);
  EXPECT_EQ(instant.line, 11);
  EXPECT_FALSE(instant.is_range);
  EXPECT_EQ(instant.eval_time, 3000000);
  EXPECT_EQ(instant.expr, "sum(http_requests)");
  ASSERT_EQ(instant.series.size(), 1u);
  EXPECT_EQ(instant.series[0].labels, Labels());
  EXPECT_EQ(instant.series[0].values[0].value, 20);
  const auto& range = std::get<EvalCommand>(s.commands[4]);
  EXPECT_TRUE(range.is_range);
  EXPECT_EQ(range.start, 0);
  EXPECT_EQ(range.end, 600000);
  EXPECT_EQ(range.step, 300000);
  EXPECT_EQ(range.series[0].values.size(), 3u);
  EXPECT_EQ(s.NumEvals(), 2u);
}

TEST(Script, EvalLineForms) {
  Script s = Parse(R"(eval instant at 0 1
  1

eval instant at 1h30m10s foo bar

eval_fail instant at 10s foo

eval_ordered instant at 10s foo

eval_warn range from 1m to 2m step 30s foo

eval_info range from 0s to 0s step 1s  label_replace(x, "to", "a", "step", "b")
)");
  ASSERT_EQ(s.commands.size(), 6u);
  EXPECT_EQ(std::get<EvalCommand>(s.commands[1]).eval_time, 5410000);
  EXPECT_EQ(std::get<EvalCommand>(s.commands[1]).expr, "foo bar");
  EXPECT_TRUE(std::get<EvalCommand>(s.commands[2]).fail);
  EXPECT_TRUE(std::get<EvalCommand>(s.commands[3]).ordered);
  EXPECT_TRUE(std::get<EvalCommand>(s.commands[3]).IsOrdered());
  EXPECT_TRUE(std::get<EvalCommand>(s.commands[4]).warn);
  const auto& info = std::get<EvalCommand>(s.commands[5]);
  EXPECT_TRUE(info.info);
  EXPECT_EQ(info.expr, "label_replace(x, \"to\", \"a\", \"step\", \"b\")");
}

TEST(Script, Expectations) {
  Script s = Parse(R"(eval instant at 1m foo
  expect fail msg: something bad
  expect warn
  expect warn regex: PromQL warning: .* \(1:1\)
  expect info msg:exact text
  expect ordered
  foo{a="1"} 1
  foo{a="2"} stale

eval instant at 1m foo
  expect no_warn
  expect no_info
  expect fail regex: a+b

eval instant at 1m "x"
  expect string " Foo "

eval instant at 1m `x`
  expect string `raw`

eval instant at 1m foo[1m]
  expect range vector from 10s to 1m step 10s
  foo 1 2 _ 4 5

eval_fail instant at 1m foo
  expected_fail_message some error

eval_fail instant at 1m foo
  expected_fail_regexp some.*

eval instant at 1m 1
  -Inf

eval instant at 1m 1
  0x10
)");
  ASSERT_EQ(s.commands.size(), 9u);
  const auto& a = std::get<EvalCommand>(s.commands[0]);
  ASSERT_EQ(a.expect_fail.size(), 1u);
  EXPECT_EQ(a.expect_fail[0].kind(), MessageMatcher::Kind::kExact);
  EXPECT_EQ(a.expect_fail[0].text(), "something bad");
  ASSERT_EQ(a.expect_warn.size(), 2u);
  EXPECT_EQ(a.expect_warn[0].kind(), MessageMatcher::Kind::kAny);
  EXPECT_TRUE(a.expect_warn[1].Matches("PromQL warning: hello (1:1)"));
  EXPECT_FALSE(a.expect_warn[1].Matches("PromQL warning: hello (1:2)"));
  ASSERT_EQ(a.expect_info.size(), 1u);
  EXPECT_EQ(a.expect_info[0].text(), "exact text");
  EXPECT_TRUE(a.expect_ordered);
  EXPECT_TRUE(a.IsFail());
  ASSERT_EQ(a.series.size(), 2u);
  EXPECT_EQ(a.series[1].position, 2);
  EXPECT_TRUE(model::IsStaleNaN(a.series[1].values[0].value));

  const auto& b = std::get<EvalCommand>(s.commands[1]);
  EXPECT_TRUE(b.expect_no_warn);
  EXPECT_TRUE(b.expect_no_info);
  EXPECT_TRUE(b.expect_fail[0].Matches("xxaabyy"));  // found anywhere

  EXPECT_EQ(std::get<EvalCommand>(s.commands[2]).expected_string, " Foo ");
  EXPECT_TRUE(std::get<EvalCommand>(s.commands[2]).exclude_from_range_query);
  EXPECT_EQ(std::get<EvalCommand>(s.commands[3]).expected_string, "raw");

  const auto& rv = std::get<EvalCommand>(s.commands[4]);
  EXPECT_TRUE(rv.expect_range_vector);
  EXPECT_EQ(rv.start, 10000);
  EXPECT_EQ(rv.end, 60000);
  EXPECT_EQ(rv.step, 10000);
  EXPECT_EQ(rv.eval_time, 60000);
  EXPECT_TRUE(rv.exclude_from_range_query);
  EXPECT_EQ(rv.series[0].values.size(), 5u);

  EXPECT_EQ(std::get<EvalCommand>(s.commands[5]).expected_fail->kind(), MessageMatcher::Kind::kExact);
  EXPECT_EQ(std::get<EvalCommand>(s.commands[5]).expected_fail->text(), "some error");
  EXPECT_EQ(std::get<EvalCommand>(s.commands[6]).expected_fail->kind(), MessageMatcher::Kind::kRegex);

  EXPECT_TRUE(std::get<EvalCommand>(s.commands[7]).expect_scalar);
  EXPECT_EQ(std::get<EvalCommand>(s.commands[7]).scalar.value, -INFINITY);
  EXPECT_EQ(std::get<EvalCommand>(s.commands[8]).scalar.value, 16);  // Go's ParseInt base 0
}

TEST(Script, LoadWithStartTimestamps) {
  Script s = Parse(R"(load 1m
  @st -1s
  a 1 2 3
  b@st _ -30s
  b 1 2
  c{x="y"}@st -1m-1mx1
  c{x="y"} 5 6
)");
  const auto& load = std::get<LoadCommand>(s.commands[0]);
  EXPECT_TRUE(load.HasStartTimestamps());
  ASSERT_EQ(load.default_start_timestamps.size(), 1u);
  ASSERT_EQ(load.series.size(), 3u);
  EXPECT_TRUE(load.series[0].start_timestamps.empty());
  ASSERT_EQ(load.series[1].start_timestamps.size(), 2u);
  EXPECT_TRUE(load.series[1].start_timestamps[0].omitted);
  EXPECT_EQ(load.series[1].start_timestamps[1].value, -30000);
  EXPECT_EQ(load.series[2].start_timestamps[1].value, -120000);

  EXPECT_EQ(ParseError("load 1m\n  a@st 1s\n  b 1\n").message,
            "@st metric does not match the following sample line metric");
  EXPECT_EQ(ParseError("load 1m\n  a@st 1s 2s\n  a 1\n").message,
            "@st line has 2 values but sample line has 1");
  EXPECT_EQ(ParseError("load 1m\n  a 1\n  a@st 1s\n").message, "@st line has no following sample line");
  EXPECT_EQ(ParseError("load 1m\n  a 1\n  a@st 1s\n").line, 3);
}

TEST(Script, BlocksEndAtBlankAndCommentLines) {
  // Without a blank line, the next eval is read as an expected series (and is not one).
  EXPECT_EQ(ParseError("eval instant at 0 a\neval instant at 0 b\n").line, 2);
  // A comment line counts as blank: it ends the block, and what follows must be a command.
  ScriptError e = ParseError("eval instant at 0 foo\n  # no results\n  foo 1\n");
  EXPECT_EQ(e.line, 3);
  EXPECT_EQ(e.message, "invalid command \"foo 1\"");
  // A scalar expectation ends the block too.
  EXPECT_EQ(ParseError("eval instant at 0 1\n  1\n  expect no_warn\n").line, 3);
  // Indentation is free, commands included.
  Script s = Parse("   load 1m\n a 1\n\n  eval instant at 1m a\n\t\ta 1\n");
  EXPECT_EQ(s.commands.size(), 2u);
}

TEST(Script, Errors) {
  EXPECT_EQ(ParseError("\n\nbogus 1").line, 3);
  EXPECT_EQ(ParseError("bogus").message, "invalid command \"bogus\"");
  EXPECT_EQ(ParseError("load").message, "invalid load command. (load[_with_nhcb] <step:duration>)");
  EXPECT_NE(ParseError("load 5x").message.find("invalid step definition \"5x\""), std::string::npos);
  EXPECT_NE(ParseError("eval foo").message.find("invalid evaluation command"), std::string::npos);
  EXPECT_NE(ParseError("eval instant at 5 foo").message.find("invalid timestamp definition \"5\""),
            std::string::npos);
  EXPECT_NE(
      ParseError("eval range from 10m to 5m step 1m foo").message.find("end timestamp (5m) is before start"),
      std::string::npos);
  EXPECT_NE(ParseError("eval instant at 1m foo\n  foo 1 2\n").message.find("expect range vector"),
            std::string::npos);
  EXPECT_NE(ParseError("eval instant at 1m foo\n  expect warn\n  expect no_warn\n")
                .message.find("cannot be used together"),
            std::string::npos);
  EXPECT_NE(ParseError("eval instant at 1m foo\n  expect info\n  expect no_info\n")
                .message.find("cannot be used together"),
            std::string::npos);
  EXPECT_NE(ParseError("eval instant at 1m foo\n  expect fail\n  expect fail\n")
                .message.find("multiple expect fail"),
            std::string::npos);
  EXPECT_NE(
      ParseError("eval instant at 1m foo\n  expect sometimes\n").message.find("invalid expect statement"),
      std::string::npos);
  EXPECT_NE(ParseError("eval instant at 1m foo\n  expect warn regex: (\n").message.find("invalid regex"),
            std::string::npos);
  EXPECT_NE(ParseError("eval instant at 1m foo\n  expect string\n")
                .message.find("quoted string literal is required"),
            std::string::npos);
  EXPECT_NE(ParseError("eval instant at 1m foo\n  expect string Foo\n").message.find("correctly quoted"),
            std::string::npos);
  EXPECT_NE(ParseError("eval instant at 1m foo\n  expect range vector from 1m\n")
                .message.find("invalid range vector"),
            std::string::npos);
  ScriptError bad_series = ParseError("load 1m\n  a 1\n  b 1+\n");
  EXPECT_EQ(bad_series.line, 3);
  EXPECT_NE(bad_series.message.find("parse error"), std::string::npos);
  EXPECT_EQ(ParseError("\nbogus").ToString("x.test"), "x.test:2: invalid command \"bogus\"");
}

TEST(Script, ScalarForm) {
  EXPECT_EQ(ParseScalar("1"), 1);
  EXPECT_EQ(ParseScalar("-1.5e3"), -1500);
  EXPECT_EQ(ParseScalar("0x1F"), 31);
  EXPECT_EQ(ParseScalar("1_000"), 1000);
  EXPECT_EQ(ParseScalar("+Inf"), INFINITY);
  EXPECT_TRUE(std::isnan(*ParseScalar("NaN")));
  EXPECT_FALSE(ParseScalar("{} 1"));
  EXPECT_FALSE(ParseScalar("stale"));
}

// --- Every upstream script ---------------------------------------------------------------------

std::string UpstreamDir() {
  const char* dir = std::getenv("PROMCONFORM_UPSTREAM_DIR");
  return std::string(dir != nullptr ? dir : "../shared/upstream") + "/promqltest";
}

TEST(Script, AllUpstreamScriptsRead) {
  ASSERT_TRUE(std::filesystem::exists(UpstreamDir())) << UpstreamDir();
  size_t files = 0, evals = 0, loads = 0, histogram_values = 0;
  for (const auto& entry : std::filesystem::directory_iterator(UpstreamDir())) {
    if (entry.path().extension() != ".test") continue;
    std::ifstream in(entry.path());
    std::stringstream text;
    text << in.rdbuf();
    ParsedScript p = ParseScript(text.str(), entry.path().filename().string());
    EXPECT_TRUE(p.ok()) << (p.ok() ? "" : p.error->ToString(p.script.name));
    ++files;
    evals += p.script.NumEvals();
    for (const Command& c : p.script.commands) {
      if (const auto* load = std::get_if<LoadCommand>(&c)) {
        ++loads;
        for (const LoadSeries& s : load->series) {
          for (const SequenceValue& v : s.values) histogram_values += v.IsHistogram();
        }
      }
    }
  }
  // ../shared/upstream/README.md: 21 files, 2,214 eval statements (Prometheus d15adb9ad7e5).
  EXPECT_EQ(files, 21u);
  EXPECT_EQ(evals, 2214u);
  EXPECT_GT(loads, 250u);
  EXPECT_GT(histogram_values, 1000u);
}

}  // namespace
}  // namespace promref::promqltest
