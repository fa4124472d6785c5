// Results of a run: one verdict per case, with the evidence, and the summary reports are made of.
#pragma once

#include <cstdint>
#include <map>
#include <nlohmann/json.hpp>
#include <string>
#include <vector>

#include "model/error.h"

namespace promconform {

// pass: the answer is the expected one. fail: it is not. unsupported: the target does not
// implement it (501, a missing endpoint, or listed in the profile) and it failed. error: no
// usable answer (connection refused, timeout, a body that is not what the endpoint speaks).
// other_version: the answer is the one of the other Prometheus version (2.42 where the target
// claims 3.x, or the reverse): counted apart from failures. skipped: does not apply to this
// target (no credentials for front-door cases, no remote write, another vendor, or a 3.x
// answer nobody knows yet).
enum class Verdict { kPass, kFail, kUnsupported, kError, kOtherVersion, kSkipped };

std::string_view VerdictName(Verdict v);
Verdict ParseVerdict(std::string_view s);

struct ExchangeResult {
  std::string name;
  Verdict verdict = Verdict::kPass;
  std::string request;  // "GET /api/v1/query?query=...&time=..." (rendered)
  std::vector<std::string> diffs;
  nlohmann::json expected;      // normalised, what it was compared with
  nlohmann::json actual;        // normalised
  std::string expected_source;  // "recorded from prometheus 2.42.0", "promqltest staleness.test:23"
};

struct CaseResult {
  std::string id;
  std::string category;
  std::string title;
  std::string expr;
  std::string seed;
  std::string since;
  Verdict verdict = Verdict::kPass;
  std::string reason;               // for skipped / unsupported / error
  bool version_difference = false;  // the case's answer differs between 2.42 and 3.x
  double seconds = 0;
  std::vector<ExchangeResult> exchanges;
};

struct CategoryScore {
  size_t total = 0;  // every case, skipped included
  std::map<Verdict, size_t> counts;
  size_t Scored() const;  // total - skipped - other_version
  double Score() const;   // passed / scored, 1 when nothing is scored
};

struct RunInfo {
  std::string mode;  // run | diff | record
  std::string target;
  std::string target_url;
  std::string target_version;
  std::string claims;
  std::string reference;  // diff: the live reference; run: where fixtures came from
  std::string reference_version;
  std::string dataset;
  int64_t base_ms = 0;
  std::string started_at;  // RFC 3339
  double load_seconds = 0;
  double seconds = 0;  // whole run, start of the target included
  std::vector<std::string> tweak_notes;
};

struct RunResults {
  RunInfo info;
  std::vector<CaseResult> cases;

  CategoryScore Total() const;
  std::map<std::string, CategoryScore> ByCategory() const;
  size_t VersionDifferences() const;  // cases whose answer differs between versions (passed or not)
};

nlohmann::json ResultsToJson(const RunResults& r);

// The wall clock as runs record it: milliseconds since the epoch (what bases are chosen from),
// and the RFC 3339 second (RunInfo::started_at, fixtures' recorded_at).
int64_t WallMs();
std::string NowRfc3339();
promref::Result<RunResults> ResultsFromJson(const nlohmann::json& j);

}  // namespace promconform
