#include "tsdb/exemplars/exemplar_store.h"

#include <algorithm>
#include <bit>
#include <map>

namespace promref::tsdb {
namespace {

size_t Runes(std::string_view s) {
  // Count UTF-8 lead bytes (continuation bytes are 10xxxxxx).
  return static_cast<size_t>(std::count_if(s.begin(), s.end(), [](char c) { return (c & 0xC0) != 0x80; }));
}

bool SameExemplar(const storage::Exemplar& a, const storage::Exemplar& b) {
  return a.t == b.t && std::bit_cast<uint64_t>(a.value) == std::bit_cast<uint64_t>(b.value) &&
         a.labels == b.labels;
}

}  // namespace

ExemplarStore::Outcome ExemplarStore::ValidateLocked(const std::string& key,
                                                     const storage::Exemplar& e) const {
  if (capacity_ == 0) return Outcome::kDisabled;
  size_t runes = 0;
  for (const model::LabelView& l : e.labels) runes += Runes(l.name) + Runes(l.value);
  if (runes > kMaxLabelsRunes) return Outcome::kLabelsTooLong;
  auto it = index_.find(key);
  if (it == index_.end() || it->second.newest < 0) return Outcome::kAdded;
  const storage::Exemplar& newest = ring_[static_cast<size_t>(it->second.newest)].e;
  if (SameExemplar(newest, e)) return Outcome::kDuplicate;
  if (e.t <= newest.t) return Outcome::kOutOfOrder;
  return Outcome::kAdded;
}

ExemplarStore::Outcome ExemplarStore::Validate(const model::Labels& series,
                                               const storage::Exemplar& e) const {
  std::lock_guard lock(mu_);
  return ValidateLocked(std::string(series.Encoded()), e);
}

ExemplarStore::Outcome ExemplarStore::Add(const model::Labels& series, const storage::Exemplar& e) {
  std::lock_guard lock(mu_);
  std::string key(series.Encoded());
  const Outcome o = ValidateLocked(key, e);
  if (o != Outcome::kAdded) return o;
  if (ring_.size() < capacity_) ring_.emplace_back();
  Entry& slot = ring_[next_];
  if (slot.key != nullptr) {
    // Evict the oldest exemplar (of the store, hence of its series).
    auto old = index_.find(*slot.key);
    old->second.oldest = slot.next;
    if (old->second.oldest < 0) index_.erase(old);
    --size_;
  }
  auto [it, inserted] = index_.try_emplace(std::move(key));
  if (inserted) it->second.labels = series;
  slot.e = e;
  slot.key = &it->first;
  slot.next = -1;
  if (it->second.newest >= 0)
    ring_[static_cast<size_t>(it->second.newest)].next = static_cast<int64_t>(next_);
  if (it->second.oldest < 0) it->second.oldest = static_cast<int64_t>(next_);
  it->second.newest = static_cast<int64_t>(next_);
  next_ = (next_ + 1) % capacity_;
  ++size_;
  return Outcome::kAdded;
}

std::vector<storage::ExemplarSeries> ExemplarStore::Select(
    int64_t start, int64_t end, std::span<const std::vector<model::Matcher>> groups) const {
  std::map<model::Labels, std::vector<storage::Exemplar>> out;
  std::lock_guard lock(mu_);
  for (const auto& [key, idx] : index_) {
    const bool selected =
        // `labels` by name: clang 14 cannot capture a structured binding.
        std::any_of(
            groups.begin(), groups.end(), [&labels = idx.labels](const std::vector<model::Matcher>& g) {
              return std::all_of(g.begin(), g.end(),
                                 [&](const model::Matcher& m) { return m.Matches(labels.Get(m.name())); });
            });
    if (!selected) continue;
    std::vector<storage::Exemplar> es;
    for (int64_t i = idx.oldest; i >= 0; i = ring_[static_cast<size_t>(i)].next) {
      const storage::Exemplar& e = ring_[static_cast<size_t>(i)].e;
      if (e.t >= start && e.t <= end) es.push_back(e);
    }
    if (!es.empty()) out.emplace(idx.labels, std::move(es));
  }
  std::vector<storage::ExemplarSeries> result;
  result.reserve(out.size());
  for (auto& [labels, es] : out) result.push_back({labels, std::move(es)});
  return result;
}

std::vector<std::pair<model::Labels, storage::Exemplar>> ExemplarStore::All() const {
  std::vector<std::pair<model::Labels, storage::Exemplar>> out;
  std::lock_guard lock(mu_);
  for (const auto& [key, idx] : index_) {
    for (int64_t i = idx.oldest; i >= 0; i = ring_[static_cast<size_t>(i)].next) {
      out.emplace_back(idx.labels, ring_[static_cast<size_t>(i)].e);
    }
  }
  return out;
}

size_t ExemplarStore::Size() const {
  std::lock_guard lock(mu_);
  return size_;
}

bool MetadataStore::Add(const std::string& family, const storage::Metadata& m) {
  std::lock_guard lock(mu_);
  auto& list = m_[family];
  if (std::find(list.begin(), list.end(), m) != list.end()) return false;
  list.push_back(m);
  return true;
}

bool MetadataStore::Has(const std::string& family, const storage::Metadata& m) const {
  std::lock_guard lock(mu_);
  auto it = m_.find(family);
  return it != m_.end() && std::find(it->second.begin(), it->second.end(), m) != it->second.end();
}

std::vector<std::pair<std::string, std::vector<storage::Metadata>>> MetadataStore::All() const {
  std::lock_guard lock(mu_);
  std::vector<std::pair<std::string, std::vector<storage::Metadata>>> out(m_.begin(), m_.end());
  std::sort(out.begin(), out.end(), [](const auto& a, const auto& b) { return a.first < b.first; });
  return out;
}

}  // namespace promref::tsdb
