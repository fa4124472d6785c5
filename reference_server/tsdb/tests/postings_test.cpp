#include "tsdb/index/postings.h"

#include <gtest/gtest.h>
#include <rapidcheck/gtest.h>

#include <algorithm>
#include <set>

#include "tsdb/index/mem_postings.h"

namespace promref::tsdb {
namespace {

Postings Sorted(std::vector<uint64_t> v) {
  std::sort(v.begin(), v.end());
  v.erase(std::unique(v.begin(), v.end()), v.end());
  return v;
}

rc::Gen<Postings> GenPostings() {
  return rc::gen::map(rc::gen::container<std::vector<uint64_t>>(rc::gen::inRange<uint64_t>(0, 200)), Sorted);
}

RC_GTEST_PROP(Postings, AlgebraMatchesSets, ()) {
  const auto lists = *rc::gen::container<std::vector<Postings>>(GenPostings());
  std::set<uint64_t> uni;
  for (const auto& l : lists) uni.insert(l.begin(), l.end());
  std::set<uint64_t> inter;
  if (!lists.empty()) {
    inter = std::set<uint64_t>(lists[0].begin(), lists[0].end());
    for (const auto& l : lists) {
      std::set<uint64_t> next;
      for (uint64_t x : l) {
        if (inter.count(x) != 0) next.insert(x);
      }
      inter = next;
    }
  }
  RC_ASSERT(Merge(lists) == Postings(uni.begin(), uni.end()));
  RC_ASSERT(Intersect(lists) == Postings(inter.begin(), inter.end()));
  if (lists.size() >= 2) {
    Postings want;
    for (uint64_t x : lists[0]) {
      if (!std::binary_search(lists[1].begin(), lists[1].end(), x)) want.push_back(x);
    }
    RC_ASSERT(Subtract(lists[0], lists[1]) == want);
  }
}

// The galloping path: a short list against a long one.
RC_GTEST_PROP(Postings, GallopingIntersect, ()) {
  const Postings small = *GenPostings();
  Postings big;
  const uint64_t stride = *rc::gen::inRange<uint64_t>(1, 4);
  for (uint64_t i = 0; i < 20000; i += stride) big.push_back(i);
  Postings want;
  for (uint64_t x : small) {
    if (x % stride == 0) want.push_back(x);
  }
  RC_ASSERT(Intersect({small, big}) == want);
  RC_ASSERT(Intersect({big, small}) == want);
}

model::Matcher M(model::MatchType t, std::string n, std::string v) {
  return *model::Matcher::Make(t, std::move(n), std::move(v));
}

// PostingsForMatchers over the head's index agrees with matching every series one by one.
RC_GTEST_PROP(Postings, MatchersAgreeWithBruteForce, ()) {
  const std::vector<std::string> names = {"__name__", "a", "b", "job"};
  const std::vector<std::string> values = {"x", "y", "xy", "foo", "foobar", "1"};
  const int n = *rc::gen::inRange(0, 60);
  MemPostings mp;
  std::vector<model::Labels> series;
  std::set<std::string> seen;
  for (int i = 0; i < n; ++i) {
    model::LabelsBuilder b;
    for (const auto& name : names) {
      if (*rc::gen::inRange(0, 3) != 0) b.Set(name, *rc::gen::elementOf(values));
    }
    if (b.empty()) b.Set("a", "x");
    model::Labels l = b.Build();
    if (!seen.insert(std::string(l.Encoded())).second) continue;
    mp.Add(series.size(), l);
    series.push_back(l);
  }
  const std::vector<std::string> patterns = {"x",  "",   "x|y",  "foo.*", ".*",
                                             ".+", "x.", "(x|)", ".*bar", "1|foo"};
  const int nm = *rc::gen::inRange(1, 4);
  std::vector<model::Matcher> ms;
  for (int i = 0; i < nm; ++i) {
    const auto type = *rc::gen::element(model::MatchType::kEqual, model::MatchType::kNotEqual,
                                        model::MatchType::kRegexMatch, model::MatchType::kRegexNoMatch);
    ms.push_back(M(type, *rc::gen::elementOf(names), *rc::gen::elementOf(patterns)));
  }
  Postings want;
  for (size_t i = 0; i < series.size(); ++i) {
    if (std::all_of(ms.begin(), ms.end(),
                    [&](const auto& m) { return m.Matches(series[i].Get(m.name())); })) {
      want.push_back(i);
    }
  }
  RC_ASSERT(PostingsForMatchers(mp, ms) == want);
}

// References of any size and in any order (concurrent creators may add out of order), with
// erasures in between, against a std::set.
RC_GTEST_PROP(DeltaPostings, AgreesWithASortedSet, ()) {
  DeltaPostings list;
  std::set<uint64_t> model;
  const int ops = *rc::gen::inRange(0, 200);
  uint64_t next = *rc::gen::inRange<uint64_t>(0, 1000);
  for (int i = 0; i < ops; ++i) {
    switch (*rc::gen::inRange(0, 10)) {
      case 0: {  // anywhere, including a value already present
        const uint64_t ref =
            *rc::gen::oneOf(rc::gen::inRange<uint64_t>(0, next + 1), rc::gen::arbitrary<uint64_t>());
        list.Add(ref);
        model.insert(ref);
        break;
      }
      case 1: {
        const uint64_t mod = *rc::gen::inRange<uint64_t>(2, 5);
        list.EraseIf([&](uint64_t r) { return r % mod == 0; });
        std::erase_if(model, [&](uint64_t r) { return r % mod == 0; });
        break;
      }
      default:  // ascending, with gaps of every varint length
        next += *rc::gen::oneOf(rc::gen::inRange<uint64_t>(1, 130),
                                rc::gen::inRange<uint64_t>(1, uint64_t{1} << 40));
        list.Add(next);
        model.insert(next);
        break;
    }
  }
  RC_ASSERT(list.Decode() == Postings(model.begin(), model.end()));
  RC_ASSERT(list.size() == model.size());
  Postings appended{7};
  list.DecodeInto(&appended);
  RC_ASSERT(appended.size() == model.size() + 1);
  RC_ASSERT(std::equal(model.begin(), model.end(), appended.begin() + 1));
}

TEST(DeltaPostings, SmallListsNeedNoHeap) {
  DeltaPostings list;
  for (uint64_t ref = 1000; ref < 1010; ++ref) list.Add(ref);  // 2 + 9 bytes of deltas
  EXPECT_EQ(list.HeapBytes(), 0u);
  EXPECT_EQ(list.Decode().front(), 1000u);
  EXPECT_EQ(list.Decode().back(), 1009u);
}

TEST(MemPostings, DeleteRemovesEmptyListsAndNames) {
  MemPostings mp;
  mp.Add(1, {{"__name__", "a"}, {"x", "1"}});
  mp.Add(2, {{"__name__", "a"}, {"x", "2"}});
  mp.Add(3, {{"__name__", "b"}});
  mp.Delete({{2, {{"__name__", "a"}, {"x", "2"}}}});
  EXPECT_EQ(mp.Get("__name__", "a"), (Postings{1}));
  EXPECT_EQ(mp.LabelValues("x"), (std::vector<std::string>{"1"}));
  mp.Delete({{1, {{"__name__", "a"}, {"x", "1"}}}});
  EXPECT_EQ(mp.LabelNames(), (std::vector<std::string>{"__name__"}));
  EXPECT_EQ(mp.AllPostings(), (Postings{3}));
}

}  // namespace
}  // namespace promref::tsdb
