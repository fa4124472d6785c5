#include "tsdb/index/index_file.h"

#include <fcntl.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <unordered_map>

#include "tsdb/encoding/crc32c.h"
#include "tsdb/encoding/encoding.h"

namespace promref::tsdb {
namespace {

constexpr uint32_t kIndexMagic = 0xBAAAD700;
constexpr size_t kTocSize = 6 * 8 + 4;
constexpr uint8_t kVersion = 2;
// Chunk references start at file 1, offset 0: the first reference of a series is stored
// relative to that.
constexpr uint64_t kRefBase = uint64_t{1} << 32;

void BeginSection(std::string* out, size_t* start) {
  *start = out->size();
  out->append(4, '\0');
}

void EndSection(std::string* out, size_t start) {
  const std::string_view body = std::string_view(*out).substr(start + 4);
  const auto len = static_cast<uint32_t>(body.size());
  const uint32_t crc = Crc32c(body);
  for (int i = 0; i < 4; ++i) (*out)[start + i] = static_cast<char>(len >> (24 - 8 * i));
  Encbuf(out).PutBE32(crc);
}

// Reads the section at `off`; empty view (and false) when corrupt.
bool ReadSection(std::string_view file, uint64_t off, std::string_view* body) {
  if (off + 8 > file.size()) return false;
  Decbuf d(file.substr(off, 4));
  const uint32_t len = d.BE32();
  if (off + 8 + len > file.size()) return false;
  *body = file.substr(off + 4, len);
  Decbuf c(file.substr(off + 4 + len, 4));
  return Crc32c(*body) == c.BE32();
}

Error Corrupt(const std::string& path, std::string_view what) {
  return Error(ErrorKind::kInternal, "corrupt index " + path + ": " + std::string(what));
}

}  // namespace

Status WriteIndex(const std::string& path, const std::vector<IndexSeries>& series, int64_t base_time) {
  // Symbols: every label name and value, sorted, unique.
  std::vector<std::string_view> symbols;
  for (const IndexSeries& s : series) {
    for (const model::LabelView& l : s.labels) {
      symbols.push_back(l.name);
      symbols.push_back(l.value);
    }
  }
  std::sort(symbols.begin(), symbols.end());
  symbols.erase(std::unique(symbols.begin(), symbols.end()), symbols.end());
  std::unordered_map<std::string_view, uint32_t> sym_index;
  sym_index.reserve(symbols.size());
  for (size_t i = 0; i < symbols.size(); ++i) sym_index.emplace(symbols[i], static_cast<uint32_t>(i));

  std::string out;
  Encbuf e(&out);
  e.PutBE32(kIndexMagic);
  e.PutByte(kVersion);

  const uint64_t symbols_off = out.size();
  size_t sec;
  BeginSection(&out, &sec);
  e.PutUvarint(symbols.size());
  for (std::string_view s : symbols) e.PutUvarintStr(s);
  EndSection(&out, sec);

  // Series, collecting (name, value, ref) triples for the postings.
  struct Triple {
    uint32_t name, value;
    uint64_t ref;
  };
  std::vector<Triple> triples;
  std::vector<uint64_t> all;
  all.reserve(series.size());
  const uint64_t series_off = out.size();
  std::string body;
  for (const IndexSeries& s : series) {
    uint64_t prev_ref = kRefBase;
    const uint64_t ref = out.size();
    all.push_back(ref);
    body.clear();
    Encbuf b(&body);
    b.PutUvarint(s.labels.size());
    for (const model::LabelView& l : s.labels) {
      const uint32_t n = sym_index.at(l.name);
      const uint32_t v = sym_index.at(l.value);
      b.PutUvarint(n);
      b.PutUvarint(v);
      triples.push_back({n, v, ref});
    }
    b.PutUvarint(s.chunks.size());
    for (size_t i = 0; i < s.chunks.size(); ++i) {
      const ChunkMeta& c = s.chunks[i];
      b.PutVarint(WrapSub(c.mint, i == 0 ? base_time : s.chunks[i - 1].maxt));
      b.PutUvarint(static_cast<uint64_t>(WrapSub(c.maxt, c.mint)));
      b.PutVarint(static_cast<int64_t>(c.ref - prev_ref));
      prev_ref = c.ref;
    }
    e.PutUvarint(body.size());
    e.PutBytes(body);
    e.PutBE32(Crc32c(body));
  }

  // Postings, in (name, value) order; symbol order is string order.
  std::sort(triples.begin(), triples.end(), [](const Triple& a, const Triple& b) {
    if (a.name != b.name) return a.name < b.name;
    if (a.value != b.value) return a.value < b.value;
    return a.ref < b.ref;
  });
  struct TableEntry {
    uint32_t name, value;
    uint64_t off;  // relative to the postings body
  };
  std::vector<TableEntry> table;
  const uint64_t postings_off = out.size();
  BeginSection(&out, &sec);
  const size_t body_start = out.size();
  auto write_list = [&](auto begin, auto end, auto get) {
    e.PutUvarint(static_cast<uint64_t>(end - begin));
    uint64_t prev = 0;
    for (auto it = begin; it != end; ++it) {
      const uint64_t r = get(*it);
      e.PutUvarint(r - prev);
      prev = r;
    }
  };
  const uint64_t all_off = 0;
  write_list(all.begin(), all.end(), [](uint64_t r) { return r; });
  for (size_t i = 0; i < triples.size();) {
    size_t j = i;
    while (j < triples.size() && triples[j].name == triples[i].name && triples[j].value == triples[i].value)
      ++j;
    table.push_back({triples[i].name, triples[i].value, out.size() - body_start});
    write_list(triples.begin() + static_cast<ptrdiff_t>(i), triples.begin() + static_cast<ptrdiff_t>(j),
               [](const Triple& t) { return t.ref; });
    i = j;
  }
  EndSection(&out, sec);

  const uint64_t table_off = out.size();
  BeginSection(&out, &sec);
  size_t names = 0;
  for (size_t i = 0; i < table.size(); ++i) names += i == 0 || table[i].name != table[i - 1].name;
  e.PutUvarint(names);
  uint64_t prev_off = 0;
  for (size_t i = 0; i < table.size();) {
    size_t j = i;
    while (j < table.size() && table[j].name == table[i].name) ++j;
    e.PutUvarint(table[i].name);
    e.PutUvarint(j - i);
    uint32_t prev_value = 0;
    for (size_t k = i; k < j; ++k) {
      e.PutUvarint(table[k].value - prev_value);
      prev_value = table[k].value;
      e.PutUvarint(table[k].off - prev_off);
      prev_off = table[k].off;
    }
    i = j;
  }
  EndSection(&out, sec);

  const size_t toc = out.size();
  e.PutBE64(symbols_off);
  e.PutBE64(series_off);
  e.PutBE64(postings_off);
  e.PutBE64(table_off);
  e.PutBE64(static_cast<uint64_t>(base_time));
  e.PutBE64(all_off);
  e.PutBE32(Crc32c(std::string_view(out).substr(toc)));
  return WriteFileAtomic(path, out);
}

Result<std::unique_ptr<BlockIndex>> BlockIndex::Open(const std::string& path) {
  auto f = MmapFile::Open(path);
  if (!f.ok()) return f.error();
  std::unique_ptr<BlockIndex> ix(new BlockIndex());
  ix->file_ = std::move(*f);
  const std::string_view data = ix->file_.data();
  if (data.size() < 5 + kTocSize) return Corrupt(path, "file too short");
  Decbuf h(data.substr(0, 5));
  if (h.BE32() != kIndexMagic || h.Byte() != kVersion) return Corrupt(path, "bad magic or version");
  const std::string_view toc = data.substr(data.size() - kTocSize);
  Decbuf t(toc);
  const uint64_t symbols_off = t.BE64();
  t.BE64();  // series offset: series are addressed directly
  const uint64_t postings_off = t.BE64();
  const uint64_t table_off = t.BE64();
  ix->base_time_ = static_cast<int64_t>(t.BE64());
  ix->all_postings_ = t.BE64();
  if (Crc32c(toc.substr(0, kTocSize - 4)) != t.BE32()) return Corrupt(path, "table of contents checksum");

  std::string_view body;
  if (!ReadSection(data, symbols_off, &body)) return Corrupt(path, "symbols");
  Decbuf s(body);
  const uint64_t nsym = s.Uvarint();
  if (nsym > body.size()) return Corrupt(path, "symbol count");
  ix->symbols_.reserve(nsym);
  for (uint64_t i = 0; i < nsym; ++i) ix->symbols_.push_back(s.UvarintStr());
  if (!s.ok()) return Corrupt(path, "symbols truncated");

  if (!ReadSection(data, postings_off, &ix->postings_)) return Corrupt(path, "postings");

  if (!ReadSection(data, table_off, &body)) return Corrupt(path, "postings table");
  Decbuf p(body);
  const uint64_t names = p.Uvarint();
  uint64_t off = 0;
  for (uint64_t i = 0; i < names && p.ok(); ++i) {
    const uint64_t name = p.Uvarint();
    const uint64_t nvalues = p.Uvarint();
    if (name >= nsym || nvalues > body.size()) return Corrupt(path, "postings table entry");
    NameEntry entry{ix->symbols_[name], {}};
    entry.values.reserve(nvalues);
    uint64_t value = 0;
    for (uint64_t k = 0; k < nvalues && p.ok(); ++k) {
      value += p.Uvarint();
      off += p.Uvarint();
      if (value >= nsym || off >= ix->postings_.size()) return Corrupt(path, "postings table entry");
      entry.values.emplace_back(ix->symbols_[value], off);
    }
    ix->names_.push_back(std::move(entry));
  }
  if (!p.ok()) return Corrupt(path, "postings table truncated");
  return ix;
}

const BlockIndex::NameEntry* BlockIndex::Find(std::string_view name) const {
  auto it = std::lower_bound(names_.begin(), names_.end(), name,
                             [](const NameEntry& e, std::string_view n) { return e.name < n; });
  return it != names_.end() && it->name == name ? &*it : nullptr;
}

Postings BlockIndex::Decode(uint64_t off) const {
  if (off >= postings_.size()) return {};
  Decbuf d(postings_.substr(off));
  const uint64_t n = d.Uvarint();
  Postings out;
  out.reserve(std::min<uint64_t>(n, d.Len()));
  uint64_t v = 0;
  for (uint64_t i = 0; i < n && d.ok(); ++i) {
    v += d.Uvarint();
    out.push_back(v);
  }
  if (!d.ok()) return {};
  return out;
}

Postings BlockIndex::AllPostings() const {
  return Decode(all_postings_);
}

Postings BlockIndex::Get(std::string_view name, std::string_view value) const {
  const NameEntry* e = Find(name);
  if (e == nullptr) return {};
  auto it = std::lower_bound(e->values.begin(), e->values.end(), value,
                             [](const auto& a, std::string_view v) { return a.first < v; });
  if (it == e->values.end() || it->first != value) return {};
  return Decode(it->second);
}

Postings BlockIndex::PostingsForMatcher(const model::Matcher& m, bool invert) const {
  if (m.name().empty()) return {};
  const NameEntry* e = Find(m.name());
  if (e == nullptr) return {};
  std::vector<Postings> lists;
  if (const auto* set = WantedValueSet(m, invert)) {
    for (const std::string& v : *set) {
      auto it = std::lower_bound(e->values.begin(), e->values.end(), std::string_view(v),
                                 [](const auto& a, std::string_view x) { return a.first < x; });
      if (it != e->values.end() && it->first == v) lists.push_back(Decode(it->second));
    }
  } else {
    const std::string_view prefix = WantedPrefix(m, invert);
    // Values are sorted: a prefix narrows the scan to one contiguous run.
    auto it = std::lower_bound(e->values.begin(), e->values.end(), prefix,
                               [](const auto& a, std::string_view x) { return a.first < x; });
    for (; it != e->values.end(); ++it) {
      if (!prefix.empty() && it->first.substr(0, prefix.size()) != prefix) break;
      if (m.Matches(it->first) != invert) lists.push_back(Decode(it->second));
    }
  }
  return Merge(std::move(lists));
}

std::vector<std::string> BlockIndex::LabelNames() const {
  std::vector<std::string> out;
  for (const NameEntry& e : names_) out.emplace_back(e.name);
  return out;
}

std::vector<std::string> BlockIndex::LabelValues(std::string_view name) const {
  std::vector<std::string> out;
  if (name.empty()) return out;
  if (const NameEntry* e = Find(name)) {
    out.reserve(e->values.size());
    for (const auto& [v, off] : e->values) out.emplace_back(v);
  }
  return out;
}

bool BlockIndex::Series(uint64_t ref, model::Labels* labels, std::vector<ChunkMeta>* chunks) const {
  const std::string_view data = file_.data();
  if (ref >= data.size()) return false;
  Decbuf d(data.substr(ref));
  const uint64_t len = d.Uvarint();
  if (!d.ok() || len + 4 > d.Len()) return false;
  const std::string_view body = d.Rest().substr(0, len);
  Decbuf c(d.Rest().substr(len, 4));
  if (Crc32c(body) != c.BE32()) return false;
  Decbuf b(body);
  const uint64_t nl = b.Uvarint();
  std::string enc;
  enc.reserve(64);
  Encbuf eb(&enc);
  for (uint64_t i = 0; i < nl && b.ok(); ++i) {
    const uint64_t n = b.Uvarint();
    const uint64_t v = b.Uvarint();
    if (n >= symbols_.size() || v >= symbols_.size()) return false;
    eb.PutUvarintStr(symbols_[n]);
    eb.PutUvarintStr(symbols_[v]);
  }
  auto l = model::Labels::FromEncoded(enc);
  if (!l.ok()) return false;
  *labels = std::move(*l);
  const uint64_t nc = b.Uvarint();
  if (nc == 0 || !b.ok()) return false;
  int64_t prev_maxt = base_time_;
  uint64_t prev_ref = kRefBase;
  for (uint64_t i = 0; i < nc && b.ok(); ++i) {
    ChunkMeta m;
    m.mint = WrapAdd(prev_maxt, b.Varint());
    m.maxt = WrapAdd(m.mint, static_cast<int64_t>(b.Uvarint()));
    m.ref = prev_ref + static_cast<uint64_t>(b.Varint());
    prev_maxt = m.maxt;
    prev_ref = m.ref;
    chunks->push_back(m);
  }
  return b.ok();
}

}  // namespace promref::tsdb
