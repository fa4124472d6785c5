#include "storage/mem_storage.h"

#include <gtest/gtest.h>

#include <cmath>

#include "model/sample.h"

namespace promref::storage {
namespace {

model::Matcher Eq(std::string n, std::string v) {
  return *model::Matcher::Make(model::MatchType::kEqual, std::move(n), std::move(v));
}

TEST(MemStorage, AppendRulesFollowTheHead) {
  MemStorage s;
  const model::Labels l{{"__name__", "m"}, {"a", "1"}};
  auto app = s.MakeAppender();
  EXPECT_TRUE(app->Append(0, l, 1000, 1).ok());
  EXPECT_TRUE(app->Append(0, l, 2000, 2).ok());
  EXPECT_EQ(app->Append(0, l, 1500, 9).error, AppendError::kOutOfOrder);
  EXPECT_EQ(app->Append(0, l, 2000, 3).error, AppendError::kDuplicateSample);
  EXPECT_TRUE(app->Append(0, l, 2000, 2).ok());  // same value: a no-op
  EXPECT_EQ(app->Append(0, model::Labels(), 1, 1).error, AppendError::kInvalidLabels);
  // Nothing is visible before Commit.
  EXPECT_EQ(s.NumSeries(), 0u);
  ASSERT_TRUE(app->Commit().ok());
  EXPECT_EQ(s.NumSeries(), 1u);

  auto app2 = s.MakeAppender();
  EXPECT_EQ(app2->Append(0, l, 1999, 1).error, AppendError::kOutOfOrder);  // checked against committed
  EXPECT_TRUE(app2->Append(0, l, 3000, model::StaleNaN()).ok());
  app2->Rollback();
  ASSERT_TRUE(app2->Commit().ok());

  auto q = s.MakeQuerier(0, 10000);
  const std::vector<model::Matcher> ms = {Eq("a", "1")};
  auto set = (*q)->Select(true, {}, ms);
  ASSERT_TRUE(set->Next());
  const auto samples = ReadFloats(set->At(), 0, 10000);
  ASSERT_EQ(samples.size(), 2u);
  EXPECT_EQ(samples[1].t, 2000);
  EXPECT_FALSE(set->Next());
}

// Histograms read back with the hints a Prometheus head (24 h chunk range) would give.
TEST(MemStorage, HistogramsGetTheHintsOfHeadChunks) {
  MemStorage s;
  const model::Labels l{{"__name__", "h"}};
  constexpr int64_t kDay = 24 * 3600 * 1000;
  auto hist = [](double count, model::CounterResetHint hint = model::CounterResetHint::kUnknown) {
    model::FloatHistogram h;
    h.count = count;
    h.positive_spans = {{0, 1}};
    h.positive_buckets = {count};
    h.counter_reset_hint = hint;
    return h;
  };
  auto app = s.MakeAppender();
  ASSERT_TRUE(app->AppendHistogram(0, l, 1, hist(1)).ok());
  ASSERT_TRUE(app->AppendHistogram(0, l, 2, hist(2.5)).ok());  // fractional: still one float chunk
  ASSERT_TRUE(app->AppendHistogram(0, l, 3, hist(1)).ok());    // a reset: a new chunk
  ASSERT_TRUE(app->AppendHistogram(0, l, 4, hist(5)).ok());
  ASSERT_TRUE(app->AppendHistogram(0, l, kDay, hist(6)).ok());  // the next chunk range
  ASSERT_TRUE(app->AppendHistogram(0, l, kDay + 1, hist(7)).ok());
  ASSERT_TRUE(app->Append(0, l, kDay + 2, 1).ok());  // a float ends the histogram chunk
  ASSERT_TRUE(app->AppendHistogram(0, l, kDay + 3, hist(8)).ok());
  ASSERT_TRUE(app->AppendHistogram(0, l, kDay + 4, hist(3, model::CounterResetHint::kGauge)).ok());
  ASSERT_TRUE(app->AppendHistogram(0, l, kDay + 5, hist(2, model::CounterResetHint::kGauge)).ok());
  ASSERT_TRUE(app->Commit().ok());

  using H = model::CounterResetHint;
  const std::vector<H> want = {H::kUnknown,         H::kNotCounterReset, H::kUnknown,
                               H::kNotCounterReset, H::kUnknown,         H::kNotCounterReset,
                               H::kUnknown,         H::kGauge,           H::kGauge};
  std::vector<H> got;
  auto q = s.MakeQuerier(0, 2 * kDay);
  const std::vector<model::Matcher> ms = {Eq("__name__", "h")};
  auto set = (*q)->Select(true, {}, ms);
  ASSERT_TRUE(set->Next());
  auto it = set->At().Iterator();
  for (auto vt = it->Next(); vt != ValueType::kNone; vt = it->Next()) {
    if (vt == ValueType::kHistogram) got.push_back(it->AtHistogram().counter_reset_hint);
  }
  EXPECT_EQ(got, want);
}

// Each sample keeps the start timestamp it was appended with (0 = unknown, also what the plain
// Append gives), floats and histograms alike, and Seek lands on the sample with its own.
TEST(MemStorage, KeepsStartTimestamps) {
  MemStorage s;
  const model::Labels l{{"__name__", "c"}};
  model::FloatHistogram h;
  h.count = 1;
  h.positive_spans = {{0, 1}};
  h.positive_buckets = {1};
  auto app = s.MakeAppender();
  ASSERT_TRUE(app->AppendWithStartTimestamp(0, l, 500, 1000, 1).ok());
  ASSERT_TRUE(app->Append(0, l, 2000, 2).ok());
  ASSERT_TRUE(app->AppendHistogramWithStartTimestamp(0, l, 2500, 3000, h).ok());
  ASSERT_TRUE(app->AppendHistogram(0, l, 4000, h).ok());
  ASSERT_TRUE(app->AppendWithStartTimestamp(0, l, 4000, 5000, 3).ok());
  // The head's rules still apply: an older sample is refused whatever its start.
  EXPECT_EQ(app->AppendWithStartTimestamp(0, l, 100, 4500, 1).error, AppendError::kOutOfOrder);
  ASSERT_TRUE(app->Commit().ok());

  auto q = s.MakeQuerier(0, 10000);
  const std::vector<model::Matcher> ms = {Eq("__name__", "c")};
  auto set = (*q)->Select(true, {}, ms);
  ASSERT_TRUE(set->Next());
  std::vector<std::pair<int64_t, int64_t>> got;  // (t, st)
  auto it = set->At().Iterator();
  for (auto vt = it->Next(); vt != ValueType::kNone; vt = it->Next())
    got.emplace_back(it->AtT(), it->AtStartTimestamp());
  const std::vector<std::pair<int64_t, int64_t>> want = {
      {1000, 500}, {2000, 0}, {3000, 2500}, {4000, 0}, {5000, 4000}};
  EXPECT_EQ(got, want);

  auto seek = set->At().Iterator();
  ASSERT_EQ(seek->Seek(2500), ValueType::kHistogram);
  EXPECT_EQ(seek->AtStartTimestamp(), 2500);
}

TEST(MemStorage, LabelNamesAndValuesFilteredByMatchersAndTime) {
  MemStorage s;
  auto app = s.MakeAppender();
  ASSERT_TRUE(app->Append(0, {{"__name__", "a"}, {"job", "x"}}, 1000, 1).ok());
  ASSERT_TRUE(app->Append(0, {{"__name__", "b"}, {"job", "y"}, {"extra", "1"}}, 5000, 1).ok());
  ASSERT_TRUE(app->Commit().ok());
  auto q = *s.MakeQuerier(0, 2000);
  auto names = q->LabelNames({}, {});
  EXPECT_EQ(*names, (std::vector<std::string>{"__name__", "job"}));
  auto all = *s.MakeQuerier(0, 10000);
  EXPECT_EQ(*all->LabelValues("job", {}, {}), (std::vector<std::string>{"x", "y"}));
  const std::vector<model::Matcher> only_b = {Eq("__name__", "b")};
  EXPECT_EQ(*all->LabelValues("job", {}, only_b), (std::vector<std::string>{"y"}));
  EXPECT_EQ(*all->LabelValues("job", {.limit = 1}, {}), (std::vector<std::string>{"x"}));
}

TEST(MemStorage, DeleteRemovesSamplesAndEmptySeries) {
  MemStorage s;
  auto app = s.MakeAppender();
  for (int i = 0; i < 10; ++i) ASSERT_TRUE(app->Append(0, {{"__name__", "a"}}, i * 1000, i).ok());
  ASSERT_TRUE(app->Commit().ok());
  const std::vector<model::Matcher> ms = {Eq("__name__", "a")};
  s.Delete(2000, 4000, ms);
  auto q = *s.MakeQuerier(0, 100000);
  auto set = q->Select(true, {}, ms);
  ASSERT_TRUE(set->Next());
  EXPECT_EQ(ReadFloats(set->At(), 0, 100000).size(), 7u);
  s.Delete(0, 100000, ms);
  EXPECT_EQ(s.NumSeries(), 0u);
}

}  // namespace
}  // namespace promref::storage
