#include "tsdb/block/block.h"

#include <gtest/gtest.h>
#include <rapidcheck/gtest.h>

#include <filesystem>
#include <fstream>
#include <set>

#include "tsdb/block/chunk_file.h"
#include "tsdb/block/compactor.h"
#include "tsdb/block/meta.h"
#include "tsdb/index/index_file.h"
#include "tsdb/tests/test_util.h"
#include "tsdb/tombstones/tombstones.h"

namespace promref::tsdb {
namespace {

namespace fs = std::filesystem;

RC_GTEST_PROP(Intervals, AddMergesLikeASetOfPoints, ()) {
  const auto ivs = *rc::gen::container<std::vector<std::pair<int, int>>>(
      rc::gen::pair(rc::gen::inRange(0, 60), rc::gen::inRange(0, 10)));
  Intervals in;
  std::set<int> points;
  for (auto [a, len] : ivs) {
    in.Add({a, a + len});
    for (int p = a; p <= a + len; ++p) points.insert(p);
  }
  for (int p = -1; p <= 72; ++p) RC_ASSERT(in.Contains(p) == (points.count(p) != 0));
  // Disjoint and non-adjacent.
  const auto& items = in.items();
  for (size_t i = 1; i < items.size(); ++i) RC_ASSERT(items[i].mint > items[i - 1].maxt + 1);
}

TEST(Tombstones, EncodeDecodeAndChecksum) {
  Tombstones t;
  t.Add(16, {0, 10});
  t.Add(16, {20, 30});
  t.Add(48, {-5, 5});
  const std::string enc = t.Encode();
  auto back = Tombstones::Decode(enc);
  ASSERT_TRUE(back.ok());
  EXPECT_EQ(back->Get(16).items().size(), 2u);
  EXPECT_TRUE(back->Get(48).Contains(-5));
  std::string bad = enc;
  bad[6] ^= 1;
  EXPECT_FALSE(Tombstones::Decode(bad).ok());
}

TEST(Ulid, UniqueSortableAndValid) {
  std::set<std::string> seen;
  std::string prev;
  for (int i = 0; i < 1000; ++i) {
    const std::string u = NewUlid(1'700'000'000'000 + i);
    EXPECT_TRUE(IsUlid(u)) << u;
    EXPECT_TRUE(seen.insert(u).second);
    EXPECT_LT(prev, u);
    prev = u;
  }
  EXPECT_EQ(NewUlid(0).substr(0, 10), "0000000000");
  EXPECT_FALSE(IsUlid("01BKGV7JC0RY8A6MACW02A2PJU"));  // U is not in the alphabet
}

TEST(Meta, RoundTripsPrometheusShape) {
  BlockMeta m;
  m.ulid = NewUlid(1);
  m.min_time = 100;
  m.max_time = 200;
  m.stats = {10, 2, 3, 1};
  m.level = 2;
  m.sources = {"A", "B"};
  m.parents = {{NewUlid(2), 100, 150}};
  const std::string json = EncodeMeta(m);
  EXPECT_NE(json.find("\"minTime\": 100"), std::string::npos);
  EXPECT_NE(json.find("\"numSamples\": 10"), std::string::npos);
  auto back = DecodeMeta(json);
  ASSERT_TRUE(back.ok());
  EXPECT_EQ(back->level, 2);
  EXPECT_EQ(back->parents[0].max_time, 150);
  EXPECT_EQ(back->stats.num_tombstones, 1u);
  EXPECT_FALSE(DecodeMeta("{}").ok());
}

TEST(ChunkFile, ChecksumsAndReferences) {
  testing::TempDir dir;
  std::vector<uint64_t> refs;
  {
    ChunkWriter w(dir.path(), 100);  // tiny files: every few chunks a new one
    for (int i = 0; i < 20; ++i)
      refs.push_back(*w.Write(Encoding::kXor, std::string(10 + i, static_cast<char>(i))));
    ASSERT_TRUE(w.Close().ok());
  }
  EXPECT_GT(refs.back() >> 32, 3u);
  auto r = ChunkReader::Open(dir.path());
  ASSERT_TRUE(r.ok());
  for (int i = 0; i < 20; ++i) {
    auto c = r->Chunk(refs[i]);
    ASSERT_TRUE(c.ok());
    EXPECT_EQ(c->second, std::string(10 + i, static_cast<char>(i)));
  }
  EXPECT_FALSE(r->Chunk(refs[3] + 1).ok());
  EXPECT_FALSE(r->Chunk((uint64_t{99} << 32) | 8).ok());
}

RC_GTEST_PROP(IndexFile, SeriesAndPostingsRoundTrip, ()) {
  testing::TempDir dir;
  std::set<std::string> seen;
  std::vector<IndexSeries> series;
  const int n = *rc::gen::inRange(1, 50);
  for (int i = 0; i < n; ++i) {
    model::LabelsBuilder b;
    b.Set("__name__", *rc::gen::element<std::string>("a", "b", "c"));
    if (*rc::gen::arbitrary<bool>())
      b.Set("job", *rc::gen::element<std::string>("x", "y", "xyz", "\xc3\xa9t\xc3\xa9"));
    b.Set("i", std::to_string(*rc::gen::inRange(0, 20)));
    model::Labels l = b.Build();
    if (!seen.insert(std::string(l.Encoded())).second) continue;
    IndexSeries s{l, {}};
    int64_t t = *rc::gen::inRange<int64_t>(-1000, 1000);
    uint64_t ref = 8;
    for (int c = *rc::gen::inRange(1, 4); c > 0; --c) {
      const int64_t len = *rc::gen::inRange<int64_t>(0, 500);
      s.chunks.push_back({t, t + len, Encoding::kXor, {}, ref});
      t += len + *rc::gen::inRange<int64_t>(1, 100);
      ref += *rc::gen::inRange<uint64_t>(1, 1u << 20);
    }
    series.push_back(std::move(s));
  }
  std::sort(series.begin(), series.end(), [](const auto& a, const auto& b) { return a.labels < b.labels; });
  RC_ASSERT(WriteIndex(dir.path() + "/index", series).ok());
  auto ix = BlockIndex::Open(dir.path() + "/index");
  RC_ASSERT(ix.ok());
  const Postings all = (*ix)->AllPostings();
  RC_ASSERT(all.size() == series.size());
  for (size_t i = 0; i < all.size(); ++i) {
    model::Labels l;
    std::vector<ChunkMeta> chunks;
    RC_ASSERT((*ix)->Series(all[i], &l, &chunks));
    RC_ASSERT(l == series[i].labels);
    RC_ASSERT(chunks.size() == series[i].chunks.size());
    for (size_t c = 0; c < chunks.size(); ++c) {
      RC_ASSERT(chunks[c].mint == series[i].chunks[c].mint);
      RC_ASSERT(chunks[c].maxt == series[i].chunks[c].maxt);
      RC_ASSERT(chunks[c].ref == series[i].chunks[c].ref);
    }
  }
  // Matchers resolve as brute force says.
  const auto m =
      *model::Matcher::Make(*rc::gen::element(model::MatchType::kEqual, model::MatchType::kRegexMatch,
                                              model::MatchType::kNotEqual, model::MatchType::kRegexNoMatch),
                            *rc::gen::element<std::string>("job", "__name__", "i"),
                            *rc::gen::element<std::string>("x", "x.*", "1|2", "", ".+", "a"));
  Postings want;
  for (size_t i = 0; i < series.size(); ++i) {
    if (m.Matches(series[i].labels.Get(m.name()))) want.push_back(all[i]);
  }
  RC_ASSERT(PostingsForMatchers(**ix, std::span(&m, 1)) == want);
  std::set<std::string> jobs;
  for (const auto& s : series) {
    if (auto v = s.labels.Get("job"); !v.empty()) jobs.emplace(v);
  }
  RC_ASSERT((*ix)->LabelValues("job") == std::vector<std::string>(jobs.begin(), jobs.end()));
}

TEST(IndexFile, CorruptionIsDetected) {
  testing::TempDir dir;
  std::vector<IndexSeries> series = {{{{"__name__", "a"}}, {{0, 10, Encoding::kXor, {}, 8}}}};
  ASSERT_TRUE(WriteIndex(dir.path() + "/index", series).ok());
  const std::string path = dir.path() + "/index";
  std::string data = *ReadFile(path);
  for (size_t i = 5; i < data.size(); i += 3) {
    std::string bad = data;
    bad[i] ^= 0x10;
    std::ofstream(path, std::ios::binary | std::ios::trunc) << bad;
    auto ix = BlockIndex::Open(path);
    if (!ix.ok()) continue;
    // Opened: then the damage is in a series or postings entry, which must not decode wrongly.
    const Postings all = (*ix)->AllPostings();
    for (uint64_t ref : all) {
      model::Labels l;
      std::vector<ChunkMeta> chunks;
      if ((*ix)->Series(ref, &l, &chunks)) {
        EXPECT_EQ(l, series[0].labels) << "offset " << i;
        EXPECT_EQ(chunks[0].maxt, 10) << "offset " << i;
      }
    }
  }
}

BlockMeta M(int64_t mint, int64_t maxt, int level = 1, uint64_t series = 10, uint64_t stones = 0) {
  BlockMeta m;
  m.ulid = NewUlid(mint);
  m.min_time = mint;
  m.max_time = maxt;
  m.level = level;
  m.stats.num_series = series;
  m.stats.num_tombstones = stones;
  return m;
}

TEST(Planner, FollowsPrometheusLeveledCompactor) {
  const auto ranges = ExponentialRanges(20, 3, 3);  // 20, 60, 180
  EXPECT_EQ(ranges, (std::vector<int64_t>{20, 60, 180}));
  // Nothing to do with a single block or while the newest would be needed.
  EXPECT_TRUE(PlanCompaction({M(0, 20)}, ranges).empty());
  EXPECT_TRUE(PlanCompaction({M(0, 20), M(20, 40)}, ranges).empty());
  // Three adjacent blocks fill [0, 60); the newest (60..80) is left alone.
  auto p = PlanCompaction({M(0, 20), M(20, 40), M(40, 60), M(60, 80)}, ranges);
  EXPECT_EQ(p, (std::vector<size_t>{0, 1, 2}));
  // Two blocks before the newest are enough once the range is in the past.
  p = PlanCompaction({M(0, 20), M(20, 40), M(60, 80), M(80, 100)}, ranges);
  EXPECT_EQ(p, (std::vector<size_t>{0, 1}));
  // Overlapping blocks go first.
  p = PlanCompaction({M(0, 20), M(40, 60), M(10, 30)}, ranges);
  EXPECT_EQ(p, (std::vector<size_t>{0, 2}));
  // Level-2 blocks fill [0, 180).
  p = PlanCompaction({M(0, 60, 2), M(60, 120, 2), M(120, 180, 2), M(180, 200)}, ranges);
  EXPECT_EQ(p, (std::vector<size_t>{0, 1, 2}));
  // A big block with many tombstones is rewritten alone.
  p = PlanCompaction({M(0, 60, 2, 10, 5), M(60, 80)}, ranges);
  EXPECT_EQ(p, (std::vector<size_t>{0}));
}

}  // namespace
}  // namespace promref::tsdb
