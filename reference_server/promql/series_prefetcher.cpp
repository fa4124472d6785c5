#include "promql/internal/series_prefetcher.h"

namespace promref::promql::internal {

SeriesPrefetcher::SeriesPrefetcher(std::unique_ptr<storage::SeriesSet> set, Loader load, Ahead ahead,
                                   bool always)
    : set_(std::move(set)), load_(std::move(load)), ahead_(std::move(ahead)), always_ahead_(always) {}

SeriesPrefetcher::~SeriesPrefetcher() {
  if (!producer_.joinable()) return;
  {
    std::lock_guard lock(mu_);
    stop_ = true;
  }
  cv_.notify_all();
  producer_.join();
}

size_t SeriesPrefetcher::Fill(Batch* batch, bool* more, Status* err) {
  size_t n = 0;
  *more = true;
  while (n < batch->size()) {
    if (!set_->Next()) {
      *more = false;
      if (Status s = set_->Err(); !s.ok()) *err = s;
      break;
    }
    if (Status s = load_(set_->At(), &(*batch)[n]); !s.ok()) {
      *err = s;
      *more = false;
      break;
    }
    // The evaluator has a batch to work on: this thread is ahead, and can take some of the
    // evaluator's work. Otherwise the evaluator waits for this batch, and gets it sooner.
    if (ahead_ && (always_ahead_ || ready_count_.load(std::memory_order_relaxed) > 0)) ahead_(&(*batch)[n]);
    ++n;
  }
  return n;
}

void SeriesPrefetcher::Produce() {
  while (true) {
    Batch batch;
    {
      std::unique_lock lock(mu_);
      cv_.wait(lock, [&] { return stop_ || (ready_.size() < kMaxReadyBatches && !free_.empty()); });
      if (stop_) return;
      batch = std::move(free_.back());
      free_.pop_back();
    }
    bool more = true;
    Status err;
    size_t n = 0;
    try {
      n = Fill(&batch, &more, &err);
    } catch (const EvalAbort& e) {  // the loader must not throw, but if it does, say so here
      err = e.error;
      more = false;
    }
    {
      std::lock_guard lock(mu_);
      ready_.emplace_back(std::move(batch), n);
      ready_count_.store(ready_.size(), std::memory_order_relaxed);
      if (!more) {
        done_ = true;
        error_ = err;
      }
    }
    cv_.notify_all();
    if (!more) return;
  }
}

LoadedSeries* SeriesPrefetcher::Next(Status* err) {
  if (!producer_.joinable()) {
    // Inline until the selection proves large.
    if (inline_read_ < kInlineSeries) {
      if (!set_->Next()) {
        *err = set_->Err();
        return nullptr;
      }
      ++inline_read_;
      if (Status s = load_(set_->At(), &inline_series_); !s.ok()) {
        *err = s;
        return nullptr;
      }
      return &inline_series_;
    }
    for (size_t i = 0; i < kMaxReadyBatches + 1; ++i) free_.emplace_back(kBatchSeries);
    producer_ = std::thread([this] { Produce(); });
  }
  if (current_ && ++pos_ < current_->second) return &current_->first[pos_];
  std::unique_lock lock(mu_);
  if (current_) {
    free_.push_back(std::move(current_->first));
    current_.reset();
    cv_.notify_all();
  }
  while (true) {
    cv_.wait(lock, [&] { return !ready_.empty() || done_; });
    if (ready_.empty()) {
      *err = error_;
      return nullptr;
    }
    current_ = std::move(ready_.front());
    ready_.pop_front();
    ready_count_.store(ready_.size(), std::memory_order_relaxed);
    pos_ = 0;
    if (current_->second > 0) return &current_->first[0];
    // An empty last batch: loop to find the end.
    free_.push_back(std::move(current_->first));
    current_.reset();
  }
}

}  // namespace promref::promql::internal
