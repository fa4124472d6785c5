// The remote-write receiver (POST /api/v1/write), with the checks, status codes and partial-
// failure semantics of Prometheus 3.x's handler.
#include <algorithm>
#include <chrono>

#include "api/envelope.h"
#include "api/prometheus_api.h"
#include "model/labels.h"
#include "wire/remote_write.h"

namespace promref::api {
namespace {

constexpr std::string_view kProtoContentType = "application/x-protobuf";
constexpr std::string_view kV1Message = "prometheus.WriteRequest";
constexpr std::string_view kV2Message = "io.prometheus.write.v2.Request";
constexpr int64_t kMaxAheadMs = 10 * 60 * 1000;  // samples further in the future are out of bounds

std::string Trim(std::string_view s) {
  while (!s.empty() && (s.front() == ' ' || s.front() == '\t')) s.remove_prefix(1);
  while (!s.empty() && (s.back() == ' ' || s.back() == '\t')) s.remove_suffix(1);
  return std::string(s);
}

std::vector<std::string> Split(std::string_view s, char sep) {
  std::vector<std::string> out;
  size_t start = 0;
  while (true) {
    const size_t i = s.find(sep, start);
    out.emplace_back(s.substr(start, i == std::string_view::npos ? std::string_view::npos : i - start));
    if (i == std::string_view::npos) break;
    start = i + 1;
  }
  return out;
}

// The message type a Content-Type asks for. Parameters are split on ';' and '=' without
// trimming, as Prometheus does, so only an exact ";proto=<msg>" is recognised.
Result<std::string> ProtoMessage(std::string content_type) {
  if (content_type.empty()) content_type = std::string(kProtoContentType);
  const std::string ct = Trim(content_type);
  const auto parts = Split(ct, ';');
  if (parts[0] != kProtoContentType) {
    return BadData("expected application/x-protobuf as the first (media) part, got " + ct + " content-type");
  }
  for (size_t i = 1; i < parts.size(); ++i) {
    const auto pair = Split(parts[i], '=');
    if (pair.size() != 2) {
      return BadData(
          "as per https://www.rfc-editor.org/rfc/rfc9110#parameter expected parameters to be key-values, "
          "got " +
          parts[i] + " in " + ct + " content-type");
    }
    if (pair[0] == "proto") {
      if (pair[1] != kV1Message && pair[1] != kV2Message) {
        return BadData("got " + ct + " content type; unknown type for remote write protobuf message " +
                       pair[1] + ", supported: prometheus.WriteRequest, io.prometheus.write.v2.Request");
      }
      return pair[1];
    }
  }
  return std::string(kV1Message);
}

bool IsDataError(storage::AppendError e) {
  return e == storage::AppendError::kOutOfOrder || e == storage::AppendError::kOutOfBounds ||
         e == storage::AppendError::kDuplicateSample || e == storage::AppendError::kTooOld;
}

// The label set of a remote-write series, or nullopt when Prometheus would skip it: no
// __name__, an invalid name or value, or a name given twice.
std::optional<model::Labels> SeriesLabels(const wire::RawLabels& raw) {
  std::vector<std::string_view> names;
  model::LabelsBuilder b;
  for (const auto& [name, value] : raw) {
    if (!model::IsValidLabelName(name) || !model::IsValidLabelValue(value)) return std::nullopt;
    names.push_back(name);
    b.Set(name, value);
  }
  std::sort(names.begin(), names.end());
  if (std::adjacent_find(names.begin(), names.end()) != names.end()) return std::nullopt;
  model::Labels l = b.Build();
  if (!l.Has(model::kMetricNameLabel)) return std::nullopt;
  return l;
}

storage::MetricType ToMetricType(wire::MetricType t) {
  return static_cast<storage::MetricType>(t);
}

}  // namespace

Response PrometheusApi::RemoteWrite(const Request& req) {
  if (!deps_.options.enable_remote_write_receiver) {
    return Response::Text(
        404, "remote write receiver needs to be enabled with --web.enable-remote-write-receiver\n");
  }
  const std::string encoding = req.Header("Content-Encoding");
  std::string lower = encoding;
  std::transform(lower.begin(), lower.end(), lower.begin(), [](unsigned char c) { return std::tolower(c); });
  if (!encoding.empty() && lower != "snappy") {
    return Response::Text(
        415,
        encoding + " encoding (compression) is not accepted by this server; only snappy is acceptable\n");
  }
  if (req.body.size() > deps_.options.remote_write_max_bytes) {
    return Response::Text(413, "request body too large\n");
  }
  auto message = ProtoMessage(req.Header("Content-Type"));
  if (!message.ok()) return Response::Text(415, message.error().message() + "\n");
  const auto& accepted = deps_.options.accepted_remote_write_messages;
  if (std::find(accepted.begin(), accepted.end(), *message) == accepted.end()) {
    std::string list;
    for (const auto& m : accepted) list += (list.empty() ? "" : " ") + m;
    return Response::Text(
        415, *message + " protobuf message is not accepted by this server; only accepts [" + list + "]\n");
  }
  auto raw = wire::SnappyDecompress(req.body, deps_.options.remote_write_max_bytes);
  if (!raw.ok()) return Response::Text(400, raw.error().message() + "\n");
  if (*message == kV2Message) {
    return Response::Text(415, "io.prometheus.write.v2.Request is not supported by this build\n");
  }
  auto write = wire::DecodeWriteRequest(*raw);
  if (!write.ok()) return Response::Text(400, write.error().message() + "\n");

  const int64_t max_time =
      std::chrono::duration_cast<std::chrono::milliseconds>(deps_.now().time_since_epoch()).count() +
      kMaxAheadMs;
  auto app = req.tenant->storage->MakeAppender();
  uint64_t samples = 0;
  uint64_t histograms = 0;
  uint64_t exemplars = 0;
  for (const wire::TimeSeries& ts : write->timeseries) {
    auto labels = SeriesLabels(ts.labels);
    if (!labels) continue;  // skipped silently, as Prometheus does
    storage::SeriesRef ref = 0;
    for (const model::Sample& s : ts.samples) {
      storage::AppendResult r;
      if (s.t > max_time) {
        r.error = storage::AppendError::kOutOfBounds;
      } else {
        r = app->Append(ref, *labels, s.t, s.v);
      }
      if (!r.ok()) {
        app->Rollback();
        std::string text(storage::AppendErrorText(r.error));
        if (s.t > max_time) text = "timestamp is too far in the future: " + text;
        return Response::Text(IsDataError(r.error) ? 400 : 500, text + "\n");
      }
      ref = r.ref;
      ++samples;
    }
    for (const wire::Exemplar& e : ts.exemplars) {
      model::LabelsBuilder b;
      for (const auto& [n, v] : e.labels) b.Set(n, v);
      // Exemplar errors never fail a write (exemplar storage is best effort in Prometheus).
      if (app->AppendExemplar(ref, *labels, storage::Exemplar{b.Build(), e.value, e.timestamp, true}).ok()) {
        ++exemplars;
      }
    }
    if (!ts.histograms.empty()) {
      for (const wire::Histogram& h : ts.histograms) {
        model::FloatHistogram fh;
        fh.schema = h.schema;
        fh.zero_threshold = h.zero_threshold;
        fh.sum = h.sum;
        fh.count = h.is_float ? h.count_float : static_cast<double>(h.count_int);
        fh.zero_count = h.is_float ? h.zero_count_float : static_cast<double>(h.zero_count_int);
        for (const auto& s : h.positive_spans) fh.positive_spans.push_back({s.offset, s.length});
        for (const auto& s : h.negative_spans) fh.negative_spans.push_back({s.offset, s.length});
        if (h.is_float) {
          fh.positive_buckets = h.positive_counts;
          fh.negative_buckets = h.negative_counts;
        } else {
          double acc = 0;
          for (int64_t d : h.positive_deltas) fh.positive_buckets.push_back(acc += static_cast<double>(d));
          acc = 0;
          for (int64_t d : h.negative_deltas) fh.negative_buckets.push_back(acc += static_cast<double>(d));
        }
        fh.custom_values = h.custom_values;
        fh.counter_reset_hint = static_cast<model::CounterResetHint>(h.reset_hint);
        auto r = app->AppendHistogram(ref, *labels, h.timestamp, fh);
        if (!r.ok()) {
          app->Rollback();
          return Response::Text(IsDataError(r.error) ? 400 : 500,
                                std::string(storage::AppendErrorText(r.error)) + "\n");
        }
        ++histograms;
      }
    }
  }
  for (const wire::MetricMetadata& m : write->metadata) {
    (void)app->UpdateMetadata(0, model::Labels{{"__name__", m.family}},
                              storage::Metadata{ToMetricType(m.type), m.help, m.unit});
  }
  if (Status st = app->Commit(); !st.ok()) return Response::Text(500, st.error().message() + "\n");
  if (deps_.metrics != nullptr) deps_.metrics->ObserveRemoteWrite(samples, histograms, exemplars);
  return NoContent();
}

}  // namespace promref::api
