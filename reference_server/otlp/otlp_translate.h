// OTLP metrics into Prometheus series, as Prometheus 3.16's OTLP receiver writes them
// (storage/remote/otlptranslator/prometheusremotewrite): names and labels by the translation
// strategy, promoted resource attributes, job and instance from service.*, otel_scope_*
// labels, target_info, gauges and sums as samples, histograms as classic buckets or NHCB,
// exponential histograms as native histograms, summaries as quantiles with _sum and _count,
// exemplars, metadata and stale markers for FLAG_NO_RECORDED_VALUE.
#pragma once

#include <cstdint>
#include <limits>
#include <string>
#include <vector>

#include "config/config.h"
#include "otlp/otlp_decode.h"
#include "storage/storage.h"

namespace promref::otlp {

struct TranslateOptions {
  config::OtlpConfig config;
  // --enable-feature=otlp-native-delta-ingestion: delta sums and histograms are stored as they
  // come (type unknown, histograms as gauge histograms) instead of refused.
  bool allow_delta_temporality = false;
  // --query.lookback-delta: target_info is written every half of it over a resource's span.
  int64_t lookback_delta_ms = 5 * 60 * 1000;
  // Samples after this (ms) are out of bounds ("too far in the future"); exemplars dropped.
  int64_t max_time_ms = std::numeric_limits<int64_t>::max();
  // At most this many target_info samples per resource (a bound for fuzzing: Prometheus has
  // none, and a resource spanning years would write millions).
  size_t max_target_info_samples = std::numeric_limits<size_t>::max();
};

struct TranslateResult {
  // Every error, in Prometheus' order (errors.Join: one per line). Any error means the batch is
  // to be rolled back.
  std::vector<std::string> errors;
  // Whether one of the errors is a data error (out of order, out of bounds, duplicate, too
  // old): the request is then a 400, otherwise a 500.
  bool data_error = false;
  // Annotations Prometheus only logs (empty data points, +Inf bounds, label collisions...).
  std::vector<std::string> warnings;
  uint64_t samples = 0;
  uint64_t histograms = 0;
  uint64_t exemplars = 0;

  // The errors as Prometheus' answer reads them (without the trailing newline).
  std::string ErrorText() const;
};

// Appends the request's series to `app` (which the caller commits or rolls back).
TranslateResult Translate(const ExportRequest& req, const TranslateOptions& opts, storage::Appender& app);

}  // namespace promref::otlp
