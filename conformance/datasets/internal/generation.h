// What the dataset generators share: the dataset's clock (50 minutes at a 15 s interval), a
// deterministic random generator, and scrape times with jitter at odd milliseconds (see
// datasets/dataset.h for why odd).
#pragma once

#include <algorithm>
#include <cstdint>
#include <string_view>
#include <vector>

#include "wire/remote_write.h"

namespace promconform::dataset_generation {

using promref::wire::RawLabels;

constexpr int64_t kMinute = 60 * 1000;
constexpr int64_t kDuration = 50 * kMinute;
constexpr int64_t kInterval = 15 * 1000;

// splitmix64: tiny, deterministic on every platform, good enough for test data.
class Rng {
 public:
  explicit Rng(uint64_t seed) : s_(seed) {}
  uint64_t Next() {
    uint64_t z = (s_ += 0x9e3779b97f4a7c15ULL);
    z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ULL;
    z = (z ^ (z >> 27)) * 0x94d049bb133111ebULL;
    return z ^ (z >> 31);
  }
  double Unit() { return static_cast<double>(Next() >> 11) / 9007199254740992.0; }  // [0, 1)
  int64_t Between(int64_t lo, int64_t hi) { return lo + static_cast<int64_t>(Next() % (hi - lo + 1)); }

 private:
  uint64_t s_;
};

inline uint64_t Fnv(std::string_view s) {
  uint64_t h = 1469598103934665603ULL;
  for (char c : s) {
    h ^= static_cast<uint8_t>(c);
    h *= 1099511628211ULL;
  }
  return h;
}

inline RawLabels Sorted(RawLabels l) {
  std::sort(l.begin(), l.end());
  return l;
}

// Scrape times of one target: a fixed phase within the interval, then every `interval` with up
// to ±500 ms of jitter (kept below 10% of the interval so that no two scrapes are further apart
// than the 1.1 x average that rate() extrapolation tests against), always at odd milliseconds.
inline std::vector<int64_t> ScrapeTimes(Rng& rng, int64_t interval, int64_t from, int64_t to, int64_t phase) {
  std::vector<int64_t> out;
  for (int64_t slot = from + phase; slot <= to; slot += interval) {
    int64_t t = slot + rng.Between(-499, 499);
    if (t % 2 == 0) ++t;
    if (t < 1) t = 1;
    if (t > to) break;
    out.push_back(t);
  }
  return out;
}

}  // namespace promconform::dataset_generation
