// A persisted block: an immutable directory holding the data of [min_time, max_time)
//
//   <ulid>/meta.json     BlockMeta
//   <ulid>/index         series and postings (index_file.h), memory-mapped
//   <ulid>/chunks/NNNNNN chunk files (chunk_file.h), memory-mapped
//   <ulid>/tombstones    deleted intervals (the only file that changes, atomically)
//
// Blocks are shared: queriers hold a shared_ptr, so a block dropped by compaction or
// retention stays readable until the last query over it ends (its files may already be gone;
// the maps keep the data).
#pragma once

#include <memory>
#include <mutex>
#include <span>
#include <string>

#include "tsdb/block/chunk_file.h"
#include "tsdb/block/meta.h"
#include "tsdb/index/index_file.h"
#include "tsdb/querier/source.h"
#include "tsdb/tombstones/tombstones.h"

namespace promref::tsdb {

class Block : public std::enable_shared_from_this<Block> {
 public:
  static Result<std::shared_ptr<Block>> Open(const std::string& dir);

  BlockMeta meta() const;
  const std::string& dir() const { return dir_; }
  std::shared_ptr<const SeriesSource> Source() const;
  // Adds tombstones for series matching `ms` over [mint, maxt] (clamped to each series'
  // data) and persists them. Returns whether any were added.
  Result<bool> Delete(int64_t mint, int64_t maxt, std::span<const model::Matcher> ms);
  const Tombstones& tombstones() const { return tombstones_; }
  // Bytes on disk.
  uint64_t Size() const;

  const BlockIndex& index() const { return *index_; }
  const ChunkReader& chunks() const { return chunks_; }

 private:
  Block() = default;
  std::string dir_;
  mutable std::mutex mu_;  // guards meta_ updates and tombstone writes
  BlockMeta meta_;
  std::unique_ptr<BlockIndex> index_;
  ChunkReader chunks_;
  Tombstones tombstones_;
};

}  // namespace promref::tsdb
