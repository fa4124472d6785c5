// SeriesSource: what a querier needs from one partition of the data (the head, or one block
// on disk), so that a single querier implementation serves both and a merge querier combines
// them.
//
// References are the partition's own (head series refs, or a block's index offsets); chunk
// bytes are views that stay valid while the source object lives (a source pins the head
// against freeing truncated data, and holds a reference to its block).
#pragma once

#include <cstdint>
#include <memory>
#include <span>
#include <string>
#include <vector>

#include "model/labels.h"
#include "model/matcher.h"
#include "tsdb/chunks/chunk.h"
#include "tsdb/index/postings.h"
#include "tsdb/tombstones/tombstones.h"

namespace promref::tsdb {

struct ChunkMeta {
  int64_t mint = 0;  // first and last sample time, inclusive
  int64_t maxt = 0;
  Encoding enc = Encoding::kNone;
  std::string_view data;  // the chunk's bytes (empty when only times were asked for)
  uint64_t ref = 0;       // partition-specific (a block's chunk file reference)
};

// Owns bytes that a series' chunk views point into (copies of the head's open chunk).
using ChunkKeepalive = std::vector<std::shared_ptr<const std::string>>;

class SeriesSource {
 public:
  virtual ~SeriesSource() = default;

  // Inclusive bounds of the data held (approximate for the head: it may hold less).
  virtual int64_t MinTime() const = 0;
  virtual int64_t MaxTime() const = 0;

  // Series matching all matchers (all series for an empty list), ascending by reference.
  virtual Postings Select(std::span<const model::Matcher> ms) const = 0;
  // Reorders references into label order (blocks already are).
  virtual void SortByLabels(Postings* p) const = 0;
  virtual Postings PostingsFor(std::string_view name, std::string_view value) const = 0;

  // Labels of a series and its chunks that overlap [mint, maxt], ordered by mint. With
  // `with_data` the chunk bytes are filled in (copies go to `keep`). False when the series
  // no longer exists.
  virtual bool Series(uint64_t ref, int64_t mint, int64_t maxt, bool with_data, model::Labels* labels,
                      std::vector<ChunkMeta>* chunks, ChunkKeepalive* keep) const = 0;
  // A hint that Series(ref, ...) comes soon, given in two stages so that a source can fetch
  // what it reads through pointers: `stage` 0 a few series ahead, then 1 closer. No effect
  // on any result; the default does nothing.
  virtual void PrefetchSeries(uint64_t ref, int stage) const {}
  virtual Intervals TombstonesFor(uint64_t ref) const = 0;
  virtual bool HasTombstones() const = 0;

  // Sorted label names / values of a name, over all series of the partition.
  virtual std::vector<std::string> LabelNames() const = 0;
  virtual std::vector<std::string> LabelValues(std::string_view name) const = 0;
};

}  // namespace promref::tsdb
