#include "tsdb/index/delta_postings.h"

#include <algorithm>

namespace promref::tsdb {

void DeltaPostings::AppendDelta(uint64_t delta) {
  while (delta >= 0x80) {
    bytes_.push_back(static_cast<char>(delta | 0x80));
    delta >>= 7;
  }
  bytes_.push_back(static_cast<char>(delta));
}

void DeltaPostings::Add(uint64_t ref) {
  if (count_ == 0 || ref > last_) {
    AppendDelta(ref - last_);
    last_ = ref;
    ++count_;
    return;
  }
  // Two series created concurrently may add their references out of order (rare).
  Postings all = Decode();
  const auto it = std::lower_bound(all.begin(), all.end(), ref);
  if (it != all.end() && *it == ref) return;
  all.insert(it, ref);
  Assign(all);
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
