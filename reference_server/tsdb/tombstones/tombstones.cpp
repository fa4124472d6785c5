#include "tsdb/tombstones/tombstones.h"

#include <algorithm>
#include <limits>

#include "tsdb/encoding/crc32c.h"
#include "tsdb/encoding/encoding.h"

namespace promref::tsdb {
namespace {

constexpr uint32_t kMagic = 0x0130BA30;
constexpr uint8_t kVersion = 1;

}  // namespace

void Intervals::Add(Interval n) {
  if (n.mint > n.maxt) return;
  // Find the first interval that ends at or after n.mint - 1 (could merge with n).
  auto it = std::lower_bound(v_.begin(), v_.end(), n, [](const Interval& a, const Interval& b) {
    return a.maxt < b.mint && (b.mint == std::numeric_limits<int64_t>::min() || a.maxt < b.mint - 1);
  });
  auto end = it;
  while (end != v_.end() && (end->mint <= n.maxt ||
                             (n.maxt != std::numeric_limits<int64_t>::max() && end->mint == n.maxt + 1))) {
    n.mint = std::min(n.mint, end->mint);
    n.maxt = std::max(n.maxt, end->maxt);
    ++end;
  }
  it = v_.erase(it, end);
  v_.insert(it, n);
}

bool Intervals::Contains(int64_t t) const {
  auto it =
      std::lower_bound(v_.begin(), v_.end(), t, [](const Interval& a, int64_t x) { return a.maxt < x; });
  return it != v_.end() && it->mint <= t;
}

bool Intervals::Covers(int64_t mint, int64_t maxt) const {
  auto it =
      std::lower_bound(v_.begin(), v_.end(), mint, [](const Interval& a, int64_t x) { return a.maxt < x; });
  return it != v_.end() && it->mint <= mint && it->maxt >= maxt;
}

bool Intervals::Overlaps(int64_t mint, int64_t maxt) const {
  auto it =
      std::lower_bound(v_.begin(), v_.end(), mint, [](const Interval& a, int64_t x) { return a.maxt < x; });
  return it != v_.end() && it->mint <= maxt;
}

Tombstones::Tombstones(const Tombstones& o) : m_(o.Snapshot()) {}

Tombstones& Tombstones::operator=(const Tombstones& o) {
  if (this != &o) {
    auto snap = o.Snapshot();
    std::lock_guard lock(mu_);
    m_ = std::move(snap);
  }
  return *this;
}

void Tombstones::Add(uint64_t ref, Interval iv) {
  std::lock_guard lock(mu_);
  m_[ref].Add(iv);
}

Intervals Tombstones::Get(uint64_t ref) const {
  std::lock_guard lock(mu_);
  auto it = m_.find(ref);
  return it == m_.end() ? Intervals() : it->second;
}

bool Tombstones::empty() const {
  std::lock_guard lock(mu_);
  return m_.empty();
}

size_t Tombstones::NumSeries() const {
  std::lock_guard lock(mu_);
  return m_.size();
}

void Tombstones::TruncateBefore(int64_t mint) {
  std::lock_guard lock(mu_);
  for (auto it = m_.begin(); it != m_.end();) {
    Intervals kept;
    for (const Interval& iv : it->second.items()) {
      if (iv.maxt >= mint) kept.Add(iv);
    }
    if (kept.empty()) {
      it = m_.erase(it);
    } else {
      it->second = std::move(kept);
      ++it;
    }
  }
}

void Tombstones::DeleteSeries(const std::vector<uint64_t>& refs) {
  std::lock_guard lock(mu_);
  for (uint64_t r : refs) m_.erase(r);
}

std::map<uint64_t, Intervals> Tombstones::Snapshot() const {
  std::lock_guard lock(mu_);
  return m_;
}

std::string Tombstones::Encode() const {
  std::string out;
  Encbuf e(&out);
  e.PutBE32(kMagic);
  e.PutByte(kVersion);
  {
    std::lock_guard lock(mu_);
    for (const auto& [ref, ivs] : m_) {
      for (const Interval& iv : ivs.items()) {
        e.PutUvarint(ref);
        e.PutVarint(iv.mint);
        e.PutVarint(iv.maxt);
      }
    }
  }
  e.PutBE32(Crc32c(std::string_view(out).substr(5)));
  return out;
}

Result<Tombstones> Tombstones::Decode(std::string_view b) {
  auto corrupt = [](std::string why) { return Error(ErrorKind::kInternal, "tombstones: " + why); };
  if (b.size() < 9) return corrupt("file too short");
  Decbuf h(b.substr(0, 5));
  if (h.BE32() != kMagic) return corrupt("bad magic");
  if (h.Byte() != kVersion) return corrupt("unsupported version");
  const std::string_view body = b.substr(5, b.size() - 9);
  Decbuf c(b.substr(b.size() - 4));
  if (Crc32c(body) != c.BE32()) return corrupt("checksum mismatch");
  Tombstones t;
  Decbuf d(body);
  while (d.Len() > 0) {
    const uint64_t ref = d.Uvarint();
    const int64_t mint = d.Varint();
    const int64_t maxt = d.Varint();
    if (!d.ok()) return corrupt("truncated entry");
    t.m_[ref].Add({mint, maxt});
  }
  return t;
}

}  // namespace promref::tsdb
