// Fuzzed remote-write 1.0 requests.
//
// Bodies start from valid WriteRequests (float series, metadata and exemplars, a native
// histogram) built with promref's codec and sent with a Prometheus sender's headers, then go
// wrong at one level:
//   labels     empty, duplicate, unsorted, invalid UTF-8 or invalid names; __name__ missing or
//              empty; huge values; thousands of labels
//   values     NaN payloads (quiet, signalling, stale marker, negative), infinities, -0;
//              timestamps at the int64 limits, far past and future, repeated, out of order
//   histogram  odd schemas, spans and deltas that disagree, negative and NaN counts
//   protobuf   the encoded bytes flipped, cut, repeated, given huge varints and unknown fields
//   snappy     the compressed bytes: huge declared lengths, corrupt copies, cut, framed format
//   headers    encoding, type and version headers missing or wrong
//
// Contract: a pure function of the generator's state and `anchor_ms`. Every series it writes is
// named promconform_fuzz_w* (never the canary's name), with samples near `anchor_ms` unless the
// mutation is about timestamps.
#pragma once

#include <cstdint>
#include <random>
#include <string>
#include <vector>

#include "fuzz/fuzz_request.h"
#include "wire/remote_write.h"

namespace promconform::fuzz {

// The valid requests mutations start from.
std::vector<promref::wire::WriteRequest> WriteSeeds(int64_t anchor_ms);

class WriteMutator {
 public:
  // `url`: where remote writes go (absolute).
  WriteMutator(std::string url, int64_t anchor_ms) : url_(std::move(url)), seeds_(WriteSeeds(anchor_ms)) {}

  FuzzRequest Next(std::mt19937_64& rng) const;

  // The body and headers a well-behaved sender would send for `request`.
  FuzzRequest Valid(const promref::wire::WriteRequest& request) const;

 private:
  void MutateLabels(promref::wire::WriteRequest& w, std::mt19937_64& rng) const;
  void MutateValues(promref::wire::WriteRequest& w, std::mt19937_64& rng) const;
  void MutateHistogram(promref::wire::WriteRequest& w, std::mt19937_64& rng) const;

  std::string url_;
  std::vector<promref::wire::WriteRequest> seeds_;
};

// Byte-level mutations, shared with the tests.
std::string MutateProtobufBytes(std::string bytes, std::mt19937_64& rng);
std::string MutateSnappyBytes(std::string compressed, const std::string& raw, std::mt19937_64& rng);

}  // namespace promconform::fuzz
