#include "tsdb/db.h"

#include <fcntl.h>
#include <sys/file.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <filesystem>
#include <iostream>

#include "tsdb/block/compactor.h"
#include "tsdb/querier/querier.h"
#include "tsdb/util/fault.h"
#include "tsdb/util/file.h"
#include "tsdb/wal/checkpoint.h"

namespace promref::tsdb {

namespace fs = std::filesystem;

namespace {

constexpr int64_t kDay = 24LL * 3600 * 1000;

bool EndsWith(const std::string& s, std::string_view suffix) {
  return s.size() >= suffix.size() && s.compare(s.size() - suffix.size(), suffix.size(), suffix) == 0;
}

}  // namespace

// Wraps the head's appender to wake the compactor when a commit made the head compactable.
class DbAppender final : public storage::Appender {
 public:
  DbAppender(DB* db, std::unique_ptr<storage::Appender> inner) : db_(db), inner_(std::move(inner)) {}
  storage::AppendResult Append(storage::SeriesRef ref, const model::Labels& l, int64_t t, double v) override {
    return inner_->Append(ref, l, t, v);
  }
  storage::AppendResult AppendHistogram(storage::SeriesRef ref, const model::Labels& l, int64_t t,
                                        const model::FloatHistogram& h) override {
    return inner_->AppendHistogram(ref, l, t, h);
  }
  storage::AppendResult AppendWithStartTimestamp(storage::SeriesRef ref, const model::Labels& l, int64_t st,
                                                 int64_t t, double v) override {
    return inner_->AppendWithStartTimestamp(ref, l, st, t, v);
  }
  storage::AppendResult AppendHistogramWithStartTimestamp(storage::SeriesRef ref, const model::Labels& l,
                                                          int64_t st, int64_t t,
                                                          const model::FloatHistogram& h) override {
    return inner_->AppendHistogramWithStartTimestamp(ref, l, st, t, h);
  }
  storage::AppendResult AppendExemplar(storage::SeriesRef ref, const model::Labels& l,
                                       const storage::Exemplar& e) override {
    return inner_->AppendExemplar(ref, l, e);
  }
  storage::AppendResult UpdateMetadata(storage::SeriesRef ref, const model::Labels& l,
                                       const storage::Metadata& m) override {
    return inner_->UpdateMetadata(ref, l, m);
  }
  void Prefetch(const model::Labels& l) override { inner_->Prefetch(l); }
  Status Commit() override {
    Status s = inner_->Commit();
    if (s.ok()) db_->MaybeSignalCompaction();
    return s;
  }
  void Rollback() override { inner_->Rollback(); }

 private:
  DB* db_;
  std::unique_ptr<storage::Appender> inner_;
};

DB::DB(Options options) : options_(std::move(options)) {
  if (!options_.clock) {
    options_.clock = [] {
      return std::chrono::duration_cast<std::chrono::milliseconds>(
                 std::chrono::system_clock::now().time_since_epoch())
          .count();
    };
  }
  int64_t max_block = options_.max_block_duration;
  if (max_block == 0) {
    max_block = options_.retention_time > 0 ? std::min(options_.retention_time / 10, 31 * kDay) : 31 * kDay;
  }
  for (int64_t r : ExponentialRanges(options_.block_range, 10, 3)) {
    if (r > max_block && !ranges_.empty()) break;
    ranges_.push_back(r);
  }
  HeadOptions ho;
  ho.chunk_range = options_.block_range;
  ho.ooo_window = options_.ooo_window;
  ho.store_start_timestamps = options_.store_start_timestamps;
  ho.max_exemplars = options_.max_exemplars;
  head_ = std::make_unique<Head>(ho, nullptr);
}

Result<std::unique_ptr<DB>> DB::Open(Options options) {
  if (options.block_range <= 0) return BadData("block range must be positive");
  std::unique_ptr<DB> db(new DB(std::move(options)));
  if (!db->options_.dir.empty()) {
    if (Status s = db->OpenDir(); !s.ok()) return s.error();
  } else {
    std::lock_guard lock(db->replay_mu_);
    db->replay_.done = true;
  }
  if (db->options_.background_compaction) db->bg_ = std::thread([p = db.get()] { p->BackgroundLoop(); });
  return db;
}

DB::~DB() {
  {
    std::lock_guard lock(bg_mu_);
    bg_stop_ = true;
  }
  bg_cv_.notify_all();
  if (bg_.joinable()) bg_.join();
  head_.reset();
  chunk_files_.reset();
  if (wal_) (void)wal_->Sync();
  wal_.reset();
  if (lock_fd_ >= 0) ::close(lock_fd_);  // releases the flock
}

int64_t DB::Now() const {
  return options_.clock();
}

Status DB::OpenDir() {
  const std::string& dir = options_.dir;
  std::error_code ec;
  fs::create_directories(dir, ec);
  if (ec) return IoError("mkdir", dir, ec.value());
  lock_fd_ = ::open((dir + "/lock").c_str(), O_RDWR | O_CREAT | O_CLOEXEC, 0644);
  if (lock_fd_ < 0) return IoError("open", dir + "/lock", errno);
  if (::flock(lock_fd_, LOCK_EX | LOCK_NB) != 0) {
    return Error(ErrorKind::kUnavailable, "TSDB directory " + dir + " is in use by another process");
  }

  // Leftovers of interrupted block writes and deletions.
  for (const auto& e : fs::directory_iterator(dir, ec)) {
    const std::string name = e.path().filename().string();
    if (e.is_directory() && (EndsWith(name, ".tmp-for-creation") || EndsWith(name, ".tmp-for-deletion"))) {
      fs::remove_all(e.path(), ec);
    }
  }

  // Blocks; those superseded by a compaction that finished writing are deleted.
  std::vector<std::shared_ptr<Block>> blocks;
  for (const auto& e : fs::directory_iterator(dir, ec)) {
    if (!e.is_directory() || !IsUlid(e.path().filename().string())) continue;
    auto b = Block::Open(e.path().string());
    if (!b.ok()) return b.error();
    blocks.push_back(std::move(*b));
  }
  std::vector<std::string> superseded;
  for (const auto& b : blocks) {
    for (const BlockParent& p : b->meta().parents) superseded.push_back(p.ulid);
  }
  std::erase_if(blocks, [&](const std::shared_ptr<Block>& b) {
    if (std::find(superseded.begin(), superseded.end(), b->meta().ulid) == superseded.end()) return false;
    std::error_code ignored;
    fs::remove_all(b->dir(), ignored);
    return true;
  });
  std::sort(blocks.begin(), blocks.end(),
            [](const auto& a, const auto& b) { return a->meta().min_time < b->meta().min_time; });
  int64_t max_block_time = kMinTime;
  for (const auto& b : blocks) max_block_time = std::max(max_block_time, b->meta().max_time);
  blocks_ = std::move(blocks);
  head_->SetMinValidTime(max_block_time);

  if (Status s = OpenHeadChunks(); !s.ok()) return s;
  if (Status s = ReplayWal(); !s.ok()) return s;
  wal::Options wo;
  wo.segment_size = options_.wal_segment_size;
  wo.sync = options_.wal_sync;
  wo.compression = options_.wal_compression;
  wo.sync_interval = options_.wal_sync_interval;
  auto w = wal::Wal::Open(dir + "/wal", wo);
  if (!w.ok()) return w.error();
  wal_ = std::move(*w);
  head_->SetWal(wal_.get());
  return {};
}

namespace {

using ChunksBySeries = std::unordered_map<uint64_t, std::vector<ClosedChunk>>;

// Every chunk of the files by series, in time order; or what is wrong with them.
std::optional<std::string> ReadHeadChunks(HeadChunkFiles& files, ChunksBySeries* out) {
  const auto collect = [&](const HeadChunkRecord& r) -> std::optional<std::string> {
    ClosedChunk c;
    c.mint = r.mint;
    c.maxt = r.maxt;
    c.data = const_cast<uint8_t*>(reinterpret_cast<const uint8_t*>(r.data.data()));  // read only
    c.size = static_cast<uint32_t>(r.data.size());
    c.enc = r.enc;
    c.mapped = true;
    (*out)[r.series_ref].push_back(c);
    return std::nullopt;
  };
  if (const auto c = files.ForEach(collect)) {
    return "head chunk file " + std::to_string(c->file) + " corrupt at offset " + std::to_string(c->offset) +
           " (" + c->reason + ")";
  }
  // Files are by block range, so a series' chunks come in file order, not time order.
  for (auto& [ref, cs] : *out) {
    std::sort(cs.begin(), cs.end(),
              [](const ClosedChunk& a, const ClosedChunk& b) { return a.mint < b.mint; });
    for (size_t i = 1; i < cs.size(); ++i) {
      if (cs[i].mint <= cs[i - 1].maxt) return "head chunks of series " + std::to_string(ref) + " overlap";
    }
  }
  return std::nullopt;
}

}  // namespace

void DB::Warn(std::string warning) {
  std::cerr << "tsdb: " << warning << "\n";
  std::lock_guard lock(replay_mu_);
  replay_.warnings.push_back(std::move(warning));
}

Status DB::OpenHeadChunks() {
  auto files = HeadChunkFiles::Open(options_.dir + "/chunks_head");
  if (!files.ok()) return files.error();
  chunk_files_ = std::move(*files);
  head_->SetChunkFiles(chunk_files_.get());
  // Where the head was last truncated: what lies before is in blocks, or was deleted.
  head_->SetMinValidTime(chunk_files_->MinTime());
  if (options_.ooo_window > 0) {
    // Out-of-order samples share the WAL with in-order ones here, so a WAL sample older than
    // a mapped chunk's end may be one the chunk lacks: replay takes every sample from the WAL.
    return chunk_files_->DeleteFrom(0);
  }
  ChunksBySeries by_series;
  if (const auto problem = ReadHeadChunks(*chunk_files_, &by_series)) {
    // Replay skips the WAL samples older than a series' last mapped chunk, so the chunks kept
    // must have no gap. Prometheus keeps the files before a damaged one; here files of
    // different block ranges interleave, and a kept one may hold a series' later chunks while
    // the damaged one held its earlier ones. So all go, and the WAL brings back what they held.
    Warn(*problem + "; the head chunk files were deleted and their samples replayed from the WAL");
    by_series.clear();
    return chunk_files_->DeleteFrom(0);
  }
  head_->SetReplayChunks(std::move(by_series));
  return {};
}

Status DB::ReplayWal() {
  const auto began = std::chrono::steady_clock::now();
  const std::string wal_dir = options_.dir + "/wal";
  std::error_code ec;
  fs::create_directories(wal_dir, ec);
  wal::RemoveTmpCheckpoints(wal_dir);
  const wal::CheckpointRef cp = wal::LastCheckpoint(wal_dir);
  auto segs = wal::ListSegments(wal_dir);
  if (!segs.ok()) return segs.error();
  // Segments a checkpoint covers may remain after a crash during checkpointing.
  std::vector<wal::SegmentRef> rest;
  for (auto& s : *segs) {
    if (s.index > cp.index) rest.push_back(std::move(s));
  }
  {
    std::lock_guard lock(replay_mu_);
    replay_.min = rest.empty() ? std::max(cp.index, 0) : rest.front().index;
    replay_.max = rest.empty() ? std::max(cp.index, 0) : rest.back().index;
    replay_.current = replay_.min;
  }
  if (cp.index >= 0) {
    auto cp_segs = wal::ListSegments(cp.dir);
    if (!cp_segs.ok()) return cp_segs.error();
    wal::Reader r(*cp_segs);
    while (r.Next()) head_->ReplayRecord(r.Record());
    if (r.error()) return *r.error();
    if (r.corruption()) {
      return Error(ErrorKind::kInternal, "corrupt WAL checkpoint " + cp.dir + ": " + r.corruption()->reason);
    }
  }
  wal::Reader r(rest);
  int last_seg = -1;
  while (r.Next()) {
    if (r.CurrentSegment() != last_seg) {
      last_seg = r.CurrentSegment();
      std::lock_guard lock(replay_mu_);
      replay_.current = last_seg;
    }
    head_->ReplayRecord(r.Record());
  }
  if (r.error()) return *r.error();
  if (const auto& c = r.corruption()) {
    // A torn or corrupt tail: cut it off and go on with what was read.
    Warn("WAL corruption in segment " + std::to_string(c->segment) + " at offset " +
         std::to_string(c->offset) + " (" + c->reason + "); the log was cut there");
    if (Status s = wal::Repair(wal_dir, *c); !s.ok()) return s;
  }
  head_->FinishReplay();
  std::lock_guard lock(replay_mu_);
  replay_.current = replay_.max;
  replay_.done = true;
  replay_.seconds = std::chrono::duration<double>(std::chrono::steady_clock::now() - began).count();
  if (!rest.empty() || cp.index >= 0) {
    // As Prometheus' "WAL replay completed" line: what a restart cost.
    const Head::ReplayCounters& rc = head_->replay_counters();
    std::cerr << "tsdb: WAL replay completed in " << replay_.seconds << "s (segments " << replay_.min
              << " to " << replay_.max
              << (cp.index >= 0 ? ", after checkpoint " + std::to_string(cp.index) : "") << "; "
              << rc.mapped_chunks << " chunks mapped from chunks_head, " << rc.in_mapped_chunks << " of "
              << rc.samples << " samples found in them)\n";
  }
  return {};
}

// --- Storage ---------------------------------------------------------------------------------

std::unique_ptr<storage::Appender> DB::MakeAppender() {
  return std::make_unique<DbAppender>(this, head_->MakeAppender());
}

std::vector<std::shared_ptr<Block>> DB::BlocksSnapshot() const {
  std::shared_lock lock(blocks_mu_);
  return blocks_;
}

Result<std::unique_ptr<storage::Querier>> DB::MakeQuerier(int64_t mint, int64_t maxt) {
  std::vector<std::unique_ptr<storage::Querier>> qs;
  for (const auto& b : BlocksSnapshot()) {
    const BlockMeta m = b->meta();
    if (m.min_time <= maxt && m.max_time - 1 >= mint) qs.push_back(NewSourceQuerier(b->Source(), mint, maxt));
  }
  qs.push_back(NewSourceQuerier(head_->Source(), mint, maxt));
  if (qs.size() == 1) return std::move(qs[0]);
  return NewMergeQuerier(std::move(qs));
}

Result<std::vector<storage::ExemplarSeries>> DB::SelectExemplars(
    int64_t start, int64_t end, std::span<const std::vector<model::Matcher>> matcher_groups) {
  return head_->exemplars().Select(start, end, matcher_groups);
}

std::vector<std::pair<std::string, std::vector<storage::Metadata>>> DB::MetricMetadata() const {
  return head_->metadata().All();
}

// --- Compaction ------------------------------------------------------------------------------

void DB::MaybeSignalCompaction() {
  if (!options_.background_compaction || !head_->Compactable()) return;
  {
    std::lock_guard lock(bg_mu_);
    bg_wake_ = true;
  }
  bg_cv_.notify_one();
}

void DB::BackgroundLoop() {
  std::unique_lock lock(bg_mu_);
  while (!bg_stop_) {
    bg_cv_.wait_for(lock, std::chrono::minutes(1), [&] { return bg_stop_ || bg_wake_; });
    if (bg_stop_) break;
    bg_wake_ = false;
    lock.unlock();
    if (Status s = Compact(); !s.ok())
      std::cerr << "tsdb: compaction failed: " << s.error().message() << "\n";
    lock.lock();
  }
}

Status DB::AddBlock(const BlockMeta& meta) {
  auto b = Block::Open(options_.dir + "/" + meta.ulid);
  if (!b.ok()) return b.error();
  std::unique_lock lock(blocks_mu_);
  blocks_.push_back(std::move(*b));
  std::sort(blocks_.begin(), blocks_.end(),
            [](const auto& a, const auto& c) { return a->meta().min_time < c->meta().min_time; });
  return {};
}

void DB::RemoveBlocks(const std::vector<std::string>& ulids) {
  std::vector<std::shared_ptr<Block>> removed;
  {
    std::unique_lock lock(blocks_mu_);
    std::erase_if(blocks_, [&](const std::shared_ptr<Block>& b) {
      if (std::find(ulids.begin(), ulids.end(), b->meta().ulid) == ulids.end()) return false;
      removed.push_back(b);
      return true;
    });
  }
  // Renamed first so that a crash in the middle of the recursive delete leaves no half block
  // behind that looks valid. Open queriers keep reading through their maps.
  for (const auto& b : removed) {
    std::error_code ec;
    const std::string tmp = b->dir() + ".tmp-for-deletion";
    fs::rename(b->dir(), tmp, ec);
    fault::CrashPoint("block.removal.mid_delete");
    fs::remove_all(ec ? b->dir() : tmp, ec);
  }
}

Status DB::Compact() {
  std::lock_guard lock(compact_mu_);
  if (options_.dir.empty()) {
    // In memory: nothing is persisted; retention drops whole block ranges from the head.
    while (options_.retention_time > 0 && head_->Compactable()) {
      const int64_t cut = RangeStart(head_->MinTime(), options_.block_range) + options_.block_range;
      if (head_->MaxTime() - cut < options_.retention_time) break;
      head_->Truncate(cut);
    }
    return {};
  }
  if (Status s = CompactHeadLocked(); !s.ok()) return s;
  if (Status s = CompactBlocksLocked(); !s.ok()) return s;
  return ApplyRetentionLocked();
}

Status DB::CompactHeadLocked() {
  while (head_->Compactable()) {
    const int64_t mint = head_->MinTime();
    const int64_t maxt = RangeStart(mint, options_.block_range) + options_.block_range;
    // Out-of-order samples before the cut are persisted first, in blocks of their own.
    if (Status s = FlushOooLocked(maxt); !s.ok()) return s;
    const std::shared_ptr<const SeriesSource> src = head_->Source(mint, maxt - 1, Head::View::kInOrder);
    BlockWriteSpec spec;
    spec.mint = mint;
    spec.maxt = maxt;
    spec.now_ms = Now();
    auto meta = WriteBlock(options_.dir, std::span(&src, 1), spec);
    if (!meta.ok()) return meta.error();
    // The block becomes visible before the head lets go of the data: a query in between sees
    // it twice, and merging shows it once.
    if (!meta->ulid.empty()) {
      if (Status s = AddBlock(*meta); !s.ok()) return s;
    }
    fault::CrashPoint("head.compaction.before_head_truncation");
    head_->Truncate(maxt);
    if (Status s = TruncateWalLocked(maxt); !s.ok()) return s;
  }
  return {};
}

Status DB::FlushOooLocked(int64_t cutoff) {
  if (options_.ooo_window <= 0) return {};
  auto ooo_lock = head_->LockOoo();
  const int64_t first = head_->MinOooTime();
  if (first == kMaxTime || first >= cutoff) return {};
  for (int64_t start = RangeStart(first, options_.block_range); start < cutoff;
       start += options_.block_range) {
    const int64_t end = std::min(start + options_.block_range, cutoff);
    const std::shared_ptr<const SeriesSource> src = head_->Source(start, end - 1, Head::View::kOutOfOrder);
    BlockWriteSpec spec;
    spec.mint = start;
    spec.maxt = end;
    spec.now_ms = Now();
    auto meta = WriteBlock(options_.dir, std::span(&src, 1), spec);
    if (!meta.ok()) return meta.error();
    if (!meta->ulid.empty()) {
      if (Status s = AddBlock(*meta); !s.ok()) return s;
    }
  }
  head_->DropOooBefore(cutoff);
  return {};
}

Status DB::TruncateWalLocked(int64_t mint) {
  if (!wal_) return {};
  auto closed = wal_->NextSegment();
  if (!closed.ok()) return closed.error();
  wal::CheckpointFilter f;
  Head* h = head_.get();
  f.keep_series = [h](uint64_t ref) { return h->SeriesAlive(ref); };
  f.keep_sample = [h, mint](uint64_t ref, int64_t t) {
    return h->SeriesAlive(ref) && (t >= mint || h->HasOooSample(ref, t));
  };
  f.mint = mint;
  for (auto& [family, list] : head_->metadata().All()) {
    for (auto& m : list) f.metadata.push_back({family, m});
  }
  return wal::Checkpoint(*wal_, *closed, f);
}

Status DB::CompactBlocksLocked() {
  while (true) {
    const auto blocks = BlocksSnapshot();
    std::vector<BlockMeta> metas;
    for (const auto& b : blocks) metas.push_back(b->meta());
    const std::vector<size_t> plan = PlanCompaction(metas, ranges_);
    if (plan.empty()) return {};
    std::vector<std::shared_ptr<const SeriesSource>> sources;
    BlockWriteSpec spec;
    spec.mint = kMaxTime;
    spec.maxt = kMinTime;
    spec.level = 0;
    std::vector<std::string> ulids;
    for (size_t i : plan) {
      const BlockMeta& m = metas[i];
      sources.push_back(blocks[i]->Source());
      spec.mint = std::min(spec.mint, m.min_time);
      spec.maxt = std::max(spec.maxt, m.max_time);
      spec.level = std::max(spec.level, m.level + 1);
      for (const std::string& s : m.sources) {
        if (std::find(spec.sources.begin(), spec.sources.end(), s) == spec.sources.end())
          spec.sources.push_back(s);
      }
      spec.parents.push_back({m.ulid, m.min_time, m.max_time});
      ulids.push_back(m.ulid);
    }
    if (plan.size() == 1) spec.level = metas[plan[0]].level;  // a rewrite, not a merge
    std::sort(spec.sources.begin(), spec.sources.end());
    spec.now_ms = Now();
    auto meta = WriteBlock(options_.dir, sources, spec);
    if (!meta.ok()) return meta.error();
    if (!meta->ulid.empty()) {
      if (Status s = AddBlock(*meta); !s.ok()) return s;
    }
    fault::CrashPoint("block.compaction.before_parent_removal");
    RemoveBlocks(ulids);
  }
}

Status DB::ApplyRetentionLocked() {
  auto blocks = BlocksSnapshot();
  if (blocks.empty()) return {};
  // Newest first.
  std::sort(blocks.begin(), blocks.end(),
            [](const auto& a, const auto& b) { return a->meta().max_time > b->meta().max_time; });
  std::vector<std::string> deletable;
  if (options_.retention_time > 0) {
    const int64_t newest = blocks[0]->meta().max_time;
    for (size_t i = 1; i < blocks.size(); ++i) {
      if (newest - blocks[i]->meta().max_time > options_.retention_time) {
        for (size_t j = i; j < blocks.size(); ++j) deletable.push_back(blocks[j]->meta().ulid);
        break;
      }
    }
  }
  if (options_.retention_size > 0) {
    uint64_t total = DirSize(options_.dir + "/wal");
    for (size_t i = 0; i < blocks.size(); ++i) {
      total += blocks[i]->Size();
      if (total > options_.retention_size) {
        for (size_t j = i; j < blocks.size(); ++j) deletable.push_back(blocks[j]->meta().ulid);
        break;
      }
    }
  }
  if (!deletable.empty()) RemoveBlocks(deletable);
  return {};
}

// --- Deletion, snapshots ---------------------------------------------------------------------

Status DB::Delete(int64_t mint, int64_t maxt, std::span<const model::Matcher> matchers) {
  std::lock_guard lock(compact_mu_);
  for (const auto& b : BlocksSnapshot()) {
    const BlockMeta m = b->meta();
    if (m.min_time > maxt || m.max_time - 1 < mint) continue;
    auto r = b->Delete(mint, maxt, matchers);
    if (!r.ok()) return r.error();
  }
  return head_->Delete(mint, maxt, matchers);
}

Status DB::CleanTombstones() {
  std::lock_guard lock(compact_mu_);
  for (const auto& b : BlocksSnapshot()) {
    if (b->tombstones().empty()) continue;
    const BlockMeta m = b->meta();
    const std::shared_ptr<const SeriesSource> src = b->Source();
    BlockWriteSpec spec;
    spec.mint = m.min_time;
    spec.maxt = m.max_time;
    spec.level = m.level;
    spec.sources = m.sources;
    spec.parents = {{m.ulid, m.min_time, m.max_time}};
    spec.now_ms = Now();
    auto meta = WriteBlock(options_.dir, std::span(&src, 1), spec);
    if (!meta.ok()) return meta.error();
    if (!meta->ulid.empty()) {
      if (Status s = AddBlock(*meta); !s.ok()) return s;
    }
    RemoveBlocks({m.ulid});
  }
  return {};
}

Status DB::Snapshot(const std::string& dir, bool with_head) {
  std::lock_guard lock(compact_mu_);
  std::error_code ec;
  fs::create_directories(dir, ec);
  if (ec) return IoError("mkdir", dir, ec.value());
  for (const auto& b : BlocksSnapshot()) {
    const std::string dst = dir + "/" + b->meta().ulid;
    fs::create_directories(dst + "/chunks", ec);
    if (ec) return IoError("mkdir", dst, ec.value());
    for (const auto& e : fs::recursive_directory_iterator(b->dir(), ec)) {
      if (!e.is_regular_file()) continue;
      const fs::path rel = fs::relative(e.path(), b->dir());
      fs::create_hard_link(e.path(), fs::path(dst) / rel, ec);
      if (ec) return IoError("link", e.path().string(), ec.value());
    }
  }
  if (with_head && head_->MaxTime() != kMinTime) {
    const std::shared_ptr<const SeriesSource> src = head_->Source();
    BlockWriteSpec spec;
    spec.mint = std::min(head_->MinTime(), head_->MinOooTime());
    spec.maxt = head_->MaxTime() + 1;
    spec.now_ms = Now();
    auto meta = WriteBlock(dir, std::span(&src, 1), spec);
    if (!meta.ok()) return meta.error();
  }
  return FsyncDir(dir);
}

// --- Status ----------------------------------------------------------------------------------

HeadStats DB::Stats(size_t limit) const {
  return head_->Stats(limit);
}

std::vector<BlockMeta> DB::Blocks() const {
  std::vector<BlockMeta> out;
  for (const auto& b : BlocksSnapshot()) out.push_back(b->meta());
  return out;
}

WalReplayStatus DB::WalReplay() const {
  std::lock_guard lock(replay_mu_);
  return replay_;
}

uint64_t DB::DiskSize() const {
  if (options_.dir.empty()) return 0;
  uint64_t total = DirSize(options_.dir + "/wal") + HeadChunkFilesSize();
  for (const auto& b : BlocksSnapshot()) total += b->Size();
  return total;
}

uint64_t DB::HeadChunkFilesSize() const {
  return chunk_files_ ? chunk_files_->Size() : 0;
}

}  // namespace promref::tsdb
