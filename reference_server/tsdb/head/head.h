// The head: the in-memory, appendable part of the database, holding the most recent data
// until it is cut into blocks.
//
// Series are found by reference through a paged array (lock-free reads) and by label set
// through a striped hash map; their samples are guarded by a fixed set of lock stripes.
// Queries read through a HeadSource, which pins the head: memory that truncation unlinks
// (dropped chunks, collected series) is only freed once no pin is held, so readers never
// wait for compaction and compaction never waits for readers.
//
// Append rules are Prometheus': a sample older than its series' newest is out of order
// (unless it falls in the out-of-order window), an equal timestamp with identical value bits
// is a silent no-op and with different bits a duplicate, and a sample before the head's
// lowest appendable time is out of bounds.
#pragma once

#include <array>
#include <atomic>
#include <cstdint>
#include <limits>
#include <memory>
#include <mutex>
#include <shared_mutex>
#include <span>
#include <string>
#include <unordered_map>
#include <vector>

#include "storage/storage.h"
#include "tsdb/exemplars/exemplar_store.h"
#include "tsdb/head/chunk_files.h"
#include "tsdb/head/series.h"
#include "tsdb/head/series_hash_map.h"
#include "tsdb/index/mem_postings.h"
#include "tsdb/querier/source.h"
#include "tsdb/tombstones/tombstones.h"
#include "tsdb/wal/wal.h"

namespace promref::tsdb {

inline constexpr int64_t kMinTime = std::numeric_limits<int64_t>::min();
inline constexpr int64_t kMaxTime = std::numeric_limits<int64_t>::max();

struct HeadOptions {
  int64_t chunk_range = 2 * 3600 * 1000;  // the block range: chunks never cross its boundaries
  int64_t ooo_window = 0;                 // 0: out-of-order samples are rejected
  size_t max_exemplars = 100000;
  bool store_start_timestamps = false;  // keep appenders' start timestamps (st-storage)
};

struct LabelStat {
  std::string name;
  uint64_t value = 0;
  friend bool operator==(const LabelStat&, const LabelStat&) = default;
};

// The figures of /api/v1/status/tsdb.
struct HeadStats {
  uint64_t num_series = 0;
  uint64_t num_label_pairs = 0;
  uint64_t chunk_count = 0;
  int64_t min_time = 0;
  int64_t max_time = 0;
  std::vector<LabelStat> series_count_by_metric_name;
  std::vector<LabelStat> label_value_count_by_label_name;
  std::vector<LabelStat> memory_in_bytes_by_label_name;
  std::vector<LabelStat> series_count_by_label_value_pair;
};

class Head {
 public:
  Head(HeadOptions options, wal::Wal* wal);
  ~Head();
  Head(const Head&) = delete;
  Head& operator=(const Head&) = delete;

  const HeadOptions& options() const { return options_; }

  std::unique_ptr<storage::Appender> MakeAppender();
  // What a source shows: everything (queries), or the in-order or out-of-order part only
  // (compaction persists them separately).
  enum class View { kAll, kInOrder, kOutOfOrder };
  // A pinned read view of the head restricted to [mint, maxt].
  std::shared_ptr<const SeriesSource> Source(int64_t mint = kMinTime, int64_t maxt = kMaxTime,
                                             View view = View::kAll);

  // Set once, after WAL replay and before the first appender.
  void SetWal(wal::Wal* wal) { wal_ = wal; }
  // Set once, before WAL replay: full chunks go to these files from then on (without them, a
  // full chunk stays in memory). `files` outlives the head.
  void SetChunkFiles(HeadChunkFiles* files) { chunk_files_ = files; }

  // Bounds of in-order data (kMaxTime / kMinTime when empty).
  int64_t MinTime() const { return min_time_.load(std::memory_order_acquire); }
  int64_t MaxTime() const { return max_time_.load(std::memory_order_acquire); }
  // Oldest out-of-order sample held (kMaxTime when none).
  int64_t MinOooTime() const;
  // Samples before this time are out of bounds (the end of the newest block).
  int64_t MinValidTime() const { return min_valid_time_.load(std::memory_order_acquire); }
  void SetMinValidTime(int64_t t);
  // The lowest time an in-order append may have now.
  int64_t AppendableMinValidTime() const;
  size_t NumSeries() const { return num_series_.load(std::memory_order_relaxed); }
  // Full chunks kept in memory because the chunk files refused them (a full disk).
  uint64_t ChunkWriteErrors() const { return chunk_write_errors_.load(std::memory_order_relaxed); }
  uint64_t NumChunks() const { return num_chunks_.load(std::memory_order_relaxed); }

  // Whether the head spans more than 1.5 block ranges, so its oldest range can be persisted.
  bool Compactable() const;
  // Drops in-order data before `mint` (persisted in a block by then) and collects series left
  // without data.
  void Truncate(int64_t mint);
  // Out-of-order data is persisted separately: under LockOoo(), the caller writes the samples
  // before `cutoff` to blocks, then drops them with DropOooBefore. Appenders wait meanwhile,
  // so no sample arrives between the two steps and gets dropped unwritten.
  std::unique_lock<std::shared_mutex> LockOoo() { return std::unique_lock(ooo_mu_); }
  void DropOooBefore(int64_t cutoff);
  // Whether the out-of-order buffer of `ref` holds a sample at t (WAL checkpoints keep those).
  bool HasOooSample(uint64_t ref, int64_t t) const;
  std::shared_mutex& ooo_mutex() { return ooo_mu_; }

  // Adds tombstones for series matching `ms` over [mint, maxt], clamped to each series' data,
  // and logs them.
  Status Delete(int64_t mint, int64_t maxt, std::span<const model::Matcher> ms);
  const Tombstones& tombstones() const { return tombstones_; }

  // WAL replay: applies one record. Samples before MinValidTime are skipped (they are in a
  // block already) unless an out-of-order window lets them in.
  void ReplayRecord(std::string_view rec);
  struct ReplayCounters {
    uint64_t records = 0;
    uint64_t samples = 0;
    uint64_t unknown_refs = 0;
    uint64_t corrupt_records = 0;
    uint64_t mapped_chunks = 0;     // taken from the head chunk files
    uint64_t in_mapped_chunks = 0;  // samples skipped: a mapped chunk holds them
  };
  const ReplayCounters& replay_counters() const { return replay_; }
  // Before replay: the chunks read back from the head chunk files, by series reference. A
  // series record of the WAL takes its reference's chunks, and replay then skips the samples
  // they hold. Chunks no series record takes are dropped (their samples were older than the
  // last checkpoint kept, or their series was collected).
  void SetReplayChunks(std::unordered_map<uint64_t, std::vector<ClosedChunk>> chunks);
  // Ends replay: forgets the aliases of series logged twice and the chunks no series took.
  void FinishReplay();

  // Is `ref` a live series (used by checkpoints to drop dead series).
  bool SeriesAlive(uint64_t ref) const;
  // The live series reference of a series reference seen in the WAL (following aliases).
  uint64_t ResolveRef(uint64_t ref) const;

  ExemplarStore& exemplars() { return exemplars_; }
  MetadataStore& metadata() { return metadata_; }

  HeadStats Stats(size_t limit) const;
  // Approximate heap bytes (series, chunks, index), for benchmarks.
  size_t MemoryBytes() const;

  // --- internals shared with the appender and the source (head.cpp) ---
  static constexpr size_t kStripes = 1 << 12;
  struct alignas(64) Stripe {
    std::mutex mu;
  };
  std::mutex& StripeFor(uint64_t ref) const { return stripes_[ref & (kStripes - 1)].mu; }
  MemSeries* GetByRef(uint64_t ref) const;
  // The series with exactly these labels, or nullptr.
  MemSeries* Find(const model::Labels& labels) const;
  // Start fetching what Find of labels with this hash reads (hints, no lock): first the hash
  // stripe; once that has arrived, the slot the lookup starts at (whose address is in it).
  void PrefetchStripe(uint64_t hash) const { __builtin_prefetch(&HashStripeFor(hash), 1); }
  void PrefetchSlot(uint64_t hash) const;
  // Finds or creates the series; `created` tells which.
  MemSeries* GetOrCreate(const model::Labels& labels, bool* created);
  // Appends in order to `s` (stripe lock held; t > s->MaxTime()).
  // `st`: the sample's start timestamp (0: unknown).
  void AppendFloatLocked(MemSeries* s, int64_t t, double v, int64_t st = 0);
  void AppendHistogramLocked(MemSeries* s, int64_t t, const model::FloatHistogram& h, int64_t st = 0);
  // Adds the newest sample's start timestamp to the open chunk's column.
  static void AppendStartLocked(MemSeries* s, int64_t st);
  // Inserts an out-of-order sample (stripe lock held). False when the timestamp is taken by
  // a different value; true (and nothing changes) when taken by the same value.
  // `h`: a histogram sample (then `v` is unused), else a float.
  bool InsertOooLocked(MemSeries* s, int64_t t, double v, const model::FloatHistogram* h, bool* inserted);
  void UpdateTimes(int64_t mint, int64_t maxt);
  void UpdateOooMin(int64_t t);
  wal::Wal* wal() const { return wal_; }
  uint64_t NextTxn() { return next_txn_.fetch_add(1, std::memory_order_relaxed); }
  MemPostings& postings() { return postings_; }
  const MemPostings& postings() const { return postings_; }

  void Pin() const { pins_.fetch_add(1, std::memory_order_seq_cst); }
  void Unpin() const;

 private:
  // ref -> series, refs dense from 1. Pages are allocated on demand, never moved.
  class SeriesTable {
   public:
    static constexpr size_t kPageBits = 12;
    static constexpr size_t kPageSize = size_t{1} << kPageBits;
    static constexpr size_t kMaxPages = size_t{1} << 16;
    SeriesTable();
    ~SeriesTable();
    MemSeries* Get(uint64_t ref) const;
    void Set(uint64_t ref, MemSeries* s);  // callers serialise creation
    uint64_t Limit() const { return limit_.load(std::memory_order_acquire); }

   private:
    struct Page {
      std::array<std::atomic<MemSeries*>, kPageSize> slots{};
    };
    std::unique_ptr<std::atomic<Page*>[]> dir_;
    std::mutex grow_mu_;
    std::atomic<uint64_t> limit_{0};  // one past the highest ref set
  };

  // One cache line: what a lookup reads before the slots.
  struct alignas(64) HashStripe {
    mutable std::mutex mu;
    SeriesHashMap m;
  };
  static_assert(sizeof(HashStripe) == 64);
  static_assert(kStripes <= size_t{1} << SeriesHashMap::kStripeBits);
  HashStripe& HashStripeFor(uint64_t hash) const { return hash_stripes_[hash & (kStripes - 1)]; }

  MemSeries* CreateLocked(HashStripe& hs, uint64_t hash, uint64_t ref, const model::Labels& labels);
  void CutChunkLocked(MemSeries* s, int64_t t, Encoding enc);
  // Whether the open histogram chunk is full before appending at t (Prometheus' size policy).
  bool HistogramChunkFullLocked(MemSeries* s, int64_t t);
  void Bury(uint8_t* chunk);
  void Bury(MemSeries* s);
  void Bury(MmapFile map);
  // The chunk's data, when the head owns it (not in a chunk file's map).
  static void FreeChunk(const ClosedChunk& c) {
    if (!c.mapped) std::free(c.data);
  }
  // Writes the open chunk, `bytes` as a closed chunk holds them, to the chunk files; false
  // when there are none or the write failed (the caller keeps the bytes in memory).
  bool MapClosedChunk(MemSeries* s, ClosedChunk* c, std::string_view bytes);
  void FreeGraveyardIfUnpinned() const;
  void ReplaySample(MemSeries* s, int64_t t, double v, int64_t st);
  MemSeries* ReplayLookup(uint64_t ref);
  void AttachReplayChunks(MemSeries* s);
  void GarbageCollect();

  const HeadOptions options_;
  wal::Wal* wal_;
  HeadChunkFiles* chunk_files_ = nullptr;
  std::shared_mutex ooo_mu_;
  mutable std::array<Stripe, kStripes> stripes_;
  std::unique_ptr<HashStripe[]> hash_stripes_;
  SeriesTable table_;
  std::mutex create_mu_;  // serialises reference allocation with table growth
  std::atomic<uint64_t> next_ref_{1};
  std::atomic<uint64_t> next_txn_{1};
  std::atomic<size_t> num_series_{0};
  std::atomic<uint64_t> num_chunks_{0};
  std::atomic<uint64_t> chunk_write_errors_{0};
  MemPostings postings_;
  Tombstones tombstones_;
  ExemplarStore exemplars_;
  MetadataStore metadata_;

  std::atomic<int64_t> min_time_{kMaxTime};
  std::atomic<int64_t> max_time_{kMinTime};
  std::atomic<int64_t> min_valid_time_{kMinTime};
  std::atomic<int64_t> ooo_min_time_{kMaxTime};

  // Deferred frees (see the class comment).
  mutable std::atomic<int64_t> pins_{0};
  mutable std::mutex grave_mu_;
  mutable std::vector<uint8_t*> grave_chunks_;
  mutable std::vector<MemSeries*> grave_series_;
  mutable std::vector<MmapFile> grave_maps_;

  std::mutex truncate_mu_;  // one truncation at a time
  ReplayCounters replay_;
  std::unordered_map<uint64_t, uint64_t> replay_aliases_;
  std::unordered_map<uint64_t, std::vector<ClosedChunk>> replay_chunks_;
};

// [start, end) of the aligned range of width `width` containing t.
int64_t RangeStart(int64_t t, int64_t width);

}  // namespace promref::tsdb
