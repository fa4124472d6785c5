#include "tsdb/block/compactor.h"

#include <algorithm>
#include <filesystem>

#include "model/sample.h"
#include "tsdb/block/chunk_file.h"
#include "tsdb/chunks/decimal.h"
#include "tsdb/chunks/histogram_appender.h"
#include "tsdb/chunks/start_timestamps.h"
#include "tsdb/chunks/xor.h"
#include "tsdb/index/index_file.h"
#include "tsdb/querier/querier.h"
#include "tsdb/tombstones/tombstones.h"
#include "tsdb/util/fault.h"
#include "tsdb/util/file.h"

namespace promref::tsdb {

namespace fs = std::filesystem;

namespace {

// One input's cursor over its series in label order.
struct Cursor {
  std::shared_ptr<const SeriesSource> src;
  Postings postings;
  size_t pos = 0;
  bool has = false;
  uint64_t ref = 0;
  model::Labels labels;
  std::vector<ChunkMeta> chunks;
  ChunkKeepalive keep;
};

void Advance(Cursor& c, int64_t mint, int64_t maxt) {
  c.has = false;
  while (c.pos < c.postings.size()) {
    c.ref = c.postings[c.pos++];
    c.chunks.clear();
    c.keep.clear();
    if (c.src->Series(c.ref, mint, maxt, /*with_data=*/true, &c.labels, &c.chunks, &c.keep) &&
        !c.chunks.empty()) {
      c.has = true;
      return;
    }
  }
}

// Samples per float chunk in blocks. Bigger than the head's 120: block chunks are written once
// and the per-chunk overhead (header, index entry, checksum) is paid per chunk; 480 is two
// hours of a 15 s scrape, so a level-1 block holds one chunk per series.
constexpr size_t kBlockChunkSamples = 480;

// Whether a histogram read back from a chunk was the first of its chunk (a counter chunk's
// first sample reads as unknown or reset; stale markers carry no hint and say nothing).
bool StartsHistogramChunk(const model::FloatHistogram& h) {
  return !model::IsStaleNaN(h.sum) && (h.counter_reset_hint == model::CounterResetHint::kUnknown ||
                                       h.counter_reset_hint == model::CounterResetHint::kCounterReset);
}

// Re-encodes samples from `it` into chunks: floats in runs of up to kBlockChunkSamples, each
// run stored as XOR or decimal, whichever is smaller; histograms as histogram chunks, cut
// where the source chunks were cut (so that every sample reads back with the hint it had) and
// wherever the head's appender would cut.
Status Reencode(storage::SampleIterator& it, ChunkWriter& cw, std::vector<ChunkMeta>* out,
                uint64_t* samples) {
  std::vector<model::Sample> run;
  std::unique_ptr<StartTimestampColumn> run_starts;  // the run's, from its first known one
  ChunkBuffer hbuf;
  HistogramAppender happ;
  Encoding henc = Encoding::kNone;
  std::unique_ptr<StartTimestampColumn> hstarts;
  int64_t hmin = 0, hmax = 0;
  auto write = [&](Encoding enc, std::string_view data, int64_t mint, int64_t maxt,
                   std::unique_ptr<StartTimestampColumn>& starts) -> Status {
    std::string joined;
    if (starts) {
      joined = JoinStartTimestamps(data, starts->view());
      enc = WithStartTimestamps(enc);
      data = joined;
      starts.reset();
    }
    auto ref = cw.Write(enc, data);
    if (!ref.ok()) return ref.error();
    out->push_back({mint, maxt, enc, {}, *ref});
    *samples += ChunkNumSamples(data);
    return {};
  };
  // Adds the current sample's start timestamp to a chunk's column that already holds `before`
  // samples.
  auto note_start = [&](std::unique_ptr<StartTimestampColumn>& starts, size_t before) {
    AppendStartTimestamp(&starts, static_cast<uint16_t>(before), it.AtStartTimestamp());
  };
  auto flush_floats = [&]() -> Status {
    if (run.empty()) return {};
    ChunkBuffer xbuf;
    XorState xst;
    XorAppender app(&xbuf, &xst);
    for (const model::Sample& s : run) app.Append(s.t, s.v);
    Status st;
    if (auto dec = EncodeDecimalChunk(run, xbuf.size())) {
      st = write(Encoding::kDecimal, *dec, run.front().t, run.back().t, run_starts);
    } else {
      st = write(Encoding::kXor, xbuf.view(), run.front().t, run.back().t, run_starts);
    }
    run.clear();
    return st;
  };
  auto flush_hists = [&]() -> Status {
    if (hbuf.size() == 0) return {};
    Status st = write(henc, hbuf.view(), hmin, hmax, hstarts);
    hbuf.Clear();
    return st;
  };
  for (storage::ValueType vt = it.Next(); vt != storage::ValueType::kNone; vt = it.Next()) {
    if (vt == storage::ValueType::kFloat) {
      if (Status s = flush_hists(); !s.ok()) return s;
      happ.Reset();
      note_start(run_starts, run.size());
      run.push_back({it.AtT(), it.AtFloat()});
      if (run.size() >= kBlockChunkSamples) {
        if (Status s = flush_floats(); !s.ok()) return s;
      }
    } else {
      if (Status s = flush_floats(); !s.ok()) return s;
      const model::FloatHistogram& h = it.AtHistogram();
      const bool cut = hbuf.size() == 0 || StartsHistogramChunk(h) || happ.num_samples() == UINT16_MAX;
      const HistogramAppender::Plan plan = happ.PlanAppend(h, cut);
      if (plan.action == model::HistogramChunkTail::Action::kNewChunk) {
        if (Status s = flush_hists(); !s.ok()) return s;
        hmin = it.AtT();
        henc = HistogramAppender::EncodingFor(plan.kind);
      }
      happ.Apply(&hbuf, it.AtT(), plan);
      note_start(hstarts, happ.num_samples() - 1);
      hmax = it.AtT();
    }
  }
  if (Status s = it.Err(); !s.ok()) return s;
  if (Status s = flush_floats(); !s.ok()) return s;
  return flush_hists();
}

}  // namespace

Result<BlockMeta> WriteBlock(const std::string& parent_dir,
                             std::span<const std::shared_ptr<const SeriesSource>> sources,
                             const BlockWriteSpec& spec) {
  BlockMeta meta;
  meta.ulid = NewUlid(spec.now_ms);
  meta.min_time = spec.mint;
  meta.max_time = spec.maxt;
  meta.level = spec.level;
  meta.sources = spec.sources.empty() ? std::vector<std::string>{meta.ulid} : spec.sources;
  meta.parents = spec.parents;

  const std::string final_dir = parent_dir + "/" + meta.ulid;
  const std::string tmp = final_dir + ".tmp-for-creation";
  std::error_code ec;
  fs::remove_all(tmp, ec);
  fs::create_directories(tmp + "/chunks", ec);
  if (ec) return IoError("mkdir", tmp, ec.value());
  auto cleanup = [&]() {
    std::error_code ignored;
    fs::remove_all(tmp, ignored);
  };

  const int64_t last = spec.maxt - 1;  // inclusive bound
  std::vector<Cursor> cursors(sources.size());
  for (size_t i = 0; i < sources.size(); ++i) {
    cursors[i].src = sources[i];
    cursors[i].postings = sources[i]->Select({});
    sources[i]->SortByLabels(&cursors[i].postings);
    Advance(cursors[i], spec.mint, last);
  }

  ChunkWriter cw(tmp + "/chunks");
  std::vector<IndexSeries> series;
  while (true) {
    int min = -1;
    for (size_t i = 0; i < cursors.size(); ++i) {
      if (cursors[i].has && (min < 0 || Compare(cursors[i].labels, cursors[min].labels) < 0)) {
        min = static_cast<int>(i);
      }
    }
    if (min < 0) break;
    std::vector<Cursor*> group;
    for (Cursor& c : cursors) {
      if (c.has && c.labels == cursors[min].labels) group.push_back(&c);
    }
    IndexSeries out;
    out.labels = cursors[min].labels;
    bool copy = group.size() == 1;
    Intervals deleted;
    if (copy) {
      Cursor& c = *group[0];
      deleted = c.src->HasTombstones() ? c.src->TombstonesFor(c.ref) : Intervals();
      for (size_t k = 0; k < c.chunks.size() && copy; ++k) {
        const ChunkMeta& m = c.chunks[k];
        // Head chunks (XOR, 120 samples) are always re-encoded for the block.
        copy = m.mint >= spec.mint && m.maxt <= last &&
               (BaseEncoding(m.enc) == Encoding::kDecimal || IsHistogramEncoding(m.enc) ||
                (BaseEncoding(m.enc) == Encoding::kXor && ChunkNumSamples(m.data) >= 240)) &&
               !deleted.Overlaps(m.mint, m.maxt) && (k == 0 || m.mint > c.chunks[k - 1].maxt);
      }
    }
    if (copy) {
      for (const ChunkMeta& m : group[0]->chunks) {
        auto ref = cw.Write(m.enc, m.data);
        if (!ref.ok()) return cleanup(), ref.error();
        out.chunks.push_back({m.mint, m.maxt, m.enc, {}, *ref});
        meta.stats.num_samples += ChunkNumSamples(m.data);
      }
    } else {
      std::vector<std::unique_ptr<storage::SampleIterator>> its;
      for (Cursor* c : group) {
        its.push_back(NewChunkSeriesIterator(
            c->chunks, c->src->HasTombstones() ? c->src->TombstonesFor(c->ref) : Intervals(), spec.mint, last,
            c->keep));
      }
      auto it = its.size() == 1 ? std::move(its[0]) : NewMergeIterator(std::move(its));
      if (Status s = Reencode(*it, cw, &out.chunks, &meta.stats.num_samples); !s.ok())
        return cleanup(), s.error();
    }
    if (!out.chunks.empty()) {
      meta.stats.num_chunks += out.chunks.size();
      series.push_back(std::move(out));
    }
    for (Cursor* c : group) Advance(*c, spec.mint, last);
  }
  if (Status s = cw.Close(); !s.ok()) return cleanup(), s.error();
  if (series.empty()) {
    cleanup();
    meta.ulid.clear();
    return meta;
  }
  meta.stats.num_series = series.size();
  if (Status s = WriteIndex(tmp + "/index", series, spec.mint); !s.ok()) return cleanup(), s.error();
  if (Status s = WriteFileAtomic(tmp + "/tombstones", Tombstones().Encode()); !s.ok())
    return cleanup(), s.error();
  if (Status s = WriteFileAtomic(tmp + "/meta.json", EncodeMeta(meta)); !s.ok()) return cleanup(), s.error();
  if (Status s = FsyncDir(tmp + "/chunks"); !s.ok()) return cleanup(), s.error();
  fault::CrashPoint("block.write.before_rename");
  fs::rename(tmp, final_dir, ec);
  if (ec) return cleanup(), IoError("rename", tmp, ec.value());
  if (Status s = FsyncDir(parent_dir); !s.ok()) return s.error();
  return meta;
}

std::vector<int64_t> ExponentialRanges(int64_t min, int steps, int factor) {
  std::vector<int64_t> out;
  int64_t r = min;
  for (int i = 0; i < steps; ++i) {
    out.push_back(r);
    r *= factor;
  }
  return out;
}

namespace {

// Groups of consecutive blocks (sorted by min time) that fit together in aligned ranges of
// width `tr`; blocks wider than their range are skipped (Prometheus' splitByRange).
std::vector<std::vector<size_t>> SplitByRange(const std::vector<BlockMeta>& b,
                                              const std::vector<size_t>& order, int64_t tr) {
  std::vector<std::vector<size_t>> groups;
  for (size_t i = 0; i < order.size();) {
    const BlockMeta& m = b[order[i]];
    const int64_t t0 = m.min_time >= 0 ? tr * (m.min_time / tr) : tr * ((m.min_time - tr + 1) / tr);
    if (m.max_time > t0 + tr) {
      ++i;
      continue;
    }
    std::vector<size_t> group;
    for (; i < order.size(); ++i) {
      if (b[order[i]].max_time > t0 + tr) break;
      group.push_back(order[i]);
    }
    if (!group.empty()) groups.push_back(std::move(group));
  }
  return groups;
}

}  // namespace

std::vector<size_t> PlanCompaction(const std::vector<BlockMeta>& blocks, const std::vector<int64_t>& ranges) {
  std::vector<size_t> order(blocks.size());
  for (size_t i = 0; i < order.size(); ++i) order[i] = i;
  std::sort(order.begin(), order.end(),
            [&](size_t a, size_t b) { return blocks[a].min_time < blocks[b].min_time; });

  // Overlapping blocks first.
  if (order.size() >= 2) {
    std::vector<size_t> overlapping;
    int64_t global_maxt = blocks[order[0]].max_time;
    for (size_t i = 1; i < order.size(); ++i) {
      const BlockMeta& m = blocks[order[i]];
      if (m.min_time < global_maxt) {
        if (overlapping.empty()) overlapping.push_back(order[i - 1]);
        overlapping.push_back(order[i]);
      } else if (!overlapping.empty()) {
        break;
      }
      global_maxt = std::max(global_maxt, m.max_time);
    }
    if (!overlapping.empty()) return overlapping;
  }
  if (order.size() < 2 || ranges.size() < 2) return {};

  // Leave the newest block alone.
  order.pop_back();
  const int64_t high_time = blocks[order.back()].min_time;
  for (size_t r = 1; r < ranges.size(); ++r) {
    for (const auto& p : SplitByRange(blocks, order, ranges[r])) {
      const int64_t mint = blocks[p.front()].min_time;
      const int64_t maxt = blocks[p.back()].max_time;
      if ((maxt - mint == ranges[r] || maxt <= high_time) && p.size() > 1) return p;
    }
  }
  // A big enough block with more than 5% of its series deleted is rewritten alone.
  for (size_t i = order.size(); i-- > 0;) {
    const BlockMeta& m = blocks[order[i]];
    if (m.max_time - m.min_time < ranges[ranges.size() / 2]) break;
    if (static_cast<double>(m.stats.num_tombstones) / static_cast<double>(m.stats.num_series + 1) > 0.05) {
      return {order[i]};
    }
  }
  return {};
}

}  // namespace promref::tsdb
