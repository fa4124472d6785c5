// Crash test: a child process appends batches through the DB (WAL fsynced on every commit)
// and acknowledges each committed batch on a pipe; the parent SIGKILLs it at random moments
// (fixed seed), reopens the directory and checks that every acknowledged sample is there,
// none twice and none altered. The child also compacts as it goes, so kills land in the middle
// of block writes, WAL checkpoints and segment rotations too.
#include <fcntl.h>
#include <gtest/gtest.h>
#include <signal.h>
#include <sys/wait.h>
#include <unistd.h>

#include <bit>
#include <chrono>
#include <cmath>
#include <random>
#include <set>
#include <thread>

#include "model/sample.h"
#include "tsdb/db.h"
#include "tsdb/tests/test_util.h"

namespace promref::tsdb {
namespace {

constexpr int kSeries = 40;
constexpr int64_t kStep = 100;  // ms between batches
constexpr int kKills = 25;

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

// Child: append batches from `first` on until killed.
[[noreturn]] void RunChild(const std::string& dir, int64_t first, int ack_fd) {
  auto db = DB::Open(CrashOptions(dir));
  if (!db.ok()) {
    std::fprintf(stderr, "child: open failed: %s\n", db.error().message().c_str());
    _exit(2);
  }
  std::vector<storage::SeriesRef> refs(kSeries, 0);
  for (int64_t b = first;; ++b) {
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

TEST(CrashTest, AcknowledgedSamplesSurviveSigkill) {
  testing::TempDir dir;
  std::mt19937 rng(20240601);
  int64_t next = 1;
  int64_t acked_max = 0;
  size_t blocks = 0;
  size_t warnings = 0;
  for (int iter = 0; iter < kKills; ++iter) {
    int fds[2];
    ASSERT_EQ(::pipe(fds), 0);
    const pid_t pid = ::fork();
    ASSERT_GE(pid, 0);
    if (pid == 0) {
      ::close(fds[0]);
      RunChild(dir.path(), next, fds[1]);
    }
    ::close(fds[1]);
    // Let it run a random while, then kill it without warning.
    std::this_thread::sleep_for(std::chrono::milliseconds(std::uniform_int_distribution<int>(10, 250)(rng)));
    ASSERT_EQ(::kill(pid, SIGKILL), 0);
    int status = 0;
    ASSERT_EQ(::waitpid(pid, &status, 0), pid);
    ASSERT_TRUE(WIFSIGNALED(status)) << "child exited early with status " << WEXITSTATUS(status);
    std::string acks;
    char buf[4096];
    ssize_t n;
    while ((n = ::read(fds[0], buf, sizeof(buf))) > 0) acks.append(buf, static_cast<size_t>(n));
    ::close(fds[0]);
    for (size_t pos = 0, nl; (nl = acks.find('\n', pos)) != std::string::npos; pos = nl + 1) {
      acked_max = std::max<int64_t>(acked_max, std::stoll(acks.substr(pos, nl - pos)));
    }

    // Reopen and check.
    Options o = CrashOptions(dir.path());
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
      // Batches 1..k, each exactly once, with its exact value, k >= the last acknowledged.
      ASSERT_GE(static_cast<int64_t>(pts.size()), acked_max) << "series " << s << " iteration " << iter;
      for (size_t i = 0; i < pts.size(); ++i) {
        const int64_t b = static_cast<int64_t>(i) + 1;
        ASSERT_EQ(pts[i].t, b * kStep) << "series " << s << " iteration " << iter;
        ASSERT_EQ(pts[i].bits, ValueBits(b, s)) << "series " << s << " batch " << b;
      }
      // A batch is committed (and logged) as a whole: all series agree.
      if (s == 0) present_max = static_cast<int64_t>(pts.size());
      ASSERT_EQ(static_cast<int64_t>(pts.size()), present_max) << "series " << s;
    }
    next = present_max + 1;
    blocks = (*db)->Blocks().size();
    warnings += (*db)->WalReplay().warnings.size();
  }
  EXPECT_GT(acked_max, 0);
  std::printf(
      "crash test: %d kills, %lld batches acknowledged, %zu blocks at the end, %zu torn WAL tails cut\n",
      kKills, static_cast<long long>(acked_max), blocks, warnings);
}

}  // namespace
}  // namespace promref::tsdb
