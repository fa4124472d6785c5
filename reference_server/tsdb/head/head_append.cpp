// The head's Appender: checks each sample against its series as it arrives, keeps the batch
// in memory, and on Commit logs it to the WAL, then applies it.
#include <algorithm>
#include <array>
#include <bit>
#include <shared_mutex>

#include "model/histogram_ops.h"
#include "tsdb/chunks/histogram_chunk.h"
#include "tsdb/encoding/encoding.h"
#include "tsdb/head/head.h"
#include "tsdb/wal/records.h"

namespace promref::tsdb {
namespace {

using storage::AppendError;
using storage::AppendResult;

bool ValidLabels(const model::Labels& l) {
  if (l.empty()) return false;
  for (const model::LabelView& v : l) {
    if (!model::IsValidLabelName(v.name) || !model::IsValidLabelValue(v.value)) return false;
  }
  return true;
}

class HeadAppender final : public storage::Appender {
 public:
  explicit HeadAppender(Head* head)
      : head_(head),
        txn_(head->NextTxn()),
        min_valid_((head->Pin(), head->AppendableMinValidTime())),
        head_maxt_(head->MaxTime()),
        // Out-of-order samples may reach back this far (nothing qualifies while the head is
        // empty).
        ooo_min_(head_maxt_ == kMinTime || head->options().ooo_window == 0
                     ? kMaxTime
                     : WrapSub(head_maxt_, head->options().ooo_window)) {}

  ~HeadAppender() override {
    Rollback();
    head_->Unpin();
  }

  // In two stages, since the slot's address is read from the stripe: the stripe now, and the
  // slot of the series hinted kPrefetchLag calls ago, whose stripe has arrived meanwhile.
  void Prefetch(const model::Labels& labels) override {
    const uint64_t hash = labels.Hash();
    head_->PrefetchStripe(hash);
    uint64_t& lagging = prefetch_lag_[prefetched_++ % kPrefetchLag];
    if (prefetched_ > kPrefetchLag) head_->PrefetchSlot(lagging);
    lagging = hash;
  }

  AppendResult Append(storage::SeriesRef ref, const model::Labels& labels, int64_t t, double v) override {
    const int64_t window = head_->options().ooo_window;
    if (window == 0 && t < min_valid_) return {0, AppendError::kOutOfBounds};
    AppendError err = AppendError::kNone;
    MemSeries* s = Resolve(ref, labels, &err);
    if (s == nullptr) return {0, err};
    std::unique_lock lock = LockAndTouch(&s);
    const uint64_t bits = std::bit_cast<uint64_t>(v);
    if (window == 0 && s->pending_t != kMinTime && t <= s->pending_t) {
      return {s->ref,
              CommittedVerdict(*s, t, [&] { return s->open_enc == Encoding::kXor && s->st.v_bits == bits; })};
    }
    bool ooo = false;
    if (s->pending_t != kMinTime) {
      // Checked against this batch's newest sample of the series.
      if (t == s->pending_t) {
        return !s->pending_hist && s->pending_v_bits == bits
                   ? AppendResult{s->ref, AppendError::kNone}
                   : AppendResult{s->ref, AppendError::kDuplicateSample};
      }
      if (t < s->pending_t) {
        const AppendError e = OutOfOrderClass(t, window, &ooo);
        if (!ooo) return {s->ref, e};
      }
    } else if (s->HasInOrderData()) {
      const int64_t maxt = s->MaxTime();
      if (t == maxt) {
        const bool same = s->open_enc == Encoding::kXor && s->st.v_bits == bits;
        return {s->ref, same ? AppendError::kNone : AppendError::kDuplicateSample};
      }
      if (t < maxt) {
        const AppendError e = OutOfOrderClass(t, window, &ooo);
        if (!ooo) return {s->ref, e};
      }
    } else if (t < min_valid_) {
      // A series without data: only the head's bounds apply.
      if (t >= ooo_min_) {
        ooo = true;
      } else {
        return {s->ref, AppendError::kOutOfBounds};
      }
    }
    if (ooo) {
      if (const OooSamples::Sample* dup = OooSampleAt(*s, t)) {
        return {s->ref, SameOooSample(*dup, v, nullptr) ? AppendError::kNone : AppendError::kDuplicateSample};
      }
    } else {
      s->pending_t = t;
      s->pending_v_bits = bits;
      s->pending_hist = false;
      // The commit will write at the end of this series' open chunk. With many series that
      // line is not in any cache; fetching it now overlaps the miss with the rest of the batch.
      if (s->open.size() > 0) __builtin_prefetch(s->open.data() + s->open.size() - 1, 1, 3);
    }
    lock.unlock();
    samples_.push_back({s, t, v, ooo, -1});
    return {s->ref, AppendError::kNone};
  }

  AppendResult AppendHistogram(storage::SeriesRef ref, const model::Labels& labels, int64_t t,
                               const model::FloatHistogram& h) override {
    // Prometheus' appender validates before anything else; an invalid histogram is never stored.
    if (!model::HistogramValidate(h).ok()) return {0, AppendError::kInvalidHistogram};
    const int64_t window = head_->options().ooo_window;
    if (window == 0 && t < min_valid_) return {0, AppendError::kOutOfBounds};
    AppendError err = AppendError::kNone;
    MemSeries* s = Resolve(ref, labels, &err);
    if (s == nullptr) return {0, err};
    std::unique_lock lock = LockAndTouch(&s);
    if (window == 0 && s->pending_t != kMinTime && t <= s->pending_t) {
      return {s->ref, CommittedVerdict(*s, t, [&] {
                return IsHistogramEncoding(s->open_enc) && s->LastHistogram() != nullptr &&
                       model::HistogramEquals(*s->LastHistogram(), h);
              })};
    }
    // The newest sample of the series, in this batch or committed.
    int64_t last_t = kMinTime;
    const model::FloatHistogram* last = nullptr;
    bool last_is_hist = false;
    if (s->pending_t != kMinTime) {
      last_t = s->pending_t;
      last_is_hist = s->pending_hist;
      last = last_is_hist ? PendingHistogram(s) : nullptr;
    } else if (s->HasInOrderData()) {
      last_t = s->MaxTime();
      last_is_hist = IsHistogramEncoding(s->open_enc);
      last = last_is_hist ? s->LastHistogram() : nullptr;
    }
    if (t == last_t) {
      // Prometheus compares with Equals: layouts that differ only by empty spans are the same.
      const bool same = last_is_hist && last != nullptr && model::HistogramEquals(*last, h);
      return {s->ref, same ? AppendError::kNone : AppendError::kDuplicateSample};
    }
    bool ooo = false;
    if (t < last_t) {
      const AppendError e = OutOfOrderClass(t, window, &ooo);
      if (!ooo) return {s->ref, e};
    } else if (last_t == kMinTime && t < min_valid_) {
      // A series without data: only the head's bounds apply.
      if (t < ooo_min_) return {s->ref, AppendError::kOutOfBounds};
      ooo = true;
    }
    if (ooo) {
      if (const OooSamples::Sample* dup = OooSampleAt(*s, t)) {
        return {s->ref, SameOooSample(*dup, 0, &h) ? AppendError::kNone : AppendError::kDuplicateSample};
      }
    } else {
      s->pending_t = t;
      s->pending_hist = true;
    }
    lock.unlock();
    hists_.push_back({s, t, h});
    samples_.push_back({s, t, 0, ooo, static_cast<int32_t>(hists_.size() - 1)});
    return {s->ref, AppendError::kNone};
  }

  AppendResult AppendWithStartTimestamp(storage::SeriesRef ref, const model::Labels& labels, int64_t st,
                                        int64_t t, double v) override {
    const size_t queued = samples_.size();
    const AppendResult r = Append(ref, labels, t, v);
    NoteStart(queued, st);
    return r;
  }

  AppendResult AppendHistogramWithStartTimestamp(storage::SeriesRef ref, const model::Labels& labels,
                                                 int64_t st, int64_t t,
                                                 const model::FloatHistogram& h) override {
    const size_t queued = samples_.size();
    const AppendResult r = AppendHistogram(ref, labels, t, h);
    NoteStart(queued, st);
    return r;
  }

  AppendResult AppendExemplar(storage::SeriesRef ref, const model::Labels& labels,
                              const storage::Exemplar& e) override {
    AppendError err = AppendError::kNone;
    MemSeries* s = Resolve(ref, labels, &err);
    if (s == nullptr) return {0, err};
    { std::unique_lock lock = LockAndTouch(&s); }
    for (const model::LabelView& l : e.labels) {
      if (!model::IsValidLabelName(l.name) || !model::IsValidLabelValue(l.value)) {
        return {s->ref, AppendError::kInvalidLabels};
      }
    }
    switch (head_->exemplars().Validate(s->labels, e)) {
      case ExemplarStore::Outcome::kAdded: break;
      case ExemplarStore::Outcome::kDuplicate:
      case ExemplarStore::Outcome::kDisabled: return {s->ref, AppendError::kNone};
      case ExemplarStore::Outcome::kOutOfOrder: return {s->ref, AppendError::kOutOfOrder};
      case ExemplarStore::Outcome::kLabelsTooLong: return {s->ref, AppendError::kInvalidLabels};
    }
    exemplars_.push_back({s, e});
    return {s->ref, AppendError::kNone};
  }

  AppendResult UpdateMetadata(storage::SeriesRef ref, const model::Labels& labels,
                              const storage::Metadata& m) override {
    std::string family(labels.MetricName());
    if (family.empty() && ref != 0) {
      if (MemSeries* s = head_->GetByRef(ref)) family = std::string(s->labels.MetricName());
    }
    metadata_.push_back({std::move(family), m});
    return {ref, AppendError::kNone};
  }

  Status Commit() override {
    if (samples_.empty() && exemplars_.empty() && metadata_.empty()) {
      Rollback();
      return {};
    }
    // Metadata already known needs neither logging nor applying.
    std::erase_if(metadata_, [&](const wal::RefMetadata& m) { return !IsNewMetadata(m); });
    if (head_->wal() != nullptr) {
      if (Status s = Log(); !s.ok()) {
        Rollback();
        return s;
      }
    }
    const bool logged = head_->wal() != nullptr;
    if (RunsFollowTouched()) {
      Apply(/*release_runs=*/true, logged);
      Clear();
    } else {
      Apply(/*release_runs=*/false, logged);
      Release(logged);
    }
    return {};
  }

  void Rollback() override {
    Release(/*logged=*/false);
    samples_.clear();
    hists_.clear();
    exemplars_.clear();
    metadata_.clear();
  }

 private:
  // Floats and histograms, in append order (the order matters when they mix in a series).
  struct Pending {
    MemSeries* s;
    int64_t t;
    double v;
    bool ooo;
    int32_t hist;  // index into hists_, or -1 for a float
  };
  struct PendingHist {
    MemSeries* s;
    int64_t t;
    model::FloatHistogram h;
  };
  struct PendingExemplar {
    MemSeries* s;
    storage::Exemplar e;
  };

  // A sample not newer than this batch's newest of its series (without an out-of-order
  // window). Prometheus checks a sample against committed data only, so such a sample is
  // accepted, and dropped at commit: it is not kept at all here. `same_as_last` tells whether
  // it equals the last committed sample (a repeat, not a conflicting duplicate).
  template <typename SameAsLast>
  static AppendError CommittedVerdict(const MemSeries& s, int64_t t, SameAsLast same_as_last) {
    if (!s.HasInOrderData() || t > s.MaxTime()) return AppendError::kNone;
    if (t < s.MaxTime()) return AppendError::kOutOfOrder;
    return same_as_last() ? AppendError::kNone : AppendError::kDuplicateSample;
  }

  // The class of an in-batch or committed out-of-order sample; sets *ooo when the
  // out-of-order window takes it instead.
  AppendError OutOfOrderClass(int64_t t, int64_t window, bool* ooo) const {
    if (t >= ooo_min_) {
      *ooo = true;
      return AppendError::kNone;
    }
    if (window > 0) return AppendError::kTooOld;
    if (t < min_valid_) return AppendError::kOutOfBounds;
    return AppendError::kOutOfOrder;
  }

  // The committed out-of-order sample of `s` at `t`, if any (stripe lock held).
  static const OooSamples::Sample* OooSampleAt(const MemSeries& s, int64_t t) {
    return s.ooo ? s.ooo->At(t) : nullptr;
  }

  // Keeps the start timestamp of the sample just queued (if one was: duplicates are not).
  // Out-of-order samples keep none: the out-of-order store holds times and values only.
  void NoteStart(size_t queued_before, int64_t st) {
    if (st == 0 || samples_.size() == queued_before || samples_.back().ooo) return;
    if (!head_->options().store_start_timestamps) return;
    starts_.push_back({samples_.size() - 1, st});
  }

  // The start timestamps of samples_[i..j) (in order), for the WAL and for applying.
  class StartCursor {
   public:
    explicit StartCursor(const std::vector<std::pair<size_t, int64_t>>& starts) : starts_(starts) {}
    int64_t At(size_t i) {
      while (next_ < starts_.size() && starts_[next_].first < i) ++next_;
      return next_ < starts_.size() && starts_[next_].first == i ? starts_[next_].second : 0;
    }
    bool AnyIn(size_t i, size_t j) {
      At(i);
      return next_ < starts_.size() && starts_[next_].first < j;
    }

   private:
    const std::vector<std::pair<size_t, int64_t>>& starts_;
    size_t next_ = 0;
  };

  static constexpr size_t kPrefetchLag = 4;
  std::array<uint64_t, kPrefetchLag> prefetch_lag_{};
  size_t prefetched_ = 0;

  const model::FloatHistogram* PendingHistogram(const MemSeries* s) const {
    for (auto it = hists_.rbegin(); it != hists_.rend(); ++it) {
      if (it->s == s) return &it->h;
    }
    return nullptr;
  }

  bool IsNewMetadata(const wal::RefMetadata& m) const { return !head_->metadata().Has(m.family, m.meta); }

  MemSeries* Resolve(storage::SeriesRef ref, const model::Labels& labels, AppendError* err) {
    MemSeries* s = ref != 0 ? head_->GetByRef(ref) : nullptr;
    // The reference is trusted, as Prometheus trusts it (references are never reused, so a
    // stale one finds nothing); the size check catches the grossest misuse for free.
    if (s != nullptr && !labels.empty() && s->labels.ByteSize() != labels.ByteSize()) s = nullptr;
    if (s != nullptr) return s;
    // Only a new series needs its labels checked: an existing one passed when it was created.
    if (s = head_->Find(labels); s != nullptr) return s;
    if (!ValidLabels(labels)) {
      *err = AppendError::kInvalidLabels;
      return nullptr;
    }
    bool created;
    return head_->GetOrCreate(labels, &created);
  }

  // Locks the series' stripe, following it to a new incarnation if garbage collection removed
  // it meanwhile, and registers this batch with it.
  std::unique_lock<std::mutex> LockAndTouch(MemSeries** sp) {
    MemSeries* s = *sp;
    std::unique_lock lock(head_->StripeFor(s->ref));
    while (s->deleted) {
      lock.unlock();
      const model::Labels labels = s->labels;  // still readable: we hold a pin
      bool created;
      s = head_->GetOrCreate(labels, &created);
      lock = std::unique_lock(head_->StripeFor(s->ref));
    }
    if (s->pending_txn != txn_) {
      s->pending_txn = txn_;
      s->pending_t = kMinTime;
      ++s->pending_refs;
      touched_.push_back(s);
      if (!s->wal_logged) unlogged_.push_back(s);
    }
    *sp = s;
    return lock;
  }

  Status Log() {
    std::string& buf = wal_buf_;
    buf.clear();
    const wal::Compression compression = head_->wal()->compression();
    if (!unlogged_.empty()) {
      std::vector<wal::RefSeries> series;
      series.reserve(unlogged_.size());
      for (MemSeries* s : unlogged_) series.push_back({s->ref, s->labels});
      const size_t start = wal::BeginRecord(&buf);
      wal::EncodeSeries(series, &buf);
      wal::EndRecord(&buf, start, compression);
    }
    // One record per run of floats or histograms, so that replay sees them in append order.
    StartCursor starts(starts_);
    for (size_t i = 0; i < samples_.size();) {
      size_t j = i;
      const bool hist = samples_[i].hist >= 0;
      while (j < samples_.size() && (samples_[j].hist >= 0) == hist) ++j;
      const size_t start = wal::BeginRecord(&buf);
      if (hist) {
        std::vector<wal::RefHistogram> hs;
        for (size_t k = i; k < j; ++k) {
          const PendingHist& p = hists_[static_cast<size_t>(samples_[k].hist)];
          hs.push_back({p.s->ref, p.t, p.h, starts.At(k)});
        }
        wal::EncodeHistograms(hs, &buf);
      } else if (starts.AnyIn(i, j)) {
        std::vector<wal::RefSample> ss;
        for (size_t k = i; k < j; ++k)
          ss.push_back({samples_[k].s->ref, samples_[k].t, samples_[k].v, starts.At(k)});
        wal::EncodeSamples(ss, &buf);
      } else {
        // Inline wal::EncodeSamples: this is the hot path of every commit.
        buf.reserve(buf.size() + 17 + (j - i) * 14);
        Encbuf e(&buf);
        e.PutByte(static_cast<uint8_t>(wal::RecordType::kSamples));
        const uint64_t base_ref = samples_[i].s->ref;
        const int64_t base_t = samples_[i].t;
        e.PutBE64(base_ref);
        e.PutBE64(static_cast<uint64_t>(base_t));
        for (size_t k = i; k < j; ++k) {
          const Pending& p = samples_[k];
          e.PutVarint(static_cast<int64_t>(p.s->ref - base_ref));
          e.PutVarint(WrapSub(p.t, base_t));
          e.PutBE64(std::bit_cast<uint64_t>(p.v));
        }
      }
      wal::EndRecord(&buf, start, compression);
      i = j;
    }
    if (!exemplars_.empty()) {
      std::vector<wal::RefExemplar> es;
      for (const PendingExemplar& p : exemplars_) es.push_back({p.s->ref, p.e.t, p.e.value, p.e.labels});
      const size_t start = wal::BeginRecord(&buf);
      wal::EncodeExemplars(es, &buf);
      wal::EndRecord(&buf, start, compression);
    }
    if (!metadata_.empty()) {
      const size_t start = wal::BeginRecord(&buf);
      wal::EncodeMetadata(metadata_, &buf);
      wal::EndRecord(&buf, start, compression);
    }
    if (buf.empty()) return {};
    return head_->wal()->Log(buf);
  }

  // Whether every series this batch touched has its samples in one run, in the order it was
  // touched (remote write's one series after another always does). Apply can then end each
  // series' claim while it holds the series' stripe for the run's last sample, where
  // Release would lock every stripe again.
  bool RunsFollowTouched() const {
    size_t k = 0;
    for (size_t i = 0; i < samples_.size(); ++i) {
      if (i > 0 && samples_[i].s == samples_[i - 1].s) continue;
      if (k == touched_.size() || touched_[k] != samples_[i].s) return false;
      ++k;
    }
    return k == touched_.size();
  }

  // Applies the batch (logged already, if the head has a WAL). With `release_runs` (see
  // RunsFollowTouched), also ends the batch's claim on each series after its last sample.
  void Apply(bool release_runs, bool logged) {
    // Out-of-order samples must not slip in while a flush of them is under way.
    std::shared_lock<std::shared_mutex> ooo_lock;
    if (std::any_of(samples_.begin(), samples_.end(), [](const Pending& p) { return p.ooo; })) {
      ooo_lock = std::shared_lock(head_->ooo_mutex());
    }
    int64_t mint = kMaxTime;
    int64_t maxt = kMinTime;
    std::mutex* held = nullptr;
    auto lock_for = [&](MemSeries* s) {
      std::mutex* mu = &head_->StripeFor(s->ref);
      if (mu != held) {
        if (held != nullptr) held->unlock();
        mu->lock();
        held = mu;
      }
    };
    StartCursor starts(starts_);
    for (size_t i = 0; i < samples_.size(); ++i) {
      const Pending& p = samples_[i];
      MemSeries* s = p.s;
      lock_for(s);
      if (ApplyLocked(p, starts.At(i))) {
        mint = std::min(mint, p.t);
        maxt = std::max(maxt, p.t);
      }
      if (release_runs && (i + 1 == samples_.size() || samples_[i + 1].s != s)) ReleaseLocked(s, logged);
    }
    if (held != nullptr) held->unlock();
    if (mint <= maxt) head_->UpdateTimes(mint, maxt);
    for (const PendingExemplar& p : exemplars_) head_->exemplars().Add(p.s->labels, p.e);
    for (const wal::RefMetadata& m : metadata_) head_->metadata().Add(m.family, m.meta);
  }

  // Applies one pending sample to its series (stripe lock held); true when it went in order
  // into the series' chunks.
  bool ApplyLocked(const Pending& p, int64_t st) {
    MemSeries* s = p.s;
    const model::FloatHistogram* h = p.hist >= 0 ? &hists_[static_cast<size_t>(p.hist)].h : nullptr;
    if (p.ooo) {
      bool inserted;
      head_->InsertOooLocked(s, p.t, p.v, h, &inserted);
      return false;
    }
    // Re-checked against what is committed now: another appender may have been faster.
    // Such late losers are dropped, as Prometheus drops them.
    if (s->HasInOrderData() && p.t <= s->MaxTime()) return false;
    if (h != nullptr) {
      head_->AppendHistogramLocked(s, p.t, *h, st);
    } else {
      head_->AppendFloatLocked(s, p.t, p.v, st);
    }
    return true;
  }

  // Ends this batch's claim on `s` (stripe lock held). `logged`: the batch is in the WAL, so
  // the series' record is too.
  void ReleaseLocked(MemSeries* s, bool logged) {
    --s->pending_refs;
    if (s->pending_txn == txn_) {
      s->pending_txn = 0;
      s->pending_t = kMinTime;
    }
    if (logged) s->wal_logged = true;
  }

  // Ends this batch's claim on the series it touched.
  void Release(bool logged) {
    for (MemSeries* s : touched_) {
      std::lock_guard lock(head_->StripeFor(s->ref));
      ReleaseLocked(s, logged);
    }
    Clear();
  }

  void Clear() {
    touched_.clear();
    unlogged_.clear();
    samples_.clear();
    starts_.clear();
    hists_.clear();
    exemplars_.clear();
    metadata_.clear();
  }

  Head* const head_;
  const uint64_t txn_;
  const int64_t min_valid_;
  const int64_t head_maxt_;
  const int64_t ooo_min_;
  std::vector<Pending> samples_;
  // (index into samples_, start timestamp) of the samples that have one, ascending.
  std::vector<std::pair<size_t, int64_t>> starts_;
  std::vector<PendingHist> hists_;
  std::vector<PendingExemplar> exemplars_;
  std::vector<wal::RefMetadata> metadata_;
  std::vector<MemSeries*> touched_;
  std::vector<MemSeries*> unlogged_;
  std::string wal_buf_;
};

}  // namespace

std::unique_ptr<storage::Appender> Head::MakeAppender() {
  return std::make_unique<HeadAppender>(this);
}

}  // namespace promref::tsdb
