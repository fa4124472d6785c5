#include "tsdb/db.h"

#include <gtest/gtest.h>

#include <barrier>
#include <cmath>
#include <filesystem>
#include <thread>
#include <tuple>

#include "model/sample.h"
#include "storage/mem_storage.h"
#include "tsdb/tests/test_util.h"

namespace promref::tsdb {
namespace {

using storage::AppendError;
using testing::DumpAll;
using testing::Eq;
using testing::Point;
using testing::TempDir;

Options TestOptions(const std::string& dir) {
  Options o;
  o.dir = dir;
  o.block_range = 1000;
  o.retention_time = 0;
  o.background_compaction = false;
  o.clock = [] { return int64_t{1'700'000'000'000}; };
  return o;
}

std::unique_ptr<DB> MustOpen(Options o) {
  auto db = DB::Open(std::move(o));
  EXPECT_TRUE(db.ok()) << (db.ok() ? "" : db.error().message());
  return std::move(*db);
}

const model::Labels kA{{"__name__", "m"}, {"a", "1"}};
const model::Labels kB{{"__name__", "m"}, {"a", "2"}};

TEST(DB, AppendRulesFollowPrometheus) {
  auto db = MustOpen(TestOptions(""));
  auto app = db->MakeAppender();
  EXPECT_TRUE(app->Append(0, kA, 1000, 1).ok());
  EXPECT_TRUE(app->Append(0, kA, 2000, 2).ok());
  // Checked against committed data only, as Prometheus checks: a sample not newer than the
  // batch's newest of its series is accepted, and dropped at commit.
  EXPECT_TRUE(app->Append(0, kA, 1500, 9).ok());
  EXPECT_TRUE(app->Append(0, kA, 2000, 3).ok());
  EXPECT_TRUE(app->Append(0, kA, 2000, 2).ok());
  EXPECT_EQ(app->Append(0, model::Labels(), 1, 1).error, AppendError::kInvalidLabels);
  EXPECT_TRUE(DumpAll(*db).empty());  // nothing visible before Commit
  ASSERT_TRUE(app->Commit().ok());
  const std::vector<Point> kept = {{1000, std::bit_cast<uint64_t>(1.0)},
                                   {2000, std::bit_cast<uint64_t>(2.0)}};
  EXPECT_EQ(DumpAll(*db).size(), 1u);
  EXPECT_EQ(DumpAll(*db).begin()->second, kept);

  auto app2 = db->MakeAppender();
  EXPECT_EQ(app2->Append(0, kA, 1999, 1).error, AppendError::kOutOfOrder);
  EXPECT_EQ(app2->Append(0, kA, 2000, 3).error, AppendError::kDuplicateSample);
  const auto r = app2->Append(0, kA, 3000, model::StaleNaN());
  EXPECT_TRUE(r.ok());
  EXPECT_NE(r.ref, 0u);
  // The reference works as a hint.
  EXPECT_TRUE(app2->Append(r.ref, kA, 4000, 4).ok());
  ASSERT_TRUE(app2->Commit().ok());
  const auto d = DumpAll(*db);
  ASSERT_EQ(d.begin()->second.size(), 4u);
  EXPECT_EQ(d.begin()->second[2].bits, model::kStaleNaNBits);
}

TEST(DB, OutOfBoundsBeforeHeadWindow) {
  Options o = TestOptions("");
  auto db = MustOpen(o);
  auto app = db->MakeAppender();
  ASSERT_TRUE(app->Append(0, kA, 10000, 1).ok());
  ASSERT_TRUE(app->Commit().ok());
  // Lowest appendable time: head max - block range / 2.
  auto app2 = db->MakeAppender();
  EXPECT_EQ(app2->Append(0, kB, 9000, 1).error, AppendError::kOutOfBounds);
  EXPECT_TRUE(app2->Append(0, kB, 9500, 1).ok());
}

TEST(DB, OutOfOrderWindow) {
  TempDir dir;
  Options o = TestOptions(dir.path());
  o.ooo_window = 5000;
  {
    auto db = MustOpen(o);
    auto app = db->MakeAppender();
    ASSERT_TRUE(app->Append(0, kA, 10000, 1).ok());
    ASSERT_TRUE(app->Commit().ok());
    app = db->MakeAppender();
    EXPECT_TRUE(app->Append(0, kA, 7000, 7).ok());
    EXPECT_TRUE(app->Append(0, kA, 6000, 6).ok());
    EXPECT_EQ(app->Append(0, kA, 4000, 4).error, AppendError::kTooOld);
    ASSERT_TRUE(app->Commit().ok());
    app = db->MakeAppender();
    EXPECT_EQ(app->Append(0, kA, 7000, 8).error, AppendError::kDuplicateSample);
    EXPECT_TRUE(app->Append(0, kA, 7000, 7).ok());
    ASSERT_TRUE(app->Commit().ok());
    const std::vector<Point> want = {{6000, std::bit_cast<uint64_t>(6.0)},
                                     {7000, std::bit_cast<uint64_t>(7.0)},
                                     {10000, std::bit_cast<uint64_t>(1.0)}};
    EXPECT_EQ(DumpAll(*db).begin()->second, want);
  }
  // Survives a restart, and compaction into (overlapping, then merged) blocks.
  auto db = MustOpen(o);
  auto d = DumpAll(*db);
  ASSERT_EQ(d.size(), 1u);
  EXPECT_EQ(d.begin()->second.size(), 3u);
  auto app = db->MakeAppender();
  for (int64_t t = 11000; t <= 14000; t += 500) ASSERT_TRUE(app->Append(0, kA, t, 1).ok());
  ASSERT_TRUE(app->Commit().ok());
  ASSERT_TRUE(db->Compact().ok());
  EXPECT_FALSE(db->Blocks().empty());
  d = DumpAll(*db);
  EXPECT_EQ(d.begin()->second.size(), 10u);
  EXPECT_EQ(d.begin()->second[0].t, 6000);
}

model::FloatHistogram CountHistogram(double n) {
  model::FloatHistogram h;
  h.schema = 1;
  h.count = n;
  h.sum = 2 * n;
  h.positive_spans = {{0, 1}};
  h.positive_buckets = {n};
  return h;
}

// Native histograms take the out-of-order path too (Prometheus' OOO head holds them): older
// samples within the window go in, repeats are no-ops, conflicts are duplicates, a float and a
// histogram at one time conflict, and they stay through a restart and compaction, in order.
TEST(DB, OutOfOrderHistograms) {
  TempDir dir;
  Options o = TestOptions(dir.path());
  o.ooo_window = 5000;
  const model::Labels h{{"__name__", "h"}};
  std::vector<Point> want;
  {
    auto db = MustOpen(o);
    auto app = db->MakeAppender();
    ASSERT_TRUE(app->AppendHistogram(0, h, 10000, CountHistogram(10)).ok());
    ASSERT_TRUE(app->Commit().ok());
    app = db->MakeAppender();
    EXPECT_TRUE(app->AppendHistogram(0, h, 7000, CountHistogram(7)).ok());
    EXPECT_TRUE(app->AppendHistogram(0, h, 6000, CountHistogram(6)).ok());
    EXPECT_TRUE(app->Append(0, h, 8000, 8).ok());  // a float among them
    EXPECT_EQ(app->AppendHistogram(0, h, 4000, CountHistogram(4)).error, AppendError::kTooOld);
    ASSERT_TRUE(app->Commit().ok());
    app = db->MakeAppender();
    EXPECT_EQ(app->AppendHistogram(0, h, 7000, CountHistogram(70)).error, AppendError::kDuplicateSample);
    EXPECT_EQ(app->Append(0, h, 7000, 7).error, AppendError::kDuplicateSample);
    EXPECT_EQ(app->AppendHistogram(0, h, 8000, CountHistogram(8)).error, AppendError::kDuplicateSample);
    EXPECT_TRUE(app->AppendHistogram(0, h, 7000, CountHistogram(7)).ok());
    ASSERT_TRUE(app->Commit().ok());
    want = {{6000, std::bit_cast<uint64_t>(6.0), true},
            {7000, std::bit_cast<uint64_t>(7.0), true},
            {8000, std::bit_cast<uint64_t>(8.0), false},
            {10000, std::bit_cast<uint64_t>(10.0), true}};
    EXPECT_EQ(DumpAll(*db).begin()->second, want);
  }
  auto db = MustOpen(o);  // from the WAL
  EXPECT_EQ(DumpAll(*db).begin()->second, want);
  auto app = db->MakeAppender();
  for (int64_t t = 11000; t <= 14000; t += 500) {
    ASSERT_TRUE(app->AppendHistogram(0, h, t, CountHistogram(static_cast<double>(t) / 1000)).ok());
    want.push_back({t, std::bit_cast<uint64_t>(static_cast<double>(t) / 1000), true});
  }
  ASSERT_TRUE(app->Commit().ok());
  ASSERT_TRUE(db->Compact().ok());
  EXPECT_FALSE(db->Blocks().empty());
  EXPECT_EQ(DumpAll(*db).begin()->second, want);
}

TEST(DB, CompactsHeadIntoBlocksAndQueriesAcross) {
  TempDir dir;
  auto db = MustOpen(TestOptions(dir.path()));
  for (int64_t t = 0; t < 10000; t += 100) {
    auto app = db->MakeAppender();
    ASSERT_TRUE(app->Append(0, kA, t, static_cast<double>(t)).ok());
    if (t % 200 == 0) {
      ASSERT_TRUE(app->Append(0, kB, t, -static_cast<double>(t)).ok());
    }
    ASSERT_TRUE(app->Commit().ok());
  }
  const auto before = DumpAll(*db);
  ASSERT_TRUE(db->Compact().ok());
  const auto blocks = db->Blocks();
  ASSERT_GE(blocks.size(), 2u);
  EXPECT_LT(db->head().MinTime(), 10000);
  EXPECT_GE(db->head().MinTime(), 8000);
  EXPECT_EQ(DumpAll(*db), before);
  // Adjacent level-1 blocks got merged into level-2 ones (3 x 1000 ms).
  bool merged = false;
  for (const BlockMeta& m : blocks) merged |= m.level == 2 && m.max_time - m.min_time == 3000;
  EXPECT_TRUE(merged);
  // Label queries across head and blocks, filtered by time: by partition (a block, the head),
  // not by sample, as Prometheus reads labels from the partitions' indexes. b has no sample
  // after 9800, but it is in the head, which overlaps the window.
  auto q = *db->MakeQuerier(0, 150);
  EXPECT_EQ(*q->LabelValues("a", {}, {}), (std::vector<std::string>{"1", "2"}));
  auto q2 = *db->MakeQuerier(9850, 9999);
  EXPECT_EQ(*q2->LabelValues("a", {}, {}), (std::vector<std::string>{"1", "2"}));
  auto q3 = *db->MakeQuerier(20000, 30000);
  EXPECT_TRUE(q3->LabelValues("a", {}, {})->empty()) << "no partition overlaps the window";
}

// Prometheus' querier answers label names and values from the index (every series of a block
// or head overlapping the window), and the series endpoint from chunk time ranges (a series
// whose chunk overlaps the window, unless tombstones hide the whole chunk), never from samples.
TEST(DB, LabelsComeFromTheIndexAndSeriesFromChunks) {
  auto db = MustOpen(TestOptions(""));
  const model::Labels kC{{"__name__", "m"}, {"a", "3"}};
  auto app = db->MakeAppender();
  // a="1" ends with a staleness marker at 10400; a="2" goes on; a="3" has a gap 10000..10800.
  for (int64_t t = 10000; t <= 10300; t += 100) ASSERT_TRUE(app->Append(0, kA, t, 1).ok());
  ASSERT_TRUE(app->Append(0, kA, 10400, model::StaleNaN()).ok());
  for (int64_t t = 10000; t <= 10900; t += 100) ASSERT_TRUE(app->Append(0, kB, t, 2).ok());
  ASSERT_TRUE(app->Append(0, kC, 10000, 3).ok());
  ASSERT_TRUE(app->Append(0, kC, 10800, 3).ok());
  ASSERT_TRUE(app->Commit().ok());
  const std::vector<model::Matcher> m = {Eq("__name__", "m")};
  auto series = [&](int64_t mint, int64_t maxt) {
    auto querier = *db->MakeQuerier(mint, maxt);
    storage::SelectHints hints;
    hints.start = mint;
    hints.end = maxt;
    hints.func = "series";
    std::vector<std::string> out;
    auto set = querier->Select(true, hints, m);
    while (set->Next()) out.emplace_back(set->At().labels().Get("a"));
    return out;
  };
  using V = std::vector<std::string>;
  // After a="1" ended: still a label value (and its names count), no longer a series.
  auto q = *db->MakeQuerier(10600, 10700);
  EXPECT_EQ(*q->LabelValues("a", {}, m), (V{"1", "2", "3"}));
  const std::vector<model::Matcher> a1 = {Eq("a", "1")};
  EXPECT_EQ(*q->LabelNames({}, a1), (V{"__name__", "a"}));
  EXPECT_EQ(series(10600, 10700), (V{"2", "3"})) << "a=3 has no sample there, but a chunk across it";
  // The staleness marker is a sample of the chunk: a window around it has the series.
  EXPECT_EQ(series(10350, 10450), (V{"1", "2", "3"}));
  EXPECT_EQ(series(10401, 10450), (V{"2", "3"}));
  // Deleted data: the series goes once its chunk is wholly deleted; its labels stay (index).
  ASSERT_TRUE(db->Delete(0, 20000, std::vector<model::Matcher>{Eq("a", "2")}).ok());
  EXPECT_EQ(series(10000, 20000), (V{"1", "3"}));
  q = *db->MakeQuerier(10000, 20000);
  EXPECT_EQ(*q->LabelValues("a", {}, m), (V{"1", "2", "3"}));
  EXPECT_EQ(*q->LabelValues("a", {}, {}), (V{"1", "2", "3"}));
  // Nothing once no partition overlaps the window.
  EXPECT_TRUE(db->MakeQuerier(20000, 30000).value()->LabelValues("a", {}, m)->empty());
  EXPECT_TRUE(series(20000, 30000).empty());
}

TEST(DB, ReopenReplaysWalAndKeepsBlocks) {
  TempDir dir;
  testing::Dump before;
  {
    auto db = MustOpen(TestOptions(dir.path()));
    for (int64_t t = 0; t < 5000; t += 100) {
      auto app = db->MakeAppender();
      ASSERT_TRUE(app->Append(0, kA, t, std::sin(t)).ok());
      ASSERT_TRUE(app->Commit().ok());
      if (t == 3000) {
        ASSERT_TRUE(db->Compact().ok());
      }
    }
    auto app = db->MakeAppender();
    ASSERT_TRUE(app->AppendExemplar(0, kA, {{{"trace_id", "abc"}}, 1.5, 4900, true}).ok());
    ASSERT_TRUE(app->UpdateMetadata(0, kA, {storage::MetricType::kGauge, "help", "seconds"}).ok());
    ASSERT_TRUE(app->Commit().ok());
    before = DumpAll(*db);
  }
  auto db = MustOpen(TestOptions(dir.path()));
  EXPECT_EQ(DumpAll(*db), before);
  EXPECT_TRUE(db->WalReplay().done);
  const std::vector<std::vector<model::Matcher>> groups = {{Eq("a", "1")}};
  auto ex = *db->SelectExemplars(0, 10000, groups);
  ASSERT_EQ(ex.size(), 1u);
  EXPECT_EQ(ex[0].exemplars[0].labels.Get("trace_id"), "abc");
  ASSERT_EQ(db->MetricMetadata().size(), 1u);
  EXPECT_EQ(db->MetricMetadata()[0].second[0].unit, "seconds");
  // A second open of the same directory is refused.
  EXPECT_FALSE(DB::Open(TestOptions(dir.path())).ok());
}

// Every histogram sample of `labels` as (t, hint, count).
std::vector<std::tuple<int64_t, model::CounterResetHint, double>> Histograms(DB& db,
                                                                             const model::Labels& labels) {
  std::vector<std::tuple<int64_t, model::CounterResetHint, double>> out;
  auto q = *db.MakeQuerier(kMinTime, kMaxTime);
  std::vector<model::Matcher> ms;
  for (const model::LabelView& l : labels) ms.push_back(Eq(std::string(l.name), std::string(l.value)));
  auto set = q->Select(true, {}, ms);
  while (set->Next()) {
    auto it = set->At().Iterator();
    while (it->Next() == storage::ValueType::kHistogram) {
      out.emplace_back(it->AtT(), it->AtHistogram().counter_reset_hint, it->AtHistogram().count);
    }
  }
  return out;
}

// Native histograms read back with the hints of Prometheus' head chunks (unknown where a chunk
// starts: a chunk range boundary or a counter reset; not-reset after; gauge in gauge chunks),
// and keep them through compaction into blocks and WAL replay. A bucket appearing midway
// widens the chunk's layout rather than cutting it.
TEST(DB, NativeHistogramsKeepHeadHintsThroughBlocksAndReplay) {
  TempDir dir;
  const model::Labels counter{{"__name__", "h"}, {"kind", "counter"}};
  const model::Labels gauge{{"__name__", "h"}, {"kind", "gauge"}};
  std::vector<std::tuple<int64_t, model::CounterResetHint, double>> want;
  {
    auto db = MustOpen(TestOptions(dir.path()));
    double n = 0;
    for (int64_t t = 0; t < 5000; t += 10) {
      n = t == 1500 ? 1 : n + 3;  // a counter reset at 1500
      model::FloatHistogram h;
      h.schema = 3;
      h.count = n;
      h.sum = n * 0.5;
      h.positive_spans = {{2, 1}};
      h.positive_buckets = {n};
      if (t >= 700) {  // a second bucket from 700 on
        h.positive_spans = {{2, 1}, {3, 1}};
        h.positive_buckets = {n - 1, 1};
      }
      model::FloatHistogram g = h;
      g.counter_reset_hint = model::CounterResetHint::kGauge;
      g.count = g.positive_buckets[0] = static_cast<double>(t % 7);
      if (t >= 700) g.count += 1;
      auto app = db->MakeAppender();
      ASSERT_TRUE(app->AppendHistogram(0, counter, t, h).ok());
      ASSERT_TRUE(app->AppendHistogram(0, gauge, t, g).ok());
      ASSERT_TRUE(app->Commit().ok());
      const bool starts = t % 1000 == 0 || t == 1500;
      want.emplace_back(
          t, starts ? model::CounterResetHint::kUnknown : model::CounterResetHint::kNotCounterReset, n);
    }
    EXPECT_EQ(Histograms(*db, counter), want);
    for (const auto& [t, hint, count] : Histograms(*db, gauge))
      EXPECT_EQ(hint, model::CounterResetHint::kGauge);
    ASSERT_TRUE(db->Compact().ok());
    ASSERT_FALSE(db->Blocks().empty());
    EXPECT_EQ(Histograms(*db, counter), want);
  }
  auto db = MustOpen(TestOptions(dir.path()));
  EXPECT_EQ(Histograms(*db, counter), want);
  const auto g = Histograms(*db, gauge);
  EXPECT_EQ(g.size(), 500u);
  for (const auto& [t, hint, count] : g) EXPECT_EQ(hint, model::CounterResetHint::kGauge);
  // Rewriting a block without some samples re-encodes its chunks: the samples left keep their
  // hints (the chunk continues across the gap, as in Prometheus).
  const std::vector<model::Matcher> ms = {Eq("kind", "counter")};
  ASSERT_TRUE(db->Delete(1200, 1290, ms).ok());
  ASSERT_TRUE(db->CleanTombstones().ok());
  std::erase_if(want, [](const auto& w) { return std::get<0>(w) >= 1200 && std::get<0>(w) <= 1290; });
  EXPECT_EQ(Histograms(*db, counter), want);
}

TEST(DB, DeleteHidesDataAndCleanTombstonesRewrites) {
  TempDir dir;
  auto db = MustOpen(TestOptions(dir.path()));
  for (int64_t t = 0; t < 6000; t += 100) {
    auto app = db->MakeAppender();
    ASSERT_TRUE(app->Append(0, kA, t, 1).ok());
    ASSERT_TRUE(app->Append(0, kB, t, 2).ok());
    ASSERT_TRUE(app->Commit().ok());
  }
  ASSERT_TRUE(db->Compact().ok());
  const std::vector<model::Matcher> ms = {Eq("a", "1")};
  ASSERT_TRUE(db->Delete(1000, 5500, ms).ok());
  auto d = DumpAll(*db);
  EXPECT_EQ(d[kA.ToString()].size(), 10u + 4u);  // [0, 1000) and (5500, 6000)
  EXPECT_EQ(d[kB.ToString()].size(), 60u);
  // New samples after the deleted range stay visible.
  auto app = db->MakeAppender();
  ASSERT_TRUE(app->Append(0, kA, 6000, 1).ok());
  ASSERT_TRUE(app->Commit().ok());
  ASSERT_TRUE(db->CleanTombstones().ok());
  d = DumpAll(*db);
  EXPECT_EQ(d[kA.ToString()].size(), 15u);
  for (const BlockMeta& m : db->Blocks()) EXPECT_EQ(m.stats.num_tombstones, 0u);
  // Deleting everything of a series removes it from queries.
  ASSERT_TRUE(db->Delete(-100000, 100000, ms).ok());
  EXPECT_EQ(DumpAll(*db).count(kA.ToString()), 0u);
}

TEST(DB, SnapshotHardLinksBlocksAndWritesHead) {
  TempDir dir;
  TempDir snap;
  auto db = MustOpen(TestOptions(dir.path()));
  for (int64_t t = 0; t < 4000; t += 100) {
    auto app = db->MakeAppender();
    ASSERT_TRUE(app->Append(0, kA, t, 1).ok());
    ASSERT_TRUE(app->Commit().ok());
  }
  ASSERT_TRUE(db->Compact().ok());
  const auto before = DumpAll(*db);
  const std::string out = snap.path() + "/s1";
  ASSERT_TRUE(db->Snapshot(out, /*with_head=*/true).ok());
  Options o = TestOptions(out);
  auto copy = MustOpen(o);
  EXPECT_EQ(DumpAll(*copy), before);
}

TEST(DB, RetentionDropsOldBlocks) {
  TempDir dir;
  Options o = TestOptions(dir.path());
  o.retention_time = 3000;
  o.max_block_duration = 1000;  // no merging, to see single blocks go
  auto db = MustOpen(o);
  for (int64_t t = 0; t < 10000; t += 100) {
    auto app = db->MakeAppender();
    ASSERT_TRUE(app->Append(0, kA, t, 1).ok());
    ASSERT_TRUE(app->Commit().ok());
  }
  ASSERT_TRUE(db->Compact().ok());
  const auto blocks = db->Blocks();
  ASSERT_FALSE(blocks.empty());
  EXPECT_GE(blocks.front().min_time, blocks.back().max_time - 4000);
}

TEST(DB, CommitEndsTheBatchClaimOnEverySeries) {
  TempDir dir;
  auto db = MustOpen(TestOptions(dir.path()));
  const model::Labels kC{{"__name__", "m"}, {"a", "3"}};
  // Each series' samples in one run (the claims end inside Apply), then interleaved (they end
  // in Release), then a batch of a rejected sample only (rolled back).
  auto app = db->MakeAppender();
  const uint64_t a = app->Append(0, kA, 1000, 1).ref;
  ASSERT_TRUE(app->Append(a, kA, 1100, 1).ok());
  const uint64_t b = app->Append(0, kB, 1000, 1).ref;
  ASSERT_TRUE(app->Commit().ok());
  app = db->MakeAppender();
  ASSERT_TRUE(app->Append(a, kA, 1200, 1).ok());
  ASSERT_TRUE(app->Append(b, kB, 1200, 1).ok());
  ASSERT_TRUE(app->Append(a, kA, 1300, 1).ok());
  ASSERT_TRUE(app->Commit().ok());
  app = db->MakeAppender();
  ASSERT_TRUE(app->Append(b, kB, 1300, 1).ok());
  const uint64_t c = app->Append(0, kC, 1300, 1).ref;
  ASSERT_TRUE(app->Commit().ok());
  app = db->MakeAppender();
  EXPECT_EQ(app->Append(a, kA, 1000, 1).error, AppendError::kOutOfOrder);
  ASSERT_TRUE(app->Commit().ok());
  for (const uint64_t ref : {a, b, c}) {
    const MemSeries* s = db->head().GetByRef(ref);
    ASSERT_NE(s, nullptr);
    EXPECT_EQ(s->pending_refs, 0u) << ref;
    EXPECT_EQ(s->pending_t, kMinTime) << ref;
    EXPECT_TRUE(s->wal_logged) << ref;  // its series record went out with the first commit
  }
  // Nothing holds the series once their data is gone.
  db->head().Truncate(2000);
  EXPECT_EQ(db->head().NumSeries(), 0u);
}

TEST(DB, StatsReportHeadCardinality) {
  auto db = MustOpen(TestOptions(""));
  auto app = db->MakeAppender();
  for (int i = 0; i < 5; ++i) {
    ASSERT_TRUE(app->Append(0, {{"__name__", "up"}, {"job", "j" + std::to_string(i % 2)}}, 1000, 1).ok());
  }
  ASSERT_TRUE(app->Append(0, {{"__name__", "other"}, {"job", "j0"}}, 2000, 1).ok());
  ASSERT_TRUE(app->Commit().ok());
  const HeadStats st = db->Stats(10);
  EXPECT_EQ(st.num_series, 3u);
  EXPECT_EQ(st.chunk_count, 3u);
  EXPECT_EQ(st.min_time, 1000);
  EXPECT_EQ(st.max_time, 2000);
  EXPECT_EQ(st.num_label_pairs, 4u);  // __name__=up, __name__=other, job=j0, job=j1
  ASSERT_EQ(st.series_count_by_metric_name.size(), 2u);
  EXPECT_EQ(st.series_count_by_metric_name[0], (LabelStat{"up", 2}));
  // Ties are ordered by name.
  EXPECT_EQ(st.series_count_by_label_value_pair[0], (LabelStat{"__name__=up", 2}));
  EXPECT_EQ(st.series_count_by_label_value_pair[1], (LabelStat{"job=j0", 2}));
  EXPECT_EQ(st.memory_in_bytes_by_label_name[0], (LabelStat{"__name__", 2 * 2 + 5}));
  EXPECT_EQ(db->Stats(1).series_count_by_label_value_pair.size(), 1u);
}

TEST(DB, ConcurrentAppendersAndQueriers) {
  TempDir dir;
  Options o = TestOptions(dir.path());
  o.background_compaction = true;
  o.block_range = 4000;
  auto db = MustOpen(o);
  constexpr int kThreads = 3;
  constexpr int kSamples = 300;
  // Writers move in step (a writer far behind the others would be out of bounds, correctly).
  std::barrier step(kThreads);
  std::vector<std::thread> threads;
  for (int w = 0; w < kThreads; ++w) {
    threads.emplace_back([&, w] {
      const model::Labels l{{"__name__", "c"}, {"w", std::to_string(w)}};
      for (int i = 0; i < kSamples; ++i) {
        if (i % 10 == 0) step.arrive_and_wait();
        auto app = db->MakeAppender();
        EXPECT_TRUE(app->Append(0, l, i * 50, i).ok());
        EXPECT_TRUE(app->Commit().ok());
      }
    });
  }
  threads.emplace_back([&] {
    for (int i = 0; i < 50; ++i) DumpAll(*db);
  });
  for (auto& t : threads) t.join();
  ASSERT_TRUE(db->Compact().ok());
  const auto d = DumpAll(*db);
  ASSERT_EQ(d.size(), static_cast<size_t>(kThreads));
  for (const auto& [l, pts] : d) EXPECT_EQ(pts.size(), static_cast<size_t>(kSamples)) << l;
}

}  // namespace
}  // namespace promref::tsdb
