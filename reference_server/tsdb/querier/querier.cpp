#include "tsdb/querier/querier.h"

#include <algorithm>
#include <limits>
#include <set>

namespace promref::tsdb {
namespace {

using storage::ValueType;

// --- Iterators -------------------------------------------------------------------------------

// Chunks that do not overlap, read one after another, filtered by [mint, maxt] and tombstones.
class ChainIterator final : public storage::SampleIterator {
 public:
  ChainIterator(std::vector<ChunkMeta> chunks, Intervals deleted, int64_t mint, int64_t maxt,
                ChunkKeepalive keep)
      : chunks_(std::move(chunks)),
        deleted_(std::move(deleted)),
        mint_(mint),
        maxt_(maxt),
        keep_(std::move(keep)) {}

  ValueType Next() override {
    if (done_) return ValueType::kNone;
    if (!cur_ && !OpenNext()) return Done();
    return Settle(cur_->Next(), mint_);
  }

  // Whole runs of floats from the chunk iterator at once (no deleted intervals to check).
  size_t ReadFloats(int64_t maxt, size_t cap, int64_t* t, double* v, ValueType* now) override {
    if (!deleted_.empty()) return ReadFloatsStepwise(this, maxt, cap, t, v, now);
    size_t n = 0;
    while (n < cap && vt_ == ValueType::kFloat && t_ <= maxt) {
      ValueType in_chunk;
      const size_t read = cur_->ReadFloats(std::min(maxt, maxt_), cap - n, t + n, v + n, &in_chunk);
      if (read == 0) break;
      n += read;
      Settle(in_chunk, mint_);
    }
    *now = vt_;
    return n;
  }

  ValueType Seek(int64_t t) override {
    if (done_) return ValueType::kNone;
    if (cur_ && vt_ != ValueType::kNone && t_ >= t) return vt_;
    t = std::max(t, mint_);
    // Skip whole chunks that end before t.
    while (next_ < chunks_.size() && chunks_[next_].maxt < t) ++next_;
    if (!cur_ || (cur_meta_maxt_ < t)) {
      if (!OpenNext()) return Done();
    }
    return Settle(cur_->Seek(t), t);
  }

  int64_t AtT() const override { return t_; }
  double AtFloat() const override { return cur_->AtFloat(); }
  const model::FloatHistogram& AtHistogram() const override { return cur_->AtHistogram(); }
  int64_t AtStartTimestamp() const override { return cur_->AtStartTimestamp(); }
  Status Err() const override { return err_; }

 private:
  // Moves on from what the chunk iterator gave after advancing (`vt`) to the next sample at or
  // after `from` (at least mint_), in range and not deleted, opening the following chunks as
  // needed.
  ValueType Settle(ValueType vt, int64_t from) {
    while (true) {
      while (vt == ValueType::kNone) {
        if (Status s = cur_->Err(); !s.ok()) {
          err_ = s;
          return Done();
        }
        if (!OpenNext()) return Done();
        vt = cur_->Next();
      }
      if (cur_->AtT() < from) {
        // Jump straight there (a new chunk's first samples may be before it).
        vt = cur_->Seek(from);
        if (vt == ValueType::kNone) continue;
      }
      if (Accept(vt)) return vt_ = vt;
      if (cur_->AtT() > maxt_) return Done();
      vt = cur_->Next();
    }
  }

  // Whether the chunk's current sample is in range and not deleted; it becomes the current one
  // (its time kept in t_, saving AtT() a virtual call per sample).
  bool Accept(ValueType vt) {
    if (vt == ValueType::kNone) return false;
    const int64_t t = cur_->AtT();
    if (t < mint_ || t > maxt_ || (!deleted_.empty() && deleted_.Contains(t))) return false;
    t_ = t;
    return true;
  }
  bool OpenNext() {
    while (next_ < chunks_.size()) {
      const ChunkMeta& m = chunks_[next_++];
      if (m.maxt < mint_ || (!deleted_.empty() && deleted_.Covers(m.mint, m.maxt))) continue;
      if (m.mint > maxt_) return false;
      cur_ = NewChunkIterator(m.enc, m.data);
      cur_meta_maxt_ = m.maxt;
      return true;
    }
    return false;
  }
  ValueType Done() {
    done_ = true;
    vt_ = ValueType::kNone;
    return ValueType::kNone;
  }

  std::vector<ChunkMeta> chunks_;
  Intervals deleted_;
  int64_t mint_, maxt_;
  ChunkKeepalive keep_;
  size_t next_ = 0;
  std::unique_ptr<storage::SampleIterator> cur_;
  int64_t cur_meta_maxt_ = 0;
  ValueType vt_ = ValueType::kNone;
  int64_t t_ = 0;  // the current sample's time, while vt_ is not kNone
  bool done_ = false;
  Status err_;
};

// Merges iterators by timestamp; a timestamp present in several yields one sample (the first
// iterator's). The current timestamp of each input is kept here, so picking the next sample
// costs no virtual calls beyond advancing the inputs that sit on it.
class MergeIterator final : public storage::SampleIterator {
 public:
  explicit MergeIterator(std::vector<std::unique_ptr<storage::SampleIterator>> its)
      : its_(std::move(its)), types_(its_.size(), ValueType::kNone), ts_(its_.size(), 0) {}

  ValueType Next() override {
    if (!started_) {
      started_ = true;
      for (size_t i = 0; i < its_.size(); ++i) Load(i, its_[i]->Next());
    } else if (cur_ >= 0) {
      const int64_t t = ts_[cur_];
      if (others_min_ > t) {
        // Only the current input sits on t: while it stays ahead of the others (blocks do not
        // overlap, so that is the rule) it alone advances.
        Load(cur_, its_[cur_]->Next());
        if (types_[cur_] != ValueType::kNone && ts_[cur_] < others_min_) return types_[cur_];
        return Pick();
      }
      // Advance every iterator sitting on the current timestamp (the duplicates too).
      for (size_t i = 0; i < its_.size(); ++i) {
        if (types_[i] != ValueType::kNone && ts_[i] == t) Load(i, its_[i]->Next());
      }
    } else {
      return ValueType::kNone;
    }
    return Pick();
  }

  ValueType Seek(int64_t t) override {
    if (started_ && cur_ >= 0 && ts_[cur_] >= t) return types_[cur_];
    if (started_ && cur_ < 0) return ValueType::kNone;
    for (size_t i = 0; i < its_.size(); ++i) {
      if (!started_ || types_[i] != ValueType::kNone) Load(i, its_[i]->Seek(t));
    }
    started_ = true;
    return Pick();
  }

  int64_t AtT() const override { return ts_[cur_]; }
  double AtFloat() const override { return its_[cur_]->AtFloat(); }
  const model::FloatHistogram& AtHistogram() const override { return its_[cur_]->AtHistogram(); }
  int64_t AtStartTimestamp() const override { return its_[cur_]->AtStartTimestamp(); }
  Status Err() const override {
    for (const auto& it : its_) {
      if (Status s = it->Err(); !s.ok()) return s;
    }
    return {};
  }

 private:
  void Load(size_t i, ValueType vt) {
    types_[i] = vt;
    if (vt != ValueType::kNone) ts_[i] = its_[i]->AtT();
  }
  ValueType Pick() {
    cur_ = -1;
    others_min_ = std::numeric_limits<int64_t>::max();
    for (size_t i = 0; i < its_.size(); ++i) {
      if (types_[i] == ValueType::kNone) continue;
      if (cur_ < 0 || ts_[i] < ts_[cur_]) {
        if (cur_ >= 0) others_min_ = ts_[cur_];  // the previous best, which was below all others
        cur_ = static_cast<int>(i);
      } else {
        others_min_ = std::min(others_min_, ts_[i]);
      }
    }
    return cur_ < 0 ? ValueType::kNone : types_[cur_];
  }

  std::vector<std::unique_ptr<storage::SampleIterator>> its_;
  std::vector<ValueType> types_;
  std::vector<int64_t> ts_;  // each input's current timestamp, where types_ is not kNone
  int cur_ = -1;
  int64_t others_min_ = 0;  // the smallest current timestamp of the inputs other than cur_
  bool started_ = false;
};

// --- Series sets -----------------------------------------------------------------------------

class SourceSeries final : public storage::Series {
 public:
  SourceSeries(std::shared_ptr<const SeriesSource> src, uint64_t ref, int64_t mint, int64_t maxt)
      : src_(std::move(src)), ref_(ref), mint_(mint), maxt_(maxt) {}
  const model::Labels& labels() const override { return labels_; }
  std::unique_ptr<storage::SampleIterator> Iterator() const override {
    std::vector<ChunkMeta> chunks;
    ChunkKeepalive keep;
    if (read_) {  // the first iterator takes what the series set read
      read_ = false;
      chunks = std::move(chunks_);
      keep = std::move(keep_);
    } else {
      model::Labels ignored;
      src_->Series(ref_, mint_, maxt_, /*with_data=*/true, &ignored, &chunks, &keep);
    }
    // The iterator keeps the source (and so the head pin or block) alive.
    keep.push_back(std::shared_ptr<const std::string>(src_, nullptr));
    return NewChunkSeriesIterator(std::move(chunks),
                                  src_->HasTombstones() ? src_->TombstonesFor(ref_) : Intervals(), mint_,
                                  maxt_, std::move(keep));
  }

  // Reads the labels and chunks, keeping the chunks for the first Iterator(); whether the
  // series has a sample in range (SeriesHasData). Reading a head series again would copy its
  // labels and open chunk again.
  bool ReadIfHasData() {
    read_ = SeriesHasData(*src_, ref_, mint_, maxt_, &labels_, &chunks_, &keep_);
    return read_;
  }

  model::Labels labels_;

 private:
  mutable std::vector<ChunkMeta> chunks_;
  mutable ChunkKeepalive keep_;
  mutable bool read_ = false;
  std::shared_ptr<const SeriesSource> src_;
  uint64_t ref_;
  int64_t mint_, maxt_;
};

// Whether a series of `src` has a chunk overlapping [mint, maxt] that tombstones do not hide
// entirely: what Prometheus' block querier returns for a metadata-only Select (the series
// endpoint), without looking at samples. Fills `labels`.
bool SeriesHasChunks(const SeriesSource& src, uint64_t ref, int64_t mint, int64_t maxt,
                     model::Labels* labels) {
  std::vector<ChunkMeta> chunks;
  ChunkKeepalive keep;
  if (!src.Series(ref, mint, maxt, /*with_data=*/false, labels, &chunks, &keep)) return false;
  const Intervals deleted = src.HasTombstones() ? src.TombstonesFor(ref) : Intervals();
  return std::any_of(chunks.begin(), chunks.end(),
                     [&](const ChunkMeta& c) { return deleted.empty() || !deleted.Covers(c.mint, c.maxt); });
}

class SourceSeriesSet final : public storage::SeriesSet {
 public:
  SourceSeriesSet(std::shared_ptr<const SeriesSource> src, Postings postings, int64_t mint, int64_t maxt,
                  size_t limit, bool metadata_only)
      : src_(std::move(src)),
        postings_(std::move(postings)),
        mint_(mint),
        maxt_(maxt),
        limit_(limit),
        metadata_only_(metadata_only) {}

  bool Next() override {
    if (limit_ > 0 && returned_ >= limit_) return false;
    while (pos_ < postings_.size()) {
      if (pos_ + kFar < postings_.size()) src_->PrefetchSeries(postings_[pos_ + kFar], 0);
      if (pos_ + kNear < postings_.size()) src_->PrefetchSeries(postings_[pos_ + kNear], 1);
      const uint64_t ref = postings_[pos_++];
      cur_ = std::make_unique<SourceSeries>(src_, ref, mint_, maxt_);
      if (metadata_only_ ? SeriesHasChunks(*src_, ref, mint_, maxt_, &cur_->labels_)
                         : cur_->ReadIfHasData()) {
        ++returned_;
        return true;
      }
    }
    return false;
  }
  const storage::Series& At() const override { return *cur_; }

 private:
  // How many series ahead of the one read the source is told to fetch (PrefetchSeries'
  // two stages): far enough for what is fetched to arrive in time, near enough to stay cached.
  static constexpr size_t kFar = 8, kNear = 4;
  std::shared_ptr<const SeriesSource> src_;
  Postings postings_;
  int64_t mint_, maxt_;
  size_t limit_;
  bool metadata_only_;
  size_t pos_ = 0;
  size_t returned_ = 0;
  std::unique_ptr<SourceSeries> cur_;
};

class EmptySeriesSet final : public storage::SeriesSet {
 public:
  bool Next() override { return false; }
  const storage::Series& At() const override { std::abort(); }
};

std::vector<std::string> Limit(std::vector<std::string> v, size_t limit) {
  if (limit > 0 && v.size() > limit) v.resize(limit);
  return v;
}

class SourceQuerier final : public storage::Querier {
 public:
  SourceQuerier(std::shared_ptr<const SeriesSource> src, int64_t mint, int64_t maxt)
      : src_(std::move(src)), mint_(mint), maxt_(maxt) {}

  std::unique_ptr<storage::SeriesSet> Select(bool sorted, const storage::SelectHints& hints,
                                             std::span<const model::Matcher> ms) override {
    if (ms.empty()) return std::make_unique<EmptySeriesSet>();
    const int64_t mint = std::max(mint_, hints.start);
    const int64_t maxt = std::min(maxt_, hints.end);
    if (mint > maxt || mint > src_->MaxTime() || maxt < src_->MinTime())
      return std::make_unique<EmptySeriesSet>();
    Postings p = src_->Select(ms);
    if (sorted) src_->SortByLabels(&p);
    // "series" is Prometheus' token for a lookup that needs no samples (the series endpoint).
    return std::make_unique<SourceSeriesSet>(src_, std::move(p), mint, maxt, hints.limit,
                                             /*metadata_only=*/hints.func == "series");
  }

  // Label names and values come from the partition's index, as Prometheus' head and block
  // index readers give them: once the partition overlaps [mint, maxt], every series it holds
  // counts, whatever the times of its samples (one that ended before the window, or with a
  // staleness marker, or whose samples are deleted, is still listed until it leaves the
  // partition).
  Result<std::vector<std::string>> LabelValues(std::string_view name, const storage::LabelHints& hints,
                                               std::span<const model::Matcher> ms) override {
    if (mint_ > src_->MaxTime() || maxt_ < src_->MinTime()) return std::vector<std::string>();
    if (ms.empty()) return Limit(src_->LabelValues(name), hints.limit);
    std::set<std::string, std::less<>> values;
    model::Labels l;
    for (uint64_t ref : src_->Select(ms)) {
      if (!LabelsOf(ref, &l)) continue;
      if (auto v = l.Get(name); !v.empty() && values.find(v) == values.end()) values.emplace(v);
    }
    return Limit(std::vector<std::string>(values.begin(), values.end()), hints.limit);
  }

  Result<std::vector<std::string>> LabelNames(const storage::LabelHints& hints,
                                              std::span<const model::Matcher> ms) override {
    if (mint_ > src_->MaxTime() || maxt_ < src_->MinTime()) return std::vector<std::string>();
    if (ms.empty()) return Limit(src_->LabelNames(), hints.limit);
    std::set<std::string, std::less<>> names;
    model::Labels l;
    for (uint64_t ref : src_->Select(ms)) {
      if (!LabelsOf(ref, &l)) continue;
      for (const model::LabelView& lv : l) {
        if (names.find(lv.name) == names.end()) names.emplace(lv.name);
      }
    }
    return Limit(std::vector<std::string>(names.begin(), names.end()), hints.limit);
  }

 private:
  // The labels of a series the partition still holds (an empty time range: no chunks wanted).
  bool LabelsOf(uint64_t ref, model::Labels* labels) const {
    std::vector<ChunkMeta> none;
    ChunkKeepalive keep;
    return src_->Series(ref, std::numeric_limits<int64_t>::max(), std::numeric_limits<int64_t>::min(),
                        /*with_data=*/false, labels, &none, &keep);
  }

  std::shared_ptr<const SeriesSource> src_;
  int64_t mint_, maxt_;
};

// --- Merging ---------------------------------------------------------------------------------

class MergedSeries final : public storage::Series {
 public:
  const model::Labels& labels() const override { return parts_[0]->labels(); }
  std::unique_ptr<storage::SampleIterator> Iterator() const override {
    if (parts_.size() == 1) return parts_[0]->Iterator();
    std::vector<std::unique_ptr<storage::SampleIterator>> its;
    for (const storage::Series* s : parts_) its.push_back(s->Iterator());
    return NewMergeIterator(std::move(its));
  }
  std::vector<const storage::Series*> parts_;
};

class MergeSeriesSet final : public storage::SeriesSet {
 public:
  MergeSeriesSet(std::vector<std::unique_ptr<storage::SeriesSet>> sets, size_t limit)
      : sets_(std::move(sets)), has_(sets_.size(), false), limit_(limit) {}

  bool Next() override {
    if (limit_ > 0 && returned_ >= limit_) return false;
    // Advance the sets whose series was consumed last time (all of them at the start).
    for (size_t i = 0; i < sets_.size(); ++i) {
      if (!started_ || consumed_[i]) has_[i] = sets_[i]->Next();
    }
    started_ = true;
    consumed_.assign(sets_.size(), false);
    int min = -1;
    for (size_t i = 0; i < sets_.size(); ++i) {
      if (has_[i] && (min < 0 || Compare(sets_[i]->At().labels(), sets_[min]->At().labels()) < 0)) {
        min = static_cast<int>(i);
      }
    }
    if (min < 0) return false;
    cur_.parts_.clear();
    for (size_t i = 0; i < sets_.size(); ++i) {
      if (has_[i] && sets_[i]->At().labels() == sets_[min]->At().labels()) {
        cur_.parts_.push_back(&sets_[i]->At());
        consumed_[i] = true;
      }
    }
    ++returned_;
    return true;
  }
  const storage::Series& At() const override { return cur_; }
  Status Err() const override {
    for (const auto& s : sets_) {
      if (Status st = s->Err(); !st.ok()) return st;
    }
    return {};
  }
  std::vector<std::string> Warnings() const override {
    std::vector<std::string> out;
    for (const auto& s : sets_) {
      for (auto& w : s->Warnings()) out.push_back(std::move(w));
    }
    return out;
  }

 private:
  std::vector<std::unique_ptr<storage::SeriesSet>> sets_;
  std::vector<bool> has_;
  std::vector<bool> consumed_;
  size_t limit_;
  size_t returned_ = 0;
  bool started_ = false;
  MergedSeries cur_;
};

class MergeQuerier final : public storage::Querier {
 public:
  explicit MergeQuerier(std::vector<std::unique_ptr<storage::Querier>> qs) : qs_(std::move(qs)) {}

  std::unique_ptr<storage::SeriesSet> Select(bool sorted, const storage::SelectHints& hints,
                                             std::span<const model::Matcher> ms) override {
    if (qs_.size() == 1) return qs_[0]->Select(sorted, hints, ms);
    std::vector<std::unique_ptr<storage::SeriesSet>> sets;
    storage::SelectHints inner = hints;
    inner.limit = 0;  // a series may be merged from several partitions; limit after merging
    for (auto& q : qs_) sets.push_back(q->Select(/*sorted=*/true, inner, ms));
    return std::make_unique<MergeSeriesSet>(std::move(sets), hints.limit);
  }

  Result<std::vector<std::string>> LabelValues(std::string_view name, const storage::LabelHints& hints,
                                               std::span<const model::Matcher> ms) override {
    return Union([&](storage::Querier& q) { return q.LabelValues(name, {}, ms); }, hints.limit);
  }
  Result<std::vector<std::string>> LabelNames(const storage::LabelHints& hints,
                                              std::span<const model::Matcher> ms) override {
    return Union([&](storage::Querier& q) { return q.LabelNames({}, ms); }, hints.limit);
  }

 private:
  template <typename F>
  Result<std::vector<std::string>> Union(F f, size_t limit) {
    std::set<std::string> all;
    for (auto& q : qs_) {
      auto r = f(*q);
      if (!r.ok()) return r.error();
      for (auto& v : *r) all.insert(std::move(v));
    }
    return Limit(std::vector<std::string>(all.begin(), all.end()), limit);
  }
  std::vector<std::unique_ptr<storage::Querier>> qs_;
};

}  // namespace

std::unique_ptr<storage::SampleIterator> NewChunkSeriesIterator(std::vector<ChunkMeta> chunks,
                                                                Intervals deleted, int64_t mint, int64_t maxt,
                                                                ChunkKeepalive keep) {
  bool overlapping = false;
  for (size_t i = 1; i < chunks.size(); ++i) overlapping |= chunks[i].mint <= chunks[i - 1].maxt;
  if (!overlapping) {
    return std::make_unique<ChainIterator>(std::move(chunks), std::move(deleted), mint, maxt,
                                           std::move(keep));
  }
  // Overlapping chunks (out-of-order data): one filtered iterator per chunk, merged.
  std::vector<std::unique_ptr<storage::SampleIterator>> its;
  for (ChunkMeta& c : chunks) {
    its.push_back(std::make_unique<ChainIterator>(std::vector<ChunkMeta>{c}, deleted, mint, maxt, keep));
  }
  return std::make_unique<MergeIterator>(std::move(its));
}

std::unique_ptr<storage::SampleIterator> NewMergeIterator(
    std::vector<std::unique_ptr<storage::SampleIterator>> its) {
  return std::make_unique<MergeIterator>(std::move(its));
}

bool SeriesHasData(const SeriesSource& src, uint64_t ref, int64_t mint, int64_t maxt, model::Labels* labels,
                   std::vector<ChunkMeta>* chunks, ChunkKeepalive* keep) {
  if (!src.Series(ref, mint, maxt, /*with_data=*/true, labels, chunks, keep)) return false;
  if (chunks->empty()) return false;
  const Intervals deleted = src.HasTombstones() ? src.TombstonesFor(ref) : Intervals();
  if (deleted.empty()) {
    // A chunk whose first or last sample is in range settles it without decoding.
    for (const ChunkMeta& c : *chunks) {
      if ((c.mint >= mint && c.mint <= maxt) || (c.maxt >= mint && c.maxt <= maxt)) return true;
    }
  }
  auto it = NewChunkSeriesIterator(*chunks, deleted, mint, maxt, *keep);
  return it->Next() != ValueType::kNone;
}

std::unique_ptr<storage::Querier> NewSourceQuerier(std::shared_ptr<const SeriesSource> src, int64_t mint,
                                                   int64_t maxt) {
  return std::make_unique<SourceQuerier>(std::move(src), mint, maxt);
}

std::unique_ptr<storage::Querier> NewMergeQuerier(std::vector<std::unique_ptr<storage::Querier>> queriers) {
  return std::make_unique<MergeQuerier>(std::move(queriers));
}

}  // namespace promref::tsdb
