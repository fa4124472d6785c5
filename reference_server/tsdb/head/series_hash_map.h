// The head's series by label-set hash, one map per hash lock stripe (the caller holds the
// stripe's lock).
//
// Every ingested sample without a cached reference is a lookup here, so the layout is what
// makes ingestion fast or slow: open addressing with linear probing over one array of
// {hash, series} slots, so that a lookup costs one cache miss for the slot and one for the
// series it confirms, where a node-based std::unordered_multimap cost three (bucket, node,
// next node). Deletion shifts later entries back instead of leaving tombstones, so probe
// sequences stay short however many series come and go.
//
// Different label sets may share a hash: Find asks the caller to confirm each candidate.
#pragma once

#include <cstddef>
#include <cstdint>
#include <vector>

namespace promref::tsdb {

struct MemSeries;

class SeriesHashMap {
 public:
  // The first series with this hash that `matches` accepts, or nullptr.
  template <typename Matches>
  MemSeries* Find(uint64_t hash, Matches matches) const {
    if (slots_.empty()) return nullptr;
    for (size_t i = Home(hash);; i = Next(i)) {
      const Slot& slot = slots_[i];
      if (slot.series == nullptr) return nullptr;
      if (slot.hash == hash && matches(slot.series)) return slot.series;
    }
  }

  void Insert(uint64_t hash, MemSeries* s) {
    if ((size_ + 1) * 4 > slots_.size() * 3) Grow();
    size_t i = Home(hash);
    while (slots_[i].series != nullptr) i = Next(i);
    slots_[i] = {hash, s};
    ++size_;
  }

  // Removes `s` (stored under `hash`); false if it is not there.
  bool Erase(uint64_t hash, const MemSeries* s) {
    if (slots_.empty()) return false;
    size_t i = Home(hash);
    while (slots_[i].series != s) {
      if (slots_[i].series == nullptr) return false;
      i = Next(i);
    }
    // Backward-shift deletion: move up every later entry of the cluster whose home is not
    // between the hole and itself, so that no probe sequence crosses an empty slot early.
    for (size_t j = Next(i);; j = Next(j)) {
      if (slots_[j].series == nullptr) break;
      const size_t home = Home(slots_[j].hash);
      const bool stays = i <= j ? (i < home && home <= j) : (i < home || home <= j);
      if (stays) continue;
      slots_[i] = slots_[j];
      i = j;
    }
    slots_[i] = {};
    --size_;
    return true;
  }

  size_t size() const { return size_; }

  // Stripes are chosen by the low bits of the hash, which are therefore equal within one
  // map: slots are indexed by the bits above these.
  static constexpr int kStripeBits = 16;

 private:
  struct Slot {
    uint64_t hash = 0;
    MemSeries* series = nullptr;
  };

  size_t Home(uint64_t hash) const { return static_cast<size_t>(hash >> kStripeBits) & (slots_.size() - 1); }
  size_t Next(size_t i) const { return (i + 1) & (slots_.size() - 1); }

  void Grow() {
    std::vector<Slot> old = std::move(slots_);
    slots_.assign(old.empty() ? 8 : old.size() * 2, Slot{});
    size_ = 0;
    for (const Slot& s : old) {
      if (s.series != nullptr) Insert(s.hash, s.series);
    }
  }

  std::vector<Slot> slots_;  // size 0 or a power of two, at most 3/4 full
  size_t size_ = 0;
};

}  // namespace promref::tsdb
