#include "otlp/otlp_translate.h"

#include <algorithm>
#include <cmath>
#include <cstdio>
#include <map>
#include <optional>
#include <set>

#include "model/go_strconv.h"
#include "model/labels.h"
#include "model/sample.h"
#include "model/text_encoding.h"
#include "otlp/name_translation.h"
#include "wire/received_histogram.h"

namespace promref::otlp {
namespace {

constexpr double kDefaultZeroThreshold = 1e-128;
constexpr size_t kMaxExemplarRunes = 128;
constexpr int32_t kSchemaMin = -4;
constexpr int32_t kSchemaMax = 8;

int64_t ToMs(uint64_t ns) {
  return static_cast<int64_t>(ns) / 1'000'000;
}

// Go's time.Time.UnixMilli of time.Unix(0, ns): rounded towards negative infinity.
int64_t UnixMilli(int64_t ns) {
  int64_t ms = ns / 1'000'000;
  if (ns % 1'000'000 < 0) --ms;
  return ms;
}

size_t RuneCount(std::string_view s) {
  size_t n = 0;
  for (size_t i = 0; i < s.size(); ++n) i += std::max<size_t>(1, DecodeRune(s.substr(i)).second);
  return n;
}

// Go's %f.
std::string GoPercentF(double v) {
  if (std::isnan(v)) return "NaN";
  if (std::isinf(v)) return v > 0 ? "+Inf" : "-Inf";
  return model::FormatFloatPrec(v, 'f', 6);
}

// Go's arithmetic x >> s on an int32 (any shift count).
int32_t Shr(int32_t x, int32_t s) {
  if (s >= 31) return x < 0 ? -1 : 0;
  return x >> s;
}

int32_t Add32(int32_t a, int32_t b) {
  return static_cast<int32_t>(static_cast<uint32_t>(a) + static_cast<uint32_t>(b));
}

// convertBucketsLayout: OTLP's dense buckets (from `offset`) as native histogram spans and
// deltas, merged 2^scale_down at a time. With adjust_offset (exponential histograms) bucket i
// of OTLP is bucket i+1 of Prometheus.
void BucketsLayout(const std::vector<uint64_t>& counts, int32_t offset, int32_t scale_down,
                   bool adjust_offset, std::vector<wire::BucketSpan>* spans, std::vector<int64_t>* deltas) {
  spans->clear();
  deltas->clear();
  if (counts.empty()) return;
  int64_t count = 0, prev = 0;
  int32_t bucket_idx = Add32(Shr(offset, scale_down), 1);
  int32_t last_idx = Add32(bucket_idx, -1);
  const int32_t initial = adjust_offset ? Add32(Shr(offset, scale_down), 1) : offset;
  spans->push_back({initial, 0});
  const auto append_delta = [&](int64_t c) {
    spans->back().length++;
    deltas->push_back(static_cast<int64_t>(static_cast<uint64_t>(c) - static_cast<uint64_t>(prev)));
    prev = c;
  };
  const auto append_bucket = [&] {
    const int32_t gap = Add32(Add32(bucket_idx, -last_idx), -1);
    if (gap > 2) {
      spans->push_back({gap, 0});
    } else {
      for (int32_t g = 0; g < gap; ++g) append_delta(0);
    }
    append_delta(count);
    last_idx = bucket_idx;
  };
  for (size_t i = 0; i < counts.size(); ++i) {
    const int32_t next = Add32(Shr(Add32(static_cast<int32_t>(i), offset), scale_down), 1);
    if (bucket_idx == next) {
      count = static_cast<int64_t>(static_cast<uint64_t>(count) + counts[i]);
      continue;
    }
    if (count != 0) append_bucket();
    count = static_cast<int64_t>(counts[i]);
    bucket_idx = next;
  }
  append_bucket();
}

storage::MetricType PromType(const Metric& m) {
  switch (m.kind) {
    case MetricKind::kGauge: return storage::MetricType::kGauge;
    case MetricKind::kSum:
      if (m.temporality == kTemporalityDelta) return storage::MetricType::kUnknown;
      return m.is_monotonic ? storage::MetricType::kCounter : storage::MetricType::kGauge;
    case MetricKind::kHistogram:
    case MetricKind::kExponentialHistogram:
      return m.temporality == kTemporalityDelta ? storage::MetricType::kUnknown
                                                : storage::MetricType::kHistogram;
    case MetricKind::kSummary: return storage::MetricType::kSummary;
    case MetricKind::kEmpty: break;
  }
  return storage::MetricType::kUnknown;
}

NameMetricType NameType(const Metric& m) {
  switch (m.kind) {
    case MetricKind::kGauge: return NameMetricType::kGauge;
    case MetricKind::kSum:
      return m.is_monotonic ? NameMetricType::kMonotonicCounter : NameMetricType::kNonMonotonicCounter;
    case MetricKind::kHistogram: return NameMetricType::kHistogram;
    case MetricKind::kExponentialHistogram: return NameMetricType::kExponentialHistogram;
    case MetricKind::kSummary: return NameMetricType::kSummary;
    case MetricKind::kEmpty: break;
  }
  return NameMetricType::kUnknown;
}

bool IsDataError(storage::AppendError e) {
  return e == storage::AppendError::kOutOfOrder || e == storage::AppendError::kOutOfBounds ||
         e == storage::AppendError::kDuplicateSample || e == storage::AppendError::kTooOld;
}

using Pairs = std::vector<std::pair<std::string, std::string>>;

// Prometheus' labels.Builder over a base that may hold a name twice (UTF-8 translation keeps
// the attributes as they come): Reset drops the base's empty values, Set with an empty value
// deletes, Get reads what was set, then the base's first value, and Labels keeps the base's
// labels that nothing set or deleted, duplicates included, merged with what was set.
class GoBuilder {
 public:
  void Reset(const Pairs& base) {
    base_ = base;
    for (const auto& [name, value] : base) {
      if (value.empty()) del_.push_back(name);
    }
  }
  void Set(const std::string& name, const std::string& value) {
    if (value.empty()) {
      add_.erase(name);
      del_.push_back(name);
      return;
    }
    add_[name] = value;
  }
  std::string Get(const std::string& name) const {
    if (auto it = add_.find(name); it != add_.end()) return it->second;
    if (std::find(del_.begin(), del_.end(), name) != del_.end()) return "";
    for (const auto& [n, v] : base_) {
      if (n == name) return v;
    }
    return "";
  }
  Pairs Labels() const {
    Pairs out;
    for (const auto& l : base_) {
      if (std::find(del_.begin(), del_.end(), l.first) == del_.end() && add_.count(l.first) == 0)
        out.push_back(l);
    }
    for (const auto& l : add_) out.push_back(l);
    std::stable_sort(out.begin(), out.end(), [](const auto& a, const auto& b) { return a.first < b.first; });
    return out;
  }

 private:
  Pairs base_;
  std::vector<std::string> del_;
  std::map<std::string, std::string> add_;
};

class Converter {
 public:
  Converter(const TranslateOptions& o, storage::Appender& app, TranslateResult& res)
      : o_(o), app_(app), res_(res) {
    const std::string& strategy = o.config.translation_strategy;
    utf8_ = !StrategyEscapes(strategy);
    namer_.with_suffixes = StrategyAddsSuffixes(strategy);
    namer_.utf8_allowed = utf8_;
    label_namer_.utf8_allowed = utf8_;
    label_namer_.underscore_sanitization = o.config.label_name_underscore_sanitization;
    label_namer_.preserve_multiple_underscores = o.config.label_name_preserve_multiple_underscores;
  }

  void Run(const ExportRequest& req) {
    for (const ResourceMetrics& rm : req.resource_metrics) {
      if (auto err = SetResource(rm.resource_attributes)) {
        Error(*err);
        continue;
      }
      uint64_t earliest = UINT64_MAX, latest = 0;
      for (const ScopeMetrics& sm : rm.scope_metrics) {
        if (auto err = SetScope(sm)) {
          Error(*err);
          continue;
        }
        for (const Metric& m : sm.metrics) {
          MinMax(m, &earliest, &latest);
          Convert(m);
        }
      }
      if (earliest < UINT64_MAX) {
        if (auto err = TargetInfo(rm.resource_attributes, earliest, latest)) Error(*err);
      }
    }
  }

 private:
  void Error(std::string e) { res_.errors.push_back(std::move(e)); }

  Result<std::string> LabelName(const std::string& name) {
    if (auto it = label_cache_.find(name); it != label_cache_.end()) return it->second;
    auto r = label_namer_.Build(name);
    if (r.ok()) label_cache_[name] = *r;
    return r;
  }

  std::optional<std::string> SetResource(const Attributes& attrs) {
    job_.clear();
    instance_.clear();
    promoted_.clear();
    if (const AnyValue* name = Find(attrs, "service.name")) {
      job_ = AsString(*name);
      if (const AnyValue* ns = Find(attrs, "service.namespace")) job_ = AsString(*ns) + "/" + job_;
    }
    if (const AnyValue* inst = Find(attrs, "service.instance.id")) instance_ = AsString(*inst);
    const config::OtlpConfig& c = o_.config;
    const auto& listed =
        c.promote_all_resource_attributes ? c.ignore_resource_attributes : c.promote_resource_attributes;
    model::LabelsBuilder b;
    for (const KeyValue& kv : attrs) {
      const bool in = std::find(listed.begin(), listed.end(), kv.key) != listed.end();
      if (in == c.promote_all_resource_attributes) continue;
      auto name = LabelName(kv.key);
      if (!name.ok()) return name.error().message();
      b.Set(*name, AsString(kv.value));
    }
    for (const auto& l : b.Build()) promoted_.emplace_back(std::string(l.name), std::string(l.value));
    return std::nullopt;
  }

  std::optional<std::string> SetScope(const ScopeMetrics& sm) {
    scope_ = false;
    if (!o_.config.promote_scope_metadata || sm.scope.name.empty()) return std::nullopt;
    model::LabelsBuilder b;
    for (const KeyValue& kv : sm.scope.attributes) {
      auto name = LabelName("otel_scope_" + kv.key);
      if (!name.ok()) return name.error().message();
      b.Set(*name, AsString(kv.value));
    }
    scope_attrs_.clear();
    for (const auto& l : b.Build()) scope_attrs_.emplace_back(std::string(l.name), std::string(l.value));
    scope_name_ = sm.scope.name;
    scope_version_ = sm.scope.version;
    scope_schema_url_ = sm.schema_url;
    scope_ = true;
    return std::nullopt;
  }

  void RecordCollision(const Pairs& sorted, const std::string& final_key) {
    if (!recorded_collisions_.insert(final_key).second) return;
    std::string keys;
    for (const auto& [name, value] : sorted) {
      auto n = LabelName(name);
      if (!n.ok() || *n != final_key) continue;
      if (!keys.empty()) keys += ", ";
      keys += model::GoQuote(name);
    }
    collisions_.push_back("OTLP " + std::string(from_resource_ ? "resource" : "data point") + " attributes " +
                          keys + " collide as label " + model::GoQuote(final_key) +
                          " after name sanitization, values are concatenated with ';'");
  }

  // createAttributes: a series' labels from its attributes (minus `ignore`), the promoted
  // resource attributes, job and instance, the scope's labels and `extras`.
  Result<model::Labels> Attributes_(const Attributes& attrs, const std::vector<std::string>& ignore,
                                    bool promote, const Pairs& extras) {
    Pairs sorted;
    for (const KeyValue& kv : attrs) {
      if (std::find(ignore.begin(), ignore.end(), kv.key) == ignore.end())
        sorted.emplace_back(kv.key, AsString(kv.value));
    }
    std::stable_sort(sorted.begin(), sorted.end(),
                     [](const auto& a, const auto& b) { return a.first < b.first; });
    GoBuilder b;
    if (utf8_) {
      b.Reset(sorted);
    } else {
      for (const auto& [name, value] : sorted) {
        auto key = LabelName(name);
        if (!key.ok()) return key.error();
        const std::string existing = b.Get(*key);
        if (!existing.empty()) {
          RecordCollision(sorted, *key);
          b.Set(*key, existing + ";" + value);
        } else {
          b.Set(*key, value);
        }
      }
    }
    if (promote) {
      for (const auto& [name, value] : promoted_) {
        if (b.Get(name).empty()) b.Set(name, value);
      }
    }
    if (!job_.empty()) b.Set("job", job_);
    if (!instance_.empty()) b.Set("instance", instance_);
    if (scope_) {
      for (const auto& [name, value] : scope_attrs_) b.Set(name, value);
      b.Set("otel_scope_name", scope_name_);
      b.Set("otel_scope_version", scope_version_);
      b.Set("otel_scope_schema_url", scope_schema_url_);
    }
    for (const auto& [name, value] : extras) {
      std::string n = name;
      if (!(n.size() > 4 && n.compare(0, 2, "__") == 0 && n.compare(n.size() - 2, 2, "__") == 0)) {
        auto built = LabelName(n);
        if (!built.ok()) return built.error();
        n = *built;
      }
      b.Set(n, value);
    }
    const Pairs out = b.Labels();
    // The head's check at append (Labels.HasDuplicateLabelNames, whose first comparison is
    // with the empty name): a name that stays twice, or an empty name.
    not_unique_.reset();
    std::string_view prev;
    for (const auto& [name, value] : out) {
      if (name == prev) {
        not_unique_ = name;
        break;
      }
      prev = name;
    }
    model::LabelsBuilder lb;
    for (const auto& [name, value] : out) lb.Set(name, value);
    return lb.Build();
  }

  static model::Labels WithName(const model::Labels& base, const std::string& name,
                                const char* extra_name = nullptr, const std::string& extra_value = "") {
    model::LabelsBuilder b(base);
    if (extra_name != nullptr) b.Set(extra_name, extra_value);
    b.Set(model::kMetricNameLabel, name);
    return b.Build();
  }

  // getPromExemplars.
  Result<std::vector<storage::Exemplar>> Exemplars(const std::vector<Exemplar>& in) {
    std::vector<storage::Exemplar> out;
    for (const Exemplar& e : in) {
      storage::Exemplar ex;
      ex.t = ToMs(e.time_unix_nano);
      ex.has_t = ex.t != 0;
      if (e.value_kind == ValueKind::kInt) {
        ex.value = static_cast<double>(e.as_int);
      } else if (e.value_kind == ValueKind::kDouble) {
        ex.value = e.as_double;
      } else {
        return BadData("unsupported exemplar value type: Empty");
      }
      model::LabelsBuilder b;
      size_t runes = 0;
      const bool has_trace =
          std::any_of(e.trace_id.begin(), e.trace_id.end(), [](uint8_t c) { return c != 0; });
      const bool has_span = std::any_of(e.span_id.begin(), e.span_id.end(), [](uint8_t c) { return c != 0; });
      Pairs labels;
      if (has_trace) {
        labels.emplace_back("trace_id", model::HexEncode(e.trace_id));
        runes += 8 + 32;
      }
      if (has_span) {
        labels.emplace_back("span_id", model::HexEncode(e.span_id));
        runes += 7 + 16;
      }
      const auto overridden = [&](const std::string& k) {
        return (has_trace && k == "trace_id") || (has_span && k == "span_id");
      };
      for (const KeyValue& kv : e.filtered_attributes) {
        if (!overridden(kv.key)) runes += RuneCount(kv.key) + RuneCount(AsString(kv.value));
      }
      if (runes <= kMaxExemplarRunes) {
        for (const KeyValue& kv : e.filtered_attributes) {
          if (!overridden(kv.key)) labels.emplace_back(kv.key, AsString(kv.value));
        }
      }
      std::stable_sort(labels.begin(), labels.end(),
                       [](const auto& x, const auto& y) { return x.first < y.first; });
      for (const auto& [k, v] : labels) b.Set(k, v);
      ex.labels = b.Build();
      out.push_back(std::move(ex));
    }
    return out;
  }

  static void SortExemplars(std::vector<storage::Exemplar>* e) {
    std::stable_sort(e->begin(), e->end(), [](const storage::Exemplar& a, const storage::Exemplar& b) {
      if (a.t != b.t) return a.t < b.t;
      return a.value < b.value;
    });
  }

  // One append through Prometheus' time-limit appender; an error is the append's text.
  std::optional<std::string> Append(const model::Labels& labels, int64_t st, int64_t t, double v,
                                    const model::FloatHistogram* h,
                                    const std::vector<storage::Exemplar>& exemplars,
                                    const storage::Metadata& meta) {
    if (t > o_.max_time_ms) {
      res_.data_error = true;
      return "out of bounds: timestamp is too far in the future";
    }
    if (not_unique_) return "label name \"" + *not_unique_ + "\" is not unique: invalid sample";
    const storage::AppendResult r = h != nullptr
                                        ? app_.AppendHistogramWithStartTimestamp(0, labels, st, t, *h)
                                        : app_.AppendWithStartTimestamp(0, labels, st, t, v);
    if (!r.ok()) {
      if (IsDataError(r.error)) res_.data_error = true;
      if (r.error == storage::AppendError::kInvalidLabels && labels.size() == 0) {
        return std::string("empty labelset: invalid sample");
      }
      return std::string(storage::AppendErrorText(r.error));
    }
    ++(h != nullptr ? res_.histograms : res_.samples);
    for (const storage::Exemplar& e : exemplars) {
      if (e.t > o_.max_time_ms) continue;
      if (app_.AppendExemplar(r.ref, labels, e).ok()) ++res_.exemplars;
    }
    (void)app_.UpdateMetadata(r.ref, labels, meta);
    return std::nullopt;
  }

  static double Stale() { return model::StaleNaN(); }

  std::optional<std::string> NumberPoints(const Metric& m, const std::string& name,
                                          const storage::Metadata& meta, bool exemplars) {
    for (const NumberDataPoint& pt : m.number_points) {
      auto labels = Attributes_(pt.attributes, {"__name__"}, true, {{"__name__", name}});
      if (!labels.ok()) return labels.error().message();
      double v = 0;
      if (pt.value_kind == ValueKind::kInt) v = static_cast<double>(pt.as_int);
      if (pt.value_kind == ValueKind::kDouble) v = pt.as_double;
      if (pt.flags & kFlagNoRecordedValue) v = Stale();
      std::vector<storage::Exemplar> ex;
      if (exemplars) {
        auto e = Exemplars(pt.exemplars);
        if (!e.ok()) return e.error().message();
        ex = std::move(*e);
        SortExemplars(&ex);
      }
      if (auto err =
              Append(*labels, ToMs(pt.start_time_unix_nano), ToMs(pt.time_unix_nano), v, nullptr, ex, meta)) {
        return err;
      }
    }
    return std::nullopt;
  }

  std::optional<std::string> ClassicHistogram(const Metric& m, const std::string& name,
                                              const storage::Metadata& meta) {
    for (const HistogramDataPoint& pt : m.histogram_points) {
      const int64_t t = ToMs(pt.time_unix_nano), st = ToMs(pt.start_time_unix_nano);
      const bool stale = pt.flags & kFlagNoRecordedValue;
      auto base = Attributes_(pt.attributes, {"__name__"}, true, {});
      if (!base.ok()) return base.error().message();
      if (pt.has_sum) {
        if (auto err =
                Append(WithName(*base, name + "_sum"), st, t, stale ? Stale() : pt.sum, nullptr, {}, meta)) {
          return err;
        }
      }
      const double count = stale ? Stale() : static_cast<double>(pt.count);
      if (auto err = Append(WithName(*base, name + "_count"), st, t, count, nullptr, {}, meta)) return err;
      auto exemplars = Exemplars(pt.exemplars);
      if (!exemplars.ok()) return exemplars.error().message();
      size_t next = 0;
      uint64_t cumulative = 0;
      for (size_t i = 0; i < pt.explicit_bounds.size() && i < pt.bucket_counts.size(); ++i) {
        const double bound = pt.explicit_bounds[i];
        cumulative += pt.bucket_counts[i];
        if (std::isinf(bound) && bound > 0) {
          plus_inf_ = true;
          continue;
        }
        std::vector<storage::Exemplar> ex;
        for (; next < exemplars->size(); ++next) {
          if ((*exemplars)[next].value > bound) break;
          ex.push_back((*exemplars)[next]);
        }
        SortExemplars(&ex);
        const double v = stale ? Stale() : static_cast<double>(cumulative);
        if (auto err = Append(WithName(*base, name + "_bucket", "le", model::FormatFloat(bound, 'f')), st, t,
                              v, nullptr, ex, meta)) {
          return err;
        }
      }
      std::vector<storage::Exemplar> rest(exemplars->begin() + static_cast<std::ptrdiff_t>(next),
                                          exemplars->end());
      SortExemplars(&rest);
      if (auto err =
              Append(WithName(*base, name + "_bucket", "le", "+Inf"), st, t, count, nullptr, rest, meta)) {
        return err;
      }
    }
    return std::nullopt;
  }

  // The native histogram of a data point, through the receiver's validation (Prometheus'
  // texts); the stale marker is a float stale NaN.
  std::optional<std::string> AppendNative(const Metric& m, const Attributes& attrs, uint64_t st_ns,
                                          uint64_t t_ns, const std::vector<Exemplar>& in_ex,
                                          const wire::Histogram& h, bool stale, const std::string& name,
                                          const storage::Metadata& meta) {
    (void)m;
    auto labels = Attributes_(attrs, {"__name__"}, true, {{"__name__", name}});
    if (!labels.ok()) return labels.error().message();
    auto ex = Exemplars(in_ex);
    if (!ex.ok()) return ex.error().message();
    SortExemplars(&*ex);
    const int64_t t = ToMs(t_ns), st = ToMs(st_ns);
    if (stale) return Append(*labels, st, t, Stale(), nullptr, *ex, meta);
    if (t > o_.max_time_ms) return Append(*labels, st, t, 0, nullptr, {}, meta);
    auto fh = wire::ReceivedHistogram(h);
    if (!fh.ok()) return fh.error().message();
    return Append(*labels, st, t, 0, &*fh, *ex, meta);
  }

  std::optional<std::string> ExponentialHistogram(const Metric& m, const std::string& name,
                                                  const storage::Metadata& meta) {
    for (const ExponentialHistogramDataPoint& pt : m.exponential_points) {
      int32_t scale = pt.scale;
      if (scale < kSchemaMin) {
        return "cannot convert exponential to native histogram. Scale must be >= -4, was " +
               std::to_string(scale);
      }
      int32_t scale_down = 0;
      if (scale > kSchemaMax) {
        scale_down = scale - kSchemaMax;
        scale = kSchemaMax;
      }
      wire::Histogram h;
      BucketsLayout(pt.positive.bucket_counts, pt.positive.offset, scale_down, true, &h.positive_spans,
                    &h.positive_deltas);
      BucketsLayout(pt.negative.bucket_counts, pt.negative.offset, scale_down, true, &h.negative_spans,
                    &h.negative_deltas);
      h.reset_hint = m.temporality == kTemporalityDelta ? 3 : 0;
      h.schema = scale;
      h.zero_threshold = kDefaultZeroThreshold;
      h.zero_count_int = pt.zero_count;
      const bool stale = pt.flags & kFlagNoRecordedValue;
      if (!stale) {
        if (pt.has_sum) h.sum = pt.sum;
        h.count_int = pt.count;
        if (pt.count == 0 && h.sum != 0) {
          res_.warnings.push_back("exponential histogram data point has zero count, but non-zero sum: " +
                                  GoPercentF(h.sum));
        }
      }
      if (auto err = AppendNative(m, pt.attributes, pt.start_time_unix_nano, pt.time_unix_nano, pt.exemplars,
                                  h, stale, name, meta)) {
        return err;
      }
    }
    return std::nullopt;
  }

  std::optional<std::string> CustomBucketsHistogram(const Metric& m, const std::string& name,
                                                    const storage::Metadata& meta) {
    for (const HistogramDataPoint& pt : m.histogram_points) {
      size_t offset = 0;
      while (offset < pt.bucket_counts.size() && pt.bucket_counts[offset] == 0) ++offset;
      const std::vector<uint64_t> counts(pt.bucket_counts.begin() + static_cast<std::ptrdiff_t>(offset),
                                         pt.bucket_counts.end());
      wire::Histogram h;
      BucketsLayout(counts, static_cast<int32_t>(offset), 0, false, &h.positive_spans, &h.positive_deltas);
      h.reset_hint = m.temporality == kTemporalityDelta ? 3 : 0;
      h.schema = model::kCustomBucketsSchema;
      h.custom_values = pt.explicit_bounds;
      const bool stale = pt.flags & kFlagNoRecordedValue;
      if (!stale) {
        if (pt.has_sum) h.sum = pt.sum;
        h.count_int = pt.count;
        if (pt.count == 0 && h.sum != 0) {
          res_.warnings.push_back("histogram data point has zero count, but non-zero sum: " +
                                  GoPercentF(h.sum));
        }
      }
      if (auto err = AppendNative(m, pt.attributes, pt.start_time_unix_nano, pt.time_unix_nano, pt.exemplars,
                                  h, stale, name, meta)) {
        return err;
      }
    }
    return std::nullopt;
  }

  std::optional<std::string> Summary(const Metric& m, const std::string& name,
                                     const storage::Metadata& meta) {
    for (const SummaryDataPoint& pt : m.summary_points) {
      const int64_t t = ToMs(pt.time_unix_nano), st = ToMs(pt.start_time_unix_nano);
      const bool stale = pt.flags & kFlagNoRecordedValue;
      auto base = Attributes_(pt.attributes, {"__name__"}, true, {});
      if (!base.ok()) return base.error().message();
      if (auto err =
              Append(WithName(*base, name + "_sum"), st, t, stale ? Stale() : pt.sum, nullptr, {}, meta)) {
        return err;
      }
      if (auto err = Append(WithName(*base, name + "_count"), st, t,
                            stale ? Stale() : static_cast<double>(pt.count), nullptr, {}, meta)) {
        return err;
      }
      for (const ValueAtQuantile& q : pt.quantile_values) {
        if (auto err = Append(WithName(*base, name, "quantile", model::FormatFloat(q.quantile, 'f')), st, t,
                              stale ? Stale() : q.value, nullptr, {}, meta)) {
          return err;
        }
      }
    }
    return std::nullopt;
  }

  static void MinMax(const Metric& m, uint64_t* earliest, uint64_t* latest) {
    const auto see = [&](uint64_t t) {
      *earliest = std::min(*earliest, t);
      *latest = std::max(*latest, t);
    };
    for (const auto& p : m.number_points) see(p.time_unix_nano);
    for (const auto& p : m.histogram_points) see(p.time_unix_nano);
    for (const auto& p : m.exponential_points) see(p.time_unix_nano);
    for (const auto& p : m.summary_points) see(p.time_unix_nano);
  }

  void Convert(const Metric& m) {
    if (m.kind == MetricKind::kEmpty) {
      Error("could not get aggregation temporality for " + m.name +
            " as it has unsupported metric type Empty");
      return;
    }
    const bool has_temporality = m.kind == MetricKind::kSum || m.kind == MetricKind::kHistogram ||
                                 m.kind == MetricKind::kExponentialHistogram;
    if (has_temporality && !(m.temporality == kTemporalityCumulative ||
                             (o_.allow_delta_temporality && m.temporality == kTemporalityDelta))) {
      Error("invalid temporality and type combination for metric " + model::GoQuote(m.name));
      return;
    }
    auto name = namer_.Build(m.name, m.unit, NameType(m));
    if (!name.ok()) {
      Error(name.error().message());
      return;
    }
    const storage::Metadata meta{PromType(m), m.description, BuildUnit(m.unit, false)};
    std::optional<std::string> err;
    const bool empty = m.number_points.empty() && m.histogram_points.empty() &&
                       m.exponential_points.empty() && m.summary_points.empty();
    if (empty) {
      res_.warnings.push_back("empty data points. " + m.name + " is dropped");
      return;
    }
    switch (m.kind) {
      case MetricKind::kGauge: err = NumberPoints(m, *name, meta, false); break;
      case MetricKind::kSum: err = NumberPoints(m, *name, meta, true); break;
      case MetricKind::kHistogram:
        err = o_.config.convert_histograms_to_nhcb ? CustomBucketsHistogram(m, *name, meta)
                                                   : ClassicHistogram(m, *name, meta);
        break;
      case MetricKind::kExponentialHistogram: err = ExponentialHistogram(m, *name, meta); break;
      case MetricKind::kSummary: err = Summary(m, *name, meta); break;
      case MetricKind::kEmpty: break;
    }
    if (err) Error(*err);
  }

  std::optional<std::string> TargetInfo(const Attributes& attrs, uint64_t earliest_ns, uint64_t latest_ns) {
    std::vector<std::string> identifying = {"service.namespace", "service.name", "service.instance.id"};
    int64_t non_identifying = static_cast<int64_t>(attrs.size());
    for (const auto& a : identifying) non_identifying -= Find(attrs, a) != nullptr ? 1 : 0;
    if (non_identifying == 0) return std::nullopt;
    if (o_.config.keep_identifying_resource_attributes) identifying.clear();
    const bool saved_scope = scope_;
    scope_ = false;
    from_resource_ = true;
    auto labels = Attributes_(attrs, identifying, false, {{"__name__", "target_info"}});
    from_resource_ = false;
    scope_ = saved_scope;
    if (!labels.ok()) return labels.error().message();
    if (!labels->Has("job") && !labels->Has("instance")) return std::nullopt;
    const storage::Metadata meta{storage::MetricType::kGauge, "Target metadata", ""};
    const int64_t lookback_ns =
        (o_.lookback_delta_ms == 0 ? 5 * 60 * 1000 : o_.lookback_delta_ms) * 1'000'000;
    const int64_t interval = lookback_ns / 2;
    const std::string key = labels->ToString();
    const auto once = [&](int64_t ms) -> std::optional<std::string> {
      if (!seen_target_info_.insert({key, ms}).second) return std::nullopt;
      return Append(*labels, 0, ms, 1.0, nullptr, {}, meta);
    };
    const auto earliest = static_cast<int64_t>(earliest_ns), latest = static_cast<int64_t>(latest_ns);
    size_t written = 0;
    for (int64_t ts = earliest; ts < latest; ts += interval) {
      if (++written > o_.max_target_info_samples) break;
      if (auto err = once(UnixMilli(ts))) return err;
      if (interval <= 0 || ts > INT64_MAX - interval) break;
    }
    return once(UnixMilli(latest));
  }

  const TranslateOptions& o_;
  storage::Appender& app_;
  TranslateResult& res_;
  bool utf8_ = false;
  MetricNamer namer_;
  LabelNamer label_namer_;
  std::map<std::string, std::string> label_cache_;
  std::string job_, instance_;
  Pairs promoted_;
  bool scope_ = false;
  Pairs scope_attrs_;
  std::string scope_name_, scope_version_, scope_schema_url_;
  std::set<std::pair<std::string, int64_t>> seen_target_info_;
  std::set<std::string> recorded_collisions_;
  bool from_resource_ = false;
  std::optional<std::string> not_unique_;  // of the labels Attributes_ built last

 public:
  std::vector<std::string> collisions_;
  bool plus_inf_ = false;
};

}  // namespace

std::string TranslateResult::ErrorText() const {
  std::string out;
  for (size_t i = 0; i < errors.size(); ++i) out += (i > 0 ? "\n" : "") + errors[i];
  return out;
}

TranslateResult Translate(const ExportRequest& req, const TranslateOptions& opts, storage::Appender& app) {
  TranslateResult res;
  Converter c(opts, app, res);
  c.Run(req);
  for (std::string& w : c.collisions_) res.warnings.push_back(std::move(w));
  if (c.plus_inf_) {
    res.warnings.push_back(
        "histogram data point has an explicit +Inf bound, le=\"+Inf\" is taken from count");
  }
  return res;
}

}  // namespace promref::otlp
