#include "storage/mem_storage.h"

#include <algorithm>
#include <bit>
#include <set>

#include "model/histogram_ops.h"

namespace promref::storage {

bool MatchesAll(const model::Labels& labels, std::span<const model::Matcher> matchers) {
  return std::all_of(matchers.begin(), matchers.end(),
                     [&](const model::Matcher& m) { return m.Matches(labels.Get(m.name())); });
}

namespace {

bool ValidLabels(const model::Labels& l) {
  if (l.empty()) return false;
  for (const model::LabelView& v : l) {
    if (!model::IsValidLabelName(v.name) || !model::IsValidLabelValue(v.value)) return false;
  }
  return true;
}

// --- Reading ---------------------------------------------------------------------------------

class VectorIterator : public SampleIterator {
 public:
  explicit VectorIterator(std::vector<MemStorage::Point> points) : points_(std::move(points)) {}
  ValueType Next() override {
    if (pos_ < points_.size() || pos_ == kBefore) pos_ = pos_ == kBefore ? 0 : pos_ + 1;
    return Type();
  }
  ValueType Seek(int64_t t) override {
    if (pos_ == kBefore) pos_ = 0;
    while (pos_ < points_.size() && points_[pos_].t < t) ++pos_;
    return Type();
  }
  int64_t AtT() const override { return points_[pos_].t; }
  double AtFloat() const override { return points_[pos_].v; }
  const model::FloatHistogram& AtHistogram() const override { return *points_[pos_].h; }
  int64_t AtStartTimestamp() const override { return points_[pos_].st; }

 private:
  static constexpr size_t kBefore = static_cast<size_t>(-1);
  ValueType Type() const {
    if (pos_ >= points_.size()) return ValueType::kNone;
    return points_[pos_].h ? ValueType::kHistogram : ValueType::kFloat;
  }
  std::vector<MemStorage::Point> points_;
  size_t pos_ = kBefore;
};

class MemSeries : public Series {
 public:
  MemSeries(model::Labels labels, std::vector<MemStorage::Point> points)
      : labels_(std::move(labels)), points_(std::move(points)) {}
  const model::Labels& labels() const override { return labels_; }
  std::unique_ptr<SampleIterator> Iterator() const override {
    return std::make_unique<VectorIterator>(points_);
  }

 private:
  model::Labels labels_;
  std::vector<MemStorage::Point> points_;
};

class VectorSeriesSet : public SeriesSet {
 public:
  explicit VectorSeriesSet(std::vector<MemSeries> series) : series_(std::move(series)) {}
  bool Next() override { return ++pos_ <= series_.size(); }
  const Series& At() const override { return series_[pos_ - 1]; }

 private:
  std::vector<MemSeries> series_;
  size_t pos_ = 0;
};

}  // namespace

class MemQuerier : public Querier {
 public:
  MemQuerier(const MemStorage* store, int64_t mint, int64_t maxt) : store_(store), mint_(mint), maxt_(maxt) {}

  std::unique_ptr<SeriesSet> Select(bool sorted, const SelectHints& hints,
                                    std::span<const model::Matcher> matchers) override {
    std::vector<MemSeries> out;
    if (matchers.empty()) return std::make_unique<VectorSeriesSet>(std::move(out));
    std::shared_lock lock(store_->mu_);
    for (const auto& [labels, s] : store_->series_) {  // map order is label order: always sorted
      if (!MatchesAll(labels, matchers)) continue;
      std::vector<MemStorage::Point> points;
      for (const auto& p : s.points) {
        if (p.t >= mint_ && p.t <= maxt_) points.push_back(p);
      }
      if (points.empty()) continue;
      out.emplace_back(labels, std::move(points));
      if (hints.limit > 0 && out.size() >= hints.limit) break;
    }
    (void)sorted;
    return std::make_unique<VectorSeriesSet>(std::move(out));
  }

  Result<std::vector<std::string>> LabelValues(std::string_view name, const LabelHints& hints,
                                               std::span<const model::Matcher> matchers) override {
    std::set<std::string> values;
    ForEachMatching(matchers, [&](const model::Labels& l) {
      if (auto v = l.Get(name); !v.empty()) values.emplace(v);
    });
    return Truncate(std::vector<std::string>(values.begin(), values.end()), hints.limit);
  }

  Result<std::vector<std::string>> LabelNames(const LabelHints& hints,
                                              std::span<const model::Matcher> matchers) override {
    std::set<std::string> names;
    ForEachMatching(matchers, [&](const model::Labels& l) {
      for (const model::LabelView& v : l) names.emplace(v.name);
    });
    return Truncate(std::vector<std::string>(names.begin(), names.end()), hints.limit);
  }

 private:
  template <typename F>
  void ForEachMatching(std::span<const model::Matcher> matchers, F f) {
    std::shared_lock lock(store_->mu_);
    for (const auto& [labels, s] : store_->series_) {
      if (!MatchesAll(labels, matchers)) continue;
      const bool in_range = std::any_of(s.points.begin(), s.points.end(),
                                        [&](const auto& p) { return p.t >= mint_ && p.t <= maxt_; });
      if (in_range) f(labels);
    }
  }
  static std::vector<std::string> Truncate(std::vector<std::string> v, size_t limit) {
    if (limit > 0 && v.size() > limit) v.resize(limit);
    return v;
  }

  const MemStorage* store_;
  int64_t mint_, maxt_;
};

// --- Writing ---------------------------------------------------------------------------------

class MemAppender : public Appender {
 public:
  explicit MemAppender(MemStorage* store) : store_(store) {}

  AppendResult Append(SeriesRef ref, const model::Labels& labels, int64_t t, double v) override {
    return AppendWithStartTimestamp(ref, labels, 0, t, v);
  }
  AppendResult AppendHistogram(SeriesRef ref, const model::Labels& labels, int64_t t,
                               const model::FloatHistogram& h) override {
    return AppendHistogramWithStartTimestamp(ref, labels, 0, t, h);
  }
  AppendResult AppendWithStartTimestamp(SeriesRef, const model::Labels& labels, int64_t st, int64_t t,
                                        double v) override {
    return Add(labels, MemStorage::Point{t, v, std::nullopt, st});
  }
  AppendResult AppendHistogramWithStartTimestamp(SeriesRef, const model::Labels& labels, int64_t st,
                                                 int64_t t, const model::FloatHistogram& h) override {
    // As Prometheus' head appender: an invalid histogram never reaches storage.
    if (!model::HistogramValidate(h).ok()) return {0, AppendError::kInvalidHistogram};
    return Add(labels, MemStorage::Point{t, 0, h, st});
  }
  AppendResult AppendExemplar(SeriesRef, const model::Labels& labels, const Exemplar& e) override {
    if (!ValidLabels(labels)) return {0, AppendError::kInvalidLabels};
    exemplars_.emplace_back(labels, e);
    return {};
  }
  AppendResult UpdateMetadata(SeriesRef, const model::Labels& labels, const Metadata& m) override {
    metadata_.emplace_back(std::string(labels.MetricName()), m);
    return {};
  }

  Status Commit() override {
    std::unique_lock lock(store_->mu_);
    for (auto& [labels, p] : pending_) {
      auto& s = store_->series_[labels];
      s.labels = labels;
      SetHeadHint(&s, &p);
      s.points.push_back(std::move(p));
    }
    for (auto& [labels, e] : exemplars_) store_->series_[labels].exemplars.push_back(e);
    for (auto& [family, m] : metadata_) {
      auto& list = store_->metadata_[family];
      if (std::find(list.begin(), list.end(), m) == list.end()) list.push_back(m);
    }
    Rollback();
    return {};
  }
  void Rollback() override {
    pending_.clear();
    exemplars_.clear();
    metadata_.clear();
  }

 private:
  AppendResult Add(const model::Labels& labels, MemStorage::Point p) {
    if (!ValidLabels(labels)) return {0, AppendError::kInvalidLabels};
    // The newest sample of this series, pending or committed.
    const MemStorage::Point* last = nullptr;
    for (auto it = pending_.rbegin(); it != pending_.rend() && last == nullptr; ++it) {
      if (it->first == labels) last = &it->second;
    }
    std::optional<MemStorage::Point> committed;
    if (last == nullptr) {
      std::shared_lock lock(store_->mu_);
      auto it = store_->series_.find(labels);
      if (it != store_->series_.end() && !it->second.points.empty()) committed = it->second.points.back();
      if (committed) last = &*committed;
    }
    const SeriesRef ref = store_->RefOf(labels);
    if (last != nullptr) {
      if (p.t < last->t) return {ref, AppendError::kOutOfOrder};
      if (p.t == last->t) {
        const bool same =
            p.h ? (last->h && model::HistogramEquals(*p.h, *last->h))
                : (!last->h && std::bit_cast<uint64_t>(p.v) == std::bit_cast<uint64_t>(last->v));
        return {ref, same ? AppendError::kNone : AppendError::kDuplicateSample};
      }
    }
    pending_.emplace_back(labels, std::move(p));
    return {ref, AppendError::kNone};
  }

  // Gives a histogram the hint a Prometheus head would read it back with, as if appended to
  // the series' chunks now.
  static void SetHeadHint(MemStorage::StoredSeries* s, MemStorage::Point* p) {
    if (!p->h) {
      s->hist_tail.Reset();  // a float sample ends the head's histogram chunk
      return;
    }
    const bool cut = p->t >= s->hist_chunk_end;
    const model::HistogramChunkTail::Plan plan = s->hist_tail.PlanAppend(*p->h, cut);
    if (plan.action == model::HistogramChunkTail::Action::kNewChunk) {
      // The end of the aligned range holding t (floor division), saturated at the ends of int64.
      int64_t q = p->t / kChunkRange;
      if (p->t % kChunkRange != 0 && p->t < 0) --q;
      s->hist_chunk_end = q >= INT64_MAX / kChunkRange ? INT64_MAX : (q + 1) * kChunkRange;
    }
    s->hist_tail.Commit(plan);
    p->h->counter_reset_hint = s->hist_tail.LastHint();
  }
  // The chunk range of Prometheus' test storage (teststorage: 24 h blocks), which the pinned
  // promqltest expectations were recorded on.
  static constexpr int64_t kChunkRange = 24 * 3600 * 1000;

  MemStorage* store_;
  std::vector<std::pair<model::Labels, MemStorage::Point>> pending_;
  std::vector<std::pair<model::Labels, Exemplar>> exemplars_;
  std::vector<std::pair<std::string, Metadata>> metadata_;
};

std::unique_ptr<Appender> MemStorage::MakeAppender() {
  return std::make_unique<MemAppender>(this);
}

Result<std::unique_ptr<Querier>> MemStorage::MakeQuerier(int64_t mint, int64_t maxt) {
  return std::unique_ptr<Querier>(std::make_unique<MemQuerier>(this, mint, maxt));
}

Result<std::vector<ExemplarSeries>> MemStorage::SelectExemplars(
    int64_t start, int64_t end, std::span<const std::vector<model::Matcher>> matcher_groups) {
  std::vector<ExemplarSeries> out;
  std::shared_lock lock(mu_);
  for (const auto& [labels, s] : series_) {
    const bool selected = std::any_of(matcher_groups.begin(), matcher_groups.end(),
                                      // An init-capture: clang 14 cannot capture a structured binding.
                                      [&l = labels](const auto& group) { return MatchesAll(l, group); });
    if (!selected) continue;
    ExemplarSeries es{labels, {}};
    for (const Exemplar& e : s.exemplars) {
      if (e.t >= start && e.t <= end) es.exemplars.push_back(e);
    }
    if (!es.exemplars.empty()) out.push_back(std::move(es));
  }
  return out;
}

std::vector<std::pair<std::string, std::vector<Metadata>>> MemStorage::MetricMetadata() const {
  std::shared_lock lock(mu_);
  return {metadata_.begin(), metadata_.end()};
}

void MemStorage::Delete(int64_t mint, int64_t maxt, std::span<const model::Matcher> matchers) {
  std::unique_lock lock(mu_);
  for (auto it = series_.begin(); it != series_.end();) {
    if (MatchesAll(it->first, matchers)) {
      std::erase_if(it->second.points, [&](const Point& p) { return p.t >= mint && p.t <= maxt; });
    }
    it = it->second.points.empty() ? series_.erase(it) : std::next(it);
  }
}

size_t MemStorage::NumSeries() const {
  std::shared_lock lock(mu_);
  return series_.size();
}

SeriesRef MemStorage::RefOf(const model::Labels& labels) {
  std::lock_guard lock(refs_mu_);
  auto [it, inserted] = refs_.emplace(labels, refs_.size() + 1);
  return it->second;
}

}  // namespace promref::storage
