// Content negotiation: the Accept header Prometheus 3.16 sends, and the format it picks from a
// Content-Type (errors and fallback warnings checked against textparse.New).
#include "ingest/content_type.h"

#include <gtest/gtest.h>

#include <optional>
#include <string>
#include <vector>

#include "ingest/tests/render.h"

namespace promref::ingest {
namespace {

using P = ScrapeProtocol;

TEST(AcceptHeader, DefaultProtocols) {
  EXPECT_EQ(AcceptHeader(kDefaultScrapeProtocols),
            "application/openmetrics-text;version=1.0.0;escaping=allow-utf-8;q=0.7,"
            "application/openmetrics-text;version=0.0.1;q=0.6,"
            "text/plain;version=1.0.0;escaping=allow-utf-8;q=0.5,"
            "text/plain;version=0.0.4;q=0.4,*/*;q=0.3");
}

TEST(AcceptHeader, ProtobufFirstWithAnotherEscaping) {
  EXPECT_EQ(
      AcceptHeader(kDefaultProtoFirstScrapeProtocols, "underscores"),
      "application/vnd.google.protobuf;proto=io.prometheus.client.MetricFamily;encoding=delimited;q=0.7,"
      "application/openmetrics-text;version=1.0.0;escaping=underscores;q=0.6,"
      "application/openmetrics-text;version=0.0.1;q=0.5,"
      "text/plain;version=1.0.0;escaping=underscores;q=0.4,"
      "text/plain;version=0.0.4;q=0.3,*/*;q=0.2");
}

// The weights start from the number of known protocols, not of the listed ones.
TEST(AcceptHeader, FewProtocols) {
  const P protocols[] = {P::kOpenMetricsText2_0_0, P::kPrometheusText0_0_4};
  EXPECT_EQ(AcceptHeader(protocols),
            "application/openmetrics-text;version=2.0.0;escaping=allow-utf-8;q=0.7,"
            "text/plain;version=0.0.4;q=0.6,*/*;q=0.5");
}

TEST(ScrapeProtocol, NamesAndMediaTypes) {
  struct Want {
    P protocol;
    std::string_view name;
    std::string_view media_type;
  };
  const Want wants[] = {
      {P::kPrometheusProto, "PrometheusProto", "application/vnd.google.protobuf"},
      {P::kPrometheusText0_0_4, "PrometheusText0.0.4", "text/plain"},
      {P::kPrometheusText1_0_0, "PrometheusText1.0.0", "text/plain"},
      {P::kOpenMetricsText0_0_1, "OpenMetricsText0.0.1", "application/openmetrics-text"},
      {P::kOpenMetricsText1_0_0, "OpenMetricsText1.0.0", "application/openmetrics-text"},
      {P::kOpenMetricsText2_0_0, "OpenMetricsText2.0.0", "application/openmetrics-text"},
  };
  for (const Want& w : wants) {
    EXPECT_EQ(ScrapeProtocolName(w.protocol), w.name);
    EXPECT_EQ(ParseScrapeProtocol(w.name), w.protocol);
    EXPECT_EQ(ScrapeProtocolMediaType(w.protocol), w.media_type);
  }
  EXPECT_EQ(ParseScrapeProtocol("prometheustext0.0.4"), std::nullopt);
  EXPECT_EQ(ParseScrapeProtocol(""), std::nullopt);
}

struct ChoiceCase {
  std::string_view content_type;
  std::optional<P> fallback;
  // The chosen format and warning, or the error.
  std::optional<ExpositionFormat> format;
  std::string_view message;
};

using F = ExpositionFormat;

const ChoiceCase kChoices[] = {
    {"text/plain", std::nullopt, F::kPrometheusText, ""},
    {"text/plain; version=0.0.4; charset=utf-8", std::nullopt, F::kPrometheusText, ""},
    {"TEXT/PLAIN;VERSION=1.0.0", std::nullopt, F::kPrometheusText, ""},
    {"  text/plain ; version = 0.0.4 ;", std::nullopt, F::kPrometheusText, ""},
    {"text/plain\u00a0;\u3000version=0.0.4", std::nullopt, F::kPrometheusText, ""},  // Unicode spaces
    {"application/openmetrics-text; version=1.0.0; charset=utf-8", std::nullopt, F::kOpenMetrics, ""},
    {"application/openmetrics-text; version=0.0.1", P::kPrometheusText0_0_4, F::kOpenMetrics, ""},
    {"application/vnd.google.protobuf; proto=io.prometheus.client.MetricFamily; encoding=delimited",
     std::nullopt, F::kPrometheusProto, ""},
    {"", std::nullopt, std::nullopt,
     "non-compliant scrape target sending blank Content-Type and no fallback_scrape_protocol specified for "
     "target"},
    {"", P::kOpenMetricsText1_0_0, F::kOpenMetrics,
     "non-compliant scrape target sending blank Content-Type, using fallback_scrape_protocol "
     "\"application/openmetrics-text\""},
    {"application/json", std::nullopt, std::nullopt,
     "received unsupported Content-Type \"application/json\" and no fallback_scrape_protocol specified for "
     "target"},
    {"application/json", P::kPrometheusText1_0_0, F::kPrometheusText,
     "received unsupported Content-Type \"application/json\", using fallback_scrape_protocol \"text/plain\""},
    {"text", P::kPrometheusProto, F::kPrometheusProto,
     "received unsupported Content-Type \"text\", using fallback_scrape_protocol "
     "\"application/vnd.google.protobuf\""},
    {"application/openmetrics-text; version=2.0.0", std::nullopt, std::nullopt,
     "received OpenMetrics 2.0 Content-Type \"application/openmetrics-text; version=2.0.0\", but the "
     "openmetrics2 feature flag is not enabled and no fallback_scrape_protocol specified for target"},
    {"application/openmetrics-text;version=\"2.0.0\"", P::kOpenMetricsText2_0_0, F::kOpenMetrics,
     "received OpenMetrics 2.0 Content-Type \"application/openmetrics-text;version=\\\"2.0.0\\\"\", but the "
     "openmetrics2 feature flag is not enabled, using fallback_scrape_protocol "
     "\"application/openmetrics-text\""},
    {"application/openmetrics-text; version*0=2.0; version*1=.0", std::nullopt, std::nullopt,
     "received OpenMetrics 2.0 Content-Type \"application/openmetrics-text; version*0=2.0; version*1=.0\", "
     "but "
     "the openmetrics2 feature flag is not enabled and no fallback_scrape_protocol specified for target"},
    {"application/openmetrics-text; version*=utf-8''2%2E0.0", std::nullopt, std::nullopt,
     "received OpenMetrics 2.0 Content-Type \"application/openmetrics-text; version*=utf-8''2%2E0.0\", but "
     "the "
     "openmetrics2 feature flag is not enabled and no fallback_scrape_protocol specified for target"},
    {"text/plain; foo", std::nullopt, std::nullopt,
     "cannot parse Content-Type \"text/plain; foo\" and no fallback_scrape_protocol for target\n"
     "mime: invalid media parameter"},
    {"text/plain; foo=\"unterminated", P::kOpenMetricsText1_0_0, F::kOpenMetrics,
     "could not parse received Content-Type \"text/plain; foo=\\\"unterminated\", using "
     "fallback_scrape_protocol "
     "\"application/openmetrics-text\"\nmime: invalid media parameter"},
    {"text/plain; a=1; a=2", std::nullopt, std::nullopt,
     "cannot parse Content-Type \"text/plain; a=1; a=2\" and no fallback_scrape_protocol for target\n"
     "mime: duplicate parameter name"},
    {"/plain", std::nullopt, std::nullopt,
     "cannot parse Content-Type \"/plain\" and no fallback_scrape_protocol for target\nmime: no media type"},
    {"text plain", std::nullopt, std::nullopt,
     "cannot parse Content-Type \"text plain\" and no fallback_scrape_protocol for target\n"
     "mime: expected slash after first token"},
    {"text/", std::nullopt, std::nullopt,
     "cannot parse Content-Type \"text/\" and no fallback_scrape_protocol for target\n"
     "mime: expected token after slash"},
    {"text/plain/x", std::nullopt, std::nullopt,
     "cannot parse Content-Type \"text/plain/x\" and no fallback_scrape_protocol for target\n"
     "mime: unexpected content after media subtype"},
};

class ChooseFormatCases : public ::testing::TestWithParam<ChoiceCase> {};

TEST_P(ChooseFormatCases, AsPrometheusChooses) {
  const ChoiceCase& c = GetParam();
  Result<FormatChoice> got = ChooseFormat(c.content_type, c.fallback);
  if (!c.format) {
    ASSERT_FALSE(got.ok());
    EXPECT_EQ(got.error().message(), c.message);
    EXPECT_EQ(got.error().kind(), ErrorKind::kBadData);
    return;
  }
  ASSERT_TRUE(got.ok()) << got.error().message();
  EXPECT_EQ(got->format, *c.format);
  EXPECT_EQ(got->warning.value_or(""), c.message);
}

INSTANTIATE_TEST_SUITE_P(ContentTypes, ChooseFormatCases, ::testing::ValuesIn(kChoices));

TEST(NewParser, ReadsTheChosenFormat) {
  Result<std::unique_ptr<Parser>> text = NewParser("a 1\n", ExpositionFormat::kPrometheusText);
  ASSERT_TRUE(text.ok());
  EXPECT_EQ(testing::RenderAll(**text), "SERIES {__name__=\"a\"} 1\n");
  // The same body is not OpenMetrics: it lacks # EOF.
  Result<std::unique_ptr<Parser>> om = NewParser("a 1\n", ExpositionFormat::kOpenMetrics);
  ASSERT_TRUE(om.ok());
  EXPECT_EQ(testing::RenderAll(**om), "SERIES {__name__=\"a\"} 1\nERR data does not end with # EOF\n");
}

TEST(NewParser, OpenMetricsOptionsReachTheParser) {
  Result<std::unique_ptr<Parser>> om =
      NewParser("# TYPE c counter\nc_total 1\nc_created 2\n# EOF\n", ExpositionFormat::kOpenMetrics,
                {.created_as_start_timestamp = true});
  ASSERT_TRUE(om.ok());
  EXPECT_EQ(testing::RenderAll(**om), "TYPE \"c\" counter\nSERIES {__name__=\"c_total\"} 1 st=2000\n");
}

TEST(NewParser, ProtobufOptionsReachTheParser) {
  // A histogram family "h" whose one metric has a zero threshold (so is native) and a classic
  // bucket {le 1, count 0}.
  const std::string body(
      "\x1d\x0a\x01h\x18\x04\x22\x16\x3a\x14\x31\x00\x00\x00\x00\x00\x00\xf0\x3f"
      "\x1a\x09\x11\x00\x00\x00\x00\x00\x00\xf0\x3f",
      30);
  const std::string metadata = "HELP \"h\" \"\"\nTYPE \"h\" histogram\n";
  const std::string native = "SERIES {__name__=\"h\"} H{int schema=0 zt=1 zc=0 count=0 sum=0 +[]{} -[]{}}\n";
  const std::string classic =
      "SERIES {__name__=\"h_count\"} 0\nSERIES {__name__=\"h_sum\"} 0\nSERIES {__name__=\"h_bucket\", "
      "le=\"1.0\"} 0\nSERIES {__name__=\"h_bucket\", le=\"+Inf\"} 0\n";
  Result<std::unique_ptr<Parser>> p = NewParser(body, ExpositionFormat::kPrometheusProto);
  ASSERT_TRUE(p.ok());
  EXPECT_EQ(testing::RenderAll(**p), metadata + native);
  p = NewParser(body, ExpositionFormat::kPrometheusProto, {}, {.keep_classic_histograms = true});
  ASSERT_TRUE(p.ok());
  EXPECT_EQ(testing::RenderAll(**p), metadata + native + classic);
  p = NewParser(body, ExpositionFormat::kPrometheusProto, {}, {.ignore_native_histograms = true});
  ASSERT_TRUE(p.ok());
  EXPECT_EQ(testing::RenderAll(**p), metadata + classic);
}

}  // namespace
}  // namespace promref::ingest
