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
constexpr size_t kTocSize = 4 * 8 + 4;

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

Status WriteIndex(const std::string& path, const std::vector<IndexSeries>& series) {
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
  e.PutByte(1);

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
      if (i == 0) {
        b.PutVarint(c.mint);
        b.PutUvarint(static_cast<uint64_t>(c.maxt - c.mint));
        b.PutUvarint(c.ref);
      } else {
        b.PutVarint(c.mint - s.chunks[i - 1].maxt);
        b.PutUvarint(static_cast<uint64_t>(c.maxt - c.mint));
        b.PutVarint(static_cast<int64_t>(c.ref - s.chunks[i - 1].ref));
      }
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
    std::string_view name, value;
    uint64_t off;
  };
  std::vector<TableEntry> table;
  const uint64_t postings_off = out.size();
  auto write_postings = [&](std::string_view name, std::string_view value, auto begin, auto end, auto get) {
    table.push_back({name, value, out.size()});
    size_t s;
    BeginSection(&out, &s);
    e.PutUvarint(static_cast<uint64_t>(end - begin));
    uint64_t prev = 0;
    for (auto it = begin; it != end; ++it) {
      const uint64_t r = get(*it);
      e.PutUvarint(r - prev);
      prev = r;
    }
    EndSection(&out, s);
  };
  write_postings("", "", all.begin(), all.end(), [](uint64_t r) { return r; });
  for (size_t i = 0; i < triples.size();) {
    size_t j = i;
    while (j < triples.size() && triples[j].name == triples[i].name && triples[j].value == triples[i].value)
      ++j;
    write_postings(symbols[triples[i].name], symbols[triples[i].value],
                   triples.begin() + static_cast<ptrdiff_t>(i), triples.begin() + static_cast<ptrdiff_t>(j),
                   [](const Triple& t) { return t.ref; });
    i = j;
  }

  const uint64_t table_off = out.size();
  BeginSection(&out, &sec);
  e.PutUvarint(table.size());
  for (const TableEntry& t : table) {
    e.PutUvarintStr(t.name);
    e.PutUvarintStr(t.value);
    e.PutUvarint(t.off);
  }
  EndSection(&out, sec);

  const size_t toc = out.size();
  e.PutBE64(symbols_off);
  e.PutBE64(series_off);
  e.PutBE64(postings_off);
  e.PutBE64(table_off);
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
  if (h.BE32() != kIndexMagic || h.Byte() != 1) return Corrupt(path, "bad magic or version");
  const std::string_view toc = data.substr(data.size() - kTocSize);
  Decbuf t(toc);
  const uint64_t symbols_off = t.BE64();
  t.BE64();  // series offset: series are addressed directly
  t.BE64();  // postings offset: found through the table
  const uint64_t table_off = t.BE64();
  if (Crc32c(toc.substr(0, 32)) != t.BE32()) return Corrupt(path, "table of contents checksum");

  std::string_view body;
  if (!ReadSection(data, symbols_off, &body)) return Corrupt(path, "symbols");
  Decbuf s(body);
  const uint64_t nsym = s.Uvarint();
  if (nsym > body.size()) return Corrupt(path, "symbol count");
  ix->symbols_.reserve(nsym);
  for (uint64_t i = 0; i < nsym; ++i) ix->symbols_.push_back(s.UvarintStr());
  if (!s.ok()) return Corrupt(path, "symbols truncated");

  if (!ReadSection(data, table_off, &body)) return Corrupt(path, "postings table");
  Decbuf p(body);
  const uint64_t n = p.Uvarint();
  for (uint64_t i = 0; i < n && p.ok(); ++i) {
    const std::string_view name = p.UvarintStr();
    const std::string_view value = p.UvarintStr();
    const uint64_t off = p.Uvarint();
    if (ix->names_.empty() || ix->names_.back().name != name) ix->names_.push_back({name, {}});
    ix->names_.back().values.emplace_back(value, off);
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
  std::string_view body;
  if (!ReadSection(file_.data(), off, &body)) return {};
  Decbuf d(body);
  const uint64_t n = d.Uvarint();
  Postings out;
  out.reserve(std::min<uint64_t>(n, body.size()));
  uint64_t v = 0;
  for (uint64_t i = 0; i < n && d.ok(); ++i) {
    v += d.Uvarint();
    out.push_back(v);
  }
  if (!d.ok()) return {};
  return out;
}

Postings BlockIndex::AllPostings() const {
  return Get("", "");
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
  for (const NameEntry& e : names_) {
    if (!e.name.empty()) out.emplace_back(e.name);
  }
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
  int64_t prev_maxt = 0;
  uint64_t prev_ref = 0;
  for (uint64_t i = 0; i < nc && b.ok(); ++i) {
    ChunkMeta m;
    if (i == 0) {
      m.mint = b.Varint();
      m.maxt = m.mint + static_cast<int64_t>(b.Uvarint());
      m.ref = b.Uvarint();
    } else {
      m.mint = prev_maxt + b.Varint();
      m.maxt = m.mint + static_cast<int64_t>(b.Uvarint());
      m.ref = prev_ref + static_cast<uint64_t>(b.Varint());
    }
    prev_maxt = m.maxt;
    prev_ref = m.ref;
    chunks->push_back(m);
  }
  return b.ok();
}

}  // namespace promref::tsdb
