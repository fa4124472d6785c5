// Reports for people and for CI, all made from one RunResults:
//   text      the terminal summary (per-category table, version differences, failures)
//   json      everything, machine-readable; also the input of --baseline and `promconform report`
//   junit     JUnit XML: a testsuite per category, a testcase per case (any CI renders it)
//   markdown  the summary and failures for a pull request or a wiki
//   html      a self-contained page: per-category scores, a chart of the pass rate by category,
//             and side-by-side expected/actual for every failure
#pragma once

#include <string>
#include <string_view>
#include <vector>

#include "model/error.h"
#include "report/results.h"

namespace promconform {

std::string TextReport(const RunResults& r, size_t max_failures = 30);
std::string JsonReport(const RunResults& r);
std::string JunitReport(const RunResults& r);
std::string MarkdownReport(const RunResults& r, size_t max_failures = 100);
std::string HtmlReport(const RunResults& r, size_t max_failures = 400);

// The file name (without extension) of the reports on a target named `target`: a URL's scheme
// dropped, and any character but letters, digits, '.', '-' and '_' made '_', so that a bare
// URL target (http://127.0.0.1:9090/prom) names a file in the report directory
// (127.0.0.1_9090_prom) rather than a path that does not exist.
std::string ReportFileName(std::string_view target);

// Writes <dir>/<name>.{txt,json,xml,md,html} for the formats asked ("text", "json", "junit",
// "markdown", "html"; "all" for every one). Returns the paths written.
promref::Result<std::vector<std::string>> WriteReports(const RunResults& r, const std::string& dir,
                                                       const std::string& name,
                                                       const std::vector<std::string>& formats);

// Cases that passed in `baseline` and do not pass now.
std::vector<std::string> Regressions(const RunResults& now, const RunResults& baseline);

}  // namespace promconform
