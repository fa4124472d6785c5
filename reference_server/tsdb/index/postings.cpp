#include "tsdb/index/postings.h"

#include <algorithm>
#include <queue>
#include <unordered_map>

namespace promref::tsdb {
namespace {

bool IsNegative(model::MatchType t) {
  return t == model::MatchType::kNotEqual || t == model::MatchType::kRegexNoMatch;
}

// Intersection of two sorted lists. When one is much shorter, each of its elements is found in
// the longer one by galloping (exponential then binary search), so the cost follows the short
// list.
Postings Intersect2(const Postings& a, const Postings& b) {
  const Postings& s = a.size() <= b.size() ? a : b;
  const Postings& l = a.size() <= b.size() ? b : a;
  Postings out;
  out.reserve(s.size());
  if (s.size() * 32 < l.size()) {
    auto lo = l.begin();
    for (uint64_t x : s) {
      size_t step = 1;
      auto hi = lo;
      while (hi != l.end() && *hi < x) {
        lo = hi;
        hi = static_cast<size_t>(l.end() - hi) > step ? hi + static_cast<ptrdiff_t>(step) : l.end();
        step *= 2;
      }
      lo = std::lower_bound(lo, hi, x);
      if (lo == l.end()) break;
      if (*lo == x) out.push_back(x);
    }
    return out;
  }
  std::set_intersection(a.begin(), a.end(), b.begin(), b.end(), std::back_inserter(out));
  return out;
}

}  // namespace

Postings Intersect(std::vector<Postings> lists) {
  if (lists.empty()) return {};
  // Smallest first keeps every intermediate result small.
  std::sort(lists.begin(), lists.end(),
            [](const Postings& a, const Postings& b) { return a.size() < b.size(); });
  Postings acc = std::move(lists[0]);
  for (size_t i = 1; i < lists.size() && !acc.empty(); ++i) acc = Intersect2(acc, lists[i]);
  return acc;
}

Postings Merge(std::vector<Postings> lists) {
  std::erase_if(lists, [](const Postings& p) { return p.empty(); });
  if (lists.empty()) return {};
  if (lists.size() == 1) return std::move(lists[0]);
  if (lists.size() == 2) {
    Postings out;
    out.reserve(lists[0].size() + lists[1].size());
    std::set_union(lists[0].begin(), lists[0].end(), lists[1].begin(), lists[1].end(),
                   std::back_inserter(out));
    return out;
  }
  // k-way merge with a heap of list cursors.
  size_t total = 0;
  for (const auto& l : lists) total += l.size();
  using Cursor = std::pair<uint64_t, size_t>;  // value, list index
  std::priority_queue<Cursor, std::vector<Cursor>, std::greater<>> heap;
  std::vector<size_t> pos(lists.size(), 0);
  for (size_t i = 0; i < lists.size(); ++i) heap.emplace(lists[i][0], i);
  Postings out;
  out.reserve(total);
  while (!heap.empty()) {
    auto [v, i] = heap.top();
    heap.pop();
    if (out.empty() || out.back() != v) out.push_back(v);
    if (++pos[i] < lists[i].size()) heap.emplace(lists[i][pos[i]], i);
  }
  return out;
}

Postings Subtract(const Postings& a, const Postings& b) {
  if (b.empty() || a.empty()) return a;
  Postings out;
  out.reserve(a.size());
  std::set_difference(a.begin(), a.end(), b.begin(), b.end(), std::back_inserter(out));
  return out;
}

const std::vector<std::string>* WantedValueSet(const model::Matcher& m, bool invert) {
  // SetMatches() holds the values a positive matcher accepts, or a negative one rejects.
  if (IsNegative(m.type()) != invert) return nullptr;
  return m.SetMatches();
}

std::string_view WantedPrefix(const model::Matcher& m, bool invert) {
  if (IsNegative(m.type()) != invert) return {};
  return m.LiteralPrefix();
}

// Prometheus' PostingsForMatchers (tsdb/querier.go), over materialised lists.
Postings PostingsForMatchers(const IndexReader& ix, std::span<const model::Matcher> ms) {
  if (ms.empty()) return ix.AllPostings();
  // Labels some matcher requires to be set (it does not match "").
  std::unordered_map<std::string_view, bool> must_be_set;
  for (const model::Matcher& m : ms) {
    if (!m.MatchesEmpty()) must_be_set[m.name()] = true;
  }
  std::vector<Postings> its;
  std::vector<Postings> not_its;
  for (const model::Matcher& m : ms) {
    const bool negative = IsNegative(m.type());
    if (must_be_set.count(m.name()) != 0) {
      const bool matches_empty = m.MatchesEmpty();
      if (negative && matches_empty) {
        // l!="foo" with l set: subtract the series where l="foo".
        not_its.push_back(ix.PostingsForMatcher(m, /*invert=*/true));
      } else if (negative && !matches_empty) {
        // l!="": the series whose value of l the matcher accepts.
        Postings p = ix.PostingsForMatcher(m, /*invert=*/false);
        if (p.empty()) return {};
        its.push_back(std::move(p));
      } else {
        Postings p = ix.PostingsForMatcher(m, /*invert=*/false);
        if (p.empty()) return {};
        its.push_back(std::move(p));
      }
    } else {
      // The matcher accepts "": it selects every series without l, so remove only the
      // series whose (non-empty) value it rejects.
      not_its.push_back(ix.PostingsForMatcher(m, /*invert=*/true));
    }
  }
  if (its.empty()) its.push_back(ix.AllPostings());
  Postings out = Intersect(std::move(its));
  for (const Postings& n : not_its) out = Subtract(out, n);
  return out;
}

}  // namespace promref::tsdb
