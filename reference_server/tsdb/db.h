// promref's time-series database: a storage::Storage over an in-memory head (with its WAL)
// and immutable blocks on disk.
//
//   <dir>/lock                 held (flock) while a DB has the directory open
//   <dir>/wal/                 segments and checkpoints (wal/wal.h, wal/checkpoint.h)
//   <dir>/chunks_head/         the head's full chunks, memory-mapped (head/chunk_files.h)
//   <dir>/<ulid>/              blocks (block/block.h)
//
// Appends go to the head (and its WAL). Once the head spans more than 1.5 block ranges its
// oldest range is written out as a block and dropped from the head and the WAL (Compact(),
// run by a background thread unless disabled). Adjacent blocks are merged into larger ones
// (ranges grow 3x), overlapping ones (from out-of-order data) merged first; blocks beyond the
// retention time or size are deleted. Queries merge the head and the blocks they overlap.
//
// All methods are thread-safe. Queriers and appenders never wait for compaction, and
// compaction never waits for them (memory they might read is freed only once they are done).
#pragma once

#include <atomic>
#include <chrono>
#include <condition_variable>
#include <functional>
#include <memory>
#include <mutex>
#include <shared_mutex>
#include <span>
#include <string>
#include <thread>
#include <vector>

#include "storage/storage.h"
#include "tsdb/block/block.h"
#include "tsdb/head/head.h"
#include "tsdb/wal/wal.h"

namespace promref::tsdb {

struct Options {
  std::string dir;  // empty: in memory only (no WAL, no blocks)
  int64_t block_range = 2 * 3600 * 1000;
  int64_t retention_time = 15LL * 24 * 3600 * 1000;  // 0: keep forever
  uint64_t retention_size = 0;                       // bytes of blocks and WAL; 0: no limit
  // Largest block compaction may build; 0: 10% of the retention time, at most 31 days (as
  // Prometheus).
  int64_t max_block_duration = 0;
  wal::SyncPolicy wal_sync = wal::SyncPolicy::kNever;
  std::chrono::milliseconds wal_sync_interval{1000};
  size_t wal_segment_size = 128 << 20;
  // How WAL records are compressed (Prometheus 3's default: snappy). Any compression, or none,
  // reads back: each record says how it was written.
  wal::Compression wal_compression = wal::Compression::kSnappy;
  int64_t ooo_window = 0;  // out-of-order window in ms; 0 rejects out-of-order samples
  size_t max_exemplars = 100000;
  // Keep the start timestamps appenders give (Prometheus' --enable-feature=st-storage); without
  // it they are dropped, as Prometheus drops them.
  bool store_start_timestamps = false;
  std::function<int64_t()> clock;     // ms since the epoch; default: the system clock
  bool background_compaction = true;  // compact in a background thread when the head is ready
};

// What /api/v1/status/walreplay reports.
struct WalReplayStatus {
  int min = 0;
  int max = 0;
  int current = 0;
  bool done = false;
  std::vector<std::string> warnings;  // corruption cut off during replay
  double seconds = 0;                 // how long the replay took (checkpoint and segments)
};

class DB final : public storage::Storage {
 public:
  static Result<std::unique_ptr<DB>> Open(Options options);
  ~DB() override;
  DB(const DB&) = delete;
  DB& operator=(const DB&) = delete;

  // --- storage::Storage ---
  std::unique_ptr<storage::Appender> MakeAppender() override;
  Result<std::unique_ptr<storage::Querier>> MakeQuerier(int64_t mint, int64_t maxt) override;
  Result<std::vector<storage::ExemplarSeries>> SelectExemplars(
      int64_t start, int64_t end, std::span<const std::vector<model::Matcher>> matcher_groups) override;
  std::vector<std::pair<std::string, std::vector<storage::Metadata>>> MetricMetadata() const override;

  // --- administration ---
  // Persists the head's compactable ranges as blocks, merges blocks as planned, applies
  // retention. Safe to call at any time (the background thread calls it too).
  Status Compact();
  // Hides samples in [mint, maxt] of series matching all matchers (tombstones); the data is
  // dropped when the blocks are rewritten (CleanTombstones or compaction).
  Status Delete(int64_t mint, int64_t maxt, std::span<const model::Matcher> matchers);
  // Rewrites every block that has tombstones without the deleted data.
  Status CleanTombstones();
  // Hard-links every block into `dir` (created); with `with_head`, also writes the head's data
  // there as a block.
  Status Snapshot(const std::string& dir, bool with_head);

  HeadStats Stats(size_t limit) const;
  std::vector<BlockMeta> Blocks() const;
  WalReplayStatus WalReplay() const;

  Head& head() { return *head_; }
  const Options& options() const { return options_; }
  // Bytes of blocks, WAL and head chunk files on disk.
  uint64_t DiskSize() const;
  // Bytes of the head chunk files (0 in memory).
  uint64_t HeadChunkFilesSize() const;

 private:
  explicit DB(Options options);
  Status OpenDir();
  // Logs damage found (and repaired) while opening, and keeps it for WalReplay().
  void Warn(std::string warning);
  Status OpenHeadChunks();
  Status ReplayWal();
  Status CompactHeadLocked();
  Status FlushOooLocked(int64_t cutoff);
  Status CompactBlocksLocked();
  Status ApplyRetentionLocked();
  Status TruncateWalLocked(int64_t mint);
  Status AddBlock(const BlockMeta& meta);
  void RemoveBlocks(const std::vector<std::string>& ulids);
  std::vector<std::shared_ptr<Block>> BlocksSnapshot() const;
  int64_t Now() const;
  void BackgroundLoop();
  void MaybeSignalCompaction();
  friend class DbAppender;

  Options options_;
  std::vector<int64_t> ranges_;
  std::unique_ptr<wal::Wal> wal_;
  std::unique_ptr<HeadChunkFiles> chunk_files_;  // declared before head_: outlives it
  std::unique_ptr<Head> head_;
  int lock_fd_ = -1;

  mutable std::shared_mutex blocks_mu_;
  std::vector<std::shared_ptr<Block>> blocks_;  // sorted by min time
  std::mutex compact_mu_;

  mutable std::mutex replay_mu_;
  WalReplayStatus replay_;

  std::mutex bg_mu_;
  std::condition_variable bg_cv_;
  bool bg_stop_ = false;
  bool bg_wake_ = false;
  std::thread bg_;
};

}  // namespace promref::tsdb
