// Start timestamps (st-storage): the per-chunk column, and the DB keeping each sample's start
// timestamp through the head, chunk cuts, WAL replay, checkpoints and compaction into blocks.
#include "tsdb/chunks/start_timestamps.h"

#include <gtest/gtest.h>

#include <tuple>

#include "tsdb/chunks/xor.h"
#include "tsdb/db.h"
#include "tsdb/tests/test_util.h"

namespace promref::tsdb {
namespace {

using testing::Eq;
using testing::TempDir;

TEST(StartTimestampColumn, ReadsBackBesideAnyEncodingAndSeeks) {
  ChunkBuffer buf;
  XorState xs;
  XorAppender app(&buf, &xs);
  // The first two samples came before any start timestamp was known; then a counter that
  // started at 95, a reset (starts after its previous sample), an unknown one, one after t.
  const std::vector<std::tuple<int64_t, int64_t>> samples = {{100, 0},   {110, 0}, {120, 95},  {130, 95},
                                                             {140, 135}, {150, 0}, {160, 161}, {170, -5}};
  StartTimestampColumn column(2);
  for (const auto& [t, st] : samples) {
    app.Append(t, static_cast<double>(t));
    if (t >= 120) column.Append(st);
  }
  const std::string joined = JoinStartTimestamps(buf.view(), column.view());
  EXPECT_EQ(ChunkNumSamples(joined), samples.size());  // the header stays in front

  auto it = NewChunkIterator(WithStartTimestamps(Encoding::kXor), joined);
  for (const auto& [t, st] : samples) {
    ASSERT_EQ(it->Next(), storage::ValueType::kFloat);
    EXPECT_EQ(it->AtT(), t);
    EXPECT_EQ(it->AtFloat(), static_cast<double>(t));
    EXPECT_EQ(it->AtStartTimestamp(), st) << "at " << t;
  }
  EXPECT_EQ(it->Next(), storage::ValueType::kNone);
  EXPECT_TRUE(it->Err().ok());

  auto seek = NewChunkIterator(WithStartTimestamps(Encoding::kXor), joined);
  ASSERT_EQ(seek->Seek(135), storage::ValueType::kFloat);
  EXPECT_EQ(seek->AtT(), 140);
  EXPECT_EQ(seek->AtStartTimestamp(), 135);
  EXPECT_EQ(seek->Seek(120), storage::ValueType::kFloat);  // never backwards
  EXPECT_EQ(seek->AtT(), 140);
  ASSERT_EQ(seek->Next(), storage::ValueType::kFloat);
  EXPECT_EQ(seek->AtStartTimestamp(), 0);
  EXPECT_EQ(seek->Seek(1000), storage::ValueType::kNone);

  // Corruption is reported, never read past: a bad trailer, a column cut short.
  auto bad = NewChunkIterator(WithStartTimestamps(Encoding::kXor), joined.substr(0, joined.size() - 1));
  EXPECT_EQ(bad->Next(), storage::ValueType::kNone);
  EXPECT_FALSE(bad->Err().ok());
  const std::string short_column = JoinStartTimestamps(buf.view(), column.view().substr(0, 1));
  auto cut = NewChunkIterator(WithStartTimestamps(Encoding::kXor), short_column);
  size_t read = 0;
  while (cut->Next() != storage::ValueType::kNone) ++read;
  EXPECT_LT(read, samples.size());
  EXPECT_FALSE(cut->Err().ok());
}

Options TestOptions(const std::string& dir) {
  Options o;
  o.dir = dir;
  o.block_range = 1000;
  o.retention_time = 0;
  o.background_compaction = false;
  o.store_start_timestamps = true;
  o.clock = [] { return int64_t{1'700'000'000'000}; };
  return o;
}

std::unique_ptr<DB> MustOpen(Options o) {
  auto db = DB::Open(std::move(o));
  EXPECT_TRUE(db.ok()) << (db.ok() ? "" : db.error().message());
  return std::move(*db);
}

// (t, st, histogram?) of every sample of the series with label a=`a`.
using Starts = std::vector<std::tuple<int64_t, int64_t, bool>>;
Starts ReadStarts(DB& db, const std::string& a) {
  Starts out;
  auto q = *db.MakeQuerier(kMinTime, kMaxTime);
  const std::vector<model::Matcher> ms = {Eq("a", a)};
  auto set = q->Select(true, {}, ms);
  while (set->Next()) {
    auto it = set->At().Iterator();
    for (auto vt = it->Next(); vt != storage::ValueType::kNone; vt = it->Next()) {
      out.emplace_back(it->AtT(), it->AtStartTimestamp(), vt == storage::ValueType::kHistogram);
    }
    EXPECT_TRUE(it->Err().ok());
  }
  return out;
}

model::FloatHistogram CounterHistogram(double n) {
  model::FloatHistogram h;
  h.schema = 0;
  h.count = n;
  h.sum = n;
  h.positive_spans = {{0, 1}};
  h.positive_buckets = {n};
  return h;
}

TEST(DB, StartTimestampsSurviveChunkCutsReplayAndCompaction) {
  TempDir dir;
  const model::Labels floats{{"__name__", "c_total"}, {"a", "floats"}};
  const model::Labels hists{{"__name__", "h"}, {"a", "hists"}};
  const model::Labels plain{{"__name__", "c_total"}, {"a", "plain"}};
  Starts want_floats, want_hists, want_plain;
  {
    auto db = MustOpen(TestOptions(dir.path()));
    for (int64_t t = 0; t < 5000; t += 10) {
      // No start timestamp at first; then a counter that started at 295, reset at 2500 (its
      // start just after the previous sample), and, near the end, a delta-style series whose
      // start is each previous sample's time.
      const int64_t st = t < 300 ? 0 : t < 2500 ? 295 : t < 4000 ? 2495 : t - 10;
      auto app = db->MakeAppender();
      ASSERT_TRUE(app->AppendWithStartTimestamp(0, floats, st, t, static_cast<double>(t)).ok());
      ASSERT_TRUE(app->AppendHistogramWithStartTimestamp(0, hists, st, t, CounterHistogram(t)).ok());
      ASSERT_TRUE(app->Append(0, plain, t, 1).ok());
      ASSERT_TRUE(app->Commit().ok());
      want_floats.emplace_back(t, st, false);
      want_hists.emplace_back(t, st, true);
      want_plain.emplace_back(t, 0, false);
    }
    EXPECT_EQ(ReadStarts(*db, "floats"), want_floats);
    EXPECT_EQ(ReadStarts(*db, "hists"), want_hists);
    EXPECT_EQ(ReadStarts(*db, "plain"), want_plain);
  }
  {
    auto db = MustOpen(TestOptions(dir.path()));  // from the WAL
    EXPECT_EQ(ReadStarts(*db, "floats"), want_floats);
    EXPECT_EQ(ReadStarts(*db, "hists"), want_hists);
    ASSERT_TRUE(db->Compact().ok());
    ASSERT_FALSE(db->Blocks().empty());
    EXPECT_EQ(ReadStarts(*db, "floats"), want_floats);
    EXPECT_EQ(ReadStarts(*db, "hists"), want_hists);
    EXPECT_EQ(ReadStarts(*db, "plain"), want_plain);
  }
  auto db = MustOpen(TestOptions(dir.path()));  // blocks, and what the checkpoint kept
  EXPECT_EQ(ReadStarts(*db, "floats"), want_floats);
  EXPECT_EQ(ReadStarts(*db, "hists"), want_hists);
  EXPECT_EQ(ReadStarts(*db, "plain"), want_plain);
}

// Without st-storage the start timestamps appenders give are dropped, as Prometheus drops them.
TEST(DB, StartTimestampsNeedTheOption) {
  Options o = TestOptions("");
  o.store_start_timestamps = false;
  auto db = MustOpen(o);
  const model::Labels floats{{"__name__", "c_total"}, {"a", "floats"}};
  auto app = db->MakeAppender();
  ASSERT_TRUE(app->AppendWithStartTimestamp(0, floats, 5, 10, 1).ok());
  ASSERT_TRUE(app->Commit().ok());
  EXPECT_EQ(ReadStarts(*db, "floats"), Starts({{10, 0, false}}));
}

}  // namespace
}  // namespace promref::tsdb
