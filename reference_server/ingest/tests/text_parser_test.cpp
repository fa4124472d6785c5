// The Prometheus text format parser: whole bodies in, entries (or the error) out. Every
// expected output below was checked against Prometheus 3.16's textparse.PromParser (plus the
// label checks its scrape loop and TSDB head apply), error wording included.
#include "ingest/text_parser.h"

#include <gtest/gtest.h>

#include <bit>
#include <cstdint>
#include <limits>
#include <optional>
#include <string>
#include <vector>

#include "ingest/tests/render.h"
#include "ingest/text_writer.h"
#include "model/sample.h"

namespace promref::ingest {
namespace {

using namespace std::string_view_literals;  // bodies with NUL bytes
using testing::CaseName;
using testing::Lines;
using testing::ParseCase;
using testing::RenderAll;

const ParseCase kEntries[] = {
    {"bare series", "up 1\n", {R"(SERIES {__name__="up"} 1)"}},
    {"labels and timestamp",
     "http_hits{code=\"200\",path=\"/\"} 12 1700000000123\n",
     {R"(SERIES {__name__="http_hits", code="200", path="/"} 12 @1700000000123)"}},
    {"no final newline", "a 1\nb 2", {R"(SERIES {__name__="a"} 1)", R"(SERIES {__name__="b"} 2)"}},
    {"empty body", "", {}},
    {"blank lines, blanks and tabs between tokens",
     "\n\nmetric { a = \"1\" , b=\"2\" }\t 3 \t 4 \n\n",
     {R"(SERIES {__name__="metric", a="1", b="2"} 3 @4)"}},
    {"blanks before the name stay in it", "  indented 1\n", {R"(SERIES {__name__="  indented"} 1)"}},
    {"label value escapes",
     "m{v=\"back\\\\slash \\\"quote\\\" new\\nline tab\\t\"} 1\n",
     {R"(SERIES {__name__="m", v="back\\slash \"quote\" new\nline tab\\t"} 1)"}},
    {"quoted label names may hold escapes",
     "m{\"we\\\"ird\"=\"1\"} 1\n",
     {R"(SERIES {__name__="m", "we\"ird"="1"} 1)"}},
    {"help escapes: only backslash and newline",
     "# HELP m a\\\\b\\nc\\\"d \\t\n",
     {R"(HELP "m" "a\\b\nc\\\"d \\t")"}},
    {"help text may be empty or blank",
     "# HELP m\n# HELP n   \n# HELP o  two spaces\n",
     {R"(HELP "m" "")", R"(HELP "n" "")", R"(HELP "o" " two spaces")"}},
    {"help with quoted name", "# HELP \"m.x\" text\n", {R"(HELP "m.x" "text")"}},
    {"a name cut short by a dot leaves the rest to the text", "# HELP m.x text\n", {R"(HELP "m" "x text")"}},
    {"every text type",
     "# TYPE a counter\n# TYPE b gauge\n# TYPE c histogram\n# TYPE d summary\n# TYPE e untyped\n",
     {R"(TYPE "a" counter)", R"(TYPE "b" gauge)", R"(TYPE "c" histogram)", R"(TYPE "d" summary)",
      R"(TYPE "e" unknown)"}},
    {"comments",
     "# a comment\n#tight\n# HELP\n# TYPEfoo\n#\n",
     {R"(COMMENT "# a comment")", R"(COMMENT "#tight")", R"(COMMENT "# HELP")", R"(COMMENT "# TYPEfoo")",
      R"(COMMENT "#")"}},
    {"tab after hash", "#\tHELP m text\n", {R"(HELP "m" "text")"}},
    {"float syntax",
     "a NaN\nb +Inf\nc -Inf\nd 1e3\ne .5\nf 5.\ng +1\nh inf\ni Infinity\nj nan\nk -0\nl 1E-2\n",
     {R"(SERIES {__name__="a"} NaN)", R"(SERIES {__name__="b"} +Inf)", R"(SERIES {__name__="c"} -Inf)",
      R"(SERIES {__name__="d"} 1000)", R"(SERIES {__name__="e"} 0.5)", R"(SERIES {__name__="f"} 5)",
      R"(SERIES {__name__="g"} 1)", R"(SERIES {__name__="h"} +Inf)", R"(SERIES {__name__="i"} +Inf)",
      R"(SERIES {__name__="j"} NaN)", R"(SERIES {__name__="k"} -0)", R"(SERIES {__name__="l"} 0.01)"}},
    {"canonical NaN", "a nan\n", {R"(SERIES {__name__="a"} NaN)"}},
    {"UTF-8 names",
     "{\"my.metric\", \"a.b\"=\"x\"} 1\n{\"a-b\"=\"y\", \"other.metric\"} 2\nplain{\"\xc3\xbc\"=\"z\"} 3\n",
     {R"(SERIES {__name__="my.metric", "a.b"="x"} 1)", R"(SERIES {__name__="other.metric", "a-b"="y"} 2)",
      R"(SERIES {__name__="plain", "ü"="z"} 3)"}},
    {"optional and trailing commas",
     "m{a=\"1\" b=\"2\",} 1\nn{,} 2\n",
     {R"(SERIES {__name__="m", a="1", b="2"} 1)",
      R"(ERR expected label name, got ",}" ("COMMA") while parsing: "n{,}")"}},
    {"empty braces", "m{} 1\n", {R"(SERIES {__name__="m"} 1)"}},
    {"empty values are no labels", "m{a=\"\",b=\"x\"} 1\n", {R"(SERIES {__name__="m", b="x"} 1)"}},
    {"empty value does not clash", "m{a=\"\",a=\"x\"} 1\n", {R"(SERIES {__name__="m", a="x"} 1)"}},
    {"le of a histogram in OpenMetrics form",
     "# TYPE h histogram\nh_bucket{le=\"1\"} 1\nh_bucket{le=\"0.50\"} 1\nh_bucket{le=\"+inf\"} "
     "1\nh_bucket{le=\"x\"} 1\n",
     {R"(TYPE "h" histogram)", R"(SERIES {__name__="h_bucket", le="1.0"} 1)",
      R"(SERIES {__name__="h_bucket", le="0.5"} 1)", R"(SERIES {__name__="h_bucket", le="+Inf"} 1)",
      R"(SERIES {__name__="h_bucket", le="x"} 1)"}},
    {"quantile of a summary in OpenMetrics form",
     "# TYPE s summary\ns{quantile=\"0\"} 1\ns{quantile=\"1e-1\"} 1\n",
     {R"(TYPE "s" summary)", R"(SERIES {__name__="s", quantile="0.0"} 1)",
      R"(SERIES {__name__="s", quantile="0.1"} 1)"}},
    {"le left alone without the histogram type",
     "h_bucket{le=\"1\"} 1\n# TYPE h gauge\nh_bucket{le=\"1\"} 1\n",
     {R"(SERIES {__name__="h_bucket", le="1"} 1)", R"(TYPE "h" gauge)",
      R"(SERIES {__name__="h_bucket", le="1"} 1)"}},
    {"a NUL at the start of a line ends the body",
     "a 1\n\x00"
     "b 2\n"sv,
     {R"(SERIES {__name__="a"} 1)"}},
    {"NUL inside values, help and comments",
     "m{a=\"x\x00y\"} 1\n# HELP m a\x00"
     "b\n# c\x00"
     "d\n"sv,
     {R"(SERIES {__name__="m", a="x\x00y"} 1)", R"(HELP "m" "a\x00b")", R"(COMMENT "# c\x00d")"}},
    {"zero timestamp", "m 1 0\n", {R"(SERIES {__name__="m"} 1 @0)"}},
    {"label value with a raw newline", "m{a=\"x\ny\"} 1\n", {R"(SERIES {__name__="m", a="x\ny"} 1)"}},
    {"value ends at an opening brace",
     "m 1{\n",
     {R"(ERR expected timestamp or new record, got "{" ("INVALID") while parsing: "m 1{")"}},
};

const ParseCase kErrors[] = {
    {"no value", "m\n", {R"(ERR expected value after metric, got "\n" ("INVALID") while parsing: "m\n")"}},
    {"no value after labels",
     "m{a=\"1\"}\n",
     {R"(ERR expected value after metric, got "\n" ("INVALID") while parsing: "m{a=\"1\"}\n")"}},
    {"unquoted label value",
     "m{a=1} 1\n",
     {R"(ERR expected label value, got "1" ("INVALID") while parsing: "m{a=1")"}},
    {"no equals",
     "m{a \"1\"} 1\n",
     {R"(ERR expected equal, got "\"1\"}" ("QSTRING") while parsing: "m{a \"1\"}")"}},
    {"missing label name",
     "m{=\"1\"} 1\n",
     {R"(ERR expected label name, got "=\"" ("EQUAL") while parsing: "m{=\"")"}},
    {"unterminated label value",
     "m{a=\"1} 1\n",
     {R"(ERR expected label value, got "\"1} 1\n" ("INVALID") while parsing: "m{a=\"1} 1\n")"}},
    {"unterminated labels",
     "m{a=\"1\" 1\n",
     {R"(ERR expected label name, got "1" ("INVALID") while parsing: "m{a=\"1\" 1")"}},
    {"two timestamps",
     "m 1 2 3\n",
     {R"(ERR expected next entry after timestamp, got "3\n" ("TIMESTAMP") while parsing: "m 1 2 3\n")"}},
    {"bad timestamp",
     "m 1 abc\n",
     {R"(ERR expected timestamp or new record, got "a" ("INVALID") while parsing: "m 1 a")"}},
    {"negative timestamp",
     "m 1 -5\n",
     {R"(ERR expected timestamp or new record, got "-" ("INVALID") while parsing: "m 1 -")"}},
    {"fractional timestamp",
     "m 1 1.5\n",
     {R"(ERR expected next entry after timestamp, got "." ("INVALID") while parsing: "m 1 1.")"}},
    {"timestamp out of range",
     "m 1 9223372036854775808\n",
     {R"(ERR strconv.ParseInt: parsing "9223372036854775808": value out of range while parsing: "m 1 9223372036854775808")"}},
    {"bad value",
     "m abc\n",
     {R"(ERR strconv.ParseFloat: parsing "abc": invalid syntax while parsing: "m abc")"}},
    {"hex float", "m 0x1p3\n", {R"(ERR unsupported character in float while parsing: "m 0x1p3")"}},
    {"hex without exponent",
     "m 0x10\n",
     {R"(ERR strconv.ParseFloat: parsing "0x10": invalid syntax while parsing: "m 0x10")"}},
    {"underscore in value", "m 1_000\n", {R"(ERR unsupported character in float while parsing: "m 1_000")"}},
    {"value out of range",
     "m 1e400\n",
     {R"(ERR strconv.ParseFloat: parsing "1e400": value out of range while parsing: "m 1e400")"}},
    {"unknown type", "# TYPE m bar\n", {R"(ERR invalid metric type "bar")"}},
    {"OpenMetrics-only type", "# TYPE m gaugehistogram\n", {R"(ERR invalid metric type "gaugehistogram")"}},
    {"type with trailing text", "# TYPE m counter extra\n", {R"(ERR invalid metric type "counter extra")"}},
    {"type without text", "# TYPE m\n", {R"(ERR invalid metric type "")"}},
    {"help without name",
     "# HELP \n",
     {R"(ERR expected metric name after HELP, got "\n" ("INVALID") while parsing: "# HELP \n")"}},
    {"help with invalid name",
     "# HELP 1m text\n",
     {R"(ERR expected metric name after HELP, got "1" ("INVALID") while parsing: "# HELP 1")"}},
    {"help not UTF-8", "# HELP m bad \xc3\xbf\n", {R"(HELP "m" "bad ÿ")"}},
    {"label value not UTF-8", "m{a=\"\xc3\xbf\"} 1\n", {R"(SERIES {__name__="m", a="ÿ"} 1)"}},
    {"no metric name", "{} 1\n", {R"(ERR metric name not set while parsing: "{} 1")"}},
    {"no metric name but labels",
     "{a=\"1\"} 1\n",
     {R"(ERR metric name not set while parsing: "{a=\"1\"} 1")"}},
    {"metric name twice",
     "{\"a\", \"b\"} 1\n",
     {R"(ERR metric name already set while parsing: "{\"a\", \"b\"}")"}},
    {"quoted name after a plain one",
     "m{\"a\"} 1\n",
     {R"(ERR metric name already set while parsing: "m{\"a\"}")"}},
    {"repeated label name",
     "m{a=\"1\",a=\"2\"} 1\n",
     {R"(ERR label name "a" is not unique: invalid sample)"}},
    {"__name__ as a label too",
     "m{__name__=\"n\"} 1\n",
     {R"(ERR label name "__name__" is not unique: invalid sample)"}},
    {"empty metric name", "{\"\"} 1\n", {R"(ERR invalid metric name or label names: {__name__=""})"}},
    {"empty label name",
     "m{\"\"=\"x\"} 1\n",
     {R"(ERR invalid metric name or label names: {""="x", __name__="m"})"}},
    {"metric name not UTF-8", "{\"\xc3\xbf\"} 1\n", {R"(SERIES {__name__="ÿ"} 1)"}},
    {"label name not UTF-8", "m{\"\xc3\xbf\"=\"x\"} 1\n", {R"(SERIES {__name__="m", "ÿ"="x"} 1)"}},
    {"invalid start",
     "=1\n",
     {R"(ERR expected a valid start token, got "=" ("INVALID") while parsing: "=")"}},
    {"digit start",
     "1m 1\n",
     {R"(ERR expected a valid start token, got "1" ("INVALID") while parsing: "1")"}},
    {"error after good lines",
     "a 1\nb 2\nc\n",
     {R"(SERIES {__name__="a"} 1)", R"(SERIES {__name__="b"} 2)",
      R"(ERR expected value after metric, got "\n" ("INVALID") while parsing: "c\n")"}},
    {"NUL in a value",
     "m 1\x00\n"sv,
     {R"(ERR expected timestamp or new record, got "\x00" ("INVALID") while parsing: "m 1\x00")"}},
    {"NUL inside a name",
     "m\x00x 1\n"sv,
     {R"(ERR expected value after metric, got "\x00" ("INVALID") while parsing: "m\x00")"}},
    {"label name cannot start with a digit",
     "m{1a=\"x\"} 1\n",
     {R"(ERR expected label name, got "1" ("INVALID") while parsing: "m{1")"}},
    {"colon in label name",
     "m{a:b=\"x\"} 1\n",
     {R"(ERR expected equal, got ":" ("INVALID") while parsing: "m{a:")"}},
    {"unterminated quoted name",
     "{\"abc\n",
     {R"(ERR expected label name, got "\"abc\n" ("INVALID") while parsing: "{\"abc\n")"}},
    {"error excerpts show the newline Prometheus adds",
     "m",
     {R"(ERR expected value after metric, got "\n" ("INVALID") while parsing: "m\n")"}},
};

class TextParserCases : public ::testing::TestWithParam<ParseCase> {};

TEST_P(TextParserCases, ParsesLikePrometheus) {
  const std::unique_ptr<Parser> parser = NewTextParser(GetParam().body);
  EXPECT_EQ(RenderAll(*parser), Lines(GetParam().want)) << "body: " << GetParam().body;
}

INSTANTIATE_TEST_SUITE_P(Entries, TextParserCases, ::testing::ValuesIn(kEntries),
                         [](const auto& c) { return CaseName(c.param); });
INSTANTIATE_TEST_SUITE_P(Errors, TextParserCases, ::testing::ValuesIn(kErrors),
                         [](const auto& c) { return CaseName(c.param); });

TEST(TextParser, ErrorsAreBadData) {
  const std::unique_ptr<Parser> parser = NewTextParser("m x\n");
  Entry e;
  Result<bool> r = parser->Next(&e);
  ASSERT_FALSE(r.ok());
  EXPECT_EQ(r.error().kind(), ErrorKind::kBadData);
}

// Every NaN spelling becomes the NaN Prometheus stores, never the stale marker.
TEST(TextParser, NaNIsCanonical) {
  for (std::string_view body : {"m NaN\n", "m nan\n", "m NAN\n"}) {
    const std::unique_ptr<Parser> parser = NewTextParser(body);
    Result<std::vector<Entry>> entries = ParseAll(*parser);
    ASSERT_TRUE(entries.ok()) << body;
    ASSERT_EQ(entries->size(), 1u);
    EXPECT_EQ(std::bit_cast<uint64_t>((*entries)[0].value), model::kNormalNaNBits) << body;
  }
}

TEST(TextParser, ParseAllStopsAtTheFirstError) {
  const std::unique_ptr<Parser> parser = NewTextParser("a 1\nb\nc 3\n");
  Result<std::vector<Entry>> entries = ParseAll(*parser);
  ASSERT_FALSE(entries.ok());
  EXPECT_EQ(entries.error().message(),
            R"(expected value after metric, got "\n" ("INVALID") while parsing: "b\n")");
}

// What the writer prints, the parser reads back: labels, value bits and timestamp.
TEST(TextWriter, RoundTripsThroughTheParser) {
  struct Sample {
    model::Labels labels;
    double value;
    std::optional<int64_t> ts;
  };
  const Sample samples[] = {
      {{{"__name__", "up"}}, 1, std::nullopt},
      {{{"__name__", "http_total"}, {"code", "200"}, {"path", "/a\"b\\c\nd"}}, 1.5e300, 1700000000123},
      {{{"__name__", "my.metric"}, {"a.b", "x"}, {"c", "\xc3\xbc"}}, -0.0, 0},
      {{{"__name__", "we\"ird\nname"}, {"la\\bel", "v"}}, std::numeric_limits<double>::infinity(), 5},
      {{{"__name__", "tiny"}}, 4.9e-324, std::nullopt},
      {{{"__name__", "nan"}}, std::bit_cast<double>(model::kNormalNaNBits), std::nullopt},
  };
  for (const Sample& s : samples) {
    std::string line;
    AppendSeriesLine(&line, s.labels, s.value, s.ts);
    const std::unique_ptr<Parser> parser = NewTextParser(line);
    Result<std::vector<Entry>> entries = ParseAll(*parser);
    ASSERT_TRUE(entries.ok()) << line << entries.error().message();
    ASSERT_EQ(entries->size(), 1u) << line;
    const Entry& e = (*entries)[0];
    EXPECT_EQ(e.labels, s.labels) << line;
    EXPECT_EQ(std::bit_cast<uint64_t>(e.value), std::bit_cast<uint64_t>(s.value)) << line;
    EXPECT_EQ(e.timestamp_ms, s.ts) << line;
  }
}

TEST(TextWriter, QuotesOnlyWhatNeedsIt) {
  std::string out;
  AppendSeriesLine(&out, {{"__name__", "a:b"}, {"x", "1"}}, 2, std::nullopt);
  AppendSeriesLine(&out, {{"__name__", "a.b"}, {"x-y", "1"}}, 0.1, 7);
  EXPECT_EQ(out, "a:b{x=\"1\"} 2\n{\"a.b\",\"x-y\"=\"1\"} 0.1 7\n");
}

}  // namespace
}  // namespace promref::ingest
