// WAL checkpoints: after the head is truncated at time `mint`, the log up to the current
// segment is rewritten into "checkpoint.NNNNNNNN" (NNNNNNNN = the last segment it covers),
// keeping only what the head still holds: series still alive, samples, exemplars and
// tombstones at or after `mint` (plus out-of-order samples the head still keeps), and the
// metadata. The covered segments and older checkpoints are then deleted. Replay reads the
// newest checkpoint, then the segments after it.
//
// The checkpoint is written to "checkpoint.NNNNNNNN.tmp" and renamed, so a crash leaves
// either the old state or the new one.
#pragma once

#include <functional>
#include <string>
#include <vector>

#include "model/error.h"
#include "tsdb/wal/records.h"
#include "tsdb/wal/wal.h"

namespace promref::tsdb::wal {

struct CheckpointFilter {
  std::function<bool(uint64_t ref)> keep_series;
  std::function<bool(uint64_t ref, int64_t t)> keep_sample;  // samples, histograms, exemplars
  int64_t mint = 0;                                          // tombstones ending before it go
  std::vector<RefMetadata> metadata;                         // written as given
};

struct CheckpointRef {
  int index = -1;  // last segment covered; -1: no checkpoint
  std::string dir;
};

CheckpointRef LastCheckpoint(const std::string& wal_dir);

// Checkpoints segments up to and including `last` (which must be closed).
Status Checkpoint(Wal& wal, int last, const CheckpointFilter& filter);

// Deletes leftovers of interrupted checkpoints.
void RemoveTmpCheckpoints(const std::string& wal_dir);

}  // namespace promref::tsdb::wal
