// Remote write 2.0 (io.prometheus.write.v2.Request, spec v2.0-rc.4) in plain C++ types, with
// its protobuf codec. Shared by the server's receiver and the harness' receiver test cases.
//
// The protocol interns every string in a per-request symbol table and refers to it by index.
// Two layers are offered, because a receiver must see what was sent and a test must be able to
// send what a correct sender never would:
//   - SymbolizedRequest: the message as it travels (symbols + refs). EncodeSymbolized /
//     DecodeSymbolized convert it to and from bytes without judging it.
//   - RequestV2: the same content with strings resolved. Symbolize builds a valid symbol table
//     (symbols[0] == "", each string once, first-seen order); Resolve checks the refs and fails
//     with Prometheus' messages ("invalid labelRefs length", "... outside of symbols table").
// Compression (Snappy block format) is the same as for 1.0: see remote_write.h.
#pragma once

#include <cstdint>
#include <span>
#include <string>
#include <string_view>
#include <vector>

#include "model/error.h"
#include "wire/remote_write.h"

namespace promref::wire::v2 {

// The Content-Type a 2.0 sender uses, and the version header's value.
inline constexpr std::string_view kContentType =
    "application/x-protobuf;proto=io.prometheus.write.v2.Request";
inline constexpr std::string_view kVersionHeaderValue = "2.0.0";
// Response headers a 2.0 receiver sets on every answer.
inline constexpr std::string_view kSamplesWrittenHeader = "X-Prometheus-Remote-Write-Samples-Written";
inline constexpr std::string_view kHistogramsWrittenHeader = "X-Prometheus-Remote-Write-Histograms-Written";
inline constexpr std::string_view kExemplarsWrittenHeader = "X-Prometheus-Remote-Write-Exemplars-Written";

struct Sample {
  double value = 0;
  int64_t timestamp = 0;
  int64_t start_timestamp = 0;  // 0: unknown
};

// A native histogram as 1.0 carries it, plus the 2.0 start timestamp (field 17).
struct HistogramV2 {
  Histogram h;
  int64_t start_timestamp = 0;
};

struct Exemplar {
  RawLabels labels;
  double value = 0;
  int64_t timestamp = 0;
};

// Metric types have the same numbers as in 1.0 (METRIC_TYPE_UNSPECIFIED = 0 ... STATESET = 7).
struct Metadata {
  MetricType type = MetricType::kUnknown;
  std::string help;
  std::string unit;
};

struct TimeSeries {
  RawLabels labels;  // as sent: order and duplicates preserved
  std::vector<Sample> samples;
  std::vector<HistogramV2> histograms;
  std::vector<Exemplar> exemplars;
  Metadata metadata;
};

struct RequestV2 {
  std::vector<TimeSeries> timeseries;
};

// The wire layer: indices into `symbols`.
struct SymbolizedExemplar {
  std::vector<uint32_t> labels_refs;
  double value = 0;
  int64_t timestamp = 0;
};

struct SymbolizedSeries {
  std::vector<uint32_t> labels_refs;  // name, value, name, value, ...
  std::vector<Sample> samples;
  std::vector<HistogramV2> histograms;
  std::vector<SymbolizedExemplar> exemplars;
  MetricType type = MetricType::kUnknown;
  uint32_t help_ref = 0;
  uint32_t unit_ref = 0;
};

struct SymbolizedRequest {
  std::vector<std::string> symbols;
  std::vector<SymbolizedSeries> timeseries;
};

// Builds the symbol table: symbols[0] is "", every distinct string appears once, in the order
// first used (labels, then help and unit, then exemplar labels, series by series).
SymbolizedRequest Symbolize(const RequestV2& request);
// Resolves every ref. Errors (bad_data) as Prometheus' receiver words them.
Result<RequestV2> Resolve(const SymbolizedRequest& request);
// One series' refs (a receiver reports a bad series and goes on with the others).
Result<TimeSeries> ResolveSeries(const SymbolizedSeries& series, const std::vector<std::string>& symbols);
// Checks every ref of a series (labels, unit, help, exemplar labels) against the symbol table:
// the first problem, as ResolveSeries words it.
Status CheckRefs(const SymbolizedSeries& series, const std::vector<std::string>& symbols);
// The unit and help refs only (a receiver checks them apart from the labels).
Status CheckMetadataRefs(const SymbolizedSeries& series, const std::vector<std::string>& symbols);
// The labels of `refs` as views into `symbols`, appended to *out in the order sent: how a
// receiver reads a series without copying its strings. Errors as ResolveSeries words them.
Status LabelViewsFor(std::span<const uint32_t> refs, const std::vector<std::string>& symbols,
                     std::vector<model::LabelView>* out);

// Protobuf bytes (uncompressed), without any validation.
std::string EncodeSymbolized(const SymbolizedRequest& request);
Result<SymbolizedRequest> DecodeSymbolized(std::string_view bytes);

// Symbolize + EncodeSymbolized, and DecodeSymbolized + Resolve.
std::string EncodeRequestV2(const RequestV2& request);
Result<RequestV2> DecodeRequestV2(std::string_view bytes);

}  // namespace promref::wire::v2
