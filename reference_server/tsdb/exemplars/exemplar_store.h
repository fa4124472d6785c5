// Exemplars: a bounded, in-memory circular store, as Prometheus' CircularExemplarStorage.
//
// One ring of `capacity` entries (allocated as it fills) is shared by all series; each series' exemplars form
// a chain through the ring from its oldest to its newest entry. When the ring is full the globally oldest
// exemplar is overwritten (it is also the oldest of its series, so that series' chain just loses its head).
// Per series, exemplars must arrive in time order: an exemplar equal to the series' newest is a duplicate,
// and one not newer than it is out of order.
#pragma once

#include <cstdint>
#include <mutex>
#include <span>
#include <string>
#include <unordered_map>
#include <vector>

#include "model/labels.h"
#include "model/matcher.h"
#include "storage/storage.h"

namespace promref::tsdb {

class ExemplarStore {
 public:
  enum class Outcome { kAdded, kDuplicate, kOutOfOrder, kLabelsTooLong, kDisabled };

  // Prometheus' limit on the combined length (in runes) of an exemplar's label names and values.
  static constexpr size_t kMaxLabelsRunes = 128;

  explicit ExemplarStore(size_t capacity) : capacity_(capacity) {}

  // What Add would answer, without adding.
  Outcome Validate(const model::Labels& series, const storage::Exemplar& e) const;
  Outcome Add(const model::Labels& series, const storage::Exemplar& e);

  // Exemplars in [start, end] of series matching any matcher group, by series labels.
  std::vector<storage::ExemplarSeries> Select(int64_t start, int64_t end,
                                              std::span<const std::vector<model::Matcher>> groups) const;
  // Every stored exemplar with its series, oldest first per series (for WAL checkpoints).
  std::vector<std::pair<model::Labels, storage::Exemplar>> All() const;
  size_t Size() const;
  size_t capacity() const { return capacity_; }

 private:
  struct Entry {
    storage::Exemplar e;
    const std::string* key = nullptr;  // the series' index key; null when the slot is free
    int64_t next = -1;                 // next entry of the same series
  };
  struct SeriesIndex {
    model::Labels labels;
    int64_t oldest = -1;
    int64_t newest = -1;
  };
  Outcome ValidateLocked(const std::string& key, const storage::Exemplar& e) const;

  mutable std::mutex mu_;
  const size_t capacity_;
  std::vector<Entry> ring_;  // grows to capacity_, then wraps
  size_t next_ = 0;
  size_t size_ = 0;
  std::unordered_map<std::string, SeriesIndex> index_;  // key: encoded series labels
};

// Metric metadata (type, help, unit) per metric family: the distinct entries seen, in arrival
// order.
class MetadataStore {
 public:
  // True when (family, m) is new.
  bool Add(const std::string& family, const storage::Metadata& m);
  bool Has(const std::string& family, const storage::Metadata& m) const;
  std::vector<std::pair<std::string, std::vector<storage::Metadata>>> All() const;

 private:
  mutable std::mutex mu_;
  std::unordered_map<std::string, std::vector<storage::Metadata>> m_;
};

}  // namespace promref::tsdb
