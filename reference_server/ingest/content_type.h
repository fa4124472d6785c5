// Content negotiation of a scrape, as Prometheus 3.x does it: the Accept header it sends for
// a job's `scrape_protocols`, and the parser it picks from the Content-Type of the answer,
// falling back to the job's `fallback_scrape_protocol` when that header is missing, malformed
// or unknown (scrape/scrape.go acceptHeader, model/textparse/interface.go New).
#pragma once

#include <memory>
#include <optional>
#include <span>
#include <string>
#include <string_view>

#include "ingest/exposition.h"
#include "ingest/openmetrics_parser.h"
#include "ingest/protobuf_parser.h"
#include "model/error.h"

namespace promref::ingest {

// The values of `scrape_protocols` and `fallback_scrape_protocol`.
enum class ScrapeProtocol {
  kPrometheusProto,
  kPrometheusText0_0_4,
  kPrometheusText1_0_0,
  kOpenMetricsText0_0_1,
  kOpenMetricsText1_0_0,
  kOpenMetricsText2_0_0,
};

// Prometheus' default `scrape_protocols`, and the default when protobuf is preferred (native
// histograms, start timestamp ingestion).
inline constexpr ScrapeProtocol kDefaultScrapeProtocols[] = {
    ScrapeProtocol::kOpenMetricsText1_0_0, ScrapeProtocol::kOpenMetricsText0_0_1,
    ScrapeProtocol::kPrometheusText1_0_0, ScrapeProtocol::kPrometheusText0_0_4};
inline constexpr ScrapeProtocol kDefaultProtoFirstScrapeProtocols[] = {
    ScrapeProtocol::kPrometheusProto, ScrapeProtocol::kOpenMetricsText1_0_0,
    ScrapeProtocol::kOpenMetricsText0_0_1, ScrapeProtocol::kPrometheusText1_0_0,
    ScrapeProtocol::kPrometheusText0_0_4};

// The configuration name ("PrometheusText0.0.4", ...), and back (exact spelling).
std::string_view ScrapeProtocolName(ScrapeProtocol p);
std::optional<ScrapeProtocol> ParseScrapeProtocol(std::string_view name);
// The media type alone ("text/plain", "application/openmetrics-text", ...): what a fallback
// protocol stands for.
std::string_view ScrapeProtocolMediaType(ScrapeProtocol p);

// The Accept header for `protocols` in order of preference. `escaping` is the job's
// metric_name_escaping_scheme ("allow-utf-8" by default), announced to the formats that can
// carry UTF-8 names. Weights count down from 0.<known protocols + 1>, then "*/*" last.
std::string AcceptHeader(std::span<const ScrapeProtocol> protocols,
                         std::string_view escaping = "allow-utf-8");

enum class ExpositionFormat { kPrometheusText, kOpenMetrics, kPrometheusProto };

struct FormatChoice {
  ExpositionFormat format = ExpositionFormat::kPrometheusText;
  // Set when the fallback protocol was used: why (Prometheus logs it at debug level and
  // scrapes on).
  std::optional<std::string> warning;
};

// The format of a body from its Content-Type. Without a usable Content-Type it is the
// fallback's, with a warning; without a fallback either, an error and the scrape fails.
// OpenMetrics 2.0 counts as unknown (Prometheus reads it only behind a feature flag).
Result<FormatChoice> ChooseFormat(std::string_view content_type, std::optional<ScrapeProtocol> fallback);

// A parser of `body` (which must outlive it) in the chosen format, with the options of its
// format.
Result<std::unique_ptr<Parser>> NewParser(std::string_view body, ExpositionFormat format,
                                          OpenMetricsOptions options = {},
                                          ProtobufOptions proto_options = {});

}  // namespace promref::ingest
