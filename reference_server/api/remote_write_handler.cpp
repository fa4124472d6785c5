// The remote-write receiver (POST /api/v1/write), protocol 1.0 and 2.0, with the checks,
// status codes, response headers and partial-failure semantics of Prometheus 3.x's handler.
#include <algorithm>
#include <array>
#include <chrono>
#include <span>

#include "api/envelope.h"
#include "api/prometheus_api.h"
#include "model/go_strconv.h"
#include "model/labels.h"
#include "wire/received_histogram.h"
#include "wire/remote_write.h"
#include "wire/remote_write_v2.h"

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
         e == storage::AppendError::kDuplicateSample || e == storage::AppendError::kTooOld ||
         e == storage::AppendError::kInvalidHistogram;
}

// Works out each of a request's n series kAhead series before the handler takes it, in a
// ring of Checked: both protocols check a series' labels there and hint the appender
// (Appender::Prefetch), so that finding the series in a large head, a cache miss, overlaps
// the work on the series before it. check(i, &slot) fills slot for series i; Take(i), called
// for i = 0, 1, ... in turn, returns series i's slot.
template <typename Checked, typename Check>
class CheckedAhead {
 public:
  static constexpr size_t kAhead = 12;

  CheckedAhead(size_t n, Check check) : n_(n), check_(std::move(check)) {
    for (size_t i = 0; i < std::min(kAhead, n_); ++i) check_(i, &ring_[i % ring_.size()]);
  }
  Checked& Take(size_t i) {
    if (i + kAhead < n_) check_(i + kAhead, &ring_[(i + kAhead) % ring_.size()]);
    return ring_[i % ring_.size()];
  }

 private:
  const size_t n_;
  Check check_;
  std::array<Checked, kAhead + 1> ring_;
};

// What is wrong with a series' labels as sent, in the order Prometheus checks: no __name__
// or an invalid name or value first, then a name given twice.
struct LabelsCheck {
  enum Problem { kNone, kInvalid, kDuplicate } problem = kNone;
  std::string_view duplicate;  // the name given twice
};

// Checks a series' labels as sent and, when they are fine, sets *out to its label set (empty
// values dropped). Senders sort labels by name (Prometheus does), so the sort into `scratch`
// is rare; *out keeps its storage from series to series.
LabelsCheck CheckSeriesLabels(std::span<const model::LabelView> raw, std::vector<model::LabelView>* scratch,
                              model::Labels* out) {
  bool ascending = true;
  bool has_name = false;
  for (size_t i = 0; i < raw.size(); ++i) {
    if (!model::IsValidLabelName(raw[i].name) || !model::IsValidLabelValue(raw[i].value)) {
      return {LabelsCheck::kInvalid, {}};
    }
    has_name = has_name || raw[i].name == model::kMetricNameLabel;
    ascending = ascending && (i == 0 || raw[i - 1].name < raw[i].name);
  }
  if (!has_name) return {LabelsCheck::kInvalid, {}};
  if (!ascending) {
    scratch->assign(raw.begin(), raw.end());
    auto by_name = [](const model::LabelView& a, const model::LabelView& b) { return a.name < b.name; };
    std::sort(scratch->begin(), scratch->end(), by_name);
    const auto same_name = [](const model::LabelView& a, const model::LabelView& b) {
      return a.name == b.name;
    };
    if (auto dup = std::adjacent_find(scratch->begin(), scratch->end(), same_name); dup != scratch->end()) {
      return {LabelsCheck::kDuplicate, dup->name};
    }
    raw = *scratch;
  }
  model::AssignSortedLabels(raw, out);
  return {};
}

model::Labels ExemplarLabels(std::span<const model::LabelView> raw) {
  model::LabelsBuilder b;
  for (const model::LabelView& l : raw) b.Set(l.name, l.value);
  return b.Build();
}

storage::MetricType ToMetricType(wire::MetricType t) {
  return static_cast<storage::MetricType>(t);
}

// What Prometheus adds to "out of bounds" for a sample beyond its ingestion horizon.
constexpr const char* kTooFarInFuture = ": timestamp is too far in the future";

// A label set as sent, in Prometheus' Labels.String() form (sorted by name, duplicates kept):
// for error messages about sets that cannot become a model::Labels.
std::string RawLabelsString(wire::RawLabels raw) {
  std::stable_sort(raw.begin(), raw.end(), [](const auto& a, const auto& b) { return a.first < b.first; });
  std::string out = "{";
  for (size_t i = 0; i < raw.size(); ++i) {
    if (i > 0) out += ", ";
    out += model::IsValidLegacyMetricName(raw[i].first) ? raw[i].first : model::GoQuote(raw[i].first);
    out += '=';
    out += model::GoQuote(raw[i].second);
  }
  return out + "}";
}

// Go's %v of a []uint32 ("[1 2 3]"): how Prometheus names a series whose refs are bad.
std::string RefsText(const std::vector<uint32_t>& refs) {
  std::string out = "[";
  for (size_t i = 0; i < refs.size(); ++i) out += (i > 0 ? " " : "") + std::to_string(refs[i]);
  return out + "]";
}

// What a 2.0 request stored, for the X-Prometheus-Remote-Write-*-Written headers.
struct WrittenV2 {
  uint64_t samples = 0;
  uint64_t histograms = 0;
  uint64_t exemplars = 0;
};

// Every 2.0 answer from the decoding of the body on carries the headers, errors included.
Response WithWrittenHeaders(Response r, const WrittenV2& w) {
  r.headers.emplace_back(std::string(wire::v2::kSamplesWrittenHeader), std::to_string(w.samples));
  r.headers.emplace_back(std::string(wire::v2::kHistogramsWrittenHeader), std::to_string(w.histograms));
  r.headers.emplace_back(std::string(wire::v2::kExemplarsWrittenHeader), std::to_string(w.exemplars));
  return r;
}

// One 2.0 request's series, written in the order and with the checks of Prometheus 3.16's
// receiver: label refs, metadata refs, label validity, "at least one sample", then the samples
// and histograms, then the exemplars (whose bad refs are reported after the samples went in).
// Problems with the data are collected in bad(); a storage failure ends the request.
class WriterV2 {
 public:
  WriterV2(const wire::v2::SymbolizedRequest& write, storage::Appender& app, int64_t max_time,
           bool st_zero_samples)
      : write_(write), app_(app), max_time_(max_time), st_zero_samples_(st_zero_samples) {}

  // Writes every series. False on a storage failure (its text in *failure): the caller rolls
  // back.
  //
  // Labels are resolved and checked ahead (CheckedAhead). A problem found early is reported
  // when the series' turn comes, so the reports keep their order.
  bool WriteAll(std::string* failure) {
    const std::vector<wire::v2::SymbolizedSeries>& all = write_.timeseries;
    auto check = [&](size_t i, Checked* c) { Check(all[i], c); };
    CheckedAhead<Checked, decltype(check)> ahead(all.size(), check);
    for (size_t i = 0; i < all.size(); ++i) {
      Checked& c = ahead.Take(i);
      if (!c.problem.empty()) {
        bad_.push_back(std::move(c.problem));
        continue;
      }
      std::swap(labels_, c.labels);  // (both keep their storage for the next series)
      if (!Series(all[i], failure)) return false;
    }
    return true;
  }

  const std::vector<std::string>& bad() const { return bad_; }
  const WrittenV2& written() const { return written_; }

 private:
  // A series' label set, or why it cannot be written (non-empty problem).
  struct Checked {
    model::Labels labels;
    std::string problem;
  };

  // Writes the series whose labels are labels_; false on a storage failure.
  bool Series(const wire::v2::SymbolizedSeries& ts, std::string* failure) {
    storage::SeriesRef ref = 0;
    if (!AppendSamples(ts, &ref, failure)) return false;
    AppendExemplars(ts, ref);
    // Metadata travels with every series; a failure to store it never fails the write.
    (void)app_.UpdateMetadata(
        ref, labels_,
        storage::Metadata{ToMetricType(ts.type), write_.symbols[ts.help_ref], write_.symbols[ts.unit_ref]});
    return true;
  }

  // Sets c->labels, and the problem when the series cannot be written at all (in the order
  // Prometheus checks); tells the appender of a good one.
  void Check(const wire::v2::SymbolizedSeries& ts, Checked* c) {
    c->problem.clear();
    raw_.clear();
    if (Status st = wire::v2::LabelViewsFor(ts.labels_refs, write_.symbols, &raw_); !st.ok()) {
      c->problem = "parsing labels for series " + RefsText(ts.labels_refs) + ": " + st.error().message();
      return;
    }
    if (Status st = wire::v2::CheckMetadataRefs(ts, write_.symbols); !st.ok()) {
      c->problem = "parsing metadata for series " + RefsText(ts.labels_refs) + ": " + st.error().message();
      return;
    }
    const LabelsCheck check = CheckSeriesLabels(raw_, &scratch_, &c->labels);
    if (check.problem != LabelsCheck::kNone) {
      wire::RawLabels sent;
      for (const model::LabelView& l : raw_) sent.emplace_back(l.name, l.value);
      c->problem = check.problem == LabelsCheck::kInvalid
                       ? "invalid metric name or labels, got " + RawLabelsString(sent)
                       : "invalid labels for series, labels " + RawLabelsString(sent) +
                             ", duplicated label " + std::string(check.duplicate);
      return;
    }
    if (ts.samples.empty() && ts.histograms.empty()) {
      c->problem =
          "TimeSeries must contain at least one sample or histogram for series " + c->labels.ToString();
      return;
    }
    app_.Prefetch(c->labels);
  }

  // True when the append went in. A data error is reported and the series goes on; any other
  // error sets *failure.
  bool Appended(const storage::AppendResult& r, bool future, std::string* failure) {
    if (r.ok()) return true;
    std::string text(storage::AppendErrorText(r.error));
    if (!IsDataError(r.error)) {
      *failure = std::move(text);
      return false;
    }
    if (future) text += kTooFarInFuture;
    bad_.push_back(text + " for series " + labels_.ToString());
    return false;
  }

  bool AppendSamples(const wire::v2::SymbolizedSeries& ts, storage::SeriesRef* ref, std::string* failure) {
    const storage::AppendResult future_error{0, storage::AppendError::kOutOfBounds};
    for (const wire::v2::Sample& s : ts.samples) {
      const bool future = s.timestamp > max_time_;
      if (!future) AppendStartZero(ref, s.start_timestamp, s.timestamp, nullptr);
      const storage::AppendResult r =
          future ? future_error
                 : app_.AppendWithStartTimestamp(*ref, labels_, s.start_timestamp, s.timestamp, s.value);
      if (Appended(r, future, failure)) {
        *ref = r.ref;
        ++written_.samples;
      } else if (!failure->empty()) {
        return false;
      }
    }
    for (const wire::v2::HistogramV2& h : ts.histograms) {
      const bool future = h.h.timestamp > max_time_;
      Result<model::FloatHistogram> fh = future ? model::FloatHistogram{} : wire::ReceivedHistogram(h.h);
      if (!fh.ok()) {
        bad_.push_back(fh.error().message() + " for series " + labels_.ToString());
        continue;
      }
      if (!future) AppendStartZero(ref, h.start_timestamp, h.h.timestamp, &*fh);
      const storage::AppendResult r = future ? future_error
                                             : app_.AppendHistogramWithStartTimestamp(
                                                   *ref, labels_, h.start_timestamp, h.h.timestamp, *fh);
      if (Appended(r, future, failure)) {
        *ref = r.ref;
        ++written_.histograms;
      } else if (!failure->empty()) {
        return false;
      }
    }
    return true;
  }

  // With created-timestamp-zero-ingestion, a zero at the sample's start timestamp (for a
  // histogram, an empty one of its layout, marked as a counter reset), best effort as in
  // Prometheus: a start not before the sample, or a zero the storage refuses (out of order, a
  // duplicate), is dropped silently and never fails the write.
  void AppendStartZero(storage::SeriesRef* ref, int64_t st, int64_t t, const model::FloatHistogram* h) {
    if (!st_zero_samples_ || st == 0 || st >= t) return;
    storage::AppendResult r;
    if (h == nullptr) {
      r = app_.Append(*ref, labels_, st, 0);
    } else {
      model::FloatHistogram zero;
      zero.counter_reset_hint = model::CounterResetHint::kCounterReset;
      zero.schema = h->schema;
      zero.zero_threshold = h->zero_threshold;
      zero.custom_values = h->custom_values;
      r = app_.AppendHistogram(*ref, labels_, st, zero);
    }
    if (r.ok()) *ref = r.ref;
  }

  void AppendExemplars(const wire::v2::SymbolizedSeries& ts, storage::SeriesRef ref) {
    for (const wire::v2::SymbolizedExemplar& e : ts.exemplars) {
      raw_.clear();
      if (Status st = wire::v2::LabelViewsFor(e.labels_refs, write_.symbols, &raw_); !st.ok()) {
        bad_.push_back("parsing exemplar for series " + labels_.ToString() + ": " + st.error().message());
        continue;
      }
      if (e.timestamp > max_time_) continue;  // dropped without failing the request, as Prometheus does
      const storage::AppendResult r = app_.AppendExemplar(
          ref, labels_, storage::Exemplar{ExemplarLabels(raw_), e.value, e.timestamp, true});
      if (r.ok()) {
        ++written_.exemplars;
      } else if (r.error == storage::AppendError::kOutOfOrder) {
        bad_.push_back("out of order exemplar for series " + labels_.ToString());
      }
      // Other exemplar errors are dropped without failing the request, as Prometheus does.
    }
  }

  const wire::v2::SymbolizedRequest& write_;
  storage::Appender& app_;
  const int64_t max_time_;
  const bool st_zero_samples_;
  model::Labels labels_;
  std::vector<model::LabelView> raw_;
  std::vector<model::LabelView> scratch_;
  std::vector<std::string> bad_;
  WrittenV2 written_;
};

// Remote write 2.0: unlike 1.0, bad series and rejected samples do not stop the request. The
// rest is written and committed, and the answer is 400 with every problem, one per line; the
// X-Prometheus-Remote-Write-*-Written headers say what was stored. A storage failure (5xx)
// rolls everything back, since senders retry those and the TSDB is not idempotent.
Response WriteV2(const wire::v2::SymbolizedRequest& write, storage::Storage& storage, int64_t max_time,
                 bool st_zero_samples, SelfMetrics* metrics) {
  auto app = storage.MakeAppender();
  WriterV2 writer(write, *app, max_time, st_zero_samples);
  if (std::string failure; !writer.WriteAll(&failure)) {
    app->Rollback();
    return WithWrittenHeaders(Response::Text(500, failure + "\n"), {});
  }
  if (Status st = app->Commit(); !st.ok()) {
    return WithWrittenHeaders(Response::Text(500, st.error().message() + "\n"), {});
  }
  const WrittenV2& w = writer.written();
  if (metrics != nullptr) metrics->ObserveRemoteWrite(w.samples, w.histograms, w.exemplars);
  if (writer.bad().empty()) return WithWrittenHeaders(NoContent(), w);
  std::string text;
  for (const std::string& line : writer.bad()) text += (text.empty() ? "" : "\n") + line;
  return WithWrittenHeaders(Response::Text(400, text + "\n"), w);
}

// One thread's remote write buffers, kept from one request to the next: the decompressed
// request and the view's arrays, about 1 MB for a request of 2,000 series. Freed at the end of
// each request, that memory went back to the kernel (glibc trims a thread's heap once its free
// top exceeds the trim threshold), and the next request faulted it in again page by page:
// over a quarter of the server's CPU time during remote write ingestion was in the kernel.
class ThreadBuffers {
 public:
  struct Buffers {
    std::string raw;
    wire::WriteRequestView view;
  };
  ThreadBuffers() : buffers_(ThisThread()) {}
  // An exceptionally large request's buffers are not kept.
  ~ThreadBuffers() {
    if (buffers_.raw.capacity() > kKeepBytes) buffers_ = Buffers{};
  }
  ThreadBuffers(const ThreadBuffers&) = delete;
  ThreadBuffers& operator=(const ThreadBuffers&) = delete;
  Buffers* operator->() { return &buffers_; }

 private:
  static constexpr size_t kKeepBytes = 16 << 20;
  static Buffers& ThisThread() {
    thread_local Buffers buffers;
    return buffers;
  }
  Buffers& buffers_;
};

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
    for (const auto& m : accepted) list += (list.empty() ? "" : ", ") + m;
    return Response::Text(
        415, *message + " protobuf message is not accepted by this server; only accepts " + list + "\n");
  }
  ThreadBuffers buffers;
  std::string& raw = buffers->raw;
  if (Status st = wire::SnappyDecompressInto(req.body, deps_.options.remote_write_max_bytes, &raw);
      !st.ok()) {
    return Response::Text(400, st.error().message() + "\n");
  }
  const int64_t max_time =
      std::chrono::duration_cast<std::chrono::milliseconds>(deps_.now().time_since_epoch()).count() +
      kMaxAheadMs;
  if (*message == kV2Message) {
    auto v2 = wire::v2::DecodeSymbolized(raw);
    if (!v2.ok()) return WithWrittenHeaders(Response::Text(400, v2.error().message() + "\n"), {});
    return WriteV2(*v2, *req.tenant->storage, max_time, deps_.options.start_timestamp_zero_ingestion,
                   deps_.metrics);
  }
  wire::WriteRequestView& write = buffers->view;
  if (Status st = write.Decode(raw); !st.ok()) return Response::Text(400, st.error().message() + "\n");
  auto app = req.tenant->storage->MakeAppender();
  uint64_t samples = 0;
  uint64_t histograms = 0;
  uint64_t exemplars = 0;
  std::vector<model::LabelView> scratch;
  struct Checked {
    model::Labels labels;
    bool ok = false;
  };
  const std::span<const wire::WriteRequestView::Series> all = write.series();
  auto check = [&](size_t i, Checked* c) {
    // Bad label sets are skipped silently, as Prometheus does; so is an empty __name__.
    c->ok = CheckSeriesLabels(write.LabelsOf(all[i]), &scratch, &c->labels).problem == LabelsCheck::kNone &&
            c->labels.Has(model::kMetricNameLabel);
    if (c->ok) app->Prefetch(c->labels);
  };
  CheckedAhead<Checked, decltype(check)> ahead(all.size(), check);
  for (size_t i = 0; i < all.size(); ++i) {
    const wire::WriteRequestView::Series& ts = all[i];
    const Checked& c = ahead.Take(i);
    if (!c.ok) continue;
    const model::Labels& labels = c.labels;
    storage::SeriesRef ref = 0;
    for (const model::Sample& s : write.SamplesOf(ts)) {
      storage::AppendResult r;
      if (s.t > max_time) {
        r.error = storage::AppendError::kOutOfBounds;
      } else {
        r = app->Append(ref, labels, s.t, s.v);
      }
      if (!r.ok()) {
        app->Rollback();
        std::string text(storage::AppendErrorText(r.error));
        if (s.t > max_time) text += kTooFarInFuture;
        return Response::Text(IsDataError(r.error) ? 400 : 500, text + "\n");
      }
      ref = r.ref;
      ++samples;
    }
    for (const wire::Histogram& h : write.HistogramsOf(ts)) {
      if (h.timestamp > max_time) {
        app->Rollback();
        return Response::Text(400, std::string("out of bounds") + kTooFarInFuture + "\n");
      }
      Result<model::FloatHistogram> fh = wire::ReceivedHistogram(h);
      if (!fh.ok()) {
        app->Rollback();
        return Response::Text(400, fh.error().message() + "\n");
      }
      auto r = app->AppendHistogram(ref, labels, h.timestamp, *fh);
      if (!r.ok()) {
        app->Rollback();
        return Response::Text(IsDataError(r.error) ? 400 : 500,
                              std::string(storage::AppendErrorText(r.error)) + "\n");
      }
      ref = r.ref;
      ++histograms;
    }
    for (const wire::WriteRequestView::ExemplarRef& e : write.ExemplarsOf(ts)) {
      // After the samples and histograms, as Prometheus. Exemplar errors never fail a write (exemplar storage
      // is best effort in Prometheus).
      const storage::Exemplar exemplar{ExemplarLabels(write.LabelsOf(e)), e.value, e.timestamp, true};
      if (app->AppendExemplar(ref, labels, exemplar).ok()) {
        ++exemplars;
      }
    }
  }
  for (const wire::MetricMetadata& m : write.metadata()) {
    (void)app->UpdateMetadata(0, model::Labels{{"__name__", m.family}},
                              storage::Metadata{ToMetricType(m.type), m.help, m.unit});
  }
  if (Status st = app->Commit(); !st.ok()) return Response::Text(500, st.error().message() + "\n");
  if (deps_.metrics != nullptr) deps_.metrics->ObserveRemoteWrite(samples, histograms, exemplars);
  return NoContent();
}

}  // namespace promref::api
