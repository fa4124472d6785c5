// MemSeries: one series in the head.
//
// Memory per series is what limits how many series a server holds, so the layout is tight:
// the label set is one contiguous buffer (model::Labels), full chunks are exact-size
// allocations, and the open chunk is a 16-byte growable buffer plus the XOR appender state.
// Everything mutable is guarded by the head's lock stripe for the series' reference (not a
// mutex per series: 40 bytes times millions of series is not free).
#pragma once

#include <algorithm>
#include <cstdint>
#include <cstdlib>
#include <limits>
#include <memory>
#include <optional>
#include <vector>

#include "model/histogram.h"
#include "model/histogram_ops.h"
#include "model/labels.h"
#include "tsdb/chunks/bstream.h"
#include "tsdb/chunks/chunk.h"
#include "tsdb/chunks/histogram_appender.h"
#include "tsdb/chunks/start_timestamps.h"
#include "tsdb/chunks/xor.h"

namespace promref::tsdb {

// A full, immutable chunk. `data` lies in a head chunk file's map (`mapped`; see
// head/chunk_files.h), or, where there is no file to write to, is a malloc'ed exact-size
// allocation owned by the series (freed through the head's deferred-free list, since readers
// may still be reading it).
struct ClosedChunk {
  int64_t mint = 0;
  int64_t maxt = 0;
  uint8_t* data = nullptr;
  uint32_t size = 0;
  Encoding enc = Encoding::kNone;
  bool mapped = false;
};

// Samples accepted out of order (within the out-of-order window), kept sorted by time. A
// sample is a float, or (h set) a native histogram.
struct OooSamples {
  struct Sample {
    int64_t t;
    double v;
    std::unique_ptr<model::FloatHistogram> h;
  };
  std::vector<Sample> samples;

  // The first sample at or after t.
  std::vector<Sample>::iterator LowerBound(int64_t t) {
    return std::lower_bound(samples.begin(), samples.end(), t,
                            [](const Sample& a, int64_t x) { return a.t < x; });
  }
  std::vector<Sample>::const_iterator LowerBound(int64_t t) const {
    return std::lower_bound(samples.begin(), samples.end(), t,
                            [](const Sample& a, int64_t x) { return a.t < x; });
  }
  // The sample at t, if any.
  const Sample* At(int64_t t) const {
    auto it = LowerBound(t);
    return it != samples.end() && it->t == t ? &*it : nullptr;
  }
};

// Whether an out-of-order sample is the same as a float `v` (h null) or a histogram `h`: a
// repeat rather than a conflicting duplicate.
inline bool SameOooSample(const OooSamples::Sample& s, double v, const model::FloatHistogram* h);

// What a series appending native histograms keeps besides its chunk (created by its first
// histogram; dropped when a float chunk is cut, since the next histogram chunk then has no
// histogram chunk before it).
struct HistogramState {
  HistogramAppender app;
  // The newest histogram, for the duplicate check (unset once truncation drops the open chunk).
  std::optional<model::FloatHistogram> last;
  // Whether the open chunk's end time was predicted from its size yet (Prometheus'
  // histogramChunkHasComputedEndTime).
  bool end_predicted = false;
};

// Fields are ordered so that nothing pads: at a million series, every 8 bytes is 8 MB.
struct MemSeries {
  MemSeries(uint64_t r, model::Labels l) : ref(r), labels(std::move(l)) {}

  const uint64_t ref;
  const model::Labels labels;

  std::vector<ClosedChunk> closed;
  ChunkBuffer open;  // the chunk being appended to (empty: none)
  XorState st;       // its appender state; st.t is the newest sample's time
  int64_t open_mint = 0;
  int64_t next_cut = 0;  // the open chunk ends before this time (the chunk range boundary)
  // Set while the open chunk holds histograms (see HistogramState).
  std::unique_ptr<HistogramState> hist;
  std::unique_ptr<OooSamples> ooo;
  // The open chunk's start timestamps, from its first sample that had one (series that never
  // get one never pay for the column).
  std::unique_ptr<StartTimestampColumn> starts;

  // The newest in-order sample of the appender that touched this series last, so that the
  // samples of one batch are checked against each other (kMinTime: none).
  uint64_t pending_txn = 0;
  int64_t pending_t = std::numeric_limits<int64_t>::min();
  uint64_t pending_v_bits = 0;
  // Appenders holding this series in an uncommitted batch (garbage collection spares it).
  uint32_t pending_refs = 0;
  Encoding open_enc = Encoding::kNone;
  bool pending_hist = false;
  bool deleted = false;     // removed by garbage collection; appenders must look up again
  bool wal_logged = false;  // a series record for it is in the WAL
  // A full chunk of this series could not be written to the head chunk files (a full disk):
  // its later ones stay in memory too, so that the files never hold a series' chunks with a
  // gap (replay skips the WAL samples older than a series' last mapped chunk).
  bool chunk_files_failed = false;

  // The newest histogram, when the open chunk holds histograms.
  const model::FloatHistogram* LastHistogram() const {
    return hist != nullptr && hist->last.has_value() ? &*hist->last : nullptr;
  }
  bool HasInOrderData() const { return open.size() > 0 || !closed.empty(); }
  int64_t MaxTime() const {
    if (open.size() > 0) return st.t;
    if (!closed.empty()) return closed.back().maxt;
    return std::numeric_limits<int64_t>::min();
  }
  int64_t MinTime() const {
    if (!closed.empty()) return closed.front().mint;
    if (open.size() > 0) return open_mint;
    return std::numeric_limits<int64_t>::max();
  }
  size_t NumChunks() const { return closed.size() + (open.size() > 0 ? 1 : 0); }
};

inline bool SameOooSample(const OooSamples::Sample& s, double v, const model::FloatHistogram* h) {
  if ((s.h != nullptr) != (h != nullptr)) return false;
  return h != nullptr ? model::HistogramEquals(*s.h, *h)
                      : std::bit_cast<uint64_t>(s.v) == std::bit_cast<uint64_t>(v);
}

}  // namespace promref::tsdb
