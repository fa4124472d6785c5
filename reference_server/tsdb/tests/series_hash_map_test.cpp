// SeriesHashMap against std::unordered_multimap as the model: any sequence of inserts and
// erases, with hashes drawn from a small set so that collisions, long probe clusters and
// wrap-around at the end of the array are the common case, leaves both holding the same
// entries.
#include "tsdb/head/series_hash_map.h"

#include <gtest/gtest.h>
#include <rapidcheck/gtest.h>

#include <algorithm>
#include <memory>
#include <unordered_map>

#include "tsdb/head/series.h"

namespace promref::tsdb {
namespace {

// A hash with few distinct values, all in one stripe (equal low bits, as in the head).
uint64_t SmallHash(uint8_t h) {
  return (uint64_t{h} % 11) << SeriesHashMap::kStripeBits | 0x5;
}

TEST(SeriesHashMap, FindsEverySeriesSharingAHash) {
  std::vector<std::unique_ptr<MemSeries>> series;
  SeriesHashMap m;
  for (uint64_t i = 0; i < 100; ++i) {
    series.push_back(std::make_unique<MemSeries>(i + 1, model::Labels{{"i", std::to_string(i)}}));
    m.Insert(SmallHash(static_cast<uint8_t>(i)), series.back().get());
  }
  EXPECT_EQ(m.size(), 100u);
  for (uint64_t i = 0; i < 100; ++i) {
    const MemSeries* want = series[i].get();
    EXPECT_EQ(m.Find(SmallHash(static_cast<uint8_t>(i)), [&](const MemSeries* s) { return s == want; }),
              want);
  }
  EXPECT_EQ(m.Find(SmallHash(3) + 1, [](const MemSeries*) { return true; }), nullptr);
}

RC_GTEST_PROP(SeriesHashMapProperty, AgreesWithUnorderedMultimap,
              (std::vector<std::pair<bool, uint8_t>> ops)) {
  std::vector<std::unique_ptr<MemSeries>> pool;
  SeriesHashMap m;
  std::unordered_multimap<uint64_t, MemSeries*> model;
  for (const auto& [insert, key] : ops) {
    const uint64_t hash = SmallHash(key);
    if (insert || model.count(hash) == 0) {
      pool.push_back(std::make_unique<MemSeries>(pool.size() + 1, model::Labels{{"k", std::to_string(key)}}));
      m.Insert(hash, pool.back().get());
      model.emplace(hash, pool.back().get());
    } else {
      // Erase the oldest series under this hash.
      auto [b, e] = model.equal_range(hash);
      MemSeries* victim = b->second;
      for (auto it = b; it != e; ++it) {
        if (it->second->ref < victim->ref) victim = it->second;
      }
      RC_ASSERT(m.Erase(hash, victim));
      for (auto it = b; it != e; ++it) {
        if (it->second == victim) {
          model.erase(it);
          break;
        }
      }
      RC_ASSERT(!m.Erase(hash, victim));
    }
  }
  RC_ASSERT(m.size() == model.size());
  for (const auto& [hash, s] : model) {
    RC_ASSERT(m.Find(hash, [&](const MemSeries* c) { return c == s; }) == s);
  }
  // Erased series are gone under every hash.
  for (const auto& s : pool) {
    const bool present =
        std::any_of(model.begin(), model.end(), [&](const auto& e) { return e.second == s.get(); });
    if (!present) {
      for (uint8_t k = 0; k < 11; ++k) {
        RC_ASSERT(m.Find(SmallHash(k), [&](const MemSeries* c) { return c == s.get(); }) == nullptr);
      }
    }
  }
}

}  // namespace
}  // namespace promref::tsdb
