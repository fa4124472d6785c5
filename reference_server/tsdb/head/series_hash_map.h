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

#include <atomic>
#include <cstddef>
#include <cstdint>

namespace promref::tsdb {

struct MemSeries;

class SeriesHashMap {
 public:
  SeriesHashMap() = default;
  ~SeriesHashMap() { delete[] slots_.load(std::memory_order_relaxed); }
  SeriesHashMap(const SeriesHashMap&) = delete;
  SeriesHashMap& operator=(const SeriesHashMap&) = delete;

  // The first series with this hash that `matches` accepts, or nullptr.
  template <typename Matches>
  MemSeries* Find(uint64_t hash, Matches matches) const {
    const Slot* slots = slots_.load(std::memory_order_relaxed);
    if (slots == nullptr) return nullptr;
    const size_t mask = mask_.load(std::memory_order_relaxed);
    for (size_t i = Home(hash, mask);; i = (i + 1) & mask) {
      const Slot& slot = slots[i];
      if (slot.series == nullptr) return nullptr;
      if (slot.hash == hash && matches(slot.series)) return slot.series;
    }
  }

  void Insert(uint64_t hash, MemSeries* s) {
    if ((size_ + 1) * 4 > Capacity() * 3) Grow();
    Slot* slots = slots_.load(std::memory_order_relaxed);
    const size_t mask = mask_.load(std::memory_order_relaxed);
    size_t i = Home(hash, mask);
    while (slots[i].series != nullptr) i = (i + 1) & mask;
    slots[i] = {hash, s};
    ++size_;
  }

  // Removes `s` (stored under `hash`); false if it is not there.
  bool Erase(uint64_t hash, const MemSeries* s) {
    Slot* slots = slots_.load(std::memory_order_relaxed);
    if (slots == nullptr) return false;
    const size_t mask = mask_.load(std::memory_order_relaxed);
    size_t i = Home(hash, mask);
    while (slots[i].series != s) {
      if (slots[i].series == nullptr) return false;
      i = (i + 1) & mask;
    }
    // Backward-shift deletion: move up every later entry of the cluster whose home is not
    // between the hole and itself, so that no probe sequence crosses an empty slot early.
    for (size_t j = (i + 1) & mask;; j = (j + 1) & mask) {
      if (slots[j].series == nullptr) break;
      const size_t home = Home(slots[j].hash, mask);
      const bool stays = i <= j ? (i < home && home <= j) : (i < home || home <= j);
      if (stays) continue;
      slots[i] = slots[j];
      i = j;
    }
    slots[i] = {};
    --size_;
    return true;
  }

  size_t size() const { return size_; }

  // Starts fetching the slot a lookup of `hash` starts at. Safe without the stripe's lock:
  // the array and mask are read atomically (if a concurrent Grow pairs a new mask with the old
  // array, or frees the array, the prefetch is merely wasted: prefetches do not fault).
  void Prefetch(uint64_t hash) const {
    const Slot* slots = slots_.load(std::memory_order_relaxed);
    if (slots != nullptr) __builtin_prefetch(slots + Home(hash, mask_.load(std::memory_order_relaxed)));
  }

  // Stripes are chosen by the low bits of the hash, which are therefore equal within one
  // map: slots are indexed by the bits above these.
  static constexpr int kStripeBits = 16;

 private:
  struct Slot {
    uint64_t hash = 0;
    MemSeries* series = nullptr;
  };

  static size_t Home(uint64_t hash, size_t mask) { return static_cast<size_t>(hash >> kStripeBits) & mask; }
  size_t Capacity() const {
    return slots_.load(std::memory_order_relaxed) == nullptr ? 0 : mask_.load(std::memory_order_relaxed) + 1;
  }

  void Grow() {
    const size_t old_capacity = Capacity();
    Slot* old = slots_.load(std::memory_order_relaxed);
    const size_t capacity = old_capacity == 0 ? 8 : old_capacity * 2;
    slots_.store(new Slot[capacity], std::memory_order_relaxed);
    mask_.store(capacity - 1, std::memory_order_relaxed);
    size_ = 0;
    for (size_t i = 0; i < old_capacity; ++i) {
      if (old[i].series != nullptr) Insert(old[i].hash, old[i].series);
    }
    delete[] old;
  }

  // The lock stripe holding this map and its mutex fit one cache line, so these 24 bytes are
  // kept small: a power-of-two array at most 3/4 full, published atomically for Prefetch
  // (relaxed loads and stores are plain moves).
  std::atomic<Slot*> slots_{nullptr};
  std::atomic<size_t> mask_{0};
  size_t size_ = 0;
};

}  // namespace promref::tsdb
