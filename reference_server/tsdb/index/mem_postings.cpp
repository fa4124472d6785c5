#include "tsdb/index/mem_postings.h"

#include <algorithm>
#include <mutex>
#include <unordered_set>

namespace promref::tsdb {
void MemPostings::Add(uint64_t ref, const model::Labels& labels) {
  std::unique_lock lock(mu_);
  for (const model::LabelView& l : labels) {
    auto n = m_.find(l.name);
    if (n == m_.end()) n = m_.emplace(std::string(l.name), Values()).first;
    auto v = n->second.find(l.value);
    if (v == n->second.end()) v = n->second.emplace(std::string(l.value), DeltaPostings()).first;
    v->second.Add(ref);
  }
  all_.Add(ref);
}

void MemPostings::Delete(const std::vector<std::pair<uint64_t, model::Labels>>& series) {
  if (series.empty()) return;
  std::unordered_set<uint64_t> refs;
  // The lists touched, each filtered once.
  std::unordered_map<std::string, std::unordered_set<std::string>> touched;
  for (const auto& [ref, labels] : series) {
    refs.insert(ref);
    for (const model::LabelView& l : labels) touched[std::string(l.name)].emplace(l.value);
  }
  auto gone = [&](uint64_t r) { return refs.count(r) != 0; };
  std::unique_lock lock(mu_);
  for (const auto& [name, values] : touched) {
    auto n = m_.find(name);
    if (n == m_.end()) continue;
    for (const std::string& value : values) {
      auto v = n->second.find(value);
      if (v == n->second.end()) continue;
      v->second.EraseIf(gone);
      if (v->second.empty()) n->second.erase(v);
    }
    if (n->second.empty()) m_.erase(n);
  }
  all_.EraseIf(gone);
}

Postings MemPostings::AllPostings() const {
  std::shared_lock lock(mu_);
  return all_.Decode();
}

Postings MemPostings::Get(std::string_view name, std::string_view value) const {
  std::shared_lock lock(mu_);
  auto n = m_.find(name);
  if (n == m_.end()) return {};
  auto v = n->second.find(value);
  return v == n->second.end() ? Postings() : v->second.Decode();
}

Postings MemPostings::PostingsForMatcher(const model::Matcher& m, bool invert) const {
  std::shared_lock lock(mu_);
  auto n = m_.find(m.name());
  if (n == m_.end()) return {};
  std::vector<Postings> lists;
  if (const auto* set = WantedValueSet(m, invert)) {
    for (const std::string& value : *set) {
      auto v = n->second.find(value);
      if (v != n->second.end()) lists.push_back(v->second.Decode());
    }
  } else {
    const std::string_view prefix = WantedPrefix(m, invert);
    for (auto it = n->second.lower_bound(prefix); it != n->second.end(); ++it) {
      if (!prefix.empty() && std::string_view(it->first).substr(0, prefix.size()) != prefix) break;
      if (m.Matches(it->first) != invert) lists.push_back(it->second.Decode());
    }
  }
  lock.unlock();
  return Merge(std::move(lists));
}

std::vector<std::string> MemPostings::LabelNames() const {
  std::vector<std::string> out;
  {
    std::shared_lock lock(mu_);
    out.reserve(m_.size());
    for (const auto& [name, values] : m_) out.push_back(name);
  }
  std::sort(out.begin(), out.end());
  return out;
}

std::vector<std::string> MemPostings::LabelValues(std::string_view name) const {
  std::vector<std::string> out;
  {
    std::shared_lock lock(mu_);
    auto n = m_.find(name);
    if (n == m_.end()) return out;
    out.reserve(n->second.size());
    for (const auto& [value, postings] : n->second) out.push_back(value);
  }
  return out;
}

void MemPostings::ForEach(
    const std::function<void(const std::string&, const std::string&, size_t)>& f) const {
  std::shared_lock lock(mu_);
  for (const auto& [name, values] : m_) {
    for (const auto& [value, postings] : values) f(name, value, postings.size());
  }
}

size_t MemPostings::NumSeries() const {
  std::shared_lock lock(mu_);
  return all_.size();
}

size_t MemPostings::MemoryBytes() const {
  std::shared_lock lock(mu_);
  size_t total = all_.HeapBytes();
  for (const auto& [name, values] : m_) {
    total += 64 + name.capacity();
    for (const auto& [value, postings] : values) {
      // Tree node: three pointers and a colour, key, list; plus the heap parts.
      total += 32 + sizeof(std::string) + sizeof(DeltaPostings) + postings.HeapBytes();
      if (value.capacity() > 15) total += value.capacity() + 1;
    }
  }
  return total;
}

}  // namespace promref::tsdb
