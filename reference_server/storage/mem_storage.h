// MemStorage: a plain, unoptimised, obviously-correct in-memory Storage.
//
// It is the oracle of the TSDB's model-based tests and a backing store for unit tests of the
// engine and the API that need a few series. Series live in a map ordered by labels; samples in
// a vector per series; every series gets a stable reference. Appends follow the head's rules (in order; equal
// timestamp with equal value bits is a no-op, with a different value a duplicate). Each sample keeps the
// start timestamp it was appended with (0 = unknown), as a head with Prometheus' st-storage does.
//
// Native histograms read back with the counter-reset hints a Prometheus head gives (unknown
// for the first sample of a chunk, not-reset after it, gauge in gauge chunks): MemStorage has
// no chunks, but tracks where a head would cut them with the head's own decision logic
// (model::HistogramChunkTail), using the chunk range of Prometheus' test storage (24 h) and,
// as its promqltest loader, float histogram chunks only. The head's size-based cuts of big
// histogram chunks are not modelled.
#pragma once

#include <map>
#include <mutex>
#include <shared_mutex>

#include "model/histogram_chunk_tail.h"
#include "storage/storage.h"

namespace promref::storage {

class MemStorage : public Storage {
 public:
  MemStorage() = default;

  std::unique_ptr<Appender> MakeAppender() override;
  Result<std::unique_ptr<Querier>> MakeQuerier(int64_t mint, int64_t maxt) override;
  Result<std::vector<ExemplarSeries>> SelectExemplars(
      int64_t start, int64_t end, std::span<const std::vector<model::Matcher>> matcher_groups) override;
  std::vector<std::pair<std::string, std::vector<Metadata>>> MetricMetadata() const override;

  // Removes samples in [mint, maxt] of series matching all matchers; series left empty vanish.
  void Delete(int64_t mint, int64_t maxt, std::span<const model::Matcher> matchers);
  size_t NumSeries() const;

  struct Point {
    int64_t t = 0;
    double v = 0;
    std::optional<model::FloatHistogram> h;  // set for a histogram sample
    int64_t st = 0;                          // start timestamp, 0 = unknown
  };
  struct StoredSeries {
    model::Labels labels;
    std::vector<Point> points;  // strictly increasing t
    std::vector<Exemplar> exemplars;
    // Where a head's histogram chunk would stand. Float chunks only: the promqltest scripts
    // this models were recorded on a head that the loader feeds float histograms.
    model::HistogramChunkTail hist_tail{/*integer_chunks=*/false};
    int64_t hist_chunk_end = 0;  // the end of that chunk's chunk range
  };

 private:
  friend class MemAppender;
  friend class MemQuerier;
  struct LabelsLess {
    bool operator()(const model::Labels& a, const model::Labels& b) const { return Compare(a, b) < 0; }
  };
  mutable std::shared_mutex mu_;
  std::map<model::Labels, StoredSeries, LabelsLess> series_;
  std::map<std::string, std::vector<Metadata>> metadata_;
  // Stable, non-zero references per label set (handed out on first append, never reused),
  // so that callers keyed by reference (the scrape loop's staleness tracking) work as on
  // the TSDB. Own lock: an appender asks while the store's lock may be taken.
  SeriesRef RefOf(const model::Labels& labels);
  std::mutex refs_mu_;
  std::map<model::Labels, SeriesRef, LabelsLess> refs_;
};

// True when every matcher accepts the label set (an absent label reads as "").
bool MatchesAll(const model::Labels& labels, std::span<const model::Matcher> matchers);

}  // namespace promref::storage
