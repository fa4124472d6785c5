// The DB under damaged and failing storage: a WAL segment corrupted in the middle of the log,
// a full disk (for the WAL and for the head chunk files), a read-only data directory. What must hold: it
// starts and says what it cut; no write it acknowledged is lost or altered; a write it cannot keep fails with
// the system's reason instead of being acknowledged; writes resume once the cause is gone.
//
// The full-disk and read-only cases mount a small tmpfs of their own (root with CAP_SYS_ADMIN,
// as CI and this project's machines run); where mounting is not allowed they are skipped and
// say why.
#include <gtest/gtest.h>
#include <sys/mount.h>
#include <sys/resource.h>
#include <unistd.h>

#include <cerrno>
#include <csignal>
#include <cstring>
#include <filesystem>
#include <fstream>

#include "tsdb/db.h"
#include "tsdb/head/chunk_files.h"
#include "tsdb/tests/test_util.h"

namespace promref::tsdb {
namespace {

namespace fs = std::filesystem;

model::Labels Series(int s) {
  return {{"__name__", "faults"}, {"instance", "host-" + std::to_string(s)}};
}

Options FaultOptions(const std::string& dir) {
  Options o;
  o.dir = dir;
  o.background_compaction = false;
  o.retention_time = 0;
  o.wal_segment_size = 4 << 10;
  o.wal_compression = wal::Compression::kNone;  // predictable segment sizes
  return o;
}

// Appends batch b (one sample for each of `series` series at t = b * 1000); the commit's status.
Status AppendBatch(DB& db, int64_t b, int series) {
  auto app = db.MakeAppender();
  for (int s = 0; s < series; ++s) {
    if (!app->Append(0, Series(s), b * 1000, static_cast<double>(b * 100 + s)).ok()) {
      return Error(ErrorKind::kInternal, "append refused");
    }
  }
  return app->Commit();
}

// Checks that the DB holds exactly batches 1..n of `series` series; returns n.
int64_t CheckPrefix(DB& db, int series) {
  const testing::Dump d = testing::DumpAll(db);
  int64_t n = -1;
  for (int s = 0; s < series; ++s) {
    auto it = d.find(Series(s).ToString());
    const std::vector<testing::Point> none;
    const auto& pts = it == d.end() ? none : it->second;
    if (n < 0) n = static_cast<int64_t>(pts.size());
    EXPECT_EQ(static_cast<int64_t>(pts.size()), n) << "series " << s << " kept a batch in part";
    for (size_t i = 0; i < pts.size(); ++i) {
      const int64_t b = static_cast<int64_t>(i) + 1;
      EXPECT_EQ(pts[i].t, b * 1000) << "series " << s;
      EXPECT_EQ(pts[i].bits, std::bit_cast<uint64_t>(static_cast<double>(b * 100 + s))) << "series " << s;
    }
  }
  return n;
}

// A segment corrupted in the middle of the log: as Prometheus' WAL repair, replay keeps every
// record before the corruption, cuts the log there (later segments deleted), says where, and
// the DB starts and takes new writes.
TEST(StorageFaults, CorruptSegmentInTheMiddleIsCutAndReported) {
  testing::TempDir dir;
  constexpr int kSeriesN = 10;
  constexpr int64_t kBatches = 300;
  {
    auto db = *DB::Open(FaultOptions(dir.path()));
    for (int64_t b = 1; b <= kBatches; ++b) ASSERT_TRUE(AppendBatch(*db, b, kSeriesN).ok());
  }
  const auto segs = *wal::ListSegments(dir.path() + "/wal");
  ASSERT_GE(segs.size(), 6u);
  const wal::SegmentRef& victim = segs[segs.size() / 2];
  {
    std::fstream f(victim.path, std::ios::in | std::ios::out | std::ios::binary);
    f.seekp(static_cast<std::streamoff>(fs::file_size(victim.path) / 2));
    f.put('\x7f');
  }
  auto db = DB::Open(FaultOptions(dir.path()));
  ASSERT_TRUE(db.ok()) << db.error().message();
  const auto replay = (*db)->WalReplay();
  ASSERT_EQ(replay.warnings.size(), 1u);
  EXPECT_NE(replay.warnings[0].find("segment " + std::to_string(victim.index)), std::string::npos)
      << replay.warnings[0];
  const int64_t kept = CheckPrefix(**db, kSeriesN);
  EXPECT_GT(kept, 0);
  EXPECT_LT(kept, kBatches);
  const auto after = wal::ListSegments(dir.path() + "/wal");
  for (const auto& s : *after) {
    // Later segments are gone; only the newly opened one follows the cut segment.
    EXPECT_LE(s.index, victim.index + 1) << s.path;
  }
  for (int64_t b = kept + 1; b <= kept + 5; ++b) ASSERT_TRUE(AppendBatch(**db, b, kSeriesN).ok());
  EXPECT_EQ(CheckPrefix(**db, kSeriesN), kept + 5);
}

// A tmpfs of `bytes` mounted at a fresh directory for the test's lifetime.
class SmallTmpfs {
 public:
  explicit SmallTmpfs(size_t bytes) {
    const std::string opts = "size=" + std::to_string(bytes);
    if (::mount("tmpfs", dir_.path().c_str(), "tmpfs", 0, opts.c_str()) != 0) {
      error_ = std::strerror(errno);
      return;
    }
    mounted_ = true;
  }
  ~SmallTmpfs() {
    if (mounted_) ::umount2(dir_.path().c_str(), MNT_DETACH);
  }
  bool mounted() const { return mounted_; }
  const std::string& error() const { return error_; }
  const std::string& path() const { return dir_.path(); }
  bool Remount(bool read_only) {
    const unsigned long flags = MS_REMOUNT | (read_only ? MS_RDONLY : 0);
    return ::mount("tmpfs", dir_.path().c_str(), "tmpfs", flags, nullptr) == 0;
  }

 private:
  testing::TempDir dir_;
  bool mounted_ = false;
  std::string error_;
};

#define REQUIRE_TMPFS(fs_) \
  if (!(fs_).mounted())    \
  GTEST_SKIP() << "cannot mount a tmpfs here (" << (fs_).error() << "); needs root with CAP_SYS_ADMIN"

// A full disk: commits fail with the system's reason and are not applied; every acknowledged
// batch stays readable, survives a restart, and writing resumes once there is room again.
TEST(StorageFaults, FullDiskFailsWritesWithoutLosingAcknowledgedOnes) {
  SmallTmpfs disk(512 << 10);
  REQUIRE_TMPFS(disk);
  // A file taking part of the room, deleted later to make room again.
  const std::string filler = disk.path() + "/filler";
  std::ofstream(filler) << std::string(128 << 10, 'x');
  const std::string data = disk.path() + "/data";
  constexpr int kSeriesN = 20;
  int64_t acked = 0;
  std::string failure;
  {
    auto db = *DB::Open(FaultOptions(data));
    for (int64_t b = 1; b < 100000; ++b) {
      const Status s = AppendBatch(*db, b, kSeriesN);
      if (!s.ok()) {
        failure = s.error().message();
        break;
      }
      acked = b;
    }
    ASSERT_FALSE(failure.empty()) << "the disk never filled up";
    EXPECT_NE(failure.find("No space left on device"), std::string::npos) << failure;
    // A failed commit is not applied: reads show exactly the acknowledged batches.
    EXPECT_EQ(CheckPrefix(*db, kSeriesN), acked);
    // Still full: fails again, the same way, and changes nothing.
    EXPECT_FALSE(AppendBatch(*db, acked + 1, kSeriesN).ok());
    EXPECT_EQ(CheckPrefix(*db, kSeriesN), acked);
    // Room again: writing resumes without a restart.
    fs::remove(filler);
    for (int64_t b = acked + 1; b <= acked + 10; ++b) ASSERT_TRUE(AppendBatch(*db, b, kSeriesN).ok()) << b;
    acked += 10;
  }
  auto db = DB::Open(FaultOptions(data));
  ASSERT_TRUE(db.ok()) << db.error().message();
  EXPECT_EQ(CheckPrefix(**db, kSeriesN), acked);
  std::printf("full disk: %lld batches acknowledged before ENOSPC (%s), all kept\n",
              static_cast<long long>(acked), failure.c_str());
}

// Head chunk files on a full disk: a chunk that does not fit leaves nothing behind (the file
// reads back whole, every chunk written before it intact), the head keeps such chunks in
// memory instead, and writing to the files resumes once there is room.
TEST(StorageFaults, FullDiskLeavesNoHalfChunkInTheChunkFiles) {
  SmallTmpfs disk(256 << 10);
  REQUIRE_TMPFS(disk);
  const std::string dir = disk.path() + "/chunks_head";
  const std::string filler = disk.path() + "/filler";
  std::ofstream(filler) << std::string(64 << 10, 'x');
  const std::string chunk(1000, '\x2a');
  int written = 0;
  std::string failure;
  auto write = [&](HeadChunkFiles& files) {
    auto at = files.Write(0, 1, written * 10, written * 10 + 9, Encoding::kXor, chunk);
    if (at.ok()) ++written;
    return at.ok() ? "" : at.error().message();
  };
  auto read_back = [&] {
    auto files = *HeadChunkFiles::Open(dir);
    int read = 0;
    const auto corruption = files->ForEach([&](const HeadChunkRecord& c) -> std::optional<std::string> {
      if (c.mint != read * 10 || c.data != chunk) return "chunk " + std::to_string(read) + " altered";
      ++read;
      return std::nullopt;
    });
    EXPECT_FALSE(corruption.has_value()) << corruption->reason;
    EXPECT_EQ(read, written);
    return files;
  };
  {
    auto files = *HeadChunkFiles::Open(dir);
    while (written < 10000 && failure.empty()) failure = write(*files);
  }
  ASSERT_FALSE(failure.empty()) << "the disk never filled up";
  EXPECT_NE(failure.find("No space left on device"), std::string::npos) << failure;
  // What a restart right after the failure finds.
  auto files = read_back();
  fs::remove(filler);
  EXPECT_EQ(write(*files), "");
  files.reset();
  read_back();
  std::printf("head chunk files: %d chunks written around a full disk (%s), all read back\n", written,
              failure.c_str());
}

// A file size limit for the test's lifetime: writes past it fail with EFBIG (SIGXFSZ ignored).
class FileSizeLimit {
 public:
  explicit FileSizeLimit(rlim_t bytes) {
    ::getrlimit(RLIMIT_FSIZE, &saved_);
    old_handler_ = std::signal(SIGXFSZ, SIG_IGN);
    rlimit l = saved_;
    l.rlim_cur = bytes;
    ::setrlimit(RLIMIT_FSIZE, &l);
  }
  ~FileSizeLimit() {
    ::setrlimit(RLIMIT_FSIZE, &saved_);
    std::signal(SIGXFSZ, old_handler_);
  }

 private:
  rlimit saved_{};
  void (*old_handler_)(int) = nullptr;
};

// A chunk the chunk files refuse stays in memory, and so do its series' later chunks, even once
// the files take chunks again (a new block range's file): a restart must find each series'
// mapped chunks without a gap, or replay would skip the samples of the missing one.
TEST(StorageFaults, ARefusedHeadChunkLeavesNoGapForReplay) {
  testing::TempDir dir;
  Options o = FaultOptions(dir.path());
  o.block_range = 200'000;  // 5 ranges in the load below, each with its own chunk file
  o.wal_segment_size = 1 << 10;
  testing::Dump before;
  {
    auto db = *DB::Open(o);
    const FileSizeLimit limit(2 << 10);  // WAL segments are 1 KiB; chunk files fill up
    for (int64_t b = 1; b <= 1000; ++b) {
      auto app = db->MakeAppender();
      // Series fill their chunks at different rates, so they cut them in varying order.
      for (int s = 0; s < 20; ++s) {
        if (b % (s % 3 + 1) != 0) continue;
        ASSERT_TRUE(app->Append(0, Series(s), b * 1000, static_cast<double>(b) * 0.25 + s).ok());
      }
      ASSERT_TRUE(app->Commit().ok());
    }
    EXPECT_GT(db->head().ChunkWriteErrors(), 0u);
    before = testing::DumpAll(*db);
  }
  auto db = *DB::Open(o);
  EXPECT_EQ(testing::DumpAll(*db), before);
  EXPECT_GT(db->head().replay_counters().mapped_chunks, 0u);
}

// A read-only data directory: the DB refuses to open there, with the system's reason (as
// Prometheus refuses to start), and the data is intact once it is writable again. (A mount
// cannot turn read-only under open writers, EBUSY, so the running case is the full disk's.)
TEST(StorageFaults, ReadOnlyDirectoryIsRefusedAtOpen) {
  SmallTmpfs disk(4 << 20);
  REQUIRE_TMPFS(disk);
  const std::string data = disk.path() + "/data";
  constexpr int kSeriesN = 5;
  {
    auto db = *DB::Open(FaultOptions(data));
    for (int64_t b = 1; b <= 10; ++b) ASSERT_TRUE(AppendBatch(*db, b, kSeriesN).ok());
  }
  ASSERT_TRUE(disk.Remount(/*read_only=*/true)) << std::strerror(errno);
  auto ro = DB::Open(FaultOptions(data));
  ASSERT_FALSE(ro.ok());
  EXPECT_NE(ro.error().message().find("Read-only file system"), std::string::npos) << ro.error().message();
  ASSERT_TRUE(disk.Remount(/*read_only=*/false)) << std::strerror(errno);
  auto db = DB::Open(FaultOptions(data));
  ASSERT_TRUE(db.ok()) << db.error().message();
  EXPECT_EQ(CheckPrefix(**db, kSeriesN), 10);
  EXPECT_TRUE((*db)->WalReplay().warnings.empty());
}

}  // namespace
}  // namespace promref::tsdb
