// The canary: how the fuzzer knows the target is still up and its data intact.
//
// At the start a few series (promconform_fuzz_canary, exact values, 15 s apart, ending well
// before now) are written by remote write; a probe asks for them back with one instant query
// of a range selector over their whole span and compares every timestamp and value exactly
// (as numbers, bit for bit). A probe that gets no answer,
// retried for a few seconds, means the target went down. Without remote write (profile
// `remote_write: none`) the probe only asks `vector(1)`.
#pragma once

#include <cstdint>
#include <string>

#include "client/http_client.h"
#include "datasets/dataset.h"
#include "model/error.h"
#include "target/target.h"

namespace promconform::fuzz {

class Canary {
 public:
  // `base_ms`: the first sample's time (a whole second).
  Canary(const Target& target, int64_t base_ms);

  // Writes the series and waits (up to `timeout_ms`) until the target returns them as written.
  // Without remote write, checks that the target answers at all.
  promref::Status Write(HttpClient& client, int64_t timeout_ms);

  enum class State { kOk, kDown, kChanged };
  struct Probe {
    State state = State::kOk;
    std::string detail;  // what differs, or the transport error
  };
  // Asks once; when there is no answer, retries for `retry_ms` before saying the target is down.
  Probe Check(HttpClient& client, int64_t retry_ms = 3000) const;

  bool has_data() const { return has_data_; }
  const std::vector<DatasetSeries>& series() const { return series_; }
  static constexpr const char* kMetric = "promconform_fuzz_canary";

 private:
  HttpRequest Query() const;
  Probe Compare(const HttpResponse& resp) const;

  const Target& target_;
  int64_t base_ms_;
  bool has_data_;
  std::vector<DatasetSeries> series_;
};

}  // namespace promconform::fuzz
