// Queriers over the TSDB's partitions.
//
// A SourceQuerier reads one SeriesSource (the head or a block): matchers resolve to postings
// through the partition's index, series are materialised lazily as the set is iterated, and a
// series is only returned when it has at least one sample in [mint, maxt] that no tombstone
// hides; for a metadata-only Select (hints.func "series") when one of its chunks overlaps
// [mint, maxt] and is not wholly deleted. Label names and values are the partition's index
// (every series it holds), as Prometheus answers them. A MergeQuerier combines the queriers of
// several partitions: series with equal labels are merged into one whose samples interleave by
// time (a timestamp present in more than one partition appears once).
#pragma once

#include <memory>
#include <vector>

#include "storage/storage.h"
#include "tsdb/querier/source.h"

namespace promref::tsdb {

std::unique_ptr<storage::Querier> NewSourceQuerier(std::shared_ptr<const SeriesSource> src, int64_t mint,
                                                   int64_t maxt);
std::unique_ptr<storage::Querier> NewMergeQuerier(std::vector<std::unique_ptr<storage::Querier>> queriers);

// Samples of one series' chunks (sorted by mint, possibly overlapping) within [mint, maxt],
// minus deleted intervals. `keep` owns bytes the chunk views may point into.
std::unique_ptr<storage::SampleIterator> NewChunkSeriesIterator(std::vector<ChunkMeta> chunks,
                                                                Intervals deleted, int64_t mint, int64_t maxt,
                                                                ChunkKeepalive keep);
// Interleaves iterators of the same series by time; on equal timestamps the earliest
// iterator in the list wins and the others skip theirs.
std::unique_ptr<storage::SampleIterator> NewMergeIterator(
    std::vector<std::unique_ptr<storage::SampleIterator>> its);

// Whether a series of `src` has a sample in [mint, maxt] not hidden by a tombstone. Fills
// `labels`, and `chunks` and `keep` with the series' chunks in the range, bytes included: what
// an iterator over it needs next, so that a select reads each series from its source once.
bool SeriesHasData(const SeriesSource& src, uint64_t ref, int64_t mint, int64_t maxt, model::Labels* labels,
                   std::vector<ChunkMeta>* chunks, ChunkKeepalive* keep);

}  // namespace promref::tsdb
