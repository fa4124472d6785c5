// Writing blocks (from the head, or from other blocks) and choosing what to compact.
//
// WriteBlock merges any number of SeriesSources (series with equal labels are merged, equal
// timestamps kept once), applies their tombstones, keeps [mint, maxt) and writes a new block
// directory atomically: everything goes to "<ulid>.tmp-for-creation", is fsynced, then
// renamed into place. Float samples are re-encoded into chunks of up to 480 samples, each as
// XOR or as decimal (chunks/decimal.h), whichever is smaller; chunks already written that way
// by an earlier compaction are copied verbatim when they lie wholly inside the range and no
// tombstone or other source touches them.
//
// The planner follows Prometheus' LeveledCompactor: overlapping blocks are merged first
// (vertical compaction); otherwise the oldest group of adjacent blocks that fills an aligned
// range of the next level (ranges grow 3x from the block range) is merged, never touching the
// newest block; otherwise a large block with many tombstones is rewritten.
#pragma once

#include <memory>
#include <span>
#include <string>
#include <vector>

#include "tsdb/block/meta.h"
#include "tsdb/querier/source.h"

namespace promref::tsdb {

struct BlockWriteSpec {
  int64_t mint = 0;  // inclusive
  int64_t maxt = 0;  // exclusive
  int level = 1;
  std::vector<std::string> sources;  // ULIDs of level-1 blocks (empty: the new block itself)
  std::vector<BlockParent> parents;
  int64_t now_ms = 0;  // for the ULID
};

// Writes the block into `parent_dir`. Returns its meta; when no sample falls in the range no
// block is written and the returned meta has an empty ulid.
Result<BlockMeta> WriteBlock(const std::string& parent_dir,
                             std::span<const std::shared_ptr<const SeriesSource>> sources,
                             const BlockWriteSpec& spec);

// min, min*factor, min*factor^2, ... (steps values).
std::vector<int64_t> ExponentialRanges(int64_t min, int steps, int factor);

// Indexes (into `blocks`, any order) of the next blocks to compact together; empty when none.
std::vector<size_t> PlanCompaction(const std::vector<BlockMeta>& blocks, const std::vector<int64_t>& ranges);

}  // namespace promref::tsdb
