// Datasets: deterministic series the suites query, generated in code and loaded by remote write.
//
// A dataset's timestamps are relative (milliseconds after its base). At run time the harness
// picks a base shortly before "now" (ChooseBase), so that endpoints that refuse old samples
// accept them, and every case's request and recorded answer are expressed relative to that
// base. Two rules keep recorded answers valid at any base:
//   - the base is a multiple of kBaseGranularityMs (5 minutes), and every subquery step used by
//     the suites divides it, so subquery steps (aligned to absolute multiples of the step) fall
//     at the same relative times;
//   - the standard dataset's samples sit at odd milliseconds (scrapes with jitter), while the
//     suites evaluate at even milliseconds with whole-second ranges, offsets and steps, so no
//     sample ever lies exactly on a window boundary. Prometheus 2.x (closed windows) and 3.x
//     (left-open windows) therefore agree on every standard case but nested subqueries (an inner
//     window that starts on one of its own steps; the 3.x fixtures hold 3.x's answer); the
//     cases that are about the difference use their own series (promqltest scenarios) under the
//     `pcv_` prefix.
#pragma once

#include <cstdint>
#include <string>
#include <utility>
#include <vector>

#include "wire/remote_write.h"

namespace promconform {

inline constexpr int64_t kBaseGranularityMs = 5 * 60 * 1000;

struct DatasetSeries {
  promref::wire::RawLabels labels;              // sorted by name, __name__ included
  std::vector<promref::model::Sample> samples;  // relative timestamps, increasing
  // Native histograms (relative timestamps, increasing, after every float sample).
  std::vector<promref::wire::Histogram> histograms;
};

struct Dataset {
  std::string name;     // identifies the generator version; recorded in fixtures
  int64_t duration_ms;  // samples lie in [0, duration_ms]
  std::vector<DatasetSeries> series;
  std::vector<promref::wire::MetricMetadata> metadata;

  size_t SampleCount() const;
  // Samples that count_over_time sees (stale markers excluded), for the load check, summed over
  // the series whose name starts with `prefix`.
  size_t VisibleSampleCount(const std::string& prefix) const;
  // The native histograms among them.
  size_t VisibleHistogramCount(const std::string& prefix) const;
};

// The standard dataset (~170 series of every kind plus a 400-series high-cardinality family,
// 50 minutes at a 15 s scrape interval with jitter, and native histograms: see
// datasets/native_histograms.h). Deterministic: the same bytes every time.
const Dataset& StandardDataset();

// Series added by suites for their own cases (promqltest scenarios, `pcv_` prefix), with
// timestamps exactly as the scenario states them.
void AddScenarioSeries(Dataset& dataset, std::vector<DatasetSeries> series);

// The base for a run starting at `now_ms`: the latest multiple of kBaseGranularityMs such that
// every instant up to `horizon_ms` after it (the dataset and every time the suite asks about)
// lies at least `margin_ms` before `now_ms`.
int64_t ChooseBase(int64_t now_ms, int64_t horizon_ms, int64_t margin_ms);

// Remote-write requests carrying the dataset shifted to `base_ms`, at most `max_samples`
// samples per request; every series' samples stay in time order across requests. Series with
// native histograms come last, in requests of their own (HasHistograms), so that a target that
// refuses histograms still takes every float series.
std::vector<promref::wire::WriteRequest> ToWriteRequests(const Dataset& dataset, int64_t base_ms,
                                                         size_t max_samples = 20000);

// Whether a request holds native histograms (then it holds nothing but histogram series).
bool HasHistograms(const promref::wire::WriteRequest& request);

// The dataset's name and a hash of every label and sample: fixtures recorded on one dataset are
// only valid on the same one.
std::string DatasetFingerprint(const Dataset& dataset);

// Label-set text for messages: name{a="b",...}.
std::string SeriesName(const promref::wire::RawLabels& labels);

}  // namespace promconform
