// The fuzzing loop: batches of mutated requests sent to a target, every answer judged by the
// oracles (oracles.h), the target's liveness and data checked by the canary between batches
// (canary.h), each new finding minimised (minimize.h) and written as a reproducer
// (reproducer.h).
//
// Contract:
//   - deterministic from the seed: the same seed generates the same requests in the same order
//     (one std::mt19937_64; answers do not steer generation, only minimisation);
//   - bounded: fuzzing stops at `duration_s` or `max_requests`, whichever comes first;
//     minimisation has its own budget of requests per finding and ends at most `minimize_s`
//     after the deadline;
//   - a target that stops answering ends the run with a crash finding holding the last batch
//     (its requests cannot be minimised against a dead target);
//   - findings are de-duplicated by signature (oracle, endpoint, status, errorType, the shape of
//     the error message): the first of each is minimised, later ones only counted; known
//     findings (--known) are recorded unminimised, and of an oracle the profile opts out of
//     (`unsupported: fuzz/<oracle>`) only a few examples are kept.
#pragma once

#include <cstdint>
#include <map>
#include <string>
#include <vector>

#include "client/http_client.h"
#include "fuzz/fuzz_request.h"
#include "fuzz/known_findings.h"
#include "fuzz/oracles.h"
#include "model/error.h"
#include "target/target.h"

namespace promconform::fuzz {

struct FuzzOptions {
  uint64_t seed = 1;
  double duration_s = 60;
  size_t max_requests = 0;  // 0: no bound but the duration
  size_t batch_size = 50;
  bool experimental = false;  // the oracle's parser: Prometheus' experimental PromQL on
  size_t max_nesting = 20000;
  int64_t request_timeout_ms = 10000;
  size_t minimize_budget = 300;  // requests per finding
  double minimize_s = 30;
  size_t max_findings = 20;         // distinct findings minimised and written
  bool fuzz_writes = true;          // remote-write bodies (when the target takes remote writes)
  std::string out_dir;              // reproducers; "" writes none
  std::vector<KnownFinding> known;  // reported apart, not minimised
  // Where each batch is written before it is sent (in-process targets: their crash is ours).
  std::string journal_dir;
  bool progress = false;  // a line on stderr per batch
};

struct Finding {
  Oracle oracle = Oracle::kServerError;
  std::string signature;
  std::string message;
  FuzzRequest original;
  FuzzRequest minimized;
  HttpResponse answer;  // to the minimised request (crash: to the last one sent)
  size_t seen = 1;
  size_t minimize_tests = 0;
  std::vector<FuzzRequest> batch;  // crash / canary-data: the requests of the batch before it
  std::string reproducer;          // the file written
  std::string unsupported;         // the profile's reason when it opts out of this oracle
  std::string known;               // why it is a known finding (--known)
};

struct FuzzStats {
  size_t requests = 0;           // fuzzed requests sent
  size_t minimize_requests = 0;  // sent while minimising
  size_t canary_probes = 0;
  size_t timeouts = 0;  // client timeouts (slow answers; not judged)
  size_t batches = 0;
  size_t overflow = 0;  // distinct findings past max_findings, not kept
  double fuzz_seconds = 0;
  double seconds = 0;
  bool canary_data = false;  // canary series were written and checked
  std::map<std::string, size_t> by_mutation;
  std::map<long, size_t> by_status;
  std::map<Oracle, size_t> checks;  // requests each oracle judged
  std::vector<std::string> slow;    // the first requests that got no answer in time
  std::string stop_reason;
};

struct FuzzOutcome {
  std::vector<Finding> findings;
  FuzzStats stats;
};

// Fuzzes `target` (already open). Fails only when the harness cannot run: the target does not
// answer at the start, or the canary cannot be written.
promref::Result<FuzzOutcome> RunFuzz(const Target& target, const FuzzOptions& options);

}  // namespace promconform::fuzz
