// Remote write 1.0 (prometheus.WriteRequest) in plain C++ types, with its protobuf codec and
// the Snappy block compression the protocol wraps it in.
//
// Decoding keeps labels exactly as sent (order, duplicates, empty values): deciding whether a
// series is valid is the receiver's job, and it must see what the sender wrote.
#pragma once

#include <cstdint>
#include <span>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "model/error.h"
#include "model/labels.h"
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
// Parses protobuf bytes; a malformed message is a bad_data error. Strings are taken as bytes,
// unchecked, as Go's decoder takes them.
Result<WriteRequest> DecodeWriteRequest(std::string_view bytes);

// A WriteRequest read in place, for receivers: label names and values are views into the
// decoded bytes (which must outlive the view and stay unchanged), and series, labels and
// samples live in flat arrays that a later Decode reuses. Ingesting a request through it costs
// a handful of allocations per request instead of several per series. Native histograms and
// metadata, rare in a request, are copied out whole.
class WriteRequestView {
 public:
  // Where one TimeSeries' parts are in the flat arrays.
  struct Series {
    uint32_t labels_begin = 0, labels_end = 0;
    uint32_t samples_begin = 0, samples_end = 0;
    uint32_t exemplars_begin = 0, exemplars_end = 0;
    uint32_t histograms_begin = 0, histograms_end = 0;
  };
  struct ExemplarRef {
    uint32_t labels_begin = 0, labels_end = 0;
    double value = 0;
    int64_t timestamp = 0;
  };

  // Reads `bytes` (protobuf, uncompressed), replacing what the view held. A malformed message
  // is a bad_data error and leaves the view empty.
  Status Decode(std::string_view bytes);
  // A temporary string would leave the views dangling.
  Status Decode(const std::string&& bytes) = delete;

  std::span<const Series> series() const { return series_; }
  std::span<const MetricMetadata> metadata() const { return metadata_; }
  // A series' labels as sent: order, duplicates and empty values preserved.
  std::span<const model::LabelView> LabelsOf(const Series& s) const {
    return Slice(labels_, s.labels_begin, s.labels_end);
  }
  std::span<const model::Sample> SamplesOf(const Series& s) const {
    return Slice(samples_, s.samples_begin, s.samples_end);
  }
  std::span<const ExemplarRef> ExemplarsOf(const Series& s) const {
    return Slice(exemplars_, s.exemplars_begin, s.exemplars_end);
  }
  std::span<const model::LabelView> LabelsOf(const ExemplarRef& e) const {
    return Slice(exemplar_labels_, e.labels_begin, e.labels_end);
  }
  std::span<const Histogram> HistogramsOf(const Series& s) const {
    return Slice(histograms_, s.histograms_begin, s.histograms_end);
  }

 private:
  template <typename T>
  static std::span<const T> Slice(const std::vector<T>& v, uint32_t begin, uint32_t end) {
    return std::span<const T>(v).subspan(begin, end - begin);
  }
  void Clear();
  bool DecodeRequest(std::string_view bytes);
  bool DecodeSeries(std::string_view bytes);
  bool DecodeExemplar(std::string_view bytes);

  std::vector<Series> series_;
  std::vector<model::LabelView> labels_;
  std::vector<model::Sample> samples_;
  std::vector<ExemplarRef> exemplars_;
  std::vector<model::LabelView> exemplar_labels_;
  std::vector<Histogram> histograms_;
  std::vector<MetricMetadata> metadata_;
};

// Snappy block format (not the framed format), as remote write and remote read use.
std::string SnappyCompress(std::string_view raw);
// Rejects corrupt input, and input whose declared length exceeds `max_decoded_bytes`, with a
// bad_data error ("snappy: corrupt input" as Go's snappy says it).
Result<std::string> SnappyDecompress(std::string_view compressed, size_t max_decoded_bytes);
// The same into *out, whose capacity is reused (for a receiver's buffer kept between requests).
// *out is empty after an error.
Status SnappyDecompressInto(std::string_view compressed, size_t max_decoded_bytes, std::string* out);

}  // namespace promref::wire
