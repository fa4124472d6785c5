// HeadSource: the head as a SeriesSource for queriers and for compaction.
#include <algorithm>
#include <span>

#include "tsdb/chunks/histogram_appender.h"
#include "tsdb/chunks/xor.h"
#include "tsdb/head/head.h"

namespace promref::tsdb {
namespace {

// model::Labels' Compare over two canonical encodings ([uvarint len][name][uvarint len][value]
// per label): label by label, name then value, byte-wise; a prefix sorts first.
int CompareEncodedLabels(std::string_view a, std::string_view b) {
  auto next = [](std::string_view& s) {
    size_t len = 0;
    int shift = 0;
    size_t i = 0;
    while (i < s.size()) {
      const auto c = static_cast<unsigned char>(s[i++]);
      len |= static_cast<size_t>(c & 0x7F) << shift;
      if (c < 0x80) break;
      shift += 7;
    }
    const std::string_view out = s.substr(i, len);
    s.remove_prefix(std::min(s.size(), i + len));
    return out;
  };
  while (!a.empty() && !b.empty()) {
    for (int part = 0; part < 2; ++part) {  // name, then value
      const int c = next(a).compare(next(b));
      if (c != 0) return c;
    }
  }
  if (a.empty() && b.empty()) return 0;
  return a.empty() ? -1 : 1;
}

// Out-of-order samples as chunks, encoded on demand: runs of floats as XOR chunks and runs of
// histograms as histogram chunks, of at most kSamplesPerChunk samples (a histogram chunk also
// ends where its appender needs a new one). Their times may overlap the in-order chunks'.
void EncodeOooChunks(std::span<const OooSamples::Sample> samples, bool with_data,
                     std::vector<ChunkMeta>* chunks, ChunkKeepalive* keep) {
  for (size_t i = 0; i < samples.size();) {
    const bool hist = samples[i].h != nullptr;
    ChunkBuffer buf;
    XorState xs;
    HistogramAppender happ;
    Encoding enc = Encoding::kXor;
    size_t j = i;
    for (; j < samples.size() && j - i < static_cast<size_t>(kSamplesPerChunk) &&
           (samples[j].h != nullptr) == hist;
         ++j) {
      if (!hist) {
        XorAppender(&buf, &xs).Append(samples[j].t, samples[j].v);
        continue;
      }
      const HistogramAppender::Plan plan = happ.PlanAppend(*samples[j].h, /*cut=*/j == i);
      if (j > i && plan.action == model::HistogramChunkTail::Action::kNewChunk) break;
      if (j == i) enc = HistogramAppender::EncodingFor(plan.kind);
      happ.Apply(&buf, samples[j].t, plan);
    }
    ChunkMeta m{samples[i].t, samples[j - 1].t, enc, {}, 0};
    if (with_data) {
      auto bytes = std::make_shared<const std::string>(buf.view());
      m.data = *bytes;
      keep->push_back(std::move(bytes));
    }
    chunks->push_back(m);
    i = j;
  }
}

// The open chunk's bytes as a closed chunk of its encoding would hold them.
std::string OpenChunkBytes(const MemSeries& s) {
  return s.starts ? JoinStartTimestamps(s.open.view(), s.starts->view()) : std::string(s.open.view());
}

class HeadSource final : public SeriesSource {
 public:
  HeadSource(Head* head, int64_t mint, int64_t maxt, Head::View view)
      : head_(head), mint_(mint), maxt_(maxt), view_(view) {
    head_->Pin();
  }
  ~HeadSource() override { head_->Unpin(); }

  int64_t MinTime() const override {
    int64_t m = kMaxTime;
    if (view_ != Head::View::kOutOfOrder) m = head_->MinTime();
    if (view_ != Head::View::kInOrder) m = std::min(m, head_->MinOooTime());
    return std::max(mint_, m);
  }
  int64_t MaxTime() const override {
    // Out-of-order samples are never newer than the newest in-order one.
    return std::min(maxt_, head_->MaxTime());
  }

  Postings Select(std::span<const model::Matcher> ms) const override {
    return PostingsForMatchers(head_->postings(), ms);
  }

  void SortByLabels(Postings* p) const override {
    // Label sets live all over the heap; comparing them in place costs cache misses on every
    // comparison. Copy their encodings into one buffer first (one sequential pass), then sort.
    std::string arena;
    struct Item {
      size_t off;
      uint32_t len;
      uint64_t ref;
    };
    std::vector<Item> items;
    items.reserve(p->size());
    for (uint64_t ref : *p) {
      if (const MemSeries* s = head_->GetByRef(ref)) {
        const std::string_view e = s->labels.Encoded();
        items.push_back({arena.size(), static_cast<uint32_t>(e.size()), ref});
        arena.append(e);
      }
    }
    const std::string_view a = arena;
    std::sort(items.begin(), items.end(), [a](const Item& x, const Item& y) {
      return CompareEncodedLabels(a.substr(x.off, x.len), a.substr(y.off, y.len)) < 0;
    });
    p->clear();
    for (const Item& it : items) p->push_back(it.ref);
  }

  Postings PostingsFor(std::string_view name, std::string_view value) const override {
    return head_->postings().Get(name, value);
  }

  bool Series(uint64_t ref, int64_t mint, int64_t maxt, bool with_data, model::Labels* labels,
              std::vector<ChunkMeta>* chunks, ChunkKeepalive* keep) const override {
    const MemSeries* s = head_->GetByRef(ref);
    if (s == nullptr) return false;
    mint = std::max(mint, mint_);
    maxt = std::min(maxt, maxt_);
    *labels = s->labels;
    std::lock_guard lock(head_->StripeFor(ref));
    bool sorted = true;
    const bool in_order = view_ != Head::View::kOutOfOrder;
    for (const ClosedChunk& c : s->closed) {
      if (!in_order) break;
      if (c.maxt < mint || c.mint > maxt) continue;
      ChunkMeta m{c.mint, c.maxt, c.enc, {}, 0};
      if (with_data) m.data = std::string_view(reinterpret_cast<const char*>(c.data), c.size);
      chunks->push_back(m);
    }
    if (in_order && s->open.size() > 0 && s->st.t >= mint && s->open_mint <= maxt) {
      ChunkMeta m{s->open_mint, s->st.t, s->starts ? WithStartTimestamps(s->open_enc) : s->open_enc, {}, 0};
      if (with_data) {
        // The open chunk keeps growing (and may move); readers get a copy.
        auto copy = std::make_shared<const std::string>(OpenChunkBytes(*s));
        m.data = *copy;
        keep->push_back(std::move(copy));
      }
      chunks->push_back(m);
    }
    if (view_ != Head::View::kInOrder && s->ooo && !s->ooo->samples.empty()) {
      const auto& v = s->ooo->samples;
      const OooSamples& ooo = *s->ooo;
      auto b = ooo.LowerBound(mint);
      auto e = std::upper_bound(v.begin(), v.end(), maxt,
                                [](int64_t x, const OooSamples::Sample& a) { return x < a.t; });
      EncodeOooChunks(std::span(b, e), with_data, chunks, keep);
      sorted = b == e;
    }
    if (!sorted) {
      std::sort(chunks->begin(), chunks->end(),
                [](const ChunkMeta& a, const ChunkMeta& b) { return a.mint < b.mint; });
    }
    return true;
  }

  // Reading a series takes three cache misses one after the other, as the series a query
  // reads lie far apart in memory: its MemSeries, then its labels and its open chunk, whose
  // addresses are in the MemSeries. Stage 0 fetches the MemSeries, stage 1 what it points to.
  void PrefetchSeries(uint64_t ref, int stage) const override {
    const MemSeries* s = head_->GetByRef(ref);
    if (s == nullptr) return;
    const auto* p = reinterpret_cast<const char*>(s);
    if (stage == 0) {
      for (size_t off = 0; off < sizeof(MemSeries); off += 64) __builtin_prefetch(p + off);
      return;
    }
    const std::string_view l = s->labels.Encoded();  // immutable: read without the lock
    for (size_t off = 0; off < l.size(); off += 64) __builtin_prefetch(l.data() + off);
    const uint8_t* chunk;
    uint32_t size;
    {
      // The open chunk moves as it grows: its address is read under the series' lock.
      std::lock_guard lock(head_->StripeFor(ref));
      chunk = s->open.data();
      size = s->open.size();
    }
    for (uint32_t off = 0; off < size; off += 64) __builtin_prefetch(chunk + off);
  }

  Intervals TombstonesFor(uint64_t ref) const override { return head_->tombstones().Get(ref); }
  bool HasTombstones() const override { return !head_->tombstones().empty(); }

  std::vector<std::string> LabelNames() const override { return head_->postings().LabelNames(); }
  std::vector<std::string> LabelValues(std::string_view name) const override {
    return head_->postings().LabelValues(name);
  }

 private:
  Head* head_;
  int64_t mint_, maxt_;
  Head::View view_;
};

}  // namespace

std::shared_ptr<const SeriesSource> Head::Source(int64_t mint, int64_t maxt, View view) {
  return std::make_shared<HeadSource>(this, mint, maxt, view);
}

}  // namespace promref::tsdb
