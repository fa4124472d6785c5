// Loading a dataset into a target by remote write, and waiting until the target answers with it.
#pragma once

#include <cstdint>
#include <optional>
#include <string>

#include "client/http_client.h"
#include "datasets/dataset.h"
#include "model/error.h"
#include "target/target.h"
#include "wire/remote_write.h"
#include "wire/remote_write_v2.h"

namespace promconform {

// Sends one remote-write request in the profile's protocol (1.0, or 2.0 with a symbol table)
// to the target's remote-write URL. Returns the raw response (for receiver cases) or a
// transport failure in it.
HttpResponse SendWrite(const Target& target, HttpClient& client, const promref::wire::WriteRequest& request);
// Sends a remote-write 2.0 request whatever the profile's protocol (for what only 2.0 carries,
// such as start timestamps).
HttpResponse SendWriteV2(const Target& target, HttpClient& client,
                         const promref::wire::v2::RequestV2& request);

// What loading found out about the target besides "it has the data".
struct LoadReport {
  // Why the native-histogram cases cannot run, "" when the target stores native histograms: it
  // refused the histogram requests, or took them and returns none of their samples.
  std::string native_histograms_unsupported;
};

// Writes the whole dataset shifted to `base_ms`. Fails on the first non-2xx answer, except that
// with a `report`, refused native-histogram requests are noted there and the load goes on.
promref::Status LoadDataset(const Target& target, const Dataset& dataset, int64_t base_ms,
                            LoadReport* report = nullptr);

// Polls the target until it returns every sample of the dataset (counted with count_over_time
// over the whole span, per metric prefix), or `timeout_ms` passes. Fails with what it saw. With
// a `report`, native histograms (`pch_`) that never show up are noted there instead (after a
// shorter wait), unless the report already says why.
promref::Status WaitForData(const Target& target, const Dataset& dataset, int64_t base_ms, int64_t timeout_ms,
                            LoadReport* report = nullptr);

// Everything a command does before asking questions about the dataset: picks the base
// (`base_ms`, else the profile's dataset_base, else ChooseBase so that everything up to
// `horizon_ms` after it is the profile's query margin in the past), checks it is a multiple of
// kBaseGranularityMs, loads the dataset when the profile has remote write, waits until the target
// answers with it, then until `base + horizon` is the query margin in the past (a given base may
// be recent). Returns the base; what else it learned goes to `report`.
promref::Result<int64_t> PrepareDataset(const Target& target, const Dataset& dataset,
                                        std::optional<int64_t> base_ms, int64_t horizon_ms,
                                        LoadReport* report = nullptr);

}  // namespace promconform
