// Remote write 1.0 (prometheus.WriteRequest) in plain C++ types, with its protobuf codec and
// the Snappy block compression the protocol wraps it in.
//
// Decoding keeps labels exactly as sent (order, duplicates, empty values): deciding whether a
// series is valid is the receiver's job, and it must see what the sender wrote.
#pragma once

#include <cstdint>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "model/error.h"
#include "model/sample.h"

namespace promref::wire {

using RawLabels = std::vector<std::pair<std::string, std::string>>;

struct BucketSpan {
  int32_t offset = 0;
  uint32_t length = 0;
};

// A native histogram sample as it travels: integer histograms carry delta-encoded bucket
// counts, float histograms absolute ones.
struct Histogram {
  bool is_float = false;
  uint64_t count_int = 0;
  double count_float = 0;
  double sum = 0;
  int32_t schema = 0;
  double zero_threshold = 0;
  uint64_t zero_count_int = 0;
  double zero_count_float = 0;
  std::vector<BucketSpan> negative_spans;
  std::vector<int64_t> negative_deltas;
  std::vector<double> negative_counts;
  std::vector<BucketSpan> positive_spans;
  std::vector<int64_t> positive_deltas;
  std::vector<double> positive_counts;
  int reset_hint = 0;  // 0 unknown, 1 yes, 2 no, 3 gauge
  int64_t timestamp = 0;
  std::vector<double> custom_values;
};

struct Exemplar {
  RawLabels labels;
  double value = 0;
  int64_t timestamp = 0;
};

struct TimeSeries {
  RawLabels labels;
  std::vector<model::Sample> samples;
  std::vector<Exemplar> exemplars;
  std::vector<Histogram> histograms;
};

enum class MetricType { kUnknown, kCounter, kGauge, kHistogram, kGaugeHistogram, kSummary, kInfo, kStateset };

struct MetricMetadata {
  MetricType type = MetricType::kUnknown;
  std::string family;
  std::string help;
  std::string unit;
};

struct WriteRequest {
  std::vector<TimeSeries> timeseries;
  std::vector<MetricMetadata> metadata;
};

// The protobuf bytes of a WriteRequest (uncompressed).
std::string EncodeWriteRequest(const WriteRequest& request);
// Parses protobuf bytes; a malformed message is a bad_data error.
Result<WriteRequest> DecodeWriteRequest(std::string_view bytes);

// Snappy block format (not the framed format), as remote write and remote read use.
std::string SnappyCompress(std::string_view raw);
// Rejects corrupt input, and input whose declared length exceeds `max_decoded_bytes`, with a
// bad_data error ("snappy: corrupt input" as Go's snappy says it).
Result<std::string> SnappyDecompress(std::string_view compressed, size_t max_decoded_bytes);

}  // namespace promref::wire
