// The in-process Evaluator: promref's own PromQL engine over a storage made fresh by a factory
// (MemStorage by default; the TSDB plugs in the same way).
#pragma once

#include <functional>
#include <memory>

#include "promql/engine.h"
#include "promqltest/evaluator.h"
#include "storage/storage.h"

namespace promref::promqltest {

using StorageFactory = std::function<std::unique_ptr<storage::Storage>()>;

// A new, empty MemStorage per call.
StorageFactory MemStorageFactory();

// The engine options of Prometheus' own test engine (promqltest.NewTestEngine as TestEvaluations
// uses it): lookback 5m, 10000 samples per query at most, 100s timeout, 1m default subquery
// step, delayed name removal and start timestamps on, and experimental functions and syntax on, unquoted
// UTF-8 names included (switch them off to see what a server without the feature flags would answer). Inline:
// tests that never run the engine can use it without linking it.
inline promql::EngineOptions TestEngineOptions(bool experimental = true) {
  promql::EngineOptions o;
  o.lookback_delta_ms = int64_t{5} * 60 * 1000;
  o.timeout_ms = int64_t{100} * 1000;
  o.max_samples = 10000;  // promqltest.DefaultMaxSamplesPerQuery
  o.default_subquery_step_ms = int64_t{60} * 1000;
  o.enable_experimental = experimental;
  o.enable_unquoted_utf8_names = experimental;
  o.enable_delayed_name_removal = true;
  o.use_start_timestamps = true;
  return o;
}

class InProcessEvaluator : public Evaluator {
 public:
  explicit InProcessEvaluator(promql::EngineOptions options = TestEngineOptions(),
                              StorageFactory factory = MemStorageFactory());

  std::string Describe() const override;
  // Native histograms yes (the Appender takes them); start timestamps when the engine uses them
  // and the storage keeps them (MemStorage does; the TSDB does with store_start_timestamps).
  EvaluatorCapabilities Capabilities() const override;
  Status Clear() override;
  Status Load(const std::vector<LoadedSeries>& series) override;
  promql::QueryResult Instant(std::string_view expr, int64_t t) override;
  promql::QueryResult Range(std::string_view expr, int64_t start, int64_t end, int64_t step) override;

  storage::Storage& storage() { return *storage_; }

 private:
  promql::Engine engine_;
  bool use_start_timestamps_;
  StorageFactory factory_;
  std::unique_ptr<storage::Storage> storage_;
};

}  // namespace promref::promqltest
