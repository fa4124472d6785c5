// OTLP metrics export requests (opentelemetry-proto: collector/metrics/v1
// ExportMetricsServiceRequest and the metrics/v1, common/v1 and resource/v1 messages it
// carries) decoded from protobuf or from OTLP/JSON into plain structs, as Prometheus 3.16's
// receiver reads them (the OpenTelemetry Collector's pdata 1.69 decoders): the same fields
// kept, the same leniency and the same error texts for malformed protobuf.
#pragma once

#include <array>
#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

#include "model/error.h"

namespace promref::otlp {

struct KeyValue;

// common.v1.AnyValue.
struct AnyValue {
  enum class Kind { kEmpty, kString, kBool, kInt, kDouble, kArray, kKvlist, kBytes };
  Kind kind = Kind::kEmpty;
  std::string str;  // kString, kBytes
  bool b = false;
  int64_t i = 0;
  double d = 0;
  std::vector<AnyValue> array;
  std::vector<KeyValue> kvlist;
};

struct KeyValue {
  std::string key;
  AnyValue value;
};

using Attributes = std::vector<KeyValue>;

// pcommon.Value.AsString: strings as they are, numbers and booleans in Go's text, maps and
// arrays as JSON, bytes in base64.
std::string AsString(const AnyValue& v);
// pcommon.Map.Get: the first attribute with the key, or null.
const AnyValue* Find(const Attributes& attrs, std::string_view key);

enum class ValueKind { kNone, kDouble, kInt };

struct Exemplar {
  Attributes filtered_attributes;
  uint64_t time_unix_nano = 0;
  ValueKind value_kind = ValueKind::kNone;
  double as_double = 0;
  int64_t as_int = 0;
  std::array<uint8_t, 16> trace_id{};
  std::array<uint8_t, 8> span_id{};
};

// DataPointFlags: FLAG_NO_RECORDED_VALUE.
constexpr uint32_t kFlagNoRecordedValue = 1;

struct NumberDataPoint {
  Attributes attributes;
  uint64_t start_time_unix_nano = 0;
  uint64_t time_unix_nano = 0;
  ValueKind value_kind = ValueKind::kNone;
  double as_double = 0;
  int64_t as_int = 0;
  std::vector<Exemplar> exemplars;
  uint32_t flags = 0;
};

struct HistogramDataPoint {
  Attributes attributes;
  uint64_t start_time_unix_nano = 0;
  uint64_t time_unix_nano = 0;
  uint64_t count = 0;
  bool has_sum = false;
  double sum = 0;
  std::vector<uint64_t> bucket_counts;
  std::vector<double> explicit_bounds;
  std::vector<Exemplar> exemplars;
  uint32_t flags = 0;
  bool has_min = false, has_max = false;
  double min = 0, max = 0;
};

struct Buckets {
  int32_t offset = 0;
  std::vector<uint64_t> bucket_counts;
};

struct ExponentialHistogramDataPoint {
  Attributes attributes;
  uint64_t start_time_unix_nano = 0;
  uint64_t time_unix_nano = 0;
  uint64_t count = 0;
  bool has_sum = false;
  double sum = 0;
  int32_t scale = 0;
  uint64_t zero_count = 0;
  Buckets positive;
  Buckets negative;
  uint32_t flags = 0;
  std::vector<Exemplar> exemplars;
  bool has_min = false, has_max = false;
  double min = 0, max = 0;
  double zero_threshold = 0;
};

struct ValueAtQuantile {
  double quantile = 0;
  double value = 0;
};

struct SummaryDataPoint {
  Attributes attributes;
  uint64_t start_time_unix_nano = 0;
  uint64_t time_unix_nano = 0;
  uint64_t count = 0;
  double sum = 0;
  std::vector<ValueAtQuantile> quantile_values;
  uint32_t flags = 0;
};

// AggregationTemporality.
constexpr int32_t kTemporalityUnspecified = 0;
constexpr int32_t kTemporalityDelta = 1;
constexpr int32_t kTemporalityCumulative = 2;

enum class MetricKind { kEmpty, kGauge, kSum, kHistogram, kExponentialHistogram, kSummary };

struct Metric {
  std::string name;
  std::string description;
  std::string unit;
  MetricKind kind = MetricKind::kEmpty;
  int32_t temporality = kTemporalityUnspecified;  // sum, histogram, exponential histogram
  bool is_monotonic = false;                      // sum
  std::vector<NumberDataPoint> number_points;     // gauge, sum
  std::vector<HistogramDataPoint> histogram_points;
  std::vector<ExponentialHistogramDataPoint> exponential_points;
  std::vector<SummaryDataPoint> summary_points;
};

struct Scope {
  std::string name;
  std::string version;
  Attributes attributes;
};

struct ScopeMetrics {
  Scope scope;
  std::vector<Metric> metrics;
  std::string schema_url;
};

struct ResourceMetrics {
  Attributes resource_attributes;
  std::vector<ScopeMetrics> scope_metrics;  // the deprecated field 1000's when this is empty
  std::string schema_url;
};

struct ExportRequest {
  std::vector<ResourceMetrics> resource_metrics;
};

// Nesting deeper than this (AnyValue arrays and maps in each other) is refused.
constexpr int kMaxNesting = 64;

// A protobuf body. Errors carry pdata's texts ("unexpected EOF", "proto: wrong wireType = 0
// for field Attributes", ...).
Result<ExportRequest> DecodeProtobuf(std::string_view body);
// An OTLP/JSON body (protojson's mapping: lowerCamelCase or the proto's field names, 64-bit
// integers as numbers or strings, enums by name or number, bytes in base64, trace and span ids
// in hex). Unknown fields are skipped and content after the first value is ignored.
Result<ExportRequest> DecodeJson(std::string_view body);

}  // namespace promref::otlp
