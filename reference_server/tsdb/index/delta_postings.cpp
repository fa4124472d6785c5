#include "tsdb/index/delta_postings.h"

#include <algorithm>

namespace promref::tsdb {

namespace {

void PutUvarint(std::string* out, uint64_t v) {
  while (v >= 0x80) {
    out->push_back(static_cast<char>(v | 0x80));
    v >>= 7;
  }
  out->push_back(static_cast<char>(v));
}

// The uvarint at p (written here: no bounds to check).
uint64_t Uvarint(const unsigned char* p) {
  uint64_t v = 0;
  for (int shift = 0;; shift += 7, ++p) {
    v |= static_cast<uint64_t>(*p & 0x7F) << shift;
    if (*p < 0x80) return v;
  }
}

}  // namespace

void DeltaPostings::AppendDelta(uint64_t delta) {
  PutUvarint(&bytes_, delta);
}

void DeltaPostings::Add(uint64_t ref) {
  if (count_ == 0 || ref > last_) {
    AppendDelta(ref - last_);
    last_ = ref;
    ++count_;
    return;
  }
  InsertBelowLast(ref);
}

// Two series created concurrently may add their references out of order, so `ref` belongs
// a few elements from the end. Uvarints can be walked backwards (every byte but a uvarint's
// last has its high bit set), so the list is walked from its end to the element `cur` that
// `ref` precedes, and cur's delta is split in two: the elements after it keep theirs.
void DeltaPostings::InsertBelowLast(uint64_t ref) {
  const auto* bytes = reinterpret_cast<const unsigned char*>(bytes_.data());
  size_t end = bytes_.size();
  uint64_t cur = last_;
  for (uint32_t k = count_; k > 0; --k) {
    if (ref == cur) return;
    size_t start = end - 1;
    while (start > 0 && bytes[start - 1] >= 0x80) --start;
    const uint64_t prev = cur - Uvarint(bytes + start);  // 0 before the first element
    if (ref > prev || k == 1) {
      std::string split;
      PutUvarint(&split, ref - prev);
      PutUvarint(&split, cur - ref);
      bytes_.replace(start, end - start, split);
      ++count_;
      return;
    }
    cur = prev;
    end = start;
  }
}

void DeltaPostings::Assign(const Postings& sorted) {
  bytes_.clear();
  last_ = 0;
  for (uint64_t ref : sorted) {
    AppendDelta(ref - last_);
    last_ = ref;
  }
  count_ = static_cast<uint32_t>(sorted.size());
  bytes_.shrink_to_fit();
}

Postings DeltaPostings::Decode() const {
  Postings out;
  DecodeInto(&out);
  return out;
}

void DeltaPostings::DecodeInto(Postings* out) const {
  const size_t base = out->size();
  out->resize(base + count_);
  uint64_t* dst = out->data() + base;
  const auto* p = reinterpret_cast<const unsigned char*>(bytes_.data());
  uint64_t ref = 0;
  for (uint32_t i = 0; i < count_; ++i) {
    uint64_t delta = *p++;
    if (delta >= 0x80) {  // more bytes follow (the list was written here: no bounds to check)
      delta &= 0x7F;
      int shift = 7;
      uint64_t b;
      do {
        b = *p++;
        delta |= (b & 0x7F) << shift;
        shift += 7;
      } while (b >= 0x80);
    }
    ref += delta;
    dst[i] = ref;
  }
}

size_t DeltaPostings::HeapBytes() const {
  // libstdc++ keeps up to 15 bytes inline.
  return bytes_.capacity() > 15 ? bytes_.capacity() + 1 : 0;
}

}  // namespace promref::tsdb
