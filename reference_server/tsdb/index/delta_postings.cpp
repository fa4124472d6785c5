#include "tsdb/index/delta_postings.h"

#include <algorithm>

#include "tsdb/encoding/encoding.h"

namespace promref::tsdb {

void DeltaPostings::Add(uint64_t ref) {
  if (count_ == 0 || ref > last_) {
    Encbuf(&bytes_).PutUvarint(ref - last_);
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
    // The element before cur (0 before the first element).
    const uint64_t prev = cur - Decbuf(std::string_view(bytes_).substr(start)).Uvarint();
    if (ref > prev || k == 1) {
      std::string split;
      Encbuf e(&split);
      e.PutUvarint(ref - prev);
      e.PutUvarint(cur - ref);
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
  Encbuf e(&bytes_);
  for (uint64_t ref : sorted) {
    e.PutUvarint(ref - last_);
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
  // Every query that uses the list decodes it, so this loop skips Decbuf's per-byte bounds and
  // overflow checks: the list was written here, and holds count_ well-formed uvarints.
  for (uint32_t i = 0; i < count_; ++i) {
    uint64_t delta = *p++;
    if (delta >= 0x80) {  // more bytes follow
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
