// The PromQL engine: evaluates instant and range queries over any storage::Queryable with
// Prometheus 3.x semantics (left-open lookback and range windows, staleness, offset/@,
// subqueries, delayed name removal, annotations, limits).
//
// Thread-safe: one Engine serves concurrent queries.
#pragma once

#include <atomic>
#include <chrono>
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "model/error.h"
#include "promql/parser.h"
#include "promql/value.h"
#include "storage/storage.h"

namespace promref::promql {

// Whether the thread that decodes a large selection also evaluates range functions over the
// series it decoded, where the answer is the same on either thread (series_prefetcher.h).
enum class EvaluateAhead {
  kWhenBehind,  // while the evaluating thread is behind: both stay busy (the default)
  kAlways,      // on every series it can (tests compare this with kNever)
  kNever,
};

struct EngineOptions {
  int64_t lookback_delta_ms = 5 * 60 * 1000;  // --query.lookback-delta
  int64_t timeout_ms = 2 * 60 * 1000;         // --query.timeout
  int64_t max_samples = 50'000'000;           // --query.max-samples
  // Step of a subquery written without one ([5m:]): the global evaluation interval.
  int64_t default_subquery_step_ms = 60 * 1000;
  // Accept experimental functions and fill modifiers both (as Prometheus' test engines do).
  bool enable_experimental = false;
  // Each alone: --enable-feature=promql-experimental-functions (experimental functions, limitk,
  // limit_ratio) and --enable-feature=promql-binop-fill-modifiers.
  bool enable_experimental_functions = false;
  bool enable_binop_fill_modifiers = false;
  // Remove __name__ at the end of the query rather than where an operation drops it
  // (--enable-feature=promql-delayed-name-removal).
  bool enable_delayed_name_removal = false;
  // Unicode letters and non-leading dots in unquoted names
  // (--enable-feature=promql-unquoted-utf8-names).
  bool enable_unquoted_utf8_names = false;
  // Let rate, increase, irate and resets see counter resets in samples' start timestamps, and
  // start_timestamp() read them (--enable-feature=use-start-timestamps, Prometheus'
  // UseStartTimestamps). Only as good as the storage: one that keeps none reads 0 (unknown).
  bool use_start_timestamps = false;
  EvaluateAhead evaluate_ahead = EvaluateAhead::kWhenBehind;

  // What the parser accepts under these options (queries, format_query and match[] alike).
  ParseOptions parse_options() const {
    return {.experimental = enable_experimental,
            .experimental_functions = enable_experimental_functions,
            .binop_fill_modifiers = enable_binop_fill_modifiers,
            .unquoted_utf8_names = enable_unquoted_utf8_names};
  }
};

struct QueryOptions {
  int64_t lookback_delta_ms = 0;  // 0: the engine's default
  // The caller's deadline (the API's `timeout`, which Prometheus counts from when the request
  // arrived). The engine's own timeout still applies from when the query starts; the earlier
  // of the two wins.
  std::optional<std::chrono::steady_clock::time_point> deadline;
  // Set to true (from another thread) to cancel the query; it then fails with kCanceled.
  const std::atomic<bool>* cancel = nullptr;
};

// Annotations as the API reports them: "PromQL warning: ... (1:5)" / "PromQL info: ... (1:5)",
// de-duplicated, in the order found.
struct Annotations {
  std::vector<std::string> warnings;
  std::vector<std::string> infos;
};

struct QueryStats {
  int64_t total_queryable_samples = 0;
  int64_t peak_samples = 0;
  double eval_total_seconds = 0;
  double query_preparation_seconds = 0;
  double inner_eval_seconds = 0;
  double result_sort_seconds = 0;
  double exec_total_seconds = 0;
};

struct QueryResult {
  Status status;  // an error carries its API errorType (bad_data, execution, timeout, canceled...)
  Value value;
  Annotations annotations;
  QueryStats stats;
};

class Engine {
 public:
  explicit Engine(EngineOptions options = {}) : options_(options) {}

  const EngineOptions& options() const { return options_; }

  // Evaluates `query` at time `ts` (ms).
  QueryResult InstantQuery(storage::Queryable& storage, std::string_view query, int64_t ts,
                           const QueryOptions& options = {}) const;

  // Evaluates `query` at start, start+step, ... <= end (ms). The expression must be a scalar or
  // an instant vector; the result is always a matrix sorted by labels.
  QueryResult RangeQuery(storage::Queryable& storage, std::string_view query, int64_t start, int64_t end,
                         int64_t step, const QueryOptions& options = {}) const;

 private:
  EngineOptions options_;
};

}  // namespace promref::promql
