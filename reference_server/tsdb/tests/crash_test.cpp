// Crash tests: a child process appends batches through the DB (WAL fsynced on every commit)
// and acknowledges each committed batch on a pipe; it dies without warning, the parent reopens
// the directory and checks that every acknowledged sample is there, none twice and none
// altered, and that the DB opens at all. The child compacts as it goes, so the head is cut
// into blocks, blocks are merged, the WAL is checkpointed and its segments rotate meanwhile.
//
// Two ways to die:
//   - SigkillAtRandomMoments: the parent SIGKILLs it after a random while (fixed seed).
//   - SigkillAtCrashPoints: the child arms one crash point (tsdb/util/fault.h) and kills itself
//     the nth time it passes it, so every risky step is hit, not just the common ones: a torn
//     WAL write, a write not yet synced, a segment rotation, a block written but not renamed,
//     a block visible before the head lets go, a checkpoint before its rename and before the
//     segments it covers go, merged blocks before their parents go, a half-deleted block, a
//     head chunk half written to its file.
//
// Budgets: PROMREF_CRASH_KILLS random kills (default 20) and PROMREF_CRASH_POINT_RUNS runs per
// crash point (default 2, so 20 crash-point kills); the note of a change to storage reports a
// longer run by hand (e.g. PROMREF_CRASH_KILLS=100 PROMREF_CRASH_POINT_RUNS=10).
#include <fcntl.h>
#include <gtest/gtest.h>
#include <signal.h>
#include <sys/wait.h>
#include <unistd.h>

#include <bit>
#include <chrono>
#include <cmath>
#include <cstdlib>
#include <filesystem>
#include <map>
#include <random>
#include <set>
#include <thread>

#include "model/sample.h"
#include "tsdb/db.h"
#include "tsdb/tests/test_util.h"
#include "tsdb/util/fault.h"

namespace promref::tsdb {
namespace {

constexpr int kSeries = 40;
constexpr int64_t kStep = 100;  // ms between batches
// A child armed with a crash point that has not reached it after this many batches gives up.
constexpr int64_t kMaxBatchesPerRun = 1500;
constexpr int kExitPointNotReached = 7;

int EnvInt(const char* name, int fallback) {
  const char* v = std::getenv(name);
  return v != nullptr && *v != '\0' ? std::atoi(v) : fallback;
}

Options CrashOptions(const std::string& dir) {
  Options o;
  o.dir = dir;
  o.block_range = 2000;
  o.retention_time = 0;
  o.wal_sync = wal::SyncPolicy::kEveryCommit;
  o.wal_segment_size = 32 << 10;
  o.background_compaction = true;
  o.clock = [] { return int64_t{1'700'000'000'000}; };
  return o;
}

model::Labels SeriesLabels(int s) {
  return {{"__name__", "crash_test"}, {"series", std::to_string(s)}, {"kind", s % 2 == 0 ? "even" : "odd"}};
}

// The value of series s in batch b: exact bits matter (stale markers included).
uint64_t ValueBits(int64_t b, int s) {
  if ((b + s) % 13 == 0) return model::kStaleNaNBits;
  return std::bit_cast<uint64_t>(static_cast<double>(b) + s / 8.0);
}

// Child: append batches from `first` on until killed (or, armed, until it gives up).
[[noreturn]] void RunChild(const std::string& dir, int64_t first, int ack_fd, bool armed) {
  auto db = DB::Open(CrashOptions(dir));
  if (!db.ok()) {
    std::fprintf(stderr, "child: open failed: %s\n", db.error().message().c_str());
    _exit(2);
  }
  std::vector<storage::SeriesRef> refs(kSeries, 0);
  for (int64_t b = first;; ++b) {
    if (armed && b - first >= kMaxBatchesPerRun) _exit(kExitPointNotReached);
    auto app = (*db)->MakeAppender();
    for (int s = 0; s < kSeries; ++s) {
      const auto r = app->Append(refs[s], SeriesLabels(s), b * kStep, std::bit_cast<double>(ValueBits(b, s)));
      if (!r.ok()) {
        std::fprintf(stderr, "child: append failed: %d\n", static_cast<int>(r.error));
        _exit(3);
      }
      refs[s] = r.ref;
    }
    if (!app->Commit().ok()) _exit(4);
    const std::string line = std::to_string(b) + "\n";
    if (::write(ack_fd, line.data(), line.size()) != static_cast<ssize_t>(line.size())) _exit(5);
    if (b % 25 == 0 && !(*db)->Compact().ok()) _exit(6);
  }
}

// The highest batch number acknowledged on `fd` (read to its end), or `acked_max`.
int64_t ReadAcks(int fd, int64_t acked_max) {
  std::string acks;
  char buf[4096];
  ssize_t n;
  while ((n = ::read(fd, buf, sizeof(buf))) > 0) acks.append(buf, static_cast<size_t>(n));
  for (size_t pos = 0, nl; (nl = acks.find('\n', pos)) != std::string::npos; pos = nl + 1) {
    acked_max = std::max<int64_t>(acked_max, std::stoll(acks.substr(pos, nl - pos)));
  }
  return acked_max;
}

struct Reopened {
  int64_t batches = 0;  // batches present: 1..batches
  size_t blocks = 0;
  std::vector<std::string> warnings;
};

// Reopens `dir` and checks that batches 1..k are there, each exactly once with its exact
// values, for one k >= acked_max shared by all series (a batch is committed whole).
void CheckReopened(const std::string& dir, int64_t acked_max, Reopened* out) {
  Options o = CrashOptions(dir);
  o.background_compaction = false;
  auto db = DB::Open(o);
  ASSERT_TRUE(db.ok()) << db.error().message();
  const testing::Dump d = testing::DumpAll(**db);
  int64_t present_max = 0;
  for (int s = 0; s < kSeries; ++s) {
    auto it = d.find(SeriesLabels(s).ToString());
    if (acked_max == 0 && it == d.end()) continue;
    ASSERT_NE(it, d.end()) << "series " << s << " lost";
    const auto& pts = it->second;
    ASSERT_GE(static_cast<int64_t>(pts.size()), acked_max) << "series " << s << " lost acknowledged samples";
    for (size_t i = 0; i < pts.size(); ++i) {
      const int64_t b = static_cast<int64_t>(i) + 1;
      ASSERT_EQ(pts[i].t, b * kStep) << "series " << s << ": a sample missing, doubled or out of place";
      ASSERT_EQ(pts[i].bits, ValueBits(b, s)) << "series " << s << " batch " << b << " altered";
    }
    if (s == 0) present_max = static_cast<int64_t>(pts.size());
    ASSERT_EQ(static_cast<int64_t>(pts.size()), present_max) << "series " << s << ": a batch kept in part";
  }
  // Nothing half-written is left for the next start to trip over.
  for (const auto& e : std::filesystem::directory_iterator(dir)) {
    const std::string name = e.path().filename().string();
    ASSERT_EQ(name.find(".tmp"), std::string::npos) << "leftover " << name;
  }
  out->batches = present_max;
  out->blocks = (*db)->Blocks().size();
  out->warnings = (*db)->WalReplay().warnings;
}

// Forks a child appending from `first` on, armed with `point` at its `nth` hit (or unarmed, to
// be killed after `kill_after`). Returns the child's wait status and the acknowledged maximum.
struct ChildRun {
  int status = 0;
  int64_t acked_max = 0;
};
ChildRun RunOnce(const std::string& dir, int64_t first, int64_t acked_max, const std::string& point,
                 int64_t nth, std::chrono::milliseconds kill_after) {
  int fds[2];
  EXPECT_EQ(::pipe(fds), 0);
  const pid_t pid = ::fork();
  EXPECT_GE(pid, 0);
  if (pid == 0) {
    ::close(fds[0]);
    if (!point.empty()) fault::Arm(point, nth);
    RunChild(dir, first, fds[1], !point.empty());
  }
  ::close(fds[1]);
  ChildRun run;
  if (point.empty()) {
    std::this_thread::sleep_for(kill_after);
    EXPECT_EQ(::kill(pid, SIGKILL), 0);
  }
  // Read while waiting: the pipe must not fill up and block the child.
  run.acked_max = ReadAcks(fds[0], acked_max);
  ::close(fds[0]);
  EXPECT_EQ(::waitpid(pid, &run.status, 0), pid);
  return run;
}

TEST(CrashTest, SigkillAtRandomMoments) {
  const int kills = EnvInt("PROMREF_CRASH_KILLS", 20);
  testing::TempDir dir;
  std::mt19937 rng(20240601);
  int64_t next = 1;
  int64_t acked_max = 0;
  Reopened r;
  size_t warnings = 0;
  for (int iter = 0; iter < kills; ++iter) {
    const auto wait = std::chrono::milliseconds(std::uniform_int_distribution<int>(10, 250)(rng));
    const ChildRun run = RunOnce(dir.path(), next, acked_max, "", 0, wait);
    ASSERT_TRUE(WIFSIGNALED(run.status)) << "child exited early with status " << WEXITSTATUS(run.status);
    acked_max = run.acked_max;
    ASSERT_NO_FATAL_FAILURE(CheckReopened(dir.path(), acked_max, &r)) << "iteration " << iter;
    next = r.batches + 1;
    warnings += r.warnings.size();
  }
  EXPECT_GT(acked_max, 0);
  std::printf(
      "random kills: %d kills, %lld batches acknowledged, %zu blocks at the end, %zu torn WAL tails cut\n",
      kills, static_cast<long long>(acked_max), r.blocks, warnings);
}

struct CrashPointSpec {
  const char* name;
  int64_t max_nth;  // the nth hit is drawn from [1, max_nth]
};

// Every crash point of the storage code, with how often a run passes it.
constexpr CrashPointSpec kCrashPoints[] = {
    {"wal.log.torn_write", 150},
    {"wal.log.before_sync", 150},
    {"wal.segment.between_segments", 4},
    {"block.write.before_rename", 6},
    {"head.compaction.before_head_truncation", 4},
    {"wal.checkpoint.before_rename", 4},
    {"wal.checkpoint.before_segment_removal", 4},
    {"block.compaction.before_parent_removal", 2},
    {"block.removal.mid_delete", 2},
    {"head_chunks.write.torn", 120},
};

TEST(CrashTest, SigkillAtCrashPoints) {
  const int runs = EnvInt("PROMREF_CRASH_POINT_RUNS", 2);
  std::mt19937 rng(20261207);
  int kills = 0;
  int64_t acknowledged = 0;
  for (const CrashPointSpec& p : kCrashPoints) {
    // A fresh directory per point, so that every point meets a log and blocks of its own making.
    testing::TempDir dir;
    int64_t next = 1;
    int64_t acked_max = 0;
    for (int run_i = 0; run_i < runs; ++run_i) {
      SCOPED_TRACE(std::string(p.name) + " run " + std::to_string(run_i));
      const int64_t nth = std::uniform_int_distribution<int64_t>(1, p.max_nth)(rng);
      const ChildRun run = RunOnce(dir.path(), next, acked_max, p.name, nth, {});
      ASSERT_FALSE(WIFEXITED(run.status) && WEXITSTATUS(run.status) == kExitPointNotReached)
          << "crash point never reached (hit " << nth << ")";
      ASSERT_TRUE(WIFSIGNALED(run.status) && WTERMSIG(run.status) == SIGKILL)
          << "child ended otherwise: status " << run.status;
      ++kills;
      acked_max = run.acked_max;
      Reopened r;
      ASSERT_NO_FATAL_FAILURE(CheckReopened(dir.path(), acked_max, &r));
      if (std::string_view(p.name) == "head_chunks.write.torn") {
        // Half a chunk in the newest chunk file: found, the file dropped, its samples replayed.
        ASSERT_EQ(r.warnings.size(), 1u);
        EXPECT_NE(r.warnings[0].find("head chunk file"), std::string::npos) << r.warnings[0];
      }
      if (std::string_view(p.name) == "wal.log.torn_write") {
        // The torn commit was never acknowledged; replay found its half and cut it, saying so.
        EXPECT_EQ(r.batches, acked_max);
        ASSERT_EQ(r.warnings.size(), 1u);
        EXPECT_NE(r.warnings[0].find("torn record"), std::string::npos) << r.warnings[0];
      }
      next = r.batches + 1;
    }
    acknowledged += acked_max;
  }
  std::printf("crash points: %zu points, %d kills, %lld batches acknowledged and all found\n",
              std::size(kCrashPoints), kills, static_cast<long long>(acknowledged));
}

}  // namespace
}  // namespace promref::tsdb
