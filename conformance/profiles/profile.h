// Target profiles: everything the harness must know about an endpoint to test it, in one YAML
// file (examples beside this header: prometheus-2.42.yaml, victoriametrics.yaml, nhn-cloud.yaml...).
//
// A profile says where the endpoint is (base URL, path prefix), how to get in (headers, bearer
// token, basic auth, TLS), how hard to push (timeout, concurrency), how data gets there (remote
// write URL, or none when the data is already loaded), which Prometheus version it claims to
// follow, and what the vendor legitimately does differently (query tweaks, known-unsupported
// cases). Secrets never need to be written into the file: every string may use ${ENV_VAR}, and
// tokens and passwords may come from files.
//
// Format (all keys optional except name):
//   name: victoriametrics-1.79
//   description: free text
//   base_url: http://127.0.0.1:8428      # or launch: embedded | prometheus | victoria-metrics (Debian's)
//                                          #   | pinned-prometheus | pinned-victoria-metrics (peers/build)
//   launch_args: [--flag]                  # extra arguments for a launched peer
//   path_prefix: /prometheus               # prepended to every API path
//   headers: {X-TC-APP-KEY: ${NHN_APPKEY}}
//   auth_headers: [X-TC-APP-KEY]           # headers that carry credentials (front-door cases)
//   bearer_token: ${TOKEN}                 # or bearer_token_file: path
//   basic_auth: {username: u, password: p} # or password_file: path
//   tls: {insecure_skip_verify: false, ca_file: ..., cert_file: ..., key_file: ...}
//   timeout: 30s                           # per request
//   concurrency: 8                         # requests in flight
//   remote_write: {url: /api/v1/write, protocol: "1.0", headers: {...}}   # or: remote_write: none
//   dataset_base: 1795291200               # with remote_write none: where the data was loaded
//   query_margin: 5m                       # every instant asked about is at least this far in the past
//   claims: "2.42"                         # or "3.x": which version's answers count
//   vendor: nhn-cloud                      # enables vendor-specific cases
//   query_tweaks:
//     - note: VictoriaMetrics aligns range queries to the step
//       no_bug: true                       # a product difference, not a bug
//       applies_to: ["promql/*"]           # globs over case ids and categories; default all
//       align_timestamps_to_step: true
//       truncate_timestamps_to_ms: 1000
//       offset_timestamps_by_ms: 0
//       drop_result_labels: [prometheus]
//       ignore_first_step: true
//       ignore_case: true
//       ignore_annotations: true
//       value_tolerance: {fraction: 1e-5, margin: 0}
//   unsupported:
//     - cases: "api/status"                # glob over case ids and categories
//       reason: no status endpoints
//   unsupported_answers: ["no such handler"] # error texts by which the target says it lacks an
//                                          # endpoint or function (besides the generic ones)
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include "client/http_client.h"
#include "model/error.h"

namespace promconform {

struct ValueTolerance {
  // Two floats are equal iff |a-b| <= max(fraction * min(|a|,|b|), margin), as the PromQL
  // compliance tester's EquateApprox; NaN equals NaN, infinities must match exactly.
  double fraction = 1e-5;
  double margin = 0;
};

struct QueryTweak {
  std::string note;
  bool no_bug = false;
  std::vector<std::string> applies_to;  // globs ('*', '?') over case ids and categories; empty: all
  std::vector<std::string> drop_result_labels;
  bool align_timestamps_to_step = false;
  int64_t truncate_timestamps_to_ms = 0;
  int64_t offset_timestamps_by_ms = 0;
  bool ignore_first_step = false;
  bool ignore_case = false;
  bool ignore_annotations = false;
  std::optional<ValueTolerance> value_tolerance;
};

struct KnownUnsupported {
  std::string cases;  // glob over case ids and categories
  std::string reason;
};

struct RemoteWriteTarget {
  std::string url;               // absolute, or a path under the base URL (and prefix)
  std::string protocol = "1.0";  // "1.0" or "2.0"
  Headers headers;               // extra headers for writes only
};

struct BasicAuth {
  std::string username;
  std::string password;
};

struct TlsOptions {
  bool insecure_skip_verify = false;
  std::string ca_file;
  std::string cert_file;
  std::string key_file;
};

struct TargetProfile {
  std::string name;
  std::string description;
  std::string source;  // the file it came from, for messages

  std::string base_url;
  std::string launch;  // "", "embedded", "prometheus", "victoria-metrics", "pinned-prometheus"...
  std::vector<std::string> launch_args;
  std::string path_prefix;
  Headers headers;
  std::vector<std::string> auth_headers;
  std::string bearer_token;
  std::optional<BasicAuth> basic_auth;
  TlsOptions tls;
  int64_t timeout_ms = 30000;
  int concurrency = 8;

  std::optional<RemoteWriteTarget> remote_write;  // nullopt: the data is already there
  std::optional<int64_t> dataset_base_ms;         // where it is, then
  // How far in the past every instant the suite asks about must be when it is asked: endpoints
  // treat recent data differently (VictoriaMetrics evaluates at now-30s, caching front ends hold
  // back the newest results), and the verdicts must not depend on when the run started.
  int64_t query_margin_ms = 5 * 60 * 1000;

  std::string claims = "2.42";
  std::string vendor;
  std::vector<QueryTweak> query_tweaks;
  std::vector<KnownUnsupported> unsupported;
  // Texts (case-insensitive substrings) of the target's error answers that mean "I do not have
  // this endpoint or function"; see LooksUnsupported in runner.cpp for the generic ones.
  std::vector<std::string> unsupported_answers;

  // True when the profile claims a Prometheus 3.x answer set.
  bool ClaimsV3() const { return !claims.empty() && claims[0] == '3'; }
  // Whether requests must carry credentials (so front-door cases apply).
  bool HasFrontDoor() const {
    return !bearer_token.empty() || basic_auth.has_value() || !auth_headers.empty();
  }
  // The headers every request carries: `headers` plus Authorization from the token or basic auth.
  Headers RequestHeaders() const;
  // The reason when the case (by id or category) is listed as unsupported, else nullopt.
  std::optional<std::string> UnsupportedReason(const std::string& case_id, const std::string& category) const;
  // The tweaks that apply to the case (by id or category), in file order.
  std::vector<const QueryTweak*> TweaksFor(const std::string& case_id, const std::string& category) const;
};

// Parses profile YAML. `source` names it in error messages. Unknown keys are errors (a typo
// in a tweak must not silently weaken a comparison).
promref::Result<TargetProfile> ParseProfile(const std::string& yaml, const std::string& source);

// Loads a profile from a file path, or by name from the example directory
// (conformance/profiles/<name>.yaml under the source tree).
promref::Result<TargetProfile> LoadProfile(const std::string& path_or_name);

// A profile for a bare URL (what `diff --target URL` uses): no auth, remote write at
// /api/v1/write, claims 2.42 unless told otherwise.
TargetProfile ProfileForUrl(const std::string& url);

// Glob match over case ids: '*' any run of characters, '?' one character.
bool GlobMatch(std::string_view pattern, std::string_view text);

// The directory holding the example profiles.
std::string ProfilesDir();

}  // namespace promconform
