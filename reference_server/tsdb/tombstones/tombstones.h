// Tombstones: deleted time intervals per series. A delete never rewrites data in place; it
// records [mint, maxt] (closed) for the series it matched, and readers skip samples inside.
// CleanTombstones (or any compaction) later rewrites blocks without the deleted samples.
//
// Block file format ("tombstones"):
//   magic BE32 0x0130BA30, version byte 1,
//   repeated: ref uvarint, mint varint, maxt varint,
//   CRC-32C BE32 of everything after the version byte.
#pragma once

#include <cstdint>
#include <map>
#include <mutex>
#include <string>
#include <string_view>
#include <vector>

#include "model/error.h"

namespace promref::tsdb {

struct Interval {
  int64_t mint = 0;
  int64_t maxt = 0;
  bool Contains(int64_t t) const { return t >= mint && t <= maxt; }
  friend bool operator==(const Interval&, const Interval&) = default;
};

// Sorted, disjoint, non-adjacent intervals.
class Intervals {
 public:
  Intervals() = default;
  // Adds an interval, merging overlapping and adjacent ones.
  void Add(Interval iv);
  void Add(const Intervals& o) {
    for (const Interval& iv : o.v_) Add(iv);
  }
  bool Contains(int64_t t) const;
  // Whether [mint, maxt] lies entirely inside one interval.
  bool Covers(int64_t mint, int64_t maxt) const;
  bool Overlaps(int64_t mint, int64_t maxt) const;
  bool empty() const { return v_.empty(); }
  const std::vector<Interval>& items() const { return v_; }
  friend bool operator==(const Intervals&, const Intervals&) = default;

 private:
  std::vector<Interval> v_;
};

// ref -> intervals, thread-safe.
class Tombstones {
 public:
  Tombstones() = default;
  Tombstones(const Tombstones& o);
  Tombstones& operator=(const Tombstones& o);

  void Add(uint64_t ref, Interval iv);
  Intervals Get(uint64_t ref) const;
  bool empty() const;
  size_t NumSeries() const;
  // Drops intervals entirely before `mint` and series not in `keep` (when given).
  void TruncateBefore(int64_t mint);
  void DeleteSeries(const std::vector<uint64_t>& refs);
  std::map<uint64_t, Intervals> Snapshot() const;

  std::string Encode() const;
  static Result<Tombstones> Decode(std::string_view b);

 private:
  mutable std::mutex mu_;
  std::map<uint64_t, Intervals> m_;
};

}  // namespace promref::tsdb
