#include <gtest/gtest.h>

#include "tsdb/exemplars/exemplar_store.h"
#include "tsdb/tests/test_util.h"

namespace promref::tsdb {
namespace {

storage::Exemplar E(int64_t t, double v, std::string trace = "t") {
  return {{{"trace_id", trace}}, v, t, true};
}

const model::Labels kA{{"__name__", "a"}};
const model::Labels kB{{"__name__", "b"}};

TEST(ExemplarStore, OrderDuplicatesAndLabelLength) {
  ExemplarStore s(10);
  EXPECT_EQ(s.Add(kA, E(10, 1)), ExemplarStore::Outcome::kAdded);
  EXPECT_EQ(s.Add(kA, E(10, 1)), ExemplarStore::Outcome::kDuplicate);
  EXPECT_EQ(s.Add(kA, E(10, 2)), ExemplarStore::Outcome::kOutOfOrder);
  EXPECT_EQ(s.Add(kA, E(5, 2)), ExemplarStore::Outcome::kOutOfOrder);
  EXPECT_EQ(s.Add(kB, E(5, 2)), ExemplarStore::Outcome::kAdded);  // per series
  EXPECT_EQ(s.Add(kA, E(11, 1, std::string(121, 'x'))), ExemplarStore::Outcome::kLabelsTooLong);
  EXPECT_EQ(s.Size(), 2u);
  EXPECT_EQ(ExemplarStore(0).Add(kA, E(1, 1)), ExemplarStore::Outcome::kDisabled);
}

TEST(ExemplarStore, RingEvictsTheOldestAndSelectsByTimeAndMatchers) {
  ExemplarStore s(5);
  for (int i = 0; i < 4; ++i) ASSERT_EQ(s.Add(kA, E(i, i)), ExemplarStore::Outcome::kAdded);
  for (int i = 0; i < 3; ++i) ASSERT_EQ(s.Add(kB, E(100 + i, i)), ExemplarStore::Outcome::kAdded);
  EXPECT_EQ(s.Size(), 5u);  // a@0 and a@1 were overwritten
  const std::vector<std::vector<model::Matcher>> all = {{testing::Re("__name__", ".+")}};
  auto r = s.Select(0, 1000, all);
  ASSERT_EQ(r.size(), 2u);
  EXPECT_EQ(r[0].series_labels, kA);
  ASSERT_EQ(r[0].exemplars.size(), 2u);
  EXPECT_EQ(r[0].exemplars[0].t, 2);
  EXPECT_EQ(r[1].exemplars.size(), 3u);
  // Evicting every exemplar of a series drops it.
  for (int i = 0; i < 5; ++i) ASSERT_EQ(s.Add(kB, E(200 + i, i)), ExemplarStore::Outcome::kAdded);
  r = s.Select(0, 1000, all);
  ASSERT_EQ(r.size(), 1u);
  EXPECT_EQ(r[0].series_labels, kB);
  // Time range and matcher groups (OR-ed).
  const std::vector<std::vector<model::Matcher>> only_a = {{testing::Eq("__name__", "a")}};
  EXPECT_TRUE(s.Select(0, 1000, only_a).empty());
  r = s.Select(201, 203, all);
  ASSERT_EQ(r.size(), 1u);
  EXPECT_EQ(r[0].exemplars.size(), 3u);
  EXPECT_EQ(s.All().size(), 5u);
}

TEST(MetadataStore, KeepsDistinctEntriesPerFamilyInArrivalOrder) {
  MetadataStore m;
  EXPECT_TRUE(m.Add("f", {storage::MetricType::kCounter, "h", ""}));
  EXPECT_FALSE(m.Add("f", {storage::MetricType::kCounter, "h", ""}));
  EXPECT_TRUE(m.Add("f", {storage::MetricType::kGauge, "h", ""}));
  EXPECT_TRUE(m.Add("a", {storage::MetricType::kGauge, "", "bytes"}));
  const auto all = m.All();
  ASSERT_EQ(all.size(), 2u);
  EXPECT_EQ(all[0].first, "a");
  ASSERT_EQ(all[1].second.size(), 2u);
  EXPECT_EQ(all[1].second[1].type, storage::MetricType::kGauge);
  EXPECT_TRUE(m.Has("f", {storage::MetricType::kCounter, "h", ""}));
}

}  // namespace
}  // namespace promref::tsdb
