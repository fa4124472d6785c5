// A deterministic demo dataset, so that a newcomer can query real-looking data at once
// (`promref --demo`): six hours up to `now` of two jobs scraped every 15 s with jitter:
// request counters (with a restart that resets them), latency histograms and summaries,
// memory and CPU gauges, `up`, and a series that stops and resumes.
#pragma once

#include <chrono>
#include <cstddef>

#include "storage/storage.h"

namespace promref::server {

// Appends the dataset; returns the number of samples written.
size_t LoadDemoData(storage::Storage& store, std::chrono::system_clock::time_point now);

}  // namespace promref::server
