// Turning one scrape into storage writes, as Prometheus 3.16's scrapeLoopAppender does.
//
// For every series line of the body: target labels added (honor_labels decides who wins a
// conflict; the loser's value moves to `exported_<name>`), metric_relabel_configs applied,
// names and label limits checked, the sample appended at the scrape time (or its own
// timestamp when honor_timestamps), its exemplars after it. Then every series the previous
// scrape wrote and this one did not gets a stale marker. The synthetic series (`up`,
// `scrape_duration_seconds`, ...) are written by Report.
//
// An error fails the whole scrape: the caller rolls the appender back and, on a fresh one,
// calls AppendEmpty so that the target's series go stale, as Prometheus does. Sample errors
// that Prometheus only counts (out of order, duplicate, out of bounds) do not fail it.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "ingest/content_type.h"
#include "model/error.h"
#include "relabel/relabel_config.h"
#include "scrape/scrape_cache.h"
#include "scrape/target.h"
#include "storage/storage.h"

namespace promref::scrape {

// The settings of a scrape loop that decide what a body becomes; fixed for the loop's life.
struct AppendOptions {
  bool honor_labels = false;
  bool honor_timestamps = true;
  bool track_timestamps_staleness = false;
  uint64_t sample_limit = 0;  // 0: none
  uint64_t bucket_limit = 0;  // native histogram buckets; 0: none
  int32_t max_schema = 8;     // from native_histogram_min_bucket_factor
  uint64_t label_limit = 0;
  uint64_t label_name_length_limit = 0;
  uint64_t label_value_length_limit = 0;
  std::vector<relabel::RelabelConfig> metric_relabel_configs;
  bool legacy_name_validation = false;
  bool scrape_native_histograms = false;
  bool always_scrape_classic_histograms = false;
  bool convert_classic_histograms_to_nhcb = false;
  std::optional<ingest::ScrapeProtocol> fallback_protocol;
  // Report scrape_timeout_seconds, scrape_sample_limit and scrape_body_size_bytes too.
  bool extra_metrics = false;
  double timeout_seconds = 0;
};

// The highest schema whose buckets grow by at least `bucket_factor` (Prometheus' pickSchema;
// a factor of at most 1 means 8, the finest).
int32_t PickSchema(double bucket_factor);

// The loop's options for a target of a job (the target's `__`-labels can switch the
// histogram settings per target).
AppendOptions OptionsFor(const config::ScrapeConfig& cfg, const Target& target, bool extra_metrics);

struct AppendOutcome {
  int total = 0;         // series lines in the body (scrape_samples_scraped)
  int added = 0;         // after metric relabeling (scrape_samples_post_metric_relabeling)
  int series_added = 0;  // new since the last scrape (scrape_series_added)
  Status status;         // an error fails the scrape
};

// What Report writes besides the counts.
struct ScrapeSummary {
  bool ok = false;
  double duration_seconds = 0;
  int64_t body_bytes = 0;  // -1 when the body went over body_size_limit
};

class ScrapeAppender {
 public:
  // `app` is the batch this scrape writes into; `now_ms` bounds timestamps (at most ten
  // minutes ahead, as Prometheus).
  ScrapeAppender(storage::Appender& app, ScrapeCache& cache, const Target& target,
                 const AppendOptions& options, int64_t now_ms);

  // Appends a successfully fetched body, at time `t` (ms).
  AppendOutcome Append(std::string_view body, std::string_view content_type, int64_t t);
  // A failed or empty scrape: stale markers for what the previous scrape wrote.
  Status AppendEmpty(int64_t t);

  // The synthetic series of a scrape that started at `t`.
  Status Report(int64_t t, const ScrapeSummary& summary, const AppendOutcome& outcome);
  // Stale markers for the synthetic series (the target went away).
  Status ReportStale(int64_t t);

 private:
  struct SampleCounters;
  Status AppendEntries(ingest::Parser& parser, int64_t t, AppendOutcome* out);
  // The labels a parsed series is stored under: the cached ones, or new ones (target labels,
  // metric relabeling, checks) in *fresh. Null when metric relabeling dropped the series.
  Result<const model::Labels*> SeriesLabels(const ingest::Entry& e, const ScrapeCache::Series* ce,
                                            model::Labels* fresh) const;
  void AppendExemplars(const ingest::Entry& e, storage::SeriesRef ref, const model::Labels& lset, int64_t t);
  storage::AppendResult AppendSample(storage::SeriesRef ref, const model::Labels& lset, int64_t t,
                                     const ingest::Entry& e, SampleCounters* counters);
  Status UpdateStaleMarkers(int64_t t);
  Status AddReportSample(int which, int64_t t, double v);
  model::Labels MutateSampleLabels(const model::Labels& scraped) const;
  model::Labels MutateReportLabels(const model::Labels& lset) const;
  Status VerifyLabelLimits(const model::Labels& lset) const;

  storage::Appender& app_;
  ScrapeCache& cache_;
  const Target& target_;
  const AppendOptions& options_;
  const int64_t max_time_ms_;
  std::vector<storage::Exemplar> exemplars_;  // reused
};

}  // namespace promref::scrape
