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
