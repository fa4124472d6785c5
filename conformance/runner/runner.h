// The runner: sends every case's requests, in parallel where cases allow it, and judges the
// answers. Three ways to use it:
//   Record: ask the reference and store its normalised answers as the cases' expectations;
//   Run:    ask a target and compare with the stored expectations (version-aware);
//   Diff:   ask a live reference and a live target the same thing and compare the two.
// Cases marked serial (they write or delete data) run one at a time after the others.
#pragma once

#include <cstdint>
#include <string>
#include <vector>

#include "client/http_client.h"
#include "compare/comparer.h"
#include "model/error.h"
#include "report/results.h"
#include "suites/case.h"
#include "target/target.h"

namespace promconform {

struct RunnerOptions {
  int concurrency = 8;
  bool progress = false;  // a live progress bar on standard error
  // Run: the version the expectations were recorded from. Diff: the live reference's version.
  std::string reference_version;
  std::string reference_name;
  // Why the target (the live reference) stores no native histograms, "" when it does (from
  // LoadReport): the target's native-histogram cases are unsupported, the reference's skipped.
  std::string target_lacks_native_histograms;
  std::string reference_lacks_native_histograms;
};

// A request rendered for a target and a base: what goes on the wire.
struct RenderedRequest {
  HttpRequest http;
  AuthMode auth = AuthMode::kProfile;
  std::string line;  // "GET /api/v1/query?query=..." for reports
};

// Request time tweaks (align, truncate, offset) for one case, from the profile.
struct TimeTweaks {
  bool align_to_step = false;
  int64_t truncate_ms = 0;
  int64_t offset_ms = 0;
};

promref::Result<RenderedRequest> RenderRequest(const Target& target, const Exchange& exchange,
                                               int64_t base_ms, const TimeTweaks& tweaks = {});

// Sends one exchange (retries on transport failure are not done: a flaky endpoint is a finding).
HttpResponse Execute(const Target& target, HttpClient& client, const RenderedRequest& request);

// Whether `exchange` applies to `target`; the reason when it does not.
std::string SkipReason(const Case& c, const Exchange* exchange, const Target& target);

// Why a case recorded from `reference_version` has no answer: the behaviour it asks about is
// newer ("" when it is not, and a missing answer is an error).
std::string NewerThanReference(const Case& c, const std::string& reference_version);

// Fills `expect` of every exchange from `reference`. Fails when the reference gives no answer.
promref::Status RecordCases(std::vector<Case>& cases, const Target& reference, int64_t base_ms,
                            const RunnerOptions& options);

std::vector<CaseResult> RunCases(const std::vector<Case>& cases, const Target& target, int64_t base_ms,
                                 const RunnerOptions& options);

std::vector<CaseResult> DiffCases(const std::vector<Case>& cases, const Target& reference,
                                  int64_t reference_base, const Target& target, int64_t target_base,
                                  const RunnerOptions& options);

// Fills `expect_other` of every exchange of `cases` (recorded from one Prometheus line) from the
// same exchange in `other` (the same suite recorded from the other line, `other_source` saying
// which), where the two answers differ beyond annotations (2.42 has none), and sets the cases'
// `version_difference`. Exchanges `other` lacks are left alone.
void AttachOtherAnswers(std::vector<Case>& cases, const std::vector<Case>& other,
                        const std::string& other_source);

// Whether `actual` is the answer `expected` states for an exchange of `c` (a partial expectation
// compares its keys only), with the case's order rules.
CompareResult CompareAnswers(const Case& c, const Exchange& e, const nlohmann::json& expected,
                             const nlohmann::json& actual, bool compare_annotations);

// Whether a failing answer (`actual`, normalised) is the target saying it does not have the
// endpoint or function asked for, where the reference answered `expected`.
bool LooksUnsupported(const nlohmann::json& expected, const nlohmann::json& actual,
                      const TargetProfile& profile);

// Whether a Prometheus version string ("2.42.0+ds", "3.14.0") is at least major.minor.
bool VersionAtLeast(const std::string& version, int major, int minor);

}  // namespace promconform
