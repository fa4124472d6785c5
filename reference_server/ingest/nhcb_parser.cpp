#include "ingest/nhcb_parser.h"

#include <algorithm>
#include <cmath>
#include <limits>
#include <optional>
#include <vector>

#include "model/histogram_ops.h"

namespace promref::ingest {
namespace {

enum class Suffix { kNone, kBucket, kSum, kCount };

// convertnhcb.GetHistogramMetricBaseName.
Suffix BaseName(std::string_view name, std::string_view* base) {
  for (const auto& [suffix, kind] : {std::pair<std::string_view, Suffix>{"_bucket", Suffix::kBucket},
                                     {"_sum", Suffix::kSum},
                                     {"_count", Suffix::kCount}}) {
    if (name.ends_with(suffix)) {
      *base = name.substr(0, name.size() - suffix.size());
      return kind;
    }
  }
  *base = name;
  return Suffix::kNone;
}

// The classic histogram being collected (convertnhcb.TempHistogram).
class TempHistogram {
 public:
  void Reset() { *this = TempHistogram(); }
  void SetBucket(double le, double count) {
    if (failed_) return;
    if (std::isnan(le) || count < 0) {
      failed_ = true;
      return;
    }
    auto it = std::lower_bound(buckets_.begin(), buckets_.end(), le,
                               [](const auto& b, double v) { return b.first < v; });
    if (it != buckets_.end() && it->first == le) return;  // a repeated bound: the first stands
    if (it != buckets_.begin() && count < std::prev(it)->second) failed_ = true;  // not cumulative
    if (it != buckets_.end() && count > it->second) failed_ = true;
    if (!failed_) buckets_.insert(it, {le, count});
  }
  void SetCount(double count) {
    if (failed_) return;
    if (count < 0) failed_ = true;
    count_ = count;
  }
  void SetSum(double sum) {
    if (!failed_) sum_ = sum;
  }
  // The histogram, or nullopt when it does not convert; *integer when all counts are.
  std::optional<model::FloatHistogram> Convert(bool* integer) const {
    if (failed_) return std::nullopt;
    std::vector<std::pair<double, double>> buckets = buckets_;
    double count = 0;
    if (count_) {
      count = *count_;
    } else if (!buckets.empty()) {
      count = buckets.back().second;
    } else {
      return std::nullopt;  // no buckets and no count
    }
    const double inf = std::numeric_limits<double>::infinity();
    if (buckets.empty() || buckets.back().first != inf) buckets.push_back({inf, count});
    *integer = std::round(count) == count && std::all_of(buckets.begin(), buckets.end(), [](const auto& b) {
                 return std::round(b.second) == b.second;
               });
    if (count != buckets.back().second) return std::nullopt;  // count mismatch
    model::FloatHistogram h;
    h.schema = model::kCustomBucketsSchema;
    h.count = count;
    h.sum = sum_;
    h.positive_spans = {{0, static_cast<uint32_t>(buckets.size())}};
    double previous = 0;
    for (const auto& [le, c] : buckets) {
      h.positive_buckets.push_back(c - previous);
      previous = c;
      if (le != inf) h.custom_values.push_back(le);
    }
    h = model::HistogramCompact(h, *integer ? 2 : 0);
    if (!model::HistogramValidate(h, *integer ? model::HistogramKind::kInteger : model::HistogramKind::kFloat)
             .ok()) {
      return std::nullopt;
    }
    return h;
  }

 private:
  std::vector<std::pair<double, double>> buckets_;  // (le, cumulative count), ascending le
  std::optional<double> count_;
  double sum_ = 0;
  bool failed_ = false;
};

class NhcbParser : public Parser {
 public:
  NhcbParser(std::unique_ptr<Parser> inner, bool keep_classic)
      : inner_(std::move(inner)), keep_(keep_classic) {}

  Result<bool> Next(Entry* out) override {
    while (true) {
      if (state_ == State::kEmitting) {  // the held entry, after the histogram it ended
        state_ = State::kStart;
        if (held_eof_) return false;
        if (IsFloatSeries(held_) && HandleClassic(held_) && !keep_) continue;
        *out = std::move(held_);
        return true;
      }
      Result<bool> more = inner_->Next(&held_);
      if (!more.ok()) return more.error();
      if (!*more) {
        held_eof_ = true;
        return Emit(out);
      }
      held_eof_ = false;
      if (IsFloatSeries(held_)) {
        last_timestamp_ = held_.timestamp_ms;
        bool classic = false;
        switch (state_) {
          case State::kCollecting:
            if (DifferentMetric(held_) && Emit(out)) return true;
            classic = HandleClassic(held_);
            break;
          case State::kInhibiting:
            if (DifferentMetric(held_)) {
              state_ = State::kStart;
              classic = HandleClassic(held_);
            }
            break;
          default: classic = HandleClassic(held_);
        }
        if (classic && !keep_) continue;
        *out = std::move(held_);
        return true;
      }
      if (held_.kind == EntryKind::kSeries) {  // a native histogram: its name and labels inhibit
        state_ = State::kInhibiting;
        temp_.Reset();
        last_name_ = std::string(held_.labels.MetricName());
        last_hash_ = HashWithoutLe(held_.labels);
      } else if (held_.kind == EntryKind::kType) {
        family_ = held_.family;
        type_ = held_.type;
      }
      if (Emit(out)) return true;
      *out = std::move(held_);
      return true;
    }
  }

 private:
  enum class State { kStart, kCollecting, kEmitting, kInhibiting };

  static bool IsFloatSeries(const Entry& e) { return e.kind == EntryKind::kSeries && !e.histogram; }

  // labels.HashWithoutLabels(le): __name__ is left out too (the name is compared apart).
  static uint64_t HashWithoutLe(const model::Labels& l) {
    static const std::vector<std::string> kLe = {"le"};
    return l.HashWithoutNames(kLe);
  }

  bool DifferentMetric(const Entry& e) const {
    if (type_ != MetricType::kHistogram) return true;
    std::string_view base;
    BaseName(e.labels.MetricName(), &base);
    return base != last_name_ || HashWithoutLe(e.labels) != last_hash_;
  }

  // Whether `e` belongs to the classic histogram of the current family (and is collected).
  bool HandleClassic(const Entry& e) {
    if (type_ != MetricType::kHistogram) return false;
    std::string_view base;
    const Suffix suffix = BaseName(e.labels.MetricName(), &base);
    if (base != family_) return false;
    switch (suffix) {
      case Suffix::kBucket: {
        const std::string_view le_text = e.labels.Get("le");
        if (le_text.empty()) return false;
        char* end = nullptr;
        const std::string le_str(le_text);
        const double le = std::strtod(le_str.c_str(), &end);
        if (end != le_str.c_str() + le_str.size() || std::isnan(le)) return false;
        Collect(e, base);
        temp_.SetBucket(le, e.value);
        return true;
      }
      case Suffix::kCount:
        Collect(e, base);
        temp_.SetCount(e.value);
        return true;
      case Suffix::kSum:
        Collect(e, base);
        temp_.SetSum(e.value);
        return true;
      case Suffix::kNone: return false;
    }
    return false;
  }

  void Collect(const Entry& e, std::string_view base) {
    if (state_ != State::kCollecting) {
      state_ = State::kCollecting;
      temp_labels_ = model::LabelsBuilder(e.labels).Set(model::kMetricNameLabel, base).Del("le").Build();
      last_name_ = std::string(base);
      last_hash_ = HashWithoutLe(temp_labels_);
      exemplars_.clear();
    }
    if (e.exemplar) exemplars_.push_back(*e.exemplar);
  }

  // Yields the collected histogram, if there is one and it converts.
  bool Emit(Entry* out) {
    if (state_ != State::kCollecting) return false;
    bool integer = false;
    std::optional<model::FloatHistogram> h = temp_.Convert(&integer);
    temp_.Reset();
    if (!h) {
      state_ = State::kStart;
      return false;
    }
    Entry e;
    e.kind = EntryKind::kSeries;
    e.labels = temp_labels_;
    e.timestamp_ms = last_timestamp_;
    e.histogram = std::move(*h);
    e.histogram_is_integer = integer;
    e.histogram_exemplars = std::move(exemplars_);
    exemplars_.clear();
    *out = std::move(e);
    state_ = State::kEmitting;
    return true;
  }

  std::unique_ptr<Parser> inner_;
  const bool keep_;
  State state_ = State::kStart;
  Entry held_;
  bool held_eof_ = false;
  std::string family_;
  MetricType type_ = MetricType::kUnknown;
  std::string last_name_;
  uint64_t last_hash_ = 0;
  std::optional<int64_t> last_timestamp_;
  TempHistogram temp_;
  model::Labels temp_labels_;
  std::vector<Exemplar> exemplars_;
};

}  // namespace

std::unique_ptr<Parser> NewNhcbParser(std::unique_ptr<Parser> inner, bool keep_classic) {
  return std::make_unique<NhcbParser>(std::move(inner), keep_classic);
}

}  // namespace promref::ingest
