#include "scrape/scrape_cache.h"

namespace promref::scrape {

MetadataStore::Entry& MetadataStore::Touch(const std::string& family, uint64_t iter) {
  Entry& e = families_[family];
  e.metadata.family = family;
  e.last_iter = iter;
  return e;
}

void MetadataStore::SetType(const std::string& family, storage::MetricType type, uint64_t iter) {
  std::lock_guard lock(mu_);
  Touch(family, iter).metadata.type = std::string(storage::MetricTypeName(type));
}

void MetadataStore::SetHelp(const std::string& family, const std::string& help, uint64_t iter) {
  std::lock_guard lock(mu_);
  Touch(family, iter).metadata.help = help;
}

void MetadataStore::SetUnit(const std::string& family, const std::string& unit, uint64_t iter) {
  std::lock_guard lock(mu_);
  Touch(family, iter).metadata.unit = unit;
}

void MetadataStore::Forget(uint64_t iter) {
  std::lock_guard lock(mu_);
  std::erase_if(families_, [&](const auto& kv) { return iter - kv.second.last_iter > 10; });
}

size_t MetadataStore::size() const {
  std::lock_guard lock(mu_);
  return families_.size();
}

std::vector<FamilyMetadata> MetadataStore::List() const {
  std::lock_guard lock(mu_);
  std::vector<FamilyMetadata> out;
  out.reserve(families_.size());
  for (const auto& [family, e] : families_) out.push_back(e.metadata);
  return out;
}

std::optional<FamilyMetadata> MetadataStore::Get(const std::string& family) const {
  std::lock_guard lock(mu_);
  auto it = families_.find(family);
  if (it == families_.end()) return std::nullopt;
  return it->second.metadata;
}

ScrapeCache::Series* ScrapeCache::Get(std::string_view key, bool* already_scraped) {
  auto it = series_.find(key);
  if (it == series_.end()) {
    *already_scraped = false;
    return nullptr;
  }
  *already_scraped = it->second.last_iter == iter_;
  it->second.last_iter = iter_;
  return &it->second;
}

ScrapeCache::Series* ScrapeCache::Add(std::string_view key, storage::SeriesRef ref, model::Labels labels) {
  Series& s = series_[std::string(key)];
  s = Series{ref, std::move(labels), iter_};
  return &s;
}

void ScrapeCache::AddDropped(std::string_view key) {
  dropped_[std::string(key)] = iter_;
}

bool ScrapeCache::IsDropped(std::string_view key) {
  auto it = dropped_.find(key);
  if (it == dropped_.end()) return false;
  it->second = iter_;
  return true;
}

void ScrapeCache::UpdateRef(Series* s, storage::SeriesRef ref) {
  if (s->ref == ref) return;
  if (s->ref != 0) {
    for (auto* tracked : {&prev_, &cur_}) {
      auto it = tracked->find(s->ref);
      if (it == tracked->end() || it->second != s) continue;
      tracked->erase(it);
      (*tracked)[ref] = s;
    }
  }
  s->ref = ref;
}

void ScrapeCache::TrackStaleness(storage::SeriesRef ref, const Series* s) {
  cur_[ref] = s;
}

void ScrapeCache::ForEachStale(const std::function<bool(storage::SeriesRef, const model::Labels&)>& f) const {
  for (const auto& [ref, s] : prev_) {
    if (cur_.count(ref)) continue;
    if (!f(ref, s->labels)) break;
  }
}

void ScrapeCache::IterDone(bool flush) {
  const size_t count = series_.size() + dropped_.size() + metadata_->size();
  if (flush) {
    successful_count_ = count;
  } else if (count > successful_count_ * 2 + 1000) {
    flush = true;  // failing scrapes with churning series must not grow the cache forever
  }
  if (flush) {
    // cur_ names only entries seen in this scrape, which this keeps: after the swap below,
    // prev_ never points at an erased entry.
    std::erase_if(series_, [&](const auto& kv) { return kv.second.last_iter != iter_; });
    std::erase_if(dropped_, [&](const auto& kv) { return kv.second != iter_; });
    metadata_->Forget(iter_);
  }
  prev_.swap(cur_);
  cur_.clear();
  ++iter_;
}

}  // namespace promref::scrape
