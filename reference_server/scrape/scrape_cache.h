// What a scrape loop remembers between scrapes (Prometheus' scrapeCache): the label set and
// storage reference each exposed series became, the series metric relabeling dropped, which
// series the previous scrape wrote (so that the ones gone get stale markers), and the
// metadata of the families the target exposes.
//
// Keys are the series as the parser read them, before target labels and relabeling; an
// entry not seen in a successful scrape is forgotten. Only the loop touches the series
// part; the metadata part is also read by the API, under its own lock.
#pragma once

#include <cstdint>
#include <functional>
#include <map>
#include <mutex>
#include <string>
#include <string_view>
#include <unordered_map>
#include <vector>

#include "model/labels.h"
#include "storage/storage.h"

namespace promref::scrape {

// A family's metadata as Prometheus' scrape cache holds it: `type` is its API spelling
// ("counter", "unknown" for untyped) and "" when the body had no TYPE line for it.
struct FamilyMetadata {
  std::string family;
  std::string type;
  std::string help;
  std::string unit;
};

// The metadata a target's scrapes found, per family: what /api/v1/targets/metadata and
// /api/v1/metadata list. A family is kept for 10 scrapes after it was last seen.
class MetadataStore {
 public:
  void SetType(const std::string& family, storage::MetricType type, uint64_t iter);
  void SetHelp(const std::string& family, const std::string& help, uint64_t iter);
  void SetUnit(const std::string& family, const std::string& unit, uint64_t iter);
  void Forget(uint64_t iter);  // drops families not seen in the last 10 scrapes
  size_t size() const;

  std::vector<FamilyMetadata> List() const;  // sorted by family
  std::optional<FamilyMetadata> Get(const std::string& family) const;

 private:
  struct Entry {
    FamilyMetadata metadata;
    uint64_t last_iter = 0;
  };
  Entry& Touch(const std::string& family, uint64_t iter);
  mutable std::mutex mu_;
  std::map<std::string, Entry> families_;
};

class ScrapeCache {
 public:
  struct Series {
    storage::SeriesRef ref = 0;
    model::Labels labels;
    uint64_t last_iter = 0;
  };

  ScrapeCache() : metadata_(std::make_shared<MetadataStore>()) {}

  // The entry of a parsed series (nullptr when unknown) and whether this scrape already saw
  // it; marks it seen.
  Series* Get(std::string_view key, bool* already_scraped);
  Series* Add(std::string_view key, storage::SeriesRef ref, model::Labels labels);
  void AddDropped(std::string_view key);
  bool IsDropped(std::string_view key);  // and marks it seen

  // Points an entry at a new storage reference (the storage recreated the series), moving
  // its staleness tracking along.
  void UpdateRef(Series* s, storage::SeriesRef ref);
  // The series this scrape wrote (by reference), for staleness.
  void TrackStaleness(storage::SeriesRef ref, const Series* s);
  // Calls f for each series the previous scrape wrote and this one did not; stops when f
  // returns false.
  void ForEachStale(const std::function<bool(storage::SeriesRef, const model::Labels&)>& f) const;

  // Ends a scrape. `flush` (a successful, non-empty scrape) forgets what it did not see;
  // failed scrapes flush only when the cache grew past twice its last good size + 1000.
  void IterDone(bool flush);
  uint64_t iter() const { return iter_; }

  const std::shared_ptr<MetadataStore>& metadata() const { return metadata_; }

 private:
  uint64_t iter_ = 0;
  size_t successful_count_ = 0;
  // Looked up by string_view without building a string per sample.
  struct KeyHash {
    using is_transparent = void;
    size_t operator()(std::string_view s) const { return std::hash<std::string_view>{}(s); }
  };
  std::unordered_map<std::string, Series, KeyHash, std::equal_to<>> series_;
  std::unordered_map<std::string, uint64_t, KeyHash, std::equal_to<>> dropped_;
  std::unordered_map<storage::SeriesRef, const Series*> cur_, prev_;
  std::shared_ptr<MetadataStore> metadata_;
};

}  // namespace promref::scrape
