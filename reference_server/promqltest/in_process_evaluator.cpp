#include "promqltest/in_process_evaluator.h"

#include "storage/mem_storage.h"

namespace promref::promqltest {

StorageFactory MemStorageFactory() {
  return [] { return std::make_unique<storage::MemStorage>(); };
}

InProcessEvaluator::InProcessEvaluator(promql::EngineOptions options, StorageFactory factory)
    : engine_(options),
      use_start_timestamps_(options.use_start_timestamps),
      factory_(std::move(factory)),
      storage_(factory_()) {}

std::string InProcessEvaluator::Describe() const {
  return "in-process engine";
}

EvaluatorCapabilities InProcessEvaluator::Capabilities() const {
  const bool keeps_start_timestamps = dynamic_cast<const storage::MemStorage*>(storage_.get()) != nullptr;
  return {.native_histograms = true, .start_timestamps = use_start_timestamps_ && keeps_start_timestamps};
}

Status InProcessEvaluator::Clear() {
  storage_ = factory_();
  return {};
}

Status InProcessEvaluator::Load(const std::vector<LoadedSeries>& series) {
  std::unique_ptr<storage::Appender> app = storage_->MakeAppender();
  for (const LoadedSeries& s : series) {
    storage::SeriesRef ref = 0;
    for (const LoadedSample& sample : s.samples) {
      const int64_t st = sample.start_timestamp.value_or(0);
      storage::AppendResult r =
          sample.h ? app->AppendHistogramWithStartTimestamp(ref, s.labels, st, sample.t, *sample.h)
                   : app->AppendWithStartTimestamp(ref, s.labels, st, sample.t, sample.f);
      if (!r.ok()) {
        app->Rollback();
        return BadData("appending " + s.labels.ToString() + " at " + std::to_string(sample.t) + ": " +
                       std::string(storage::AppendErrorText(r.error)));
      }
      ref = r.ref;
    }
  }
  return app->Commit();
}

promql::QueryResult InProcessEvaluator::Instant(std::string_view expr, int64_t t) {
  return engine_.InstantQuery(*storage_, expr, t);
}

promql::QueryResult InProcessEvaluator::Range(std::string_view expr, int64_t start, int64_t end,
                                              int64_t step) {
  return engine_.RangeQuery(*storage_, expr, start, end, step);
}

}  // namespace promref::promqltest
