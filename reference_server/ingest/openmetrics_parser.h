// OpenMetrics 1.0 text (application/openmetrics-text; version=1.0.0 or 0.0.1), read as
// Prometheus 3.x reads it (model/textparse/openmetricsparse.go).
//
// Stricter than the Prometheus text format: single spaces only, no blank lines, no free
// comments, every label pair followed by a comma or the closing brace, and the body must end
// with "# EOF" (one optional newline after it, nothing else). Adds UNIT lines, the types
// gaugehistogram, info and stateset, one exemplar per sample ("# {labels} value [timestamp]")
// and timestamps in seconds, which are converted to milliseconds.
#pragma once

#include <memory>
#include <string_view>

#include "ingest/exposition.h"

namespace promref::ingest {

struct OpenMetricsOptions {
  // Read `_created` lines of counters, summaries and histograms as the start timestamps of
  // the series before them instead of as series of their own (Prometheus does this when it
  // ingests start timestamps). Off, they are ordinary series and no start timestamps are set.
  bool created_as_start_timestamp = false;
};

// A parser over `body`, which must outlive it.
std::unique_ptr<Parser> NewOpenMetricsParser(std::string_view body, OpenMetricsOptions options = {});

}  // namespace promref::ingest
