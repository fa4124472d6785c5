#include "tsdb/head/head.h"

#include <algorithm>
#include <bit>
#include <cmath>
#include <iostream>
#include <queue>

#include "tsdb/wal/records.h"

namespace promref::tsdb {

int64_t RangeStart(int64_t t, int64_t width) {
  int64_t q = t / width;
  if (t % width != 0 && t < 0) --q;  // floor division
  return q * width;
}

// --- SeriesTable -----------------------------------------------------------------------------

Head::SeriesTable::SeriesTable() : dir_(new std::atomic<Page*>[kMaxPages]) {
  for (size_t i = 0; i < kMaxPages; ++i) dir_[i].store(nullptr, std::memory_order_relaxed);
}

Head::SeriesTable::~SeriesTable() {
  for (size_t i = 0; i < kMaxPages; ++i) delete dir_[i].load(std::memory_order_relaxed);
}

MemSeries* Head::SeriesTable::Get(uint64_t ref) const {
  const uint64_t page = ref >> kPageBits;
  if (page >= kMaxPages) return nullptr;
  const Page* p = dir_[page].load(std::memory_order_acquire);
  if (p == nullptr) return nullptr;
  return p->slots[ref & (kPageSize - 1)].load(std::memory_order_acquire);
}

void Head::SeriesTable::Set(uint64_t ref, MemSeries* s) {
  const uint64_t page = ref >> kPageBits;
  if (page >= kMaxPages) throw std::length_error("head series table full");
  Page* p = dir_[page].load(std::memory_order_acquire);
  if (p == nullptr) {
    std::lock_guard lock(grow_mu_);
    p = dir_[page].load(std::memory_order_acquire);
    if (p == nullptr) {
      p = new Page();
      dir_[page].store(p, std::memory_order_release);
    }
  }
  p->slots[ref & (kPageSize - 1)].store(s, std::memory_order_release);
  if (s != nullptr) {
    uint64_t lim = limit_.load(std::memory_order_relaxed);
    while (ref + 1 > lim && !limit_.compare_exchange_weak(lim, ref + 1, std::memory_order_acq_rel)) {
    }
  }
}

// --- Head ------------------------------------------------------------------------------------

Head::Head(HeadOptions options, wal::Wal* wal)
    : options_(options),
      wal_(wal),
      hash_stripes_(new HashStripe[kStripes]),
      exemplars_(options.max_exemplars) {}

Head::~Head() {
  for (uint64_t ref = 1; ref < table_.Limit(); ++ref) {
    MemSeries* s = table_.Get(ref);
    if (s == nullptr) continue;
    for (const ClosedChunk& c : s->closed) FreeChunk(c);
    delete s;
  }
  for (uint8_t* c : grave_chunks_) std::free(c);
  for (MemSeries* s : grave_series_) delete s;
}

MemSeries* Head::GetByRef(uint64_t ref) const {
  return table_.Get(ref);
}

MemSeries* Head::CreateLocked(HashStripe& hs, uint64_t hash, uint64_t ref, const model::Labels& labels) {
  auto* s = new MemSeries(ref, labels);
  hs.m.Insert(hash, s);
  table_.Set(ref, s);
  num_series_.fetch_add(1, std::memory_order_relaxed);
  return s;
}

MemSeries* Head::Find(const model::Labels& labels) const {
  const uint64_t hash = labels.Hash();
  HashStripe& hs = HashStripeFor(hash);
  std::lock_guard lock(hs.mu);
  return hs.m.Find(hash, [&](const MemSeries* s) { return s->labels == labels; });
}

void Head::PrefetchSlot(uint64_t hash) const {
  HashStripeFor(hash).m.Prefetch(hash);
}

MemSeries* Head::GetOrCreate(const model::Labels& labels, bool* created) {
  const uint64_t hash = labels.Hash();
  HashStripe& hs = HashStripeFor(hash);
  MemSeries* s = nullptr;
  {
    std::lock_guard lock(hs.mu);
    if (MemSeries* found = hs.m.Find(hash, [&](const MemSeries* c) { return c->labels == labels; })) {
      *created = false;
      return found;
    }
    uint64_t ref;
    {
      std::lock_guard c(create_mu_);
      ref = next_ref_.fetch_add(1, std::memory_order_relaxed);
    }
    s = CreateLocked(hs, hash, ref, labels);
  }
  // Visible to queries once in the postings; it has no data until a commit.
  postings_.Add(s->ref, s->labels);
  *created = true;
  return s;
}

int64_t Head::MinOooTime() const {
  return ooo_min_time_.load(std::memory_order_acquire);
}

void Head::SetMinValidTime(int64_t t) {
  int64_t cur = min_valid_time_.load(std::memory_order_relaxed);
  while (t > cur && !min_valid_time_.compare_exchange_weak(cur, t, std::memory_order_acq_rel)) {
  }
}

int64_t Head::AppendableMinValidTime() const {
  const int64_t maxt = MaxTime();
  const int64_t half = options_.chunk_range / 2;
  const int64_t cw_end = maxt < kMinTime + half ? kMinTime : maxt - half;
  return std::max(cw_end, MinValidTime());
}

bool Head::Compactable() const {
  const int64_t mint = MinTime();
  const int64_t maxt = MaxTime();
  if (mint == kMaxTime || maxt == kMinTime || maxt < mint) return false;
  // maxt - mint without overflow: the difference of two int64 fits in uint64.
  const uint64_t span = static_cast<uint64_t>(maxt) - static_cast<uint64_t>(mint);
  return span > static_cast<uint64_t>(options_.chunk_range / 2 * 3);
}

void Head::UpdateTimes(int64_t mint, int64_t maxt) {
  int64_t cur = min_time_.load(std::memory_order_relaxed);
  while (mint < cur && !min_time_.compare_exchange_weak(cur, mint, std::memory_order_acq_rel)) {
  }
  cur = max_time_.load(std::memory_order_relaxed);
  while (maxt > cur && !max_time_.compare_exchange_weak(cur, maxt, std::memory_order_acq_rel)) {
  }
}

void Head::UpdateOooMin(int64_t t) {
  int64_t cur = ooo_min_time_.load(std::memory_order_relaxed);
  while (t < cur && !ooo_min_time_.compare_exchange_weak(cur, t, std::memory_order_acq_rel)) {
  }
}

void Head::CutChunkLocked(MemSeries* s, int64_t t, Encoding enc) {
  if (s->open.size() > 0) {
    ClosedChunk c;
    c.mint = s->open_mint;
    c.maxt = s->st.t;
    c.enc = s->starts ? WithStartTimestamps(s->open_enc) : s->open_enc;
    const std::string joined = s->starts ? JoinStartTimestamps(s->open.view(), s->starts->view()) : "";
    const std::string_view bytes = s->starts ? std::string_view(joined) : s->open.view();
    c.size = static_cast<uint32_t>(bytes.size());
    if (MapClosedChunk(s, &c, bytes)) {
      s->open.Reset();  // its allocation serves the next chunk
    } else if (s->starts) {
      ChunkBuffer exact;
      exact.Append(joined.data(), c.size);
      c.data = exact.ReleaseShrunk();
      s->open.Clear();
    } else {
      c.data = s->open.ReleaseShrunk();
    }
    s->starts.reset();
    s->closed.push_back(c);
  }
  num_chunks_.fetch_add(1, std::memory_order_relaxed);
  s->st = XorState();
  s->open_mint = t;
  s->open_enc = enc;
  s->next_cut = RangeStart(t, options_.chunk_range) + options_.chunk_range;
  if (!IsHistogramEncoding(enc)) s->hist.reset();
}

bool Head::MapClosedChunk(MemSeries* s, ClosedChunk* c, std::string_view bytes) {
  if (chunk_files_ == nullptr || s->chunk_files_failed) return false;
  auto at =
      chunk_files_->Write(RangeStart(c->maxt, options_.chunk_range), s->ref, c->mint, c->maxt, c->enc, bytes);
  if (!at.ok()) {
    // Not fatal: the chunk stays in memory, and its samples are in the WAL.
    s->chunk_files_failed = true;
    if (chunk_write_errors_.fetch_add(1, std::memory_order_relaxed) == 0) {
      std::cerr << "tsdb: head chunk kept in memory: " << at.error().message() << "\n";
    }
    return false;
  }
  c->data = const_cast<uint8_t*>(*at);  // never written through: the map is read-only
  c->mapped = true;
  return true;
}

void Head::AppendStartLocked(MemSeries* s, int64_t st) {
  AppendStartTimestamp(&s->starts, static_cast<uint16_t>(s->st.num_samples - 1), st);
}

void Head::AppendFloatLocked(MemSeries* s, int64_t t, double v, int64_t st) {
  if (s->open.size() == 0 || s->open_enc != Encoding::kXor || s->st.num_samples >= kSamplesPerChunk ||
      t >= s->next_cut) {
    CutChunkLocked(s, t, Encoding::kXor);
  }
  XorAppender(&s->open, &s->st).Append(t, v);
  AppendStartLocked(s, st);
}

namespace {

// When a histogram chunk of `bytes` bytes, begun at `start` and reaching `cur`, is 1/ratio
// full: the end time that splits what is left of the chunk range (up to `max_t`) into equal
// chunks (Prometheus' computeChunkEndTime).
int64_t PredictChunkEnd(int64_t start, int64_t cur, int64_t max_t, double ratio) {
  const double n =
      static_cast<double>(WrapSub(max_t, start)) / (static_cast<double>(WrapSub(cur, start) + 1) * ratio);
  if (n <= 1) return max_t;
  return static_cast<int64_t>(static_cast<double>(start) +
                              static_cast<double>(WrapSub(max_t, start)) / std::floor(n));
}

// Prometheus' histogram chunk size policy (histogramsAppendPreprocessor): aim at 1 KiB
// chunks; once a chunk holds a quarter of that, predict the time it fills up and cut there;
// cut at 2 KiB at the latest; but keep 10 samples in a chunk unless the chunk range ends.
constexpr uint32_t kTargetBytesPerHistogramChunk = 1024;
constexpr uint16_t kMinSamplesPerHistogramChunk = 10;

}  // namespace

bool Head::HistogramChunkFullLocked(MemSeries* s, int64_t t) {
  const uint32_t bytes = s->open.size();
  bool& end_predicted = s->hist->end_predicted;
  const int64_t range_end =
      end_predicted ? RangeStart(s->open_mint, options_.chunk_range) + options_.chunk_range : s->next_cut;
  if (!end_predicted && bytes >= kTargetBytesPerHistogramChunk / 4) {
    s->next_cut = PredictChunkEnd(s->open_mint, s->st.t, s->next_cut,
                                  static_cast<double>(kTargetBytesPerHistogramChunk) / bytes);
    end_predicted = true;
  }
  return (t >= s->next_cut || bytes >= 2 * kTargetBytesPerHistogramChunk) &&
         (s->st.num_samples >= kMinSamplesPerHistogramChunk || t >= range_end);
}

void Head::AppendHistogramLocked(MemSeries* s, int64_t t, const model::FloatHistogram& h, int64_t st) {
  if (!s->hist) s->hist = std::make_unique<HistogramState>();
  HistogramAppender& app = s->hist->app;
  const bool cut = s->open.size() == 0 || s->open_enc != app.EncodingOf(h) || HistogramChunkFullLocked(s, t);
  const HistogramAppender::Plan plan = app.PlanAppend(h, cut);
  if (plan.action == model::HistogramChunkTail::Action::kNewChunk) {
    // A chunk cut for a reset or a layout change keeps the size prediction state, as in
    // Prometheus (only its preprocessor's cuts clear it).
    if (cut) s->hist->end_predicted = false;
    CutChunkLocked(s, t, HistogramAppender::EncodingFor(plan.kind));
  }
  app.Apply(&s->open, t, plan);
  s->st.t = t;
  s->st.num_samples = app.num_samples();
  AppendStartLocked(s, st);
  s->hist->last = h;
}

bool Head::InsertOooLocked(MemSeries* s, int64_t t, double v, const model::FloatHistogram* h,
                           bool* inserted) {
  *inserted = false;
  if (!s->ooo) s->ooo = std::make_unique<OooSamples>();
  auto& vec = s->ooo->samples;
  auto it = s->ooo->LowerBound(t);
  if (it != vec.end() && it->t == t) return SameOooSample(*it, v, h);
  vec.insert(it, {t, v, h != nullptr ? std::make_unique<model::FloatHistogram>(*h) : nullptr});
  *inserted = true;
  UpdateOooMin(t);
  return true;
}

// --- Deferred frees --------------------------------------------------------------------------

void Head::Bury(uint8_t* chunk) {
  std::lock_guard lock(grave_mu_);
  grave_chunks_.push_back(chunk);
}

void Head::Bury(MemSeries* s) {
  std::lock_guard lock(grave_mu_);
  grave_series_.push_back(s);
}

void Head::Bury(MmapFile map) {
  std::lock_guard lock(grave_mu_);
  grave_maps_.push_back(std::move(map));
}

void Head::Unpin() const {
  if (pins_.fetch_sub(1, std::memory_order_seq_cst) == 1) FreeGraveyardIfUnpinned();
}

void Head::FreeGraveyardIfUnpinned() const {
  std::vector<uint8_t*> chunks;
  std::vector<MemSeries*> series;
  std::vector<MmapFile> maps;  // unmapped when this goes out of scope
  {
    std::lock_guard lock(grave_mu_);
    // Everything in the graveyard was unlinked before it was buried; a reader pinning after
    // that cannot reach it, and one pinned before keeps the count above zero.
    if (pins_.load(std::memory_order_seq_cst) != 0) return;
    chunks.swap(grave_chunks_);
    series.swap(grave_series_);
    maps.swap(grave_maps_);
  }
  for (uint8_t* c : chunks) std::free(c);
  for (MemSeries* s : series) {
    for (const ClosedChunk& c : s->closed) FreeChunk(c);
    delete s;
  }
}

// --- Truncation and garbage collection -------------------------------------------------------

void Head::Truncate(int64_t mint) {
  std::lock_guard tl(truncate_mu_);
  SetMinValidTime(mint);
  int64_t new_min = kMaxTime;
  for (uint64_t ref = 1; ref < table_.Limit(); ++ref) {
    MemSeries* s = table_.Get(ref);
    if (s == nullptr) continue;
    std::lock_guard lock(StripeFor(ref));
    size_t drop = 0;
    while (drop < s->closed.size() && s->closed[drop].maxt < mint) {
      if (!s->closed[drop].mapped) Bury(s->closed[drop].data);
      ++drop;
    }
    if (drop > 0) {
      s->closed.erase(s->closed.begin(), s->closed.begin() + static_cast<ptrdiff_t>(drop));
      num_chunks_.fetch_sub(drop, std::memory_order_relaxed);
    }
    if (s->open.size() > 0 && s->st.t < mint) {
      Bury(s->open.ReleaseShrunk());
      s->starts.reset();
      s->st = XorState();
      if (s->hist) s->hist->last.reset();
      num_chunks_.fetch_sub(1, std::memory_order_relaxed);
    }
    if (s->HasInOrderData()) new_min = std::min(new_min, s->MinTime());
  }
  min_time_.store(new_min, std::memory_order_release);
  // The chunk files whose chunks were all dropped above go too; readers that may still point
  // into them hold a pin, so their maps are released with the graveyard.
  if (chunk_files_ != nullptr) {
    for (MmapFile& m : chunk_files_->Truncate(mint)) Bury(std::move(m));
  }
  tombstones_.TruncateBefore(mint);
  GarbageCollect();
}

bool Head::HasOooSample(uint64_t ref, int64_t t) const {
  const MemSeries* s = table_.Get(ref);
  if (s == nullptr) return false;
  std::lock_guard lock(StripeFor(ref));
  return s->ooo && s->ooo->At(t) != nullptr;
}

void Head::DropOooBefore(int64_t mint) {
  std::lock_guard tl(truncate_mu_);
  int64_t new_ooo_min = kMaxTime;
  for (uint64_t ref = 1; ref < table_.Limit(); ++ref) {
    MemSeries* s = table_.Get(ref);
    if (s == nullptr) continue;
    std::lock_guard lock(StripeFor(ref));
    if (!s->ooo) continue;
    auto& v = s->ooo->samples;
    v.erase(v.begin(), s->ooo->LowerBound(mint));
    if (v.empty()) {
      s->ooo.reset();
    } else {
      new_ooo_min = std::min(new_ooo_min, v.front().t);
    }
  }
  ooo_min_time_.store(new_ooo_min, std::memory_order_release);
  GarbageCollect();
}

void Head::GarbageCollect() {
  std::vector<std::pair<uint64_t, model::Labels>> gone;
  std::vector<uint64_t> refs;
  for (uint64_t ref = 1; ref < table_.Limit(); ++ref) {
    MemSeries* s = table_.Get(ref);
    if (s == nullptr) continue;
    {
      std::lock_guard lock(StripeFor(ref));
      if (s->HasInOrderData() || s->ooo || s->pending_refs != 0) continue;
    }
    // Lock order: hash stripe, then series stripe (as GetOrCreate then Append).
    const uint64_t hash = s->labels.Hash();
    HashStripe& hs = HashStripeFor(hash);
    std::lock_guard hl(hs.mu);
    std::lock_guard lock(StripeFor(ref));
    if (s->HasInOrderData() || s->ooo || s->pending_refs != 0) continue;
    s->deleted = true;
    hs.m.Erase(hash, s);
    table_.Set(ref, nullptr);
    gone.emplace_back(ref, s->labels);
    refs.push_back(ref);
    num_series_.fetch_sub(1, std::memory_order_relaxed);
    Bury(s);
  }
  postings_.Delete(gone);
  tombstones_.DeleteSeries(refs);
  FreeGraveyardIfUnpinned();
}

bool Head::SeriesAlive(uint64_t ref) const {
  return table_.Get(ref) != nullptr;
}

uint64_t Head::ResolveRef(uint64_t ref) const {
  auto it = replay_aliases_.find(ref);
  return it == replay_aliases_.end() ? ref : it->second;
}

// --- Deletes ---------------------------------------------------------------------------------

Status Head::Delete(int64_t mint, int64_t maxt, std::span<const model::Matcher> ms) {
  std::vector<wal::RefTombstone> logged;
  for (uint64_t ref : PostingsForMatchers(postings_, ms)) {
    MemSeries* s = table_.Get(ref);
    if (s == nullptr) continue;
    int64_t smin;
    int64_t smax;
    {
      std::lock_guard lock(StripeFor(ref));
      smin = s->MinTime();
      smax = s->HasInOrderData() ? s->MaxTime() : kMinTime;
      if (s->ooo && !s->ooo->samples.empty()) {
        smin = std::min(smin, s->ooo->samples.front().t);
        smax = std::max(smax, s->ooo->samples.back().t);
      }
    }
    // Only what exists now is deleted: samples appended later stay visible.
    const int64_t lo = std::max(mint, smin);
    const int64_t hi = std::min(maxt, smax);
    if (lo > hi) continue;
    logged.push_back({ref, lo, hi});
  }
  if (logged.empty()) return {};
  if (wal_ != nullptr) {
    std::string buf;
    const size_t start = wal::BeginRecord(&buf);
    wal::EncodeTombstones(logged, &buf);
    wal::EndRecord(&buf, start, wal_->compression());
    if (Status s = wal_->Log(buf); !s.ok()) return s;
  }
  for (const auto& t : logged) tombstones_.Add(t.ref, {t.mint, t.maxt});
  return {};
}

// --- Replay ----------------------------------------------------------------------------------

MemSeries* Head::ReplayLookup(uint64_t ref) {
  MemSeries* s = table_.Get(ResolveRef(ref));
  if (s == nullptr) ++replay_.unknown_refs;
  return s;
}

void Head::ReplaySample(MemSeries* s, int64_t t, double v, int64_t st) {
  std::lock_guard lock(StripeFor(s->ref));
  const int64_t maxt = s->HasInOrderData() ? s->MaxTime() : kMinTime;
  if (s->open.size() == 0 && !s->closed.empty() && s->closed.back().mapped && t <= maxt) {
    ++replay_.in_mapped_chunks;
    return;
  }
  if (t >= MinValidTime() && t > maxt) {
    AppendFloatLocked(s, t, v, st);
    UpdateTimes(t, t);
    return;
  }
  if (t == maxt) return;  // replayed twice (a duplicate series record or a repeated batch)
  if (options_.ooo_window > 0) {
    bool inserted;
    InsertOooLocked(s, t, v, nullptr, &inserted);
  }
}

void Head::ReplayRecord(std::string_view rec) {
  ++replay_.records;
  bool ok = true;
  switch (wal::TypeOf(rec)) {
    case wal::RecordType::kSeries: {
      std::vector<wal::RefSeries> series;
      ok = wal::DecodeSeries(rec, &series);
      for (auto& rs : series) {
        const uint64_t hash = rs.labels.Hash();
        HashStripe& hs = HashStripeFor(hash);
        MemSeries* existing = nullptr;
        {
          std::lock_guard lock(hs.mu);
          existing = hs.m.Find(hash, [&](const MemSeries* c) { return c->labels == rs.labels; });
          if (existing == nullptr) {
            if (table_.Get(rs.ref) != nullptr) {
              ++replay_.corrupt_records;  // a reference reused for different labels
              continue;
            }
            existing = CreateLocked(hs, hash, rs.ref, rs.labels);
            existing->wal_logged = true;
            AttachReplayChunks(existing);
            postings_.Add(existing->ref, existing->labels);
            uint64_t next = next_ref_.load();
            while (rs.ref + 1 > next && !next_ref_.compare_exchange_weak(next, rs.ref + 1)) {
            }
          }
        }
        if (existing->ref != rs.ref) replay_aliases_[rs.ref] = existing->ref;
      }
      break;
    }
    case wal::RecordType::kSamples:
    case wal::RecordType::kSamplesWithStart: {
      std::vector<wal::RefSample> samples;
      ok = wal::DecodeSamples(rec, &samples);
      for (const auto& rs : samples) {
        if (MemSeries* s = ReplayLookup(rs.ref)) {
          ReplaySample(s, rs.t, rs.v, rs.st);
          ++replay_.samples;
        }
      }
      break;
    }
    case wal::RecordType::kHistograms:
    case wal::RecordType::kHistogramsWithStart: {
      std::vector<wal::RefHistogram> hs;
      ok = wal::DecodeHistograms(rec, &hs);
      for (const auto& rh : hs) {
        MemSeries* s = ReplayLookup(rh.ref);
        if (s == nullptr) continue;
        std::lock_guard lock(StripeFor(s->ref));
        const int64_t maxt = s->HasInOrderData() ? s->MaxTime() : kMinTime;
        if (rh.t >= MinValidTime() && rh.t > maxt) {
          AppendHistogramLocked(s, rh.t, rh.h, rh.st);
          UpdateTimes(rh.t, rh.t);
          ++replay_.samples;
        } else if (rh.t < maxt && options_.ooo_window > 0) {
          bool inserted;
          InsertOooLocked(s, rh.t, 0, &rh.h, &inserted);
          ++replay_.samples;
        }
      }
      break;
    }
    case wal::RecordType::kTombstones: {
      std::vector<wal::RefTombstone> ts;
      ok = wal::DecodeTombstones(rec, &ts);
      for (const auto& t : ts) {
        if (MemSeries* s = ReplayLookup(t.ref)) tombstones_.Add(s->ref, {t.mint, t.maxt});
      }
      break;
    }
    case wal::RecordType::kExemplars: {
      std::vector<wal::RefExemplar> es;
      ok = wal::DecodeExemplars(rec, &es);
      for (const auto& e : es) {
        if (MemSeries* s = ReplayLookup(e.ref)) {
          exemplars_.Add(s->labels, storage::Exemplar{e.labels, e.v, e.t, true});
        }
      }
      break;
    }
    case wal::RecordType::kMetadata: {
      std::vector<wal::RefMetadata> ms;
      ok = wal::DecodeMetadata(rec, &ms);
      for (const auto& m : ms) metadata_.Add(m.family, m.meta);
      break;
    }
    case wal::RecordType::kUnknown: ok = false; break;
  }
  if (!ok) ++replay_.corrupt_records;
}

void Head::SetReplayChunks(std::unordered_map<uint64_t, std::vector<ClosedChunk>> chunks) {
  replay_chunks_ = std::move(chunks);
  // New series must not take the reference of one the files still hold chunks of (a series
  // collected since, whose record no checkpoint kept): a later restart would give it those.
  uint64_t next = next_ref_.load();
  for (const auto& [ref, cs] : replay_chunks_) next = std::max(next, ref + 1);
  next_ref_.store(next);
}

void Head::AttachReplayChunks(MemSeries* s) {
  auto it = replay_chunks_.find(s->ref);
  if (it == replay_chunks_.end()) return;
  std::vector<ClosedChunk>& cs = it->second;
  // Chunks a block holds already are not the head's any more.
  std::erase_if(cs, [&](const ClosedChunk& c) { return c.maxt < MinValidTime(); });
  if (!cs.empty()) {
    std::lock_guard lock(StripeFor(s->ref));
    UpdateTimes(cs.front().mint, cs.back().maxt);
    num_chunks_.fetch_add(cs.size(), std::memory_order_relaxed);
    replay_.mapped_chunks += cs.size();
    s->closed = std::move(cs);
  }
  replay_chunks_.erase(it);
}

void Head::FinishReplay() {
  replay_aliases_.clear();
  replay_chunks_.clear();  // in the files' maps: nothing to free
}

// --- Stats -----------------------------------------------------------------------------------

HeadStats Head::Stats(size_t limit) const {
  HeadStats st;
  st.num_series = NumSeries();
  st.chunk_count = NumChunks();
  st.min_time = MinTime();
  st.max_time = MaxTime();
  std::unordered_map<std::string, uint64_t> values_per_name;
  std::unordered_map<std::string, uint64_t> bytes_per_name;
  std::vector<LabelStat> metrics;
  std::vector<LabelStat> pairs;
  postings_.ForEach([&](const std::string& name, const std::string& value, size_t count) {
    ++st.num_label_pairs;
    ++values_per_name[name];
    bytes_per_name[name] += value.size() * count;
    if (name == model::kMetricNameLabel) metrics.push_back({value, count});
    pairs.push_back({name + "=" + value, count});
  });
  auto top = [limit](std::vector<LabelStat> v) {
    std::sort(v.begin(), v.end(), [](const LabelStat& a, const LabelStat& b) {
      return a.value != b.value ? a.value > b.value : a.name < b.name;
    });
    if (v.size() > limit) v.resize(limit);
    return v;
  };
  std::vector<LabelStat> names;
  std::vector<LabelStat> bytes;
  for (auto& [n, c] : values_per_name) names.push_back({n, c});
  for (auto& [n, c] : bytes_per_name) bytes.push_back({n, c});
  st.series_count_by_metric_name = top(std::move(metrics));
  st.label_value_count_by_label_name = top(std::move(names));
  st.memory_in_bytes_by_label_name = top(std::move(bytes));
  st.series_count_by_label_value_pair = top(std::move(pairs));
  return st;
}

size_t Head::MemoryBytes() const {
  size_t total = postings_.MemoryBytes();
  for (uint64_t ref = 1; ref < table_.Limit(); ++ref) {
    MemSeries* s = table_.Get(ref);
    if (s == nullptr) continue;
    std::lock_guard lock(StripeFor(ref));
    total += sizeof(MemSeries) + s->labels.ByteSize() + 32;  // 32: hash entry
    total += s->closed.capacity() * sizeof(ClosedChunk) + s->open.capacity();
    for (const ClosedChunk& c : s->closed) total += c.mapped ? 0 : c.size;
    if (s->ooo) total += sizeof(OooSamples) + s->ooo->samples.capacity() * sizeof(OooSamples::Sample);
  }
  return total;
}

}  // namespace promref::tsdb
