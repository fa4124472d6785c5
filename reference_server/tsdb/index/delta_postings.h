// DeltaPostings: a sorted list of series references held as varint deltas, the head's form of
// one label pair's postings.
//
// The head keeps a list per label pair of every series, so at a million series the lists are
// a large share of memory per series. References are handed out in increasing order, so a
// list's neighbours are usually close: a delta takes 1–3 bytes where a uint64_t took 8 (and a
// vector's growth slack on top), and a list of a pair unique to a few series fits the
// std::string's inline buffer with no allocation at all. Queries decode the lists they use into
// Postings; a list decodes at about a byte per nanosecond.
//
// Contract: the list stays sorted and unique. Add costs in proportion to the number of
// elements above `ref` (none, usually); EraseIf rewrites the list. Not thread-safe: the owner
// locks.
#pragma once

#include <cstddef>
#include <cstdint>
#include <string>

#include "tsdb/index/postings.h"

namespace promref::tsdb {

class DeltaPostings {
 public:
  // Inserts `ref` (no-op when present).
  void Add(uint64_t ref);
  // Removes every element for which gone(ref) is true.
  template <typename Gone>
  void EraseIf(Gone gone) {
    Postings kept = Decode();
    std::erase_if(kept, gone);
    Assign(kept);
  }

  // The elements, ascending.
  Postings Decode() const;
  // Appends the elements to *out.
  void DecodeInto(Postings* out) const;

  size_t size() const { return count_; }
  bool empty() const { return count_ == 0; }
  // Heap bytes beyond the object itself.
  size_t HeapBytes() const;

 private:
  void Assign(const Postings& sorted);
  void InsertBelowLast(uint64_t ref);

  std::string bytes_;  // uvarint deltas, the first from 0
  uint64_t last_ = 0;  // the largest element (0 when empty)
  uint32_t count_ = 0;
};

}  // namespace promref::tsdb
