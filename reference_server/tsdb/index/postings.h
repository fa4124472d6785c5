// Postings: sorted lists of series references, one per label pair, and the algebra queries
// are answered with (intersect for AND-ed matchers, merge for regex alternatives, subtract for
// negative matchers).
//
// Lists are materialised vectors rather than lazy iterators: a selector resolves to a handful
// of lists, and sorted-vector algebra (with galloping search when sizes differ a lot) is both
// simpler and faster than chains of virtual iterators at the sizes that occur.
//
// PostingsForMatchers resolves a selector against any IndexReader (the head's in-memory
// postings, a block's index file) with Prometheus' semantics: an absent label reads as "",
// so `a=""` and `a!~".+"` select series without `a`.
#pragma once

#include <cstdint>
#include <functional>
#include <span>
#include <string>
#include <string_view>
#include <vector>

#include "model/matcher.h"

namespace promref::tsdb {

using Postings = std::vector<uint64_t>;  // sorted ascending, unique

// Series in every list. Empty input gives an empty result.
Postings Intersect(std::vector<Postings> lists);
// Series in any list.
Postings Merge(std::vector<Postings> lists);
// Series in `a` but not in `b`.
Postings Subtract(const Postings& a, const Postings& b);

// Read access to an inverted index, as PostingsForMatchers needs it.
class IndexReader {
 public:
  virtual ~IndexReader() = default;
  // Every series.
  virtual Postings AllPostings() const = 0;
  // The union of the postings of every value v of label `m.name()` for which
  // m.Matches(v) != invert. Implementations use the matcher's fast paths (SetMatches(),
  // LiteralPrefix()) to avoid visiting every value.
  virtual Postings PostingsForMatcher(const model::Matcher& m, bool invert) const = 0;
};

// Series matching all matchers. An empty matcher list selects every series.
Postings PostingsForMatchers(const IndexReader& ix, std::span<const model::Matcher> ms);

// Helper for implementations of IndexReader::PostingsForMatcher: whether the values wanted
// form a finite known set (returned), so they can be looked up rather than scanned.
const std::vector<std::string>* WantedValueSet(const model::Matcher& m, bool invert);
// The prefix every wanted value starts with ("" when unknown).
std::string_view WantedPrefix(const model::Matcher& m, bool invert);

}  // namespace promref::tsdb
