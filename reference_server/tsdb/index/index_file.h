// A block's index file: symbols, series (labels and chunk references) and postings.
//
//   header    magic BE32 0xBAAAD700, version byte 2
//   symbols   section: count uvarint, then the sorted unique label strings (uvarint-prefixed)
//   series    one entry per series, in label order:
//               body length uvarint, body, CRC-32C of body BE32
//             body: label count, (name, value) symbol indexes; chunk count, chunk metas
//             (first: mint - base time varint, maxt - mint uvarint, ref - 2^32 (file 1,
//             offset 0) varint; then: mint - previous maxt varint, maxt - mint uvarint,
//             ref - previous ref varint). A series' reference is the offset of its entry.
//   postings  section holding one list per label pair, and one of all series: count uvarint,
//             then ascending series references delta-encoded as uvarints
//   table     section: name count uvarint; per name (ascending): name symbol, value count,
//             then per value (ascending): value symbol delta, list offset delta (uvarints)
//   toc       offsets of symbols, series, postings, table, the base time, the offset of the
//             all-series list (BE64 each), CRC-32C of the 48 bytes
//
// A "section" is [body length BE32][body][CRC-32C of body BE32]. The reader memory-maps the
// file, checks the sections' checksums (series entries carry their own) and keeps the symbol
// views and the postings table in memory. Deltas and symbol references keep the per-series
// cost small: this file is a good part of a block's bytes when series have few samples.
#pragma once

#include <cstdint>
#include <memory>
#include <string>
#include <string_view>
#include <vector>

#include "model/labels.h"
#include "tsdb/index/postings.h"
#include "tsdb/querier/source.h"
#include "tsdb/util/file.h"

namespace promref::tsdb {

struct IndexSeries {
  model::Labels labels;
  std::vector<ChunkMeta> chunks;  // mint, maxt and ref are used
};

// Writes an index for `series` (in label order) to `path` and fsyncs it. Chunk times are
// stored relative to `base_time` (the block's start).
Status WriteIndex(const std::string& path, const std::vector<IndexSeries>& series, int64_t base_time = 0);

class BlockIndex final : public IndexReader {
 public:
  static Result<std::unique_ptr<BlockIndex>> Open(const std::string& path);

  Postings AllPostings() const override;
  Postings PostingsForMatcher(const model::Matcher& m, bool invert) const override;
  Postings Get(std::string_view name, std::string_view value) const;
  std::vector<std::string> LabelNames() const;
  std::vector<std::string> LabelValues(std::string_view name) const;
  // Decodes the series at `ref`. False when the reference or the entry is corrupt.
  bool Series(uint64_t ref, model::Labels* labels, std::vector<ChunkMeta>* chunks) const;
  uint64_t Size() const { return file_.size(); }

 private:
  struct NameEntry {
    std::string_view name;
    std::vector<std::pair<std::string_view, uint64_t>> values;  // sorted by value
  };
  const NameEntry* Find(std::string_view name) const;
  Postings Decode(uint64_t off) const;

  MmapFile file_;
  int64_t base_time_ = 0;
  std::string_view postings_;  // the postings section's body
  uint64_t all_postings_ = 0;
  std::vector<std::string_view> symbols_;
  std::vector<NameEntry> names_;  // sorted by name; "" holds all postings
};

}  // namespace promref::tsdb
