#include "scrape/scrape_append.h"

#include <algorithm>
#include <cmath>

#include "ingest/nhcb_parser.h"
#include "model/go_strconv.h"
#include "model/histogram_ops.h"
#include "model/sample.h"
#include "relabel/relabel.h"

namespace promref::scrape {
namespace {

constexpr int64_t kMaxAheadMs = 10 * 60 * 1000;

// How Prometheus' checkAddError classifies one sample's append.
enum class AddResult { kOk, kSampleLimit, kBucketLimit, kOutOfOrder, kDuplicate, kOutOfBounds, kFatal };

// The synthetic series, in the order Prometheus writes them. The cache keys end in \xff so
// that they never collide with a scraped series.
struct ReportSeries {
  const char* name;
};
constexpr ReportSeries kReportSeries[] = {
    {"up"},
    {"scrape_duration_seconds"},
    {"scrape_samples_scraped"},
    {"scrape_samples_post_metric_relabeling"},
    {"scrape_series_added"},
    {"scrape_timeout_seconds"},
    {"scrape_sample_limit"},
    {"scrape_body_size_bytes"},
};
constexpr int kBasicReportSeries = 5;

// Go's %.50s / %.50q precision: at most n runes of s.
std::string TruncateRunes(std::string_view s, size_t n) {
  size_t i = 0, runes = 0;
  while (i < s.size() && runes < n) {
    const unsigned char c = s[i];
    i += c < 0x80 ? 1 : c < 0xE0 ? 2 : c < 0xF0 ? 3 : 4;
    ++runes;
  }
  return std::string(s.substr(0, std::min(i, s.size())));
}

bool IsValidSeries(const model::Labels& lset, bool legacy) {
  for (const model::LabelView& l : lset) {
    if (l.name == model::kMetricNameLabel) {
      if (legacy ? !model::IsValidLegacyMetricName(l.value) : !model::IsValidLabelName(l.value)) return false;
    } else if (legacy ? !model::IsValidLegacyLabelName(l.name) : !model::IsValidLabelName(l.name)) {
      return false;
    }
    if (!model::IsValidLabelValue(l.value)) return false;
  }
  return true;
}

size_t BucketCount(const model::FloatHistogram& h) {
  return h.positive_buckets.size() + h.negative_buckets.size();
}

bool IsExponentialSchema(int32_t schema) {
  return schema >= -4 && schema <= 8;
}

}  // namespace

int32_t PickSchema(double bucket_factor) {
  if (bucket_factor <= 1) bucket_factor = 1.00271;
  const double floor = std::floor(-std::log2(std::log2(bucket_factor)));
  if (floor >= 8) return 8;
  if (floor <= -4) return -4;
  return static_cast<int32_t>(floor);
}

AppendOptions OptionsFor(const config::ScrapeConfig& cfg, const Target& target, bool extra_metrics) {
  AppendOptions o;
  o.honor_labels = cfg.honor_labels;
  o.honor_timestamps = cfg.honor_timestamps;
  o.track_timestamps_staleness = cfg.track_timestamps_staleness;
  o.sample_limit = cfg.sample_limit;
  o.bucket_limit = cfg.native_histogram_bucket_limit;
  o.label_limit = cfg.label_limit;
  o.label_name_length_limit = cfg.label_name_length_limit;
  o.label_value_length_limit = cfg.label_value_length_limit;
  o.metric_relabel_configs = cfg.metric_relabel_configs;
  o.legacy_name_validation = cfg.metric_name_validation_scheme == "legacy";
  o.scrape_native_histograms = target.BoolLabel("__scrape_native_histograms__", cfg.scrape_native_histograms);
  o.always_scrape_classic_histograms =
      target.BoolLabel("__always_scrape_classic_histograms__", cfg.always_scrape_classic_histograms);
  o.convert_classic_histograms_to_nhcb =
      target.BoolLabel("__convert_classic_histograms_to_nhcb__", cfg.convert_classic_histograms_to_nhcb);
  if (!cfg.fallback_scrape_protocol.empty()) {
    o.fallback_protocol = ingest::ParseScrapeProtocol(cfg.fallback_scrape_protocol);
  }
  o.max_schema = PickSchema(cfg.native_histogram_min_bucket_factor);
  o.extra_metrics = extra_metrics || cfg.extra_scrape_metrics;
  o.timeout_seconds = static_cast<double>(cfg.scrape_timeout_ms) / 1000.0;
  return o;
}

struct ScrapeAppender::SampleCounters {
  uint64_t appended = 0;  // what sample_limit counts
  bool sample_limit_hit = false;
  bool bucket_limit_hit = false;
  std::string fatal;  // the storage's error text for kFatal
  AddResult last = AddResult::kOk;
};

ScrapeAppender::ScrapeAppender(storage::Appender& app, ScrapeCache& cache, const Target& target,
                               const AppendOptions& options, int64_t now_ms)
    : app_(app), cache_(cache), target_(target), options_(options), max_time_ms_(now_ms + kMaxAheadMs) {}

model::Labels ScrapeAppender::MutateSampleLabels(const model::Labels& scraped) const {
  model::LabelsBuilder b(scraped);
  const model::Labels target_labels = target_.PublicLabels();
  if (options_.honor_labels) {
    for (const model::LabelView& l : target_labels) {
      if (!scraped.Has(l.name)) b.Set(l.name, l.value);
    }
  } else {
    std::vector<std::pair<std::string, std::string>> conflicts;
    for (const model::LabelView& l : target_labels) {
      if (std::string_view v = scraped.Get(l.name); !v.empty()) conflicts.emplace_back(l.name, v);
      b.Set(l.name, l.value);
    }
    std::stable_sort(conflicts.begin(), conflicts.end(),
                     [](const auto& a, const auto& c) { return a.first.size() < c.first.size(); });
    for (const auto& [name, value] : conflicts) {
      std::string renamed = name;
      do {
        renamed = "exported_" + renamed;
      } while (!b.Get(renamed).empty());
      b.Set(renamed, value);
    }
  }
  if (options_.metric_relabel_configs.empty()) return b.Build();
  return relabel::Process(b.Build(), options_.metric_relabel_configs).value_or(model::Labels());
}

model::Labels ScrapeAppender::MutateReportLabels(const model::Labels& lset) const {
  model::LabelsBuilder b(lset);
  for (const model::LabelView& l : target_.PublicLabels()) {
    b.Set("exported_" + std::string(l.name), lset.Get(l.name));
    b.Set(l.name, l.value);
  }
  return b.Build();
}

Status ScrapeAppender::VerifyLabelLimits(const model::Labels& lset) const {
  const std::string met = TruncateRunes(lset.MetricName(), 50);
  if (options_.label_limit > 0 && lset.size() > options_.label_limit) {
    return BadData("label_limit exceeded (metric: " + met + ", number of labels: " +
                   std::to_string(lset.size()) + ", limit: " + std::to_string(options_.label_limit) + ")");
  }
  for (const model::LabelView& l : lset) {
    if (options_.label_name_length_limit > 0 && l.name.size() > options_.label_name_length_limit) {
      return BadData("label_name_length_limit exceeded (metric: " + met + ", label name: " +
                     TruncateRunes(l.name, 50) + ", length: " + std::to_string(l.name.size()) +
                     ", limit: " + std::to_string(options_.label_name_length_limit) + ")");
    }
    if (options_.label_value_length_limit > 0 && l.value.size() > options_.label_value_length_limit) {
      return BadData("label_value_length_limit exceeded (metric: " + met + ", label name: " +
                     TruncateRunes(l.name, 50) + ", value: " + model::GoQuote(TruncateRunes(l.value, 50)) +
                     ", length: " + std::to_string(l.value.size()) +
                     ", limit: " + std::to_string(options_.label_value_length_limit) + ")");
    }
  }
  return {};
}

// One sample through Prometheus' appender chain: bucket limit (reducing resolution where it
// can), sample limit (stale markers of known series exempt), the ten-minutes-ahead bound,
// then storage.
storage::AppendResult ScrapeAppender::AppendSample(storage::SeriesRef ref, const model::Labels& lset,
                                                   int64_t t, const ingest::Entry& e, SampleCounters* c) {
  const auto fail = [&](AddResult r) {
    c->last = r;
    return storage::AppendResult{0, storage::AppendError::kInternal};
  };
  std::optional<model::FloatHistogram> reduced;
  const model::FloatHistogram* h = e.histogram ? &*e.histogram : nullptr;
  // native_histogram_min_bucket_factor first (schemas 9..52 are reserved and reduce to 8).
  if (h && h->schema >= -4 && h->schema <= 52 && h->schema > options_.max_schema) {
    reduced = model::HistogramCopyToSchema(*h, options_.max_schema);
    h = &*reduced;
  }
  if (h && options_.bucket_limit > 0 && BucketCount(*h) > options_.bucket_limit) {
    if (!IsExponentialSchema(h->schema)) return fail(AddResult::kBucketLimit);
    if (!reduced) reduced = *h;
    while (BucketCount(*reduced) > options_.bucket_limit) {
      if (reduced->schema <= -4) return fail(AddResult::kBucketLimit);
      reduced = model::HistogramCopyToSchema(*reduced, reduced->schema - 1);
    }
    h = &*reduced;
  }
  const bool stale = h ? model::IsStaleNaN(h->sum) : model::IsStaleNaN(e.value);
  if (options_.sample_limit > 0 && (ref == 0 || !stale) && ++c->appended > options_.sample_limit) {
    return fail(AddResult::kSampleLimit);
  }
  if (t > max_time_ms_) return fail(AddResult::kOutOfBounds);
  storage::AppendResult r = h ? app_.AppendHistogram(ref, lset, t, *h) : app_.Append(ref, lset, t, e.value);
  switch (r.error) {
    case storage::AppendError::kNone: c->last = AddResult::kOk; break;
    case storage::AppendError::kOutOfOrder: c->last = AddResult::kOutOfOrder; break;
    case storage::AppendError::kDuplicateSample: c->last = AddResult::kDuplicate; break;
    case storage::AppendError::kOutOfBounds: c->last = AddResult::kOutOfBounds; break;
    default: c->last = AddResult::kFatal; c->fatal = std::string(storage::AppendErrorText(r.error));
  }
  return r;
}

Result<const model::Labels*> ScrapeAppender::SeriesLabels(const ingest::Entry& e,
                                                          const ScrapeCache::Series* ce,
                                                          model::Labels* fresh) const {
  if (ce) return &ce->labels;
  *fresh = MutateSampleLabels(e.labels);
  if (fresh->empty()) return static_cast<const model::Labels*>(nullptr);
  if (!fresh->Has(model::kMetricNameLabel)) return BadData("missing metric name (__name__ label)");
  if (!IsValidSeries(*fresh, options_.legacy_name_validation)) {
    return BadData("invalid metric name or label names: " + fresh->ToString());
  }
  if (Status st = VerifyLabelLimits(*fresh); !st.ok()) return st.error();
  return static_cast<const model::Labels*>(fresh);
}

// Exemplars go after their sample, sorted; a native histogram's need their own timestamps
// (Prometheus drops the others), a float's default to the sample's. They never fail a scrape.
void ScrapeAppender::AppendExemplars(const ingest::Entry& e, storage::SeriesRef ref,
                                     const model::Labels& lset, int64_t t) {
  exemplars_.clear();
  if (e.histogram) {
    for (const auto& ex : e.histogram_exemplars) {
      if (ex.timestamp_ms) exemplars_.push_back({ex.labels, ex.value, *ex.timestamp_ms, true});
    }
  } else if (e.exemplar) {
    exemplars_.push_back({e.exemplar->labels, e.exemplar->value, e.exemplar->timestamp_ms.value_or(t), true});
  }
  std::sort(exemplars_.begin(), exemplars_.end(),
            [](const auto& a, const auto& b) { return a.t != b.t ? a.t < b.t : a.value < b.value; });
  for (const auto& ex : exemplars_) (void)app_.AppendExemplar(ref, lset, ex);
}

Status ScrapeAppender::AppendEntries(ingest::Parser& parser, int64_t t_default, AppendOutcome* out) {
  SampleCounters counters;
  ingest::Entry e;
  while (true) {
    Result<bool> more = parser.Next(&e);
    if (!more.ok()) return more.error();
    if (!*more) break;
    auto& meta = *cache_.metadata();
    switch (e.kind) {
      case ingest::EntryKind::kType: meta.SetType(e.family, e.type, cache_.iter()); continue;
      case ingest::EntryKind::kHelp: meta.SetHelp(e.family, e.text, cache_.iter()); continue;
      case ingest::EntryKind::kUnit: meta.SetUnit(e.family, e.text, cache_.iter()); continue;
      case ingest::EntryKind::kComment: continue;
      case ingest::EntryKind::kSeries: break;
    }
    ++out->total;
    const bool own_timestamp = options_.honor_timestamps && e.timestamp_ms.has_value();
    const int64_t t = own_timestamp ? *e.timestamp_ms : t_default;
    const std::string_view key = e.labels.Encoded();  // the parsed series, before any labels are added
    if (cache_.IsDropped(key)) continue;
    bool already_scraped = false;
    ScrapeCache::Series* ce = cache_.Get(key, &already_scraped);
    model::Labels fresh;
    auto resolved = SeriesLabels(e, ce, &fresh);
    if (!resolved.ok()) return resolved.error();
    if (*resolved == nullptr) {
      cache_.AddDropped(key);
      continue;
    }
    const model::Labels& lset = **resolved;
    storage::SeriesRef ref = ce ? ce->ref : 0;
    const bool track = !own_timestamp || options_.track_timestamps_staleness;
    if (already_scraped && !own_timestamp) {
      counters.last = AddResult::kDuplicate;
    } else {
      storage::AppendResult r = AppendSample(ref, lset, t, e, &counters);
      if (r.ok()) {
        ref = r.ref;
        if (ce && ref != 0) cache_.UpdateRef(ce, ref);
        if (ce && track && ce->ref != 0) cache_.TrackStaleness(ce->ref, ce);
      }
    }
    bool sample_added = false;
    switch (counters.last) {
      case AddResult::kOk: sample_added = true; break;
      case AddResult::kSampleLimit: counters.sample_limit_hit = true; break;
      case AddResult::kBucketLimit: counters.bucket_limit_hit = true; break;
      case AddResult::kOutOfOrder:
      case AddResult::kDuplicate:
      case AddResult::kOutOfBounds: break;
      case AddResult::kFatal: return Error(ErrorKind::kInternal, counters.fatal);
    }
    if (!ce && sample_added) {
      ce = cache_.Add(key, ref, std::move(fresh));
      if (ref != 0 && track) cache_.TrackStaleness(ref, ce);
      if (!counters.sample_limit_hit && !counters.bucket_limit_hit) ++out->series_added;
    }
    ++out->added;
    if (sample_added) AppendExemplars(e, ref, ce ? ce->labels : lset, t);
  }
  if (counters.sample_limit_hit) return BadData("sample limit exceeded");
  if (counters.bucket_limit_hit) return BadData("histogram bucket limit exceeded");
  return {};
}

AppendOutcome ScrapeAppender::Append(std::string_view body, std::string_view content_type, int64_t t) {
  AppendOutcome out;
  if (body.empty()) {
    out.status = AppendEmpty(t);
    return out;
  }
  auto choice = ingest::ChooseFormat(content_type, options_.fallback_protocol);
  if (!choice.ok()) {
    out.status = choice.error();
    return out;
  }
  ingest::ProtobufOptions proto;
  proto.ignore_native_histograms = !options_.scrape_native_histograms;
  proto.keep_classic_histograms = options_.always_scrape_classic_histograms;
  auto parser = ingest::NewParser(body, choice->format, {}, proto);
  if (!parser.ok()) {
    out.status = parser.error();
    return out;
  }
  if (options_.convert_classic_histograms_to_nhcb) {
    *parser = ingest::NewNhcbParser(std::move(*parser), options_.always_scrape_classic_histograms);
  }
  out.status = AppendEntries(**parser, t, &out);
  if (!out.status.ok()) return out;  // as Prometheus: no cache flip; the caller's AppendEmpty does it
  out.status = UpdateStaleMarkers(t);
  if (out.status.ok()) cache_.IterDone(true);
  return out;
}

Status ScrapeAppender::AppendEmpty(int64_t t) {
  Status st = UpdateStaleMarkers(t);
  cache_.IterDone(false);
  return st;
}

Status ScrapeAppender::UpdateStaleMarkers(int64_t t) {
  Status result;
  cache_.ForEachStale([&](storage::SeriesRef ref, const model::Labels& lset) {
    storage::AppendResult r = app_.Append(ref, lset, t, model::StaleNaN());
    switch (r.error) {
      case storage::AppendError::kNone:
      case storage::AppendError::kOutOfOrder:  // the target came back under a new loop
      case storage::AppendError::kDuplicateSample: return true;
      default:
        result = Error(ErrorKind::kInternal, std::string(storage::AppendErrorText(r.error)));
        return false;
    }
  });
  return result;
}

Status ScrapeAppender::AddReportSample(int which, int64_t t, double v) {
  const std::string key = std::string(kReportSeries[which].name) + "\xff";
  bool already = false;
  ScrapeCache::Series* ce = cache_.Get(key, &already);
  storage::SeriesRef ref = ce ? ce->ref : 0;
  model::Labels lset =
      ce ? ce->labels
         : MutateReportLabels(model::Labels{{model::kMetricNameLabel, kReportSeries[which].name}});
  storage::AppendResult r = app_.Append(ref, lset, t, v);
  switch (r.error) {
    case storage::AppendError::kNone:
      if (!ce) cache_.Add(key, r.ref, std::move(lset));
      return {};
    case storage::AppendError::kOutOfOrder:
    case storage::AppendError::kDuplicateSample: return {};
    default: return Error(ErrorKind::kInternal, std::string(storage::AppendErrorText(r.error)));
  }
}

Status ScrapeAppender::Report(int64_t t, const ScrapeSummary& s, const AppendOutcome& o) {
  const double values[] = {s.ok ? 1.0 : 0.0,
                           s.duration_seconds,
                           static_cast<double>(o.total),
                           static_cast<double>(o.added),
                           static_cast<double>(o.series_added),
                           options_.timeout_seconds,
                           static_cast<double>(options_.sample_limit),
                           static_cast<double>(s.body_bytes)};
  const int n = options_.extra_metrics ? static_cast<int>(std::size(kReportSeries)) : kBasicReportSeries;
  for (int i = 0; i < n; ++i) {
    if (Status st = AddReportSample(i, t, values[i]); !st.ok()) return st;
  }
  return {};
}

Status ScrapeAppender::ReportStale(int64_t t) {
  const int n = options_.extra_metrics ? static_cast<int>(std::size(kReportSeries)) : kBasicReportSeries;
  for (int i = 0; i < n; ++i) {
    if (Status st = AddReportSample(i, t, model::StaleNaN()); !st.ok()) return st;
  }
  return {};
}

}  // namespace promref::scrape
