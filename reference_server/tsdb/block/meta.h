// A block's meta.json (Prometheus' BlockMeta, version 1) and ULIDs.
//
// A block covers [min_time, max_time): max_time is exclusive, as in Prometheus. Compaction
// records its provenance: `sources` are the level-1 blocks whose data it holds, `parents`
// the blocks it was made from (which may be deleted once it exists).
#pragma once

#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

#include "model/error.h"

namespace promref::tsdb {

struct BlockStats {
  uint64_t num_samples = 0;
  uint64_t num_series = 0;
  uint64_t num_chunks = 0;
  uint64_t num_tombstones = 0;
};

struct BlockParent {
  std::string ulid;
  int64_t min_time = 0;
  int64_t max_time = 0;
};

struct BlockMeta {
  std::string ulid;
  int64_t min_time = 0;
  int64_t max_time = 0;
  BlockStats stats;
  int level = 1;
  std::vector<std::string> sources;
  std::vector<BlockParent> parents;
  int version = 1;
};

std::string EncodeMeta(const BlockMeta& m);
Result<BlockMeta> DecodeMeta(std::string_view json);

// A new ULID (26 Crockford base32 characters: 48-bit millisecond time, 80 random bits).
// ULIDs made in one process are unique and increase with `ms`.
std::string NewUlid(int64_t ms);
// Whether `s` looks like a ULID (26 characters of the alphabet).
bool IsUlid(std::string_view s);

}  // namespace promref::tsdb
