// Reads a selector's series one after another for the evaluator (Evaluator::ForEachSelected),
// decoding ahead on a second thread once a selection proves large: while the evaluator runs a
// range function or folds one series, the next ones' chunks are being decoded, so a large
// range query uses two cores instead of one. The series come in the set's order either way,
// and everything the evaluator does with them (annotations, sample limits, the deadline)
// stays on its own thread. The other reads the storage, and may do work on a series it loaded
// that gives the same result on either thread (Ahead): a range function's windows, for the
// functions that depend on nothing but the points. It does that while the evaluator is behind,
// so that neither thread waits for the other.
//
// A small selection (up to kInlineSeries series) is read inline, with no thread started.
#pragma once

#include <atomic>
#include <condition_variable>
#include <cstddef>
#include <deque>
#include <functional>
#include <memory>
#include <mutex>
#include <optional>
#include <thread>
#include <vector>

#include "model/error.h"
#include "promql/internal/evaluator.h"
#include "storage/storage.h"

namespace promref::promql::internal {

class SeriesPrefetcher {
 public:
  // Fills a LoadedSeries (labels, points) from one series of the set; runs on either thread.
  using Loader = std::function<Status(const storage::Series&, LoadedSeries*)>;
  // Work on a loaded series that the evaluator would otherwise do, with the same result on
  // either thread; it must not throw. The decoding thread runs it on the series it loads while
  // the evaluator has a loaded batch waiting (or on all of them with `always`, for tests);
  // never on the series read inline.
  using Ahead = std::function<void(LoadedSeries*)>;

  static constexpr size_t kInlineSeries = 64;
  static constexpr size_t kBatchSeries = 128;
  static constexpr size_t kMaxReadyBatches = 4;  // how far the decoding thread may run ahead

  SeriesPrefetcher(std::unique_ptr<storage::SeriesSet> set, Loader load, Ahead ahead = nullptr,
                   bool always = false);
  // Stops the decoding thread (a query that fails midway returns through here).
  ~SeriesPrefetcher();
  SeriesPrefetcher(const SeriesPrefetcher&) = delete;
  SeriesPrefetcher& operator=(const SeriesPrefetcher&) = delete;

  // The next series, valid until the next call; nullptr at the end. An error of the set or
  // the loader is returned in *err (with nullptr).
  LoadedSeries* Next(Status* err);

 private:
  using Batch = std::vector<LoadedSeries>;
  void Produce();
  // Reads up to `batch->size()` series into `batch`; how many; false in *more at the end.
  size_t Fill(Batch* batch, bool* more, Status* err);

  std::unique_ptr<storage::SeriesSet> set_;
  Loader load_;
  Ahead ahead_;
  bool always_ahead_;

  // Inline phase (no thread yet).
  size_t inline_read_ = 0;
  LoadedSeries inline_series_;

  // Threaded phase.
  std::thread producer_;
  std::mutex mu_;
  std::condition_variable cv_;
  std::deque<std::pair<Batch, size_t>> ready_;  // batches and how many of each are filled
  std::atomic<size_t> ready_count_{0};          // ready_.size(), read without the lock
  std::vector<Batch> free_;
  bool done_ = false;  // the producer has queued its last batch
  bool stop_ = false;  // the consumer is gone
  Status error_;
  std::optional<std::pair<Batch, size_t>> current_;
  size_t pos_ = 0;
};

}  // namespace promref::promql::internal
