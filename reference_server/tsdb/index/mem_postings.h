// The head's inverted index: label name -> value -> sorted series references.
//
// Values are kept in sorted order per name (a tree, not a hash map): a regex with a literal
// prefix then visits only the values in that prefix's range, which matters for labels with a
// million values, and label-value listings need no sort.
//
// Lists are DeltaPostings (varint deltas), decoded for each query that uses them. Series
// references are handed out in increasing order, so adding a series appends to the end of each
// of its lists.
// A shared_mutex lets queries resolve matchers concurrently while series are created.
#pragma once

#include <cstdint>
#include <functional>
#include <map>
#include <shared_mutex>
#include <string>
#include <unordered_map>
#include <vector>

#include "model/labels.h"
#include "tsdb/index/delta_postings.h"
#include "tsdb/index/postings.h"

namespace promref::tsdb {

class MemPostings final : public IndexReader {
 public:
  void Add(uint64_t ref, const model::Labels& labels);
  // Removes series (given with their label sets) from every list they are in.
  void Delete(const std::vector<std::pair<uint64_t, model::Labels>>& series);

  Postings AllPostings() const override;
  Postings PostingsForMatcher(const model::Matcher& m, bool invert) const override;
  Postings Get(std::string_view name, std::string_view value) const;

  // Sorted label names with at least one series.
  std::vector<std::string> LabelNames() const;
  // Sorted values of `name`.
  std::vector<std::string> LabelValues(std::string_view name) const;
  // Calls f(name, value, number of series) for every pair, under the read lock (f must not
  // call back).
  void ForEach(const std::function<void(const std::string&, const std::string&, size_t)>& f) const;
  size_t NumSeries() const;
  // Approximate heap bytes held (for head memory accounting).
  size_t MemoryBytes() const;

 private:
  struct StringHash {
    using is_transparent = void;
    size_t operator()(std::string_view s) const { return std::hash<std::string_view>()(s); }
  };
  using Values = std::map<std::string, DeltaPostings, std::less<>>;
  mutable std::shared_mutex mu_;
  std::unordered_map<std::string, Values, StringHash, std::equal_to<>> m_;
  DeltaPostings all_;
};

}  // namespace promref::tsdb
